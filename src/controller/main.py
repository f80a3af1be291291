"""Device entry point: ``controller.main.run()`` from code.py.

The pump control comes first: the controller is built and booted (``Controller.boot()``: the
PCF8591 found and the pump off, the probes scanned) before the optional parts are added on top
of it, the network link and then the immersion heater. A MemoryError while one of them is
loaded or created, or while the tasks start, drops an optional part and goes on: the heater
first, then the network (the heater needs it); so does a MemoryError that stops the heater's
task before it ever ran. The dropped part's modules are forgotten, the heater's relay stays
off, and the boot page and the log say what was dropped and what to turn off; the pump control
runs without it.

An uncaught exception anywhere (building the controller, booting, a task's supervisor) ends
in ``_crashed``: the traceback on the console and the screen, the pump off, the crash counted
in the nvm counters (the next run counts its start as cause "crash"), then a restart into a
known state: ``supervisor.reload()`` for the first few crashes in a row, a full
``microcontroller.reset()`` after a longer wait when they keep coming (controller.restart).
The watchdog keeps being fed while the board waits, so it does not cut the wait short.
"""

import asyncio
import time

from controller import pump
from controller.app import Controller
from controller.log import format_exception

def run():
    from controller import hardware

    state = {"hw": None, "ctl": None, "pcf_address": 0x48}
    try:
        _run(hardware, state)
    except Exception as exc:  # noqa: BLE001 - last line of defence: pump off, count, restart
        _crashed(hardware, state, exc)


def _settings(hardware):
    """The settings (with the overrides saved from ThingsBoard applied when the network is on),
    what the controller derives from them, the overrides' store and the saved overrides. Every
    module this imports is forgotten by the caller: nothing returned refers to one."""
    from controller.settings import derived, load

    settings = load(hardware.getenv)
    store = saved = None
    if settings.mqtt_broker:
        from controller.net import once

        store = hardware.override_store()
        saved = once("saved", "apply_saved", settings, store)  # before anything reads the settings
    return settings, derived(settings), store, saved


def _run(hardware, state):
    import sys

    from controller import forget

    before = set(sys.modules)
    settings, boot, store, saved = _settings(hardware)
    forget(before)  # the loader and the settings table (about 25 KB): back only per override, by the link
    state["pcf_address"] = settings.pcf8591_address
    hw = hardware.Hardware(settings.onewire_pin)
    state["hw"] = hw
    net_messages = saved[2] if saved is not None else ()
    ctl = Controller(hw, settings, derived=boot)
    state["ctl"] = ctl
    for message in net_messages:
        ctl.log.warn(message)
    ctl.boot()  # the pump control first, on the heap before the optional parts
    parts = []
    if settings.mqtt_broker and not _part(ctl, parts, "network", _network, ctl, hardware, store, saved):
        _drop(ctl, parts, state)
    if settings.heater_enabled:
        if not _part(ctl, parts, "heater", _heater, ctl, hardware):
            _drop(ctl, parts, state)
        elif parts and parts[-1][0] == "heater":
            _room(parts, state)
    if settings.watchdog:
        hw.watchdog = hardware.start_watchdog(settings.watchdog_timeout_s)
        if hw.watchdog is None:
            ctl.boot_messages.append("hardware watchdog unavailable: no automatic reset of a hung loop")
            ctl.log.error(ctl.boot_messages[-1])
    asyncio.run(_serve(ctl, parts, state))


def _part(ctl, parts, name, make, *args):
    """An optional part: ``make(*args)`` gives its tasks ([(name, task_fn)]), kept in ``parts``
    as (name, the modules loaded before it, tasks). False after a MemoryError: the caller drops
    it (``_drop``). A part that has no task (the ESP32 not answering, the heater without the
    network) keeps no module."""
    import sys

    from controller import forget

    parts.append((name, set(sys.modules), []))
    try:
        parts[-1][2].extend(make(*args))
    except MemoryError:
        return False
    if not parts[-1][2]:
        forget(parts.pop()[1])
    return True


def _drop(ctl, parts, state):
    """Drop the newest optional part: its objects let go (the heater's relay held off in
    ``state``), its modules forgotten, the heap collected; said on the boot page and in the log."""
    import gc

    from controller import forget

    name, before, tasks = parts.pop()
    del tasks[:]
    if name == "heater":
        state["relay"] = ctl.heater_relay  # held: the output stays driven off (None: never created)
        ctl.heater_relay = None
        ctl.heater = None
    else:
        ctl.link = ctl.wall = None
    forget(before)
    gc.collect()
    ctl._boot_say("not enough memory for the heater: element off (HEATER_ENABLED = 0 to boot without it)"
                  if name == "heater" else
                  "not enough memory for the network: network off (HA_DISCOVERY = 0, HEATER_ENABLED = 0 or a smaller"
                  " TELEMETRY_BUFFER_KB leave it room)", True)


