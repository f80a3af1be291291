"""Issue 12's targets, measured by hwc.memory's WebAssembly instrument (a 32-bit interpreter,
192 KB heap, collector on between pieces, our code compiled from .py as deployed, the frozen
libraries at their frozen cost, display objects counted) and, for the long run, by hwc.memrun
(MicroPython's unix port, collector on, a heap matched to the board's free space after boot,
figures scaled back to the board). The targets and the margin are in ONE table:
hwc.memory.TARGETS and MARGIN_BYTES. The margin is added to each target: the instrument must
show target + margin, because the board has allocations the instruments cannot see.

These fail until the device code shrinks (other branches do that): the message says by how much.
The long run here is a reduced one (one short cycle with every part: an RPC burst and stream,
attribute updates and deletions, every page, a broker outage and its replay, the heater's
fetches); ``hwc memory --long`` runs hours."""

import pytest

from hwc import memory, memrun

KB = 1024
_RESULTS = {}


def _measured(name):
    if name not in _RESULTS:
        _RESULTS[name] = memory.measure(name, peaks=False)
    return _RESULTS[name]


@pytest.mark.parametrize("key,config", [("default_free", "default"), ("boot_free", "everything")])
def test_target(key, config):
    what, target, _where = memory.TARGETS[key]
    need = target + memory.MARGIN_BYTES
    r = _measured(config)
    if r["failed"] is not None:
        f = r["failed"]
        pytest.fail("%s: configuration %r does not even load: %s at %s (%.1f KB free before it); target %.1f KB "
                    "free + %.1f KB margin" % (what, config, f["error"], f["label"], memory._before(r, f)["free"] / 1024,
                                              target / 1024, memory.MARGIN_BYTES / 1024))
    assert r["free"] >= need, "%s: configuration %r leaves %.1f KB free; needs %.1f KB (%.1f + %.1f margin): " \
        "%.1f KB short" % (what, config, r["free"] / 1024, need / 1024, target / 1024, memory.MARGIN_BYTES / 1024,
                           (need - r["free"]) / 1024)


def _long():
    if "long" not in _RESULTS:
        missing = memrun.unix_ready()
        assert missing is None, missing
        _RESULTS["long"] = memrun.long_run(**memrun.SUITE_RUN)
    return _RESULTS["long"]


@pytest.mark.parametrize("key", ["run_free", "run_block"])
def test_long_run_target(key):
    what, target, _where = memory.TARGETS[key]
    need = target + memory.MARGIN_BYTES
    r = _long()
    memrun.report(r)
    cal = r["calibration"]
    problems = []
    if cal["enlarged"]:
        problems.append("the firmware does not fit the board's heap after boot (%.1f KB free on the 32-bit "
                        "instrument): the run started from the boot target's %.0f KB instead"
                        % (r["anchor"]["board_free"] / KB, memrun.MIN_RUN_FREE / KB))
    if not r["complete"]:
        problems.append("the run did not complete (exit %s)" % r["exit"])
    if r["console_errors"]:
        problems.append("errors on the console, first: %s" % r["console_errors"][0])
    got = r.get("board_min_free" if key == "run_free" else "board_min_largest")
    at = r.get("min_free_at" if key == "run_free" else "min_largest_at")
    if got is None:
        problems.append("no figure: the run did not get past the boot")
    elif got < need:
        problems.append("%.1f KB at %s (board bytes, scaled), needs %.1f KB (%.1f + %.1f margin): %.1f KB short"
                        % (got / KB, at, need / KB, target / KB, memory.MARGIN_BYTES / KB, (need - got) / KB))
    assert not problems, "%s: %s" % (what, "; ".join(problems))
