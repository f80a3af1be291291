"""The heater's decision: which rule (if any) allows the element now, in priority order, and the
contactor's verdict. Pure: ``HeaterCore``'s inputs and the time in, its decision out.

Order: no reading, cut-off and plant protections switch off at once; a negative price heats
(paid to use power); an overdue legionella cycle heats; while the solar pump runs or the
collector is forecast to deliver the heat the tank still needs, nothing else heats; then PV
surplus (seed 000), a due legionella cycle in its cheapest slot, and the tariff rule (seed 002).
The element is off unless one of them positively allows it.

Units: times are whole seconds from ``Clock.now_s`` (``now_s``) and minutes since 2000 UTC
(``utc_min``, ``controller.localtime``); temperatures C; powers W (+ import); prices int
millipence per kWh (1000 = 1 p/kWh); energies int Wh. What a decision compares or rounds is
ints, or a reading against a setting: never a float rounded at a boundary.
"""

from array import array

from controller import const
from controller import decision
from controller.localtime import DAY_MIN, offset_at


_DAY_S = const(86400)
# The thermostat's and the cut-off's hysteresis is 5 K (written where it is used).
# Every text of the decision longer than 10 characters, in one string: one heap object, where a
# literal each is one object each (16 bytes, and its text in 16-byte blocks: ~24 bytes more per
# text; 768 bytes less resident, ``hwc memory``). ``w(k)`` is text k (a comment at each use
# says which); k is a plain number, as a named const() would keep its name as a string.
_TEXTS = (
    'not read yet|'  # 0
    'off: starting|'  # 1
    'pv: no grid reading (%s)|'  # 2
    'pv: import %d W > %d W|'  # 3
    'pv: grid %d W, import below %d W|'  # 4
    'pv: surplus %d W > %d W|'  # 5
    'pv: surplus %d W <= %d W|'  # 6
    '%s for %d of %d s|'  # 7
    '%s for %d s|'  # 8
    'tariff rule off|'  # 9
    'tariff: time unknown|'  # 10
    'carbon forecast|'  # 11
    'breakeven: no price for now|'  # 12
    'gas break-even %s p/kWh|'  # 13
    ' (no solar forecast for that day)|'  # 14
    'export value %s p/kWh (sunny day ahead: %.1f kWh forecast)|'  # 15
    ' (dull day ahead: %.1f kWh forecast)|'  # 16
    'breakeven: %s p/kWh %s %s|'  # 17
    ' (only %d known)|'  # 18
    '%s: no %s for the %s window yet|'  # 19
    '%s: waiting for the %s window (%d of %d slots chosen)|'  # 20
    '%s: no run of %d slots in %s%s|'  # 21
    '%s: %02d:%02d is %s the %d lowest-%s slots in %s%s|'  # 22
    'pv: no meter|'  # 23
    'price %s p/kWh: paid to use power|'  # 24
    'legionella overdue (%.1f d since %s): heating now|'  # 25
    'solar pump running: the collector heats the tank|'  # 26
    'collector forecast %.1f kWh today covers the %.1f kWh the tank needs|'  # 27
    'legionella due and no prices: heating now|'  # 28
    'legionella due: %s p/kWh is among the %d cheapest known slots|'  # 29
    'legionella due: waiting for one of the %d cheapest known slots|'  # 30
    'no tank top reading (%s)|'  # 31
    'tank top %.1f C at the %.0f C cut-off|'  # 32
    'tank top %.1f C reached %.0f C (%s)|'  # 33
    'minimum %s time, %d s left (%s)|'  # 34
    'no meter|'  # 35
    '%s: no %s|'  # 36
    'not among|'  # 37
    'one of|'  # 38
    '%02d:%02d-%02d:%02d|'  # 39
    '%.0f C|'  # 40
    'CO2|'  # 41
    '<=|'  # 42
    '%.2f|'  # 43
    'off: |'  # 44
    'on: |'  # 45
    'normal|'  # 46: the legionella stages, 46 + stage
    'pending|'  # 47
    'due|'  # 48
    'overdue|'  # 49
    'negative|'  # 50: rules
    'legionella|'  # 51
    '>|'  # 52
)


