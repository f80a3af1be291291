"""Write a commented settings.toml for a first install.

Every setting of the controller is in the file with its meaning, default and range, commented
out at its default. Only what cannot have a default is asked for: the WiFi network and its
password and, when this firmware has network settings (MQTT_BROKER, MQTT_TOKEN in its settings
table), the broker and the ThingsBoard device token. An empty answer leaves that part out.

On a terminal it asks; in scripts give the answers as options (--wifi-ssid, --wifi-password,
--broker, --token, --mqtt-port, --tls/--no-tls) and --defaults to leave the others out, or
--ask to read the answers from a pipe. The file is checked like `hwc settings check` does
before it is written; nothing is written if it does not check clean, and an existing file is
only replaced with --force.

  hwc settings new -o settings.toml
  hwc settings new -o settings.toml --wifi-ssid home --wifi-password 'secret pw' --defaults

Exit code: 0 written, 1 an answer or the result is invalid (nothing written), 2 usage error
(file exists, no terminal to ask on, a setting this firmware does not have).
"""

from __future__ import annotations

import getpass
import os
import sys
import tempfile
from pathlib import Path

from hwc import cpsettings, settings_check, settings_doc

# The questions, in order: (key, option, prompt, secret, asked only if this key is set).
QUESTIONS = (
    ("CIRCUITPY_WIFI_SSID", "wifi_ssid", "WiFi network name (SSID)", False, None),
    ("CIRCUITPY_WIFI_PASSWORD", "wifi_password", "WiFi password", True, "CIRCUITPY_WIFI_SSID"),
    ("MQTT_BROKER", "broker", "MQTT broker (ThingsBoard host name or IP address)", False, None),
    ("MQTT_TOKEN", "token", "ThingsBoard device access token", False, "MQTT_BROKER"),
)
# Set only from options, never asked: (key, option).
OPTION_ONLY = (("MQTT_PORT", "mqtt_port"), ("MQTT_TLS", "tls"))

_OWN_HELP = {
    "CIRCUITPY_WIFI_SSID": "WiFi network (SSID) the controller joins through the Titano's ESP32",
    "CIRCUITPY_WIFI_PASSWORD": "WiFi password (empty for an open network)",
}

HEADER = """\
# settings.toml for the solar hot-water controller (PyPortal Titano, CircuitPython 9/10),
# written by `hwc settings new`. Copy it to the CIRCUITPY drive as settings.toml.
# Every setting is listed with its meaning, default and range; the ones commented out keep
# their default. After editing, check the file with `hwc settings check settings.toml`.
#
# CircuitPython reads only quoted strings and integers from this file, so write every
# number with a decimal point or a list in quotes: MIN_DIFF_K = "4.5". Integers may be
# written bare or quoted. This file holds your WiFi password: do not share it.
"""


class UsageError(Exception):
    """Exit code 2."""


class Invalid(Exception):
    """Exit code 1."""


def _spec_entries():
    from controller import settings_spec

    return {entry[0]: entry for entry in settings_spec.SPEC}


def validate(key, text, spec):
    """The value to write for ``key``: the firmware's parse_value for a key of the settings
    table, the text itself for CircuitPython's own keys. Raises ValueError."""
    if key in settings_check.CIRCUITPY_KEYS:
        settings_check.check_circuitpython_text(key, text)
    if key in spec:
        from controller.settings import parse_value

        return parse_value(spec[key], text)
    return text


def _read_answer(prompt, secret, stdin, stderr):
    if secret and stdin.isatty():
        return getpass.getpass(prompt, stream=stderr)
    stderr.write(prompt)
    stderr.flush()
    line = stdin.readline()
    if not line:
        raise UsageError("no answer (end of input) to: " + prompt.strip())
    if not stdin.isatty():
        stderr.write("\n")  # the answer came from a pipe: end the prompt's line
    return line.rstrip("\r\n")


def _ask(key, prompt, secret, spec, stdin, stderr):
    """Ask until the answer is valid (or empty: left out). Returns the text or None."""
    while True:
        text = _read_answer("%s [empty: leave out]: " % prompt, secret, stdin, stderr)
        if text == "":
            return None
        if secret:
            again = _read_answer("%s again: " % prompt, secret, stdin, stderr)
            if again != text:
                stderr.write("  the two entries differ; once more\n")
                continue
        try:
            validate(key, text, spec)
        except ValueError as exc:
            stderr.write("  %s: %s; once more\n" % (key, exc))
            continue
        return text


