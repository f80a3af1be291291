"""The heater task: polls the meter and the tariff, carbon and forecast sources, runs the
decision core, drives the contactor relay and publishes ``ctx.heater``.

``main`` adds it with ``make_task(relay, pool, ssl_context)`` when HEATER_ENABLED is 1:
``relay`` has a boolean ``value`` (a digitalio output on the board, a fake on a PC); ``pool``
and ``ssl_context`` are the radio's socket pool and TLS context (CPython's ``socket`` module
and None on a PC). HTTP calls block the loop for a few seconds at most (``timeout_s``, 4 s: per HTTP request; adafruit_requests may try twice), so
each poll makes at most one slow request besides the meter's.

The meter is read every poll and its code stays loaded, and so does the JSON scanner of the
slow sources (``fetch``, imported at boot when one is on); each slow source's module (Agile
prices, carbon intensity, Forecast.Solar, with the time stamps they share in ``stamps``) is
imported for its fetch, every few hours at most, and forgotten after it (``controller.forget``).
"""

import asyncio
import sys

from controller import forget
from controller.decision import SHED_MODES
from controller.heater.core import HeaterCore, w
from controller.localtime import DAY_MIN, EPOCH_2000_S, offset_at

# Pump modes in which the element stays off: the tank is, or is being made, hot enough (seed 004
# and the plant protections of controller/protect.py). A pump lockout or a frost run does not
# block it: with the solar loop out of action the element is what heats the water.
# (controller.decision.SHED_MODES). A failed fetch is tried again after 600 s.
# The texts longer than 10 characters, in one string (see core's): ``w(k, _TEXTS)`` is text k.
_TEXTS = (
    'OutOfRetries|'  # 0
    'no answer (%s)|'  # 1
    'connection failed twice|'  # 2
    'TimeoutError|'  # 3
    '"message" "detail" "text" "error"|'  # 4
    'HTTP %d: %s|'  # 5
    'answer cut short (truncated JSON)|'  # 6
    'malformed JSON (%s)|'  # 7
    'IoTaWatt has no data for the series|'  # 8
    'meter reports is_valid false|'  # 9
    ' for emeter %d|'  # 10
    'meter flags %s: %s|'  # 11
    'meter error %s: %s|'  # 12
    'no power value in the answer|'  # 13
    'heater: %s: %s|'  # 14
    'heater: %s answers again|'  # 15
    'HEATER_METER_IP is not 4 numbers|'  # 16
    'controller.heater.src_|'  # 17
    'no memory to load its code|'  # 18
    'probe %s: %s|'  # 19
    'no DS18B20 probe named %s|'  # 20
    'pump in %s: %s|'  # 21
    'protection: |'  # 22
    'heater %s: %s|'  # 23
    'timed out|'  # 24
    'HTTP %d|'  # 25
    '%s: %s|'  # 26
    ' :\t|'  # 27
    'errors a_errors b_errors c_errors|'  # 28
    'emeters|'  # 29
    'is_valid|'  # 30
    'power|'  # 31
    'act_power|'  # 32
    'no reading|'  # 33
    'cheap|'  # 34
    'green|'  # 35
    '<|'  # 36
)


# --- HTTP through adafruit_requests' public API (the meter, the slow sources and EmonCMS): one
# GET at a time, its socket closed after it (no half-read socket is ever reused), a bounded
# time, and None or the reason it failed, in words. A refusal (status other than 200) is said
# with the server's own reason when its body gives one ("HTTP 400: Invalid series: Grid"), not
# just its number. adafruit_requests retries a request once when the first read fails, so a
# dead server costs up to twice ``timeout_s``.


def why(exc):
    """Words for an exception from the network stack or a parser."""
    name = type(exc).__name__
    # 0: 'OutOfRetries'
    if name == w(0, _TEXTS):  # adafruit_requests tried twice; CPython keeps the cause
        cause = getattr(exc, "__cause__", None)
        # 1: 'no answer (%s)'; 2: 'connection failed twice'
        return w(1, _TEXTS) % (why(cause) if cause is not None else w(2, _TEXTS))
    text = str(exc)
    # 3: 'TimeoutError'; 24: 'timed out'
    if name in (w(3, _TEXTS), "timeout") or w(24, _TEXTS) in text:
        return w(24, _TEXTS)
    # 26: '%s: %s'
    return w(26, _TEXTS) % (name, text) if text else name


