"""``hwc``: host tools for the solar hot-water controller."""

import argparse
import re
import sys
import textwrap

from controller import VERSION

# subcommand -> (module, one-line help); each module has add_arguments(parser) and run(args).
COMMANDS = {
    "replay": ("hwc.replay", "run a recorded temperature trace through the pump algorithm"),
    "deploy": ("hwc.deploy", "copy the firmware onto a mounted CIRCUITPY drive"),
    "settings": ("hwc.settings_cmd", "check a settings.toml, write a new one, or print the example"),
    "settings-example": ("hwc.settings_doc", "same as `hwc settings example`"),
    "simulate": ("hwc.simulate", "run the firmware against a simulated solar plant"),
    "bench": ("hwc.bench", "compare the pump control with on/off, proportional and an oracle"),
    "reliability": ("hwc.reliability", "fault injection: sensor faults, a pump that moves no water, a 14-day run"),
    "cost": ("hwc.costbench", "a year's hot-water cost and CO2: gas, solar, PV diversion, tariff rules"),
    "screenshot": ("hwc.screenshot", "render the TFT pages to PNG files through the device's screen code"),
    "thingsboard": ("hwc.tbexport", "write the ThingsBoard device profile (alarm rules) and dashboard JSON"),
    "net-tables": ("hwc.nettables", "regenerate the network link's compact settings table (controller/net/limits.py)"),
    "soak": ("hwc.soak", "run many control cycles on MicroPython and print the live heap"),
    "memory": ("hwc.memory", "the firmware's heap on a 32-bit 192 KB MicroPython heap, per configuration and module"),
}


_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`|``([^`]+)``")


def help_text(doc):
    """A module docstring as help text: reStructuredText roles and literals as plain words
    (``:class:`hwc.rig.Rig``` -> hwc.rig.Rig), ``Usage::`` as ``Usage:``."""
    text = _ROLE.sub(lambda m: m.group(1) or m.group(2), textwrap.dedent(doc).strip())
    return text.replace("::\n", ":\n")


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, except that a description keeps its layout: paragraphs are
    refilled to the terminal's width, a list (lines starting "* " or "- ") keeps one item per
    line, and indented lines (examples, tables) stay as written, one per line."""

    def _fill_text(self, text, width, indent):
        out = []
        for block in text.split("\n\n"):
            lines = block.splitlines()
            if lines and all(line[:1] in (" ", "\t") for line in lines):
                out.append("\n".join(indent + line for line in lines))
            elif lines and lines[0][:2] in ("* ", "- "):  # a list: each item refilled on its own
                items = []
                for line in lines:
                    if line[:2] in ("* ", "- ") or not items:
                        items.append(line)
                    else:
                        items[-1] += " " + line.strip()
                out.append("\n".join(textwrap.fill(" ".join(item.split()), width, initial_indent=indent,
                                                   subsequent_indent=indent + "  ") for item in items))
            else:
                out.append(textwrap.fill(" ".join(block.split()), width, initial_indent=indent,
                                         subsequent_indent=indent))
        return "\n\n".join(out)


def build_parser():
    import importlib

    parser = argparse.ArgumentParser(prog="hwc", description=__doc__, formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version="hwc " + VERSION)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (module_name, one_line) in COMMANDS.items():
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=one_line, description=help_text(module.__doc__ or one_line),
                           formatter_class=HelpFormatter)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args._run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
