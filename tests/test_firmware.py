"""The whole device package (tasks, locks, PWM, real Adafruit drivers) on fake buses and a
virtual clock. Every run starts 30 s before the device's tick counter wraps."""

import asyncio

import pytest

from controller import decision as A
from hwc.rig import Rig


@pytest.fixture
def rig_factory():
    rigs = []

    def make(env=None, **kw):
        env = dict(env or {})
        env.setdefault("CONTROL_STRATEGY", "seed")  # these tests follow the seed's rules
        r = Rig(env, **kw)
        rigs.append(r)
        return r

    yield make
    for r in rigs:
        if not r.loop.is_closed():
            r.stop()


def test_boot_switches_pump_off_first_and_prints_pasteable_roms(rig_factory):
    rig = rig_factory(configure_probes=False)
    rig.set_ntc_c(20, 20)
    rig.start()
    assert rig.pcf.dac_enabled and rig.pcf.output_level() == 0
    assert all(value == 0 for _, value in rig.pcf.dac_log)
    lines = rig.logged('_ROM = "28')
    assert len(lines) == 5
    # the printed lines are valid settings.toml that the loader accepts
    from controller.settings import load

    env = {}
    for line in lines:
        text = line.split("INFO", 1)[1].split("#")[0].strip()
        key, value = [p.strip() for p in text.split("=")]
        env[key] = value.strip('"')
    assert load(env.get).errors == []
    assert sorted(env) == ["PROBE%d_ROM" % i for i in range(1, 6)]


def test_probes_read_every_two_seconds_after_the_conversion_time(rig_factory):
    rig = rig_factory()
    rig.set_ntc_c(20, 20)
    rig.start()
    rig.run_for(3)
    assert [p.fault for p in rig.ctl.probes] == [None] * 5
    assert rig.ctl.probes[0].value_c == 20.0
    rig.ds18[0].temp_c = 33.3125
    rig.run_for(2.1)
    # read no earlier than 750 ms after the conversion started: the fake returns the old
    # value to an early read, so seeing the new one proves the wait
    assert rig.ctl.probes[0].value_c == 33.3125
    readings = rig.ctl.readings
    rig.run_for(20)
    assert rig.ctl.readings - readings == 10


def test_pump_pwm_follows_the_decision_across_the_tick_wrap(rig_factory):
    rig = rig_factory()
    rig.set_ntc_c(hot_c=45, cold_c=30)
    rig.start()
    rig.run_for(20)
    assert rig.ctl.decision.mode == A.RUNNING
    rig.set_ntc_c(hot_c=36.5, cold_c=30)  # into the proportional band
    rig.run_for(200)  # smoothing settles (0.8 ** 100); the tick counter wraps at t = 30 s
    duty = rig.ctl.decision.duty_pct
    assert 30 < duty < 90
    t0 = rig.t_s
    rig.run_for(100)
    assert rig.ctl.decision.duty_pct == duty
    assert rig.on_fraction(t0, rig.t_s) == pytest.approx(duty / 100, abs=0.01)


async def _stall(seconds, every_s, loop):
    """A task that blocks the event loop (no await) like a hung network call."""
    while True:
        await asyncio.sleep(every_s)
        loop.advance(seconds)


def test_blocked_loop_does_not_distort_duty_by_more_than_one_percent_of_period(rig_factory):
    rig = rig_factory()
    rig.set_ntc_c(hot_c=45, cold_c=30)
    loop = rig.loop

    async def staller(ctx):
        await _stall(2.7, 4.3, loop)

    rig.start(extra=[("network", staller)])
    rig.set_ntc_c(hot_c=36.5, cold_c=30)
    rig.run_for(200)
    duty = rig.ctl.decision.duty_pct
    assert 30 < duty < 90
    t0 = rig.t_s
    rig.run_for(600)
    assert rig.ctl.decision.duty_pct == duty
    period_s = rig.settings.pwm_period_s
    cycles = (rig.t_s - t0) / period_s
    on_s = rig.on_fraction(t0, rig.t_s) * (rig.t_s - t0)
    error_per_cycle_s = abs(on_s - duty / 100 * (rig.t_s - t0)) / cycles
    assert error_per_cycle_s <= 0.01 * period_s


@pytest.mark.parametrize("raw,words", [(255, "open circuit"), (0, "short circuit"), (243, "open circuit"),
                                       (38, "short circuit")])
