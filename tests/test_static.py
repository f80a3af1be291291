"""Static gates for the device code (src/controller/, src/ntc_table.py, CIRCUITPY/code.py):

* every file compiles with mpy-cross v6.3 (CircuitPython 10's bytecode compiler);
* no construct CircuitPython lacks (an ``ast``/token scan): CPython-only modules, ``match``,
  ``str.removeprefix``/``removesuffix``, f-string ``=`` debug specifiers, ...;
* mypy over src/controller/hardware.py (the only module touching board/busio/displayio ...)
  against circuitpython-stubs with the PyPortal Titano's ``board``; snippets prove it bites.
"""

import ast
import configparser
import io
import os
import re
import subprocess
import sys
import tokenize
from importlib import resources
from pathlib import Path

import pytest
from mpy_cross_v6_3 import mpy_cross_compile, mpy_cross_version

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
HARDWARE = SRC / "controller" / "hardware.py"
BOARD = "pyportal_titano"


def device_files():
    files = sorted((SRC / "controller").rglob("*.py"))
    files = [f for f in files if "__pycache__" not in f.parts]
    for extra in (SRC / "ntc_table.py", REPO / "CIRCUITPY" / "code.py", REPO / "CIRCUITPY" / "safemode.py"):
        if extra.is_file():
            files.append(extra)
    return files


DEVICE_FILES = device_files()
DEVICE_IDS = [str(f.relative_to(REPO)) for f in DEVICE_FILES]


def test_there_are_device_files():
    assert SRC / "ntc_table.py" in DEVICE_FILES, DEVICE_IDS


# --- mpy-cross -----------------------------------------------------------------------------


def test_mpy_cross_is_v6_3():
    assert "mpy v6.3" in mpy_cross_version()


@pytest.mark.parametrize("path", DEVICE_FILES, ids=DEVICE_IDS)
def test_compiles_with_mpy_cross(path, tmp_path):
    rel = str(path.relative_to(REPO))
    proc, mpy = mpy_cross_compile(rel, path.read_text(encoding="utf-8"))
    assert proc.returncode == 0, (
        f"mpy-cross v6.3 rejects {rel} (exit {proc.returncode}):\n"
        f"{proc.stderr.decode(errors='replace')}{proc.stdout.decode(errors='replace')}"
    )
    assert mpy is not None and mpy[:2] == b"M\x06", "not an mpy v6 file"
    out = tmp_path / (path.stem + ".mpy")
    out.write_bytes(mpy)
    assert out.stat().st_size > 0


# --- forbidden constructs ------------------------------------------------------------------

# Modules CircuitPython (PyPortal Titano, 10.x) does not have. typing/typing_extensions are
# allowed inside ``try:`` ... ``except ImportError:`` (the usual annotations-only import).
FORBIDDEN_MODULES = {
    "dataclasses": "no dataclasses module",
    "enum": "no enum module",
    "abc": "no abc module",
    "pathlib": "no pathlib module",
    "threading": "no threading",
    "subprocess": "no subprocess",
    "datetime": "no datetime module (it is a separate library, adafruit_datetime)",
    "logging": "no logging module (adafruit_logging is a separate library)",
    "functools": "no functools module (functools.cache, lru_cache, partial ...)",
}
GUARDED_MODULES = {"typing", "typing_extensions"}
FORBIDDEN_ATTRIBUTES = {
    "removeprefix": "str.removeprefix is CPython 3.9+, not in CircuitPython",
    "removesuffix": "str.removesuffix is CPython 3.9+, not in CircuitPython",
}
FORBIDDEN_NAMES = {
    "ModuleNotFoundError": "MicroPython/CircuitPython have no ModuleNotFoundError: catch ImportError",
}
_CATCHES_IMPORT_ERROR = {"ImportError", "Exception", "BaseException"}


def _handler_catches_import_error(handler):
    if handler.type is None:  # bare except
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in _CATCHES_IMPORT_ERROR for t in types)


