"""Settings tools: check a settings.toml, write a new one, print the documented example.

  hwc settings check FILE      validate FILE as the firmware will at boot (exit 0 ok, 1 errors, 2 unreadable)
  hwc settings new [-o FILE]   write a commented settings.toml, asking for WiFi, broker and token
  hwc settings example         print settings.toml.example (every setting, its default and range)
"""

import argparse
import importlib

# action -> (module, one-line help); each module has add_arguments(parser) and run(args).
ACTIONS = {
    "check": ("hwc.settings_check", "check a settings.toml before it goes onto the CIRCUITPY drive"),
    "new": ("hwc.settings_new", "write a commented settings.toml for a first install"),
    "example": ("hwc.settings_doc", "print settings.toml.example, generated from the settings table"),
}


def add_arguments(parser):
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    sub = parser.add_subparsers(dest="settings_action", metavar="ACTION")
    sub.required = True
    for name, (module_name, help_text) in ACTIONS.items():
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=help_text, description=(module.__doc__ or help_text).strip(),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(p)
        p.set_defaults(_settings_run=module.run)


def run(args):
    return args._settings_run(args)