def _room(parts, state):
    """The heater's task (the newest part) in a task that drops the heater (``_drop``) when a
    MemoryError stops it before it ever ran (its state never built, the relay never closed);
    a later error is the supervisor's (the task turns the relay off and is restarted)."""
    task = [parts[-1][2][0][1]]

    async def heater(ctx):
        try:
            return await task[0](ctx)
        except MemoryError:
            if ctx.heater is not None or parts[-1][0] != "heater":
                raise
        task[0] = None
        await asyncio.sleep(0.1)  # what the failed run made is garbage by now (a wake-up later)
        _drop(ctx, parts, state)
        while True:  # nothing left to run: the supervisor would only restart this
            await asyncio.sleep(3600)

    parts[-1][2][0] = ("heater", heater)


async def _begin(ctl, parts, state):
    """``Controller.start`` after its boot: a first reading, then the tasks; a MemoryError
    drops an optional part, cancels what was started and tries again (the counters are read
    back from nvm each time, so this run is counted once)."""
    await ctl.read_ntcs()
    while True:
        extra = []
        for part in parts:
            extra += part[2]
        try:
            return ctl.start_tasks(extra)
        except MemoryError:
            if not parts:
                raise
        for task in ctl.tasks:
            task.cancel()
        ctl.tasks = []
        _drop(ctl, parts, state)


async def _serve(ctl, parts, state):
    """``Controller.run`` with main's start-up: the tasks run until an exception ends them, then
    the pump goes off (``Controller.stop``)."""
    await _begin(ctl, parts, state)
    try:
        while True:
            await asyncio.sleep(3600)
    finally:
        await ctl.stop()


def _crashed(hardware, state, exc):
    from controller import restart

    hw = state["hw"]
    ctl = state["ctl"]
    text = format_exception(exc)
    print(text)
    _pump_off(hardware, ctl, state["pcf_address"])
    store = getattr(hw, "counter_store", None) if hw is not None else None
    try:
        how, delay_s = restart.after_crash(ctl, store)
    except Exception as exc2:  # noqa: BLE001 - the restart must happen whatever the counters do
        print("crash not counted: %s" % exc2)
        how, delay_s = "reset", restart.CRASH_DELAY_S[1]
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


def _pump_off(hardware, ctl, address):
    """Pump off through the controller's driver, else with raw bytes on the board's bus."""
    if ctl is None or not pump.off(ctl.pcf):
        hardware.pump_off_raw(address)


def _network(ctl, hardware, store, saved):
    """The link task, or none (logged) if the ESP32 does not answer."""
    import gc

    from controller.net.link import make_link

    def reboot():
        from controller import restart

        _pump_off(hardware, ctl, ctl.settings.pcf8591_address)  # before the restart
        restart.before_restart(ctl, ctl.hw.counter_store, "remote")
        hardware.restart()

    try:
        radio = hardware.EspRadio()
    except (OSError, RuntimeError, ValueError, TimeoutError) as exc:
        ctl.boot_messages.append("ESP32 not answering (%s): network off" % exc)
        ctl.log.error(ctl.boot_messages[-1])
        return []
    link = make_link(ctl, radio, store, saved, reboot=reboot, mem_free=getattr(gc, "mem_free", None))
    return [("link", link.task)]


def _heater(ctl, hardware):
    """The heater task (HEATER_ENABLED=1) over the link's radio, or none, said at boot. A pin
    clash with the 1-Wire bus never creates the relay; without the network the relay is held
    off (``ctl.heater_relay``) and the task does not run."""
    import sys

    from controller import forget

    before = set(sys.modules)
    from controller.heater import check

    s = ctl.settings
    for _keys, text in check.problems(s):
        ctl._boot_say("heater: " + text, error=True)
    clash = check.pin_clash(s)
    check = None
    forget(before)
    if clash:
        return []
    try:
        ctl.heater_relay = hardware.heater_relay(s.heater_pin)
    except (ValueError, RuntimeError, OSError) as exc:  # e.g. "D3 in use"
        ctl._boot_say("heater: relay on %s unavailable (%s): heater disabled" % (s.heater_pin, exc), error=True)
        return []
    link = ctl.link
    if link is None:
        if s.mqtt_broker:  # else check.problems said it
            ctl._boot_say("heater: needs the network (MQTT_BROKER and WiFi), which is off: element off", error=True)
        return []
    from controller.heater.task import make_task

    return [("heater", make_task(ctl.heater_relay, link.radio.pool, link.radio.ssl_context))]
