"""HTTP for the heater through adafruit_requests' public API: one GET at a time, its socket
closed after it (no half-read socket is ever reused), a bounded time, and None or the reason it
failed, in words. A refusal (status other than 200) is said with the server's own reason when
its body gives one ("HTTP 400: Invalid series: Grid"), not just its number.

adafruit_requests retries a request once when the first read fails, so a dead server costs up
to twice ``timeout_s``.
"""


def why(exc):
    """Words for an exception from the network stack or a parser."""
    name = type(exc).__name__
    if name == "OutOfRetries":  # adafruit_requests tried twice; CPython keeps the cause
        cause = getattr(exc, "__cause__", None)
        return "no answer (%s)" % (why(cause) if cause is not None else "connection failed twice")
    text = str(exc)
    if name in ("TimeoutError", "timeout") or "timed out" in text:
        return "timed out"
    return "%s: %s" % (name, text) if text else name


def told(body):
    """The reason a server gives in the first bytes of its answer (bytes): the text of a
    "message", "detail", "text" or "error" string in JSON, else its first line ("" for HTML)."""
    try:
        text = body.decode("utf-8")
    except UnicodeError:
        return ""
    for key in ('"message"', '"detail"', '"text"', '"error"'):
        i = text.find(key)
        while i >= 0:
            j = i + len(key)
            while j < len(text) and text[j] in ' :\t':
                j += 1
            if j < len(text) and text[j] == '"':
                end = text.find('"', j + 1)
                return text[j + 1:end if end > 0 else len(text)]
            i = text.find(key, j)
    text = text.strip()
    if text.startswith("<"):
        return ""
    end = text.find("\n")
    return text if end < 0 else text[:end].strip()


def head(resp, n):
    """The first ``n`` bytes of the body (fewer if it is shorter)."""
    body = b""
    for chunk in resp.iter_content(n):
        body += chunk
        if len(body) >= n:
            break
    return body[:n]


def get(heater, url, parse):
    """GET ``url`` with ``heater``'s session and pass the response to ``parse(resp)`` (None or the
    reason); None or the reason the request failed. The socket is closed after it."""
    resp = None
    sock = None
    try:
        resp = heater.session.get(url, timeout=heater.timeout_s, stream=True)
        sock = resp.socket
        if resp.status_code != 200:
            text = told(head(resp, 192))[:64]
            return "HTTP %d: %s" % (resp.status_code, text) if text else "HTTP %d" % resp.status_code
        try:
            return parse(resp)
        except EOFError:
            return "answer cut short (truncated JSON)"
        except ValueError as exc:  # json: "syntax error in JSON" on the board, the position on CPython
            return "malformed JSON (%s)" % str(exc)[:48]
    except Exception as exc:  # noqa: BLE001 - any network or parse failure becomes a reason in words
        return why(exc)
    finally:
        if resp is not None:
            resp.close()  # frees the socket in the connection manager ...
        if sock is not None:
            try:
                heater.sockets.close_socket(sock)  # ... and closes it: a half-read socket is never reused
            except (OSError, RuntimeError):
                pass