def told(body):
    """The reason a server gives in the first bytes of its answer (bytes): the text of a
    "message", "detail", "text" or "error" string in JSON, else its first line ("" for HTML)."""
    try:
        text = body.decode("utf-8")
    except UnicodeError:
        return ""
    skip = w(27, _TEXTS)  # 27: ' :\t'
    # 4: '"message" "detail" "text" "error"'
    for key in w(4, _TEXTS).split():
        i = text.find(key)
        while i >= 0:
            j = i + len(key)
            while j < len(text) and text[j] in skip:
                j += 1
            if j < len(text) and text[j] == '"':
                end = text.find('"', j + 1)
                return text[j + 1:end if end > 0 else len(text)]
            i = text.find(key, j)
    text = text.strip()
    if text.startswith(w(36, _TEXTS)):  # 36: '<' (HTML)
        return ""
    end = text.find("\n")
    return text if end < 0 else text[:end].strip()


def head(response, n):
    """The first ``n`` bytes of the body (fewer if it is shorter)."""
    body = b""
    for data in response.iter_content(n):
        body += data
        if len(body) >= n:
            break
    return body[:n]


def get(heater, url, read):
    """GET ``url`` with ``heater``'s session and pass the response to ``read(response)`` (None or the
    reason); None or the reason the request failed. The socket is closed after it."""
    response = None
    sock = None
    try:
        response = heater.session.get(url, timeout=heater.timeout_s, stream=True)
        sock = response.socket
        if response.status_code != 200:
            text = told(head(response, 192))[:64]
            # 5: 'HTTP %d: %s'
            # 25: 'HTTP %d'
            return w(5, _TEXTS) % (response.status_code, text) if text else w(25, _TEXTS) % response.status_code
        try:
            return read(response)
        except EOFError:
            # 6: 'answer cut short (truncated JSON)'
            return w(6, _TEXTS)
        except ValueError as exc:  # json: "syntax error in JSON" on the board, the position on CPython
            # 7: 'malformed JSON (%s)'
            return w(7, _TEXTS) % str(exc)[:48]
    except Exception as exc:  # noqa: BLE001 - any network or parse failure becomes a reason in words
        return why(exc)
    finally:
        if response is not None:
            response.close()  # frees the socket in the connection manager ...
        if sock is not None:
            try:
                heater.sockets.close_socket(sock)  # ... and closes it: a half-read socket is never reused
            except (OSError, RuntimeError):
                pass


def grid_w(meter, a):
    """(W + import, None) from a meter's parsed JSON answer ``a``, or (None, why not):

    - "iotawatt": ``[[unix_s, W]]`` (``null`` W: no data for the series);
    - "shelly1": Gen1 ``/emeter/N``: ``power``, unless ``is_valid`` is false;
    - "shelly3em": Gen1 3EM ``/status``: ``total_power``, unless an ``emeters[].is_valid`` is false;
    - "shelly2": Gen2 ``EM.GetStatus``: ``total_act_power``; "shellypro": Gen2 ``EM1.GetStatus``:
      ``act_power``; not while its ``errors`` (or a phase's ``a_errors``..``c_errors``) has an
      ``out_of_range:...`` or ``power_meter_failure`` flag (other flags, e.g. ``phase_sequence``,
      do not make the power wrong); an RPC error ``{"code", "message"}`` is its message.
    """
    x = None
    if meter == "iotawatt":
        r = a[0] if isinstance(a, list) and a else None
        if isinstance(r, list) and len(r) > 1:
            x = r[1]
            if x is None:
                # 8: 'IoTaWatt has no data for the series'
                return None, w(8, _TEXTS)
    elif isinstance(a, dict):
        get = a.get
        if meter == "shelly1" or meter == "shelly3em":
            # 29: 'emeters'; 30: 'is_valid'
            for i, r in enumerate(get(w(29, _TEXTS)) or (a,)):
                if isinstance(r, dict) and r.get(w(30, _TEXTS)) is False:
                    # 9: 'meter reports is_valid false'; 10: ' for emeter %d'
                    return None, w(9, _TEXTS) + (w(10, _TEXTS) % i if meter == "shelly3em" else "")
            # 31: 'power'
            x = get(w(31, _TEXTS) if meter == "shelly1" else "total_power")
        else:
            # 28: 'errors a_errors b_errors c_errors'
            for key in w(28, _TEXTS).split():
                for v in get(key) or ():
                    if v == "power_meter_failure" or str(v).startswith("out_of_range"):
                        # 11: 'meter flags %s: %s'
                        return None, w(11, _TEXTS) % (key, v)
            if "code" in a and "message" in a:
                # 12: 'meter error %s: %s'
                return None, w(12, _TEXTS) % (get("code"), get("message"))
            # 32: 'act_power'
            x = get("total_act_power" if meter == "shelly2" else w(32, _TEXTS))
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        # 13: 'no power value in the answer'
        return None, w(13, _TEXTS)
    return x, None


