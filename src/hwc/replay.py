"""Replay a recorded trace through the pump algorithm the firmware runs.

Reads a CSV with columns ``t_s``, ``hot_c`` and ``cold_c`` (an empty temperature is a sensor
fault), runs the device package's pump algorithm (CONTROL_STRATEGY) and its plant protection
once per control period (CONTROL_PERIOD_S) on the latest recorded values, and writes CSV
``t_s, duty_pct, mode, max_diff`` to stdout, one row per control cycle. The temperatures are
taken as recorded (already smoothed, as ThingsBoard stores them).

Columns named after the DS18B20 probes the protection reads, ``<name>_c`` for PANEL_PROBE,
TANK_TOP_PROBE and FLOW_PROBE (``panel_outlet_c``, ``tank_inlet_c``: ThingsBoard's own keys),
are used when present; other columns are ignored. The tube kick needs a wall clock, which a
trace does not give, so it never runs in a replay.
"""

import csv
import sys

from controller.algorithm import create
from controller.protect import Protection

REQUIRED = ("t_s", "hot_c", "cold_c")


class TraceError(ValueError):
    pass


def add_arguments(parser):
    parser.add_argument("trace", help="CSV file with columns t_s, hot_c, cold_c")
    parser.add_argument("--settings", metavar="FILE", help="a settings.toml (default: built-in defaults)")


def load_settings(path):
    """Settings as the device would read them from ``path`` (None: defaults)."""
    from controller.settings import load

    if path is None:
        return load(lambda key: None)
    from hwc.cpsettings import getenv_for

    import os

    if not os.path.isfile(path):
        raise TraceError("settings file %s not found" % path)
    return load(getenv_for(path))


def _number(text, name, line):
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise TraceError("line %d: %s = %r is not a number" % (line, name, text))
    if value != value or value in (float("inf"), float("-inf")):
        raise TraceError("line %d: %s = %r is not a finite number" % (line, name, text))
    return value


def read_trace(stream, probes=()):
    """[(t_s, hot_c or None, cold_c or None, {probe: C or None})], checked: numbers, time
    strictly rising. ``probes``: probe names whose ``<name>_c`` columns are read if present."""
    reader = csv.DictReader(stream)
    if reader.fieldnames is None:
        raise TraceError("the trace is empty")
    fields = [f.strip() for f in reader.fieldnames]
    missing = [c for c in REQUIRED if c not in fields]
    if missing:
        raise TraceError("missing column(s) %s; the header has: %s" % (", ".join(missing), ", ".join(fields)))
    reader.fieldnames = fields
    extra = [(name, name + "_c") for name in probes if name and name + "_c" in fields]
    rows = []
    for row in reader:
        line = reader.line_num
        t_s = _number(row["t_s"] or "", "t_s", line)
        if t_s is None:
            raise TraceError("line %d: t_s is empty" % line)
        if rows and t_s <= rows[-1][0]:
            raise TraceError("line %d: t_s %g is not after the previous row's %g" % (line, t_s, rows[-1][0]))
        values = {name: _number(row[col] or "", col, line) for name, col in extra}
        rows.append((t_s, _number(row["hot_c"] or "", "hot_c", line), _number(row["cold_c"] or "", "cold_c", line),
                     values))
    if not rows:
        raise TraceError("the trace has a header but no rows")
    return rows


def replay(rows, settings):
    """Yield (t_s, decision) per control cycle over the trace (sample and hold)."""
    algo = create(settings)
    protection = Protection(settings, algo)
    period = settings.control_period_s
    t = rows[0][0]
    end = rows[-1][0]
    i = 0
    n = 0
    while t <= end + 1e-9:
        while i + 1 < len(rows) and rows[i + 1][0] <= t + 1e-9:
            i += 1
        _, hot, cold, probes = rows[i]
        fault = ""
        if hot is None or cold is None:
            fault = "no %s value in the trace" % ("hot_c" if hot is None else "cold_c")
        d = algo.update(hot, cold, t, fault)
        protection.apply(d, probes.get(settings.panel_probe), probes.get(settings.tank_top_probe), None,
                         probes.get(settings.flow_probe))
        yield t, d
        n += 1
        t = rows[0][0] + n * period


def run(args):
    try:
        settings = load_settings(args.settings)
        for error in settings.errors:
            print("settings: " + error, file=sys.stderr)
        with open(args.trace, newline="", encoding="utf-8-sig") as f:
            rows = read_trace(f, (settings.panel_probe, settings.tank_top_probe, settings.flow_probe))
    except OSError as exc:
        print("hwc replay: cannot read %s: %s" % (args.trace, exc.strerror), file=sys.stderr)
        return 2
    except TraceError as exc:
        print("hwc replay: %s: %s" % (args.trace, exc), file=sys.stderr)
        return 2
    out = sys.stdout
    out.write("t_s,duty_pct,mode,max_diff\n")
    for t_s, d in replay(rows, settings):
        out.write("%s,%d,%s,%.3f\n" % (_fmt_t(t_s), d.duty_pct, d.mode, d.max_diff_k))
    return 0


def _fmt_t(t_s):
    return "%d" % t_s if t_s == int(t_s) else "%.3f" % t_s
