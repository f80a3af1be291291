"""The link's clock (``Wall``: monotonic ms and the wall clock) lives in ``link`` since issue
12 (one module fewer on the board: the link always loads it); this name stays for host code and
tests that import it from here. The board never imports this module."""

from controller.net.link import Wall  # noqa: F401 - re-exported

MIN_EPOCH_S = 1700000000  # Wall.set_epoch_ms refuses an earlier time: a clock that was never set
