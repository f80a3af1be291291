"""Self-recovery on the PC rig (real firmware tasks, fake buses, virtual clock): the counters
fed from the running controller and kept in a fake nvm across simulated reboots, and the
hardware watchdog (a fake on the virtual clock) fed only by a healthy loop."""

import asyncio
import json

import pytest

from controller import decision as A
from controller import pump as pump_mod
from controller import tasks as tasks_mod
from controller.counters import Counters
from controller.net.wall import Wall
from hwc.fakeboard import BoardReset, FakeNvm, FakeWatchDog
from hwc.rig import Rig

TIMEOUT_S = 12


class Board:
    """One simulated board over several boots: the nvm and the PCF8591's DAC (an external chip:
    it keeps its output through a reset of the microcontroller) survive a reboot."""

    def __init__(self, env=None, watchdog=True):
        self.env = dict(env or {})
        self.env.setdefault("CONTROL_STRATEGY", "seed")  # the seed's runs and purges
        self.nvm = FakeNvm()
        self.watchdog = watchdog
        self.rigs = []
        self.dog = None

    def boot(self, cause="power_on", start=True):
        dac = None
        if self.rigs:
            old = self.rigs[-1]
            dac = old.pcf.output_level()
            if not old.loop.is_closed():
                _discard(old)  # the old run is gone: no clean stop
        rig = Rig(self.env, hw_extra={"counter_store": self.nvm.counter_store(), "reset_cause": cause})
        if dac is not None:
            rig.pcf.dac_enabled = True
            rig.pcf.dac_value = dac
        if self.watchdog:
            self.dog = FakeWatchDog(rig.loop, TIMEOUT_S, raise_on_reset=True)
            rig.hw.watchdog = self.dog
        self.rigs.append(rig)
        rig.set_ntc_c(20, 20)
        if start:
            rig.start()
        return rig

    def close(self):
        rig = self.rigs[-1] if self.rigs else None
        if rig is not None and not rig.loop.is_closed():
            if self.dog is not None and self.dog.fired_at is not None:
                _discard(rig)
            else:
                rig.stop()


@pytest.fixture
def board():
    boards = []

    def make(env=None, watchdog=True):
        b = Board(env, watchdog)
        boards.append(b)
        return b

    yield make
    for b in boards:
        b.close()


def _discard(rig):
    """Drop a rig's run as a reset does: its tasks are never resumed."""
    for task in rig.ctl.tasks:
        task.cancel()
    try:
        rig.loop.run_until_complete(asyncio.sleep(0))
    except BaseException:  # noqa: BLE001 - a dead run may raise anything on the way out
        pass
    asyncio.set_event_loop(None)
    rig.loop.close()


def run_until_fired(rig, dog, limit_s):
    step = 1.0
    t = 0.0
    while dog.fired_at is None and t < limit_s:
        try:
            rig.run_for(step)
        except BoardReset:  # the board resets here
            assert dog.fired_at is not None
        t += step
    return dog.fired_at


# --- counters ---------------------------------------------------------------------------------


def test_pump_time_and_heat_follow_the_pump_and_the_panel_probes(board):
    b = board({"PURGE_S": "0"}, watchdog=False)
    rig = b.boot()
    rig.ds18[3].temp_c = 40.0  # panel_inlet
    rig.ds18[4].temp_c = 50.0  # panel_outlet
    rig.set_ntc_c(hot_c=60, cold_c=30)
    rig.run_for(1200)
    ctl = rig.ctl
    c = ctl.counters
    assert ctl.decision.mode == A.RUNNING
    on_s = ctl.cycler.total_on_ms / 1000
    assert on_s > 600
    assert abs(c.pump_s_total - on_s) <= 3  # sampled every 2 s
    expected_wh = 3.0 / 60 * on_s * 4186 * 10.0 / 3600
    assert abs(c.heat_total_wh - expected_wh) <= 4
    assert c.heat_today_kwh == pytest.approx(c.heat_total_wh / 1000)
    assert c.starts_total == ctl.pump_starts >= 1
    assert c.resets == {"power_on": 1}


