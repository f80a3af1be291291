"""Guest-only (memory test): the settings as ``controller.main.run`` reads them at boot: the
Settings object and what the controller derives from it (the NTC table, the probe slots) stay;
the loader and the settings table it checked against are forgotten."""

import sys

from controller import forget

_before = set(sys.modules)
from controller.settings import derived, load  # noqa: E402

SETTINGS = load({}.get)
DERIVED = derived(SETTINGS)
derived = load = None
forget(_before)
del _before
