"""hwc.cpsettings: settings.toml read the way CircuitPython's os.getenv reads it."""

import pytest

from hwc import cpsettings
from hwc.cpsettings import LEGACY, STRINGS, Problem, getenv_for, lines_of, parse, scan


def problems_by_line(problems):
    return {p.line: p for p in problems}


# --- value forms ----------------------------------------------------------------------------


def test_quoted_strings_with_escapes_and_comments():
    text = (
        '# a comment line\n'
        'PLAIN = "Hello world" # trailing comment\n'
        'TIGHT="x"\n'
        '   INDENTED\t=\t"y"   \n'
        'ESCAPES = "q\\" b\\\\ n\\n t\\t r\\r b\\b v\\v f\\f other\\x"\n'
        'UNI4 = "\\u0153uvre"\n'
        'UNI8 = "\\U0001F600"\n'
        'UTF8 = "œuvre"\n'
        'HASH = "a # not a comment"\n'
        'EQ = "a=b"\n'
        'EMPTY = ""\n'
    )
    for semantics in (STRINGS, LEGACY):
        values, problems = parse(text, semantics)
        assert problems == []
        assert values == {
            "PLAIN": "Hello world",
            "TIGHT": "x",
            "INDENTED": "y",
            "ESCAPES": 'q" b\\ n\n t\t r\r b\b v\v f\f otherx',
            "UNI4": "œuvre",
            "UNI8": "\U0001F600",
            "UTF8": "œuvre",
            "HASH": "a # not a comment",
            "EQ": "a=b",
            "EMPTY": "",
        }


@pytest.mark.parametrize("raw, legacy", [
    ("7", 7),
    ("-7", -7),
    ("+7", 7),
    ("0x48", 0x48),
    ("0X4f", 0x4F),
    ("0o17", 0o17),
    ("0b101", 5),
    ("1_000", 1000),
    ("011", 11),  # mp_parse_num_integer, not strtol: decimal, not octal
    ("12345678901234567890", 12345678901234567890),
    ("7   # comment", 7),
])
def test_bare_integers(raw, legacy):
    text = f"N = {raw}\n"
    values, problems = parse(text, LEGACY)
    assert problems == []
    assert values == {"N": legacy}
    assert type(values["N"]) is int
    # CircuitPython 10.2+: always the text
    values, problems = parse(text, STRINGS)
    assert problems == []
    assert values == {"N": raw.split("#")[0].strip()}


def test_crlf_line_endings():
    text = 'A = "x"\r\nB = 5\r\nC = 5 # c\r\n'
    assert parse(text, STRINGS) == ({"A": "x", "B": "5", "C": "5"}, [])
    assert parse(text, LEGACY) == ({"A": "x", "B": 5, "C": 5}, [])


def test_default_semantics_is_circuitpython_10_2():
    assert cpsettings.DEFAULT_SEMANTICS == STRINGS
    assert parse("N = 5\n") == ({"N": "5"}, [])


def test_unknown_semantics_rejected():
    with pytest.raises(ValueError):
        parse("", "9.x")


# --- problems ----------------------------------------------------------------------------


def test_float_is_a_problem_with_its_line_number():
    text = (
        "# settings\n"
        'MIN_DIFF_K = "4.0"\n'
        "\n"
        "MAX_DIFF_START_K = 8.5\n"
    )
    values, problems = parse(text, LEGACY)
    assert values == {"MIN_DIFF_K": "4.0"}
    assert len(problems) == 1
    problem = problems[0]
    assert problem.line == 4
    assert problem.key == "MAX_DIFF_START_K"
    assert str(problem).startswith("line 4: MAX_DIFF_START_K = 8.5 is not a quoted string or integer")
    assert 'write MAX_DIFF_START_K = "8.5"' in problem.message
    assert problem.format("settings.toml").startswith("settings.toml:4: MAX_DIFF_START_K = 8.5")
    # 10.2+ returns the text, still reported as a problem (not portable)
    values, problems2 = parse(text, STRINGS)
    assert values == {"MIN_DIFF_K": "4.0", "MAX_DIFF_START_K": "8.5"}
    assert problems2 == problems


