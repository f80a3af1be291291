"""One local time with summer time (controller.localtime): the switch instants of each rule on
both dates, the settings that choose it (and the old SCREEN_UTC_OFFSET_MIN), and the three
places that use it: the screen clock (Controller.local_min), the counters' "today", the heater."""

import pytest

from controller import localtime
from controller.localtime import DAY_MIN, EPOCH_2000_S, days_from_civil, offset_min
from controller.settings import load


def utc(y, m, d, h=0, mi=0):
    return days_from_civil(y, m, d) * DAY_MIN + h * 60 + mi


# The last Sundays of March and October, where "uk" and "eu" switch at 01:00 UTC.
SWITCHES = [(2024, 3, 31, 10, 27), (2025, 3, 30, 10, 26), (2026, 3, 29, 10, 25), (2038, 3, 28, 10, 31)]


@pytest.mark.parametrize("rule, std", [("uk", 0), ("eu", 60), ("eu", 120)])
@pytest.mark.parametrize("y, m1, d1, m2, d2", SWITCHES)
def test_uk_and_eu_switch_at_01_utc_on_the_last_sundays(rule, std, y, m1, d1, m2, d2):
    start, end = utc(y, m1, d1, 1), utc(y, m2, d2, 1)
    assert offset_min(rule, std, start - 1) == std
    assert offset_min(rule, std, start) == std + 60
    assert offset_min(rule, std, end - 1) == std + 60
    assert offset_min(rule, std, end) == std
    # the last Sunday: the same weekday a week before is still in March/October
    assert (days_from_civil(y, m1, d1) + 5) % 7 == 6 and days_from_civil(y, m1, d1) + 7 > days_from_civil(y, m1, 31)


@pytest.mark.parametrize("y, m1, d1, m2, d2", SWITCHES)
def test_none_never_switches(y, m1, d1, m2, d2):
    for t in (utc(y, m1, d1, 1) - 1, utc(y, m1, d1, 1), utc(y, 7, 1), utc(y, m2, d2, 1)):
        assert offset_min("none", 60, t) == 60
        assert offset_min("none", 0, t) == 0


@pytest.mark.parametrize("std", [-300, -480])  # New York, Los Angeles
def test_us_switches_at_two_local_on_the_second_sunday_of_march_and_first_of_november(std):
    # 2024: 10 March and 3 November; 2:00 local standard time = 2:00 - std UTC
    start = utc(2024, 3, 10, 2) - std
    end = utc(2024, 11, 3, 1) - std  # 2:00 summer time = 1:00 standard time
    assert offset_min("us", std, start - 1) == std
    assert offset_min("us", std, start) == std + 60
    assert offset_min("us", std, end - 1) == std + 60
    assert offset_min("us", std, end) == std
    # the last Sunday of March (the EU date) means nothing to the US rule
    assert offset_min("us", std, utc(2024, 3, 31, 1) - 1) == std + 60


def test_the_cache_follows_the_year_and_the_rule():
    # alternate far-apart instants and rules: the cached year must not leak into another
    cases = [("uk", 0, utc(2024, 7, 1), 60), ("uk", 0, utc(2025, 1, 1), 0), ("eu", 60, utc(2025, 7, 1), 120),
             ("uk", 0, utc(2030, 12, 31, 23, 59), 0), ("us", -300, utc(2031, 1, 1), -300),
             ("uk", 0, utc(2031, 6, 1), 60), ("uk", 0, utc(2000, 1, 1), 0), ("uk", 0, utc(2000, 6, 1), 60)]
    for _ in range(2):
        for rule, std, t, want in cases:
            assert offset_min(rule, std, t) == want, (rule, std, t)


def _settings(**env):
    s = load({k: str(v) for k, v in env.items()}.get)
    assert not s.errors, s.errors
    return s


