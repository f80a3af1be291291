"""``hwc COMMAND --help``: the examples a command's help shows are accepted as written, and
they keep their lines (argparse's default formatter folds a description into one paragraph)."""

import re
import shlex

import pytest

from hwc import cli


def _examples(text):
    """The example command lines of a help text: indented lines starting with 'hwc ', up to
    the comment or description after two spaces; a synopsis ('[-o FILE]') is not an example."""
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if line[:1] == " " and stripped.startswith("hwc "):
            command = re.split(r"\s{2,}", stripped)[0]
            if "[" not in command and "|" not in command:
                out.append(shlex.split(command))
    return out


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_every_help_example_parses(command, capsys):
    parser = cli.build_parser()
    with pytest.raises(SystemExit) as done:
        parser.parse_args([command, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert ":class:" not in text and "``" not in text and "Usage::" not in text
    for argv in _examples(text):
        if argv[1] != command:
            continue  # a pointer to another command
        try:
            parser.parse_args(argv[1:])
        except SystemExit as exc:  # argparse rejects it: the help shows a wrong example
            raise AssertionError("hwc %s --help shows %r, which hwc rejects: %s"
                                 % (command, " ".join(argv), capsys.readouterr().err)) from exc


def test_examples_keep_their_lines(capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["screenshot", "--help"])
    text = capsys.readouterr().out
    examples = _examples(text)
    assert len(examples) == 3, text
    assert ["hwc", "screenshot", "--page", "trend", "--scenario", "collector-fault", "-o", "trend.png"] in examples
    assert ["hwc", "screenshot", "--all", "docs/screens"] in examples


def test_a_list_in_a_help_keeps_one_item_per_line(capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["bench", "--help"])
    lines = capsys.readouterr().out.splitlines()
    items = [line for line in lines if line.startswith("* ")]
    assert [item.split(":")[0] for item in items] == ["* seed", "* onoff", "* proportional", "* burst", "* greedy"]
    assert not any(" * " in line for line in lines)  # no item folded into the one before
