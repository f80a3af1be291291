"""The heater's sources through the real adafruit_requests (and the heater's JSON scanner) against a
local HTTP server that answers in each API's format, its bodies sent in 256-byte pieces: good
answers, pagination, every meter's validity flags, refusals with the server's own reason,
timeouts, truncated and malformed JSON, empty lists. Every failure ends in a reason in words,
and no socket is left open after a request."""

import json
from urllib.parse import parse_qs, urlsplit

import adafruit_connection_manager
import pytest

import heater_samples as smp
from controller.heater import emon
from controller.heater.src_carbon import carbon_url
from controller.heater.src_forecast import forecast_url
from controller.heater.src_octopus import octopus_url
from controller.heater.check import meter_url
from controller.heater.task import Heater, told
from controller.localtime import DAY_MIN, EPOCH_2000_S
from controller.settings import load
from heater_ctx import make_ctx
from heater_server import POOL, Answer, SourceServer

TIMEOUT_S = 1.0
JAN15_EPOCH = EPOCH_2000_S + smp.JAN15 * 60


@pytest.fixture
def srv():
    server = SourceServer()
    yield server
    server.close()


def settings(**over):
    env = {"HEATER_ENABLED": "1", "PROBE1_NAME": "tank_top"}
    env.update({("HEATER_" + k.upper()): str(v) for k, v in over.items()})
    s = load(env.get)
    assert not s.errors, s.errors
    return s


class Relay:
    value = False


def heater(srv, epoch=JAN15_EPOCH + 2 * 3600, **over):
    h = Heater(make_ctx(settings(**over), epoch_s=epoch), Relay(), POOL, None,
               {k: srv.base for k in ("meter", "octopus", "carbon", "forecast", "emoncms")}, timeout_s=TIMEOUT_S)
    h.ctx.heater = h
    return h


def open_sockets():
    return adafruit_connection_manager.get_connection_manager(POOL).managed_socket_count


# --- Octopus Agile ---------------------------------------------------------------------------

def test_octopus_day_newest_first_with_a_negative_price(srv):
    prices = smp.day_prices()
    srv.routes["/v1/products/"] = Answer(smp.octopus_page(smp.octopus_rows(smp.JAN15, prices)))
    h = heater(srv, tariff="cheapest")
    assert h.fetch("octopus", smp.JAN15 + 5) is None
    assert srv.requests == ["/v1/products/AGILE-24-10-01/electricity-tariffs/E-1R-AGILE-24-10-01-C/"
                            "standard-unit-rates/?period_from=2024-01-15T00:00Z&period_to=2024-01-17T00:00Z"]
    table = h.prices
    assert table.n == 48 and h.errors["prices"] == ""
    assert [table.start[i] for i in range(48)] == [smp.JAN15 + 30 * i for i in range(48)]
    assert [table.value[i] for i in range(48)] == [int(round(p * 1000)) for p in prices]
    assert table.value[table.find(smp.JAN15 + 3 * 60 + 10)] == -1250
    assert open_sockets() == 0


def test_octopus_url_for_a_product_and_region():
    s = settings(agile_product="AGILE_FLEX_22_11_25", agile_region="N")
    assert octopus_url(s, smp.JAN15, smp.JAN15 + DAY_MIN) == (
        "https://api.octopus.energy/v1/products/AGILE-FLEX-22-11-25/electricity-tariffs/E-1R-AGILE-FLEX-22-11-25-N/"
        "standard-unit-rates/?period_from=2024-01-15T00:00Z&period_to=2024-01-16T00:00Z")


def test_octopus_pages_are_followed(srv):
    rows = smp.octopus_rows(smp.JAN15, smp.day_prices())
    page2 = srv.base + "/v1/page2?page=2"
    srv.routes["/v1/products/"] = Answer(smp.octopus_page(rows[:30], next_url=page2, count=48))
    srv.routes["/v1/page2"] = Answer(smp.octopus_page(rows[30:], count=48))
    h = heater(srv, tariff="breakeven")
    assert h.fetch("octopus", smp.JAN15 + 5) is None
    assert h.prices.n == 48 and srv.requests[-1] == "/v1/page2?page=2"


