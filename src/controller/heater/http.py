"""HTTP for the heater through adafruit_requests: a session comes in from outside (the
ESP32's socket pool on the board, CPython's socket module on a PC). Bodies are streamed into
a 256-byte buffer and scanned as they arrive; nothing holds a whole answer. Every call has a
bounded time and returns None or the reason it failed, in words.

adafruit_requests retries a request once when the first read fails, so a dead server costs up
to twice ``timeout_s``; the body must also arrive within twice ``timeout_s``.
"""

from adafruit_ticks import ticks_diff, ticks_ms

from controller.heater.jsonstream import JsonError, Scanner

_BUF = bytearray(256)


def ip_text(numbers):
    """"a.b.c.d" of a 4-number list setting; None unless it is one."""
    if len(numbers) != 4:
        return None
    return "%d.%d.%d.%d" % tuple(int(n) for n in numbers)


def why(exc):
    """Words for an exception from the network stack."""
    name = type(exc).__name__
    if name == "OutOfRetries":  # adafruit_requests tried twice; CPython keeps the cause
        cause = getattr(exc, "__cause__", None)
        return "no answer (%s)" % (why(cause) if cause is not None else "connection failed twice")
    text = str(exc)
    if name in ("TimeoutError", "timeout") or "timed out" in text:
        return "timed out"
    return "%s: %s" % (name, text) if text else name


def _close(session, resp):
    if resp is None:
        return
    sock = resp.socket
    if sock is not None:
        try:
            session._connection_manager.close_socket(sock)  # never reuse a half-read socket
        except Exception:  # noqa: BLE001 - closing is best effort; the socket is dropped anyway
            pass
        resp.socket = None


def get(session, url, timeout_s, sink, ticks=ticks_ms):
    """GET ``url`` and pass the body to ``sink(buf, n)`` chunk by chunk; None or the reason."""
    resp = None
    t0 = ticks()
    limit_ms = int(timeout_s * 2000)
    try:
        resp = session.get(url, timeout=timeout_s, stream=True)
        if resp.status_code != 200:
            return "HTTP %d" % resp.status_code
        read = resp._readinto  # pinned adafruit_requests 4.1: fills our buffer, no copies
        while True:
            n = read(_BUF)
            if not n:
                return None
            sink(_BUF, n)
            if ticks_diff(ticks(), t0) > limit_ms:
                return "answer took longer than %d s" % (limit_ms // 1000)
    except JsonError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - any network failure becomes a reason in words
        return why(exc)
    finally:
        _close(session, resp)


def get_json(session, url, handler, timeout_s, str_cap=48, ticks=ticks_ms):
    """GET ``url`` and scan its JSON into ``handler``; None or the reason it failed."""
    sc = Scanner(handler, str_cap)
    err = get(session, url, timeout_s, sc.feed, ticks)
    if err is None:
        try:
            sc.finish()
        except JsonError as exc:
            return str(exc)
        err = handler.check()
    return err
