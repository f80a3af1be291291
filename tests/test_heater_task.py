"""The heater task on a real Controller, its sources on a local HTTP server: the relay, the
reasons, ``ctx.heater``, the log, and what happens when sources fail and come back."""

import asyncio
import json
from urllib.parse import parse_qs, urlsplit

import pytest

import heater_samples as smp
from controller.heater.task import Heater, make_task
from controller.localtime import EPOCH_2000_S
from controller.settings import load
from heater_ctx import make_ctx, set_top
from heater_server import POOL, Answer, SourceServer

JAN15_EPOCH = EPOCH_2000_S + smp.JAN15 * 60  # 2024-01-15T00:00Z


class Relay:
    def __init__(self):
        self.value = False
        self.writes = []

    def __setattr__(self, name, v):
        if name == "value" and "writes" in self.__dict__:
            self.writes.append(v)
        object.__setattr__(self, name, v)


class Protection:
    def __init__(self, active=(), lockout=""):
        self.active = active
        self.lockout = lockout
        self.warnings = []


@pytest.fixture
def srv():
    server = SourceServer()
    yield server
    server.close()


def heater(srv, epoch=JAN15_EPOCH + 2 * 3600, top_c=45.0, **over):
    env = {"HEATER_ENABLED": "1", "HEATER_MIN_ON_S": "0", "HEATER_MIN_OFF_S": "0", "PROBE1_NAME": "tank_top"}
    env.update({("HEATER_" + k.upper()): str(v) for k, v in over.items()})
    s = load(env.get)
    assert not s.errors, s.errors
    ctx = make_ctx(s, epoch_s=epoch, top_c=top_c)
    bases = {k: srv.base for k in ("meter", "octopus", "carbon", "forecast", "emoncms")}
    h = Heater(ctx, Relay(), POOL, None, bases, timeout_s=1.0)
    ctx.heater = h
    return h


def test_every_source_failing_keeps_the_element_off_with_reasons_logged(srv):
    srv.routes["/"] = Answer({"error": "boom"}, status=500)
    h = heater(srv, meter="shelly2", tariff="breakeven", pv_kwp=4, emoncms_key="k")
    for _ in range(3):
        d = h.cycle()
        assert not d.on and h.relay.value is False
    assert h.state == "off" and "no grid reading (HTTP 500: boom)" in h.reason and "breakeven: no prices" in h.reason
    assert h.errors["meter"] == "HTTP 500: boom" and h.errors["prices"] == "HTTP 500: boom"
    assert h.errors["forecast"] == "HTTP 500: boom" and h.errors["emoncms"] == "HTTP 500: boom" and h.emon.n == 1
    logged = "\n".join(h.ctx.lines)
    assert "heater: meter: HTTP 500: boom" in logged and "heater: prices: HTTP 500: boom" in logged
    assert logged.count("heater: meter: HTTP 500") == 1  # once, not every poll
    assert h.grid_w is None and h.price_p_kwh is None and h.element_w == 0


def test_pv_surplus_from_a_shelly_drives_the_relay_and_ctx_heater(srv):
    srv.routes["/rpc/EM.GetStatus"] = Answer(smp.SHELLY2_EM)  # -2361.6 W: not enough for 3 kW
    h = heater(srv, meter="shelly2", on_wait_s=0, off_wait_s=0, power_w=2000)
    d = h.cycle()
    assert d.on and d.rule == "pv" and h.relay.value is True
    assert h.ctx.heater.state == "on" and h.ctx.heater.element_w == 2000.0 and h.source == "pv"
    assert h.ctx.heater.grid_w == -2361
    assert any("heater on: on: pv: surplus 2361 W > 2200 W" in line for line in h.ctx.lines)
    srv.routes["/rpc/EM.GetStatus"] = Answer(dict(smp.SHELLY2_EM, total_act_power=1500.0))
    d = h.cycle()
    assert not d.on and h.relay.value is False and "import 1500 W > 200 W" in h.reason
    srv.routes["/rpc/EM.GetStatus"] = Answer("{\"total_act_power\": -30", status=200)  # truncated
    d = h.cycle()
    assert not d.on and h.errors["meter"].startswith("malformed JSON") and h.source == "none"


def test_negative_agile_price_heats_and_price_is_published(srv):
    srv.routes["/v1/products/"] = Answer(smp.octopus_page(smp.octopus_rows(smp.JAN15, smp.day_prices())))
    h = heater(srv, epoch=JAN15_EPOCH + 3 * 3600 + 60, tariff="cheapest", slots=1)
    d = h.cycle()
    assert d.on and d.rule == "negative" and h.price_p_kwh == pytest.approx(-1.25) and h.source == "cheap"
    assert "paid to use power" in h.reason


