"""Settings of the TFT screen (issue 5); see ``settings_spec`` for the entry format."""

TITLE = "The TFT screen: brightness, dimming, pages, the probes shown as tank top and ambient"

SPEC = (
    #: backlight while in use (0.1..1)
    ("SCREEN_BRIGHTNESS", "float", 1.0, 0.1, 1.0, ""),
    #: dim the backlight after this long without a touch; 0 = never
    ("SCREEN_DIM_AFTER_S", "int", 300, 0, 86400, "s"),
    #: backlight when dimmed (0 = off); a touch or a fault wakes it
    ("SCREEN_DIM_BRIGHTNESS", "float", 0.05, 0.0, 1.0, ""),
    #: back to the main page after this long without a touch; 0 = never
    ("SCREEN_HOME_AFTER_S", "int", 120, 0, 86400, "s"),
    #: hours shown on the trend page
    ("SCREEN_TREND_HOURS", "choice", "24", ("12", "24"), None, "h"),
    #: name of the DS18B20 probe shown as tank top
    ("SCREEN_TANK_TOP_PROBE", "str", "tank_top", 0, 24, ""),
    #: name of the DS18B20 probe shown as ambient
    ("SCREEN_AMBIENT_PROBE", "str", "ambient", 0, 24, ""),
)

# (KEY_LOW, KEY_HIGH, message): KEY_LOW's value must be below KEY_HIGH's.
ORDER_RULES = (
    ("SCREEN_DIM_BRIGHTNESS", "SCREEN_BRIGHTNESS", "SCREEN_DIM_BRIGHTNESS must be below SCREEN_BRIGHTNESS"),
)