def w(k, t=_TEXTS):
    """Text ``k`` of ``t`` (``controller.decision.w``): the core's texts by default, the task's its own."""
    return decision.w(k, t)


def p(milli):
    """Text of a price in millipence: "7.25"."""
    # 43: '%.2f'
    return w(43) % (milli / 1000)


class SlotTable:
    """Up to ``size`` intervals [start, start + span) in minutes since 2000 with an int value each
    (prices in millipence, grams of CO2 per kWh, Wh) in preallocated arrays, ``n`` of them in
    use: 10 bytes a row (a span is 16 bits: up to 45 days, where a slot is 30 or 60 minutes, or
    a day). ``version`` counts changes, so a chooser can cache what it derived from a table."""

    def __init__(self, size):
        self.start = array("i", [0] * size)
        self.span = array("H", [0] * size)
        self.value = array("i", [0] * size)
        self.n = 0
        self.version = 0

    def add(self, start, end, value):
        """Append the interval [start, end); False when full, empty or longer than 45 days."""
        n = self.n
        if n >= len(self.start) or not 0 < end - start < 65536:
            return False
        self.start[n] = start
        self.span[n] = end - start
        self.value[n] = value
        self.n = n + 1
        self.version += 1
        return True

    def find(self, t):
        """Index of the interval holding ``t``; -1 if none."""
        for i in range(self.n):
            if 0 <= t - self.start[i] < self.span[i]:
                return i
        return -1

    def last(self):
        """The latest end of its intervals (the table not empty)."""
        t = 0
        for i in range(self.n):
            t = max(t, self.start[i] + self.span[i])
        return t


