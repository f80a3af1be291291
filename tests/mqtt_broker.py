"""A real MQTT broker for the tests: mosquitto (Debian's package, installed by
scripts/bootstrap) on 127.0.0.1 at a free port with its own config, or amqtt where mosquitto
is absent. Started and stopped by PID; ``restart()`` keeps the port."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mosquitto():
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.path.exists(p)), None)


class Broker:
    def __init__(self, workdir, anonymous=True):
        """:param anonymous: False makes the broker refuse every client (as ThingsBoard refuses
        an unknown access token)."""
        self.anonymous = anonymous
        self.workdir = Path(workdir)
        self.port = free_port()
        self.proc = None
        self.exe = _mosquitto()

    def start(self, timeout_s=20):
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / "broker.log", "ab")
        if self.exe:
            conf = self.workdir / "mosquitto.conf"
            if self.anonymous:
                auth = "allow_anonymous true\n"
            else:  # no anonymous clients and no accounts: every login is refused
                auth = "allow_anonymous false\n"
            conf.write_text("listener %d 127.0.0.1\n%spersistence false\nlog_dest stderr\n" % (self.port, auth))
            cmd = [self.exe, "-c", str(conf)]
        else:
            conf = self.workdir / "amqtt.yaml"
            conf.write_text("listeners:\n  default:\n    type: tcp\n    bind: 127.0.0.1:%d\n"
                            "plugins:\n  amqtt.plugins.authentication.AnonymousAuthPlugin:\n"
                            "    allow_anonymous: %s\n" % (self.port, "true" if self.anonymous else "false"))
            cmd = [sys.executable, "-m", "amqtt.scripts.broker_script", "-c", str(conf)]
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("broker exited: see %s" % (self.workdir / "broker.log"))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("broker did not listen on port %d" % self.port)

    def stop(self):
        """Kill it by PID (SIGKILL: an outage, not a polite shutdown) and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def restart(self):
        self.stop()
        return self.start()
