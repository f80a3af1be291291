"""Is the control loop healthy? The decision the hardware watchdog is fed on.

Healthy means every vital part showed life recently: the control task made a decision, the
sensor task finished a reading, the pump task ran its on/off cycler, and the I2C bus (the
PCF8591: NTC inputs and the pump's DAC) completed a reading without an error. A part that
shows no life for longer than its limit makes the loop unhealthy: the watchdog is no longer
fed and resets the board. A call that never returns (a hung I2C read, a hung ESP32 SPI
transfer) stops every task, this check included, so the watchdog is not fed either.

The limits leave room for a network call that blocks the loop for a few seconds (the link's
and the heater's calls are bounded well below the slack, 10 s).

``Watch`` is the supervised task that checks once a second and feeds the dog while healthy.
"""

import asyncio

from adafruit_ticks import ticks_diff

from controller import milli, pump


# The slack, 10000 ms: longer than any call allowed to block the loop (written where it is used:
# each distinct name is a string the board keeps).


class Watch:
    """Feeds ``dog`` once a second while the loop is healthy.

    :param ctx: the Controller (its settings give the periods and HEALTH_I2C_DEAD_S); every
        part counts as alive when the watch is made
    :param dog: something with ``feed()``
    """

    def __init__(self, ctx, dog):
        self.ctx = ctx
        self.dog = dog
        s = ctx.settings
        ms = 2 * milli(s.sensor_period_s) + s.probe_conversion_ms + 10000  # the sensors' limit
        # per part, how long it may show no life: control, sensors, the pump task (it wakes at
        # least every 250 ms), I2C (at least the sensors')
        self.limits_ms = (2 * milli(s.control_period_s) + 10000, ms, 10000, max(ms, s.health_i2c_dead_s * 1000))
        now = ctx.clock.ticks_ms()
        self.seen = [None, None, None, None]  # per part: its last value, and when it changed
        self.at = [now, now, now, now]
        self.reason = ""  # why the loop is unhealthy; "" while healthy
        self.part = ""  # the part that made it so: control, sensors, pump or i2c
        self.feeds = 0
        self.unfed = False
        self.i2c_good = 0
        self.readings = ctx.readings  # the reading count and I2C error count at the last step
        self.errors = ctx.i2c_errors

    def check(self, now_ms, control, sensors, pump, i2c):
        """True if healthy. Each argument after ``now_ms`` is a value that changes whenever that
        part works (the decision's ticks, the reading count, the pump cycler's last update, the
        count of good I2C readings)."""
        seen = self.seen
        at = self.at
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
            self.part = ("control", "sensors", "pump", "i2c")[bad]
            self.reason = "%s for %d s" % (("no control decision", "no sensor reading", "pump task not running",
                                            "no good I2C reading")[bad], ticks_diff(now_ms, at[bad]) // 1000)
        return False

    def step(self):
        """One check; True if the dog was fed."""
        ctx = self.ctx
        now = ctx.clock.ticks_ms()
        readings = ctx.readings
        if readings != self.readings:
            errors = ctx.i2c_errors
            if errors == self.errors and ctx.pcf is not None:
                self.i2c_good += 1
            self.readings = readings
            self.errors = errors
        if self.check(now, ctx.decision_ms, readings, ctx.cycler.last_ms, self.i2c_good):
            self.dog.feed()
            self.feeds += 1
            if self.unfed:
                self.unfed = False
                ctx.log.info("watchdog: the loop is healthy again; fed")
            return True
        if not self.unfed:
            self.unfed = True
            ctx.log.error("watchdog not fed: %s; the board resets unless it recovers" % self.reason)
            pump.off(ctx.pcf)  # at once: the reset may be a timeout away
            if ctx.keeper is not None:
                ctx.keeper.before_reset("unfed_" + self.part)
        return False

    async def task(self, ctx):
        while True:
            self.step()
            await asyncio.sleep(1)
