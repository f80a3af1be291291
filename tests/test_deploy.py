"""hwc deploy: copying the controller onto a (fake) CIRCUITPY drive."""

import argparse
import io
from pathlib import Path

import pytest

from hwc import deploy as deploy_mod
from hwc.deploy import add_arguments, read_requirements, run

REPO = Path(__file__).resolve().parents[1]


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def source(tmp_path):
    """A fake project checkout: src/controller, src/ntc_table.py, CIRCUITPY/..."""
    root = tmp_path / "repo"
    controller = root / "src" / "controller"
    (controller / "sub").mkdir(parents=True)
    (controller / "__pycache__").mkdir()
    (controller / "__init__.py").write_text("")
    (controller / "algorithm.py").write_text("X = 1\n")
    (controller / "settings.py").write_text("Y = 2\n")
    (controller / "sub" / "__init__.py").write_text("")
    (controller / "sub" / "helper.py").write_text("Z = 3\n")
    (controller / "__pycache__" / "algorithm.cpython-311.pyc").write_bytes(b"\0")
    (controller / "notes.txt").write_text("not python\n")
    (root / "src" / "ntc_table.py").write_text("TABLE = ()\n")
    (root / "CIRCUITPY").mkdir()
    (root / "CIRCUITPY" / "code.py").write_text("import controller.main\n")
    (root / "CIRCUITPY" / "safemode.py").write_text("import controller.hardware\n")
    (root / "CIRCUITPY" / "requirements.txt").write_text(
        "# libraries\nasyncio\nadafruit_ticks\n\nadafruit_pcf8591\nadafruit_minimqtt>=7\n"
    )
    (root / "settings.toml.example").write_text('MIN_DIFF_K = "4.0"\n')
    return root


@pytest.fixture
def drive(tmp_path):
    path = tmp_path / "CIRCUITPY"
    path.mkdir()
    (path / "boot_out.txt").write_text("Adafruit CircuitPython 10.0.0 on 2025-01-01; Adafruit PyPortal Titano with "
                                       "samd51j20\nBoard ID:pyportal_titano\nUID:1A2B3C4D5E6F\n")
    return path


def parse_args(*argv):
    parser = argparse.ArgumentParser(prog="hwc deploy")
    add_arguments(parser)
    return parser.parse_args([str(a) for a in argv])


def deploy_cli(drive, source, *extra):
    return run(parse_args(drive, "--source", source, *extra))


def tree(path):
    """{relative posix path: bytes} of every file under path."""
    return {
        p.relative_to(path).as_posix(): p.read_bytes()
        for p in sorted(path.rglob("*")) if p.is_file()
    }


EXPECTED = {
    "lib/controller/__init__.py",
    "lib/controller/algorithm.py",
    "lib/controller/settings.py",
    "lib/controller/sub/__init__.py",
    "lib/controller/sub/helper.py",
    "lib/ntc_table.py",
    "safemode.py",
    "code.py",
}


# --- first and second deploy ----------------------------------------------------------------


def test_first_deploy_copies_everything_code_py_last(drive, source, monkeypatch, capsys):
    order = []
    real_write = deploy_mod._write_file

    def recording_write(dst, data):
        order.append(Path(dst).relative_to(drive).as_posix())
        real_write(dst, data)

    monkeypatch.setattr(deploy_mod, "_write_file", recording_write)
    assert deploy_cli(drive, source) == 0

    assert set(order) == EXPECTED
    assert order[-1] == "code.py"
    files = tree(drive)
    assert set(files) == EXPECTED | {"boot_out.txt"}
    assert files["lib/controller/algorithm.py"] == b"X = 1\n"
    assert files["code.py"] == b"import controller.main\n"
    # mtimes agree: code.py is not older than anything else written
    code_mtime = (drive / "code.py").stat().st_mtime_ns
    assert all((drive / rel).stat().st_mtime_ns <= code_mtime for rel in EXPECTED)
    # no temp files, no __pycache__, no non-.py files
    assert not any(name.endswith(deploy_mod.TMP_SUFFIX) for name in files)
    out = capsys.readouterr().out
    assert "copied 8 files, 0 unchanged" in out


def test_second_deploy_copies_nothing(drive, source, monkeypatch, capsys):
    assert deploy_cli(drive, source) == 0
    capsys.readouterr()
    writes = []
    monkeypatch.setattr(deploy_mod, "_write_file", lambda dst, data: writes.append(dst))
    assert deploy_cli(drive, source) == 0
    assert writes == []
    assert "copied 0 files, 8 unchanged" in capsys.readouterr().out