def test_settings_choose_the_rule_and_the_old_key_still_counts():
    assert _settings().time_zone_rule == "uk" and _settings().time_utc_offset_min == 0
    summer = utc(2025, 7, 1, 12)
    assert localtime.offset_at(_settings(), summer) == 60
    assert localtime.offset_at(_settings(TIME_ZONE_RULE="none"), summer) == 0
    assert localtime.offset_at(_settings(TIME_ZONE_RULE="eu", TIME_UTC_OFFSET_MIN=60), summer) == 120
    # a settings.toml written before summer time: SCREEN_UTC_OFFSET_MIN keeps its meaning (no summer
    # time) unless a summer-time rule other than the UK's (standard time = UTC) is chosen
    assert localtime.offset_at(_settings(SCREEN_UTC_OFFSET_MIN=60), summer) == 60
    assert localtime.offset_at(_settings(SCREEN_UTC_OFFSET_MIN=60, TIME_ZONE_RULE="eu"), summer) == 120
    assert localtime.offset_at(_settings(SCREEN_UTC_OFFSET_MIN=60, TIME_UTC_OFFSET_MIN=-300, TIME_ZONE_RULE="us"),
                               summer) == -240
    bad = load({"TIME_ZONE_RULE": "bst"}.get)
    assert bad.time_zone_rule == "uk" and "TIME_ZONE_RULE = 'bst': expected one of none, uk, eu, us" in bad.errors[0]


class _Wall:
    def __init__(self, epoch_s):
        self.epoch = epoch_s

    def epoch_s(self):
        return self.epoch


def test_the_screen_clock_and_the_counters_day_follow_the_october_switch():
    from heater_ctx import make_ctx
    from controller.recovery import new_counters

    s = _settings(HEATER_ENABLED=1, PROBE1_NAME="tank_top")
    ctx = make_ctx(s)
    counters = new_counters(s)
    switch = utc(2025, 10, 26, 1)  # BST ends: 02:00 BST = 01:00 GMT
    for t, clock in ((switch - 1, 2 * 60 - 1), (switch, 60), (switch + 23 * 60, 0)):
        epoch = EPOCH_2000_S + t * 60
        ctx.wall = _Wall(epoch)
        assert ctx.local_min() == clock % DAY_MIN
        assert (localtime.local_min(s, epoch)) % DAY_MIN == ctx.local_min()
    # the counters' day: 26 October ends at 00:00 GMT on the 27th, 25 October at 00:00 BST (23:00 UTC)
    assert not counters.roll_day(0, EPOCH_2000_S + utc(2025, 10, 25, 22, 59) * 60)
    assert counters.roll_day(1, EPOCH_2000_S + utc(2025, 10, 25, 23, 0) * 60)
    assert not counters.roll_day(2, EPOCH_2000_S + utc(2025, 10, 26, 23, 59) * 60)
    assert counters.roll_day(3, EPOCH_2000_S + utc(2025, 10, 27, 0, 0) * 60)


def test_the_march_switch_moves_the_counters_day_by_an_hour():
    from controller.recovery import new_counters

    c = new_counters(_settings(TIME_ZONE_RULE="eu", TIME_UTC_OFFSET_MIN=60))
    # CET midnight is 23:00 UTC; CEST midnight (from 30 March 2025) is 22:00 UTC
    assert not c.roll_day(0, EPOCH_2000_S + utc(2025, 3, 29, 22, 0) * 60)
    assert c.roll_day(1, EPOCH_2000_S + utc(2025, 3, 29, 23, 0) * 60)
    assert not c.roll_day(2, EPOCH_2000_S + utc(2025, 3, 30, 21, 59) * 60)
    assert c.roll_day(3, EPOCH_2000_S + utc(2025, 3, 30, 22, 0) * 60)


def test_localtime_runs_on_micropython():
    from mpy_harness import run_device_script

    out = run_device_script("""
from controller.localtime import offset_min, days_from_civil
t = days_from_civil(2025, 3, 30) * 1440 + 60
u = days_from_civil(2025, 11, 2) * 1440 + 60 + 300
print("RESULT", offset_min("uk", 0, t - 1), offset_min("uk", 0, t), offset_min("eu", 60, t),
      offset_min("us", -300, u - 1), offset_min("us", -300, u), offset_min("none", 30, t))
""")
    assert "RESULT 0 60 120 -240 -300 30" in out
