"""The TFT: pages built once with displayio, updated when a value changes.

Pure parts (``fmt``, ``trend``, ``pager``) import nothing graphic. The page modules get the
graphics classes passed in as a ``gfx`` namespace (see ``controller.hardware.gfx``), so a PC
renders the same code through Blinka's displayio (``hwc screenshot``).
"""
