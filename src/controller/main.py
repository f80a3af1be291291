"""Device entry point: ``controller.main.run()`` from code.py.

The boot path is ``controller.start`` (imported for the boot, forgotten before the tasks
start); what runs later stays here. The pump control comes first: the controller is built and
booted (``Controller.boot()``: the PCF8591 found and the pump off, the probes scanned) before
the optional parts are added on top of it, the network link and then the immersion heater. A
MemoryError while one of them is loaded or created, or while the tasks start, drops an optional
part and goes on: the heater first, then the network (the heater needs it); so does a
MemoryError that stops the heater's task before it ever ran. The dropped part's modules are
forgotten, the heater's relay stays off, and the boot page and the log say what was dropped and
what to turn off; the pump control runs without it.

An uncaught exception anywhere (building the controller, booting, a task's supervisor) ends
in ``run``'s handler: the pump off, then ``controller.restart.crashed`` (imported only then): the
traceback on the console and the screen, the crash counted
in the nvm counters (the next run counts its start as cause "crash"), then a restart into a
known state: ``supervisor.reload()`` for the first few crashes in a row, a full
``microcontroller.reset()`` after a longer wait when they keep coming (controller.restart).
The watchdog keeps being fed while the board waits, so it does not cut the wait short.
"""

import asyncio

from controller import pump
from controller.app import Controller

def run():
    from controller import hardware

    state = {"hw": None, "ctl": None, "pcf_address": 0x48}
    try:
        _run(hardware, state)
    except Exception as exc:  # noqa: BLE001 - last line of defence: pump off, count, restart
        _pump_off(hardware, state["ctl"], state["pcf_address"])
        from controller import restart

        restart.crashed(hardware, state, exc)


def _run(hardware, state):
    import sys

    from controller import forget, start

    ctl, parts = start.boot(hardware, state)  # the boot path, forgotten once it has run
    start = None
    before = set(sys.modules)
    before.discard("controller.start")
    forget(before)
    asyncio.run(_serve(ctl, parts, state))


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
    """Main's start-up, then the tasks run until an exception ends them, then the pump goes off
    (``Controller.stop``)."""
    await _begin(ctl, parts, state)
    try:
        while True:
            await asyncio.sleep(3600)
    finally:
        await ctl.stop()


def _pump_off(hardware, ctl, address):
    """Pump off through the controller's driver, else with raw bytes on the board's bus."""
    if ctl is None or not pump.off(ctl.pcf):
        hardware.pump_off_raw(address)


def _rebooter(ctl, hardware):
    """The link's reboot RPC (``controller.start`` makes the link): the pump off, the restart
    counted, then the restart."""

    def reboot():
        from controller import restart

        _pump_off(hardware, ctl, ctl.settings.pcf8591_address)  # before the restart
        restart.before_restart(ctl, ctl.hw.counter_store, "remote")
        hardware.restart()

    return reboot
