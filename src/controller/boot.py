"""What runs once at start-up, and is forgotten again (``controller.once``): the controller's
state made (``Controller.__init__``) and the boot messages (version, settings errors, the
PCF8591, the 1-Wire scan with lines to paste into settings.toml). The counters read back from
nvm are controller.restore's.

Every module these use is loaded before they run (a module first loaded here would be
forgotten with this one while its objects live on).
"""

from controller import VERSION, milli, once
from controller.counters import _HEAD  # noqa: F401 - read here by tests, from before controller.restore


def controller(self, hw, settings, ticks_ms, log, derived):
    """``Controller.__init__`` (see controller.app): everything the tasks share."""
    import asyncio

    from controller import pump
    from controller.algorithm import create
    from controller.decision import AUTO
    from controller.log import Clock, Log
    from controller.protect import Protection
    from controller.sensors import NtcSensor, Probe

    self.hw = hw
    self.settings = settings
    self.clock = Clock(ticks_ms)
    self.log = log or Log(self.clock)
    if self.log.clock is None:
        self.log.clock = self.clock
    self.screen = getattr(hw, "screen", None)
    self.i2c_lock = asyncio.Lock()
    self.state_lock = asyncio.Lock()
    self.algorithm = create(settings)
    self.decision = self.algorithm.decision
    self._strategy = settings.control_strategy
    self.decision_ms = None  # ticks of the last decision
    self.cycler = pump.DutyCycler(milli(settings.pwm_period_s), self.clock.ticks_ms())
    self.pcf = None
    self.probe_bus = None
    self.pump_on = False
    self.pump_switches = 0
    self.pump_starts = 0
    self.readings = 0
    self.control_cycles = 0
    self.task_restarts = {}
    self.tasks = []
    self.boot_messages = []
    self.boot_errors = []  # those boot messages that report an error
    self.stale_reported = False
    self.i2c_errors = 0
    self._pcf_missing = False
    # Manual pump mode (set_manual): "auto", "manual" (at manual_duty_pct) or "off".
    self.manual_mode = AUTO
    self.manual_duty_pct = 0
    self.manual_until_s = None
    if derived is None:
        derived = once("settings", "derived", settings)
    table, self._table_error, probes = derived
    alpha = settings.ntc_smoothing
    period_ms = milli(settings.sensor_period_s)
    clear = -(-milli(settings.sensor_clear_s) // period_ms)  # readings, rounded up
    stuck_readings = milli(settings.stuck_h * 3600) // period_ms
    self.hot = NtcSensor("hot", "collector", settings.ntc_hot_channel, table, alpha, clear, stuck_readings)
    self.cold = NtcSensor("cold", "tank", settings.ntc_cold_channel, table, alpha, clear, stuck_readings)
    self.protection = Protection(settings, self.algorithm)
    self.probes = [Probe(name, rom, settings.probe_max_age_s) for name, rom in probes]
    # Services attached from outside once they exist; each is None while it is off or not
    # there yet, and every reader checks for None.
    self.link = None  # controller.net.link.Link: the ThingsBoard MQTT link (MQTT_BROKER set)
    self.wall = None  # controller.net.wall.Wall: the wall clock, once the network gives the time
    self.overrides = None  # {KEY: value}: settings overridden from ThingsBoard (controller.net.remote)
    self.heater_relay = None  # the immersion heater's relay output (HEATER_ENABLED, controller.main)
    self.heater = None  # controller.heater.task.Heater: the heater's state for the screen and telemetry
    self.keeper = None  # controller.recovery.Keeper: the persistent counters' keeper (start_tasks)
    self.counters = None  # controller.counters.Counters: the keeper's counters
    self.watch = None  # controller.health.Watch: feeds the hardware watchdog (WATCHDOG and a board with one)
    self.trend = None  # controller.screen.Trend: the trend page's history (the display task)

def boot(ctl):
    """Report the version and the settings, find the PCF8591 (pump off first), scan the 1-Wire
    bus and print the ROMs found in a form settings.toml takes."""
    say = ctl._boot_say
    say("solar-hwc %s on %s" % (VERSION, getattr(ctl.hw, "board_name", "an unknown board")))
    for error in ctl.settings.errors:
        say("settings: %s" % error, True)
    if ctl._table_error:
        say("settings: %s" % ctl._table_error, True)
    ctl.connect_pcf()
    found = ctl.scan_probes()
    if found is None:
        return
    say("DS18B20: %d found on %s" % (len(found), ctl.settings.onewire_pin))
    for line in paste_lines(ctl.probes, found):
        say(line)
    for probe in ctl.probe_bus.missing_configured():
        say("DS18B20 %s (%s) configured but not found" % (probe.name, probe.rom_hex), True)


def paste_lines(probes, found):
    """settings.toml lines for the ROMs ``found`` (hex), so a user can paste them."""
    lines = []
    seen = {}  # the configured ROMs
    for slot, probe in enumerate(probes, 1):
        if probe.rom_hex:
            seen[probe.rom_hex] = slot
    empty = [slot for slot, p in enumerate(probes, 1) if not p.rom_hex]  # slots without a ROM
    for slot, probe in enumerate(probes, 1):
        if probe.rom_hex in found:
            lines.append('PROBE%d_ROM = "%s"  # %s (configured)' % (slot, probe.rom_hex, probe.name))
    for rom in found:
        if rom in seen:
            continue
        if empty:
            slot = empty.pop(0)
            lines.append('PROBE%d_ROM = "%s"  # new: was %s? check by warming it' % (
                slot, rom, probes[slot - 1].name))
        else:
            lines.append('# "%s" found but all five probe slots are taken' % rom)
    return lines