class _Checker(ast.NodeVisitor):
    def __init__(self, rel):
        self.rel = rel
        self.problems = []
        self.guarded = 0  # depth of try-bodies whose handlers catch ImportError

    def problem(self, node, text):
        self.problems.append(f"{self.rel}:{node.lineno}: {text}")

    def visit_Try(self, node):
        guards = any(_handler_catches_import_error(h) for h in node.handlers)
        self.guarded += guards
        for stmt in node.body:
            self.visit(stmt)
        self.guarded -= guards
        for part in (node.handlers, node.orelse, node.finalbody):
            for stmt in part:
                self.visit(stmt)

    visit_TryStar = visit_Try

    def check_module(self, node, module):
        top = module.split(".")[0]
        if top in FORBIDDEN_MODULES:
            self.problem(node, f"import of {module}: CircuitPython has {FORBIDDEN_MODULES[top]}")
        elif top in GUARDED_MODULES and not self.guarded:
            self.problem(
                node,
                f"import of {module} outside `try: ... except ImportError:` "
                "(CircuitPython has no typing module)",
            )

    def visit_Import(self, node):
        for alias in node.names:
            self.check_module(node, alias.name)

    def visit_ImportFrom(self, node):
        if node.level == 0 and node.module:
            self.check_module(node, node.module)

    def visit_Match(self, node):
        self.problem(node, "`match` statement: CircuitPython has no structural pattern matching")
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr in FORBIDDEN_ATTRIBUTES:
            self.problem(node, f".{node.attr}: {FORBIDDEN_ATTRIBUTES[node.attr]}")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in FORBIDDEN_NAMES:
            self.problem(node, f"{node.id}: {FORBIDDEN_NAMES[node.id]}")


