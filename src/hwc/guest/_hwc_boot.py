"""Guest side of ``hwc memory`` and its long run (see hwc/memory.py, hwc/memrun.py): the firmware
booted the way ``controller.main._run`` boots it (``controller.start.boot``), through the boot
path's public calls, one call per piece (the WebAssembly guest collects only between pieces), and
then run on the virtual clock (``_hwc_clock``): the asyncio loop jumps to its next timer instead
of waiting.

The order is main's: ``controller.start`` imported (forgotten again before the tasks start),
settings (the table forgotten after), the hardware, the override store and saved overrides
(network on), the Controller and its boot (``Controller.boot``: the pump control first), the link
(``make_link``), the heater task (``make_task``), the watchdog, then ``Controller.start``'s last
two steps (a first reading, ``start_tasks``) and the tasks running.
``S`` keeps what main's frames keep. The link and the heater are main's optional parts
(``start._part``): a MemoryError while one is made, or while the tasks start, drops one
(``main._drop``: the heater first) and the host's report shows ``DEGRADED`` with main's boot
message.

Hardware: ``real`` uses ``controller.hardware`` on the guest's stand-ins (board.I2C is a fake bus
with a PCF8591, board.D4 a fake 1-Wire bus with five DS18B20s, board.DISPLAY a displayio
stand-in that allocates what the board's C objects allocate); otherwise it is stubbed as in issue
12's reference figures: the same fake buses, the screen's code loaded but no screen object (no
display objects), no controller.hardware. The ESP32 is
``_hwc_net.Radio``: its socket pool reaches ``_hwc_net``'s broker and recorded HTTP answers (or,
in the long run, the real broker)."""

import _hwc_clock
import _hwc_net

S = {}
# path prefix -> file of a recorded answer under /lib/_hwc_http (written by hwc.memory.http_replies)
HTTP = {"/emeter/": "meter", "/v1/products/": "octopus", "/regional/intensity/": "carbon", "/estimate/": "forecast",
        "/input/": "emoncms"}
HTTP_DIR = ["/lib/_hwc_http/"]
BROKER_PORT = [1883]

_BASE = {"ONEWIRE_PIN": "D4", "PROBE3_NAME": "tank_top", "WATCHDOG": 1}  # five probes (board.D4)
_NET = {"CIRCUITPY_WIFI_SSID": "solar", "CIRCUITPY_WIFI_PASSWORD": "password1", "MQTT_BROKER": "127.0.0.1",
        "MQTT_TOKEN": "token-of-the-device", "TIME_SOURCE": "ntp"}
_HEATER = {"HEATER_ENABLED": 1, "HEATER_PIN": "D3", "HEATER_METER": "shelly1", "HEATER_METER_IP": "10,0,0,9",
           "HEATER_TARIFF": "greenest", "HEATER_CARBON_REGION": 13, "HEATER_PV_KWP": 4.0,
           "HEATER_EMONCMS_KEY": "0123456789abcdef0123456789abcdef"}
KINDS = {"default": (), "network": (_NET,), "heater": (_NET, _HEATER), "everything": (_NET, _HEATER, {"HA_DISCOVERY": 1})}


def jump(dt):
    """Replaces asyncio's wait for I/O: nothing to wait for but time, so time jumps."""
    _hwc_clock.advance(dt)


def _env(kind):
    import board
    from hwc.fakebus import rom_hex

    env = dict(_BASE)
    for part in KINDS[kind]:
        env.update(part)
    env["MQTT_PORT"] = BROKER_PORT[0]
    for i, dev in enumerate(board.D4.devices):
        env["PROBE%d_ROM" % (i + 1)] = rom_hex(dev.rom)
    return env


def settings(kind):
    import sys

    import asyncio
    from controller import forget

    asyncio.core._io_queue.wait_io_event = jump
    from controller import start  # noqa: F401 - main's boot path, loaded for the boot (forgotten in tasks())

    before = set(sys.modules)
    from controller.settings import derived, load  # inside the forget window, as controller.start._settings

    S["settings"] = load(_env(kind).get)
    S["derived"] = derived(S["settings"])  # as controller.start._settings: inside the forget window
    forget(before)
    S["extra"] = []


class _StubHw:
    board_name = "PyPortal Titano (hardware stubbed)"


def hardware(real):
    import board
    import microcontroller

    if real:
        from controller import hardware

        S["hw"] = hardware.Hardware(S["settings"].onewire_pin)
        return
    from controller.nvm import SliceStore
    from controller.screen import main  # noqa: F401 - code loaded (and the main page's)

    hw = _StubHw()
    hw.i2c = board.I2C()
    hw.onewire_pin = board.D4
    hw.screen = None
    hw.counter_store = SliceStore(microcontroller.nvm, len(microcontroller.nvm) - 2048, 1024)
    hw.reset_cause = "power_on"
    hw.watchdog = None
    S["hw"] = hw


def overrides():
    import microcontroller
    from controller.net import once
    from controller.nvm import SliceStore

    S["store"] = SliceStore(microcontroller.nvm, len(microcontroller.nvm) - 1024, 1024)
    S["saved"] = once("saved", "apply_saved", S["settings"], S["store"])