@pytest.mark.parametrize("answer, reason", [
    (Answer(smp.octopus_page([])), "empty price list (not published yet?)"),
    (Answer({"detail": "Internal error"}, status=503), "HTTP 503: Internal error"),
    (Answer(smp.OCTOPUS_404, status=404), "HTTP 404: Not found."),
    (Answer(smp.octopus_page(smp.octopus_rows(smp.JAN15, [5.0] * 48)), cut_at=2000), "answer cut short"),
    (Answer(smp.octopus_page(smp.octopus_rows(smp.JAN15, [5.0] * 4)), cut_at=300), "answer cut short"),
    (Answer('{"count": 1, "next": null, "results": [{"value_inc_vat": 12.3,, }]}'), "malformed JSON"),
    (Answer('{"count": 1, "next": null, "results": [{"value_inc_vat": 12.3x}]}'), "malformed JSON"),
    (Answer("<html>Bad gateway</html>", status=200, content_type="text/html"), "malformed JSON"),
    (Answer("<html><title>502</title></html>", status=502, content_type="text/html"), "HTTP 502"),
    (Answer({"count": 0, "next": None}), "no results list in the answer"),
    (Answer([1, 2, 3]), "no results list in the answer"),
    (Answer(smp.octopus_page([{"value_inc_vat": "n/a", "valid_from": "soon"}])), "no usable price in 1 rows"),
    (Answer(smp.octopus_page([]), delay_s=3.0), "no answer (timed out)"),
    (Answer(smp.octopus_page(smp.octopus_rows(smp.JAN15, [5.0] * 48)), pause_s=0.25), "timed out"),
])
def test_octopus_failures_have_reasons_and_keep_the_prices_held(srv, answer, reason):
    srv.routes["/v1/products/"] = Answer(smp.octopus_page(smp.octopus_rows(smp.JAN15, smp.day_prices())))
    h = heater(srv, tariff="cheapest")
    assert h.fetch("octopus", smp.JAN15 + 5) is None
    held = h.prices
    srv.routes["/v1/products/"] = answer
    err = h.fetch("octopus", smp.JAN15 + 35)
    assert err is not None and err.startswith(reason), err
    assert h.errors["prices"] == err and any("heater: prices: " + err in line for line in h.ctx.lines)
    assert h.prices is held and held.n == 48  # the old table stays in use
    assert open_sockets() == 0


def test_a_dead_server_is_a_reason_too(srv):
    h = heater(srv, tariff="cheapest")
    h.bases["octopus"] = "http://127.0.0.1:9"
    err = h.fetch("octopus", smp.JAN15)
    assert "refused" in err.lower() or "connect" in err.lower(), err


# --- meters -------------------------------------------------------------------------------------

@pytest.mark.parametrize("meter, route, body, channel, watts", [
    ("iotawatt", "/query", [[1705312800, -1843.2]], 0, -1843),
    ("shelly1", "/emeter/1", smp.SHELLY1_EMETER, 1, -3560),
    ("shelly1", "/emeter/0", smp.SHELLY3EM_EMETER, 0, 412),
    ("shelly3em", "/status", smp.SHELLY3EM_STATUS, 0, -1980),
    ("shelly2", "/rpc/EM.GetStatus", smp.SHELLY2_EM, 0, -2361),
    ("shellypro", "/rpc/EM1.GetStatus", smp.SHELLYPRO_EM1, 1, 512),
])
def test_meters_read_grid_power(srv, meter, route, body, channel, watts):
    srv.routes[route] = Answer(body)
    h = heater(srv, meter=meter, meter_channel=channel, meter_series="Grid")
    h.poll()
    assert h.grid_w == watts and h.errors["meter"] == "", h.errors
    path = urlsplit(srv.requests[0]).path
    assert path == route
    if meter == "iotawatt":
        assert srv.requests == ["/query?select=[time.utc.unix,Grid.watts]&begin=s-10s&end=s&group=all&format=json"]
    if meter == "shellypro":
        assert srv.requests == ["/rpc/EM1.GetStatus?id=1"]
    assert open_sockets() == 0


def _flagged(body, **fields):
    out = dict(body)
    out.update(fields)
    return out


