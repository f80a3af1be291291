"""Test-harness shim (see typing.py beside it)."""
