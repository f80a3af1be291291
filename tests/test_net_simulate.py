"""``hwc simulate --mqtt``: the simulated firmware publishes to a real broker (mosquitto) over
CPython sockets, a paho-mqtt client playing ThingsBoard; the virtual clock is paced under
the rate limit and every point carries its simulated time."""

import json
import math
import time

import pytest

from hwc import cli
from hwc.netpc import Pacer, last_midnights_epoch_s, parse_broker
from netfw import TB, FakeThingsBoard, wait_for

DAYS = 0.03  # 43 simulated minutes
SETTINGS = 'REPLAY_BATCH = 50\nREPLAY_PER_S = "2.0"\n'  # paced at half of 2 x 50 x 5: 250 x real time


@pytest.fixture
def tb(broker):
    t = FakeThingsBoard(broker.port)
    wait_for(lambda: t.client.is_connected() and t.subscribes >= 1, what="paho subscribed")
    yield t
    t.close()


def test_simulated_day_reaches_the_broker_stamped_with_simulated_time(broker, tb, tmp_path, capsys):
    settings = tmp_path / "settings.toml"
    settings.write_text(SETTINGS)
    rc = cli.main(["simulate", "--mqtt", "127.0.0.1:%d" % broker.port, "--token", "sim-token", "--days", str(DAYS),
                   "--settings", str(settings), "--no-plot", "--json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    summary = json.loads(out)
    net = summary["mqtt"]
    assert net["dropped"] == 0 and net["unsent"] == 0 and net["speed"] == 250 and not net["realtime"]
    points = wait_for(lambda: len(tb.points()) >= net["points_sent"] and tb.points(), what="every point")
    assert len(points) == net["points_sent"] >= DAYS * 86400 / 5 - 2
    start_ms = net["start_epoch_s"] * 1000
    stamps = [p["ts"] for p in points]
    assert stamps == sorted(set(stamps))  # in order, none twice
    # The simulated time, not the time of sending: 5 s apart, from the simulated midnight.
    assert start_ms <= stamps[0] <= start_ms + 10_000
    assert stamps[-1] <= start_ms + DAYS * 86400 * 1000 and stamps[-1] < time.time() * 1000 - DAYS * 86400 * 1000
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert min(gaps) >= 4000 and max(gaps) <= 6000
    assert all(p["values"]["mode"] for p in points) and len({p["values"]["hot_c"] for p in points}) > 5
    status = [p for p in points if "uptime_s" in p["values"]]  # the status keys, once a minute
    assert len(status) >= DAYS * 1440 - 2
    uptimes = [p["values"]["uptime_s"] for p in status]
    assert uptimes[-1] - uptimes[0] == pytest.approx((status[-1]["ts"] - status[0]["ts"]) / 1000, abs=2)
    # The rate limit in real time: at most REPLAY_PER_S messages in any second (+1 at the edges).
    arrivals = [t for topic, t in tb.arrivals if topic == TB + "telemetry"]
    assert len(arrivals) == net["messages"] > 1
    assert max(sum(1 for b in arrivals if a <= b < a + 1.0) for a in arrivals) <= 3
    attrs = tb.got(TB + "attributes")[0]
    assert attrs["board"] == "PC rig" and attrs["settings"]["REPLAY_BATCH"] == 50  # not the default 20
    assert "mqtt: %d points in" % net["points_sent"] in err


def test_bad_mqtt_options_exit_2(tmp_path, capsys):
    settings = tmp_path / "settings.toml"
    settings.write_text('MQTT_TOKEN = "x"\n')
    cases = [(["--token", "t"], "go with --mqtt"), (["--mqtt", "host:port"], "HOST:PORT"),
             (["--mqtt"], "needs MQTT_BROKER"), (["--mqtt", "h", "--speed", "5000"], "at most 200"),
             (["--mqtt", "h", "--realtime", "--speed", "2"], "leave out --speed"),
             (["--mqtt", "h", "--strategy", "oracle"], "oracle has no link")]
    for extra, message in cases:
        assert cli.main(["simulate", "--no-plot", "--settings", str(settings)] + extra) == 2, extra
        assert message in capsys.readouterr().err, extra


def test_pacing_and_helpers():
    now = [100.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s

    pacer = Pacer(10, clock=lambda: now[0], sleep=sleep)
    pacer(0.0, 5.0)  # 5 virtual s at 10 x: 0.5 s of wall time
    assert slept == [pytest.approx(0.5)]
    now[0] += 2.0  # the loop was slower than 10 x: no sleep
    pacer(5.0, 10.0)
    assert len(slept) == 1
    assert parse_broker("tb.example.org") == ("tb.example.org", 1883) and parse_broker("h:8883") == ("h", 8883)
    start = last_midnights_epoch_s(1, now_s=time.mktime((2026, 3, 29, 15, 0, 0, 0, 0, -1)))
    assert time.localtime(start)[:6] == (2026, 3, 28, 0, 0, 0)


def test_a_refused_token_is_retried_at_the_device_pace_in_real_time(tmp_path, capsys):
    """With a wrong token the simulated device retries with its backoff in real time
    (NET_BACKOFF_MIN_S doubling), not on the virtual clock, whatever the simulation speed."""
    import re

    from mqtt_broker import Broker

    refusing = Broker(tmp_path / "refusing", anonymous=False).start()
    try:
        t0 = time.monotonic()
        rc = cli.main(["simulate", "--mqtt", "127.0.0.1:%d" % refusing.port, "--token", "wrong", "--days", "0.01",
                       "--no-plot", "--json"])
        wall_s = time.monotonic() - t0
    finally:
        refusing.stop()
    out, err = capsys.readouterr()
    assert rc == 1 and "not authorised" in json.loads(out)["mqtt"]["last_error"]
    log = (tmp_path / "refusing" / "broker.log").read_text()
    attempts = len(re.findall(r"New connection from", log))
    # 2 s, then 4, 8, ... (each drawn from its upper half): at most 2 + log2 of the run's seconds.
    assert 1 <= attempts <= 2 + math.log2(wall_s + 1), (attempts, wall_s)