def _fstring_texts(source):
    """(line, full source text) of every f-string literal, via the tokenizer."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    lines = source.splitlines(keepends=True)
    fstart = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+ splits f-strings up
    fend = getattr(tokenize, "FSTRING_END", None)
    depth = 0
    start = None
    for tok in tokens:
        if tok.type == tokenize.STRING:
            prefix = re.match(r"[A-Za-z]*", tok.string).group(0)
            if "f" in prefix.lower() and depth == 0:
                yield tok.start[0], tok.string
        elif fstart is not None and tok.type == fstart:
            if depth == 0:
                start = tok.start
            depth += 1
        elif fend is not None and tok.type == fend:
            depth -= 1
            if depth == 0:
                (l0, c0), (l1, c1) = start, tok.end
                text = "".join(lines[l0 - 1:l1])
                end_offset = len("".join(lines[l0 - 1:l1 - 1])) + c1
                yield l0, text[c0:end_offset]


def _fields_with_debug(body):
    """True if an f-string body has a replacement field with the ``=`` debug specifier."""
    i, n = 0, len(body)
    while i < n:
        if body.startswith("{{", i):
            i += 2
        elif body[i] == "{":
            i, debug = _scan_field(body, i + 1)
            if debug:
                return True
        else:
            i += 1
    return False


def _scan_field(body, i):
    """Scan one replacement field from just after its ``{``; return (index after ``}``, debug)."""
    n = len(body)
    start = i
    depth = 0
    expr_end = None
    debug = False
    while i < n:
        c = body[i]
        if expr_end is None and c in "'\"":
            close = body.find(c, i + 1)
            i = n if close < 0 else close + 1
            continue
        if c in "([{":
            if expr_end is not None and c == "{":  # nested field in the format spec
                i, inner = _scan_field(body, i + 1)
                debug = debug or inner
                continue
            depth += 1
        elif c in ")]}":
            if depth == 0 and c == "}":
                if expr_end is None:
                    expr_end = i
                expr = body[start:expr_end].rstrip()
                is_debug = expr.endswith("=") and not expr.endswith(("==", "!=", "<=", ">="))
                return i + 1, debug or is_debug
            depth -= 1
        elif depth == 0 and expr_end is None and (c == ":" or (c == "!" and not body.startswith("!=", i))):
            expr_end = i  # start of the conversion or the format spec
        i += 1
    return n, debug


def _fstring_debug_problems(source, rel):
    problems = []
    for line, text in _fstring_texts(source):
        for m in re.finditer(r"""(?is)([a-z]*)('''|\"\"\"|'|")((?:\\.|(?!\2).)*)\2""", text):
            prefix, body = m.group(1), m.group(3)
            if "f" in prefix.lower() and _fields_with_debug(body):
                problems.append(
                    f"{rel}:{line}: f-string `=` debug specifier (f\"{{x=}}\"): not in CircuitPython"
                )
                break
    return problems


def forbidden_constructs(source, rel):
    tree = ast.parse(source, filename=rel)
    checker = _Checker(rel)
    checker.visit(tree)
    return checker.problems + _fstring_debug_problems(source, rel)


@pytest.mark.parametrize("path", DEVICE_FILES, ids=DEVICE_IDS)
def test_no_cpython_only_constructs(path):
    rel = str(path.relative_to(REPO))
    problems = forbidden_constructs(path.read_text(encoding="utf-8"), rel)
    assert not problems, "constructs CircuitPython does not support:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "snippet, expected",
    [
        ("import dataclasses\n", "dataclasses"),
        ("from enum import Enum\n", "enum"),
        ("import abc\n", "abc"),
        ("from typing import List\n", "typing"),
        ("import typing\n", "typing"),
        ("try:\n    import typing\nexcept ValueError:\n    pass\n", "typing"),
        ("try:\n    pass\nexcept ImportError:\n    import typing\n", "typing"),
        ("from pathlib import Path\n", "pathlib"),
        ("import threading\n", "threading"),
        ("import subprocess\n", "subprocess"),
        ("import datetime\n", "datetime"),
        ("from datetime import datetime\n", "datetime"),
        ("import logging\n", "logging"),
        ("from functools import cache\n", "functools"),
        ("import functools\n@functools.cache\ndef f():\n    pass\n", "functools"),
        ("match x:\n    case 1:\n        pass\n", "match"),
        ("s = 'ab'.removeprefix('a')\n", "removeprefix"),
        ("s = name.removesuffix('.py')\n", "removesuffix"),
        ("x = 1\ns = f'{x=}'\n", "debug specifier"),
        ("x = 1\ns = f'{x = !r:>10}'\n", "debug specifier"),
        ("x = 1\ns = (f'a {{b}} '\n     f\"{x + 1=}\")\n", "debug specifier"),
        ("try:\n    pass\nexcept ModuleNotFoundError:\n    pass\n", "ModuleNotFoundError"),
    ],
)
def test_forbidden_construct_gate_bites(snippet, expected):
    problems = forbidden_constructs(snippet, "snippet.py")
    assert problems and any(expected in p for p in problems), problems
    assert all(p.startswith("snippet.py:") for p in problems)


@pytest.mark.parametrize(
    "snippet",
    [
        "try:\n    from typing import List\nexcept ImportError:\n    pass\n",
        "try:\n    import typing\nexcept (ValueError, ImportError):\n    typing = None\n",
        "import collections\nimport struct\nimport asyncio\nimport micropython\n",
        "x = 1\ns = f'{x}={x!r} {x:=^10} {x!=2} {x == 1} {{x=}} {\"a=\"}'\n",
        "x = 1\ns = f'{x:{x}}' 'plain {x=}'\n",
        "s = 'abc'.startswith('a')\n",
        "d = dict(match=1)\nmatch = 3\n",
    ],
)
def test_forbidden_construct_gate_allows(snippet):
    assert forbidden_constructs(snippet, "snippet.py") == []


# --- mypy over the hardware module -----------------------------------------------------------

MYPY_DIR = REPO / ".mypy_cache" / "hwc-static"  # .mypy_cache/ is git-ignored


def _board_stub_text():
    """The Titano's board stub, as ``circuitpython_setboard pyportal_titano`` would install.

    ``circuitpython_setboard`` copies board_definitions/<board>/__init__.pyi over
    site-packages/board-stubs/__init__.pyi, i.e. it edits the shared venv. Instead the same
    file goes into a directory on mypy_path (which mypy searches before site-packages), so
    nothing installed changes. One fix: the stub types DISPLAY as ``displayio.Display``, which
    displayio-stubs only imports privately (``from busdisplay import BusDisplay as Display``;
    mypy reports it as undefined); on CircuitPython 10 it is a ``busdisplay.BusDisplay``.
    """
    text = resources.files("board_definitions").joinpath(BOARD).joinpath("__init__.pyi").read_text()
    if "displayio.Display" in text:
        text = text.replace("import displayio\n", "import busdisplay\nimport displayio\n", 1)
        text = text.replace("DISPLAY: displayio.Display", "DISPLAY: busdisplay.BusDisplay")
    return text


def _frozen_libraries(stub_text):
    """The board's frozen libraries, from the stub's docstring (they are not in the venv)."""
    m = re.search(r"Frozen libraries:\s*(.*)", stub_text)
    return [name.strip() for name in m.group(1).split(",") if name.strip()] if m else []


def _write_if_changed(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)


@pytest.fixture(scope="session")
def mypy_config():
    """Board stub + mypy config under .mypy_cache/hwc-static; idempotent (rewritten only when
    the content changes, so mypy's cache stays valid)."""
    stubs = MYPY_DIR / "stubs"
    stub_text = _board_stub_text()
    _write_if_changed(stubs / "board" / "__init__.pyi", stub_text)

    cfg = configparser.ConfigParser()
    cfg["mypy"] = {
        "mypy_path": os.pathsep.join([str(stubs), str(SRC)]),
        # Our own modules imported by the checked file are analysed but not reported.
        "follow_imports": "silent",
        # Check bodies of unannotated functions too (board.X inside any def).
        "check_untyped_defs": "True",
        "show_error_codes": "True",
        "show_column_numbers": "True",
        "warn_unused_configs": "False",
        # The Adafruit drivers are installed but ship no type information: treat them as Any.
        # A module that cannot be found at all (a typo, a CPython-only module) still fails.
        "disable_error_code": "import-untyped",
    }
    frozen = _frozen_libraries(stub_text)
    if frozen:
        # Frozen into the Titano's firmware, so importable on the device, but not installed here.
        section = "mypy-" + ",".join(f"{name},{name}.*" for name in frozen)
        cfg[section] = {"ignore_missing_imports": "True"}
    path = MYPY_DIR / "mypy.ini"
    buf = io.StringIO()
    cfg.write(buf)
    _write_if_changed(path, buf.getvalue())
    return path


def run_mypy(config, target):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(config),
            "--cache-dir",
            str(MYPY_DIR / "cache"),
            str(target),
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_mypy_hardware_module(mypy_config):
    assert HARDWARE.is_file(), "src/controller/hardware.py missing"
    code, output = run_mypy(mypy_config, HARDWARE)
    assert code == 0, f"mypy (circuitpython-stubs, board={BOARD}) on {HARDWARE.relative_to(REPO)}:\n{output}"


@pytest.mark.parametrize(
    "snippet, expected",
    [
        ("import board\nboard.NOT_A_PIN\n", 'has no attribute "NOT_A_PIN"'),
        # The Titano has no D5 (only D3, D4, D13): the board-specific stub is in use.
        ("import board\npin = board.D5\n", 'has no attribute "D5"'),
        ("import board, busio\ni2c = busio.I2C(board.SCL)\n", 'Missing positional argument "sda"'),
        ("import board, busio\ni2c = busio.I2C(board.SCL, board.SDA, freq=100000)\n", '"freq"'),
        ("import board, busio\ni2c = busio.I2C('SCL', 'SDA')\n", "incompatible type"),
        ("import board\ndef f():\n    return board.NOT_A_PIN\n", 'has no attribute "NOT_A_PIN"'),
        ("import board\nboard.DISPLAY.root_group = 5\n", "Incompatible types in assignment"),
        ("import not_a_circuitpython_module\n", "not_a_circuitpython_module"),
    ],
)
def test_mypy_check_bites(mypy_config, tmp_path, snippet, expected):
    target = tmp_path / "snippet_bad.py"
    target.write_text(snippet)
    code, output = run_mypy(mypy_config, target)
    assert code != 0, f"mypy accepted a wrong snippet:\n{snippet}\n{output}"
    assert expected in output, output


def test_mypy_accepts_correct_titano_code(mypy_config, tmp_path):
    target = tmp_path / "snippet_good.py"
    target.write_text(
        "import board, busio, digitalio, displayio, terminalio\n"
        "i2c = busio.I2C(board.SCL, board.SDA)\n"
        "i2c2 = busio.I2C(board.SCL, board.SDA, frequency=100000)\n"
        "stemma = board.STEMMA_I2C()\n"
        "pins = [board.D3, board.D4, board.A0, board.NEOPIXEL]\n"
        "display = board.DISPLAY\n"
        "group = displayio.Group()\n"
        "display.root_group = group\n"
        "led = digitalio.DigitalInOut(board.LED)\n"
        "led.direction = digitalio.Direction.OUTPUT\n"
        "font = terminalio.FONT\n"
    )
    code, output = run_mypy(mypy_config, target)
    assert code == 0, output
