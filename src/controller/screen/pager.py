"""Which page shows and how bright: touches, idle time and faults in, decisions out. Pure.

A touch is acted on when it starts (one press, one action). When the backlight is dimmed a
touch only wakes it. Otherwise a touch on the left third goes back a page, elsewhere forward.
After ``home_after_ms`` without a touch the main page (index 0) comes back; after
``dim_after_ms`` the backlight dims. A fault keeps it bright.
"""

from adafruit_ticks import ticks_diff


class Pager:
    """:param pages: number of pages; :param width_px: screen width (for left/right);
    :param settings: SCREEN_* settings (brightness, dim/home times)"""

    def __init__(self, pages, width_px, settings, now_ms):
        self.pages = pages
        self.width_px = width_px
        self.bright = settings.screen_brightness
        self.dim = settings.screen_dim_brightness
        self.dim_after_ms = settings.screen_dim_after_s * 1000
        self.home_after_ms = settings.screen_home_after_s * 1000
        self.index = 0
        self.brightness = self.bright
        self.pressed = False
        self.last_ms = now_ms
        self.idle_ms = 0  # since the last touch, summed tick by tick (no tick wrap trouble)
        self.touches = 0

    def touch(self, point):
        """Feed one touch reading (``(x, y, z)`` or None). True if the page changed."""
        if point is None:
            self.pressed = False
            return False
        if self.pressed:
            return False
        self.pressed = True
        self.touches += 1
        self.idle_ms = 0
        if self.brightness != self.bright:
            self.brightness = self.bright
            return False
        step = -1 if point[0] < self.width_px // 3 else 1
        self.index = (self.index + step) % self.pages
        return True

    def tick(self, now_ms, alarm):
        """Apply the idle timers; ``alarm`` (a fault is showing) keeps the backlight on.
        True if the page changed (back to the main page)."""
        step = ticks_diff(now_ms, self.last_ms)
        self.last_ms = now_ms
        if step > 0 and self.idle_ms < 1 << 29:
            self.idle_ms += step
        idle_ms = self.idle_ms
        if alarm:
            self.brightness = self.bright
        elif self.dim_after_ms and idle_ms >= self.dim_after_ms:
            self.brightness = self.dim
        if self.home_after_ms and idle_ms >= self.home_after_ms and self.index != 0:
            self.index = 0
            return True
        return False