def test_changed_file_is_the_only_one_copied(drive, source):
    deploy_mod.deploy(drive, source, out=io.StringIO())
    (source / "src" / "controller" / "algorithm.py").write_text("X = 42\n")
    result = deploy_mod.deploy(drive, source, out=io.StringIO())
    assert result.copied == ["lib/controller/algorithm.py"]
    assert (drive / "lib" / "controller" / "algorithm.py").read_text() == "X = 42\n"


# --- mirroring --------------------------------------------------------------------------------


def test_removed_source_file_is_removed_but_user_files_survive(drive, source, capsys):
    assert deploy_cli(drive, source) == 0
    lib = drive / "lib"
    (lib / "my_own.py").write_text("mine\n")
    (lib / "adafruit_ticks.mpy").write_bytes(b"M")
    (lib / "controller" / "data.json").write_text("{}")
    (lib / "controller" / "old.mpy").write_bytes(b"M")
    (source / "src" / "controller" / "settings.py").unlink()
    (source / "src" / "controller" / "sub" / "helper.py").unlink()
    (source / "src" / "controller" / "sub" / "__init__.py").unlink()
    capsys.readouterr()

    assert deploy_cli(drive, source) == 0
    files = tree(drive)
    assert "lib/controller/settings.py" not in files
    assert "lib/controller/sub/helper.py" not in files
    assert not (lib / "controller" / "sub").exists()  # left empty, removed
    assert files["lib/my_own.py"] == b"mine\n"
    assert files["lib/adafruit_ticks.mpy"] == b"M"
    assert files["lib/controller/data.json"] == b"{}"
    assert files["lib/controller/old.mpy"] == b"M"  # .mpy never removed, only reported
    out = capsys.readouterr().out
    assert "removed lib/controller/settings.py" in out
    assert "lib/controller/old.mpy has no source" in out
    assert "removed 3 stale" in out


# --- settings.toml ---------------------------------------------------------------------------


def test_missing_settings_points_to_the_example(drive, source, capsys):
    assert deploy_cli(drive, source) == 0
    out = capsys.readouterr().out
    assert "has no settings.toml" in out
    assert "settings.toml.example" in out
    assert "cp " in out
    assert not (drive / "settings.toml").exists()


def test_settings_toml_is_never_overwritten(drive, source, tmp_path, capsys):
    (drive / "settings.toml").write_text('CIRCUITPY_WIFI_SSID = "home"\n')
    mine = tmp_path / "mine.toml"
    mine.write_text('CIRCUITPY_WIFI_SSID = "other"\n')
    assert deploy_cli(drive, source, "--settings", mine) == 0
    assert (drive / "settings.toml").read_text() == 'CIRCUITPY_WIFI_SSID = "home"\n'
    assert "never overwrites" in capsys.readouterr().out
    assert deploy_cli(drive, source) == 0
    assert (drive / "settings.toml").read_text() == 'CIRCUITPY_WIFI_SSID = "home"\n'


def test_settings_option_fills_in_a_missing_settings_toml_before_code_py(drive, source, tmp_path,
                                                                         monkeypatch):
    mine = tmp_path / "mine.toml"
    mine.write_text('MIN_DIFF_K = "4.0"\n')
    order = []
    real_write = deploy_mod._write_file
    monkeypatch.setattr(deploy_mod, "_write_file",
                        lambda dst, data: (order.append(Path(dst).name), real_write(dst, data)))
    assert deploy_cli(drive, source, "--settings", mine) == 0
    assert (drive / "settings.toml").read_text() == 'MIN_DIFF_K = "4.0"\n'
    assert order.index("settings.toml") < order.index("code.py") == len(order) - 1


def test_settings_problems_are_reported_with_line_numbers(drive, source, capsys):
    (drive / "settings.toml").write_text('A = "x"\nMAX_DIFF_START_K = 8.5\n')
    assert deploy_cli(drive, source) == 0
    out = capsys.readouterr().out
    assert "settings.toml:2: error: MAX_DIFF_START_K = 8.5 is not a quoted string or integer" in out
    assert "settings.toml:1: warning: A is not a setting" in out
    assert "warning: the drive" not in out  # CircuitPython 10 on a Titano


