"""The status line for the serial console (the TFT pages are in ``controller.screen``)."""


def _temp(value_c):
    return "--.-" if value_c is None else "%5.1f" % value_c


def status_line(ctx):
    """One line for the serial console."""
    d = ctx.decision
    return "hot %s C  cold %s C  duty %3d %%  max_diff %.2f K  %s" % (
        _temp(ctx.hot.value_c), _temp(ctx.cold.value_c), d.duty_pct, d.max_diff_k, d.reason)
