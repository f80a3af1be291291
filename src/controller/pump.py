"""The pump's drive: the PCF8591's analog output (DAC) switches the SCR pump driver, 255 on and
0 off (written as those numbers). Every write to it is here: the pump task that applies the decided duty as a slow on/off
cycle (``DutyCycler``, below), and ``off``, the one way to switch the pump off whatever state the
program is in (a stop, a crash, the watchdog, a reboot, safe mode).
"""

import asyncio

from adafruit_ticks import ticks_add, ticks_diff



def off(pcf, i2c=None, address=0x48):
    """Switch the pump off now; True if the write went through. Never raises, and does not wait
    for the I2C lock (its holder may be the hung task).

    :param pcf: the PCF8591 driver, or None
    :param i2c: without a driver (safe mode, a crash before the controller existed): a bus on
        which the PCF8591's control byte and a 0 go out as raw bytes
    :param address: the PCF8591's I2C address, for the raw bytes
    """
    try:
        if pcf is not None:
            pcf.write(0)
            return True
        if i2c is None:
            return False
        while not i2c.try_lock():
            pass
        try:
            i2c.writeto(address, bytes((0x40, 0)))  # the control byte: analog output enabled
        finally:
            i2c.unlock()
        return True
    except Exception:  # noqa: BLE001 - the last line of defence reports, never raises
        return False


async def drive(ctx, on):
    """Set the DAC for ``on`` under the I2C lock; False (counted and logged) on an I2C error or
    while the PCF8591 is missing."""
    async with ctx.i2c_lock:
        if ctx.pcf is None:
            return False
        try:
            ctx.pcf.write(255 if on else 0)
        except (OSError, RuntimeError) as exc:
            ctx.i2c_errors += 1
            ctx.log.error("pump DAC write failed: %s" % exc)
            return False
    return True


async def task(ctx):
    """Apply the decided duty as a slow on/off cycle (``ctx.cycler``) on the DAC; a level is
    written when it changes, and again soon after a failed write."""
    cycler = ctx.cycler
    written = None
    while True:
        level = cycler.update(ctx.clock.ticks_ms(), ctx.effective_duty_pct())
        if level != written:
            if await drive(ctx, level):
                written = level
                ctx.pump_on = level
                ctx.pump_switches += 1
            else:
                written = None  # unknown: write again soon
                await asyncio.sleep(0.1)  # after a failed DAC write
                continue
        # sleep until the next edge, 10 ms at least, and re-check the decision every 250 ms at most
        delay = cycler.next_edge_ms(ctx.clock.ticks_ms())
        if delay < 10:
            delay = 10
        elif delay > 250:
            delay = 250
        await asyncio.sleep(delay / 1000)


# --- the slow PWM ---------------------------------------------------------------------------
# Slow PWM: a duty in percent becomes on/off over a fixed period_ms (5 s by default).
#
# The pump's SCR driver is switched by writing 255 / 0 to the PCF8591 DAC. On the device,
# network calls can block the event loop for seconds, so on-time is measured with ticks,
# never inferred from sleeps: each call to ``update`` credits the time since the previous
# call to the level that was actually in effect. An overshoot (the loop was blocked while the
# pump was on) or an undershoot (blocked while it should have come on) is carried into the
# next cycle, bounded to one period_ms, so the duty averaged over a few cycles stays right.
# At 0 % and 100 % nothing is carried: off means off now, and on means on now.



class DutyCycler:
    """On/off level for a duty, cycle by cycle.

    :param period_ms: cycle length, ms
    :param now_ms: current ticks, ms
    """

    def __init__(self, period_ms, now_ms):
        self.period_ms = int(period_ms)
        self.cycle_start_ms = now_ms
        self.last_ms = now_ms
        self.level = False
        self.duty_pct = 0
        self.carry_ms = 0  # on-time owed (+) or overdrawn (-) from earlier cycles
        self.target_ms = 0  # on-time wanted in the current cycle
        self.cycle_on_ms = 0  # on-time delivered in the current cycle
        self.total_on_ms = 0  # on-time delivered since construction
        self.cycles = 0

    def _credit(self, span):
        """``span`` ms to the level in effect."""
        if self.level and span > 0:
            self.cycle_on_ms += span
            self.total_on_ms += span

    def _close_cycle(self):
        # Against the unclamped wish, so a debt larger than one cycle can pay off is kept.
        error = self.duty_pct * self.period_ms // 100 + self.carry_ms - self.cycle_on_ms
        period_ms = self.period_ms
        if self.duty_pct <= 0 or self.duty_pct >= 100:
            error = 0
        elif error > period_ms:
            error = period_ms
        elif error < -period_ms:
            error = -period_ms
        self.carry_ms = error
        self.cycle_on_ms = 0
        self.cycles += 1
        self.cycle_start_ms = ticks_add(self.cycle_start_ms, period_ms)

    def update(self, now_ms, duty_pct):
        """The level the pump should have now; call it often (at least at ``next_edge_ms``).

        :param now_ms: current ticks, ms
        :param duty_pct: wanted duty, 0..100
        :returns: True for on
        """
        # The time since the last call, credited to the level in effect, cycle by cycle.
        period_ms = self.period_ms
        span = ticks_diff(now_ms, self.last_ms)
        if span < 0:
            span = 0
        if span > 4 * period_ms:  # longer gaps are not replayed cycle by cycle
            # A very long stall: credit it, close one cycle, restart the cycle grid at now.
            self._credit(span)
            self._close_cycle()
            self.cycle_start_ms = now_ms
            self.last_ms = now_ms
        else:
            while True:
                to_end = ticks_diff(ticks_add(self.cycle_start_ms, period_ms), self.last_ms)
                if span < to_end:
                    self._credit(span)
                    self.last_ms = now_ms
                    break
                self._credit(to_end)
                span -= to_end
                self.last_ms = ticks_add(self.last_ms, to_end)
                self._close_cycle()
        if duty_pct <= 0 or duty_pct >= 100:
            self.carry_ms = 0
        self.duty_pct = duty_pct
        # The on-time wanted in this cycle: the duty's share of the period_ms and the carry, within
        # 0..period_ms (all of it at 100 %, none at 0 %).
        if duty_pct <= 0:
            target_ms = 0
        elif duty_pct >= 100:
            target_ms = period_ms
        else:
            target_ms = duty_pct * period_ms // 100 + self.carry_ms
            if target_ms < 0:
                target_ms = 0
            elif target_ms > period_ms:
                target_ms = period_ms
        self.target_ms = target_ms
        if duty_pct <= 0:
            self.level = False
        elif duty_pct >= 100:
            self.level = True
        else:
            self.level = self.cycle_on_ms < self.target_ms
        return self.level

    def next_edge_ms(self, now_ms):
        """Milliseconds from ``now_ms`` until the level may change next."""
        to_end = ticks_diff(ticks_add(self.cycle_start_ms, self.period_ms), now_ms)
        if self.level and self.duty_pct < 100:
            span = self.target_ms - self.cycle_on_ms  # the on-time still due
            if span < to_end:
                return span if span > 0 else 0
        return to_end if to_end > 0 else 0