@pytest.mark.parametrize("boot_out, warned", [
    ("Adafruit CircuitPython 8.2.9 on 2023-12-06; Adafruit PyPortal Titano with samd51j20\nBoard ID:pyportal_titano\n",
     "the drive runs CircuitPython 8.2.9; the controller runs on CircuitPython 9 or 10 only"),
    ("Adafruit CircuitPython 7.3.3 on 2022-08-29; Adafruit PyPortal Titano with samd51j20\nBoard ID:pyportal_titano\n",
     "the drive runs CircuitPython 7.3.3"),
    ("Adafruit CircuitPython 9.2.1 on 2024-11-20; Adafruit PyPortal with samd51j20\nBoard ID:pyportal\n",
     "the drive is Adafruit PyPortal with samd51j20 (board ID pyportal), not a PyPortal Titano"),
    ("Adafruit CircuitPython 10.0.3 on 2025-10-17; Adafruit Metro M4 Express with samd51j19\n",
     "the drive is Adafruit Metro M4 Express with samd51j19, not a PyPortal Titano"),
    ("garbage\n", "boot_out.txt names no CircuitPython version"),
])
def test_an_unsupported_circuitpython_or_board_is_warned_about(drive, source, capsys, boot_out, warned):
    (drive / "boot_out.txt").write_text(boot_out)
    assert deploy_cli(drive, source) == 0  # a warning: the files are still copied
    out = capsys.readouterr().out
    assert "warning: " + warned in out, out
    assert (drive / "code.py").is_file()


def test_the_drives_settings_are_checked_for_its_circuitpython_version(drive, source, capsys):
    (drive / "boot_out.txt").write_text("Adafruit CircuitPython 10.3.1 on 2025-11-01; Adafruit PyPortal Titano with "
                                        "samd51j20\nBoard ID:pyportal_titano\n")
    (drive / "settings.toml").write_text('MIN_DIFF_K = 4.5\nHEATER_ENABLED = 1\nPROBE1_NAME = "tank_top"\n')
    assert deploy_cli(drive, source) == 0
    out = capsys.readouterr().out
    # 10.2+ reads a bare 4.5 as text: a warning only; the heater without network: the board's own check
    assert "settings.toml:1: warning: MIN_DIFF_K = 4.5" in out and "CircuitPython 9.0-10.1" not in out
    assert "settings.toml:2: error: heater: needs the network (MQTT_BROKER and WiFi), which is off" in out


def test_settings_option_with_missing_file_is_refused(drive, source, tmp_path, capsys):
    assert deploy_cli(drive, source, "--settings", tmp_path / "nope.toml") == 2
    assert "nope.toml" in capsys.readouterr().err
    assert tree(drive) == {"boot_out.txt": (drive / "boot_out.txt").read_bytes()}


# --- libraries -------------------------------------------------------------------------------


def test_missing_libraries_listed_present_ones_not(drive, source, capsys):
    lib = drive / "lib"
    (lib / "asyncio").mkdir(parents=True)  # package folder
    (lib / "adafruit_ticks.mpy").write_bytes(b"M")  # compiled module
    assert deploy_cli(drive, source) == 0
    out = capsys.readouterr().out
    line = next(l for l in out.splitlines() if l.startswith("missing libraries"))
    assert line.endswith(": adafruit_pcf8591, adafruit_minimqtt")
    assert f"circup --path {drive} install -r " in out
    assert "requirements.txt" in out
    assert "2 of 4 libraries missing" in out


def test_all_libraries_present(drive, source, capsys):
    lib = drive / "lib"
    lib.mkdir()
    for name in ("asyncio", "adafruit_pcf8591"):
        (lib / name).mkdir()
    (lib / "adafruit_ticks.py").write_text("")
    (lib / "adafruit_minimqtt.mpy").write_bytes(b"")
    assert deploy_cli(drive, source) == 0
    out = capsys.readouterr().out
    assert "missing libraries" not in out
    assert "all 4 libraries present" in out


def test_read_requirements_like_circup():
    text = "# c\n\nAdafruit_Ticks\nasyncio==3.1\nadafruit_x>=1 ; python_version\nasyncio\n"
    assert read_requirements(text) == ["adafruit_ticks", "asyncio", "adafruit_x"]


def test_project_requirements_txt():
    names = read_requirements((REPO / "CIRCUITPY" / "requirements.txt").read_text())
    for name in ("asyncio", "adafruit_pcf8591", "adafruit_ds18x20", "adafruit_onewire",
                 "adafruit_bus_device", "adafruit_ticks", "adafruit_minimqtt", "adafruit_esp32spi",
                 "adafruit_connection_manager", "adafruit_touchscreen", "adafruit_requests"):
        assert name in names
    # circup does not strip a comment after a name
    for line in (REPO / "CIRCUITPY" / "requirements.txt").read_text().splitlines():
        assert line.startswith("#") or "#" not in line


