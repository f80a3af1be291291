"""Is the control loop healthy? The decision the hardware watchdog is fed on.

Healthy means every vital part showed life recently: the control task made a decision, the
sensor task finished a reading, the pump task ran its on/off cycler, and the I2C bus (the
PCF8591: NTC inputs and the pump's DAC) completed a reading without an error. A part that
shows no life for longer than its limit makes the loop unhealthy: the watchdog is no longer
fed and resets the board. A call that never returns (a hung I2C read, a hung ESP32 SPI
transfer) stops every task, this check included, so the watchdog is not fed either.

The limits leave room for a network call that blocks the loop for a few seconds (the link's
and the heater's calls are bounded well below ``_SLACK_S``).

``Watch`` is the supervised task that checks once a second and feeds the dog while healthy.
"""

import asyncio

from adafruit_ticks import ticks_diff

from controller import milli, pump

_FEED_S = 1
_SLACK_S = 10  # longer than any call allowed to block the loop
PUMP_LIMIT_S = 10  # the pump task wakes at least every 250 ms
NAMES = ("control", "sensors", "pump", "i2c")
_WHAT = ("no control decision", "no sensor reading", "pump task not running", "no good I2C reading")


class Health:
    """:param settings: the Settings (periods; HEALTH_I2C_DEAD_S)
    :param now_ms: ticks now: every part counts as alive at this moment"""

    def __init__(self, settings, now_ms):
        control_ms = 2 * milli(settings.control_period_s) + _SLACK_S * 1000
        sensors_ms = 2 * milli(settings.sensor_period_s) + settings.probe_conversion_ms + _SLACK_S * 1000
        i2c_ms = settings.health_i2c_dead_s * 1000
        if i2c_ms < sensors_ms:
            i2c_ms = sensors_ms
        self.limits_ms = (control_ms, sensors_ms, PUMP_LIMIT_S * 1000, i2c_ms)
        self._seen = [None, None, None, None]
        self._at = [now_ms, now_ms, now_ms, now_ms]
        self.reason = ""  # why the loop is unhealthy; "" while healthy
        self.part = ""  # the part that made it so (one of NAMES)

    def check(self, now_ms, control, sensors, pump, i2c):
        """True if healthy. Each argument after ``now_ms`` is a value that changes whenever that
        part works (the decision's ticks, the reading count, the pump cycler's last update, the
        count of good I2C readings)."""
        seen = self._seen
        at = self._at
        values = (control, sensors, pump, i2c)
        bad = -1
        for i in range(4):
            if values[i] != seen[i]:
                seen[i] = values[i]
                at[i] = now_ms
            elif bad < 0 and ticks_diff(now_ms, at[i]) > self.limits_ms[i]:
                bad = i
        if bad < 0:
            self.reason = ""
            self.part = ""
            return True
        if not self.reason:
            self.part = NAMES[bad]
            self.reason = "%s for %d s" % (_WHAT[bad], ticks_diff(now_ms, at[bad]) // 1000)
        return False


class Watch:
    """Feeds ``dog`` once a second while ``Health`` says the loop is healthy."""

    def __init__(self, ctx, dog):
        self.ctx = ctx
        self.dog = dog
        self.health = Health(ctx.settings, ctx.clock.ticks_ms())
        self.feeds = 0
        self.unfed = False
        self.i2c_good = 0
        self._readings = ctx.readings
        self._errors = ctx.i2c_errors

    def step(self):
        """One check; True if the dog was fed."""
        ctx = self.ctx
        now = ctx.clock.ticks_ms()
        readings = ctx.readings
        if readings != self._readings:
            errors = ctx.i2c_errors
            if errors == self._errors and ctx.pcf is not None:
                self.i2c_good += 1
            self._readings = readings
            self._errors = errors
        if self.health.check(now, ctx.decision_ms, readings, ctx.cycler.last_ms, self.i2c_good):
            self.dog.feed()
            self.feeds += 1
            if self.unfed:
                self.unfed = False
                ctx.log.info("watchdog: the loop is healthy again; fed")
            return True
        if not self.unfed:
            self.unfed = True
            ctx.log.error("watchdog not fed: %s; the board resets unless it recovers" % self.health.reason)
            pump.off(ctx.pcf)  # at once: the reset may be a timeout away
            keeper = ctx.keeper
            if keeper is not None:
                keeper.before_reset("unfed_" + self.health.part)
        return False

    async def task(self, ctx):
        while True:
            self.step()
            await asyncio.sleep(_FEED_S)