class Heater(HeaterCore):
    """``ctx.heater``: the decision core (its inputs, decision and state: ``reason``, ``rule``,
    ``top_c``, ``target_c``, ``grid_w``, ``switches``, ``prices`` ...) with the task's I/O.
    What the screen and the network read:

    - ``state``: "on" or "off"; ``reason``: the decision in words ("on: pv: surplus 3500 W >
      3200 W for 120 s", "off: tank top 60.2 C reached 60 C (...)");
    - ``source``: where the element's power comes from while it is on: "pv" (exported solar PV,
      seed 000), "cheap" (grid power bought for its price: a negative price, the cheapest slots,
      at or below break-even), "green" (grid power in the lowest-carbon slots), "legionella"
      (the weekly legionella cycle); "none" while it is off. ``rule`` names the rule itself;
    - ``price_p_kwh`` (float, None when unknown), ``grid_w`` (int W, + import; None without a
      reading), ``element_w`` (HEATER_POWER_W while on, else 0), ``energy_today_kwh`` (the
      element's energy since local midnight: its time on x HEATER_POWER_W, its nominal power),
      ``switches``, ``top_c`` (tank top), ``target_c`` (setpoint, or the legionella temperature);
    - ``errors``: source ("meter", "prices", "carbon", "forecast", "emoncms") -> its last failure
      in words, "" once it answers again; every failure is logged once, and its recovery.
    """

    def __init__(self, ctx, relay, pool=None, ssl_context=None, bases=None, timeout_s=4.0):
        HeaterCore.__init__(self, ctx.settings, ctx.clock.now_s())
        before = set(sys.modules)
        from controller.heater.check import init  # boot-time code: forgotten after

        init(self, ctx, relay, pool, ssl_context, bases or {}, timeout_s, before)
        forget(before)

    def report(self, source, error):
        """Log a source's failure once, and its recovery."""
        was = self.errors.get(source, "")
        self.errors[source] = error or ""
        if error and error != was:
            # 14: 'heater: %s: %s'
            self.ctx.log.warn(w(14, _TEXTS) % (source, error))
        elif not error and was:
            # 15: 'heater: %s answers again'
            self.ctx.log.info(w(15, _TEXTS) % source)

    def poll(self):
        s = self.ctx.settings
        if s.heater_meter == "none":
            self.grid_w = None
            return
        url = self.meter_url
        box = [None]

        def read(response):
            box[0], why = grid_w(s.heater_meter, response.json())
            return why

        # 16: 'HEATER_METER_IP is not 4 numbers'
        error = get(self, url, read) if url else w(16, _TEXTS)
        self.report("meter", error)
        self.grid_why = error
        self.grid_w = None if error else (-1 if s.heater_meter_invert else 1) * int(box[0])

    def fetch(self, name, utc_min):
        """Fetch the slow source ``controller.heater.src_NAME`` ("octopus", "carbon",
        "forecast") now; None or the reason it failed. Its modules are forgotten after it."""
        before = set(sys.modules)
        # 17: 'controller.heater.src_'
        module = w(17, _TEXTS) + name
        try:
            __import__(module)
            return sys.modules[module].fetch(self, utc_min)
        except MemoryError:  # its code does not fit now: said, and tried again after 600 s
            # 18: 'no memory to load its code'
            error = w(18, _TEXTS)
            self.report("prices" if name == "octopus" else name, error)
            return error
        finally:
            forget(before)

    def refresh(self, now_s, utc_min):
        """Fetch at most one of the slow sources that is due; True if one was fetched."""
        s = self.ctx.settings
        # (source module, errors key, seconds between fetches)
        for name, key, period in (("octopus", "prices", 1800), ("carbon", "carbon", 2 * 3600),
                                  ("forecast", "forecast", 3 * 3600)):
            if now_s < self.next_s.get(key, 0):
                continue
            if name == "octopus":
                if s.heater_tariff == "off":
                    continue
                t = self.prices
                local_min = (utc_min + offset_at(s, utc_min)) % DAY_MIN
                # tomorrow's prices appear about 16:00 UK time: fetch until the table reaches tomorrow night
                if t is not None and t.find(utc_min) >= 0 and (
                        local_min < 16 * 60 or t.last() >= utc_min + (24 * 60 - local_min) + 20 * 60):
                    continue
            elif not (s.heater_tariff == "greenest" if name == "carbon" else s.heater_pv_kwp):
                continue
            error = self.fetch(name, utc_min)
            self.next_s[key] = now_s + (600 if error else period)
            return True
        return False

    def post(self, now_s, epoch):
        """The EmonCMS post, when one is due (HEATER_EMONCMS_KEY, once a minute)."""
        if self.ctx.settings.heater_emoncms_key and epoch is not None and now_s >= self.next_s.get("emoncms", 0):
            from controller.heater import emon  # kept: posts every minute

            self.next_s["emoncms"] = now_s + 60
            emon.post(self, epoch)

    def epoch(self):
        """(Unix seconds, minutes since 2000 UTC) now, (None, None) while the wall clock is unknown."""
        wall = self.ctx.wall
        epoch = wall.epoch_s() if wall is not None else None
        return epoch, (None if epoch is None else (int(epoch) - EPOCH_2000_S) // 60)

    def step(self):
        """One due slow source (prices, carbon, forecast), else the EmonCMS post: one blocking
        request at most, so the event loop runs between it and the meter poll."""
        epoch, utc_min = self.epoch()
        if utc_min is not None:
            now_s = self.ctx.clock.now_s()
            if not self.refresh(now_s, utc_min):
                self.post(now_s, epoch)

    def cycle(self, fetch=True):
        """Account the element's energy, poll the meter, decide, switch. ``fetch`` also fetches
        one due slow source and posts to EmonCMS (tests); the task calls ``step``."""
        ctx = self.ctx
        s = ctx.settings
        now_s = ctx.clock.now_s()
        epoch, utc_min = self.epoch()
        if self.at is not None and self.on:  # on since the last cycle: it only switches here
            self._heat_j += int(s.heater_power_w) * (now_s - self.at)
        self.at = now_s
        if utc_min is not None:
            day = (utc_min + offset_at(s, utc_min)) // DAY_MIN
            if day != self.day and self.day is not None:
                self._heat_j = 0  # local midnight
            self.day = day
        self.energy_today_kwh = self._heat_j // 3600 / 1000
        self.utc_min = utc_min
        self.poll()
        if fetch and utc_min is not None:
            self.refresh(now_s, utc_min)
        # the plant: the tank top probe, the tank bottom (the cold NTC), the pump's mode and the
        # plant protections acting now
        name = s.heater_top_probe
        top = why = None
        for probe in ctx.probes:
            if probe.name == name:
                # 33: 'no reading'
                top, why = probe.value_c, probe.fault or w(33, _TEXTS)
        self.top_c = top
        if top is None:  # why, in words, only then (core reads it only then)
            # 19: 'probe %s: %s'; 20: 'no DS18B20 probe named %s'
            self.top_why = w(19, _TEXTS) % (name, why) if why else w(20, _TEXTS) % name
        self.bottom_c = ctx.cold.value_c
        d = ctx.decision
        ok = d.mode in SHED_MODES
        self.pump_running = d.duty_pct > 0 and not ok
        # 21: 'pump in %s: %s'
        self.block = w(21, _TEXTS) % (d.mode, d.reason) if ok else ""
        p = ctx.protection
        for name in p.active if p is not None else ():
            if name in SHED_MODES:
                # 22: 'protection: '
                self.block = w(22, _TEXTS) + name
        was = self.on
        self.decide(now_s)
        self.relay.value = self.on
        self.state = "on" if self.on else "off"
        if self.on != was:
            # 23: 'heater %s: %s'
            ctx.log.info(w(23, _TEXTS) % (self.state, self.reason))
        r = self.rule
        # 35: 'green'; 34: 'cheap'
        # 51: 'legionella' (core's texts)
        self.source = r if r == "none" or r == "pv" or r == w(51) else w(
            35 if r == "greenest" else 34, _TEXTS)
        self.price_p_kwh = None if self.price is None else self.price / 1000
        self.element_w = s.heater_power_w if self.on else 0
        if fetch:
            self.post(now_s, epoch)
        return self

    def stop(self):
        """Contactor off at once (crash or cancel); a restart waits the minimum off time."""
        self.relay.value = False
        self.on = False
        self.changed_s = self.ctx.clock.now_s()
        self.state = "off"
        self.rule = self.source = "none"
        self.element_w = 0


def make_task(relay, pool, ssl_context=None, bases=None, timeout_s=4.0, poll_s=10):
    """The coroutine function for ``start_tasks(extra=...)``; sets ``ctx.heater`` (main has
    said the settings' ``check.problems`` at boot). ``poll_s``: the meter poll and decision period."""
    box = []  # the Heater, once made

    async def task(ctx):
        if not box:
            box.append(Heater(ctx, relay, pool, ssl_context, bases, timeout_s))
            ctx.heater = box[0]
        heater = box[0]
        try:
            while True:
                heater.cycle(False)  # no slow source: ``step`` fetches one, after the other tasks ran
                await asyncio.sleep(0)  # let the control and pump tasks run between requests
                heater.step()
                await asyncio.sleep(poll_s)
        except BaseException:
            heater.stop()
            raise

    return task
