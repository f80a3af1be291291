"""The heater's sources through the real adafruit_requests against a local HTTP server that
answers in each API's format: good answers, pagination, timeouts, 5xx, truncated and malformed
JSON, empty lists. Every failure ends in a reason in words."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest

import heater_samples as smp
from controller.heater import emon, http, src_carbon, src_forecast, src_meter, src_octopus
from controller.heater.src_carbon import Carbon
from controller.heater.src_forecast import SolarForecast
from controller.heater.src_meter import Grid
from controller.heater.src_octopus import Octopus
from controller.heater.slots import DAY_MIN, Forecast, SlotTable
from controller.settings import load
from heater_server import Answer, SourceServer, session

TIMEOUT_S = 1.0


@pytest.fixture
def srv():
    server = SourceServer()
    yield server
    server.close()


def settings(**over):
    env = {"HEATER_ENABLED": "1"}
    env.update({("HEATER_" + k.upper()): str(v) for k, v in over.items()})
    s = load(env.get)
    assert not s.errors, s.errors
    return s


# --- Octopus Agile ---------------------------------------------------------------------------

def test_octopus_day_newest_first_with_a_negative_price(srv):
    prices = smp.day_prices()
    srv.routes["/v1/products/"] = Answer(smp.octopus_page(smp.octopus_rows(smp.JAN15, prices)))
    table = SlotTable(100)
    url = src_octopus.octopus_url(settings(), smp.JAN15, smp.JAN15 + DAY_MIN, srv.base)
    assert http.get_json(session(), url, Octopus(table), TIMEOUT_S, str_cap=200) is None
    assert srv.requests == ["/v1/products/AGILE-24-10-01/electricity-tariffs/E-1R-AGILE-24-10-01-C/"
                            "standard-unit-rates/?period_from=2024-01-15T00:00Z&period_to=2024-01-16T00:00Z"]
    assert table.n == 48
    table.sort()
    assert [table.start[i] for i in range(48)] == [smp.JAN15 + 30 * i for i in range(48)]
    assert [table.value[i] for i in range(48)] == [int(round(p * 1000)) for p in prices]
    assert table.value[table.find(smp.JAN15 + 3 * 60 + 10)] == -1250


def test_octopus_pages_are_followed(srv):
    rows = smp.octopus_rows(smp.JAN15, smp.day_prices())
    page2 = srv.base + "/v1/page2?page=2"
    srv.routes["/v1/products/"] = Answer(smp.octopus_page(rows[:30], next_url=page2, count=48))
    srv.routes["/v1/page2"] = Answer(smp.octopus_page(rows[30:], count=48))

    heater = _heater(srv, tariff="breakeven")
    assert heater.fetch_prices(smp.JAN15 + 5) is None
    assert heater.prices.n == 48 and srv.requests[-1] == "/v1/page2?page=2"


@pytest.mark.parametrize("answer, reason", [
    (Answer(smp.octopus_page([])), "empty price list (not published yet?)"),
    (Answer({"detail": "Internal error"}, status=503), "HTTP 503"),
    (Answer(smp.octopus_page(smp.octopus_rows(smp.JAN15, [5.0] * 48)), cut_at=2000), "truncated JSON after 2000 bytes"),
    (Answer('{"count": 1, "next": null, "results": [{"value_inc_vat": 12.3,, }]}'), "malformed JSON at byte 62: expected a key, got 0x2c"),
    (Answer("<html>Bad gateway</html>", status=200, content_type="text/html"), "malformed JSON at byte 0: unexpected 0x3c"),
    (Answer({"count": 0, "next": None}), "no results list in the answer"),
    (Answer(smp.octopus_page([{"value_inc_vat": "n/a", "valid_from": "soon"}])), "no usable price in 1 rows"),
    (Answer(smp.octopus_page([]), delay_s=3.0), "no answer (timed out)"),
])
def test_octopus_failures_have_reasons(srv, answer, reason):
    srv.routes["/v1/products/"] = answer
    table = SlotTable(100)
    url = src_octopus.octopus_url(settings(), smp.JAN15, smp.JAN15 + DAY_MIN, srv.base)
    err = http.get_json(session(), url, Octopus(table), TIMEOUT_S, str_cap=200)
    assert err is not None and err.startswith(reason)


def test_a_dead_server_is_a_reason_too():
    s = settings()
    err = http.get_json(session(), src_octopus.octopus_url(s, 0, 30, "http://127.0.0.1:9"), Octopus(SlotTable(4)), TIMEOUT_S)
    assert "refused" in err.lower() or "connect" in err.lower(), err


# --- meters -------------------------------------------------------------------------------------

@pytest.mark.parametrize("meter, route, body, channel, watts", [
    ("iotawatt", "/query", [[1705312800, -1843.2]], 0, -1843.2),
    ("shelly1", "/status", smp.SHELLY1_STATUS, 1, -3560.25),
    ("shelly1", "/status", smp.SHELLY1_STATUS, 0, 412.7),
    ("shelly2", "/rpc/EM.GetStatus", smp.SHELLY2_EM, 0, -2361.6),
    ("shellypro", "/rpc/EM1.GetStatus", smp.SHELLYPRO_EM1, 0, 512.3),
])
def test_meters_read_grid_power(srv, meter, route, body, channel, watts):
    srv.routes[route] = Answer(body)
    s = settings(meter=meter, meter_channel=channel, meter_series="Grid")
    h = Grid(meter, channel)
    assert http.get_json(session(), src_meter.meter_url(s, srv.base), h, TIMEOUT_S) is None
    assert h.w == pytest.approx(watts)
    if meter == "iotawatt":
        assert srv.requests == ["/query?select=[time.utc.unix,Grid.watts]&begin=s-10s&end=s&group=all&format=json"]


@pytest.mark.parametrize("meter, body, reason", [
    ("iotawatt", [[1705312800, None]], "IoTaWatt has no data for the series"),
    ("iotawatt", [], "no power value in the answer"),
    ("shelly1", dict(smp.SHELLY1_STATUS, emeters=[dict(smp.SHELLY1_STATUS["emeters"][0], is_valid=False)]),
     "emeter 0 reports is_valid false"),
    ("shelly2", {"code": -105, "message": "Argument 'id', value 0 not found!"}, "no power value in the answer"),
])
def test_meter_answers_without_a_value(srv, meter, body, reason):
    srv.routes["/"] = Answer(body)
    h = Grid(meter, 0)
    assert http.get_json(session(), src_meter.meter_url(settings(meter=meter), srv.base), h, TIMEOUT_S) == reason
    assert h.w is None


def test_meter_ip_setting_builds_the_url():
    s = load({"HEATER_METER": "shelly2", "HEATER_METER_IP": "192,168,1,50"}.get)
    assert src_meter.meter_url(s) == "http://192.168.1.50/rpc/EM.GetStatus?id=0"
    s = load({"HEATER_METER": "shelly2", "HEATER_METER_IP": "192,168,1"}.get)
    assert src_meter.meter_url(s) is None


# --- Forecast.Solar and carbon intensity ------------------------------------------------------------

def test_forecast_solar(srv):
    srv.routes["/estimate/"] = Answer(smp.forecast_solar(3.21, 9.876))
    s = settings(pv_kwp=4)
    fc = Forecast()
    assert http.get_json(session(), src_forecast.forecast_url(s, srv.base), SolarForecast(fc, "uk"), TIMEOUT_S) is None
    assert srv.requests == ["/estimate/51.5000/-0.1000/35/0/4.00"]
    day = smp.JAN15 // DAY_MIN
    assert fc.day_kwh(day) == pytest.approx(3.21)
    assert fc.day_kwh(day + 1) == pytest.approx(9.876)
    assert fc.day_kwh(day + 2) is None
    # 401 Wh an hour from 09:00 to 16:00 local (= UTC in January); after 12:00 four are left
    assert fc.remaining_kwh(smp.JAN15 + 12 * 60) == pytest.approx(4 * 0.401)


def test_forecast_rate_limit_is_a_reason(srv):
    srv.routes["/estimate/"] = Answer(smp.FORECAST_429, status=429)
    fc = Forecast()
    assert http.get_json(session(), src_forecast.forecast_url(settings(), srv.base), SolarForecast(fc, "uk"),
                         TIMEOUT_S) == "HTTP 429"


@pytest.mark.parametrize("region", [0, 13])
def test_carbon_intensity_national_and_regional(srv, region):
    grams = [120 + (i * 37) % 200 for i in range(96)]
    body = smp.carbon_national(smp.JAN15, grams) if region == 0 else smp.carbon_regional(smp.JAN15, grams, region)
    srv.routes["/"] = Answer(body)
    table = SlotTable(100)
    s = settings(tariff="greenest", carbon_region=region)
    assert http.get_json(session(), src_carbon.carbon_url(s, smp.JAN15, srv.base), Carbon(table), TIMEOUT_S) is None
    expect = "/intensity/2024-01-15T00:00Z/fw48h" if region == 0 else \
        "/regional/intensity/2024-01-15T00:00Z/fw48h/regionid/13"
    assert srv.requests == [expect]
    assert table.n == 96 and [table.value[i] for i in range(96)] == grams


def test_carbon_empty(srv):
    srv.routes["/"] = Answer({"data": []})
    s = settings(tariff="greenest")
    assert http.get_json(session(), src_carbon.carbon_url(s, smp.JAN15, srv.base), Carbon(SlotTable(4)),
                         TIMEOUT_S) == "no intensity forecast in the answer"


# --- EmonCMS ------------------------------------------------------------------------------------------

def _query(path):
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


def test_emoncms_post_and_bulk(srv):
    srv.routes["/input/post"] = Answer('{"success": true}')
    srv.routes["/input/bulk"] = Answer("ok", content_type="text/plain")
    s = settings(emoncms_key="0123456789abcdef0123456789abcdef", emoncms_node="hwc")
    assert emon.emoncms_post(session(), srv.base, s, (1705312800, 1, 7.5, -2500.0, 55.25), TIMEOUT_S) is None
    q = _query(srv.requests[-1])
    assert q["node"] == "hwc" and q["apikey"] == "0123456789abcdef0123456789abcdef"
    assert json.loads(q["fulljson"]) == {"element": 1, "price": 7.5, "grid_w": -2500.0, "top_c": 55.25}
    rows = [(1705312800, 0, None, None, 50.0), (1705312860, 1, -1.25, 300.0, 51.0)]
    assert emon.emoncms_bulk(session(), srv.base, s, rows, 1705312900, TIMEOUT_S) is None
    q = _query(srv.requests[-1])
    assert q["sentat"] == "1705312900"
    assert json.loads(q["data"]) == [[1705312800, "hwc", {"element": 0}, {"top_c": 50.0}],
                                     [1705312860, "hwc", {"element": 1}, {"price": -1.25}, {"grid_w": 300.0},
                                      {"top_c": 51.0}]]


def test_emoncms_refusal_is_a_reason(srv):
    srv.routes["/input/post"] = Answer('{"success": false, "message": "Invalid API key"}')
    s = settings(emoncms_key="abc")
    err = emon.emoncms_post(session(), srv.base, s, (1, 0, None, None, None), TIMEOUT_S)
    assert err.startswith('EmonCMS refused: {"success": false')


# --- the task's source handling ----------------------------------------------------------------------

def _heater(srv, **over):
    from heater_ctx import make_ctx
    from controller.heater.task import Heater

    ctx = make_ctx(settings(**over))
    bases = {k: srv.base for k in ("meter", "octopus", "carbon", "forecast", "emoncms")}
    return Heater(ctx, Relay(), session(), bases, timeout_s=TIMEOUT_S)


class Relay:
    def __init__(self):
        self.value = False