@pytest.mark.parametrize("raw, kind, strings_value, hint", [
    ("8.5", "float", "8.5", 'write K = "8.5"'),
    ("-1e3", "float", "-1e3", 'write K = "-1e3"'),
    ("inf", "float", "inf", 'write K = "inf"'),
    ("true", "boolean", "true", "write K = 1"),
    ("false", "boolean", "false", "write K = 0"),
    ("'abc'", "literal", "'abc'", 'write K = "abc"'),
    ("[1, 2]", "array", "[1, 2]", 'write K = "[1, 2]"'),
    ("{ a = 1 }", "table", "{ a = 1 }", "one key per value"),
    ("hello", "other", "hello", 'write K = "hello"'),
    ("1979-05-27", "other", "1979-05-27", "dates and times"),
    ("'''abc'''", "multiline", "'''abc'''", "multi-line"),
])
def test_unsupported_bare_values(raw, kind, strings_value, hint):
    text = f'OK = "fine"\nK = {raw}  # comment\n'
    (entry_ok, entry), problems = scan(text)
    assert entry.kind == kind
    assert entry.line == 2
    assert entry.legacy_value is None and entry.legacy_error
    assert len(problems) == 1 and problems[0].line == 2 and problems[0].key == "K"
    assert hint in problems[0].message
    assert "raises ValueError on CircuitPython 9.0-10.1" in problems[0].message
    assert parse(text, LEGACY)[0] == {"OK": "fine"}
    assert parse(text, STRINGS)[0] == {"OK": "fine", "K": strings_value}


@pytest.mark.parametrize("raw, reason", [
    ('"abc', "no closing quote"),
    ('"abc" x', "after the closing quote"),
    ('"a""b"', "after the closing quote"),
    ('"bad \\u12G4"', "\\u escape"),
    ('"big \\U00110000"', "beyond Unicode"),
    ('"ends \\', "backslash ends the line"),
    ('"""multi', "triple-quoted"),
])
def test_broken_double_quoted_strings(raw, reason):
    text = f"A = 1\nS = {raw}\n"
    values, problems = parse(text, STRINGS)
    assert values == {"A": "1"}  # 10.2+: the default comes back
    assert parse(text, LEGACY)[0] == {"A": 1}  # 8.0-10.1: os.getenv raises
    assert [p.line for p in problems] == [2]
    assert problems[0].key == "S"
    assert reason in problems[0].message


def test_empty_values():
    text = "A =\nB = # just a comment\n"
    values, problems = parse(text, STRINGS)
    assert values == {"B": ""}  # "A =" -> default; "B = # ..." -> "" on 10.2+
    assert parse(text, LEGACY)[0] == {}
    assert [(p.line, p.key) for p in problems] == [(1, "A"), (2, "B")]
    assert 'write A = ""' in problems[0].message


def test_duplicate_key_first_wins():
    text = 'A = "first"\nB = 1\nA = "second"\n'
    values, problems = parse(text)
    assert values == {"A": "first", "B": "1"}
    assert len(problems) == 1
    assert problems[0].line == 3 and problems[0].key == "A"
    assert "already set on line 1" in problems[0].message
    assert lines_of(text) == {"A": 1, "B": 2}


def test_duplicate_does_not_rescue_a_broken_first_value():
    # The device stops at the first matching line even when its value is broken.
    text = 'A = 8.5\nA = "8.5"\n'
    assert parse(text, LEGACY)[0] == {}
    assert parse(text, STRINGS)[0] == {"A": "8.5"}
    assert [p.line for p in parse(text)[1]] == [1, 2]


def test_keys_below_a_table_header_are_not_read():
    text = 'A = "top"\n\n[section]\nB = "x"\n  [[more]]\nC = 1\n'
    values, problems = parse(text)
    assert values == {"A": "top"}
    lines = problems_by_line(problems)
    assert sorted(lines) == [3, 4, 6]
    assert lines[3].key is None and "[section]" in lines[3].message
    assert lines[4].key == "B" and "below the table header on line 3" in lines[4].message
    assert lines[6].key == "C"
    assert lines_of(text) == {"A": 1, "B": 4, "C": 6}


