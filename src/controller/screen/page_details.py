"""The details page: all seven sensors by name with value, raw reading or ROM and fault state;
DS18B20 ROMs found against those configured, settings in effect, memory, uptime, version."""

from controller import VERSION
from controller.screen import fmt
from controller.screen.fmt import FAULT, GREY, INK, WARN, WHITE
from controller.screen.widgets import Header, Text

_SMALL = 8  # lines of small print
_COLS = 79


class DetailsPage:
    name = "details"

    def __init__(self, gfx):
        g = gfx.Group()
        self.group = g
        self.header = Header(gfx, g, "DETAILS")
        self.rows = [Text(gfx, g, 4, 34 + i * 24, 2) for i in range(7)]
        self.small = [Text(gfx, g, 4, 206 + i * 14, 1) for i in range(_SMALL)]

    def update(self, ctx, level, headline):
        self.header.set(level, headline)
        i = 0
        for sensor in (ctx.hot, ctx.cold):
            raw = "raw  --" if sensor.raw is None else "raw %3d" % sensor.raw
            self._row(i, sensor.label, sensor.value_c, raw, sensor.fault, FAULT)
            i += 1
        for probe in ctx.probes[:5]:
            rom = probe.rom_hex[-6:] if probe.rom_hex else "no ROM"
            self._row(i, probe.name, probe.value_c, rom, probe.fault, WARN if probe.rom_hex else None)
            i += 1
        while i < 7:
            self.rows[i].set("")
            i += 1
        lines = self._small_lines(ctx)
        for j, text in enumerate(self.small):
            text.set(lines[j][:_COLS] if j < len(lines) else "")

    def _row(self, i, name, value_c, raw, fault, fault_level):
        state = fault or "ok"
        text = "%-12s%s %-7s %s" % (name[:12], fmt.temp(value_c, 6), raw, state)
        if fault is None:
            color = WHITE
        elif fault_level is None:
            color = GREY
        else:
            color = INK[fault_level]
        self.rows[i].set(text[:39], color)

    def _small_lines(self, ctx):
        s = ctx.settings
        bus = ctx.probe_bus
        found = bus.found if bus is not None else ()
        configured = [p.rom_hex for p in ctx.probes if p.rom_hex]
        present = [rom for rom in configured if rom in found]
        new = [rom for rom in found if rom not in configured]
        lines = ["DS18B20 on the bus: %d found; %d of %d configured present%s" % (
            len(found), len(present), len(configured), "; new: " + ",".join(new) if new else "")]
        overrides = ctx.overrides or {}
        text = "settings: %d errors; remote overrides: " % len(s.errors)
        text += ", ".join("%s=%s" % (k, overrides[k]) for k in sorted(overrides)) if overrides else "none"
        lines.append(text)
        lines.append("in effect: start %.1f K  stop %.1f K  purge %d s  overheat %d C  cool-off %d/%d C" % (
            s.max_diff_start_k, s.min_diff_k, s.purge_s, s.overheat_c, s.cool_off_arm_c, s.cool_off_disarm_c))
        mem = fmt.free_memory()
        lines.append("free memory %s  uptime %s  firmware %s" % (
            "--" if mem is None else "%.1f KB" % (mem / 1024), fmt.uptime(ctx.clock.now_s()), VERSION))
        restarts = ", ".join("%s %d" % (k, v) for k, v in ctx.task_restarts.items() if v) or "none"
        lines.append("readings %d  cycles %d  pump starts %d  I2C errors %d  task restarts: %s" % (
            ctx.readings, ctx.control_cycles, ctx.pump_starts, ctx.i2c_errors, restarts))
        c = ctx.counters
        if c is not None:
            resets = ", ".join("%s %d" % (k, c.resets[k]) for k in sorted(c.resets)) or "none"
            lines.append("total %s kWh  pump %s  starts %d  faults %d  resets: %s" % (
                fmt.kwh(c.heat_total_kwh), fmt.hours(c.pump_s_total), c.starts_total, c.faults_total, resets))
        link = ctx.link
        if link is not None:
            lines.append("network %s: WiFi joins %d, MQTT connects %d, queued %d, lost %d %s" % (
                link.state, link.wifi_connects, link.mqtt_connects, link.buffered, link.dropped,
                link.last_error))
        for _t, level, message in ctx.log.recent[::-1]:
            if level != "INFO":
                lines.append("last %s: %s" % (level.lower(), message))
                break
        return lines
