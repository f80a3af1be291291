"""Deliberate restarts: what an uncaught exception (main.py), the reboot RPC and a safe mode
(CIRCUITPY/safemode.py) record in the nvm counters before the board restarts, and how long the
board waits first. Imported only then, so it costs no RAM while the controller runs.
"""

from controller.counters import Counters, clean_name

STREAK_MAX = 3  # crashes (safe modes) in a row that are still written and retried quickly
CRASH_DELAY_S = (10, 60)  # before the restart: within the streak, beyond it
SAFE_MODE_DELAY_S = (30, 600)


def _counters_for(ctl, store):
    """The live counters, or the saved ones (the crash came before they were attached)."""
    keeper = ctl.keeper if ctl is not None else None
    if keeper is not None:
        keeper.update()
        return keeper.counters, keeper.save
    c = Counters()
    state = "none"
    if store is not None:
        try:
            state = c.load(store.read())[0]
        except (OSError, RuntimeError, ValueError):
            state = "corrupt"

    def save(force=False):
        if store is None:
            return False
        try:
            store.write(c.encode())
        except (OSError, RuntimeError, ValueError):
            return False
        return True

    if state == "corrupt":
        c.count_fault("nvm_corrupt")
    return c, save


def after_crash(ctl, store):
    """An uncaught exception reached main.py: count it (the next boot counts cause "crash")
    and plan the restart. Returns (how, delay_s): "reload" (supervisor.reload) within the
    first STREAK_MAX crashes in a row, then "reset" (microcontroller.reset) after a longer wait.
    Written to nvm only within the streak, so a crash loop does not wear the flash."""
    c, save = _counters_for(ctl, store)
    c.crash_streak += 1
    c.count_fault("crash")
    within = c.crash_streak <= STREAK_MAX
    c.pending = "crash" if within else "crash_loop"
    if within:
        save(True)
    return ("reload", CRASH_DELAY_S[0]) if within else ("reset", CRASH_DELAY_S[1])


def before_restart(ctl, store, cause):
    """A restart asked for (the reboot RPC): counted as ``cause`` at the next boot."""
    c, save = _counters_for(ctl, store)
    c.pending = cause
    return save(True)


def after_safe_mode(store, reason):
    """safemode.py: record the safe-mode ``reason`` (a SafeModeReason name) and plan. Returns
    None to stay in safe mode (the user asked for it), else the delay before the reset into
    normal mode: short within the first STREAK_MAX safe modes in a row, then long."""
    reason = clean_name(reason)
    if reason in ("user", "programmatic", "none"):
        return None
    c, save = _counters_for(None, store)
    c.safe_streak += 1
    within = c.safe_streak <= STREAK_MAX
    c.count_fault("safe_mode")
    c.pending = clean_name("safe_" + reason)
    if within:
        save(True)
    return SAFE_MODE_DELAY_S[0] if within else SAFE_MODE_DELAY_S[1]
