"""The heater task: polls the meter and the tariff, carbon and forecast sources, runs the
decision core, drives the contactor relay and publishes ``ctx.heater``.

Add it with ``Controller.start_tasks(extra=[("heater", make_task(relay, session))])`` when
HEATER_ENABLED is 1. ``relay`` has a boolean ``value`` (a digitalio output on the board, a
fake on a PC); ``session`` is an ``adafruit_requests.Session``. HTTP calls block the loop for
at most a few seconds each (HEATER_HTTP_TIMEOUT_S), so at most one slow source is fetched per
poll besides the meter.
"""

import asyncio

from controller.heater import drop, http
from controller.heater.core import HeaterCore, Inputs
from controller.heater.slots import DAY_MIN, EPOCH_2000_S, TZ, SlotTable, utc_offset_min

# Pump modes in which the element stays off: the tank is, or is being made, hot enough (seed 004
# and the plant protections of controller/protect.py). A pump lockout or a frost run does not
# block it: with the solar loop out of action the element is what heats the water.
from controller.decision import SHED_MODES as BLOCK_MODES
_RETRY_S = 600  # after a failed fetch
_FORECAST_S = 3 * 3600
_CARBON_S = 2 * 3600
POLL_S = 10  # meter poll and decision period
TIMEOUT_S = 4.0  # per HTTP request (adafruit_requests may try twice)