@pytest.mark.parametrize("meter, answer, reason", [
    ("iotawatt", Answer([[1705312800, None]]), "IoTaWatt has no data for the series"),
    ("iotawatt", Answer([]), "no power value in the answer"),
    ("iotawatt", Answer(smp.IOTAWATT_400, status=400, content_type="text/plain"), "HTTP 400: Invalid series: Grid"),
    ("shelly1", Answer(_flagged(smp.SHELLY1_EMETER, is_valid=False)), "meter reports is_valid false"),
    ("shelly1", Answer({"power": "n/a", "is_valid": True}), "no power value in the answer"),
    ("shelly3em", Answer(_flagged(smp.SHELLY3EM_STATUS, emeters=[
        smp.SHELLY3EM_STATUS["emeters"][0], dict(smp.SHELLY3EM_STATUS["emeters"][1], is_valid=False),
        smp.SHELLY3EM_STATUS["emeters"][2]])), "meter reports is_valid false for emeter 1"),
    ("shelly3em", Answer(_flagged(smp.SHELLY3EM_STATUS, total_power=None)), "no power value in the answer"),
    ("shelly2", Answer(_flagged(smp.SHELLY2_EM, a_errors=["out_of_range:current"])),
     "meter flags a_errors: out_of_range:current"),
    ("shelly2", Answer(_flagged(smp.SHELLY2_EM, errors=["power_meter_failure"])),
     "meter flags errors: power_meter_failure"),
    ("shelly2", Answer(smp.SHELLY_RPC_ERROR), "meter error -105: Argument 'id', value 2 not found!"),
    ("shelly2", Answer(smp.SHELLY_RPC_ERROR, status=404), "HTTP 404: Argument 'id', value 2 not found!"),
    ("shellypro", Answer(_flagged(smp.SHELLYPRO_EM1, errors=["out_of_range:active_power"])),
     "meter flags errors: out_of_range:active_power"),
    ("shellypro", Answer('{"id": 0, "act_power": 512.3', status=200), "malformed JSON"),
    ("shellypro", Answer(smp.SHELLYPRO_EM1, cut_at=40), "malformed JSON"),
    ("shellypro", Answer("", status=500), "HTTP 500"),
])
def test_meter_answers_without_a_valid_value_say_why(srv, meter, answer, reason):
    srv.routes["/"] = answer
    h = heater(srv, meter=meter)
    h.poll()
    assert h.grid_w is None and h.errors["meter"].startswith(reason), h.errors["meter"]
    assert h.grid_why == h.errors["meter"]
    assert any(("heater: meter: " + reason) in line for line in h.ctx.lines)
    assert open_sockets() == 0


def test_flags_that_do_not_make_the_power_wrong_are_not_failures(srv):
    srv.routes["/rpc/EM.GetStatus"] = Answer(_flagged(smp.SHELLY2_EM, errors=["phase_sequence"]))
    h = heater(srv, meter="shelly2")
    h.poll()
    assert h.grid_w == -2361 and h.errors["meter"] == ""


def test_meter_urls_from_the_ip_setting():
    s = load({"HEATER_METER": "shelly2", "HEATER_METER_IP": "192,168,1,50"}.get)
    assert meter_url(s) == "http://192.168.1.50/rpc/EM.GetStatus?id=0"
    s = load({"HEATER_METER": "shelly2", "HEATER_METER_IP": "192.168.1.50"}.get)  # as people write it
    assert s.errors == [] and meter_url(s) == "http://192.168.1.50/rpc/EM.GetStatus?id=0"
    s = load({"HEATER_METER": "shelly3em", "HEATER_METER_IP": "192,168,1,51"}.get)
    assert meter_url(s) == "http://192.168.1.51/status"
    s = load({"HEATER_METER": "shelly1", "HEATER_METER_IP": "10,0,0,9", "HEATER_METER_CHANNEL": "1"}.get)
    assert meter_url(s) == "http://10.0.0.9/emeter/1"
    s = load({"HEATER_METER": "shelly2", "HEATER_METER_IP": "192,168,1"}.get)
    assert meter_url(s) is None


def test_the_servers_own_reason_is_read_from_its_answer():
    assert told(b'{"detail":"Not found."}') == "Not found."
    assert told(b'{"result": null, "message": {"code": 429, "type": "error", "text": "Rate limit"}}') == \
        "Rate limit"
    assert told(b'{"error":{"code":"400 Bad Request","message":"Please enter a valid date"}}') == \
        "Please enter a valid date"
    assert told(b"Invalid series: Grid\r\n") == "Invalid series: Grid"
    assert told(b"<html><body>502 Bad Gateway</body></html>") == ""
    assert told(b"\xff\xfe not text") == ""
    assert told(b'{"message": "cut sho') == "cut sho"


