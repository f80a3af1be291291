"""Read a settings.toml exactly as CircuitPython's ``os.getenv()`` reads it on the device.

The firmware reads every setting with ``os.getenv(KEY)``. Host tools (replay, the simulator)
run the same firmware code on a PC and need an ``os.getenv`` that returns the same thing for
the same file. CircuitPython does **not** use a TOML parser: it scans the file with a small
hand-written scanner, and what ``os.getenv`` returns changed in CircuitPython 10.2.0. This
module reproduces both behaviours line for line and reports everything in a file that is not
read the same way by every version (or not read at all).

Findings (from CircuitPython's docs and the C source of its settings.toml scanners)
==================================================================================

References:

* [DOC] docs/environment.rst, "Environment Variables", CircuitPython 8.0 ... 10.1
  (https://docs.circuitpython.org/en/10.1.4/docs/environment.html) and the current page
  (https://docs.circuitpython.org/en/latest/docs/environment.html).
* [OLD] shared-module/os/getenv.c (CircuitPython 8.0 ... 10.1): ``key_matches``,
  ``read_string_value``, ``read_bare_value`` and ``common_hal_os_getenv_path``, which returns
  ``mp_parse_num_integer(buf, len, 0)`` for an unquoted value.
* [NEW] supervisor/shared/settings.c (CircuitPython 10.2+), from adafruit/circuitpython
  PR #10819 "add supervisor.get_setting(); change os.getenv() behavior" (fixes issue #9113,
  "os.getenv("A_NUMBER") can return an int"). PR #10975 added floats to
  ``supervisor.get_setting()`` (10.3.0). Versions confirmed with circuitpython-stubs: 10.1.4
  has no ``supervisor.get_setting``, 10.2.0 has it (str/int/bool), 10.3.0 adds float.
* [NUM] py/parsenum.c ``mp_parse_num_integer`` and py/parsenumbase.c (MicroPython).

How the file is scanned (identical in every version, [OLD] and [NEW]):

* The file is read byte by byte, one line at a time, on every call (nothing is cached).
  It must be UTF-8. A line matches key K if, after leading whitespace, it starts with
  exactly K, then optional whitespace, then ``=``. Only bare keys work; a quoted or dotted
  key is compared character by character like any other text.
* The **first** matching line wins, and scanning stops there even if that value is broken:
  a later duplicate is never seen ("Duplicate keys are not diagnosed" [DOC]).
* A line whose first non-blank character is ``[`` (a ``[table]`` or ``[[array]]`` header)
  ends the scan: keys below the first header cannot be read ("Only values from the root
  table can be retrieved" [DOC]).
* ``#`` starts a comment (whole line, or after a value). Lines without ``=`` are skipped.
* A value starting with ``"`` is a basic string: escapes ``\\b \\r \\n \\t \\v \\f``,
  ``\\uXXXX`` and ``\\UXXXXXXXX`` (code point < 0x110000); any other escaped character stands
  for itself (``\\"``, ``\\\\``, ``\\x`` -> ``x``). After the closing quote only whitespace
  and a comment may follow. A newline or end of file inside the string is an error.
  Triple-quoted and single-quoted (literal) strings are not supported.
* Any other value is "bare": the text up to ``#`` or the end of the line.

What ``os.getenv(key, default=None)`` returns:

============================  ==============================  ===============================
settings.toml line             CircuitPython 8.0 ... 10.1       CircuitPython 10.2 and later
============================  ==============================  ===============================
key missing / no file          default                          default
``K = "text"``                 ``"text"`` (escapes decoded)     ``"text"`` (escapes decoded)
``K = 42``                     ``42`` (an int!)                 ``"42"`` (always a str)
``K = 0x48``, ``-7``, ``1_0``  ``72``, ``-7``, ``10``           ``"0x48"``, ``"-7"``, ``"1_0"``
``K = 8.5``                    raises ValueError                ``"8.5"``
``K = true``                   raises ValueError                ``"true"``
``K = 'text'``                 raises ValueError                ``"'text'"`` (quotes included)
``K = [1, 2]``                 raises ValueError                ``"[1, 2]"``
``K =`` (empty)                raises ValueError                default
``K = "a" x``, ``K = "a``      raises ValueError                default (nothing printed)
key below a ``[table]``        default                          default
============================  ==============================  ===============================

* [OLD] parses an unquoted value with ``mp_parse_num_integer(..., base 0)`` (not strtol):
  optional sign, ``0x``/``0o``/``0b`` prefixes, ``_`` separators, surrounding whitespace;
  ``011`` is eleven. Anything else raises ``ValueError("invalid syntax for integer with base
  10")`` out of ``os.getenv`` - a bare float or boolean is *not* ignored, it crashes the
  caller unless the caller catches ValueError. A broken quoted string raises
  ``ValueError("Invalid byte ...")``. (The docs' "only integers supported by strtol, 011 is
  9" describes CircuitPython's *own* integer settings such as CIRCUITPY_WEB_API_PORT, read
  with strtol, not ``os.getenv``.)
* [NEW] ``os.getenv`` never raises and always returns a ``str``: a quoted value decoded, an
  unquoted one as raw text with leading whitespace and trailing spaces/tabs/CR removed
  (``settings_get_raw_vstr``). A broken quoted string (no closing quote, text after it, bad
  ``\\u`` escape) or an empty value returns ``default`` (PR #10819's description).
  ``K = # comment`` returns ``""``. Typed values come from the new
  ``supervisor.get_setting()`` (10.2+: str, int, ``true``/``false``; 10.3+: also floats).

Consequences for our settings.toml:

* The only forms every version reads the same way are double-quoted strings. A bare integer
  comes back as ``int`` before 10.2 and as ``str`` from 10.2: code reading an integer must
  accept both (``int(v)`` works for ``42`` and ``"42"``; hex text needs ``int(v, 0)``).
* Floats and booleans must be written as quoted strings (``MIN_DIFF_K = "4.0"``,
  ``FLAG = "1"`` or ``1``) and converted by the firmware: a bare ``8.5`` or ``true`` crashes
  ``os.getenv`` before 10.2.

API
===

``parse(text, semantics=...) -> (values, problems)``: ``values`` maps each key to what
``os.getenv`` returns for it (keys ``os.getenv`` cannot return are absent); ``problems`` lists
every line that is not portable or not read, each a :class:`Problem` with a line number.
``getenv_for(path)`` returns a function that behaves like ``os.getenv(key, default=None)`` on
the device for that file (``getenv_for_text(text)`` for a file's contents). ``basic_string(text)``
writes a value so that every version reads it back exactly. ``lines_of(text)`` maps keys to
their line numbers. ``scan(text)`` gives the full per-line detail (:class:`Entry`).

``semantics`` selects the version: ``STRINGS`` (CircuitPython 10.2+, the default; the project
pins circuitpython-stubs 10.3.1) or ``LEGACY`` (8.0 ... 10.1). Problems are the same for both:
they describe what is not read identically by every version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Union

__all__ = [
    "LEGACY",
    "STRINGS",
    "DEFAULT_SEMANTICS",
    "SEMANTICS",
    "Entry",
    "Problem",
    "Value",
    "basic_string",
    "getenv_for",
    "getenv_for_text",
    "lines_of",
    "parse",
    "parse_file",
    "scan",
]

#: CircuitPython 8.0 ... 10.1: ``os.getenv`` returns str for a quoted value, int for a bare
#: integer and raises ValueError for anything else.
LEGACY = "legacy"
#: CircuitPython 10.2 and later: ``os.getenv`` always returns the text as str, never raises.
STRINGS = "strings"
SEMANTICS = (LEGACY, STRINGS)
DEFAULT_SEMANTICS = STRINGS

Value = Union[str, int]

# What MicroPython's unichar_isspace() accepts (ASCII space, \t, \n, \v, \f, \r).
_SPACE = " \t\n\v\f\r"
# Whitespace the scanner skips inside a line (everything above except the newline).
_INLINE_SPACE = " \t\v\f\r"
# Trailing characters [NEW] strips from a bare value.
_BARE_TRAILING = " \t\r"
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}")


@dataclass(frozen=True)
class Problem:
    """Something in settings.toml that CircuitPython does not read as intended.

    ``str(problem)`` is ``"line 12: ..."``; ``problem.format("settings.toml")`` is
    ``"settings.toml:12: ..."``.
    """

    line: int  # 1-based
    key: Optional[str]
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"

    def format(self, filename: str = "settings.toml") -> str:
        return f"{filename}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Entry:
    """One ``KEY = value`` line of settings.toml and how each CircuitPython version reads it.

    ``kind`` is one of: ``string`` (valid double-quoted), ``integer`` (bare, valid for
    ``mp_parse_num_integer``), ``float``, ``boolean``, ``literal`` (single-quoted),
    ``multiline`` (triple-quoted), ``array``, ``table`` (inline table), ``empty``,
    ``bad-string`` (double-quoted but broken), ``other`` (any other bare text).
    """

    line: int
    key: str
    raw: str  # the text after "=", stripped, comment included
    kind: str
    #: what CircuitPython 10.2+ returns (None: the default is returned)
    text: Optional[str]
    #: what CircuitPython 8.0-10.1 returns (None: see legacy_error)
    legacy_value: Optional[Value]
    #: the ValueError message CircuitPython 8.0-10.1 raises for this key, if any
    legacy_error: Optional[str]
    #: True if the key is below a [table] header (os.getenv never sees it)
    in_table: bool = False
    #: True if an earlier line has the same key (os.getenv never sees this one)
    duplicate: bool = False
    #: why a double-quoted value is broken (kinds bad-string and multiline)
    reason: str = ""

    @property
    def readable(self) -> bool:
        """True if os.getenv finds this line at all (not shadowed, not below a table)."""
        return not (self.in_table or self.duplicate)

    def value(self, semantics: str = DEFAULT_SEMANTICS) -> Optional[Value]:
        """What os.getenv returns for this line (None: default returned or error raised)."""
        if semantics == LEGACY:
            return self.legacy_value
        return self.text


# --------------------------------------------------------------------------------------
# The scanner: a transcription of key_matches / read_value of getenv.c and settings.c.


class _StringError(Exception):
    def __init__(self, what: str, char: str):
        super().__init__(what)
        self.what = what
        self.char = char  # the offending character ("" = end of line / file)


def _read_string(rest: str) -> str:
    """Decode a basic string; ``rest`` is the text after the opening quote up to the newline.

    Raises _StringError like read_string_value() returns an error.
    """
    out: list[str] = []
    i = 0
    n = len(rest)
    while True:
        if i >= n:
            raise _StringError("the string has no closing quote on this line", "")
        c = rest[i]
        i += 1
        if c == '"':
            tail = rest[i:].lstrip(_INLINE_SPACE)
            if tail and tail[0] != "#":
                raise _StringError(f"unexpected text after the closing quote: {tail!r}", tail[0])
            return "".join(out)
        if c == "\\":
            if i >= n:
                raise _StringError("a backslash ends the line", "")
            c = rest[i]
            i += 1
            if c in "uU":
                size = 4 if c == "u" else 8
                digits = rest[i:i + size]
                i += size
                if len(digits) < size or not all(d in "0123456789abcdefABCDEF" for d in digits):
                    bad = next((d for d in digits if d not in "0123456789abcdefABCDEF"), "")
                    raise _StringError(f"invalid \\{c} escape: needs {size} hex digits", bad)
                code = int(digits, 16)
                if code >= 0x110000:
                    raise _StringError(f"invalid \\{c} escape: U+{code:X} is beyond Unicode", "u")
                out.append(chr(code))
                continue
            out.append({"b": "\b", "r": "\r", "n": "\n", "t": "\t", "v": "\v", "f": "\f"}.get(c, c))
            continue
        out.append(c)


def _mp_parse_num_integer(text: str) -> int:
    """MicroPython's mp_parse_num_integer(text, len, base=0): int() with Python literal rules.

    Raises ValueError like the device does.
    """
    s = text
    n = len(s)
    i = 0
    while i < n and s[i] in _SPACE:
        i += 1
    neg = False
    if i < n and s[i] in "+-":
        neg = s[i] == "-"
        i += 1
    # mp_parse_num_base() with base 0
    base = 10
    if n - i > 1 and s[i] == "0":
        p = s[i + 1].lower()
        if p in "xob":
            base = {"x": 16, "o": 8, "b": 2}[p]
            i += 2
    start = i
    value = 0
    while i < n:
        c = s[i]
        if c == "_":
            i += 1
            continue
        if "0" <= c <= "9":
            d = ord(c) - ord("0")
        elif "a" <= c.lower() <= "z" and c.isascii():
            d = ord(c.lower()) - ord("a") + 10
        else:
            break
        if d >= base:
            break
        value = value * base + d
        i += 1
    if i == start:
        raise ValueError(f"invalid syntax for integer with base {base}: {s[start:]!r}")
    while i < n and s[i] in _SPACE:
        i += 1
    if i != n:
        raise ValueError(f"invalid syntax for integer with base {base}: {s[start:]!r}")
    return -value if neg else value


class _Value:
    """How the text after ``=`` reads (see Entry for the fields)."""

    __slots__ = ("kind", "text", "legacy_value", "legacy_error", "reason")

    def __init__(self, kind: str, text: Optional[str], legacy_value: Optional[Value],
                 legacy_error: Optional[str], reason: str = ""):
        self.kind = kind
        self.text = text
        self.legacy_value = legacy_value
        self.legacy_error = legacy_error
        self.reason = reason


def _is_float(text: str) -> bool:
    if not any(c.isdigit() for c in text) and text.lstrip("+-").lower() not in ("inf", "nan"):
        return False
    try:
        float(text.replace("_", ""))
    except ValueError:
        return False
    return True


def _read_value(after_eq: str) -> _Value:
    """Classify the text after ``=`` (up to the newline) like read_value() does."""
    rest = after_eq.lstrip(_INLINE_SPACE)
    if rest.startswith('"'):
        try:
            decoded = _read_string(rest[1:])
        except _StringError as err:
            shown = repr(err.char) if err.char else "EOF"
            kind = "multiline" if rest.startswith('"""') else "bad-string"
            return _Value(kind, None, None, f"Invalid byte {shown}", err.what)
        return _Value("string", decoded, decoded, None)

    if rest == "":
        # [NEW] read_value(): an empty value is an error, os.getenv returns the default.
        # [OLD]: the empty buffer goes to mp_parse_num_integer, which raises.
        return _Value("empty", None, None, "invalid syntax for integer with base 10: ''")

    # A bare value: everything up to '#'. [OLD] parses it as an integer, [NEW] returns it.
    hash_at = rest.find("#")
    bare = rest if hash_at < 0 else rest[:hash_at]
    text = bare.rstrip(_BARE_TRAILING)
    try:
        return _Value("integer", text, _mp_parse_num_integer(bare), None)
    except ValueError as err:
        error = str(err)
    stripped = bare.strip(_SPACE)
    if stripped == "":
        kind = "empty"  # "K = # comment": [NEW] returns "", [OLD] raises
    elif stripped in ("true", "false"):
        kind = "boolean"
    elif _is_float(stripped):
        kind = "float"
    elif stripped.startswith("'"):
        kind = "multiline" if stripped.startswith("'''") else "literal"
    elif stripped.startswith("["):
        kind = "array"
    elif stripped.startswith("{"):
        kind = "table"
    else:
        kind = "other"
    return _Value(kind, text, None, error)


