"""The heater's boot-time code: its settings checked, in words (run by ``controller.main``
and by ``hwc settings check``, so the PC says what the board will), the meter's URL and the
rest of ``task.Heater``'s set-up. It is forgotten after use (``controller.forget``): heater
settings cannot change at run time, and code that runs once need not stay in RAM."""


def pin_clash(settings):
    """True when HEATER_PIN is the 1-Wire bus's pin: the relay must not be created."""
    return settings.heater_pin == settings.onewire_pin


def _ip_ok(ip):
    """An IP address setting: four whole numbers 0..255 (the loader checks the range)."""
    return len(ip) == 4 and all(n == int(n) for n in ip)


def problems(settings):
    """Settings that stop the heater or one of its parts, in words (empty when none): ``(KEYS,
    text)`` pairs, KEYS the settings the text is about. A clash with the 1-Wire pin means the
    relay must not be created at all."""
    s = settings
    out = []
    if pin_clash(s):
        out.append((("HEATER_PIN", "ONEWIRE_PIN"), "HEATER_PIN %s is the 1-Wire bus (ONEWIRE_PIN): heater disabled"
                     % s.heater_pin))
    names = [getattr(s, "probe%d_name" % i) for i in range(1, 6)]
    if s.heater_top_probe not in names:
        out.append((("HEATER_TOP_PROBE", "HEATER_ENABLED"),
                    "HEATER_TOP_PROBE %s names no probe (PROBE1..5_NAME): element stays off"
                    % s.heater_top_probe))
    if not s.mqtt_broker:
        out.append((("HEATER_ENABLED", "MQTT_BROKER"),
                    "needs the network (MQTT_BROKER and WiFi), which is off: element off"))
    if s.heater_meter != "none" and not _ip_ok(s.heater_meter_ip):
        out.append((("HEATER_METER_IP", "HEATER_METER"), "HEATER_METER %s needs HEATER_METER_IP, an IP address "
                    "like \"192.168.1.50\": PV rule off" % s.heater_meter))
    if s.heater_emoncms_key and s.heater_emoncms_ip and not _ip_ok(s.heater_emoncms_ip):
        out.append((("HEATER_EMONCMS_IP",), "HEATER_EMONCMS_IP must be an IP address like \"192.168.1.60\", or "
                    "empty for emoncms.org: EmonCMS logging off"))
    return out


def meter_url(s, base=None):
    """The meter's URL (HEATER_METER); ``base`` ("http://host:port") replaces HEATER_METER_IP.
    None when the IP setting is not 4 numbers."""
    if base is None:
        ip = s.heater_meter_ip
        if not _ip_ok(ip):
            return None
        base = "http://%d.%d.%d.%d" % tuple(int(n) for n in ip)
    m = s.heater_meter
    if m == "iotawatt":
        return "%s/query?select=[time.utc.unix,%s.watts]&begin=s-10s&end=s&group=all&format=json" % (
            base, s.heater_meter_series)
    if m == "shelly1":
        return "%s/emeter/%d" % (base, s.heater_meter_channel)
    if m == "shelly3em":
        return base + "/status"
    if m == "shelly2":
        return base + "/rpc/EM.GetStatus?id=0"
    return "%s/rpc/EM1.GetStatus?id=%d" % (base, s.heater_meter_channel)


def init(h, ctx, relay, pool, ssl_context, bases, timeout_s, before):
    """The I/O side of ``task.Heater`` ``h`` (its decision core is made): the HTTP session, the
    meter's URL, the JSON scanner of the slow sources, the spare price table, the state the
    screen and telemetry read; the relay off. ``before`` (``controller.forget``'s set, of the
    modules to keep) gets the scanner."""
    h.ctx = ctx
    h.relay = relay
    h.session = h.sockets = None
    if pool is not None:
        import adafruit_connection_manager
        import adafruit_requests

        h.session = adafruit_requests.Session(pool, ssl_context)
        h.sockets = adafruit_connection_manager.get_connection_manager(pool)
    h.bases = bases
    h.timeout_s = timeout_s
    s = ctx.settings
    h.meter_url = meter_url(s, bases.get("meter"))  # None: HEATER_METER_IP is not 4 numbers
    if s.heater_tariff != "off" or s.heater_pv_kwp:
        # The slow sources' JSON scanner (fetch.py says why not adafruit_json_stream): compiled
        # now, on the boot's unfragmented heap, and kept; a fetch then compiles only its
        # source's module and the time stamps (``hwc memory``'s long run: compiled at a fetch
        # too, the scanner did not always fit).
        from controller.heater import fetch  # noqa: F401

        before.add("controller.heater.fetch")
    from controller.heater.core import SlotTable

    # [the table the next price fetch fills, the carbon table, the forecast's (days, periods)]:
    # the first made now, on the boot's heap; a price fetch that succeeds makes it the prices
    # in use and leaves None (the next fetch makes a new one and the old prices go), one that
    # fails keeps it: one table between fetches, two during one. The others are made at the
    # first carbon and forecast fetch and filled in place.
    h.tables = [SlotTable(100), None, None]
    h.next_s = {}  # source -> Clock.now_s() of its next fetch or post
    h.errors = {}
    h.emon = None  # emon.Log, made at the first post (HEATER_EMONCMS_KEY)
    h.state = "off"
    h.source = "none"
    h.price_p_kwh = None
    h.element_w = 0
    h.energy_today_kwh = 0  # in whole Wh, from ...
    h._heat_j = 0  # ... the element's heat today, J
    h.at = None  # Clock.now_s() of the last accounting
    h.day = None  # the local day (days since 2000) the energy belongs to
    relay.value = False
