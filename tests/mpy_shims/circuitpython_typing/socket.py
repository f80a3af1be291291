"""Test-harness shim: the names adafruit_connection_manager imports for annotations."""

CircuitPythonSocketType = InterfaceType = SocketpoolModuleType = SocketType = SSLContextType = object