# --- refusals ---------------------------------------------------------------------------------


def test_not_a_drive_is_refused(tmp_path, source, capsys):
    folder = tmp_path / "just_a_folder"
    folder.mkdir()
    assert deploy_cli(folder, source) == 2
    err = capsys.readouterr().err
    assert "boot_out.txt" in err and "--force" in err
    assert list(folder.iterdir()) == []
    # --force deploys into it anyway
    assert deploy_cli(folder, source, "--force") == 0
    assert (folder / "code.py").is_file()


def test_missing_path_and_file_path_are_refused(tmp_path, source, capsys):
    assert deploy_cli(tmp_path / "absent", source) == 2
    assert "does not exist" in capsys.readouterr().err
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert deploy_cli(a_file, source, "--force") == 2
    assert "not a directory" in capsys.readouterr().err


def test_missing_source_tree_is_a_clear_error(drive, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert deploy_cli(drive, empty) == 1
    err = capsys.readouterr().err
    assert "source tree not found" in err and "CIRCUITPY/code.py" in err
    assert tree(drive) == {"boot_out.txt": (drive / "boot_out.txt").read_bytes()}


# --- dry run ----------------------------------------------------------------------------------


def test_dry_run_writes_nothing(drive, source, tmp_path, capsys):
    (drive / "lib" / "controller").mkdir(parents=True)
    (drive / "lib" / "controller" / "gone.py").write_text("old\n")
    mine = tmp_path / "mine.toml"
    mine.write_text('A = "x"\n')
    before = tree(drive)
    assert deploy_cli(drive, source, "--dry-run", "--settings", mine) == 0
    assert tree(drive) == before
    out = capsys.readouterr().out
    for rel in EXPECTED:
        assert f"would copy {rel}" in out
    assert "would remove lib/controller/gone.py" in out
    assert "-> settings.toml" in out
    assert "dry run, nothing written: would copy 8 files" in out


# --- the real source tree -------------------------------------------------------------------


def test_default_source_root_is_this_checkout():
    assert deploy_mod.default_source_root() == REPO
    args = parse_args("somewhere")
    assert args.source is None and args.dry_run is False and args.force is False


def test_deploy_from_the_real_tree_if_complete(drive, capsys):
    """The real checkout deploys (skipped while CIRCUITPY/code.py is still being written)."""
    if not (REPO / "CIRCUITPY" / "code.py").is_file() or not (REPO / "src" / "controller").is_dir():
        pytest.skip("source tree not complete yet")
    assert run(parse_args(drive)) == 0
    files = tree(drive)
    assert "code.py" in files and "lib/ntc_table.py" in files
    assert any(name.startswith("lib/controller/") for name in files)
    assert not any("__pycache__" in name for name in files)


# --- safemode.py ------------------------------------------------------------------------------


def test_safemode_py_goes_to_the_drive_root_before_code_py(drive, source, monkeypatch):
    order = []
    real_write = deploy_mod._write_file
    monkeypatch.setattr(deploy_mod, "_write_file",
                        lambda dst, data: (order.append(Path(dst).relative_to(drive).as_posix()),
                                           real_write(dst, data)))
    assert deploy_cli(drive, source) == 0
    assert (drive / "safemode.py").read_text() == "import controller.hardware\n"
    assert order.index("safemode.py") == len(order) - 2 and order[-1] == "code.py"
    (source / "CIRCUITPY" / "safemode.py").write_text("import controller.hardware  # v2\n")
    result = deploy_mod.deploy(drive, source, out=io.StringIO())
    assert result.copied == ["safemode.py"]


def test_missing_safemode_py_is_a_clear_error(drive, source, capsys):
    (source / "CIRCUITPY" / "safemode.py").unlink()
    assert deploy_cli(drive, source) == 1
    assert "CIRCUITPY/safemode.py" in capsys.readouterr().err
    assert not (drive / "code.py").exists()


def test_real_safemode_py_is_deployed(drive):
    assert run(parse_args(drive)) == 0
    assert (drive / "safemode.py").read_bytes() == (REPO / "CIRCUITPY" / "safemode.py").read_bytes()
    assert "hardware.safe_mode()" in (drive / "safemode.py").read_text()