def controller():
    from controller.app import Controller

    ctl = Controller(S["hw"], S["settings"], derived=S.pop("derived"))
    S["ctl"] = ctl
    if "saved" in S:
        for message in S["saved"][2]:
            ctl.log.warn(message)


class _Radio:
    """Stands for controller.hardware where start's ``_network`` asks it for the ESP32: the
    guest's ``_hwc_net.Radio`` (kept in ``S["radio"]``, the long run turns its WiFi on)."""

    def __init__(self, pool, up):
        self.pool = pool
        self.up = up

    def EspRadio(self):  # noqa: N802 - controller.hardware's name
        S["radio"] = _hwc_net.Radio(self.pool, self.up)
        return S["radio"]

    @staticmethod
    def restart():
        raise RuntimeError("the guest does not restart")


def _part(name, pieces, make, *args):
    """start's ``_part``, and main's ``_drop`` after a MemoryError: at once, or with ``pieces``
    in the next piece (:func:`settle`: the WebAssembly guest collects only between pieces, the
    board before it raises MemoryError)."""
    from controller import start

    parts = S.setdefault("parts", [])
    S["drop"] = False  # the key made while there is room
    S["drop"] = not start._part(S["ctl"], parts, name, make, *args)
    if S["drop"] and not pieces:
        settle(True)
    elif not S["drop"]:
        _said(len(S["ctl"].boot_errors))


def settle(quiet=False):
    """The drop a failed ``_part`` left for this piece, if any; ``RUN-DONE`` (for the host's
    tick) unless ``quiet``."""
    from controller import main

    if S.get("drop"):
        S["drop"] = False
        said = len(S["ctl"].boot_errors)
        main._drop(S["ctl"], S["parts"], S)
        _said(said)
    if not quiet:
        print("RUN-DONE")


def _said(since):
    """``DEGRADED <message>`` for each part main dropped since ``since`` (the host's report
    shows them); ``S["extra"]``: the parts' tasks so far."""
    for text in S["ctl"].boot_errors[since:]:
        if text.startswith("not enough memory"):
            print("DEGRADED " + text)
    S["extra"] = [task for part in S.get("parts", ()) for task in part[2]]


def link(up, broker=None, pieces=False):
    """start's ``_network`` (``make_link``) with the radio's WiFi ``up`` or not; ``broker``:
    "real" for the real one; ``pieces``: see :func:`_part`."""
    from controller import start

    pool = None
    if broker == "real":
        import _hwc_sockets

        pool = _hwc_sockets.Pool()
    _part("network", pieces, start._network, S["ctl"], _Radio(pool, up), S["store"], S["saved"])


class _StubHardware:
    """Stands for controller.hardware where main's boot asks it for the heater's relay."""

    @staticmethod
    def heater_relay(pin):
        from digitalio import DigitalInOut

        import board

        return DigitalInOut(getattr(board, pin))


def heater(real, pieces=False):
    """start's own ``_heater``: its boot checks, the relay (``hardware.heater_relay`` when
    ``real``), ``make_task`` over the radio's pool; the sources answer from recorded replies.
    ``pieces``: see :func:`_part`."""
    from controller import main, start

    if real:
        from controller import hardware
    else:
        hardware = _StubHardware
    for prefix, name in HTTP.items():
        _hwc_net.replies[prefix] = HTTP_DIR[0] + name
    _part("heater", pieces, start._heater, S["ctl"], hardware)
    parts = S["parts"]
    if not S["drop"] and parts and parts[-1][0] == "heater":
        main._room(parts, S)  # as start.boot
        _said(len(S["ctl"].boot_errors))


def watchdog(real):
    if real:
        from controller import hardware

        S["hw"].watchdog = hardware.start_watchdog(S["settings"].watchdog_timeout_s)
    else:
        import microcontroller

        S["hw"].watchdog = microcontroller.watchdog


def boot():
    S["ctl"].boot()


def tasks():
    """main's ``_begin`` (``Controller.start`` after its boot): a first reading, then the
    supervised tasks (an optional part dropped if they do not fit); ``controller.start``
    forgotten first, as main forgets it before the tasks start."""
    import sys

    import asyncio
    from controller import forget, main

    before = set(sys.modules)
    before.discard("controller.start")
    forget(before)

    said = len(S["ctl"].boot_errors)
    asyncio.run(main._begin(S["ctl"], S.setdefault("parts", []), S))
    _said(said)
    S.pop("extra")


_until = [0]


def run_for(seconds):
    """Let the tasks run ``seconds`` of virtual time from now, by :func:`tick` (one wake-up of
    the event loop per call, so the host can collect between wake-ups, as the board's collector
    would when its heap fills)."""
    _until[0] = _hwc_clock.t[0] + int(seconds * 1000)


