"""Deliberate restarts: what an uncaught exception (main.py: ``crashed``), the reboot RPC and a
safe mode (CIRCUITPY/safemode.py) record in the nvm counters before the board restarts, and how
long the board waits first. Imported only then, so it costs no RAM while the controller runs.
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


def crashed(hardware, state, exc):
    """``controller.main.run``'s last line of defence, after it switched the pump off: the
    traceback on the console and the screen, the crash counted (``after_crash``), the watchdog
    fed while the board waits, the pump off again, then the reload or the reset."""
    import time

    from controller.log import format_exception
    from controller.main import _pump_off

    hw = state["hw"]
    ctl = state["ctl"]
    text = format_exception(exc)
    print(text)
    store = getattr(hw, "counter_store", None) if hw is not None else None
    try:
        how, delay_s = after_crash(ctl, store)
    except Exception as exc2:  # noqa: BLE001 - the restart must happen whatever the counters do
        print("crash not counted: %s" % exc2)
        how, delay_s = "reset", CRASH_DELAY_S[1]
    screen = getattr(hw, "screen", None) if hw is not None else None
    if screen is not None:
        lines = ["CRASH: %s" % exc, "pump off; %s in %d s" % ("restarting" if how == "reload" else "resetting the board",
                                                               delay_s)]
        try:
            screen.show(lines + text.splitlines()[-6:], lines)
        except Exception:  # noqa: BLE001
            pass
    dog = getattr(hw, "watchdog", None) if hw is not None else None
    for _ in range(delay_s):
        if dog is not None:
            dog.feed()
        time.sleep(1)
    _pump_off(hardware, ctl, state["pcf_address"])
    if how == "reload":
        hardware.restart()
    else:
        hardware.hard_reset()