def test_ntc_fault_stops_pump_and_says_why(rig_factory, raw, words):
    rig = rig_factory()
    rig.set_ntc_c(hot_c=50, cold_c=30)
    rig.start()
    rig.run_for(10)
    assert rig.ctl.pump_on or rig.ctl.decision.duty_pct == 100
    rig.set_raw(hot_raw=raw)
    rig.run_for(4.5)
    d = rig.ctl.decision
    assert d.mode == A.FAULT and d.duty_pct == 0
    assert d.reason == "FAULT: collector sensor %s; pump stopped" % words
    assert rig.pcf.output_level() == 0
    assert rig.ctl.hot.value_c is None  # no sentinel temperature anywhere
    assert rig.logged("collector sensor fault: " + words)
    # it recovers by itself once the sensor has read sanely for SENSOR_CLEAR_S (60 s), not before
    rig.set_ntc_c(hot_c=50)
    rig.run_for(6)
    assert rig.ctl.decision.mode == A.FAULT and rig.ctl.hot.value_c is None
    rig.run_for(60)
    assert rig.ctl.decision.mode == A.RUNNING
    assert rig.logged("collector sensor reads again")


def test_cold_sensor_fault_is_named(rig_factory):
    rig = rig_factory()
    rig.set_ntc_c(hot_c=50, cold_c=30)
    rig.start()
    rig.set_raw(cold_raw=0)
    rig.run_for(4.5)
    assert rig.ctl.decision.reason == "FAULT: tank sensor short circuit; pump stopped"


def test_i2c_error_is_a_fault_for_that_reading_only(rig_factory):
    rig = rig_factory()
    rig.set_ntc_c(hot_c=50, cold_c=30)
    rig.start()
    rig.run_for(5)
    rig.i2c.fail_next(1)
    rig.run_for(2.5)
    assert rig.ctl.i2c_errors >= 1
    assert rig.logged("I2C error")
    rig.run_for(6)
    assert rig.ctl.decision.mode == A.RUNNING


def test_missing_pcf8591_keeps_pump_off_and_is_found_later(rig_factory):
    rig = rig_factory()
    rig.i2c.detach(0x48)
    rig.start()
    rig.run_for(600)  # retried every reading for ten minutes
    assert len(rig.logged("PCF8591 not found at 0x48")) == 1  # said once, not every 2 s
    assert len(rig.ctl.boot_messages) <= 24  # bounded: no slow leak while it is missing
    assert rig.ctl.decision.mode == A.FAULT and "PCF8591 not found" in rig.ctl.decision.reason
    rig.i2c.attach(0x48, rig.pcf)
    rig.set_ntc_c(hot_c=50, cold_c=30)
    rig.run_for(6)
    assert rig.logged("PCF8591 found at 0x48; pump off (again)")
    assert rig.ctl.decision.mode == A.RUNNING
    assert rig.pcf.output_level() in (0, 255) and rig.pcf.dac_enabled


@pytest.mark.parametrize("fault,words", [("crc", "CRC error"), ("missing", "missing"),
                                         ("power_on", "85 C power-on value")])
def test_probe_faults_are_named_and_the_last_value_ages_out(rig_factory, fault, words):
    rig = rig_factory({"PROBE_MAX_AGE_S": "10"})
    rig.set_ntc_c(20, 20)
    rig.start()
    rig.run_for(3)
    probe = rig.ctl.probes[2]
    assert probe.value_c == 22.0 and probe.fault is None
    device = rig.ds18[2]
    if fault == "crc":
        device.corrupt_crc = True
    elif fault == "missing":
        device.present = False
    else:
        device.power_on_reset()
        device.stuck_c = 85.0
    rig.run_for(2.1)
    assert probe.fault == words
    assert probe.value_c == 22.0  # last good value, flagged
    rig.run_for(10)
    assert probe.value_c is None  # aged out
    assert rig.ctl.probes[1].fault is None  # the others are unaffected
    from controller.screen import WARN
    from controller.screen.main import alerts

    assert (WARN, "tank_outlet probe " + words) in alerts(rig.ctl)  # on the screen in words


