"""Guest-only (memory test): the settings as ``controller.main.run`` reads them at boot: the
Settings object stays, the settings table it was checked against is forgotten."""

import sys

from controller import forget
from controller.settings import load

_before = set(sys.modules)
SETTINGS = load({}.get)
forget(_before)
del _before