class HeaterCore:
    """The decision, with its inputs and its state as attributes.

    Inputs (the task, or a simulation, sets them before ``decide``): ``top_c`` (None: no
    reading, ``top_why`` says why), ``bottom_c``, ``grid_w`` (None: ``grid_why``), ``utc_min``
    (None while the wall clock is unknown), ``pump_running``, ``block`` (a plant protection
    acting now, in words, or ""), ``prices`` and ``carbon`` (SlotTables of millipence and
    gCO2 per kWh, or None), ``forecast``: the PV forecast, (days, periods) SlotTables of forecast
    Wh per local day (keyed by the day's first minute) and per period (UTC), or None.

    Decision: ``on``; ``rule`` that allows it ("negative", "legionella", "pv", "cheapest",
    "greenest", "breakeven"; "none" while off); ``reason`` in words; ``target_c``; the
    legionella ``stage`` ("normal", "pending": the last day, solar may do it; "due": the
    cheapest slot does it; "overdue": heat now); ``price`` (millipence/kWh now, or None);
    ``switches`` of the contactor.

    :param settings: validated settings (HEATER_* attributes); :param now_s: Clock.now_s()
    """

    def __init__(self, settings, now_s, size=100):
        self.s = settings
        self.top_c = self.bottom_c = self.grid_w = self.utc_min = None
        # 0: 'not read yet'
        self.top_why = w(0)
        # 35: 'no meter'
        self.grid_why = w(35)
        self.pump_running = False
        self.block = ""
        self.prices = self.carbon = self.forecast = None
        self.on = False
        self.rule = "none"
        # 1: 'off: starting'
        self.reason = w(1)
        self.target_c = settings.heater_setpoint_c
        # 46: 'normal'
        self.stage = w(46)
        self.price = None
        # the contactor: off at boot, and the minimum off time runs from boot (no chatter in a reboot loop)
        self.changed_s = now_s
        self.switches = 0
        self.hot = False  # reached the target; reheat below target - hysteresis
        self.high = False  # above the cut-off; back below cut-off - hysteresis
        self.pv = False  # the PV-surplus rule's state, and since when its change is pending
        self.since = None  # (short private names: each distinct name is a string kept for good)
        self.hot_s = now_s  # the legionella temperature was last reached (or boot) ...
        self.seen = False  # ... and whether it ever was
        self.marks = bytearray(size)  # per table row: 1 = one of the chosen slots
        self.count = self.found = 0  # slots in the window, chosen
        self.key = None

    def meter(self, now_s):
        """The meter's rule, seed 000 (PV surplus): on once export exceeds the element power plus a margin for ON_WAIT; off once
        import exceeds IMPORT_W for OFF_WAIT, or at once without a reading. (on, why)."""
        s = self.s
        grid = self.grid_w
        if grid is None:
            self.pv = False
            self.since = None
            # 2: 'pv: no grid reading (%s)'
            return False, w(2) % self.grid_why
        if self.pv:
            value, limit = grid, int(s.heater_import_w)
            # 3: 'pv: import %d W > %d W'
            text, delay = w(3), s.heater_off_wait_s
            if grid <= limit:
                self.since = None
                # 4: 'pv: grid %d W, import below %d W'
                return True, w(4) % (grid, limit)
        else:
            value = int(s.heater_power_w) - grid if self.on else -grid
            limit = int(s.heater_power_w + s.heater_margin_w)
            # 5: 'pv: surplus %d W > %d W'
            text, delay = w(5), s.heater_on_wait_s
            if value <= limit:
                self.since = None
                # 6: 'pv: surplus %d W <= %d W'
                return False, w(6) % (value, limit)
        if self.since is None:
            self.since = now_s
        dt = now_s - self.since
        text = text % (value, limit)
        if dt < delay:
            # 7: '%s for %d of %d s'
            return self.pv, w(7) % (text, dt, delay)
        self.pv = not self.pv
        self.since = None
        # 8: '%s for %d s'
        return self.pv, w(8) % (text, dt)

    def select(self, table, lo, hi, n, c):
        """Mark in ``marks`` the n lowest-valued slots of ``table`` inside [lo, hi) UTC, or the
        lowest-sum run of n adjacent ones (``c``: contiguous); cached until the table or the
        window changes."""
        key = (table.version, lo, hi, n, c)
        if key == self.key:
            return
        self.key = key
        marks = self.marks
        start, span, value = table.start, table.span, table.value
        rows = table.n
        count = found = 0
        for i in range(len(marks)):
            x = 2 if i < rows and start[i] >= lo and start[i] + span[i] <= hi else 0  # 2: a candidate
            marks[i] = x
            count += x
        count //= 2
        if c:  # contiguous: rows are sorted: a run is n candidates, each starting where the last ended
            at, low = -1, 0
            for i in range(rows):
                total = k = 0
                while k < n and i + k < rows and marks[i + k] == 2 and (k == 0 or start[i + k] == start[i + k - 1] + span[i + k - 1]):
                    total += value[i + k]
                    k += 1
                if k == n and (at < 0 or total < low):
                    at, low = i, total
            if at >= 0:
                for j in range(at, at + n):
                    marks[j] = 1
                found = n
        else:
            while found < n and found < count:
                at = -1
                for i in range(rows):
                    if marks[i] == 2 and (at < 0 or value[i] < value[at]):
                        at = i
                marks[at] = 1
                found += 1
        for i in range(rows):
            if marks[i] == 2:
                marks[i] = 0
        self.count = count
        self.found = found

    def slots(self, now):
        """The tariff's rule: (on, why) of HEATER_TARIFF: the cheapest or greenest HEATER_SLOTS in the window, or
        any half-hour at or below the break-even price."""
        s = self.s
        mode = s.heater_tariff
        if mode == "off":
            # 9: 'tariff rule off'
            return False, w(9)
        if now is None:
            # 10: 'tariff: time unknown'
            return False, w(10)
        g = mode == "greenest"
        table = self.carbon if g else self.prices
        if table is None or table.n == 0:
            # 11: 'carbon forecast'
            # 36: '%s: no %s'
            return False, w(36) % (mode, w(11) if g else "prices")
        i = table.find(now)
        off = offset_at(s, now)
        at = now + off
        if mode == "breakeven":
            if i < 0:
                # 12: 'breakeven: no price for now'
                return False, w(12)
            # the price is compared with the gas break-even, or the export value when the solar
            # forecast for the next daylight (today before noon, else tomorrow) is sunny
            k = int(s.heater_boiler_eff * 1000 + 0.5)
            limit = (int(s.heater_gas_p_kwh * 1000 + 0.5) * 1000 + k // 2) // k
            # 13: 'gas break-even %s p/kWh'
            why = w(13) % p(limit)
            if s.heater_pv_kwp:
                t = self.forecast
                t = t and t[0]  # Wh per local day
                k = t.find((at // DAY_MIN + (1 if at % DAY_MIN >= 720 else 0)) * DAY_MIN) if t is not None else -1
                if k < 0:
                    # 14: ' (no solar forecast for that day)'
                    why += w(14)
                elif t.value[k] >= int(s.heater_sunny_kwh * 1000):
                    limit = int(s.heater_export_p_kwh * 1000)
                    # 15: 'export value %s p/kWh (sunny day ahead: %.1f kWh forecast)'
                    why = w(15) % (p(limit), t.value[k] / 1000)
                else:
                    # 16: ' (dull day ahead: %.1f kWh forecast)'
                    why += w(16) % (t.value[k] / 1000)
            price = table.value[i]
            # 17: 'breakeven: %s p/kWh %s %s'
            # 42: '<='
            return price <= limit, w(17) % (p(price), w(42) if price <= limit else w(52), why)  # 52: '>'
        # the window occurrence holding now, or the next one (start == end: the whole day)
        start = int(s.heater_window_start_h * 60 + 0.5)
        lo = at - at % DAY_MIN - DAY_MIN + start
        hi = (int(s.heater_window_end_h * 60 + 0.5) - start) % DAY_MIN or DAY_MIN  # its length, for now
        while at >= lo + hi:
            lo += DAY_MIN
        hi += lo
        n = s.heater_slots
        self.select(table, lo - off, hi - off, n, s.heater_contiguous)
        # 41: 'CO2'
        kind = w(41) if g else "price"
        # 39: '%02d:%02d-%02d:%02d' (the window's HH:MM-HH:MM)
        span = w(39) % (lo % DAY_MIN // 60, lo % 60, hi % DAY_MIN // 60, hi % 60)
        # 18: ' (only %d known)'
        out = "" if self.count >= n else w(18) % self.count
        if self.count == 0:
            # 19: '%s: no %s for the %s window yet'
            return False, w(19) % (mode, kind, span)
        if now + off < lo or i < 0:
            # 20: '%s: waiting for the %s window (%d of %d slots chosen)'
            return False, w(20) % (mode, span, self.found, n)
        if self.found == 0:
            # 21: '%s: no run of %d slots in %s%s'
            return False, w(21) % (mode, n, span, out)
        on = self.marks[i] == 1
        t = table.start[i] + off
        # 22: '%s: %02d:%02d is %s the %d lowest-%s slots in %s%s'
        return on, w(22) % (
            # 38: 'one of'; 37: 'not among'
            mode, t % DAY_MIN // 60, t % 60, w(38) if on else w(37), self.found, kind, span, out)

    def decide(self, now_s):
        """Decide from the inputs now; returns self (``on``, ``rule``, ``reason`` ...)."""
        s = self.s
        now = self.utc_min
        top = self.top_c
        # the legionella stage, from how long ago the tank top was last at LEGIONELLA_C
        if top is not None and top >= s.heater_legionella_c:
            self.hot_s = now_s
            self.seen = True
        dt = now_s - self.hot_s - s.heater_legionella_days * _DAY_S
        stage = 0  # normal; 1 pending (the last day: solar may do it), 2 due, 3 overdue: texts 46 + stage
        if s.heater_legionella_days and dt >= -_DAY_S:
            stage = 1 if dt < 0 else (2 if dt < _DAY_S else 3)
        target = s.heater_setpoint_c
        if stage and s.heater_legionella_c > target:
            target = s.heater_legionella_c
        prices = self.prices
        i = prices.find(now) if prices is not None and now is not None else -1
        price = prices.value[i] if i >= 0 else None
        # 23: 'pv: no meter'
        pv, text = False, w(23)
        if s.heater_meter != "none":
            pv, text = self.meter(now_s)
        rule = "none"
        on = False
        if price is not None and price < 0:
            # 24: 'price %s p/kWh: paid to use power'
            # 50: 'negative'
            on, rule, why = True, w(50), w(24) % p(price)
        elif stage == 3:  # overdue
            # 51: 'legionella'
            on, rule = True, w(51)
            # 25: 'legionella overdue (%.1f d since %s): heating now'; 40: '%.0f C'
            why = w(25) % (
                (now_s - self.hot_s) / _DAY_S, w(40) % s.heater_legionella_c if self.seen else "boot")
        else:
            # the collector first: the solar pump runs, or the forecast PV still to come today
            # (an old forecast does not count), times HEATER_SOLAR_HEAT, covers the heat the
            # tank needs
            why = ""
            t = self.forecast
            t = t and t[1]  # Wh per period
            if self.pump_running:
                # 26: 'solar pump running: the collector heats the tank'
                why = w(26)
            elif (s.heater_pv_kwp and t is not None and t.n and now is not None and top is not None
                  and t.last() > now - DAY_MIN):
                wh = 0
                end = (now // DAY_MIN + 1) * DAY_MIN
                for k in range(t.n):
                    if t.start[k] + t.span[k] > now and t.start[k] < end:
                        wh += t.value[k]
                level = top if self.bottom_c is None else (top + self.bottom_c) / 2
                missing = int(s.heater_tank_l * 4186 * (target - level) / 3600)  # Wh: 4186 J per litre and K
                total = int(wh * s.heater_solar_heat)
                if 0 < missing <= total:
                    # 27: 'collector forecast %.1f kWh today covers the %.1f kWh the tank needs'
                    why = w(27) % (
                        total / 1000, missing / 1000)
            if pv and (not why or not s.heater_pv_solar_first):  # exported PV is spare power
                on, rule, why = True, "pv", text
            elif why:
                pass
            elif stage == 2:  # due
                rule = w(51)  # 51: 'legionella'
                # 28: 'legionella due and no prices: heating now'
                on, why = True, w(28)
                if i >= 0:  # the cheapest known slots of the next 24 h
                    lo = now - now % 30
                    self.select(prices, lo, lo + DAY_MIN, s.heater_slots, False)
                    on = self.marks[i] == 1
                    # 29: 'legionella due: %s p/kWh is among the %d cheapest known slots'
                    why = (w(29) % (p(price), self.found)
                           # 30: 'legionella due: waiting for one of the %d cheapest known slots'
                           if on else w(30) % self.found)
            else:
                on, why = self.slots(now)
                if on:
                    rule = s.heater_tariff
                elif s.heater_meter != "none":
                    why = text + "; " + why
        # the contactor: safety switches off at once, a rule's change waits for the minimum time
        off = True
        if top is None:
            # 31: 'no tank top reading (%s)'
            why = w(31) % self.top_why
        elif top >= s.heater_cutoff_c or (self.high and top > s.heater_cutoff_c - 5):
            self.high = True
            # 32: 'tank top %.1f C at the %.0f C cut-off'
            why = w(32) % (top, s.heater_cutoff_c)
        elif self.block:
            why = self.block
        elif top >= target or (self.hot and top > target - 5):
            self.hot = True
            # 33: 'tank top %.1f C reached %.0f C (%s)'
            why = w(33) % (top, target, why)
        else:
            off = False
            self.high = self.hot = False
            if on != self.on:
                wait = int(s.heater_min_off_s if on else s.heater_min_on_s) - (now_s - self.changed_s)
                if wait > 0:
                    state = "on" if self.on else "off"
                    # 34: 'minimum %s time, %d s left (%s)'
                    why = w(34) % (state, wait, why)
                else:
                    self.on = on
                    self.changed_s = now_s
                    self.switches += 1
        if off and self.on:
            self.on = False
            self.changed_s = now_s
            self.switches += 1
        if top is not None and top <= s.heater_cutoff_c - 5:
            self.high = False
        self.rule = rule if self.on else "none"
        # 45: 'on: '; 44: 'off: '
        self.reason = w(45 if self.on else 44) + why
        self.target_c = target
        self.stage = w(46 + stage)
        self.price = price
        return self
