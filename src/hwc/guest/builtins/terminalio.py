"""Guest stand-in for CircuitPython's ``terminalio`` (hwc memory): FONT, the built-in 6 x 12 font."""

import fontio

FONT = fontio.BuiltinFont(6, 12)
