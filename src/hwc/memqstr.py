"""The string (qstr) pool in ``hwc memory``'s figures, and what it would be on the Titano.

MicroPython interns identifiers and short strings as qstrs. Those the firmware image holds
(the core's, and the frozen modules' in a pool of their own) cost no heap. Every new one goes
into a dynamic pool on the heap, and when the last pool is full ``qstr_add`` (py/qstr.c)
allocates a new one of twice the last pool's entries: ``sizeof(qstr_pool_t) + (pointer + hash
+ length) x entries``. The first dynamic pool doubles the last ROM pool, which with frozen
modules is the frozen modules' pool. So the heap a pool step takes, and where it lands, depends
on how many strings the interpreter's image holds, which differs between the instruments and
the board:

* the WebAssembly build (MicroPython 1.27 "pyscript") freezes asyncio, logging, datetime,
  pathlib and more: its frozen pool is its own; and the libraries the Titano freezes are
  compiled into its heap before the baseline (their strings then fill dynamic pools before our
  code starts);
* the unix port has another frozen set, and 8-byte pointers;
* the Titano (CircuitPython 9/10, full build: 1-byte hash, 1-byte length, 4-byte pointers:
  6 bytes per entry, a 24-byte header) has CircuitPython's core strings and a frozen pool with
  the strings of adafruit_connection_manager, adafruit_portalbase, adafruit_requests,
  adafruit_esp32spi, adafruit_neopixel and adafruit_display_text (its mpconfigboard.mk) that
  are not already core strings.

:func:`frozen_pool_estimate` counts the Titano's frozen strings from the PyPI packages of those
libraries (compiled by mpy-cross, the strings read from each .mpy's table; the ones mpy-cross
marks as static core strings dropped) and takes off those a core already has: the unix port's
core (tested by interning each one there) gives the upper end, and also taking off every name
in CircuitPython's API stubs (circuitpython-stubs: all ports' modules, a superset of the
Titano's core) gives the lower end. :func:`board_pools` then lays our code's dynamic strings
into the board's pools. Nothing here is fitted to a measured figure.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

KB = 1024
BOARD_ENTRY_BYTES = 6  # 4-byte pointer, 1-byte hash, 1-byte length (CircuitPython full build)
BOARD_POOL_HEADER = 24  # prev, total_prev_len|is_sorted, alloc, len, hashes, lengths: 6 words
# The Titano's frozen libraries (ports/atmel-samd/boards/pyportal_titano/mpconfigboard.mk).
TITANO_FROZEN = ("adafruit_connection_manager", "adafruit_portalbase", "adafruit_requests", "adafruit_esp32spi",
                 "neopixel", "adafruit_display_text")


def _vuint(data, i):
    n = 0
    while True:
        b = data[i]
        i += 1
        n = (n << 7) | (b & 0x7F)
        if not b & 0x80:
            return n, i


def mpy_strings(name: str, source: str) -> list:
    """The non-static qstrs of ``source`` compiled by mpy-cross (the .mpy's string table)."""
    from hwc.memory import _mpy

    data = _mpy(name, source)
    if data[0:1] != b"M" or data[1] != 6:
        raise ValueError("not a version 6 .mpy")
    i = 4
    n_qstr, i = _vuint(data, i)
    _n_obj, i = _vuint(data, i)
    out = []
    for _ in range(n_qstr):
        v, i = _vuint(data, i)
        if v & 1:
            continue  # a static qstr: in every core's pool
        n = v >> 1
        out.append(data[i:i + n].decode("utf-8", "replace"))
        i += n + 1
    return out


def package_strings(names) -> set:
    """Every non-static qstr of the installed packages ``names`` (modules or packages)."""
    from hwc.memory import _py_files, _venv_package

    out = set()
    for name in names:
        for rel, path in _py_files(_venv_package(name)):
            out.update(mpy_strings(str(rel), path.read_text()))
    return out


def stub_names() -> set:
    """Every identifier in CircuitPython's API stubs (circuitpython-stubs): module, class,
    function, argument and attribute names of every port's core."""
    roots = [Path(p) for p in sys.path if p.endswith("site-packages")]
    names = set()
    word = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
    for root in roots:
        for stubs in root.glob("*-stubs"):
            names.add(stubs.name[:-len("-stubs")])
            for path in stubs.rglob("*.pyi"):
                names.update(word.findall(path.read_text(errors="replace")))
    return names


def unix_core(names) -> set:
    """Which of ``names`` the unix port's image already holds: each is interned there in turn
    (read from a file at run time, so the script's compiler has not interned them first) and
    one that is there adds no string."""
    import tempfile

    names = sorted(names)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        json.dump(names, f)
        listing = f.name
    script = ("import json, micropython\n"
              "f = open(%r)\n"
              "names = json.load(f)\n"
              "f.close()\n"
              "for s in names:\n"
              "    micropython.qstr_info()\n"
              "    getattr(None, s, None)\n"
              "micropython.qstr_info()\n") % listing
    code = ("import sys, micropython_unix\nsys.argv = ['micropython', '-X', 'heapsize=8M', '-c', sys.stdin.read()]\n"
            "sys.exit(micropython_unix.run_main(sys.argv))")
    try:
        proc = subprocess.run([sys.executable, "-c", code], input=script, capture_output=True, text=True,
                              timeout=120)
    finally:
        Path(listing).unlink()
    counts = [int(m) for m in re.findall(r"n_qstr=(\d+)", proc.stdout)]
    if len(counts) != len(names) + 1:
        raise RuntimeError("the unix port's string check failed:\n" + proc.stdout[-2000:] + proc.stderr[-2000:])
    return {s for s, a, b in zip(names, counts, counts[1:]) if b == a}


def frozen_pool_estimate() -> dict:
    """The Titano's frozen string pool: {"strings" (non-static strings of the frozen libraries),
    "high" (those not in the unix port's core), "low" (and not a name in CircuitPython's stubs)}."""
    strings = package_strings(TITANO_FROZEN)
    in_unix = unix_core(strings)
    high = strings - in_unix
    low = high - stub_names()
    return {"strings": len(strings), "high": len(high), "low": len(low)}


def pool_steps(points):
    """The dynamic pools in a run: ``points`` [(label, pools, qstrs, string bytes, total
    bytes)] in order; returns [{"at", "pool" (its number), "bytes" (the pool's own
    allocation), "qstrs_before"}] for every pool that appears, and the entries each pool
    held (known once the next one appears)."""
    out = []
    prev = None
    for label, pools, qstrs, sbytes, total in points:
        if prev is not None and pools is not None and prev[1] is not None and pools > prev[1]:
            out.append({"at": label, "pool": pools, "bytes": (total - prev[4]) - (sbytes - prev[3]),
                        "qstrs_before": prev[2]})
        prev = (label, pools, qstrs, sbytes, total)
    for a, b in zip(out, out[1:]):
        a["entries"] = b["qstrs_before"] - a["qstrs_before"]
    return out


def board_pools(first_alloc, our_qstrs):
    """The pools our ``our_qstrs`` dynamic strings take on the board when the first dynamic
    pool has ``first_alloc`` entries (twice the frozen pool): [(entries, bytes, strings
    before it)]."""
    out = []
    alloc = max(10, first_alloc)
    placed = 0
    while placed < our_qstrs:
        out.append((alloc, BOARD_POOL_HEADER + BOARD_ENTRY_BYTES * alloc, placed))
        placed += alloc
        alloc *= 2
    return out


def analyse(points, frozen=None):
    """The string pool over a run: ``points`` [(label, pools, qstrs, string bytes, total bytes)]
    from the baseline on. Returns {"qstrs", "bytes", "string_bytes", "pool_bytes" (what our
    code added after the baseline), "steps" (pool_steps), "board" (with ``frozen``, a
    frozen_pool_estimate: for its low and high ends, the pools our strings take on the board,
    their bytes, and where each would be allocated)}."""
    base = points[0]
    end = points[-1]
    qstrs = end[2] - base[2]
    string_bytes = end[3] - base[3]
    total = end[4] - base[4]
    out = {"qstrs": qstrs, "bytes": total, "string_bytes": string_bytes, "pool_bytes": total - string_bytes,
           "steps": pool_steps(points)}
    if frozen is not None:
        board = {}
        for end_name in ("low", "high"):
            pools = board_pools(2 * frozen[end_name], qstrs)
            landing = []
            for entries, nbytes, before in pools:
                at = next((p[0] for p in points if p[2] - base[2] > before), end[0])
                landing.append({"entries": entries, "bytes": nbytes, "at": at})
            board[end_name] = {"pools": landing, "pool_bytes": sum(p["bytes"] for p in landing),
                               "bytes": sum(p["bytes"] for p in landing) + string_bytes}
        out["board"] = board
    return out


def points_of(result):
    """analyse()'s points from a hwc.memory.measure() result (its baseline, then each piece)."""
    start = result["boot"]["start"]
    pts = [("baseline", start.get("qstr_pools"), start.get("qstrs"), start.get("qstr_str_bytes"),
            start.get("qstr_bytes"))]
    for s in result["steps"]:
        if s.get("qstrs") is not None:
            pts.append((s["label"], s["qstr_pools"], s["qstrs"], s["qstr_str_bytes"], s["qstr_bytes"]))
    return pts


def report_lines(an, frozen, where):
    """Text lines for ``hwc memory``."""
    out = ["string (qstr) pool, %s: our code adds %d strings after the baseline, %.1f KB (%.1f KB of pools, "
           "%.1f KB of string data)" % (where, an["qstrs"], an["bytes"] / KB, an["pool_bytes"] / KB,
                                       an["string_bytes"] / KB)]
    for st in an["steps"]:
        out.append("   pool %d: %.1f KB%s, allocated at %s (%d strings then)" % (
            st["pool"], st["bytes"] / KB, (", %d entries" % st["entries"]) if "entries" in st else "",
            st["at"], st["qstrs_before"]))
    if frozen is not None and "board" in an:
        out.append("   the Titano (estimate): its frozen libraries hold %d non-static strings, %d-%d of them not "
                   "in a core already, so its first dynamic pool has %d-%d entries (twice the frozen pool, "
                   "%d bytes each)" % (frozen["strings"], frozen["low"], frozen["high"], 2 * frozen["low"],
                                       2 * frozen["high"], BOARD_ENTRY_BYTES))
        for end_name in ("low", "high"):
            b = an["board"][end_name]
            out.append("   with the frozen pool at its %s end: our strings take %.1f KB on the board (%.1f KB of "
                       "pools: %s) against %.1f KB here" % (
                           end_name, b["bytes"] / KB, b["pool_bytes"] / KB,
                           "; ".join("%.1f KB at %s" % (p["bytes"] / KB, p["at"]) for p in b["pools"]),
                           an["bytes"] / KB))
    return out
