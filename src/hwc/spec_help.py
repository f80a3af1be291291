"""The meaning of every setting, read from the ``#:`` comment above its entry in the settings
tables (controller/settings_spec.py and the spec_*.py modules beside it).

The help texts live in comments so that they cost no RAM on the board; this module is how
the host tools (settings.toml.example, ``hwc settings``) get them back.
"""

import re

_ENTRY = re.compile(r'\s*\("([A-Z][A-Z0-9_]*)",')


def _modules():
    from controller import settings_spec, spec_heater, spec_net, spec_protect

    return (settings_spec, spec_protect, spec_net, spec_heater)


def help_texts():
    """{KEY: help text} for every entry that has a ``#:`` comment line (or lines) above it."""
    out = {}
    for module in _modules():
        with open(module.__file__, encoding="utf-8") as f:
            lines = f.read().splitlines()
        pending = []
        for line in lines:
            stripped = line.strip()
            if stripped.startswith("#:"):
                pending.append(stripped[2:].strip())
                continue
            match = _ENTRY.match(line)
            if match and pending:
                out[match.group(1)] = " ".join(pending)
            if not stripped.startswith("#"):
                pending = []
    return out


def help_for(key):
    """The help text of ``key``; KeyError if its entry has no ``#:`` comment."""
    texts = help_texts()
    if key not in texts:
        raise KeyError("setting %s has no '#:' help comment in its settings table" % key)
    return texts[key]
