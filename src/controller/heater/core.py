"""The heater's decision: which rule (if any) allows the element now, in priority order, and
the contactor's verdict. Pure: ``Inputs`` and time in, ``HeaterDecision`` out.

Order: no reading, cut-off and plant protections switch off at once (``Element``); a negative
price heats (paid to use power); an overdue legionella cycle heats; while the solar pump runs
or the collector is forecast to deliver the heat the tank still needs, nothing else heats;
then PV surplus, a due legionella cycle in its cheapest slot, and the tariff rule. The
element is off unless one of them positively allows it.
"""

from controller.heater import rules, tariff
from controller.heater.slots import DAY_MIN

_KWH_PER_L_K = 4.186 / 3600  # water


class Inputs:
    """What a decision reads (the task fills it). Temperatures C, power W (+ import), times
    minutes since 2000 UTC (``utc_min`` None while the wall clock is unknown)."""

    def __init__(self):
        self.top_c = None
        self.top_why = "not read yet"
        self.bottom_c = None
        self.grid_w = None
        self.grid_why = "no meter"
        self.utc_min = None
        self.pump_running = False
        self.block = ""  # a plant protection acting now, in words
        self.prices = None  # SlotTable of millipence/kWh, or None
        self.carbon = None  # SlotTable of gCO2/kWh, or None
        self.forecast = None  # slots.Forecast, or None


class HeaterDecision:
    def __init__(self):
        self.on = False
        self.rule = "none"
        self.reason = "off: starting"
        self.target_c = 0.0
        self.stage = rules.NORMAL
        self.price = None  # millipence/kWh now, or None


class HeaterCore:
    """:param settings: validated settings (HEATER_* attributes); :param now_s: Clock.now_s()"""

    def __init__(self, settings, now_s, cap=100):
        self.s = settings
        self.element = rules.Element(now_s)
        self.surplus = rules.Surplus()
        self.legionella = rules.Legionella(now_s)
        self.chooser = tariff.Chooser(cap)
        self.due_chooser = tariff.Chooser(cap)
        self.decision = HeaterDecision()

    def _solar_block(self, inp, target_c):
        if inp.pump_running:
            return "solar pump running: the collector heats the tank"
        fc = inp.forecast
        if not self.s.heater_pv_kwp or fc is None or inp.utc_min is None or inp.top_c is None:
            return ""
        remaining = fc.remaining_kwh(inp.utc_min)
        if remaining is None:
            return ""
        avg_c = inp.top_c if inp.bottom_c is None else (inp.top_c + inp.bottom_c) / 2
        need = self.s.heater_tank_l * _KWH_PER_L_K * (target_c - avg_c)
        heat = remaining * self.s.heater_solar_heat
        if need > 0 and heat >= need:
            return "collector forecast %.1f kWh today covers the %.1f kWh the tank needs" % (heat, need)
        return ""

    def _due(self, inp, now_utc):
        prices = inp.prices
        if prices is None or now_utc is None or prices.find(now_utc) < 0:
            return True, "legionella due and no prices: heating now"
        slot_start = now_utc - now_utc % 30
        ch = self.due_chooser
        ch.pick(prices, slot_start, slot_start + DAY_MIN, self.s.heater_slots, False)
        i = prices.find(now_utc)
        if ch.chosen[i]:
            return True, "legionella due: %s p/kWh is among the %d cheapest known slots" % (
                tariff.p(prices.value[i]), ch.picked)
        return False, "legionella due: waiting for one of the %d cheapest known slots" % ch.picked

    def _tariff(self, inp, now_utc):
        s = self.s
        mode = s.heater_tariff
        if mode == "off":
            return False, "tariff rule off"
        if now_utc is None:
            return False, "tariff: time unknown"
        if mode == "breakeven":
            if inp.prices is None or inp.prices.n == 0:
                return False, "breakeven: no prices"
            return tariff.breakeven(inp.prices, now_utc, s, inp.forecast)
        green = mode == "greenest"
        table = inp.carbon if green else inp.prices
        if table is None or table.n == 0:
            return False, "%s: no %s" % (mode, "carbon forecast" if green else "prices")
        return tariff.cheapest(self.chooser, table, now_utc, s, "CO2" if green else "price")

    def decide(self, now_s, inp):
        """The decision for now (also kept in ``self.decision``)."""
        s = self.s
        d = self.decision
        now_utc = inp.utc_min
        stage = self.legionella.update(now_s, inp.top_c, s)
        target = s.heater_setpoint_c
        if stage != rules.NORMAL and s.heater_legionella_c > target:
            target = s.heater_legionella_c
        price_i = -1
        if inp.prices is not None and now_utc is not None:
            price_i = inp.prices.find(now_utc)
        price = inp.prices.value[price_i] if price_i >= 0 else None
        pv_on, pv_why = False, "pv: no meter"
        if s.heater_meter != "none":
            pv_on, pv_why = self.surplus.update(now_s, inp.grid_w, self.element.on, s)
            if inp.grid_w is None:
                pv_why = "pv: no grid reading (%s)" % inp.grid_why
        if price is not None and price < 0:
            want, rule, why = True, "negative", "price %s p/kWh: paid to use power" % tariff.p(price)
        elif stage == rules.OVERDUE:
            want, rule, why = True, "legionella", "legionella overdue (%s): heating now" % self.legionella.age_text(
                now_s, s)
        else:
            rule = "none"
            why = self._solar_block(inp, target)
            want = False
            if pv_on and (not why or not s.heater_pv_solar_first):  # exported PV is spare power
                want, rule, why = True, "pv", pv_why
            elif why:
                pass
            elif pv_on:
                want, rule, why = True, "pv", pv_why
            elif stage == rules.DUE:
                want, why = self._due(inp, now_utc)
                rule = "legionella"
            else:
                want, why = self._tariff(inp, now_utc)
                if want:
                    rule = s.heater_tariff
                elif s.heater_meter != "none":
                    why = pv_why + "; " + why
        if inp.top_c is None:
            why = inp.top_why
        on, reason = self.element.decide(now_s, inp.top_c, target, want, why, s, inp.block)
        d.on = on
        d.rule = rule if on else "none"
        d.reason = reason
        d.target_c = target
        d.stage = stage
        d.price = price
        return d
