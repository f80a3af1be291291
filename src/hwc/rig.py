"""The firmware on a PC: the real device package, real Adafruit drivers, fake buses, and a
virtual clock. Tests, the simulator and replay-style tools build on this.

    rig = Rig({"PURGE_S": "0"})
    rig.set_ntc_c(hot_c=40, cold_c=20)
    rig.start()
    rig.run_for(60)             # a minute of firmware time, in milliseconds of wall time
    rig.ctl.decision.mode, rig.on_fraction(10, 60)
    rig.stop()
"""

import asyncio
from types import SimpleNamespace

from hwc import fakebus
from hwc.vloop import DEFAULT_TICKS_START, VirtualLoop

fakebus.install()  # adafruit_onewire gets its bus from our onewireio shim

from controller import settings as settings_mod  # noqa: E402
from controller.app import Controller  # noqa: E402
from controller.log import Log  # noqa: E402
from hwc.fakebus import FakeDs18b20, FakeI2C, FakeOneWire, FakePcf8591, rom_hex  # noqa: E402

PCF8591_ADDRESS = 0x48


class Rig:
    """:param env: settings as settings.toml would give them (key -> str or int)
    :param probes: how many DS18B20 to put on the bus (their ROMs go into the settings
        unless ``configure_probes`` is False)
    :param ticks_start_ms: the device tick counter at time 0 (near the wrap by default)
    :param hw_extra: more hardware attributes (``counter_store``, ``reset_cause``, ``watchdog``:
        see controller.recovery; hwc.fakeboard has fakes for them)
    """

    def __init__(self, env=None, probes=5, configure_probes=True, ticks_start_ms=DEFAULT_TICKS_START,
                 echo=False, hw_extra=None):
        self.loop = VirtualLoop(ticks_start_ms)
        self.i2c = FakeI2C(sleep=self.loop.advance)  # a hung bus blocks (virtual) time
        self.pcf = FakePcf8591(clock_s=self.loop.monotonic)
        self.i2c.attach(PCF8591_ADDRESS, self.pcf)
        self.onewire = FakeOneWire(clock_s=self.loop.monotonic)
        self.ds18 = []
        env = dict(env or {})
        for i in range(probes):
            device = FakeDs18b20(serial=0x100 + i, temp_c=20.0 + i)
            self.onewire.attach(device)
            self.ds18.append(device)
            if configure_probes:
                env.setdefault("PROBE%d_ROM" % (i + 1), rom_hex(device.rom))
        self.env = env
        self.settings = settings_mod.load(env.get)
        self.log_lines = []
        self.echo = echo
        self.hw = SimpleNamespace(i2c=self.i2c, onewire_pin=self.onewire, screen=None,
                                  board_name="PC rig", **(hw_extra or {}))
        asyncio.set_event_loop(self.loop)
        self.ctl = Controller(self.hw, self.settings, ticks_ms=self.loop.ticks_ms,
                              log=Log(out=self._log_out))
        self.table = self.ctl.hot.table

    def _log_out(self, line):
        self.log_lines.append(line)
        if self.echo:
            print(line)

    # --- the plant side -----------------------------------------------------------------
    def set_raw(self, hot_raw=None, cold_raw=None):
        if hot_raw is not None:
            self.pcf.set_raw(self.settings.ntc_hot_channel, hot_raw)
        if cold_raw is not None:
            self.pcf.set_raw(self.settings.ntc_cold_channel, cold_raw)

    def set_ntc_c(self, hot_c=None, cold_c=None):
        """Put the raw values the NTC table gives for these temperatures on the ADC inputs."""
        self.set_raw(None if hot_c is None else int(round(self.table.to_raw(hot_c))),
                     None if cold_c is None else int(round(self.table.to_raw(cold_c))))

    # --- running ------------------------------------------------------------------------
    def start(self, extra=()):
        self.loop.run_until_complete(self.ctl.start(extra))

    def run_for(self, seconds):
        self.loop.run_until_complete(asyncio.sleep(seconds))

    def stop(self):
        try:
            self.loop.run_until_complete(self.ctl.stop())
        finally:
            asyncio.set_event_loop(None)
            self.loop.close()

    @property
    def t_s(self):
        return self.loop.time()

    def on_fraction(self, t0_s, t1_s):
        """Fraction of [t0_s, t1_s] during which the pump output was on (from the DAC log)."""
        on = 0.0
        level = 0
        last_t = None
        for t, value in self.pcf.dac_log:
            if t > t1_s:
                break
            if last_t is not None and level:
                on += max(0.0, min(t, t1_s) - max(last_t, t0_s))
            last_t = t
            level = value
        if last_t is not None and level:
            on += max(0.0, t1_s - max(last_t, t0_s))
        return on / (t1_s - t0_s)

    def logged(self, text):
        return [line for line in self.log_lines if text in line]
