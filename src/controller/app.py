"""The controller: boot, shared state, locks and supervised tasks.

Hardware comes in from outside (``controller.hardware`` on the board, fakes or the
simulator on a PC) as an object with:

- ``i2c``: a busio.I2C (or look-alike) with the PCF8591 on it
- ``onewire_pin``: the pin the DS18B20 bus is on (adafruit_onewire makes the bus from it)
- ``screen``: None, or a ``controller.screen.Screen`` (or anything with
  ``show(lines, errors)`` for the boot messages; ``update(ctx, now_ms)`` is called once a
  second by the display task when it has one)
- ``board_name``: words for the log and telemetry
"""

import asyncio

from adafruit_ticks import ticks_diff

from controller import milli, once, pump, recovery, tasks
from controller.algorithm import create  # noqa: F401 - loaded here to stay (controller.boot and .change use it)
from controller.decision import AUTO, ERROR_MODES, IDLE, MANUAL, NO_FLOW, PURGE, RUNNING, TUBE_KICK
from controller.log import Clock, Log  # noqa: F401 - loaded here, made by controller.boot's controller()
from controller.sensors import NtcSensor, Probe, ProbeBus  # noqa: F401 - as Clock and Log




class Controller:
    """Everything the tasks share.

    :param hw: the hardware (see the module docstring)
    :param settings: a validated ``Settings`` (``controller.settings.load``)
    :param ticks_ms: millisecond tick source; ``adafruit_ticks.ticks_ms`` by default
    :param log: a ``Log``; one printing to the console by default
    :param derived: what the settings loader derives at boot (``controller.settings.derived``:
        the NTC table, its error, the probe slots); derived here when not given. The board's
        ``main.run`` derives it at boot, so that the loader is forgotten before this runs.
    """

    # Every attribute, and every service the controller can have (link, wall, overrides,
    # heater_relay, heater, keeper, counters, watch, trend: each None while it is off), is set in
    # ONE place: controller.boot.controller, run once by __init__ from a module that is forgotten
    # afterwards (its code is needed once: about 1 KB of the board's heap).

    def __init__(self, hw, settings, ticks_ms=None, log=None, derived=None):
        from controller.protect import Protection  # noqa: F401 - loaded to stay (once() forgets what it loads)

        once("boot", "controller", self, hw, settings, ticks_ms, log, derived)  # its attributes: controller.boot

    # --- boot -------------------------------------------------------------------------
    def _boot_say(self, text, error=False):
        if len(self.boot_messages) >= 24:  # the boot messages kept
            self.boot_messages.pop(0)
        self.boot_messages.append(text)
        if error:
            self.boot_errors.append(text)
            self.log.error(text)
        else:
            self.log.info(text)
        if self.screen is not None:
            self.screen.show(self.boot_messages[-12:], self.boot_errors)

    def boot(self):
        """Report settings, find the PCF8591 (pump off first), scan the 1-Wire bus and print
        what it found (controller.boot: it runs once)."""
        once("boot", "boot", self)

    def connect_pcf(self):
        """Find the PCF8591 and switch the pump off; False if it is not there (logged once per
        outage: the sensor task retries every reading)."""
        from adafruit_pcf8591.pcf8591 import PCF8591

        address = self.settings.pcf8591_address
        try:
            pcf = PCF8591(self.hw.i2c, address)
            pcf.dac_enabled = True  # enables the output at 0: pump off
        except (OSError, ValueError, RuntimeError) as exc:
            self.pcf = None
            if not self._pcf_missing:
                self._pcf_missing = True
                self._boot_say("PCF8591 not found at 0x%02x (%s): check the I2C wiring" % (address, exc), True)
            return False
        self.pcf = pcf
        self._boot_say("PCF8591 found at 0x%02x; pump off" % address
                       + (" (again)" if self._pcf_missing else ""))
        self._pcf_missing = False
        return True

    def scan_probes(self):
        """Scan the 1-Wire bus (made on first use) and attach the configured probes found.
        Returns the ROMs found (hex), or None if the bus or the scan failed (said on the boot
        screen)."""
        if self.probe_bus is None:
            try:
                from adafruit_onewire.bus import OneWireBus

                self.probe_bus = ProbeBus(OneWireBus(self.hw.onewire_pin), self.probes)
            except (OSError, RuntimeError, ValueError, TypeError) as exc:
                self._boot_say("1-Wire bus unavailable (%s)" % exc, True)
                return None
        try:
            found = self.probe_bus.scan()
            self.probe_bus.ensure_resolution(12)
        except (OSError, RuntimeError) as exc:
            self._boot_say("1-Wire scan failed: %s" % exc, True)
            return None
        return found

    # --- I/O used by the tasks ----------------------------------------------------------
    async def read_ntcs(self):
        """Read both NTCs through the PCF8591 under the I2C lock, then publish them."""
        raws = [None, None]
        error = None
        async with self.i2c_lock:
            if self.pcf is None and not self.connect_pcf():
                error = "PCF8591 not found"
            else:
                try:
                    raws[0] = self.pcf.read(self.hot.channel)
                    raws[1] = self.pcf.read(self.cold.channel)
                except (OSError, RuntimeError) as exc:
                    self.i2c_errors += 1
                    error = "I2C error (%s)" % exc
        async with self.state_lock:
            for sensor, raw in ((self.hot, raws[0]), (self.cold, raws[1])):
                fault = sensor.fault  # before this reading
                if raw is None:
                    sensor.feed_error(error)
                else:
                    sensor.feed_raw(raw)
                if sensor.fault != fault:
                    if sensor.fault is None:
                        self.log.info("%s sensor reads again: %.1f C" % (sensor.label, sensor.value_c))
                    else:
                        self.log.error("%s sensor fault: %s (raw %s)" % (sensor.label, sensor.fault, sensor.raw))

    def fault_text(self):
        parts = []
        for sensor in (self.hot, self.cold):
            if sensor.fault is not None:
                parts.append(sensor.fault_text())
        return ", ".join(parts)

    def set_manual(self, mode, duty_pct=0, timeout_s=None):
        """Manual pump mode: AUTO, MANUAL at ``duty_pct`` or OFF, back to AUTO after
        ``timeout_s`` (None: until changed). Safety modes (fault, overheat, cool-off) still
        win over it. Raises ValueError for a bad mode or duty; nothing changes then
        (controller.change: loaded for the call)."""
        once("change", "set_manual", self, mode, duty_pct, timeout_s)

    def control_once(self):
        """One control cycle: the algorithm on the current readings, plant protection, then a
        manual mode (set_manual)."""
        if self.settings.control_strategy != self._strategy:  # a ThingsBoard override changed it
            once("change", "switch_strategy", self)
        was_mode = self.decision.mode
        was_duty = self.decision.duty_pct
        hot_c = self.hot.value_c
        cold_c = self.cold.value_c
        fault = self.fault_text() if hot_c is None or cold_c is None else ""
        now_s = self.clock.now_s()
        decision = self.algorithm.update(hot_c, cold_c, now_s, fault)
        s = self.settings
        self.protection.apply(decision, self.probe_value(s.panel_probe), self.probe_value(s.tank_top_probe),
                              self.local_min(), self.probe_value(s.flow_probe))
        if self.manual_mode != AUTO:
            if self.manual_until_s is not None and now_s >= self.manual_until_s:
                self.manual_mode = AUTO
                self.manual_until_s = None
                self.log.info("manual pump mode timed out: auto again")
            # The only modes a manual setting overrides: every safety rule (fault, overheat,
            # cool-off and each plant protection) comes first.
            elif decision.mode in (IDLE, RUNNING, PURGE, TUBE_KICK) and not (
                    self.manual_mode == MANUAL and self.protection.refuse_manual(decision)):
                decision.mode = self.manual_mode
                decision.duty_pct = self.manual_duty_pct
        self.decision_ms = self.clock.ticks_ms()
        self.control_cycles += 1
        if decision.duty_pct > 0 and was_duty == 0:
            self.pump_starts += 1
        if decision.mode != was_mode or self.control_cycles == 1:
            if decision.mode in ERROR_MODES:
                self.log.error(decision.reason)
            elif decision.mode == NO_FLOW:
                self.log.warn(decision.reason)
            else:
                self.log.info(decision.reason)
        return decision

    def probe_value(self, name):
        """The reading of the DS18B20 probe called ``name``, C; None if none or no value."""
        if name:
            for probe in self.probes:
                if probe.name == name:
                    return probe.value_c
        return None

    def local_min(self):
        """Local minutes since midnight (controller.localtime: TIME_UTC_OFFSET_MIN and summer time
        by TIME_ZONE_RULE), None while the wall clock is unknown."""
        wall = self.wall
        epoch_s = wall.epoch_s() if wall is not None else None
        if epoch_s is None:
            return None
        from controller.localtime import local_min  # loaded once the wall clock is known

        return local_min(self.settings, epoch_s) % 1440

    def effective_duty_pct(self):
        """The duty the pump drive should apply: 0 if the decision is missing or stale."""
        if self.decision_ms is None:
            return 0
        ms = ticks_diff(self.clock.ticks_ms(), self.decision_ms)  # the decision's age
        if ms > milli(self.settings.decision_max_age_s):
            if not self.stale_reported:
                self.stale_reported = True
                self.log.error("control decision %d s old: pump stopped until control resumes" % (ms // 1000))
            return 0
        self.stale_reported = False
        return self.decision.duty_pct

    # --- supervision --------------------------------------------------------------------
    async def supervise(self, name, fn):
        """Run ``fn(self)`` forever: a crash is logged with its traceback and counted
        (``_ended``), and the task restarts after 1 s, the pump's drive after 0.1 s. The crash
        is handled outside this coroutine, so that its frame (one per task, alive as long as the
        task) stays small: one handler level, no delay argument (96 bytes, was 128)."""
        self.task_restarts[name] = 0
        while True:
            try:
                await fn(self)
                self._ended(name, None)
            except Exception as exc:  # noqa: BLE001 - every crash is logged and survived
                self._ended(name, exc)
            await asyncio.sleep(0.1 if fn is pump.task else 1.0)

    def _ended(self, name, exc):
        """The supervised task ``name`` ended: ``exc`` the exception that ended it, None if it
        returned; logged and counted."""
        if exc is None:
            self.log.error("task %s returned; restarting it" % name)
        else:
            try:
                self.log.exception("task %s crashed" % name, exc)
            except MemoryError:  # no room for the traceback: the task must still come back
                print("task crashed; no memory for its traceback:", name)
        self.task_restarts[name] += 1

    def start_tasks(self, extra=()):
        """Create the supervised tasks; ``extra`` adds (name, task_fn) pairs. A crashed task
        restarts after 1 s, the pump's drive after 0.1 s."""
        extra = ([("sensors", tasks.sensor_task), ("control", tasks.control_task), ("pump", pump.task),
                  ("display", tasks.display_task)]
                 + recovery.attach(self) + list(extra))  # the counters and the watchdog's feeder
        for name, fn in extra:
            self.tasks.append(asyncio.create_task(self.supervise(name, fn)))

    async def start(self, extra=()):
        """Boot, take a first reading and start the tasks; returns at once."""
        self.boot()
        await self.read_ntcs()
        self.start_tasks(extra)

    async def stop(self):
        """Cancel the tasks and switch the pump off."""
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
        self.tasks = []
        if self.pcf is not None:
            from controller import pump

            if pump.off(self.pcf):
                self.pump_on = False
            else:
                self.log.error("could not switch the pump off")
        keeper = self.keeper
        if keeper is not None:  # a clean stop saves the counters
            keeper.update()
            keeper.save()
