"""The cooperative tasks: sensors, control and display (the pump's drive is controller.pump).

Each task is a coroutine function taking the ``Controller`` (app.py), which holds the
hardware, the shared state and two locks: ``i2c_lock`` (the PCF8591's ADC reads and DAC
writes share one bus) and ``state_lock`` (readings and the decision). Tasks schedule
themselves on millisecond ticks, so a late wake-up does not shift the period.
"""

import asyncio

from adafruit_ticks import ticks_add, ticks_diff

from controller import const, milli


_TOUCH_POLL_MS = const(100)


def _left_s(ctx, deadline):
    """Seconds until the tick ``deadline`` (ms), for ``asyncio.sleep``; 0 if it has passed, so a
    task whose work overran its period (a slow bus) still yields once and cannot keep the others
    from running. A plain function, not a coroutine: a task asleep keeps no frame of it (64 bytes
    each in the sensor, control and display tasks)."""
    delay = ticks_diff(deadline, ctx.clock.ticks_ms())
    return delay / 1000 if delay > 0 else 0


def _next_deadline(ctx, deadline, period_ms):
    """The next period boundary after the tick ``deadline``; skips missed ones instead of bursting."""
    deadline = ticks_add(deadline, period_ms)
    now = ctx.clock.ticks_ms()
    if ticks_diff(deadline, now) < 0:
        deadline = now
    return deadline


async def sensor_task(ctx):
    """Read both NTCs and all DS18B20 probes every SENSOR_PERIOD_S."""
    s = ctx.settings
    period_ms = milli(s.sensor_period_s)
    deadline = ctx.clock.ticks_ms()
    last_scan_s = ctx.clock.now_s()
    while True:
        probes = ctx.probe_bus
        ok = False  # a conversion started
        if probes is not None:
            try:
                ok = probes.start_conversion()
            except (OSError, RuntimeError) as exc:
                ctx.log.warn("1-Wire conversion start failed: %s" % exc)
        started_ms = ctx.clock.ticks_ms()
        await ctx.read_ntcs()
        if probes is not None:
            # Read no earlier than the conversion time after the start, measured with ticks.
            while ticks_diff(ctx.clock.ticks_ms(), started_ms) < s.probe_conversion_ms:
                await asyncio.sleep((s.probe_conversion_ms - ticks_diff(ctx.clock.ticks_ms(), started_ms)) / 1000)
            now_s = ctx.clock.now_s()
            async with ctx.state_lock:
                if ok:
                    probes.read_all(now_s)
                else:
                    for probe in probes.probes:
                        probe.feed(None, "bus: no presence pulse", now_s)
            # Every minute, look again for configured probes that are missing.
            if probes.missing_configured() and now_s - last_scan_s >= 60:
                last_scan_s = now_s
                if ctx.scan_probes() is not None and not probes.missing_configured():
                    ctx.log.info("all configured DS18B20 probes found again")
        ctx.readings += 1
        deadline = _next_deadline(ctx, deadline, period_ms)
        await asyncio.sleep(_left_s(ctx, deadline))


async def control_task(ctx):
    """Run the pump algorithm every CONTROL_PERIOD_S on the latest readings."""
    period_ms = milli(ctx.settings.control_period_s)
    deadline = ctx.clock.ticks_ms()
    while True:
        ctx.control_once()
        deadline = _next_deadline(ctx, deadline, period_ms)
        await asyncio.sleep(_left_s(ctx, deadline))


async def display_task(ctx):
    """Once a second: a point for the trend history (``ctx.trend``), the screen's update and,
    every minute, a status line on the serial console (the TFT pages are controller.screen's).
    Between updates the touch panel is read every 100 ms, and a touch that changes the page
    redraws at once."""

    from controller.screen import Trend

    if ctx.trend is None:
        ctx.trend = Trend()
    trend = ctx.trend
    deadline = ctx.clock.ticks_ms()
    last_status_s = None
    while True:
        now_s = ctx.clock.now_s()
        trend.add(now_s, ctx.hot.value_c, ctx.cold.value_c, ctx.probe_value(ctx.settings.screen_ambient_probe),
                  ctx.decision.duty_pct)
        screen = ctx.screen if hasattr(ctx.screen, "update") else None
        if screen is not None:
            screen.update(ctx, ctx.clock.ticks_ms())
        if last_status_s is None or now_s - last_status_s >= 60:  # a status line every minute
            last_status_s = now_s
            d = ctx.decision
            ctx.log.info("hot %s C  cold %s C  duty %3d %%  max_diff %.2f K  %s" % (
                tuple("--.-" if s.value_c is None else "%5.1f" % s.value_c for s in (ctx.hot, ctx.cold))
                + (d.duty_pct, d.max_diff_k, d.reason)))
        deadline = _next_deadline(ctx, deadline, 1000)
        while screen is not None and screen.touch is not None and ticks_diff(deadline, ctx.clock.ticks_ms()) > _TOUCH_POLL_MS:
            await asyncio.sleep(_TOUCH_POLL_MS / 1000)
            if screen.poll_touch():
                screen.update(ctx, ctx.clock.ticks_ms())
        await asyncio.sleep(_left_s(ctx, deadline))