def test_slow_sources_are_fetched_only_when_used(srv):
    srv.routes["/v1/products/"] = Answer(smp.octopus_page(smp.octopus_rows(smp.JAN15, smp.day_prices())))
    h = heater(srv, tariff="cheapest", meter="shelly2")
    srv.routes["/rpc/EM.GetStatus"] = Answer(smp.SHELLY2_EM)
    h.cycle()
    assert h.prices.n == 48 and h.grid_w is not None
    assert h.tables[1:] == [None, None]  # made only when those sources are used
    assert [p.split("?")[0].split("/")[1] for p in srv.requests] == ["rpc", "v1"]


def test_a_failed_price_refresh_keeps_the_prices_it_has(srv):
    srv.routes["/v1/products/"] = Answer(smp.octopus_page(smp.octopus_rows(smp.JAN15, smp.day_prices())))
    h = heater(srv, tariff="breakeven")
    h.cycle()
    assert h.prices.n == 48
    held = h.prices
    srv.routes["/v1/products/"] = Answer("{\"count\": 48, \"results\": [", status=200)
    assert h.fetch("octopus", smp.JAN15 + 150).startswith("malformed JSON")
    assert h.prices is held and h.prices.n == 48


def test_safety_beats_the_rules(srv):
    srv.routes["/rpc/EM1.GetStatus"] = Answer(dict(smp.SHELLYPRO_EM1, act_power=-5000.0))
    h = heater(srv, meter="shellypro", on_wait_s=0)
    assert h.cycle().on
    h.ctx.protection = Protection(active=("tank_max",))
    d = h.cycle()
    assert not d.on and h.reason == "off: protection: tank_max"
    h.ctx.protection = Protection(active=("lockout", "frost"), lockout="no flow after 3 starts")
    assert h.cycle().on  # the solar loop is out: the element is what heats the water
    h.ctx.protection = Protection()
    assert h.cycle().on
    pump_decision = h.ctx.decision
    h.ctx.decision = Protection()  # any object with mode, reason, duty_pct
    h.ctx.decision.mode, h.ctx.decision.reason, h.ctx.decision.duty_pct = "cool_off", "cool-off: tank 72 C", 100
    assert h.cycle().reason == "off: pump in cool_off: cool-off: tank 72 C" and not h.relay.value
    h.ctx.decision = pump_decision
    set_top(h.ctx, None, fault="CRC error")
    d = h.cycle()
    assert not d.on and h.reason == "off: no tank top reading (probe tank_top: CRC error)"
    set_top(h.ctx, 96.0)
    assert "95 C cut-off" in h.cycle().reason


def test_missing_probe_and_unknown_time(srv):
    h = heater(srv, tariff="breakeven", top_probe="nowhere")
    h.ctx.wall.base = None
    d = h.cycle()
    assert not d.on and h.reason == "off: no tank top reading (no DS18B20 probe named nowhere)"
    set_top(h.ctx, 45.0)
    h.ctx.settings.heater_top_probe = "tank_top"
    assert h.cycle().reason == "off: tariff: time unknown"
    assert srv.requests == []  # nothing fetched without a wall clock


def test_emoncms_buffers_while_down_and_replays_with_bulk(srv):
    srv.routes["/input/"] = Answer("", status=502)
    srv.routes["/rpc/EM.GetStatus"] = Answer(smp.SHELLY2_EM)
    h = heater(srv, meter="shelly2", emoncms_key="k", emoncms_node="tank")
    h.cycle()
    h.ctx.ticks.advance_s(61)
    h.cycle()
    assert h.emon.n == 2
    srv.routes["/input/"] = Answer('{"success": true}')
    h.ctx.ticks.advance_s(61)
    h.cycle()
    assert h.emon.n == 0 and h.errors["emoncms"] == ""
    bulk = [p for p in srv.requests if p.startswith("/input/bulk")]
    assert len(bulk) == 3  # two refused while down, then all three rows at once
    data = json.loads(parse_qs(urlsplit(bulk[-1]).query)["data"][0])
    assert len(data) == 3 and [row[1] for row in data] == ["tank"] * 3
    assert [row[0] for row in data] == [JAN15_EPOCH + 7200, JAN15_EPOCH + 7261, JAN15_EPOCH + 7322]
    assert {"grid_w": -2361} in data[0]
    assert any("3 buffered EmonCMS rows sent, 0 left" in line for line in h.ctx.lines)


def test_the_task_publishes_ctx_heater_and_switches_off_when_cancelled(srv):
    srv.routes["/rpc/EM.GetStatus"] = Answer(dict(smp.SHELLY2_EM, total_act_power=-6000.0))
    env = {"HEATER_ENABLED": "1", "HEATER_MIN_OFF_S": "0", "HEATER_ON_WAIT_S": "0", "HEATER_METER": "shelly2",
           "PROBE1_NAME": "tank_top"}
    ctx = make_ctx(load(env.get))
    relay = Relay()
    task_fn = make_task(relay, POOL, None, {"meter": srv.base}, timeout_s=1.0, poll_s=0.01)

    async def main():
        task = asyncio.create_task(task_fn(ctx))
        for _ in range(50):
            await asyncio.sleep(0.02)
            if relay.value:
                break
        on = relay.value
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        return on

    assert asyncio.run(main()) is True
    assert ctx.heater.state == "off" and relay.value is False and relay.writes[-1] is False


