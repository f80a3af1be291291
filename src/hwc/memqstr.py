"""The string (qstr) pool in ``hwc memory``'s figures, and what it would be on the Titano.

MicroPython interns identifiers and short strings as qstrs. Those the firmware image holds (the
core's, and the frozen modules' in a pool of their own) cost no heap. Every new one goes into a
dynamic pool on the heap; when the last pool is full ``qstr_add`` (py/qstr.c) allocates a new one
of twice the last pool's ``alloc``: ``sizeof(qstr_pool_t) + (pointer + hash + length) x entries``.
The image's frozen pool declares ``alloc = min(len, 10)`` (tools/mpy-tool.py, ``freeze_mpy``:
"set so that the first dynamically allocated pool is twice this size"), so on every build with
frozen modules, this instrument's and the Titano's alike, the dynamic pools are a chain of 20,
40, 80, ... entries: 1260 strings fill the pools up to 640 entries, string 1261 needs a pool of
1280 entries (7.5 KB on the Titano in one block), string 2541 one of 2560.

Where the chain stands when our code starts differs between the instrument and the board, and so
does the number of strings our code adds:

* the WebAssembly build (MicroPython 1.27 "pyscript") freezes asyncio, logging, datetime and more
  into its image, and the test harness (the stand-in board modules, the guest) and the Titano's
  frozen libraries, compiled into its heap before the baseline, intern strings before our code
  does: names our code uses that are already there are not counted as ours, and its chain is
  already at 1454 strings at the baseline;
* on the Titano (CircuitPython 9/10, full build: 1-byte hash, 1-byte length, 4-byte pointers:
  6 bytes per entry, a 24-byte header) the chain starts empty when code.py starts, the frozen
  libraries' strings (adafruit_connection_manager, adafruit_portalbase, adafruit_requests,
  adafruit_esp32spi, neopixel, adafruit_display_text: its mpconfigboard.mk) are in the image, and
  every other name our code and the /lib libraries use is added, unless CircuitPython's core has it.

:func:`board_strings` therefore counts the board's strings from what the instrument saw: the
strings the run added after the baseline (dumped with ``micropython.qstr_info(1)``, in creation
order, at the end of the run: :data:`DUMP_STEP`), plus the names the loaded sources hold (every
identifier and every string literal of 10 bytes or fewer, as the board's lexer interns them when
it compiles a .py; the qstr table of each loaded .mpy) that the instrument had before the baseline
or in its image, less the Titano's frozen strings (counted from the PyPI packages, compiled by
mpy-cross) and mpy-cross's static strings (in every core). Whether CircuitPython's core holds a
name is not known exactly: the high end takes off nothing more, the low end also every API name in
CircuitPython's stubs (circuitpython-stubs: module, class, function, argument and attribute names
of every port, a superset of the Titano's). :func:`board_pools` lays that count into the chain.
Nothing here is fitted to a measured figure.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import sys
import tokenize
from pathlib import Path

KB = 1024
BOARD_ENTRY_BYTES = 6  # 4-byte pointer, 1-byte hash, 1-byte length (CircuitPython full build)
BOARD_POOL_HEADER = 24  # prev, total_prev_len|is_sorted, alloc, len, hashes, lengths: 6 words
FIRST_POOL_ENTRIES = 20  # twice the frozen pool's alloc, min(len, 10) (tools/mpy-tool.py)
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


def mpy_table(data: bytes) -> list:
    """The non-static strings of a version 6 .mpy's string table (mpy-cross flags the static
    ones, which every core holds, and leaves their text out)."""
    if data[0:1] not in (b"M", b"C") or data[1] != 6:
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


def mpy_strings(name: str, source: str) -> list:
    """The non-static qstrs of ``source`` compiled by mpy-cross (the .mpy's string table)."""
    from hwc.memory import _mpy

    return mpy_table(_mpy(name, source))


def static_names(names) -> set:
    """Which of ``names`` are mpy-cross's static strings (in every core): identifiers, and
    other strings of at most 10 bytes (which the compiler interns too)."""
    ids = sorted(n for n in names if n.isidentifier() and not keyword.iskeyword(n))
    texts = sorted(n for n in names if not n.isidentifier() and len(n.encode()) <= 10)
    source = "def f(a):\n" + "".join("    a.%s\n" % n for n in ids) + "".join("    a[%r]\n" % t for t in texts)
    return set(ids + texts) - set(mpy_strings("static_probe.py", source))


def package_strings(names) -> set:
    """Every non-static qstr of the installed packages ``names`` (modules or packages)."""
    from hwc.memory import _py_files, _venv_package

    out = set()
    for name in names:
        for rel, path in _py_files(_venv_package(name)):
            out.update(mpy_strings(str(rel), path.read_text()))
    return out


def source_strings(source: str) -> set:
    """What the board's lexer interns when it compiles ``source``: every identifier (keywords
    apart) and every str literal of at most 10 bytes (MICROPY_ALLOC_PARSE_INTERN_STRING_LEN)."""
    out = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and not keyword.iskeyword(tok.string):
            out.add(tok.string)
        elif tok.type == tokenize.STRING:
            try:
                value = ast.literal_eval(tok.string)
            except (ValueError, SyntaxError):
                continue
            if isinstance(value, str) and len(value.encode()) <= 10:
                out.add(value)
    return out


def api_names() -> set:
    """Every API name in CircuitPython's stubs (circuitpython-stubs: module, class, function,
    argument and attribute names of every port's core: a superset of the Titano's)."""
    roots = [Path(p) for p in sys.path if p.endswith("site-packages")]
    names = set()
    for root in roots:
        for stubs in root.glob("*-stubs"):
            names.add(stubs.name[:-len("-stubs")])
            for path in stubs.rglob("*.pyi"):
                try:
                    tree = ast.parse(path.read_text(errors="replace"))
                except SyntaxError:
                    continue
                names.add(path.parent.name if path.stem == "__init__" else path.stem)
                for n in ast.walk(tree):
                    if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        names.add(n.name)
                    elif isinstance(n, ast.arg):
                        names.add(n.arg)
                    elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                        names.add(n.id)
    if not names:
        raise RuntimeError("circuitpython-stubs is not installed (scripts/bootstrap installs it)")
    return names


# The last piece of a measured run: every string of the dynamic pools, last pool first.
DUMP_STEP = {"label": "string pools", "code": "import micropython\nmicropython.qstr_info(1)\n", "kind": "report"}


def chain(total):
    """The entries of each dynamic pool holding ``total`` strings: 20, 40, 80, ... (the last one
    as far as it is filled)."""
    out = []
    alloc = FIRST_POOL_ENTRIES
    while total > 0:
        out.append(min(alloc, total))
        total -= alloc
        alloc *= 2
    return out


def dump_order(text, total):
    """The dynamic strings of a ``micropython.qstr_info(1)`` print (``total`` of them, its
    n_qstr) in the order they were made. qstr_dump_data prints the last pool first, each pool in
    order."""
    found = re.findall(r"^Q\((.*)\)\r?$", text, re.M)
    pools = chain(total)
    if len(found) > total or len(found) < total - 16:
        raise RuntimeError("the string dump has %d strings, n_qstr says %d" % (len(found), total))
    found += [None] * (total - len(found))  # strings with a line break in them: not read
    out = []
    i = 0
    for n in reversed(pools):
        out.append(found[i:i + n])
        i += n
    return [q for pool in reversed(out) for q in pool]


def stand_ins() -> set:
    """The modules the instrument stands in for (CircuitPython's C modules on the board): the
    guest's built-in stand-ins, and the shims hwc.memory.build_tree freezes besides them."""
    from hwc.memory import BUILTINS

    return {p.stem for p in BUILTINS.glob("*.py")} | {"onewireio", "typing", "types"}


def board_strings(result, tree, frozen_strings, api) -> dict:
    """Our strings on the Titano for a hwc.memory.measure() result that ran :data:`DUMP_STEP`:
    {"high", "low": sets of strings; "before" (names our sources use that the instrument had
    interned before the baseline), "image" (names our sources use that are in the instrument's
    image)}."""
    dump = next((s for s in result["steps"] if s["label"] == DUMP_STEP["label"]), None)
    if dump is None or not dump.get("ok"):
        return None
    head = re.search(r"n_qstr=(\d+)", dump["text"])
    order = dump_order(dump["text"], int(head.group(1)))
    base = result["boot"]["start"]["qstrs"]
    before, after = set(order[:base]) - {None}, set(order[base:]) - {None}
    stand_in = stand_ins()
    ours = set()
    for rel in sorted(set(re.findall(r"/lib/([\w/]+\.py)\b", dump["text"]))):
        if rel.startswith("controller/") or rel == "ntc_table.py":
            ours |= source_strings((tree / rel).read_text())
    for rel in sorted(set(re.findall(r"/lib/([\w/]+)\.mpy\b", dump["text"]))):
        if not rel.startswith(("hwc/", "_hwc", "circuitpython_typing")) and rel not in stand_in:
            ours.update(mpy_table((tree / (rel + ".mpy")).read_bytes()))
    paths = {"/lib/%s.mpy" % m for m in stand_in} | {"%s.py" % m for m in stand_in}
    known = before | after
    board = (after | (ours - known) | (ours & before)) - paths - frozen_strings
    board -= static_names(board)
    return {"high": board, "low": board - api, "before": len((ours & before) - frozen_strings),
            "image": len((ours - known) - frozen_strings)}


def board_pools(our_qstrs):
    """The pools ``our_qstrs`` dynamic strings take on the Titano: [(entries, bytes, strings
    before it)]."""
    out = []
    placed = 0
    for i in range(len(chain(our_qstrs))):
        alloc = FIRST_POOL_ENTRIES << i
        out.append((alloc, BOARD_POOL_HEADER + BOARD_ENTRY_BYTES * alloc, placed))
        placed += alloc
    return out


def analyse(points, board=None):
    """The string pool over a run: ``points`` [(label, pools, qstrs, string bytes, total bytes)]
    from the baseline on. Returns {"qstrs", "bytes", "string_bytes", "pool_bytes" (what our
    code added after the baseline), "steps" (pool_steps), "board" (with ``board``, a
    board_strings() result: for its low and high ends, the strings, the pools they take on the
    Titano and their bytes)}."""
    base = points[0]
    end = points[-1]
    qstrs = end[2] - base[2]
    string_bytes = end[3] - base[3]
    total = end[4] - base[4]
    out = {"qstrs": qstrs, "bytes": total, "string_bytes": string_bytes, "pool_bytes": total - string_bytes,
           "steps": pool_steps(points)}
    if board is not None:
        ends = {}
        for end_name in ("low", "high"):
            strings = board[end_name]
            pools = board_pools(len(strings))
            data = sum(len(q.encode()) + 1 for q in strings)
            ends[end_name] = {"strings": len(strings), "pools": [p[0] for p in pools],
                              "pool_bytes": sum(p[1] for p in pools), "string_bytes": data,
                              "bytes": sum(p[1] for p in pools) + data}
        ends["before"] = board["before"]
        ends["image"] = board["image"]
        out["board"] = ends
    return out


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


def points_of(result):
    """analyse()'s points from a hwc.memory.measure() result (its baseline, then each piece)."""
    start = result["boot"]["start"]
    pts = [("baseline", start.get("qstr_pools"), start.get("qstrs"), start.get("qstr_str_bytes"),
            start.get("qstr_bytes"))]
    for s in result["steps"]:
        if s.get("qstrs") is not None:
            pts.append((s["label"], s["qstr_pools"], s["qstrs"], s["qstr_str_bytes"], s["qstr_bytes"]))
    return pts


def report_lines(an, where):
    """Text lines for ``hwc memory``."""
    out = ["string (qstr) pool, %s: our code adds %d strings after the baseline, %.1f KB (%.1f KB of pools, "
           "%.1f KB of string data)" % (where, an["qstrs"], an["bytes"] / KB, an["pool_bytes"] / KB,
                                       an["string_bytes"] / KB)]
    for st in an["steps"]:
        out.append("   pool %d: %.1f KB%s, allocated at %s (%d strings then)" % (
            st["pool"], st["bytes"] / KB, (", %d entries" % st["entries"]) if "entries" in st else "",
            st["at"], st["qstrs_before"]))
    board = an.get("board")
    if board:
        out.append("   the Titano (estimate): %d-%d strings (%d names our sources use were interned here before the "
                   "baseline, %d are in this build's image); its pools are a chain of 20, 40, 80, ... entries "
                   "(%d bytes each), so 1260 strings fit in pools up to 640 entries and the next pool has 1280"
                   % (board["low"]["strings"], board["high"]["strings"], board["before"], board["image"],
                      BOARD_ENTRY_BYTES))
        for end_name, what in (("low", "without CircuitPython's API names"), ("high", "all")):
            b = board[end_name]
            out.append("   %s (%d strings): %.1f KB on the board (%.1f KB of pools up to %d entries, %.1f KB of "
                       "string data) against %.1f KB here" % (
                           what, b["strings"], b["bytes"] / KB, b["pool_bytes"] / KB, b["pools"][-1] if b["pools"] else 0,
                           b["string_bytes"] / KB, an["bytes"] / KB))
    return out
