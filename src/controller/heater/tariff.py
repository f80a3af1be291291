"""Tariff rules (seed 002): the cheapest N half-hours inside a window, or any half-hour at or
below a break-even price chosen per day from a solar forecast. Prices are ints in millipence
per kWh (1000 = 1 p/kWh); times are minutes since 2000 UTC (``slots``)."""

from controller.heater.slots import DAY_MIN, TZ, hhmm, utc_offset_min


def p(milli):
    """Text of a price in millipence: "7.25"."""
    return "%.2f" % (milli / 1000)


def window(now_local, start_h, end_h):
    """(start, end) local minutes of the window occurrence holding ``now_local`` or the next one.
    start_h == end_h means the whole day from start_h."""
    length = int((end_h - start_h) * 60) % DAY_MIN or DAY_MIN
    day = now_local - now_local % DAY_MIN
    for d in (day - DAY_MIN, day, day + DAY_MIN):
        ws = d + int(start_h * 60)
        if now_local < ws + length:
            return ws, ws + length
    return day + DAY_MIN, day + DAY_MIN + length  # not reached


class Chooser:
    """The chosen slots of a table for a window, cached until the table or window changes.

    ``pick(table, ws, we, n, contiguous)`` marks in ``chosen`` (one byte per table row) the n
    lowest-valued slots lying inside [ws, we), or the lowest-sum run of n adjacent ones.
    """

    def __init__(self, cap):
        self.chosen = bytearray(cap)
        self._key = None
        self.count = 0  # slots of the window with a value
        self.picked = 0

    def pick(self, table, ws, we, n, contiguous):
        key = (table.version, ws, we, n, contiguous)
        if key == self._key:
            return
        self._key = key
        chosen = self.chosen
        for i in range(len(chosen)):
            chosen[i] = 0
        count = 0
        for i in range(table.n):
            if table.start[i] >= ws and table.end[i] <= we:
                chosen[i] = 2  # candidate
                count += 1
        self.count = count
        self.picked = 0
        if contiguous:
            self._pick_run(table, n)
        else:
            for _ in range(min(n, count)):
                best = -1
                for i in range(table.n):
                    if chosen[i] == 2 and (best < 0 or table.value[i] < table.value[best]):
                        best = i
                chosen[best] = 1
                self.picked += 1
        for i in range(table.n):
            if chosen[i] == 2:
                chosen[i] = 0

    def _pick_run(self, table, n):
        # rows are sorted by start; a run is n candidates each starting where the last ended
        chosen = self.chosen
        best_i = -1
        best_sum = 0
        for i in range(table.n):
            total = 0
            k = 0
            j = i
            while k < n and j < table.n and chosen[j] == 2 and (k == 0 or table.start[j] == table.end[j - 1]):
                total += table.value[j]
                k += 1
                j += 1
            if k == n and (best_i < 0 or total < best_sum):
                best_i = i
                best_sum = total
        if best_i < 0:
            return
        for j in range(best_i, best_i + n):
            chosen[j] = 1
        self.picked = n


def cheapest(chooser, table, now_utc, s, what):
    """(on, reason) of the cheapest-N rule for ``table`` (prices or CO2, named by ``what``)."""
    off = utc_offset_min(TZ, now_utc)
    ws, we = window(now_utc + off, s.heater_window_start_h, s.heater_window_end_h)
    n = s.heater_slots
    chooser.pick(table, ws - off, we - off, n, s.heater_contiguous)
    span = "%s-%s" % (hhmm(ws), hhmm(we))
    if chooser.count == 0:
        return False, "cheapest: no %s for the %s window yet" % (what, span)
    i = table.find(now_utc)
    if now_utc + off < ws or i < 0:
        return False, "cheapest: waiting for the %s window (%d of %d slots chosen)" % (span, chooser.picked, n)
    short = "" if chooser.count >= n else " (only %d known)" % chooser.count
    if chooser.picked == 0:
        return False, "cheapest: no run of %d slots in %s%s" % (n, span, short)
    if chooser.chosen[i]:
        return True, "%s: %s is one of the %d lowest-%s slots in %s%s" % (
            s.heater_tariff, hhmm(table.start[i] + off), chooser.picked, what, span, short)
    return False, "%s: %s is not among the %d lowest-%s slots in %s" % (
        s.heater_tariff, hhmm(table.start[i] + off), chooser.picked, what, span)


def threshold(now_utc, s, forecast):
    """(millipence, why) the price is compared with: gas break-even, or the export value when the
    solar forecast for the next daylight (today before noon, else tomorrow) is sunny."""
    gas = int(s.heater_gas_p_kwh * 1000 / s.heater_boiler_eff + 0.5)
    gas_why = "gas break-even %s p/kWh" % p(gas)
    if not s.heater_pv_kwp:
        return gas, gas_why
    local = now_utc + utc_offset_min(TZ, now_utc)
    day = local // DAY_MIN + (1 if local % DAY_MIN >= 720 else 0)
    kwh = forecast.day_kwh(day) if forecast is not None else None
    if kwh is None:
        return gas, gas_why + " (no solar forecast for that day)"
    if kwh >= s.heater_sunny_kwh:
        export = int(s.heater_export_p_kwh * 1000)
        return export, "export value %s p/kWh (sunny day ahead: %.1f kWh forecast)" % (p(export), kwh)
    return gas, "%s (dull day ahead: %.1f kWh forecast)" % (gas_why, kwh)


def breakeven(prices, now_utc, s, forecast):
    """(on, reason) of the break-even rule on the price now."""
    i = prices.find(now_utc)
    if i < 0:
        return False, "breakeven: no price for now"
    limit, why = threshold(now_utc, s, forecast)
    price = prices.value[i]
    if price <= limit:
        return True, "breakeven: %s p/kWh <= %s" % (p(price), why)
    return False, "breakeven: %s p/kWh > %s" % (p(price), why)
