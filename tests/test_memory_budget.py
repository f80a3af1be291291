"""Issue 12's memory targets, measured by hwc.memory's WebAssembly instrument (a 32-bit
interpreter, 192 KB heap, collector on between pieces, our code compiled from .py as deployed, the
frozen libraries at their frozen cost, display objects counted) and, for the long run, by
hwc.memrun (MicroPython's unix port, collector on, a heap matched to the board's free space after
boot, figures scaled back to the board). The targets and the margin are in ONE table:
hwc.memory.TARGETS and MARGIN_BYTES; the instrument must show target + margin, because the board
has allocations the instruments cannot see. ``hwc memory`` prints the same figures, met or MISSED.

Two kinds of test:

* what must hold today: the default and network builds boot on the 192 KB heap without a
  MemoryError, with the screen built and every page drawn;
* the targets themselves (free after boot with everything on, the default build's free heap, the
  long run's least free heap and largest block). The firmware does not meet them yet (issue 12
  is open): these are marked ``xfail(strict=True)``, so they run and assert on every CI run, show
  as "xfailed" with the shortfall, and turn into a FAILURE the day a target is met, until the
  marker comes off that target and it guards it for good.

The long run here is a reduced one (one short cycle with every part: an RPC burst and stream,
attribute updates and deletions, every page, a broker outage and its replay, the heater's
fetches); ``hwc memory --long`` runs hours."""


import pytest

from hwc import memory, memqstr, memrun

KB = 1024
_RESULTS = {}


def _measured(name):
    if name not in _RESULTS:
        _RESULTS[name] = memory.measure(name, peaks=False)
    return _RESULTS[name]


def _failure(r):
    f = r["failed"]
    return "%s at %s (%.1f KB free before it)" % (f["error"], f["label"], memory._before(r, f)["free"] / KB)


@pytest.mark.parametrize("config", ["default", "network"])
def test_the_build_boots_on_a_192_kb_heap(config):
    r = _measured(config)
    assert r["failed"] is None, "configuration %r: %s" % (config, _failure(r))
    assert r["complete"], "configuration %r stopped before its last step" % config
    assert r["free"] > 0 and r["largest"] > 0


def test_the_board_string_pools_figure_counts_what_the_titano_would_spend_more():
    an = {"bytes": 10 * KB, "board": {"low": {"bytes": 19 * KB}, "high": {"bytes": 21 * KB}}}
    assert memory.board_strings_free(95 * KB, an) == 84 * KB
    assert memory.board_strings_free(95 * KB, {"bytes": 10 * KB}) is None  # no estimate: no figure
    results = {"default": {"free": 103 * KB}}
    (key, what, got, need, ok), = memory.check_targets(results, {"default": an})
    assert (got, ok) == (92 * KB, False) and "string pools" in what
    (key, what, got, need, ok), = memory.check_targets(results)
    assert (got, ok) == (103 * KB, True)


def test_the_string_pools_are_a_chain_from_20_entries():
    # tools/mpy-tool.py gives the frozen pool alloc = min(len, 10); qstr_add doubles the last alloc
    assert memqstr.chain(1260) == [20, 40, 80, 160, 320, 640]
    assert memqstr.chain(1261) == [20, 40, 80, 160, 320, 640, 1]
    pools = memqstr.board_pools(1261)
    assert [p[0] for p in pools] == [20, 40, 80, 160, 320, 640, 1280]
    assert pools[-1][1] == memqstr.BOARD_POOL_HEADER + 6 * 1280 and pools[-1][2] == 1260
    assert sum(p[1] for p in memqstr.board_pools(1260)) == 6 * memqstr.BOARD_POOL_HEADER + 6 * 1260


def test_the_string_dump_is_read_back_in_creation_order():
    made = ["s%d" % i for i in range(70)]  # pools of 20, 40 and 10 of 80
    printed = made[60:] + made[20:60] + made[:20]  # qstr_dump_data: the last pool first
    text = "qstr pool: n_pool=3, n_qstr=70\r\n" + "".join("Q(%s)\r\n" % q for q in printed)
    assert memqstr.dump_order(text, 70) == made


def test_the_board_interns_every_identifier_and_short_string_of_a_source():
    got = memqstr.source_strings("x = 'short'\ny = 'a longer string'\ndef f(a_b):\n    return a_b.attr  # note\n")
    assert got == {"x", "short", "y", "f", "a_b", "attr"}


def test_the_titano_string_count_adds_what_the_instrument_had_interned_before_our_code():
    r = _measured("default")
    board = memqstr.board_strings(r, memory.cached_tree()[0], memqstr.package_strings(memqstr.TITANO_FROZEN),
                                  memqstr.api_names())
    # the harness interns "Controller" before the baseline; the board's lexer interns it for app.py
    assert "Controller" in board["high"] and "Controller" in board["low"]
    assert "append" not in board["high"]  # mpy-cross's static strings are in every core
    assert board["low"] <= board["high"] and board["before"] > 0 and board["image"] > 0
    an = memory.strings_of({"default": r})["default"]
    assert an["board"]["high"]["strings"] == len(board["high"])
    assert an["board"]["high"]["pools"] == [p[0] for p in memqstr.board_pools(len(board["high"]))]


def test_the_targets_are_judged_with_the_margin():
    fake = {"default": {"free": memory.TARGETS["default_free"][1] + memory.MARGIN_BYTES - 1},
            "everything": {"free": memory.TARGETS["boot_free"][1] + memory.MARGIN_BYTES}}
    got = {key: ok for key, _what, _got, _need, ok in memory.check_targets(fake)}
    assert got == {"default_free": False, "boot_free": True}

OPEN = pytest.mark.xfail(strict=True, reason="issue 12: the firmware is still over its memory budget (hwc memory says by how much)")


@OPEN
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
    # and with our strings as many as the Titano would intern, in its string pools
    board = memory.board_strings_free(r["free"], memory.strings_of({config: r})[config])
    assert board >= need, "%s: configuration %r leaves %.1f KB free with the Titano's string pools; needs %.1f KB" % (
        what, config, board / 1024, need / 1024)


def _long():
    if "long" not in _RESULTS:
        missing = memrun.unix_ready()
        assert missing is None, missing
        _RESULTS["long"] = memrun.long_run(**memrun.SUITE_RUN)
    return _RESULTS["long"]


@OPEN
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