def test_configured_probe_not_on_bus_is_reported_at_boot(rig_factory):
    from hwc.fakebus import rom_hex
    from hwc.fakebus.onewire import rom_from_serial

    rom = rom_hex(rom_from_serial(0xABCDEF))
    rig = rig_factory({"PROBE5_ROM": rom}, probes=4)
    rig.start()
    rig.run_for(3)
    assert rig.logged("panel_outlet (%s) configured but not found" % rom)
    assert rig.ctl.probes[4].fault == "missing"


def test_crashing_task_is_logged_restarted_and_pump_keeps_running(rig_factory):
    class FlakyScreen:
        calls = 0

        touch = None

        def show(self, lines, errors=()):
            pass

        def update(self, ctx, now_ms):
            FlakyScreen.calls += 1
            if FlakyScreen.calls in (3, 4):
                raise ValueError("display bus glitch")

    rig = rig_factory()
    rig.set_ntc_c(hot_c=50, cold_c=30)
    rig.start()
    rig.ctl.screen = FlakyScreen()
    rig.run_for(30)
    assert rig.ctl.task_restarts["display"] == 2
    assert rig.logged("task display crashed: ValueError: display bus glitch")
    assert any("Traceback" in line for line in rig.log_lines)
    assert FlakyScreen.calls > 10  # it came back
    assert rig.on_fraction(5, 30) > 0.9


def test_a_crash_whose_logging_runs_out_of_memory_still_restarts_the_task(rig_factory, capsys):
    class ScreenOnAFullHeap:
        touch = None
        calls = 0

        def show(self, lines, errors=()):
            pass

        def update(self, ctx, now_ms):
            ScreenOnAFullHeap.calls += 1
            if ScreenOnAFullHeap.calls == 3:
                raise MemoryError("memory allocation failed, allocating 512 bytes")

    rig = rig_factory()
    rig.set_ntc_c(hot_c=50, cold_c=30)
    rig.start()
    rig.ctl.screen = ScreenOnAFullHeap()
    real = rig.ctl.log.exception

    def no_room(message, exc):  # the traceback's text cannot be allocated either
        rig.ctl.log.exception = real
        raise MemoryError("memory allocation failed, allocating 96 bytes")

    rig.ctl.log.exception = no_room
    rig.run_for(30)
    assert rig.ctl.task_restarts["display"] == 1
    assert "task crashed; no memory for its traceback: display" in capsys.readouterr().out
    assert ScreenOnAFullHeap.calls > 10  # the display task came back
    assert rig.on_fraction(5, 30) > 0.9


def test_dead_control_task_stops_the_pump(rig_factory):
    rig = rig_factory()
    rig.set_ntc_c(hot_c=50, cold_c=30)
    rig.start()
    rig.run_for(10)
    assert rig.pcf.output_level() == 255

    def broken(*args):
        raise ZeroDivisionError("bug")

    rig.ctl.algorithm.update = broken
    rig.run_for(30)
    assert rig.ctl.task_restarts["control"] >= 10
    assert rig.logged("control decision")
    assert rig.pcf.output_level() == 0
    assert rig.on_fraction(27, 40) == 0.0


def test_settings_errors_are_reported_and_controller_runs(rig_factory):
    rig = rig_factory({"MIN_DIFF_K": "four", "PURGE_S": "-5", "MAX_DIFF_START_K": "2.0"})
    rig.set_ntc_c(hot_c=50, cold_c=30)
    rig.start()
    rig.run_for(5)
    errors = rig.logged("ERROR settings:")
    assert any("MIN_DIFF_K = 'four'" in e for e in errors)
    assert any("PURGE_S = '-5': out of range 0..600 s" in e for e in errors)
    assert any("MIN_DIFF_K must be below MAX_DIFF_START_K" in e for e in errors)
    assert rig.ctl.decision.mode == A.RUNNING


def test_manual_mode_runs_the_pump_then_times_out_to_auto(rig_factory):
    rig = rig_factory(probes=0)
    rig.set_ntc_c(hot_c=25, cold_c=25)  # no difference: auto would keep the pump off
    rig.start()
    rig.run_for(6)
    assert rig.ctl.decision.mode == A.IDLE
    rig.ctl.set_manual("manual", 100, timeout_s=60)
    t0 = rig.loop.monotonic()
    rig.run_for(20)
    assert rig.ctl.decision.mode == "manual" and rig.ctl.decision.duty_pct == 100
    assert rig.on_fraction(t0 + 5, t0 + 20) == 1.0
    rig.run_for(45)
    assert rig.ctl.manual_mode == "auto" and rig.ctl.decision.mode == A.IDLE
    assert rig.logged("manual pump mode timed out")
    rig.run_for(10)
    assert rig.pcf.output_level() == 0