def _split_lines(text: str) -> list[str]:
    # The device splits lines on "\n" only; "\r" is whitespace to it.
    return text.split("\n")


def scan(text: str, legacy: bool = True) -> tuple[list[Entry], list[Problem]]:
    """Every ``KEY = value`` line of ``text`` and every problem, in file order. ``legacy``:
    the messages say what CircuitPython 9.0-10.1 does too (False: 10.2 and later only)."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    table_line: Optional[int] = None

    if text.startswith("\ufeff"):
        problems.append(Problem(
            1, None,
            "the file starts with a UTF-8 byte-order mark (BOM): CircuitPython takes it as part "
            "of the first key, so os.getenv() never finds that key - save the file as UTF-8 "
            "without BOM",
        ))

    for number, line in enumerate(_split_lines(text), start=1):
        body = line.lstrip(_INLINE_SPACE)
        if number == 1:
            body_for_checks = body.lstrip("\ufeff")
        else:
            body_for_checks = body
        if body_for_checks == "" or body_for_checks.startswith("#"):
            continue
        if body.startswith("["):
            if table_line is None:
                table_line = number
                problems.append(Problem(
                    number, None,
                    f"{body.strip()} starts a TOML table: os.getenv() stops reading the file "
                    "here, so no key below this line can be read - move the keys above it or "
                    "remove the header",
                ))
            continue
        eq = body.find("=")
        if eq < 0:
            if table_line is None:
                problems.append(Problem(
                    number, None,
                    f"{body.strip()!r} is not a KEY = value line; CircuitPython skips it",
                ))
            continue
        key = body[:eq].strip(_SPACE)
        if key == "":
            if table_line is None:
                problems.append(Problem(number, None, "a line with '=' but no key; CircuitPython skips it"))
            continue
        value = _read_value(body[eq + 1:])
        raw = body[eq + 1:].strip(_SPACE)
        in_table = table_line is not None
        duplicate = (not in_table) and key in seen
        entry = Entry(
            line=number, key=key, raw=raw, kind=value.kind, text=value.text,
            legacy_value=value.legacy_value, legacy_error=value.legacy_error,
            in_table=in_table, duplicate=duplicate, reason=value.reason,
        )
        entries.append(entry)

        if in_table:
            problems.append(Problem(
                number, key,
                f"{key} is below the table header on line {table_line}: os.getenv() never "
                "reads it",
            ))
            continue
        if duplicate:
            problems.append(Problem(
                number, key,
                f"{key} is already set on line {seen[key]}: os.getenv() uses the first one "
                "and never reads this line",
            ))
            continue
        seen[key] = number

        if number == 1 and key.startswith("\ufeff"):
            pass  # reported once above
        elif not _BARE_KEY.match(key):
            problems.append(Problem(
                number, key,
                f"{key!r} is not a bare key (letters, digits, _ and - only): os.getenv() "
                "compares it character by character, quotes and dots included",
            ))
        message = _value_problem(entry, legacy)
        if message:
            problems.append(Problem(number, key, message))
    return entries, problems


def _value_problem(entry: Entry, legacy_too: bool = True) -> Optional[str]:
    key, raw, kind = entry.key, entry.raw, entry.kind
    shown = f"{key} = {raw}"
    if kind in ("string", "integer"):
        return None
    new = "returns the default on 10.2+" if entry.text is None else f"returns {entry.text!r} on 10.2+"
    # what os.getenv() does with it: on 9.0-10.1 and 10.2+, or on 10.2+ only
    does = ("os.getenv() raises ValueError on CircuitPython 9.0-10.1 and " if legacy_too else "os.getenv() ") + new
    if kind == "empty":
        return f'{key} has no value: {does} - write {key} = "" for an empty string'
    if entry.text is None:  # a broken double-quoted string
        reason = entry.reason
        if kind == "multiline":
            reason = "triple-quoted (multi-line) strings are not supported"
        return f"{shown}: {reason}; {does}"
    text = entry.text
    if kind == "float":
        return (f"{shown} is not a quoted string or integer: {does} - write "
                f"{key} = {basic_string(text)}")
    if kind == "boolean":
        number = "1" if text == "true" else "0"
        return (f"{shown} is not a quoted string or integer (os.getenv does not read TOML "
                f"booleans): {does} - write {key} = {number} or "
                f"{key} = {basic_string(text)}")
    if kind == "literal":
        inner = text[1:-1] if len(text) >= 2 and text.endswith("'") else text[1:]
        return (f"{shown}: single-quoted (literal) strings are not supported: {does}, "
                f"quotes included - write {key} = {basic_string(inner)}")
    if kind == "multiline":
        return f"{shown}: multi-line strings are not supported: {does}"
    if kind == "array":
        return (f"{shown}: arrays are not supported: {does} - write "
                f"{key} = {basic_string(text)} and split it in the code")
    if kind == "table":
        return f"{shown}: inline tables are not supported: {does} - use one key per value"
    hint = " (dates and times are not supported)" if _DATE.match(text) else ""
    return (f"{shown} is not a quoted string or integer{hint}: {does} - write "
            f"{key} = {basic_string(text)}")


# --------------------------------------------------------------------------------------
# Public helpers


def _check_semantics(semantics: str) -> None:
    if semantics not in SEMANTICS:
        raise ValueError(f"semantics must be one of {SEMANTICS}, not {semantics!r}")


def parse(text: str, semantics: str = DEFAULT_SEMANTICS) -> tuple[dict[str, Value], list[Problem]]:
    """What ``os.getenv`` returns for each key of ``text``, and every problem found.

    ``values`` holds a key only if ``os.getenv`` returns something other than the default for
    it (and does not raise). With ``STRINGS`` (10.2+) every value is a ``str``; with
    ``LEGACY`` (8.0-10.1) bare integers are ``int``. Problems are the same for both.
    """
    _check_semantics(semantics)
    entries, problems = scan(text)
    values: dict[str, Value] = {}
    for entry in entries:
        if not entry.readable:
            continue
        value = entry.value(semantics)
        if value is not None:
            values[entry.key] = value
    return values, problems


def lines_of(text: str) -> dict[str, int]:
    """The line number (1-based) of each key: the line ``os.getenv`` reads for it.

    Keys that appear only below a ``[table]`` header map to their first line too, so tools can
    point at them.
    """
    entries, _ = scan(text)
    lines: dict[str, int] = {}
    for entry in entries:
        lines.setdefault(entry.key, entry.line)
    return lines


def _read_text(path: Union[str, Path]) -> Optional[str]:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        return None
    return data.decode("utf-8", errors="replace")


def parse_file(path: Union[str, Path], semantics: str = DEFAULT_SEMANTICS
               ) -> tuple[dict[str, Value], list[Problem]]:
    """:func:`parse` for a file; a missing file gives ``({}, [])``."""
    text = _read_text(path)
    if text is None:
        return {}, []
    return parse(text, semantics)


def _lookup(entries: list[Entry], key: object, default: object, semantics: str) -> object:
    """``os.getenv(key, default)`` over the scanned lines of one file."""
    if not isinstance(key, str):
        raise TypeError(f"getenv() key must be str, not {type(key).__name__}")
    for entry in entries:
        if entry.key != key or not entry.readable:
            continue
        if semantics == STRINGS:
            return default if entry.text is None else entry.text
        if entry.legacy_value is None:
            raise ValueError(entry.legacy_error or "invalid value")
        return entry.legacy_value
    return default


def getenv_for(path: Union[str, Path], semantics: str = DEFAULT_SEMANTICS
               ) -> Callable[..., object]:
    """A function behaving like ``os.getenv(key, default=None)`` on the device for ``path``.

    Like the device it re-reads the file on every call. A missing file returns ``default`` for
    every key. ``STRINGS`` (10.2+): returns str or ``default``, never raises. ``LEGACY``
    (8.0-10.1): returns str or int, and raises ValueError for a value the device would reject.
    """
    _check_semantics(semantics)
    target = Path(path)

    def getenv(key: str, default: object = None) -> object:
        text = _read_text(target)
        if text is None:
            if not isinstance(key, str):
                raise TypeError(f"getenv() key must be str, not {type(key).__name__}")
            return default
        entries, _ = scan(text)
        return _lookup(entries, key, default, semantics)

    getenv.__doc__ = f"os.getenv() for {target} ({semantics} semantics)"
    return getenv


def getenv_for_text(text: str, semantics: str = DEFAULT_SEMANTICS) -> Callable[..., object]:
    """:func:`getenv_for` for the contents of a settings.toml (scanned once)."""
    _check_semantics(semantics)
    entries, _ = scan(text)

    def getenv(key: str, default: object = None) -> object:
        return _lookup(entries, key, default, semantics)

    getenv.__doc__ = f"os.getenv() for a settings.toml text ({semantics} semantics)"
    return getenv


def basic_string(text: str) -> str:
    """``text`` as a double-quoted settings.toml string that every CircuitPython version reads
    back exactly: backslash and quote escaped, control characters as ``\\uXXXX``."""
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append("\\u%04X" % ord(char))
        else:
            out.append(char)
    out.append('"')
    return "".join(out)
