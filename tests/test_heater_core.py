"""The heater's decision core: contactor timing, thermostat and cut-off, PV surplus, tariff
rules, legionella and priority. Every decision must carry a reason in words."""

from controller.heater.core import HeaterCore, SlotTable
from controller.heater.stamps import parse_time
from controller.localtime import DAY_MIN, days_from_civil, offset_min
from controller.settings import load

DAY_S = 86400

# 2024-01-15 (winter: UK time = UTC), in minutes since 2000
JAN15 = days_from_civil(2024, 1, 15) * DAY_MIN


def settings(**over):
    env = {"HEATER_ENABLED": "1", "HEATER_MIN_ON_S": "0", "HEATER_MIN_OFF_S": "0"}
    env.update({("HEATER_" + k.upper()): str(v) for k, v in over.items()})
    s = load(env.get)
    assert not s.errors, s.errors
    return s


def prices(start_min, values_p):
    t = SlotTable(100)
    for i, v in enumerate(values_p):
        t.add(start_min + 30 * i, start_min + 30 * (i + 1), int(round(v * 1000)))
    return t


INPUTS = dict(top_why="not read yet", bottom_c=None, grid_w=None, grid_why="no meter", utc_min=None,
              pump_running=False, block="", prices=None, carbon=None, forecast=None)


def step(core, now_s, top_c=40.0, **inputs):
    """The core's decision at ``now_s`` with these inputs (the others at their defaults)."""
    for k, v in dict(INPUTS, top_c=top_c, **inputs).items():
        setattr(core, k, v)
    return core.decide(now_s)


# --- time helpers -------------------------------------------------------------------------

def test_time_stamps_of_the_web_sources():
    assert days_from_civil(2000, 1, 1) == 0
    assert days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28) == 2  # leap year
    t = parse_time("2024-01-15T01:30:00Z")
    assert t == JAN15 + 90
    assert parse_time("2024-01-15T01:30Z") == t
    assert parse_time("2024-01-15T02:30:00+01:00") == t
    assert parse_time("2024-01-15T01:30:00.000Z") == t
    assert parse_time("2024-01-15 01:30:00") == t
    assert parse_time("2024-01-14T20:30:00-05:00") == t
    for bad in ("2024-13-15T01:30Z", "2024-01-15X01:30Z", "garbage", "2024-01-15T01:30:00+0100", "2024-01-15T1:30Z",
                "2024-01-15T01:30:00Q", None, 20240115, ""):
        assert parse_time(bad) is None, bad
    # the heater's windows use controller.localtime (tests/test_localtime.py): UK time by default
    assert offset_min("uk", 0, days_from_civil(2024, 7, 1) * DAY_MIN) == 60


# --- the contactor --------------------------------------------------------------------------

def test_element_is_off_unless_a_rule_allows_it():
    core = HeaterCore(settings(), 0)
    d = step(core, 10)
    assert not d.on
    assert d.reason.startswith("off:") and "tariff rule off" in d.reason


def test_minimum_on_and_off_times_hold_the_contactor():
    s = settings(min_on_s=120, min_off_s=300, meter="shelly2", on_wait_s=0, off_wait_s=0)
    core = HeaterCore(s, 0)
    d = step(core, 100, grid_w=-4000)
    assert not d.on and d.reason == "off: minimum off time, 200 s left (pv: surplus 4000 W > 3200 W for 0 s)"
    assert step(core, 300, grid_w=-4000).on
    d = step(core, 350, grid_w=2000)
    assert d.on and d.reason.startswith("on: minimum on time, 70 s left (pv: import 2000 W > 200 W")
    d = step(core, 420, grid_w=2000)
    assert not d.on and d.reason == "off: pv: surplus 1000 W <= 3200 W; tariff rule off"
    assert core.switches == 2