def tick(quiet=False):
    """One wake-up: the clock jumps to the next task's time (not past the end of ``run_for``),
    then every task due runs once. True (and ``RUN-DONE`` printed unless ``quiet``) when the
    time is up."""
    import asyncio
    from adafruit_ticks import ticks_diff, ticks_ms

    head = asyncio.core._task_queue.peek()
    left = _until[0] - _hwc_clock.t[0]
    if head is not None:
        dt = ticks_diff(head.ph_key, ticks_ms())
        if dt > left:
            _hwc_clock.advance(left)
            return _done(quiet)
        _hwc_clock.advance(dt)
    elif left > 0:
        _hwc_clock.advance(left)
    asyncio.run(_nop())
    told = S.setdefault("told", len(S["ctl"].boot_errors))
    if len(S["ctl"].boot_errors) > told:  # a part main dropped while running (main._room)
        S["told"] = len(S["ctl"].boot_errors)
        for text in S["ctl"].boot_errors[told:]:
            if text.startswith("not enough memory"):
                print("DEGRADED " + text)
    if _hwc_clock.t[0] >= _until[0]:
        return _done(quiet)
    return False


def _done(quiet):
    if not quiet:
        print("RUN-DONE")
    return True


async def _nop():
    """The main task of one wake-up: it ends 1 ms on, after every task due now has run."""
    import asyncio

    await asyncio.sleep(0.001)


def rpc(n=1, method="getStatus", params="{}"):
    """``n`` RPCs from ThingsBoard queued at the broker (the link handles them as it polls)."""
    base = 1000 + len(_hwc_net.inbox)
    for i in range(n):
        _hwc_net.deliver(b"v1/devices/me/rpc/request/%d" % (base + i),
                         '{"method":"%s","params":%s}' % (method, params))


def attributes(payload='{"MIN_DIFF_K":5.5,"TELEMETRY_PERIOD_S":10}'):
    _hwc_net.deliver(b"v1/devices/me/attributes", payload)


def outage(down):
    _hwc_net.down = down


def page(name):
    S["ctl"].screen.select(name)


# --- the import order (a discovery run with a large heap, see hwc.memory.import_order) ---------
order = []


def trace_imports():
    """Record every module in the order its import completes (a package before its submodules,
    a module after those it imports)."""
    import builtins
    import sys

    real = builtins.__import__
    seen = set(sys.modules)

    def traced(name, globals=None, locals=None, fromlist=None, level=0):
        module = real(name, globals, locals, fromlist, level)
        parts = name.split(".")
        names = [".".join(parts[:i + 1]) for i in range(len(parts))]
        for f in fromlist if isinstance(fromlist, (tuple, list)) else ():
            names.append(name + "." + f)
        for key in names:
            if key in sys.modules and key not in seen:
                seen.add(key)
                order.append(key)
        return module

    builtins.__import__ = traced


def mark(index):
    order.append("@%d" % index)


def show_order():
    import sys

    print("ORDER " + " ".join(order))
    print("RESIDENT " + " ".join(sorted(k for k in sys.modules)))


# --- display objects (hwc memory reports them per page) ------------------------------------


def _display_tree(root, skip):
    """(objects, bytes) of the display objects reachable from ``root``: those with a ``_c``
    buffer, each counted at what the board's C object allocates (``_board_bytes()``, see
    builtins/displayio.py), walked through group members and the objects' attributes; ``skip``
    holds ids not to count."""
    count = {}
    total = 0
    stack = [root]
    while stack:
        o = stack.pop()
        if id(o) in skip:
            continue
        skip.add(id(o))
        c = getattr(o, "_c", None)
        if isinstance(c, bytearray):
            name = type(o).__name__
            count[name] = count.get(name, 0) + 1
            size = getattr(o, "_board_bytes", None)
            total += size() if size is not None else len(c)
        d = getattr(o, "__dict__", None)
        if not d:
            continue
        for v in d.values():
            if isinstance(v, (list, tuple)):
                stack.extend(x for x in v if hasattr(x, "_c") or hasattr(x, "_members"))
            elif hasattr(v, "_c") or hasattr(v, "_members"):
                stack.append(v)
    return count, total


def display_report():
    """Prints ``DISPLAY <part> <bytes> <kind>=<n> ...`` for the screen's shared objects (the
    root group: banner, rows, the 3x line, the blank group) and each page with display objects
    of its own (objects counted once, where first met), then the total."""
    import terminalio

    screen = S["ctl"].screen
    skip = set()
    _display_tree(terminalio.FONT, skip)  # built in (flash) on the board
    parts = [(name, page.group) for name, page in sorted(screen.pages.items())]
    for _name, group in parts:  # the pages' own groups are counted as theirs, not as shared
        skip.add(id(group))
    count, shared = _display_tree(screen.root, skip)
    for _name, group in parts:
        skip.discard(id(group))
    print("DISPLAY shared %d %s" % (shared, " ".join("%s=%d" % kv for kv in sorted(count.items()))))
    grand = shared
    for name, group in parts:
        count, total = _display_tree(group, skip)
        grand += total
        print("DISPLAY %s %d %s" % (name, total, " ".join("%s=%d" % kv for kv in sorted(count.items()))))
    print("DISPLAY total %d" % grand)