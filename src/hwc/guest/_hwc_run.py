"""The long run's driver (hwc.memrun), on MicroPython's unix port (GC on, ``-X heapsize``).

Started as ``micropython _hwc_run.py JOB.json``. Before the baseline it does what the
WebAssembly runner does (hwc/memnode.mjs): compile the frozen libraries into the bottom of the
heap (``_hwc_flash``), import the test equipment, fill the holes those left, so that the free
heap is one block at the top. Then it plays the job's plan: main's boot path through
``_hwc_boot`` (one sample after each call), and runs of the event loop on the virtual clock,
one wake-up at a time, with a sample after every wake-up: ``gc.collect()`` then
``micropython.mem_info()`` and ``micropython.qstr_info()``, printed after a line
``M <sample> <virtual ms> <what ran>`` for the host to read. The collection is the only thing
the driver adds between wake-ups; the board's collector runs when an allocation fails.

Requests to the host are lines starting ``?`` (the driver then reads the answer from stdin):
``?fill`` (how many one-block objects fill the holes of the baseline), ``?rpc N``,
``?attrs JSON``, ``?down``, ``?up``. The driver's own objects (the plan, the
labels) are made before the baseline or are garbage by the next sample."""

import gc
import sys

import micropython

_S = {"n": 0, "phase": "boot", "errors": 0}


def ask(line):
    print("?" + line)
    return sys.stdin.readline().strip()


def sample(what):
    gc.collect()
    print("M", _S["n"], _hwc_clock.t[0] - _hwc_clock.START_MS, _S["phase"], "|", what)
    micropython.mem_info()
    micropython.qstr_info()
    _S["n"] += 1


def baseline(job):
    import json  # noqa: F401 - loaded already (the job), kept so the baseline includes it

    import _hwc_flash

    tree = job["tree"]
    for name, path in job["flash"]:
        _hwc_flash.load(name, tree + "/" + path)
    for name in job["equipment"]:
        __import__(name)
    for _ in range(8):
        gc.collect()
        micropython.mem_info()
        blocks = int(ask("fill"))
        if blocks <= 2:
            break
        _hwc_flash.fill(blocks)


_hwc_clock = None
_hwc_boot = None


def _names():
    """Task index -> name, as Controller.start_tasks made them."""
    ctl = _hwc_boot.S["ctl"]
    extra = _S["extra"]
    core = ["sensors", "control", "pump", "display"]
    n = len(ctl.tasks)
    middle = n - len(core) - len(extra)
    return core + ["recovery"] * middle + extra


def run(seconds, until=None):
    """The event loop for ``seconds`` of virtual time (or until ``until()`` is true), one
    wake-up per step, a sample after each."""
    import _hwc_net
    import asyncio

    B = _hwc_boot
    ctl = B.S["ctl"]
    names = _names()
    B.run_for(seconds)
    while True:
        head = asyncio.core._task_queue.peek()
        who = "-"
        if head is not None:
            for i, t in enumerate(ctl.tasks):
                if t is head:
                    who = names[i]
        done = B.tick(quiet=True)
        gets = _hwc_net.http_gets
        if gets:
            who = who + " fetch " + " ".join(_source(p) for p in gets)
            gets.clear()
        pcf = _board_pcf()
        if pcf is not None:
            pcf.dac_log.clear()  # the fake DAC's record (test equipment) is not the firmware's
        sample(who)
        if done or (until is not None and until()):
            return


def _task_died(loop, context):
    """CircuitPython's asyncio prints an exception that ended a task with its traceback
    (``exc.__traceback__``, which this port's exceptions lack): printed the same way here."""
    print("TASK-DIED", context.get("message", ""))
    sys.print_exception(context["exception"])


def _source(path):
    for prefix, name in _hwc_boot.HTTP.items():
        if path.startswith(prefix):
            return name
    return "?"


def _board_pcf():
    import board

    bus = board._i2c
    return None if bus is None else bus._devices.get(0x48)


def online():
    link = _hwc_boot.S["ctl"].link
    return link is not None and link.state == "online"


def replayed():
    link = _hwc_boot.S["ctl"].link
    return online() and link.points.count == 0


def main():
    global _hwc_clock, _hwc_boot
    import json

    f = open(sys.argv[1])
    job = json.load(f)
    f.close()
    baseline(job)
    import _hwc_boot as B
    import _hwc_clock as C
    import _hwc_sockets

    _hwc_boot = B
    _hwc_clock = C
    B.HTTP_DIR[0] = job["tree"] + "/_hwc_http/"
    B.BROKER_PORT[0] = job["broker_port"]
    _hwc_sockets.BROKER[0] = ("127.0.0.1", job["broker_port"])
    import asyncio

    asyncio.get_event_loop().set_exception_handler(_task_died)
    plan = job["plan"]
    only_baseline = job["only_baseline"]
    job = None
    gc.collect()
    _S["phase"] = "baseline"
    sample("-")
    if only_baseline:
        print("DONE")
        return
    for step in plan:
        kind = step[0]
        _S["phase"] = step[1]
        if kind == "boot":
            if step[2] == "tasks":
                _S["extra"] = [name for name, _fn in B.S["extra"]]
            getattr(B, step[2])(*step[3])
            sample(step[2])
        elif kind == "import":
            __import__(step[2])
            sample("import " + step[2])
        elif kind == "run":
            run(step[2])
        elif kind == "until":
            run(step[2], {"online": online, "replayed": replayed}[step[3]])
        elif kind == "host":
            answer = ask(step[2])
            if answer != "ok":
                print("HOST-ERROR", answer)
            _hwc_sockets.grace()
        elif kind == "radio":
            B.S["radio"].up = step[2]
        elif kind == "page":
            B.page(step[2])
        elif kind == "call":
            getattr(B, step[2])()
        elif kind == "mark":
            print("MARK")
        elif kind == "status":
            link = B.S["ctl"].link
            print("STATUS", json.dumps({
                "connects": link.mqtt_connects, "sent": link.messages_sent, "buffered": link.buffered,
                "dropped": link.dropped, "state": link.state, "inbox_lost": link.inbox_lost,
                "restarts": B.S["ctl"].task_restarts, "sockets": _hwc_sockets.stats,
                "uptime_s": B.S["ctl"].clock.now_s()}))
    print("DONE")


try:
    main()
except MemoryError as exc:
    print("GUEST-MemoryError at", _S["phase"])
    sys.print_exception(exc)
    sys.exit(3)
except Exception as exc:  # noqa: BLE001 - reported to the host with its traceback
    print("GUEST-ERROR at", _S["phase"])
    sys.print_exception(exc)
    sys.exit(2)