def answers_from(args, spec, stdin, stderr):
    """key -> text for every question answered (by option or prompt)."""
    known = set(spec) | set(settings_check.CIRCUITPY_KEYS)
    for key, option in [(q[0], q[1]) for q in QUESTIONS] + list(OPTION_ONLY):
        if getattr(args, option) is not None and key not in known:
            raise UsageError("this firmware has no %s setting (its settings table lacks it, so the network "
                             "code is not in this build): leave out --%s" % (key, option.replace("_", "-")))
    interactive = not args.defaults and (args.ask or stdin.isatty())
    answers = {}
    missing = []
    for key, option, prompt, secret, needs in QUESTIONS:
        if key not in known:
            continue
        given = getattr(args, option)
        if given is not None:
            try:
                validate(key, given, spec)
            except ValueError as exc:
                raise Invalid("--%s: %s" % (option.replace("_", "-"), exc))
            answers[key] = given
        elif needs is not None and needs not in answers:
            continue
        elif interactive:
            text = _ask(key, prompt, secret, spec, stdin, stderr)
            if text is not None:
                answers[key] = text
        elif not args.defaults:
            missing.append("--" + option.replace("_", "-"))
    if missing:
        raise UsageError("stdin is not a terminal, so nothing can be asked: give %s, or --defaults to leave "
                         "them out (or --ask to read the answers from stdin)" % ", ".join(missing))
    for key, option in OPTION_ONLY:
        value = getattr(args, option)
        if value is not None and key in spec:
            try:
                validate(key, value, spec)
            except ValueError as exc:
                raise Invalid("--%s: %s" % (option.replace("_", "-"), exc))
            answers[key] = value
    return answers


def compose(answers, spec):
    """The settings.toml text for these answers (key -> text)."""
    values = {key: validate(key, text, spec) for key, text in answers.items() if key in spec}
    own = [(key, answers.get(key), _OWN_HELP.get(key, key))
           for key, _o, _p, _s, _n in QUESTIONS if key not in spec and key in settings_check.CIRCUITPY_KEYS]
    circuitpython_keys = ("WiFi (CircuitPython's own keys)", own) if own else ()
    return settings_doc.settings_text(values, HEADER, circuitpython_keys)


def verify(text, answers, spec):
    """Problems of the composed text: the checker's findings (errors and warnings) and any
    answer that does not read back as given on every CircuitPython version."""
    problems = [d.format("settings.toml") for d in settings_check.check_text(text)]
    for semantics in cpsettings.SEMANTICS:
        getenv = cpsettings.getenv_for_text(text, semantics)
        for key, given in answers.items():
            try:
                read = getenv(key)
                same = (validate(key, str(read), spec) == validate(key, given, spec)) if read is not None else False
            except ValueError as exc:
                same, read = False, exc
            if not same:
                problems.append("%s reads back as %r, not %r (%s semantics)" % (key, read, given, semantics))
    return problems


def _write(path, text, force):
    if path.exists() and not force:
        raise UsageError("%s exists: give --force to replace it, or another -o FILE" % path)
    if path.is_dir():
        raise UsageError("%s is a directory" % path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise UsageError("cannot write in %s: %s" % (directory, exc.strerror or exc))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def add_arguments(parser):
    parser.add_argument("-o", "--output", type=Path, default=Path("settings.toml"), metavar="FILE",
                        help="where to write (default: settings.toml here; - for stdout)")
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")
    parser.add_argument("--wifi-ssid", metavar="SSID", help="WiFi network name")
    parser.add_argument("--wifi-password", metavar="PASSWORD", help="WiFi password ('' for an open network)")
    parser.add_argument("--broker", metavar="HOST", help="MQTT broker: the ThingsBoard host name or IP address")
    parser.add_argument("--token", metavar="TOKEN", help="ThingsBoard device access token")
    parser.add_argument("--mqtt-port", metavar="PORT", help="MQTT port (default from the settings table)")
    tls = parser.add_mutually_exclusive_group()
    tls.add_argument("--tls", dest="tls", action="store_const", const="1", help="MQTT over TLS")
    tls.add_argument("--no-tls", dest="tls", action="store_const", const="0", help="plain MQTT")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--defaults", "--yes", action="store_true",
                      help="ask nothing: what is not given as an option is left out (commented out)")
    mode.add_argument("--ask", action="store_true", help="ask even if stdin is not a terminal (answers piped in)")


def run(args, stdin=None, stderr=None):
    stdin = stdin or sys.stdin
    stderr = stderr or sys.stderr
    spec = _spec_entries()
    try:
        answers = answers_from(args, spec, stdin, stderr)
        text = compose(answers, spec)
        problems = verify(text, answers, spec)
        if problems:
            raise Invalid("the file would not check clean, so it was not written:\n  " + "\n  ".join(problems))
        if str(args.output) == "-":
            sys.stdout.write(text)
            return 0
        _write(args.output, text, args.force)
    except UsageError as exc:
        stderr.write("hwc settings new: %s\n" % exc)
        return 2
    except Invalid as exc:
        stderr.write("hwc settings new: %s\n" % exc)
        return 1
    askable = set(spec) | set(settings_check.CIRCUITPY_KEYS)
    left_out = [q[0] for q in QUESTIONS if q[0] not in answers and q[0] in askable]
    stderr.write("wrote %s: %s set%s; everything else at its default.\n" % (
        args.output, ", ".join(answers) or "nothing", "" if not left_out else " (left out: %s)" % ", ".join(left_out)))
    stderr.write("Next: copy it to the CIRCUITPY drive as settings.toml, then paste the DS18B20 ROMs the boot "
                 "screen shows into it and run hwc settings check again (docs/first-hour.md).\n")
    return 0