def test_tank_pair_when_the_panel_probes_are_missing_and_no_figure_without_pairs(board):
    b = board({"PROBE4_ROM": "", "PROBE5_ROM": "", "PURGE_S": "0"}, watchdog=False)
    rig = b.boot()
    rig.ds18[1].temp_c = 45.0  # tank_inlet
    rig.ds18[2].temp_c = 40.0  # tank_outlet
    rig.set_ntc_c(hot_c=60, cold_c=30)
    rig.run_for(600)
    assert rig.ctl.counters.heat_total_wh > 0
    b2 = board({"PROBE2_ROM": "", "PROBE3_ROM": "", "PROBE4_ROM": "", "PROBE5_ROM": "", "PURGE_S": "0"},
               watchdog=False)
    rig2 = b2.boot()
    rig2.set_ntc_c(hot_c=60, cold_c=30)
    rig2.run_for(600)
    c = rig2.ctl.counters
    assert c.pump_s_total > 300
    assert c.heat_today_kwh is None and c.heat_total_kwh is None
    # the main page's energy row, rendered (row 10: the page's eleventh row under the header)
    from controller.screen import Screen
    from hwc.fbdisplay import FramebufferDisplay, gfx, text_of

    screen = Screen(FramebufferDisplay(), gfx())
    screen.select("main")
    screen.update(rig2.ctl, rig2.ctl.clock.ticks_ms())
    assert text_of(screen.rows[10]).startswith("today -- kWh  pump 0.")


def test_counters_survive_a_reboot_and_count_its_cause(board):
    b = board({"PURGE_S": "0"}, watchdog=False)
    rig = b.boot()
    rig.set_ntc_c(hot_c=60, cold_c=30)
    rig.run_for(400)  # the first save comes at 300 s
    assert b.nvm.writes == 1
    rig.stop()  # a clean stop saves too
    first = rig.ctl.counters
    assert b.nvm.writes == 2
    rig2 = b.boot("watchdog")
    c = rig2.ctl.counters
    assert (c.pump_s_total, c.starts_total, c.heat_total_wh) == (first.pump_s_total, first.starts_total,
                                                                   first.heat_total_wh)
    assert c.resets == {"power_on": 1, "watchdog": 1}
    assert rig2.logged("counters restored: pump")
    assert rig2.logged("start cause: watchdog")


def test_flash_is_written_rarely_and_only_when_something_changed(board):
    b = board({"COUNTERS_SAVE_S": "600"}, watchdog=False)
    rig = b.boot()  # 20 C everywhere: the pump never runs
    rig.run_for(5400)
    assert b.nvm.writes == 1  # the first save (300 s); nothing changed at the 8 save points since
    rig.set_ntc_c(hot_c=60, cold_c=30)
    rig.run_for(1800)
    assert 3 <= b.nvm.writes - 1 <= 4  # every 10 min while the pump runs
    # a reset loop shorter than the first save point writes nothing
    before = b.nvm.writes
    for _ in range(5):
        rig = b.boot("watchdog")
        rig.run_for(60)
    assert b.nvm.writes == before
    assert rig.ctl.counters.resets["watchdog"] == 1  # counted in RAM, not yet saved


def test_corrupt_block_is_reported_reset_and_replaced(board):
    b = board(watchdog=False)
    good = Counters()
    good.pump_s_total = 5000
    good.count_boot("power_on")
    block = bytearray(good.encode())
    block[10] ^= 0x01  # one bit flipped in the payload
    store = b.nvm.counter_store()
    store.write(bytes(block))
    rig = b.boot("power_on")
    c = rig.ctl.counters
    assert rig.logged("saved counters corrupt (CRC mismatch): reset to zero")
    assert any("corrupt" in e for e in rig.ctl.boot_errors)
    assert c.pump_s_total == 0 and c.resets == {"power_on": 1} and c.faults == {"nvm_corrupt": 1}
    fresh = Counters()
    assert fresh.load(store.read()) == ("ok", "")  # replaced at once
    assert fresh.faults == {"nvm_corrupt": 1}


