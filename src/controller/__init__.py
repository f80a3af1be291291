"""Solar hot-water controller firmware for the Adafruit PyPortal Titano (CircuitPython 9/10).

Only ``controller.hardware`` touches the board; everything else gets its hardware passed in.
"""

VERSION = "0.1.0"