# --- Forecast.Solar and carbon intensity ------------------------------------------------------------

def test_forecast_solar(srv):
    srv.routes["/estimate/"] = Answer(smp.forecast_solar(3.21, 9.876))
    h = heater(srv, pv_kwp=4)
    assert h.fetch("forecast", smp.JAN15 + 300) is None
    assert srv.requests == ["/estimate/51.5000/-0.1000/35/0/4.00"]
    day = smp.JAN15 // DAY_MIN
    days, periods = h.forecast
    assert days.value[days.find(day * DAY_MIN)] == 3210
    assert days.value[days.find((day + 1) * DAY_MIN)] == 9876
    assert days.find((day + 2) * DAY_MIN) < 0
    # 401 Wh an hour from 09:00 to 16:00 local (= UTC in January)
    assert periods.n == 9 and periods.value[periods.find(smp.JAN15 + 12 * 60 + 30)] == 401
    assert forecast_url(settings(pv_kwp=4.5, lat=53.48, lon=-2.24, pv_dec=30, pv_az=-20)) == \
        "https://api.forecast.solar/estimate/53.4800/-2.2400/30/-20/4.50"


def test_forecast_summer_times_are_local(srv):
    body = smp.forecast_solar()
    period = {k.replace("2024-01-15", "2024-07-01"): v for k, v in body["result"]["watt_hours_period"].items()}
    body["result"]["watt_hours_period"] = period
    srv.routes["/estimate/"] = Answer(body)
    h = heater(srv, pv_kwp=4)
    assert h.fetch("forecast", smp.JAN15) is None
    july1 = (smp.JAN15 // DAY_MIN + 168) * DAY_MIN
    periods = h.forecast[1]
    first = min(periods.start[i] + periods.span[i] for i in range(periods.n))
    assert first == july1 + 7 * 60  # 08:00 BST is 07:00 UTC


def test_forecast_rate_limit_says_why(srv):
    srv.routes["/estimate/"] = Answer(smp.FORECAST_429, status=429)
    h = heater(srv, pv_kwp=4)
    assert h.fetch("forecast", smp.JAN15) == "HTTP 429: Rate limit for API calls reached."
    assert h.forecast is None


def test_forecast_without_days(srv):
    srv.routes["/estimate/"] = Answer({"result": {"watts": {}}, "message": {"code": 0}})
    h = heater(srv, pv_kwp=4)
    assert h.fetch("forecast", smp.JAN15) == "no watt_hours_day in the answer"


@pytest.mark.parametrize("region, wrapped", [(0, True), (13, True), (13, False)])
def test_carbon_intensity_national_and_regional(srv, region, wrapped):
    grams = [120 + (i * 37) % 200 for i in range(96)]
    body = smp.carbon_national(smp.JAN15, grams) if region == 0 else smp.carbon_regional(smp.JAN15, grams, region,
                                                                                           wrapped)
    srv.routes["/"] = Answer(body)
    h = heater(srv, tariff="greenest", carbon_region=region)
    assert h.fetch("carbon", smp.JAN15 + 10) is None
    expect = "/intensity/2024-01-15T00:00Z/fw48h" if region == 0 else \
        "/regional/intensity/2024-01-15T00:00Z/fw48h/regionid/13"
    assert srv.requests == [expect]
    table = h.carbon
    assert table.n == 96 and [table.value[i] for i in range(96)] == grams
    assert carbon_url(settings(tariff="greenest"), smp.JAN15) == \
        "https://api.carbonintensity.org.uk/intensity/2024-01-15T00:00Z/fw48h"


@pytest.mark.parametrize("answer, reason", [
    (Answer({"data": []}), "no intensity forecast in the answer"),
    (Answer({"data": [{"from": "2024-01-15T00:00Z", "to": "soon", "intensity": {"forecast": 100}}]}),
     "no usable intensity in 1 rows"),
    (Answer(smp.CARBON_400, status=400), "HTTP 400: Please enter a valid ISO 8601 date"),
    (Answer(smp.carbon_national(smp.JAN15, [100] * 96), cut_at=3000), "answer cut short"),
])
def test_carbon_failures_say_why(srv, answer, reason):
    srv.routes["/"] = answer
    h = heater(srv, tariff="greenest")
    err = h.fetch("carbon", smp.JAN15)
    assert err.startswith(reason), err
    assert h.carbon is None and h.errors["carbon"] == err


# --- EmonCMS ------------------------------------------------------------------------------------------

def _data(path):
    return json.loads(parse_qs(urlsplit(path).query)["data"][0])


def test_emoncms_rows_go_with_input_bulk(srv):
    srv.routes["/input/bulk"] = Answer("ok", content_type="text/plain")
    h = heater(srv, emoncms_key="0123456789abcdef0123456789abcdef", emoncms_node="hwc")
    h.state, h.price, h.grid_w, h.top_c = "on", -1250, -2500, 55.25
    emon.post(h, JAN15_EPOCH)
    q = {k: v[0] for k, v in parse_qs(urlsplit(srv.requests[-1]).query).items()}
    assert q["apikey"] == "0123456789abcdef0123456789abcdef" and q["sentat"] == str(JAN15_EPOCH)
    assert json.loads(q["data"]) == [[JAN15_EPOCH, "hwc", {"element": 1}, {"price": -1.25}, {"grid_w": -2500},
                                      {"top_c": 55.25}]]
    h.state, h.price, h.grid_w, h.top_c = "off", None, None, -0.5
    emon.post(h, JAN15_EPOCH + 60)
    assert _data(srv.requests[-1]) == [[JAN15_EPOCH + 60, "hwc", {"element": 0}, {"top_c": -0.5}]]
    assert h.errors["emoncms"] == "" and h.emon.n == 0


@pytest.mark.parametrize("answer, reason", [
    (Answer('{"success": false, "message": "Invalid API key"}'), "EmonCMS refused: Invalid API key"),
    (Answer("Format error, json string supplied is not valid", content_type="text/plain"),
     "EmonCMS refused: Format error, json string supplied is not valid"),
    (Answer("", status=502), "HTTP 502"),
])
def test_emoncms_refusals_say_why_and_keep_the_row(srv, answer, reason):
    srv.routes["/input/bulk"] = answer
    h = heater(srv, emoncms_key="abc")
    emon.post(h, JAN15_EPOCH)
    assert h.errors["emoncms"].startswith(reason), h.errors["emoncms"]
    assert h.emon.n == 1


def test_emoncms_drains_after_a_three_hour_outage_in_requests_far_below_8_kb(srv):
    srv.routes["/input/bulk"] = Answer("", status=503)
    h = heater(srv, emoncms_key="0123456789abcdef0123456789abcdef", emoncms_node="a_long_node_name_of_24ch",
               meter="shelly2")
    h.state, h.price, h.grid_w, h.top_c = "on", -12345, -12345, -12.34  # the longest fields
    t = JAN15_EPOCH
    for minute in range(180):
        emon.post(h, t + 60 * minute)
    assert h.emon.n == emon.ROWS and h.emon.dropped == 180 - emon.ROWS
    down = len(srv.requests)
    srv.routes["/input/bulk"] = Answer("ok", content_type="text/plain")
    minute = 180
    while h.emon.n and minute < 200:
        emon.post(h, t + 60 * minute)
        minute += 1
    assert h.emon.n == 0 and h.errors["emoncms"] == ""
    sent = srv.requests[down:]
    assert 4 <= len(sent) <= 10, len(sent)  # drained within minutes (6 when written)
    sizes = [len(path) + len(srv.base) for path in sent]
    assert max(sizes) <= emon.URL_MAX < 8 * 1024
    rows = [row for path in sent for row in _data(path)]
    times = [row[0] for row in rows]
    assert times == sorted(set(times))  # each row once, oldest first
    assert times[0] == t + 60 * (181 - emon.ROWS) and times[-1] == t + 60 * (minute - 1)  # the newest ROWS kept
    assert rows[0][1:] == ["a_long_node_name_of_24ch", {"element": 1}, {"price": -12.345}, {"grid_w": -12345},
                           {"top_c": -12.34}]
    logged = "\n".join(h.ctx.lines)
    assert "older ones dropped while it was down" in logged and "heater: emoncms answers again" in logged
