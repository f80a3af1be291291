"""Test-harness shim: adafruit_requests imports TracebackType for annotations off CircuitPython."""

TracebackType = object