def test_thermostat_cut_off_and_missing_reading_switch_off_at_once():
    s = settings(min_on_s=3600, setpoint_c=60, cutoff_c=95, meter="shelly2", on_wait_s=0)
    core = HeaterCore(s, -1000)
    assert step(core, 0, 40.0, grid_w=-5000).on
    d = step(core, 1, 60.2, grid_w=-5000)  # the setpoint beats the minimum on time
    assert not d.on and "reached 60 C" in d.reason
    assert not step(core, 2, 57.0, grid_w=-5000).on  # hysteresis
    assert step(core, 2000, 54.9, grid_w=-5000).on
    s.heater_setpoint_c = 99.0  # the cut-off's own latch, beyond any setpoint the loader accepts
    d = step(core, 2001, 95.0, grid_w=-5000)
    assert not d.on and d.reason == "off: tank top 95.0 C at the 95 C cut-off"
    assert not step(core, 5000, 91.0, grid_w=-5000).on  # the cut-off holds until 90
    assert step(core, 5001, 89.0, grid_w=-5000).on
    d = step(core, 5002, None, grid_w=-5000, top_why="probe tank_top: CRC error")
    assert not d.on and d.reason == "off: no tank top reading (probe tank_top: CRC error)"
    assert step(core, 9000, 40.0, grid_w=-5000).on
    d = step(core, 9001, 40.0, grid_w=-5000, block="protection: tank_max")
    assert not d.on and d.reason == "off: protection: tank_max"


# --- PV surplus (seed 000) -------------------------------------------------------------------

def test_pv_surplus_switches_on_after_the_wait_and_off_after_import():
    s = settings(meter="shelly2", power_w=3000, margin_w=200, on_wait_s=120, import_w=200, off_wait_s=60)
    core = HeaterCore(s, 0)
    assert not step(core, 0, grid_w=-3500).on
    d = step(core, 60, grid_w=-3500)
    assert not d.on and "surplus 3500 W > 3200 W for 60 of 120 s" in d.reason
    assert not step(core, 90, grid_w=-3000).on  # dip resets the wait
    step(core, 100, grid_w=-3500)
    d = step(core, 220, grid_w=-3500)
    assert d.on and d.rule == "pv" and "surplus 3500 W > 3200 W for 120 s" in d.reason
    # the element now draws 3 kW: grid -500
    assert step(core, 230, grid_w=-500).on
    assert step(core, 240, grid_w=900).on  # import starts
    d = step(core, 299, grid_w=900)
    assert d.on and "import 900 W > 200 W for 59 of 60 s" in d.reason
    d = step(core, 300, grid_w=900)
    assert not d.on and "import 900 W > 200 W for 60 s" in d.reason


def test_meter_failure_drops_the_pv_rule_with_its_reason():
    s = settings(meter="iotawatt", on_wait_s=0)
    core = HeaterCore(s, 0)
    assert step(core, 1, grid_w=-5000).on
    d = step(core, 2, grid_w=None, grid_why="timed out after 4 s")
    assert not d.on and "no grid reading (timed out after 4 s)" in d.reason


# --- tariffs (seed 002) -----------------------------------------------------------------------

NIGHT = [20, 15, 12, 9, 7, 8, 11, 14, 6, 13, 16, 18, 19, 22]  # 00:00 .. 07:00 UTC, p/kWh


def test_cheapest_slots_non_contiguous_and_contiguous():
    table = prices(JAN15, NIGHT + [30] * 10)
    s = settings(tariff="cheapest", slots=3, window_start_h=0, window_end_h=7)
    core = HeaterCore(s, 0)
    on_at = [i for i in range(24) if step(core, i, prices=table, utc_min=JAN15 + 30 * i + 5).on]
    assert on_at == [4, 5, 8]  # 7, 8, 6 p
    d = step(core, 99, prices=table, utc_min=JAN15 + 30 * 8)
    assert d.rule == "cheapest" and "04:00 is one of the 3 lowest-price slots in 00:00-07:00" in d.reason
    s = settings(tariff="cheapest", slots=3, window_start_h=0, window_end_h=7, contiguous=1)
    core = HeaterCore(s, 0)
    on_at = [i for i in range(24) if step(core, i, prices=table, utc_min=JAN15 + 30 * i + 5).on]
    assert on_at == [3, 4, 5]  # 9 + 7 + 8 = 24 beats 8 + 11 + 14 and 14 + 6 + 13
    d = step(core, 99, prices=table, utc_min=JAN15 + 30 * 12)
    assert not d.on and "not among" in d.reason


