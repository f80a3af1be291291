"""When the link fails (``Link.fail``): words for what went wrong, the backoff before the next
attempt, and the ESP32's reset after ESP_RESET_AFTER failures in a row. Runs only while the
link is down: imported for each failure and forgotten after (``controller.net.once``), so the
resident link keeps none of it (issue 12: about 1 KB with its texts)."""


def describe(exc):
    """Words for a failed network call: a refused MQTT connect by its CONNACK code (what to do
    first: the screen shows 40 characters), else the exception's type and text (and cause)."""
    args = getattr(exc, "args", ())
    code = args[1] if type(exc).__name__ == "MMQTTException" and len(args) > 1 else None
    if code in (4, 5):
        return "bad MQTT_TOKEN (MQTT code %d%s)" % (code, ": not authorised" if code == 5 else "")
    if code in (1, 2, 3):
        return "MQTT connect refused (code %d)" % code
    c = getattr(exc, "__cause__", None)
    return "%s: %s%s" % (type(exc).__name__, exc, " (%s)" % c if c else "")


def fail(link, error):
    """Close, back off (exponentially, with jitter) and, after ESP_RESET_AFTER failures in a
    row, reset the ESP32 alone (the board runs on). ``error``: words, or the exception."""
    if not isinstance(error, str):
        error = describe(error)
    link.last_error = error
    link.close()
    s = link.ctx.settings
    # NET_BACKOFF_MIN_S doubling to NET_BACKOFF_MAX_S, each delay drawn from its upper half
    t = min(s.net_backoff_min_s * (1 << min(link.failures, 16)), s.net_backoff_max_s)
    t *= 0.5 + 0.5 * link.rand()
    link.failures += 1
    link.wait = link.clock() + int(t * 1000)
    link.state = "backoff"
    log = link.ctx.log
    log.warn("network: %s; retry in %d s" % (error, t))
    n = s.esp_reset_after
    if n and link.failures % n == 0:
        link.esp_resets += 1
        log.warn("network: %d failures in a row; resetting the WiFi co-processor" % link.failures)
        try:
            link.radio.reset()
        except Exception as exc:  # noqa: BLE001 - the next attempt reports what is still wrong
            log.error("network: WiFi co-processor reset failed: %s" % exc)
        link.up = False  # the WiFi was up at the last step
