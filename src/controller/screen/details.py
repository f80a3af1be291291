"""The details page: the seven sensors by name with value, raw ADC reading or ROM and fault
state; the DS18B20s on the bus against those configured, and any new ROM. Loaded while the
page is shown (see ``controller.screen``).
"""

from controller import const
from controller.screen import INK, temp

_WARN = const(2)  # the status levels (controller.screen)
_FAULT = const(3)
_GREY = const(0x8C8C8C)
_WHITE = const(0xFFFFFF)


def update(s, ctx, level, text):
    """The title (the page's name) and the rows: a row per sensor, a fault too long for its
    column in the raw reading's place."""
    lines = [s.name.upper(), ("sensor          C id     state", _GREY)]  # id: the raw ADC reading, the ROM's end
    rows = [(p, p.label, "--" if p.raw is None else str(p.raw), INK[_FAULT]) for p in (ctx.hot, ctx.cold)]
    rows += [(p, p.name, p.rom_hex[-6:] if p.rom_hex else "no ROM", INK[_WARN] if p.rom_hex else _GREY)
             for p in ctx.probes[:5]]
    for p, name, raw, color in rows:
        state = p.fault or "ok"
        name = name[:12]
        if len(state) > 14:
            lines.append(("%-12s%s %s" % (name, temp(p.value_c), state), color))
        else:
            lines.append(("%-12s%s %-7s%s" % (name, temp(p.value_c), raw, state),
                          _WHITE if p.fault is None else color))
    bus = ctx.probe_bus
    found = bus.found if bus is not None else ()
    roms = [p.rom_hex for p in ctx.probes if p.rom_hex]
    n = 0
    for rom in roms:
        if rom in found:
            n += 1
    lines.append(None)
    lines.append(("DS18B20: %d found, %d of %d configured" % (len(found), n, len(roms)),
                  _WHITE if n == len(roms) else INK[_WARN]))
    for rom in found:
        if rom not in roms:
            lines.append(("new: %s (boot page)" % rom, INK[_WARN]))
    return lines
