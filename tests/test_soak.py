"""A short soak on the real MicroPython interpreter (``hwc soak`` runs the full 100 000
cycles): the live heap after gc.collect(), sampled between chunks of control cycles, stays
flat within 1 KB once warmed up; the cycles really ran the firmware."""

import re

from hwc import soak


def test_live_heap_is_flat_over_a_short_soak(capsys):
    result = soak.soak(cycles=3000, chunk=300, timeout_s=600)
    with capsys.disabled():
        print()
        soak.report(result)
    samples = result["samples"]
    assert [c for c, _ in samples] == list(range(0, 3001, 300))
    assert result["spread"] <= soak.FLAT_BYTES
    assert abs(result["growth"]) <= soak.FLAT_BYTES
    s = dict(re.findall(r"(\w+) (\S+)", result["summary"]))
    assert int(s["decisions"]) == int(s["readings"]) == 3000
    assert int(s["feeds"]) >= 2990  # the health check passed almost every cycle
    assert int(s["starts"]) >= 5 and int(s["pump_s"]) > 1000 and int(s["heat_wh"]) > 0
    assert int(s["faults"]) >= 4  # the injected glitches were seen and counted


def test_a_leak_would_show():
    """The measurement bites: a guest that keeps 64 bytes per cycle grows by about 64 KB."""
    from hwc.mpyguest import run_top_level

    out = run_top_level(
        "import hwc_soak\n"
        "hwc_soak.setup()\n"
        "keep = []\n"
        "gc.collect()\n"
        "_a = gc.mem_alloc()\n"
        "_i = 0\n"
        "while _i < 1000:\n"
        "    keep.append(bytearray(64))\n"
        "    _i += 1\n"
        "gc.collect()\n"
        "print('GROWTH %d' % (gc.mem_alloc() - _a))\n",
        extra_dirs=[soak.GUEST_DIR])
    growth = int(out.split("GROWTH ")[1].split()[0])
    assert growth >= 64 * 1000
