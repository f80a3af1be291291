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
    lines = ["DETAILS", ("sensor          C id     state", _GREY)]  # id: the raw ADC reading, the ROM's end
    for p in (ctx.hot, ctx.cold):
        lines.append(_sensor(p.label, p.value_c, "--" if p.raw is None else str(p.raw), p.fault, INK[_FAULT]))
    for p in ctx.probes[:5]:
        lines.append(_sensor(p.name, p.value_c, p.rom_hex[-6:] if p.rom_hex else "no ROM", p.fault,
                             INK[_WARN] if p.rom_hex else _GREY))
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


def _sensor(name, value, raw, fault, color):
    """A sensor's row; a fault too long for its column takes the raw reading's place."""
    state = fault or "ok"
    if len(state) > 14:
        return "%-12s%s %s" % (name[:12], temp(value), state), color
    return "%-12s%s %-7s%s" % (name[:12], temp(value), raw, state), _WHITE if fault is None else color