def test_setting_problems_are_named():
    from controller.heater.check import problems

    s = load({"HEATER_ENABLED": "1", "HEATER_PIN": "D4", "ONEWIRE_PIN": "D4", "HEATER_METER": "iotawatt",
              "HEATER_METER_IP": "10,0,0", "HEATER_EMONCMS_KEY": "k", "HEATER_EMONCMS_IP": "1,2"}.get)
    assert not s.errors
    assert [text for _keys, text in problems(s)] == [
        "HEATER_PIN D4 is the 1-Wire bus (ONEWIRE_PIN): heater disabled",
        "HEATER_TOP_PROBE tank_top names no probe (PROBE1..5_NAME): element stays off",
        "needs the network (MQTT_BROKER and WiFi), which is off: element off",
        'HEATER_METER iotawatt needs HEATER_METER_IP, an IP address like "192.168.1.50": PV rule off',
        'HEATER_EMONCMS_IP must be an IP address like "192.168.1.60", or empty for emoncms.org: EmonCMS logging off']
    assert [keys for keys, _text in problems(s)][:3] == [
        ("HEATER_PIN", "ONEWIRE_PIN"), ("HEATER_TOP_PROBE", "HEATER_ENABLED"), ("HEATER_ENABLED", "MQTT_BROKER")]
    s = load({"HEATER_ENABLED": "1", "PROBE2_NAME": "tank_top", "MQTT_BROKER": "tb.local"}.get)
    assert problems(s) == []


def test_the_task_fetches_slow_sources_between_meter_polls(srv):
    srv.routes["/v1/products/"] = Answer(smp.octopus_page(smp.octopus_rows(smp.JAN15, smp.day_prices())))
    srv.routes["/rpc/EM.GetStatus"] = Answer(smp.SHELLY2_EM)
    env = {"HEATER_ENABLED": "1", "HEATER_MIN_OFF_S": "0", "HEATER_METER": "shelly2", "HEATER_TARIFF": "cheapest",
           "PROBE1_NAME": "tank_top"}
    ctx = make_ctx(load(env.get), epoch_s=JAN15_EPOCH + 3 * 3600 + 60)  # the negative slot
    relay = Relay()
    task_fn = make_task(relay, POOL, None, {"meter": srv.base, "octopus": srv.base}, timeout_s=1.0, poll_s=0.01)

    async def main():
        task = asyncio.create_task(task_fn(ctx))
        for _ in range(100):
            await asyncio.sleep(0.02)
            if relay.value:
                break
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass

    asyncio.run(main())
    # The task re-asserts the relay every poll; what matters is the switching: on once, off on cancel.
    switches = [v for i, v in enumerate(relay.writes) if i == 0 or v != relay.writes[i - 1]]
    assert switches == [False, True, False] and relay.value is False
    assert srv.requests[0].startswith("/rpc/EM.GetStatus") and srv.requests[1].startswith("/v1/products/")
    assert ctx.heater.prices.n == 48
    assert any("heater on: on: price -1.25 p/kWh: paid to use power" in line for line in ctx.lines)
    assert ctx.heater.state == "off" and ctx.heater.source == "none"  # after the cancel


def test_energy_today_counts_the_element_and_restarts_at_local_midnight(srv):
    from controller.localtime import days_from_civil

    srv.routes["/rpc/EM.GetStatus"] = Answer(dict(smp.SHELLY2_EM, total_act_power=-6000.0))
    evening = EPOCH_2000_S + (days_from_civil(2024, 7, 1) * 1440 + 22 * 60) * 60  # 23:00 BST
    h = heater(srv, epoch=evening, meter="shelly2", on_wait_s=0, off_wait_s=0, power_w=3000)
    assert h.cycle().on and h.energy_today_kwh == 0
    for _ in range(59):
        h.ctx.ticks.advance_s(60)
        h.cycle()
    assert h.energy_today_kwh == 2950 / 1000  # 59 min at 3 kW, whole Wh
    h.ctx.ticks.advance_s(60)  # 00:00 BST: a new local day (23:00 UTC)
    h.cycle()
    assert h.energy_today_kwh == 0
    srv.routes["/rpc/EM.GetStatus"] = Answer(dict(smp.SHELLY2_EM, total_act_power=5000.0))
    h.ctx.ticks.advance_s(60)
    h.cycle()  # on for that minute: counted; off from now
    assert h.energy_today_kwh == 50 / 1000 and h.state == "off" and h.source == "none"
    h.ctx.ticks.advance_s(3600)
    h.cycle()
    assert h.energy_today_kwh == 50 / 1000