class Heater:
    """``ctx.heater``: state ("on", "off"), reason, price_p_kwh, grid_w, element_w, plus
    ``errors`` (source -> last failure, "" when fine) for the screen and telemetry."""

    def __init__(self, ctx, relay, session, bases=None, timeout_s=TIMEOUT_S):
        self.ctx = ctx
        self.relay = relay
        self.session = session
        self.bases = bases or {}
        self.timeout_s = timeout_s
        s = ctx.settings
        self.core = HeaterCore(s, ctx.clock.now_s())
        self.inp = Inputs()
        self.prices = SlotTable(100)
        self._spare = SlotTable(100)  # the next price table is read into this one
        self.carbon = None  # SlotTable, made at the first carbon fetch (HEATER_TARIFF greenest)
        self.forecast = None  # slots.Forecast, made at the first forecast fetch (HEATER_PV_KWP)
        self.next_s = {"prices": 0, "carbon": 0, "forecast": 0, "emoncms": 0}
        self.errors = {}
        self.backlog = []
        self.state = "off"
        self.reason = "starting"
        self.price_p_kwh = None
        self.grid_w = None
        self.element_w = 0
        self.switches = 0
        self._set_relay(False)

    def _set_relay(self, on):
        self.relay.value = bool(on)

    def _report(self, source, err):
        """Log a source's failure once, and its recovery."""
        was = self.errors.get(source, "")
        self.errors[source] = err or ""
        if err and err != was:
            self.ctx.log.warn("heater: %s: %s" % (source, err))
        elif not err and was:
            self.ctx.log.info("heater: %s answers again" % source)

    def _timeout(self):
        return self.timeout_s

    # --- sources ---------------------------------------------------------------------------
    def poll_meter(self):
        s = self.ctx.settings
        inp = self.inp
        if s.heater_meter == "none":
            inp.grid_w = None
            return
        from controller.heater import src_meter  # kept: polled every POLL_S

        url = src_meter.meter_url(s, self.bases.get("meter"))
        if url is None:
            inp.grid_w, inp.grid_why = None, "HEATER_METER_IP is not 4 numbers"
            self._report("meter", inp.grid_why)
            return
        h = src_meter.Grid(s.heater_meter, s.heater_meter_channel)
        err = http.get_json(self.session, url, h, self._timeout())
        self._report("meter", err)
        if err:
            inp.grid_w, inp.grid_why = None, err
        else:
            inp.grid_w = -h.w if s.heater_meter_invert else h.w

    def fetch_prices(self, utc):
        """Read the prices from now for two days (all pages); the old table stays in use
        unless the new one is complete. None or the reason it failed."""
        from controller.heater import src_octopus

        err = src_octopus.fetch(self, utc)
        src_octopus = None
        drop("src_octopus")
        drop("stamps")
        return err

    def fetch_carbon(self, utc):
        from controller.heater import src_carbon

        err = src_carbon.fetch(self, utc)
        src_carbon = None
        drop("src_carbon")
        drop("stamps")
        return err

    def fetch_forecast(self, utc):
        from controller.heater import src_forecast

        err = src_forecast.fetch(self, utc)
        src_forecast = None
        drop("src_forecast")
        drop("stamps")
        return err
    def _prices_due(self, now_s, utc):
        if now_s < self.next_s["prices"]:
            return False
        if self.prices.n == 0 or self.prices.find(utc) < 0:
            return True
        local = (utc + utc_offset_min(TZ, utc)) % DAY_MIN
        # tomorrow's prices appear about 16:00 UK time: fetch until the table reaches tomorrow night
        return local >= 16 * 60 and self.prices.last_end() < utc + (24 * 60 - local) + 20 * 60

    def refresh_one(self, now_s, utc):
        """Fetch at most one of the slow sources that is due; True if one was fetched."""
        s = self.ctx.settings
        plan = []
        if s.heater_tariff != "off" and self._prices_due(now_s, utc):
            plan.append(("prices", self.fetch_prices, 1800))
        if s.heater_tariff == "greenest" and now_s >= self.next_s["carbon"]:
            plan.append(("carbon", self.fetch_carbon, _CARBON_S))
        if s.heater_pv_kwp and now_s >= self.next_s["forecast"]:
            plan.append(("forecast", self.fetch_forecast, _FORECAST_S))
        for name, fn, period in plan:
            err = fn(utc)
            self.next_s[name] = now_s + (_RETRY_S if err else period)
            return True
        return False

    def log_emoncms(self, now_s, epoch):
        if self.ctx.settings.heater_emoncms_key and epoch is not None and now_s >= self.next_s["emoncms"]:
            from controller.heater import emon  # kept: posts every minute

            emon.log(self, now_s, epoch)

    # --- one cycle ---------------------------------------------------------------------------
    def read_plant(self):
        ctx = self.ctx
        name = ctx.settings.heater_top_probe
        inp = self.inp
        inp.top_c, inp.top_why = None, "no DS18B20 probe named %s" % name
        for probe in ctx.probes:
            if probe.name == name:
                inp.top_c = probe.value_c
                inp.top_why = "probe %s: %s" % (name, probe.fault or "no reading")
        inp.bottom_c = ctx.cold.value_c
        d = ctx.decision
        inp.pump_running = d.duty_pct > 0 and d.mode not in BLOCK_MODES
        block = ""
        if d.mode in BLOCK_MODES:
            block = "pump in %s: %s" % (d.mode, d.reason)
        prot = ctx.protection
        if prot is not None:
            for name in prot.active:
                if name in BLOCK_MODES:
                    block = "protection: " + name
        inp.block = block

    def _wall(self):
        wall = self.ctx.wall
        epoch = wall.epoch_s() if wall is not None else None
        return epoch, (None if epoch is None else (epoch - EPOCH_2000_S) // 60)

    def slow_step(self):
        """One due slow source (prices, carbon, forecast), else the EmonCMS post: one blocking
        request at most, so the event loop runs between it and the meter poll."""
        epoch, utc = self._wall()
        if utc is None:
            return
        now_s = self.ctx.clock.now_s()
        if not self.refresh_one(now_s, utc):
            self.log_emoncms(now_s, epoch)

    def cycle(self, slow=True):
        """Poll, decide, switch. ``slow`` also fetches one due slow source and posts to EmonCMS
        in the same call (tests); the task calls ``slow_step`` separately."""
        ctx = self.ctx
        now_s = ctx.clock.now_s()
        epoch, utc = self._wall()
        self.inp.utc_min = utc
        self.poll_meter()
        if slow and utc is not None:
            self.refresh_one(now_s, utc)
        self.read_plant()
        d = self.core.decide(now_s, self.inp)
        was = self.state
        self._set_relay(d.on)
        self.state = "on" if d.on else "off"
        if self.state != was:
            self.switches += 1
            ctx.log.info("heater %s: %s" % (self.state, d.reason))
        self.reason = d.reason
        self.price_p_kwh = None if d.price is None else d.price / 1000
        self.grid_w = self.inp.grid_w
        self.element_w = ctx.settings.heater_power_w if d.on else 0
        if slow:
            self.log_emoncms(now_s, epoch)
        return d


def make_task(relay, session, bases=None, timeout_s=TIMEOUT_S, poll_s=POLL_S, told=False):
    """The coroutine function for ``start_tasks(extra=...)``; sets ``ctx.heater``. The
    settings' ``check.problems`` are logged at the first start unless ``told`` (main said them)."""
    holder = []

    async def heater_task(ctx):
        if not holder:
            if not told:
                from controller.heater.check import problems

                for text in problems(ctx.settings):
                    ctx.log.error("heater: " + text)
                drop("check")
            holder.append(Heater(ctx, relay, session, bases, timeout_s))
            ctx.heater = holder[0]
        heater = holder[0]
        try:
            while True:
                heater.cycle(slow=False)
                await asyncio.sleep(0)  # let the control and pump tasks run between requests
                heater.slow_step()
                await asyncio.sleep(poll_s)
        except BaseException:
            heater._set_relay(False)  # crash or cancel: contactor off; restart waits the minimum off time
            heater.core.element.on = False
            heater.core.element.changed_s = ctx.clock.now_s()
            heater.state = "off"
            raise

    return heater_task