def test_today_resets_at_local_midnight_by_the_wall_clock(board):
    b = board({"SCREEN_UTC_OFFSET_MIN": "60", "PURGE_S": "0"}, watchdog=False)
    rig = b.boot()
    ctl = rig.ctl
    ctl.wall = Wall(ctl.clock.ticks_ms)
    midnight = 1782864000 - 3600  # 00:00 local at UTC+1
    ctl.wall.set_epoch_ms((midnight - 300) * 1000, "test")
    rig.ds18[3].temp_c = 40.0
    rig.ds18[4].temp_c = 50.0
    rig.set_ntc_c(hot_c=60, cold_c=30)
    rig.run_for(290)
    c = ctl.counters
    assert c.pump_s_today > 200 and c.heat_today_wh > 0
    total = c.pump_s_total
    rig.run_for(20)  # past midnight
    assert c.pump_s_today < 15 and c.pump_s_total >= total
    assert rig.logged("counters: a new day")


def test_faults_are_counted_by_kind(board):
    b = board(watchdog=False)
    rig = b.boot()
    rig.run_for(10)
    rig.set_raw(hot_raw=255)  # collector NTC open
    rig.ds18[1].corrupt_crc = True
    rig.run_for(10)
    rig.set_ntc_c(20, 20)
    rig.ds18[1].corrupt_crc = False
    rig.run_for(80)  # a latched NTC fault clears after SENSOR_CLEAR_S (60 s) of sane readings
    assert rig.ctl.hot.fault is None
    f = rig.ctl.counters.faults
    assert f == {"ntc_hot": 1, "probe_tank_inlet": 1, "mode_fault": 1}
    rig.i2c.fail_next(3)  # one burst of I2C errors: the NTC readings fault once
    rig.run_for(10)
    assert f["i2c"] == 1 and f["ntc_hot"] == 2 and f["mode_fault"] == 2


def test_telemetry_carries_the_counters(board):
    from controller.net.points import Points

    b = board({"PURGE_S": "0"}, watchdog=False)
    rig = b.boot()
    rig.ds18[3].temp_c = 40.0
    rig.ds18[4].temp_c = 50.0
    rig.set_ntc_c(hot_c=60, cold_c=30)
    rig.run_for(1800)
    points = Points(rig.ctl, 4)
    points.add(0)
    v = json.loads(points.encode(1 << 30, lambda t: t)[0])[0]["values"]  # the point, as sent
    c = rig.ctl.counters
    assert v["heat_today_kwh"] == pytest.approx(c.heat_today_kwh, abs=0.006)
    assert v["heat_total_kwh"] == pytest.approx(c.heat_total_kwh, abs=0.006)
    assert v["pump_hours_total"] == pytest.approx(c.pump_s_total / 3600, abs=0.006)
    assert v["pump_starts_total"] == c.starts_total
    assert v["resets_total"] == 1


# --- the watchdog -----------------------------------------------------------------------------


def test_a_healthy_loop_feeds_the_watchdog(board):
    b = board()
    rig = b.boot()
    rig.set_ntc_c(hot_c=45, cold_c=30)
    rig.run_for(1800)
    assert b.dog.fired_at is None
    assert b.dog.feeds >= 1790
    assert rig.ctl.watch.unfed is False
    assert not rig.logged("watchdog not fed")


def test_a_crashing_control_task_stops_the_feeding_and_the_board_resets_with_the_pump_off(board, monkeypatch):
    b = board({"PURGE_S": "0"})
    rig = b.boot()
    rig.set_ntc_c(hot_c=60, cold_c=30)
    rig.run_for(600)
    assert rig.ctl.decision.mode == A.RUNNING
    t0 = rig.t_s

    def broken():
        raise ZeroDivisionError("bug in the algorithm")

    monkeypatch.setattr(rig.ctl, "control_once", broken)
    fired = run_until_fired(rig, b.dog, 120)
    assert fired is not None
    # unhealthy after 2 control periods + 10 s without a decision, then the 12 s timeout
    assert 14 <= fired - t0 <= 14 + TIMEOUT_S + 2
    assert rig.logged("watchdog not fed: no control decision for")
    assert rig.pcf.output_level() == 0  # pump off while the board waits for the reset
    assert rig.ctl.task_restarts["control"] > 10
    rig2 = b.boot("watchdog")
    assert rig2.pcf.output_level() == 0
    assert rig2.ctl.counters.resets == {"power_on": 1, "unfed_control": 1}  # saved before the reset


