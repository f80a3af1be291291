"""The slow PWM: on-time measured with ticks, errors carried into the next cycle."""

import pytest

from controller.pump import DutyCycler
from hwc.vloop import TICKS_MASK

PERIOD = 5000


def simulate(duty_at, t_end_ms, start_ms=0, blocks=(), step_cap_ms=250):
    """Drive a DutyCycler like the pump task: wake at each edge (capped), except that a
    block (t_from, t_to) stalls every wake-up inside it until t_to. Returns on-ms."""
    c = DutyCycler(PERIOD, start_ms & TICKS_MASK)
    t = 0
    on_ms = 0
    level = False
    while t < t_end_ms:
        level = c.update((start_ms + t) & TICKS_MASK, duty_at(t))
        wait = max(10, min(step_cap_ms, c.next_edge_ms((start_ms + t) & TICKS_MASK)))
        nxt = t + wait
        for b0, b1 in blocks:
            if b0 <= nxt < b1 or (t < b0 < nxt):
                nxt = max(nxt, b1) if b0 <= nxt else b0
                if b0 <= nxt < b1:
                    nxt = b1
        nxt = min(nxt, t_end_ms)
        if level:
            on_ms += nxt - t
        t = nxt
    return on_ms, c


@pytest.mark.parametrize("duty", [10, 25, 40, 50, 73, 90])
def test_unblocked_duty_is_exact(duty):
    on_ms, c = simulate(lambda t: duty, 100 * PERIOD)
    assert on_ms / (100 * PERIOD) == pytest.approx(duty / 100, abs=0.001)
    assert c.total_on_ms == on_ms


def test_zero_and_hundred_switch_at_once():
    c = DutyCycler(PERIOD, 0)
    assert c.update(0, 100) is True
    assert c.update(1200, 0) is False  # mid-cycle: off now, nothing carried
    assert c.carry_ms == 0
    assert c.update(1300, 100) is True


def test_blocked_while_on_is_paid_back_next_cycle():
    # 40 %: 2 s on per 5 s. The loop blocks 0.5..3.5 s, so the pump stays on 3.5 s.
    on_ms, c = simulate(lambda t: 40, 2 * PERIOD, blocks=[(500, 3500)])
    assert on_ms == pytest.approx(0.4 * 2 * PERIOD, abs=30)


def test_repeated_long_blocks_keep_long_run_duty_within_one_percent_of_period():
    # 3 s stalls every 10 s, just after the pump came on (a periodic network call in step
    # with the cycle), for 10 minutes.
    blocks = [(t, t + 3000) for t in range(500, 600_000, 10_000)]
    on_ms, _ = simulate(lambda t: 40, 600_000, blocks=blocks)
    error_ms_per_cycle = abs(on_ms - 0.4 * 600_000) / (600_000 / PERIOD)
    assert error_ms_per_cycle <= 0.01 * PERIOD
    # a sleep-trusting PWM under the same stalls is off by far more: the stalls bite
    naive_on = naive_on_ms(40, 600_000, blocks)
    assert abs(naive_on - 0.4 * 600_000) / (600_000 / PERIOD) > 0.1 * PERIOD


def test_stalls_at_random_phases_keep_long_run_duty_within_one_percent_of_period():
    import random

    rng = random.Random(7)
    blocks = []
    t = 0
    while t < 600_000:
        t += rng.randint(1000, 9000)
        length = rng.randint(100, 3000)
        blocks.append((t, t + length))
        t += length
    for duty in (15, 40, 65, 85):
        on_ms, _ = simulate(lambda t, d=duty: d, 600_000, blocks=blocks)
        assert abs(on_ms - duty / 100 * 600_000) / (600_000 / PERIOD) <= 0.01 * PERIOD


def naive_on_ms(duty, t_end, blocks):
    """Sleep-trusting PWM: on for duty% of each cycle by the clock, stalled by blocks."""
    on = 0
    level = False
    t = 0
    while t < t_end:
        phase = t % PERIOD
        want = phase < duty * PERIOD / 100
        level = want
        edge = (duty * PERIOD // 100) if phase < duty * PERIOD / 100 else PERIOD
        nxt = t - phase + edge
        for b0, b1 in blocks:
            if b0 <= nxt < b1:
                nxt = b1
        nxt = min(nxt, t_end)
        if level:
            on += nxt - t
        t = nxt
    return on


def test_tick_wrap_does_not_disturb_the_cycle():
    start = TICKS_MASK - 12_345
    on_ms, _ = simulate(lambda t: 60, 20 * PERIOD, start_ms=start)
    assert on_ms / (20 * PERIOD) == pytest.approx(0.6, abs=0.002)


def test_very_long_stall_restarts_the_grid_without_bursts():
    c = DutyCycler(PERIOD, 0)
    c.update(0, 50)
    c.update(60_000, 50)  # a minute-long stall while on
    assert abs(c.carry_ms) <= PERIOD
    assert c.cycle_start_ms == 60_000


def test_duty_change_mid_cycle_applies_at_once():
    c = DutyCycler(PERIOD, 0)
    assert c.update(0, 20) is True
    assert c.update(1500, 20) is False  # 1 s target reached
    assert c.update(1600, 80) is True  # now wants 4 s in this cycle
    assert c.next_edge_ms(1600) == 4000 - 1500  # 1.5 s already delivered (woke late at 1.5 s)