def test_header_after_whitespace_also_stops():
    text = '   [t]\nA = "x"\n'
    assert parse(text)[0] == {}


def test_lines_without_equals_and_without_key():
    text = 'just text\n= 5\nA = "x"\n'
    values, problems = parse(text)
    assert values == {"A": "x"}
    assert [(p.line, p.key) for p in problems] == [(1, None), (2, None)]


def test_non_bare_keys():
    text = '"quoted" = "q"\ndotted.key = "d"\n'
    values, problems = parse(text)
    # os.getenv compares the key text literally: getenv("quoted") never finds it
    assert "quoted" not in values and "dotted" not in values
    assert values == {'"quoted"': "q", "dotted.key": "d"}
    assert [p.line for p in problems] == [1, 2]
    assert "not a bare key" in problems[0].message


def test_byte_order_mark_hides_the_first_key():
    text = '\ufeffA = "x"\nB = "y"\n'
    values, problems = parse(text)
    assert "A" not in values and values["B"] == "y"
    assert len(problems) == 1 and problems[0].line == 1
    assert "byte-order mark" in problems[0].message


def test_problem_formatting():
    problem = Problem(12, "K", "something")
    assert str(problem) == "line 12: something"
    assert problem.format() == "settings.toml:12: something"
    assert problem.format("/media/CIRCUITPY/settings.toml") == "/media/CIRCUITPY/settings.toml:12: something"


# --- getenv_for -----------------------------------------------------------------------------


def test_getenv_for_missing_file_returns_default(tmp_path):
    getenv = getenv_for(tmp_path / "settings.toml")
    assert getenv("ANY") is None
    assert getenv("ANY", "dflt") == "dflt"
    assert getenv_for(tmp_path / "nope.toml", LEGACY)("ANY", 3) == 3


def test_getenv_for_strings_semantics(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('S = "x"\nN = 5\nF = 8.5\nBAD = "oops\n[t]\nT = "t"\n', encoding="utf-8")
    getenv = getenv_for(path)
    assert getenv("S") == "x"
    assert getenv("N") == "5"
    assert getenv("F") == "8.5"
    assert getenv("BAD", "dflt") == "dflt"
    assert getenv("T", "dflt") == "dflt"
    assert getenv("MISSING") is None


def test_getenv_for_legacy_semantics_raises_like_the_device(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('S = "x"\nN = 0x10\nF = 8.5\nBAD = "oops\n', encoding="utf-8")
    getenv = getenv_for(path, LEGACY)
    assert getenv("S") == "x"
    assert getenv("N") == 16
    with pytest.raises(ValueError, match="invalid syntax for integer"):
        getenv("F")
    with pytest.raises(ValueError, match="Invalid byte"):
        getenv("BAD", "dflt")
    assert getenv("MISSING", 1) == 1


def test_getenv_for_rereads_the_file_on_every_call(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('A = "1"\n', encoding="utf-8")
    getenv = getenv_for(path)
    assert getenv("A") == "1"
    path.write_text('A = "2"\n', encoding="utf-8")
    assert getenv("A") == "2"
    path.unlink()
    assert getenv("A", "gone") == "gone"


def test_parse_file(tmp_path):
    path = tmp_path / "settings.toml"
    assert cpsettings.parse_file(path) == ({}, [])
    path.write_text("A = 1\nB = 2.5\n", encoding="utf-8")
    values, problems = cpsettings.parse_file(path, LEGACY)
    assert values == {"A": 1}
    assert [p.line for p in problems] == [2]


def test_settings_example_if_present_has_no_problems():
    """settings.toml.example at the repo root (written elsewhere) must read cleanly."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "settings.toml.example"
    if not example.exists():
        pytest.skip("settings.toml.example not written yet")
    _, problems = cpsettings.parse_file(example)
    assert [p.format(example.name) for p in problems] == []