def test_cheapest_window_across_midnight_and_outside_it():
    table = prices(JAN15 - 120, [5, 30, 4, 30, 30, 30, 30, 30])  # 22:00 .. 02:00
    s = settings(tariff="cheapest", slots=2, window_start_h=22, window_end_h=2)
    core = HeaterCore(s, 0)
    on_at = [i for i in range(8) if step(core, i, prices=table, utc_min=JAN15 - 120 + 30 * i).on]
    assert on_at == [0, 2]
    d = step(core, 9, prices=table, utc_min=JAN15 + 600)
    assert not d.on and "no price for the 22:00-02:00 window yet" in d.reason
    d = step(core, 10, prices=table, utc_min=JAN15 - 150)  # 21:30, before the window
    assert not d.on and "waiting for the 22:00-02:00 window (2 of 2 slots chosen)" in d.reason


def test_carbon_ranking_replaces_price_ranking():
    table = prices(JAN15, NIGHT)
    carbon = SlotTable(100)
    for i, g in enumerate([90, 300, 300, 300, 300, 300, 300, 80, 300, 300, 300, 300, 300, 300]):
        carbon.add(JAN15 + 30 * i, JAN15 + 30 * (i + 1), g)
    s = settings(tariff="greenest", slots=2, window_start_h=0, window_end_h=7)
    core = HeaterCore(s, 0)
    on_at = [i for i in range(14) if step(core, i, prices=table, carbon=carbon,
                                                           utc_min=JAN15 + 30 * i).on]
    assert on_at == [0, 7]
    assert "lowest-CO2" in step(core, 99, prices=table, carbon=carbon, utc_min=JAN15).reason


def _forecast(day, kwh):
    days = SlotTable(8)
    days.add(day * DAY_MIN, (day + 1) * DAY_MIN, int(kwh * 1000))
    return days


def test_breakeven_against_gas_or_against_tomorrows_solar():
    table = prices(JAN15, [7.1, 6.9, 0.5, 3])
    s = settings(tariff="breakeven", gas_p_kwh=6.0, boiler_eff=0.85)  # break-even 7.06 p
    core = HeaterCore(s, 0)
    assert [step(core, i, prices=table, utc_min=JAN15 + 30 * i).on for i in range(4)] == [
        False, True, True, True]
    d = step(core, 9, prices=table, utc_min=JAN15 + 30)
    assert d.reason == "on: breakeven: 6.90 p/kWh <= gas break-even 7.06 p/kWh"
    today = JAN15 // DAY_MIN
    s = settings(tariff="breakeven", gas_p_kwh=6.0, boiler_eff=0.85, pv_kwp=4, sunny_kwh=8, export_p_kwh=1)
    core = HeaterCore(s, 0)
    sunny = _forecast(today, 15)
    got = [step(core, i, prices=table, utc_min=JAN15 + 30 * i, forecast=(sunny, None)).on for i in range(4)]
    assert got == [False, False, True, False]
    assert "sunny day ahead: 15.0 kWh" in step(core, 9, prices=table, utc_min=JAN15,
                                                                forecast=(sunny, None)).reason
    dull = _forecast(today, 2)
    d = step(core, 19, prices=table, utc_min=JAN15 + 30, forecast=(dull, None))
    assert d.on and "dull day ahead: 2.0 kWh" in d.reason
    d = step(core, 29, prices=table, utc_min=JAN15 + 30, forecast=(_forecast(today + 5, 20), None))
    assert d.on and "no solar forecast for that day" in d.reason


def test_negative_price_heats_even_while_the_pump_runs_but_not_past_the_setpoint():
    table = prices(JAN15, [-2.5])
    core = HeaterCore(settings(tariff="breakeven"), 0)
    d = step(core, 1, prices=table, utc_min=JAN15, pump_running=True)
    assert d.on and d.rule == "negative" and "-2.50 p/kWh: paid to use power" in d.reason
    assert not step(core, 2, top_c=61.0, prices=table, utc_min=JAN15).on


def test_empty_or_missing_prices_keep_the_element_off_with_a_reason():
    for mode in ("cheapest", "breakeven", "greenest"):
        core = HeaterCore(settings(tariff=mode), 0)
        d = step(core, 1, prices=SlotTable(4), utc_min=JAN15)
        assert not d.on and ("no prices" in d.reason or "no carbon forecast" in d.reason)
        d = step(core, 2, prices=None, utc_min=None)
        assert not d.on and "time unknown" in d.reason


# --- priority ----------------------------------------------------------------------------------