def test_a_stalled_control_task_is_caught_too(board, monkeypatch):
    never = []

    async def stalled(ctx):
        ctx.control_once()
        await asyncio.Event().wait()  # waits forever (a lost wake-up, a deadlock)
        never.append(1)

    monkeypatch.setattr(tasks_mod, "control_task", stalled)
    b = board()
    rig = b.boot()
    fired = run_until_fired(rig, b.dog, 120)
    assert fired is not None and fired <= 30
    assert rig.logged("watchdog not fed: no control decision")


def test_a_stalled_pump_task_is_caught(board, monkeypatch):
    async def stalled(ctx):
        async with ctx.i2c_lock:
            await asyncio.Event().wait()

    monkeypatch.setattr(pump_mod, "task", stalled)
    b = board()
    rig = b.boot()
    fired = run_until_fired(rig, b.dog, 120)
    assert fired is not None
    assert rig.logged("watchdog not fed: pump task not running") or rig.logged("no sensor reading")


def test_a_hung_i2c_bus_ends_in_a_reset_and_the_pump_off(board):
    b = board({"PURGE_S": "0"})
    rig = b.boot()
    rig.set_ntc_c(hot_c=60, cold_c=30)
    rig.run_for(120)
    assert rig.pcf.output_level() in (0, 255)
    last_feed = b.dog.last_feed_s
    rig.i2c.hang_s = 3600  # the next transaction never returns (as far as the board can tell)
    fired = run_until_fired(rig, b.dog, 30)
    assert fired is not None and fired - last_feed <= TIMEOUT_S + 2.5
    assert b.dog.feeds > 0
    # the reset clears the microcontroller's I2C peripheral; the boot switches the pump off
    rig2 = b.boot("watchdog")
    assert rig2.pcf.output_level() == 0
    assert rig2.logged("PCF8591 found at 0x48; pump off")
    assert rig2.ctl.counters.resets["watchdog"] == 1


def test_an_i2c_bus_that_fails_forever_stops_the_feeding(board):
    b = board({"PURGE_S": "0", "HEALTH_I2C_DEAD_S": "10"})
    rig = b.boot()
    rig.set_ntc_c(hot_c=20, cold_c=30)  # pump off
    rig.run_for(60)
    t0 = rig.t_s
    rig.i2c.fail_next(10 ** 9)
    fired = run_until_fired(rig, b.dog, 120)
    assert fired is not None
    assert fired - t0 <= 2 * 2 + 0.75 + 10 + TIMEOUT_S + 3
    assert rig.logged("watchdog not fed: no good I2C reading")
    assert rig.pcf.output_level() == 0
    assert rig.ctl.decision.mode == A.FAULT


def test_a_hung_network_call_ends_in_a_reset_and_the_pump_off(board):
    b = board({"PURGE_S": "0"})
    box = {}

    async def link(ctx):
        while True:
            await asyncio.sleep(5)
            if box.get("hang"):
                box["rig"].loop.advance(3600)  # a blocking ESP32 SPI call that never returns

    rig = b.boot(start=False)
    box["rig"] = rig
    rig.set_ntc_c(hot_c=60, cold_c=30)
    rig.start(extra=[("link", link)])
    rig.run_for(120)
    box["hang"] = True
    last_feed = b.dog.last_feed_s
    fired = run_until_fired(rig, b.dog, 30)
    assert fired is not None and fired - last_feed <= TIMEOUT_S + 6
    rig2 = b.boot("watchdog")
    assert rig2.pcf.output_level() == 0


def test_slow_network_calls_below_the_timeout_do_not_reset(board):
    b = board({"PURGE_S": "0"})
    box = {}

    async def link(ctx):
        while True:
            await asyncio.sleep(20)
            box["rig"].loop.advance(8)  # a slow but bounded call (e.g. a TLS connect)

    rig = b.boot(start=False)
    box["rig"] = rig
    rig.set_ntc_c(hot_c=60, cold_c=30)
    rig.start(extra=[("link", link)])
    rig.run_for(1800)
    assert b.dog.fired_at is None
    assert not rig.logged("watchdog not fed")
