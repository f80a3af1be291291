"""A local HTTP server on 127.0.0.1 that answers like the heater's sources, for the real
adafruit_requests on CPython's socket module.

``server.routes[path_prefix] = Answer(...)``: the longest matching prefix answers; every request
is recorded in ``server.requests`` (path with query). An Answer can be a status, a body (sent
in 256-byte pieces, each flushed, as a device's TCP stack delivers it), a delay (to provoke
timeouts), or a body cut short (the Content-Length still promises it all, then the connection
closes).
"""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import adafruit_requests


class Answer:
    def __init__(self, body=b"", status=200, delay_s=0.0, cut_at=None, content_type="application/json", chunk=256,
                 pause_s=0.0):
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        self.body = body.encode() if isinstance(body, str) else body
        self.status = status
        self.delay_s = delay_s
        self.cut_at = cut_at
        self.content_type = content_type
        self.chunk = chunk  # the body goes out in pieces of this size, each flushed
        self.pause_s = pause_s  # and this long apart (a server that drips its answer)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        srv = self.server
        srv.requests.append(self.path)
        best = None
        for prefix, answer in srv.routes.items():
            if self.path.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
                best = (prefix, answer)
        answer = best[1] if best else Answer({"detail": "Not found."}, status=404)
        if answer.delay_s:
            srv.stop_delay.wait(answer.delay_s)
        body = answer.body
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            body = body if answer.cut_at is None else body[:answer.cut_at]
            for i in range(0, len(body), answer.chunk):
                self.wfile.write(body[i:i + answer.chunk])
                self.wfile.flush()
                if answer.pause_s:
                    srv.stop_delay.wait(answer.pause_s)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)
        self.close_connection = True


class SourceServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes = {}
        self.requests = []
        self.stop_delay = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def close(self):
        self.stop_delay.set()
        self.shutdown()
        self.server_close()


def session():
    """An adafruit_requests Session on CPython's sockets (no TLS needed on 127.0.0.1)."""
    return adafruit_requests.Session(socket, None)


POOL = socket  # the socket pool a Heater takes on CPython