def test_manual_off_cannot_override_overheat_and_bad_requests_change_nothing(rig_factory):
    rig = rig_factory(probes=0)
    rig.set_ntc_c(hot_c=50, cold_c=20)
    rig.start()
    rig.ctl.set_manual("off")
    rig.run_for(10)
    assert rig.ctl.decision.mode == "off" and rig.pcf.output_level() == 0
    rig.set_ntc_c(hot_c=120, cold_c=50)  # collector overheat: the safety rule wins
    rig.run_for(60)
    assert rig.ctl.decision.mode == A.OVERHEAT and rig.ctl.decision.duty_pct == 100
    for bad in (("turbo", 50, None), ("manual", 150, None), ("manual", "50", None), ("manual", 50, -1),
                ("manual", True, None)):
        with pytest.raises(ValueError):
            rig.ctl.set_manual(*bad)
    assert rig.ctl.manual_mode == "off"


def test_a_strategy_changed_at_run_time_takes_effect_at_the_next_cycle(rig_factory):
    rig = rig_factory(probes=0)
    rig.set_ntc_c(hot_c=37.0, cold_c=30.0)  # 7 K: on/off starts (6 K), the seed (8 K) does not
    rig.start()
    rig.run_for(30)
    assert rig.ctl.decision.mode == A.IDLE
    rig.ctl.settings.control_strategy = "onoff"  # what a ThingsBoard override does
    rig.run_for(10)
    assert type(rig.ctl.algorithm).__name__ == "OnOff"
    assert rig.ctl.decision.mode == A.RUNNING and rig.ctl.decision.duty_pct == 100
    assert rig.logged("control strategy: onoff (was seed)")


def test_protections_switch_the_dac_itself_tank_cutoff_and_a_stalled_pump(rig_factory):
    rig = rig_factory()
    rig.set_ntc_c(hot_c=60, cold_c=40)
    rig.start()
    rig.run_for(10)
    assert rig.ctl.decision.mode == A.RUNNING and rig.pcf.output_level() == 255
    rig.set_ntc_c(hot_c=60, cold_c=98)  # the tank past its hard cut-off (recooling on the smoothed way up)
    rig.run_for(40)
    assert rig.ctl.decision.mode == A.TANK_CUTOFF and rig.pcf.output_level() == 0
    assert rig.logged("TANK CUT-OFF: tank")
    rig.set_ntc_c(hot_c=50, cold_c=30)
    rig.run_for(40)
    assert rig.ctl.decision.mode == A.RUNNING
    for _ in range(70):  # the pump runs, but the collector heats as if no water moved
        hot = rig.ctl.hot.value_c
        rig.set_ntc_c(hot_c=hot + 0.06, cold_c=30)
        rig.run_for(5)
        if rig.ctl.decision.mode != A.RUNNING:
            break
    assert rig.ctl.decision.mode == A.NO_FLOW and rig.ctl.protection.failed_starts == 1
    rig.run_for(5)
    assert rig.pcf.output_level() == 0


def test_a_slow_i2c_bus_does_not_starve_the_other_tasks(rig_factory):
    """Every I2C transaction takes 0.7 s: a sensor cycle overruns its 2 s period. The sensor
    task must still yield, so control keeps deciding and the pump task keeps driving the DAC."""
    rig = rig_factory()
    rig.set_ntc_c(hot_c=60, cold_c=30)
    rig.start()
    rig.run_for(10)
    cycles, switches = rig.ctl.control_cycles, rig.ctl.pump_switches
    rig.i2c.hang_s = 0.7
    import threading

    runner = threading.Thread(target=rig.run_for, args=(60,), daemon=True)  # starved: it would never return
    runner.start()
    runner.join(30)
    assert not runner.is_alive(), "the event loop never got control back: a task does not yield"
    assert rig.ctl.control_cycles - cycles >= 20  # about one every CONTROL_PERIOD_S, not starved
    assert rig.ctl.readings > 0 and rig.ctl.effective_duty_pct() == rig.ctl.decision.duty_pct
    rig.i2c.hang_s = 0
    rig.run_for(10)
    assert rig.ctl.decision.mode == A.RUNNING and rig.ctl.pump_switches >= switches
