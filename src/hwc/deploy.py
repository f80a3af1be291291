"""``hwc deploy PATH``: copy the controller onto a mounted CIRCUITPY drive.

What goes where (PATH is the drive, or any directory standing in for it)::

    src/controller/**.py  ->  PATH/lib/controller/   (mirrored: stale .py files there removed)
    src/ntc_table.py      ->  PATH/lib/ntc_table.py
    CIRCUITPY/safemode.py ->  PATH/safemode.py        (run by CircuitPython 9+ in safe mode)
    CIRCUITPY/code.py     ->  PATH/code.py            (always last)

Only ``.py`` files are copied, ``__pycache__`` is skipped, and a file is written only when its
content differs (fewer flash writes; an unchanged tree triggers no auto-reload). Each file is
written to a temporary file in the same folder, flushed, fsynced and renamed over the old one
with ``os.replace``. ``code.py`` goes last so CircuitPython's auto-reload restarts on a
complete tree. Nothing else on the drive is touched: other files in ``lib/`` stay, and
``settings.toml`` is never overwritten (``--settings FILE`` only fills in a missing one).

Afterwards it lists the Adafruit libraries from ``CIRCUITPY/requirements.txt`` that are not in
``PATH/lib`` and prints the circup command that installs them. It warns when the drive's
``boot_out.txt`` names a CircuitPython other than 9 or 10, or a board other than the PyPortal
Titano, and checks the drive's ``settings.toml`` as ``hwc settings check`` does, for the
CircuitPython version the drive runs.

The CLI (``hwc.cli``) calls :func:`add_arguments` and :func:`run`; :func:`deploy` is the
programmatic entry point.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, TextIO

from hwc import cpsettings

__all__ = [
    "BootOut",
    "DeployError",
    "DeployResult",
    "RefusedError",
    "SourceTree",
    "add_arguments",
    "default_source_root",
    "deploy",
    "find_missing_libraries",
    "read_boot_out",
    "read_requirements",
    "run",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_REFUSED = 2

TMP_SUFFIX = ".hwc-tmp"

#: The CircuitPython major versions the controller runs on, and the board it is written for.
SUPPORTED_MAJORS = (9, 10)
TITANO_BOARD_ID = "pyportal_titano"

#: One-line description for the CLI's subcommand help.
DESCRIPTION = ("copy the controller (lib/controller, lib/ntc_table.py, safemode.py, code.py) onto a "
               "CIRCUITPY drive")


class DeployError(Exception):
    """Deploying failed (source tree not found, I/O error): exit code 1."""

    exit_code = EXIT_ERROR


class RefusedError(DeployError):
    """PATH is not something we deploy to (missing, not a directory, not a drive): exit code 2."""

    exit_code = EXIT_REFUSED


# --------------------------------------------------------------------------------------
# The source tree


def default_source_root() -> Path:
    """The repository root: src/hwc/deploy.py -> parents[2] (the project is installed editable)."""
    return Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class SourceTree:
    root: Path

    @property
    def controller(self) -> Path:
        return self.root / "src" / "controller"

    @property
    def ntc_table(self) -> Path:
        return self.root / "src" / "ntc_table.py"

    @property
    def code_py(self) -> Path:
        return self.root / "CIRCUITPY" / "code.py"

    @property
    def safemode_py(self) -> Path:
        return self.root / "CIRCUITPY" / "safemode.py"

    @property
    def requirements(self) -> Path:
        return self.root / "CIRCUITPY" / "requirements.txt"

    @property
    def settings_example(self) -> Path:
        return self.root / "settings.toml.example"

    def check(self) -> None:
        missing = [p for p in (self.controller, self.ntc_table, self.safemode_py, self.code_py)
                   if not (p.is_dir() if p == self.controller else p.is_file())]
        if missing:
            names = ", ".join(str(p.relative_to(self.root)) for p in missing)
            raise DeployError(
                f"source tree not found or incomplete at {self.root} (missing {names}). "
                "hwc deploy copies from the project checkout it is installed from "
                "(pip install -e .); pass --source DIR to use another checkout."
            )

    def controller_files(self) -> list[Path]:
        """The .py files of src/controller, relative to it, sorted (``__pycache__`` skipped)."""
        return sorted(_py_files(self.controller))


def _py_files(folder: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        for name in filenames:
            if name.endswith(".py") and not name.startswith("."):
                yield (Path(dirpath) / name).relative_to(folder)


# --------------------------------------------------------------------------------------
# Libraries (circup's requirements.txt format)


def read_requirements(text: str) -> list[str]:
    """Library names from a circup requirements.txt, as circup reads them.

    One name per line, ``#`` comment lines and blank lines skipped, anything after a pip
    version specifier (``<>=~[;``) dropped, names lower-cased. (circup does not strip
    comments after a name, so the file must not have any.)
    """
    names = []
    for line in text.splitlines():
        line = line.strip().lower()
        if not line or line.startswith("#"):
            continue
        name = re.split(r"[<>=~\[;]", line)[0].strip()
        if name and name not in names:
            names.append(name)
    return names


def find_missing_libraries(drive: Path, names: Iterable[str]) -> list[str]:
    """The names with neither ``lib/NAME/``, ``lib/NAME.py`` nor ``lib/NAME.mpy`` on the drive."""
    lib = drive / "lib"
    missing = []
    for name in names:
        if (lib / name).is_dir() or (lib / f"{name}.py").is_file() or (lib / f"{name}.mpy").is_file():
            continue
        missing.append(name)
    return missing


# --------------------------------------------------------------------------------------
# Writing


def _fsync_dir(folder: Path) -> None:
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_file(dst: Path, data: bytes) -> None:
    """Write ``data`` to ``dst`` via a temp file + os.replace in the same folder, fsynced.

    Falls back to writing in place where the rename is refused.
    """
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name("." + dst.name + TMP_SUFFIX)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dst)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
        with open(dst, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    _fsync_dir(dst.parent)


def _same_content(dst: Path, data: bytes) -> bool:
    try:
        return dst.is_file() and dst.stat().st_size == len(data) and dst.read_bytes() == data
    except OSError:
        return False


# --------------------------------------------------------------------------------------
# Deploying


@dataclass
class DeployResult:
    drive: Path
    dry_run: bool
    #: drive-relative paths written (or, dry run, to be written), in write order
    copied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: drive-relative paths of stale lib/controller .py files removed (or to be removed)
    removed: list[str] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)
    missing_libraries: list[str] = field(default_factory=list)
    settings_present: bool = False
    settings_copied: bool = False
    #: what ``hwc settings check`` finds in the drive's settings.toml (hwc.settings_check.Diagnostic)
    settings_problems: list = field(default_factory=list)
    #: what is wrong with the drive's CircuitPython or board (BootOut.warnings)
    board_warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BootOut:
    """What a drive's boot_out.txt says: ``Adafruit CircuitPython 9.2.1 on 2024-11-20; Adafruit
    PyPortal Titano with samd51j20`` then ``Board ID:pyportal_titano`` (each None if absent)."""

    version: Optional[str] = None
    board: Optional[str] = None
    board_id: Optional[str] = None

    @classmethod
    def parse(cls, text: str) -> "BootOut":
        version = board = board_id = None
        match = re.search(r"CircuitPython (\d+(?:\.\d+)*\S*) on [^;\n]*;\s*([^\n]+)", text)
        if match:
            version, board = match.group(1), match.group(2).strip()
        match = re.search(r"^Board ID:\s*(\S+)", text, re.MULTILINE)
        if match:
            board_id = match.group(1)
        return cls(version, board, board_id)

    def warnings(self) -> list[str]:
        """What is wrong with this drive for the controller, in words (empty when nothing)."""
        out = []
        if self.version is None:
            out.append("boot_out.txt names no CircuitPython version: the controller needs CircuitPython 9 or 10")
        else:
            major = int(re.match(r"\d+", self.version).group())
            if major not in SUPPORTED_MAJORS:
                out.append(f"the drive runs CircuitPython {self.version}; the controller runs on CircuitPython 9 "
                           "or 10 only: install CircuitPython 10 for the PyPortal Titano "
                           "(https://circuitpython.org/board/pyportal_titano/)")
        titano = (self.board_id == TITANO_BOARD_ID if self.board_id is not None
                  else self.board is not None and "titano" in self.board.lower())
        if not titano:
            what = self.board or "an unknown board"
            if self.board_id:
                what += f" (board ID {self.board_id})"
            out.append(f"the drive is {what}, not a PyPortal Titano: the controller's pins, screen size and memory "
                       "are the Titano's (a plain PyPortal has half its RAM)")
        return out


def read_boot_out(drive: Path) -> Optional[BootOut]:
    """The drive's boot_out.txt, or None when it has none (or it cannot be read)."""
    try:
        return BootOut.parse((drive / "boot_out.txt").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None


def _check_drive(drive: Path, force: bool) -> None:
    if not drive.exists():
        raise RefusedError(f"{drive} does not exist. Is the CIRCUITPY drive mounted?")
    if not drive.is_dir():
        raise RefusedError(f"{drive} is not a directory; give the folder the CIRCUITPY drive is mounted at.")
    if not (drive / "boot_out.txt").is_file() and not force:
        raise RefusedError(
            f"{drive} does not look like a CircuitPython drive (no boot_out.txt). "
            "Give the mount point of CIRCUITPY, or use --force to deploy into this folder anyway."
        )


def _rel(path: Path, drive: Path) -> str:
    return path.relative_to(drive).as_posix()


def _display(path: Path) -> str:
    """``path`` relative to the working directory when it is below it, else absolute."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def deploy(
    drive: os.PathLike | str,
    source: os.PathLike | str | None = None,
    *,
    dry_run: bool = False,
    force: bool = False,
    settings: os.PathLike | str | None = None,
    out: Optional[TextIO] = None,
    write: Callable[[Path, bytes], None] | None = None,
) -> DeployResult:
    """Deploy the source tree at ``source`` (default: the repo root) to ``drive``.

    Raises RefusedError / DeployError; prints progress to ``out`` (default stdout).
    ``write(path, data)`` replaces the file writer (tests use it to record the order).
    """
    out = out if out is not None else sys.stdout
    write = write or _write_file
    drive = Path(drive)
    tree = SourceTree(Path(source).resolve() if source is not None else default_source_root())
    settings_src = Path(settings) if settings is not None else None

    def say(message: str = "") -> None:
        print(message, file=out)

    _check_drive(drive, force)
    tree.check()
    if settings_src is not None and not settings_src.is_file():
        raise RefusedError(f"--settings {settings_src}: no such file")

    result = DeployResult(drive=drive, dry_run=dry_run)
    verb = "would copy" if dry_run else "copied"
    boot = read_boot_out(drive)
    if boot is not None:
        result.board_warnings = boot.warnings()
        for text in result.board_warnings:
            say(f"warning: {text}")

    def put(src: Path, dst: Path) -> None:
        data = src.read_bytes()
        rel = _rel(dst, drive)
        if _same_content(dst, data):
            result.unchanged.append(rel)
            return
        if not dry_run:
            try:
                write(dst, data)
            except OSError as exc:
                raise DeployError(f"writing {dst} failed: {exc}") from exc
        result.copied.append(rel)
        say(f"  {verb} {rel}")

    # 1. lib/controller/ (mirrored) and lib/ntc_table.py
    lib_controller = drive / "lib" / "controller"
    sources = tree.controller_files()
    for rel in sources:
        put(tree.controller / rel, lib_controller / rel)
    put(tree.ntc_table, drive / "lib" / "ntc_table.py")

    # 2. stale .py files in lib/controller (nothing else in lib/ is touched)
    wanted = {rel.as_posix() for rel in sources}
    stale_mpy: list[str] = []
    if lib_controller.is_dir():
        for dirpath, dirnames, filenames in os.walk(lib_controller):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                path = Path(dirpath) / name
                inside = path.relative_to(lib_controller).as_posix()
                if name.endswith(".py") and inside not in wanted:
                    if not dry_run:
                        try:
                            path.unlink()
                        except OSError as exc:
                            raise DeployError(f"removing {path} failed: {exc}") from exc
                    result.removed.append(_rel(path, drive))
                    say(f"  {'would remove' if dry_run else 'removed'} {_rel(path, drive)} "
                        "(no longer in src/controller)")
                elif name.endswith(".mpy") and inside[:-4] + ".py" not in wanted:
                    stale_mpy.append(_rel(path, drive))
        if not dry_run:
            _remove_empty_dirs(lib_controller)
    for mpy in stale_mpy:
        say(f"  note: {mpy} has no source in src/controller; it is left alone but can still "
            "be imported - delete it if it is old")

    # 3. settings.toml: never overwritten
    drive_settings = drive / "settings.toml"
    result.settings_present = drive_settings.exists()
    if result.settings_present:
        if settings_src is not None:
            say(f"  not copying {settings_src}: the drive already has a settings.toml "
                "(hwc deploy never overwrites it)")
        result.settings_problems = _check_settings(drive_settings, boot)
    elif settings_src is not None:
        if not dry_run:
            try:
                write(drive_settings, settings_src.read_bytes())
            except OSError as exc:
                raise DeployError(f"writing {drive_settings} failed: {exc}") from exc
        result.settings_copied = True
        say(f"  {verb} {settings_src} -> settings.toml")
        result.settings_problems = _check_settings(settings_src, boot)

    # 4. safemode.py (safe mode: pump off, reason recorded, reset), then code.py, last
    put(tree.safemode_py, drive / "safemode.py")
    put(tree.code_py, drive / "code.py")

    # 5. libraries
    if tree.requirements.is_file():
        result.libraries = read_requirements(tree.requirements.read_text(encoding="utf-8"))
        result.missing_libraries = find_missing_libraries(drive, result.libraries)

    _report(result, tree, settings_src, say)
    return result


def _check_settings(path: Path, boot: Optional[BootOut]) -> list:
    """``hwc settings check``'s findings for ``path``, for the drive's CircuitPython version when
    boot_out.txt names a supported one (else for every version)."""
    from hwc import settings_check

    semantics = (cpsettings.LEGACY, cpsettings.STRINGS)
    if boot is not None and boot.version:
        try:
            semantics = settings_check.semantics_for(boot.version)
        except ValueError:
            pass  # an unsupported version: warned about already
    try:
        return settings_check.check_file(path, semantics)
    except settings_check.Unreadable as exc:
        return [settings_check.Diagnostic(None, settings_check.ERROR, f"cannot read it: {exc}")]


def _remove_empty_dirs(top: Path) -> None:
    """Remove sub-folders of ``top`` left empty by removing stale files (not ``top`` itself)."""
    for dirpath, dirnames, filenames in os.walk(top, topdown=False):
        path = Path(dirpath)
        if path != top and not any(path.iterdir()):
            try:
                path.rmdir()
            except OSError:
                pass


def _report(result: DeployResult, tree: SourceTree, settings_src: Optional[Path],
            say: Callable[[str], None]) -> None:
    drive = result.drive
    settings_name = str(drive / "settings.toml")
    if result.settings_present or result.settings_copied:
        on_drive = result.settings_present or not result.dry_run
        shown = settings_name if on_drive or settings_src is None else _display(settings_src)
        for problem in result.settings_problems:
            say(problem.format(shown))
        if result.settings_problems:
            say(f"  (what the board will say about {Path(shown).name}: fix it, then hwc settings check it)")
    else:
        example = _display(tree.settings_example)
        say(f"{drive} has no settings.toml, so every setting takes its built-in default. "
            "Start from the example (hwc deploy never overwrites an existing settings.toml):")
        say(f"    cp {shlex.quote(example)} {shlex.quote(str(drive / 'settings.toml'))}")
        say(f"  or: hwc deploy {shlex.quote(str(drive))} --settings {shlex.quote(example)}")

    if result.missing_libraries:
        requirements = _display(tree.requirements)
        say(f"missing libraries in {drive / 'lib'}: {', '.join(result.missing_libraries)}")
        say("  install them with circup:")
        say(f"    circup --path {shlex.quote(str(drive))} install -r {shlex.quote(requirements)}")
        say(f"  (or circup install -r {shlex.quote(requirements)} when circup finds the board itself)")
    elif not tree.requirements.is_file():
        say(f"note: {_display(tree.requirements)} not found; libraries not checked")

    parts = [
        f"{'would copy' if result.dry_run else 'copied'} {len(result.copied)} "
        f"file{'s' if len(result.copied) != 1 else ''}",
        f"{len(result.unchanged)} unchanged",
    ]
    if result.removed:
        parts.append(f"{'would remove' if result.dry_run else 'removed'} {len(result.removed)} stale")
    if result.libraries:
        if result.missing_libraries:
            parts.append(f"{len(result.missing_libraries)} of {len(result.libraries)} libraries missing")
        else:
            parts.append(f"all {len(result.libraries)} libraries present")
    prefix = "dry run, nothing written: " if result.dry_run else f"deployed to {drive}: "
    say(prefix + ", ".join(parts))


# --------------------------------------------------------------------------------------
# CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``hwc deploy``'s arguments to ``parser`` (the ``deploy`` subcommand's parser)."""
    parser.add_argument(
        "path", metavar="PATH",
        help="the mounted CIRCUITPY drive (e.g. /media/$USER/CIRCUITPY, /Volumes/CIRCUITPY, E:\\)",
    )
    parser.add_argument(
        "--dry-run", "-n", action="store_true",
        help="only list what would be copied and removed; write nothing",
    )
    parser.add_argument(
        "--force", action="store_true",
        help="deploy even if PATH has no boot_out.txt (a folder standing in for the drive)",
    )
    parser.add_argument(
        "--settings", metavar="FILE",
        help="copy FILE to PATH/settings.toml if the drive has none (never overwrites)",
    )
    # Advanced: deploy from another checkout (tests use a fake source tree).
    parser.add_argument("--source", metavar="DIR", default=None, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    """Run ``hwc deploy`` with parsed ``args``; returns the exit code."""
    try:
        deploy(
            args.path,
            getattr(args, "source", None),
            dry_run=getattr(args, "dry_run", False),
            force=getattr(args, "force", False),
            settings=getattr(args, "settings", None),
        )
    except DeployError as exc:
        print(f"hwc deploy: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return EXIT_OK


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="hwc deploy", description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
