"""The MicroPython harness: now the host module ``hwc.mpyguest`` (``hwc soak`` uses it too).
See its docstring for the guest path, the GC hazard and the API."""

from hwc.mpyguest import *  # noqa: F401,F403
from hwc.mpyguest import (  # noqa: F401 - the smoke tests use these directly
    GUEST_ROOT,
    MEMORY_TAG,
    REPO,
    SHIMS,
    SRC,
    _failure_message,
    _preamble,
    _run_wasi,
)
