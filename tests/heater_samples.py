"""Answers in each API's real format (field names, nesting, order, types) for the heater tests."""

import json

from controller.heater.stamps import iso
from controller.localtime import DAY_MIN, days_from_civil

JAN15 = days_from_civil(2024, 1, 15) * DAY_MIN  # minutes since 2000, 00:00 UTC


def _octopus_time(t_min):
    return iso(t_min)[:-1] + ":00Z"  # "2024-01-15T00:30:00Z"


def octopus_rows(start_min, prices_p):
    """Rows newest first, as the API lists them."""
    rows = []
    for i, price in enumerate(prices_p):
        t = start_min + 30 * i
        rows.append({"value_exc_vat": round(price / 1.05, 4), "value_inc_vat": price,
                     "valid_from": _octopus_time(t), "valid_to": _octopus_time(t + 30),
                     "payment_method": None})
    rows.reverse()
    return rows


def octopus_page(rows, next_url=None, count=None):
    return {"count": len(rows) if count is None else count, "next": next_url, "previous": None, "results": rows}


def day_prices():
    """A winter Agile day: cheap night, 16:00-19:00 peak, one negative slot at 03:00."""
    prices = []
    for i in range(48):
        h = i / 2
        if 16 <= h < 19:
            prices.append(38.5 + i * 0.1)
        elif h < 6:
            prices.append(9.87 - i * 0.2)
        else:
            prices.append(21.0 + (i % 5) * 0.41)
    prices[6] = -1.25
    return prices


SHELLY1_STATUS = {
    "wifi_sta": {"connected": True, "ssid": "home", "ip": "192.168.1.50", "rssi": -61},
    "cloud": {"enabled": False, "connected": False}, "mqtt": {"connected": False},
    "time": "10:00", "unixtime": 1705312800, "serial": 2841, "has_update": False,
    "mac": "C45BBE5A1B2C", "cfg_changed_cnt": 0, "actions_stats": {"skipped": 0},
    "relays": [{"ison": False, "has_timer": False, "timer_started": 0, "timer_duration": 0,
                "timer_remaining": 0, "overpower": False, "is_valid": True, "source": "input"}],
    "emeters": [{"power": 412.7, "reactive": -35.1, "pf": 0.99, "voltage": 242.1, "is_valid": True,
                 "total": 1234567.8, "total_returned": 45678.9},
                {"power": -3560.25, "reactive": 12.0, "pf": -0.98, "voltage": 242.1, "is_valid": True,
                 "total": 2345.6, "total_returned": 987654.3}],
    "update": {"status": "idle", "has_update": False, "new_version": "20230913-114244/v1.14.0-gcb84623",
               "old_version": "20230913-114244/v1.14.0-gcb84623"},
    "ram_total": 50888, "ram_free": 36592, "fs_size": 233681, "fs_free": 148860, "uptime": 86400,
}

# Gen1 Shelly EM /emeter/1 and Shelly 3EM /emeter/0 (one channel each)
SHELLY1_EMETER = {"power": -3560.25, "reactive": 12.0, "pf": -0.98, "voltage": 242.1, "is_valid": True,
                  "total": 2345.6, "total_returned": 987654.3}
SHELLY3EM_EMETER = {"power": 412.7, "pf": 0.99, "current": 1.7, "voltage": 242.1, "is_valid": True,
                    "total": 1234567.8, "total_returned": 45678.9}

# Gen1 Shelly 3EM /status: three emeters and the house total
SHELLY3EM_STATUS = {
    "wifi_sta": {"connected": True, "ssid": "home", "ip": "192.168.1.51", "rssi": -58},
    "cloud": {"enabled": False, "connected": False}, "mqtt": {"connected": False},
    "time": "12:30", "unixtime": 1719837000, "serial": 61, "has_update": False, "mac": "C45BBE6C0A1B",
    "cfg_changed_cnt": 0, "actions_stats": {"skipped": 0},
    "relays": [{"ison": False, "has_timer": False, "timer_started": 0, "timer_duration": 0, "timer_remaining": 0,
                "overpower": False, "is_valid": True, "source": "input"}],
    "emeters": [{"power": -1210.5, "pf": -0.97, "current": 5.1, "voltage": 239.8, "is_valid": True,
                 "total": 812345.1, "total_returned": 402311.9},
                {"power": 180.25, "pf": 0.88, "current": 0.9, "voltage": 240.2, "is_valid": True,
                 "total": 612345.0, "total_returned": 0.0},
                {"power": -950.0, "pf": -0.99, "current": 4.0, "voltage": 240.9, "is_valid": True,
                 "total": 512345.7, "total_returned": 302000.4}],
    "total_power": -1980.25, "emeter_n": {"current": 0.4, "ixsum": 0.5, "mismatch": False, "is_valid": True},
    "fs_mounted": True, "v_data": 1, "ct_calst": 0,
    "update": {"status": "idle", "has_update": False, "new_version": "20230913-114244/v1.14.0-gcb84623",
               "old_version": "20230913-114244/v1.14.0-gcb84623"},
    "ram_total": 49920, "ram_free": 30004, "fs_size": 233681, "fs_free": 155620, "uptime": 172800,
}

