"""Settings of local time (the screen clock, the counters' "today", the heater's windows, the
tube kick's hours); see ``settings_spec`` for the entry format and ``controller.localtime``."""

TITLE = "Local time: the screen clock, today's counters, the heater's windows (summer time by rule)"

SPEC = (
    #: summer time: "uk" or "eu" (last Sunday of March to last Sunday of October, 01:00 UTC), "us", or "none"
    ("TIME_ZONE_RULE", "choice", "uk", ("none", "uk", "eu", "us"), None, ""),
    #: standard (winter) time minus UTC: 0 in the UK, 60 in Paris or Berlin, -300 in New York
    ("TIME_UTC_OFFSET_MIN", "int", 0, -720, 840, "min"),
    #: old name of TIME_UTC_OFFSET_MIN (no summer time unless TIME_ZONE_RULE is eu or us); write that instead
    ("SCREEN_UTC_OFFSET_MIN", "int", 0, -720, 840, "min"),
)

ORDER_RULES = ()
