"""Status text for the screen and the console (a placeholder until the real TFT pages)."""


def _temp(value_c):
    return "--.-" if value_c is None else "%5.1f" % value_c


def status_line(ctx):
    """One line for the serial console."""
    d = ctx.decision
    return "hot %s C  cold %s C  duty %3d %%  max_diff %.2f K  %s" % (
        _temp(ctx.hot.value_c), _temp(ctx.cold.value_c), d.duty_pct, d.max_diff_k, d.reason)


def status_lines(ctx):
    """A few lines for the screen: the mode and why, the temperatures, faults in words."""
    d = ctx.decision
    lines = [
        d.reason,
        "collector %s C   tank %s C" % (_temp(ctx.hot.value_c), _temp(ctx.cold.value_c)),
        "pump %3d %% (%s)   max_diff %.1f K" % (d.duty_pct, "on" if ctx.pump_on else "off", d.max_diff_k),
    ]
    for probe in ctx.probes:
        if probe.rom_hex or probe.value_c is not None:
            text = "%-12s %s C" % (probe.name, _temp(probe.value_c))
            if probe.fault:
                text += "  FAULT: " + probe.fault
            lines.append(text)
    for sensor in (ctx.hot, ctx.cold):
        if sensor.fault:
            lines.append("FAULT: " + sensor.fault_text())
    return lines