SHELLY2_EM = {"id": 0, "a_current": 4.029, "a_voltage": 236.1, "a_act_power": -951.2, "a_aprt_power": 951.9,
              "a_pf": -1, "a_freq": 50, "b_current": 4.027, "b_voltage": 236.201, "b_act_power": -950.1,
              "b_aprt_power": 951.1, "b_pf": -1, "b_freq": 50, "c_current": 3.03, "c_voltage": 236.401,
              "c_act_power": -460.3, "c_aprt_power": 714.9, "c_pf": -0.64, "c_freq": 50, "n_current": None,
              "total_current": 11.087, "total_act_power": -2361.6, "total_aprt_power": 2617.9,
              "user_calibrated_phase": []}

SHELLYPRO_EM1 = {"id": 0, "current": 2.3, "voltage": 232.4, "act_power": 512.3, "aprt_power": 534.5, "pf": 0.96,
                 "freq": 50, "calibration": "factory"}

# A Gen2 RPC error (an EM1 id the device does not have), as its HTTP server answers it
SHELLY_RPC_ERROR = {"code": -105, "message": "Argument 'id', value 2 not found!"}
# IoTaWatt's refusal of a query naming a series it does not have (text/plain)
IOTAWATT_400 = "Invalid series: Grid"
OCTOPUS_404 = {"detail": "Not found."}
CARBON_400 = {"error": {"code": "400 Bad Request",
                        "message": "Please enter a valid ISO 8601 date in the format YYYY-MM-DDThh:mmZ"}}


def forecast_solar(day0_kwh=3.21, day1_kwh=9.876):
    """Forecast.Solar /estimate: local times; today's hourly periods 08:00..16:00."""
    watts, period, cumulative = {}, {}, {}
    total = 0
    per_hour = int(day0_kwh * 1000 / 8)
    for h in range(8, 17):
        key = "2024-01-15 %02d:00:00" % h
        wh = 0 if h == 8 else per_hour
        total += wh
        watts[key] = per_hour
        period[key] = wh
        cumulative[key] = total
    return {"result": {"watts": watts, "watt_hours_period": period, "watt_hours": cumulative,
                       "watt_hours_day": {"2024-01-15": int(day0_kwh * 1000), "2024-01-16": int(day1_kwh * 1000)}},
            "message": {"code": 0, "type": "success", "text": "",
                        "info": {"latitude": 51.5, "longitude": -0.1, "distance": 0,
                                 "place": "Westminster, London, England, United Kingdom",
                                 "timezone": "Europe/London", "time": "2024-01-15T07:00:00+00:00",
                                 "time_utc": "2024-01-15T07:00:00+00:00"},
                        "ratelimit": {"zone": "IP 1.2.3.4", "period": 3600, "limit": 12, "remaining": 11}}}


FORECAST_429 = {"result": None, "message": {"code": 429, "type": "error", "text": "Rate limit for API calls reached.",
                                            "ratelimit": {"period": 3600, "limit": 12, "retry-at": "2024-01-15T08:00:00+00:00"}}}


def carbon_national(start_min, grams):
    return {"data": [{"from": iso(start_min + 30 * i), "to": iso(start_min + 30 * (i + 1)),
                      "intensity": {"forecast": g, "index": "moderate" if g > 150 else "low"}}
                     for i, g in enumerate(grams)]}


def carbon_regional(start_min, grams, regionid=13, wrapped=True):
    """/regional/intensity/.../regionid/N: the region's object, in a list as the API gives it
    (``wrapped``) or as an object."""
    rows = []
    for i, g in enumerate(grams):
        rows.append({"from": iso(start_min + 30 * i), "to": iso(start_min + 30 * (i + 1)),
                     "intensity": {"forecast": g, "index": "low"},
                     "generationmix": [{"fuel": "biomass", "perc": 4.1}, {"fuel": "gas", "perc": 30.2},
                                       {"fuel": "wind", "perc": 41.0}]})
    region = {"regionid": regionid, "dnoregion": "UKPN London", "shortname": "London", "data": rows}
    return {"data": [region] if wrapped else region}


def dumps(obj):
    return json.dumps(obj)
