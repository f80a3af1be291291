"""Slow PWM: a duty in percent becomes on/off over a fixed period (5 s by default).

The pump's SCR driver is switched by writing 255 / 0 to the PCF8591 DAC. On the device,
network calls can block the event loop for seconds, so on-time is measured with ticks,
never inferred from sleeps: each call to ``update`` credits the time since the previous
call to the level that was actually in effect. An overshoot (the loop was blocked while the
pump was on) or an undershoot (blocked while it should have come on) is carried into the
next cycle, bounded to one period, so the duty averaged over a few cycles stays right.
At 0 % and 100 % nothing is carried: off means off now, and on means on now.
"""

from adafruit_ticks import ticks_add, ticks_diff

from controller import const

# Gaps longer than this many periods are not replayed cycle by cycle.
_MAX_CYCLES_REPLAYED = const(4)


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

    def _credit(self, span_ms):
        if self.level and span_ms > 0:
            self.cycle_on_ms += span_ms
            self.total_on_ms += span_ms

    def _close_cycle(self):
        # Against the unclamped wish, so a debt larger than one cycle can pay off is kept.
        error = self.duty_pct * self.period_ms // 100 + self.carry_ms - self.cycle_on_ms
        period = self.period_ms
        if self.duty_pct <= 0 or self.duty_pct >= 100:
            error = 0
        elif error > period:
            error = period
        elif error < -period:
            error = -period
        self.carry_ms = error
        self.cycle_on_ms = 0
        self.cycles += 1
        self.cycle_start_ms = ticks_add(self.cycle_start_ms, period)

    def _advance(self, now_ms):
        period = self.period_ms
        span = ticks_diff(now_ms, self.last_ms)
        if span < 0:
            span = 0
        if span > _MAX_CYCLES_REPLAYED * period:
            # A very long stall: credit it, close one cycle, restart the cycle grid at now.
            self._credit(span)
            self._close_cycle()
            self.cycle_start_ms = now_ms
            self.last_ms = now_ms
            return
        while True:
            to_end = ticks_diff(ticks_add(self.cycle_start_ms, period), self.last_ms)
            if span < to_end:
                self._credit(span)
                self.last_ms = now_ms
                return
            self._credit(to_end)
            span -= to_end
            self.last_ms = ticks_add(self.last_ms, to_end)
            self._close_cycle()

    def _target(self):
        duty = self.duty_pct
        if duty <= 0:
            return 0
        if duty >= 100:
            return self.period_ms
        target = duty * self.period_ms // 100 + self.carry_ms
        if target < 0:
            return 0
        if target > self.period_ms:
            return self.period_ms
        return target

    def update(self, now_ms, duty_pct):
        """The level the pump should have now; call it often (at least at ``next_edge_ms``).

        :param now_ms: current ticks, ms
        :param duty_pct: wanted duty, 0..100
        :returns: True for on
        """
        self._advance(now_ms)
        if duty_pct <= 0 or duty_pct >= 100:
            self.carry_ms = 0
        self.duty_pct = duty_pct
        self.target_ms = self._target()
        if duty_pct <= 0:
            self.level = False
        elif duty_pct >= 100:
            self.level = True
        else:
            self.level = self.cycle_on_ms < self.target_ms
        return self.level

    def next_edge_ms(self, now_ms):
        """Milliseconds from ``now_ms`` until the level may change next."""
        to_cycle_end = ticks_diff(ticks_add(self.cycle_start_ms, self.period_ms), now_ms)
        if self.level and self.duty_pct < 100:
            remaining = self.target_ms - self.cycle_on_ms
            if remaining < to_cycle_end:
                return remaining if remaining > 0 else 0
        return to_cycle_end if to_cycle_end > 0 else 0