def test_solar_pump_and_protections_come_first():
    table = prices(JAN15, [1.0])
    core = HeaterCore(settings(tariff="breakeven"), 0)
    d = step(core, 1, prices=table, utc_min=JAN15, pump_running=True)
    assert not d.on and "solar pump running" in d.reason
    d = step(core, 2, prices=table, utc_min=JAN15, block="protection: lockout (pump stuck)")
    assert not d.on and d.reason == "off: protection: lockout (pump stuck)"
    assert step(core, 3, prices=table, utc_min=JAN15).on


def test_pv_surplus_waits_for_the_solar_pump_unless_told_not_to():
    for first, on in (("1", False), ("0", True)):
        core = HeaterCore(settings(meter="shelly2", on_wait_s=0, pv_solar_first=first), 0)
        d = step(core, 1, grid_w=-3500.0, pump_running=True)
        assert d.on is on, (first, d.reason)
        if on:
            assert d.rule == "pv" and d.reason.startswith("on: pv: surplus 3500 W")
        else:
            assert "solar pump running" in d.reason
    # the tariff rules still wait for the collector either way
    core = HeaterCore(settings(tariff="breakeven", pv_solar_first="0"), 0)
    d = step(core, 1, prices=prices(JAN15, [1.0]), utc_min=JAN15, pump_running=True)
    assert not d.on and "solar pump running" in d.reason


def test_no_element_when_the_collector_will_deliver_the_heat():
    table = prices(JAN15, [1.0] * 48)
    s = settings(tariff="breakeven", pv_kwp=4, solar_heat=0.5, tank_l=300, sunny_kwh=100)
    core = HeaterCore(s, 0)
    fc = SlotTable(100)
    for h in range(8, 16):  # 2 kWh an hour from 08:00 to 16:00
        fc.add(JAN15 + (h - 1) * 60, JAN15 + h * 60, 2000)
    # 10:00, tank 50 C on average: 300 l * 10 K = 3.5 kWh needed; 5 h left = 10 kWh PV -> 5 kWh heat
    d = step(core, 1, top_c=50.0, bottom_c=50.0, prices=table, utc_min=JAN15 + 600, forecast=(None, fc))
    assert not d.on and "collector forecast 5.0 kWh today covers the 3.5 kWh" in d.reason
    # 14:00: 2 h left = 2 kWh heat, not enough
    d = step(core, 2, top_c=50.0, bottom_c=50.0, prices=table, utc_min=JAN15 + 840, forecast=(None, fc))
    assert d.on and d.rule == "breakeven"


# --- legionella ----------------------------------------------------------------------------------

def test_legionella_solar_first_then_cheapest_slot_then_now():
    day = DAY_S
    s = settings(meter="shelly1", on_wait_s=0, off_wait_s=0, setpoint_c=50, legionella_c=60, legionella_days=7, slots=1)
    core = HeaterCore(s, 0)
    step(core, 0, top_c=61.0)
    assert step(core, 5 * day, top_c=45.0).stage == "normal"
    d = step(core, 6 * day + 10, top_c=52.0, grid_w=-4000)
    assert d.stage == "pending" and d.target_c == 60.0 and d.on and d.rule == "pv"  # PV to 60 C
    d = step(core, 6 * day + 20, top_c=52.0, grid_w=500)
    assert not d.on
    table = prices(JAN15, [9, 8, 3, 9])
    d = step(core, 7 * day + 1, top_c=52.0, prices=table, utc_min=JAN15)
    assert d.stage == "due" and not d.on and "waiting for one of the 1 cheapest" in d.reason
    d = step(core, 7 * day + 2, top_c=52.0, prices=table, utc_min=JAN15 + 60)
    assert d.on and d.rule == "legionella" and d.target_c == 60.0
    d = step(core, 7 * day + 3, top_c=60.5, prices=table, utc_min=JAN15 + 61)
    assert not d.on and d.stage == "normal"  # done: the period starts again
    d = step(core, 15 * day + 4, top_c=40.0)
    assert d.stage == "overdue" and d.on and "legionella overdue (8.0 d since 60 C)" in d.reason


def test_legionella_never_overrides_safety():
    core = HeaterCore(settings(legionella_days=1), 0)
    d = step(core, 3 * DAY_S, top_c=None, top_why="probe tank_top missing")
    assert d.stage == "overdue" and not d.on and d.reason == "off: no tank top reading (probe tank_top missing)"
    d = step(core, 3 * DAY_S + 1, top_c=40.0, block="protection: emergency")
    assert d.stage == "overdue" and not d.on and d.reason == "off: protection: emergency"
