"""The whole firmware in the loop (tasks, locks, drivers on fake buses, the MQTT link over CPython
sockets) on a simulated plant, against a real broker with a paho client playing ThingsBoard:

* the broker killed twice while the collector and tank NTCs fail for a while: no point lost,
  none twice, in order; the faults in the telemetry; no task restarted;
* a broker outage of 1 hour and one of 24 hours, counted at the receiver: the hour loses and
  thins nothing; the day keeps a point at least every 10 minutes for every key, in order,
  none duplicated, nothing dropped, and the backlog drains while live points go on.

Killing the broker also drops the paho stand-in for ThingsBoard, and what the broker accepts
before paho has subscribed again goes to nobody (real ThingsBoard is the broker and stores on
receipt). So the outage runs hold the WiFi down while the broker comes back, until paho has
subscribed again; the first test counts on the firmware's own account instead."""

import json
import math
import threading
import time

from hwc import cli
from netfw import wait_for
from test_net_simulate import SETTINGS, tb  # noqa: F401 - the fake ThingsBoard fixture

DAYS = 0.05  # 72 simulated minutes, about 9 s of wall time at 250 x
PROBES = 1


def test_broker_outages_and_sensor_faults_lose_no_point_and_kill_no_task(broker, tb, tmp_path, capsys):  # noqa: F811 - tb is imported
    settings = tmp_path / "settings.toml"
    settings.write_text(SETTINGS)
    outages = []

    def kill_twice():
        for start_s in (2.0, 6.0):
            time.sleep(start_s - (time.monotonic() - t0))
            broker.stop()
            outages.append(time.monotonic() - t0)
            time.sleep(1.5)
            broker.start()

    t0 = time.monotonic()
    killer = threading.Thread(target=kill_twice, daemon=True)
    killer.start()
    rc = cli.main(["simulate", "--mqtt", "127.0.0.1:%d" % broker.port, "--token", "sim-token", "--days", str(DAYS),
                   "--settings", str(settings), "--no-plot", "--json",
                   "--fault", "hot:open:0.2:0.4", "--fault", "cold:short:0.6:0.7"])
    killer.join(timeout=30)
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert len(outages) == 2 and outages[-1] < float(json.loads(out)["wall_s"])  # both during the run
    summary = json.loads(out)
    net = summary["mqtt"]
    assert net["dropped"] == 0 and net["unsent"] == 0
    assert summary["task_restarts"] == 0 and summary["relief_openings"] == 0
    assert summary["mode_share"]["fault"] > 0.2
    assert net["points_sent"] >= DAYS * 86400 / 5 - 2
    last_ms = net["start_epoch_s"] * 1000 + (net["points_sent"] - 1) * 5000
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(p["ts"] >= last_ms - 5000 for p in tb.points()):
        time.sleep(0.2)
    points = tb.points()
    stamps = [p["ts"] for p in points]
    assert stamps == sorted(set(stamps)) and len(points) > net["points_sent"] // 2  # in order, none twice
    assert stamps[-1] >= last_ms - 5000  # the run's last points arrived after both outages
    hot = [p["values"]["hot_fault"] for p in points]
    cold = [p["values"]["cold_fault"] for p in points]
    assert 0 in hot and 1 in hot and hot[-1] == 0  # the collector fault came, was published and went
    assert 1 in cold and cold[-1] == 0
    assert "mqtt: %d points in" % net["points_sent"] in err


def _pace(sim, speed):
    """Pace the simulation at ``speed`` times real time from now on."""
    sim.pacer.speed = float(speed)
    sim.pacer.t0 = None


def _outage(broker, tb, outage_h, before_h=0.25, after_h=0.5):  # noqa: F811
    """The firmware on a simulated plant, online ``before_h``, the broker down ``outage_h``,
    then online ``after_h`` (simulated hours) and drained. (link, points received, outage
    start and end in Unix ms, the run's epoch)."""
    from hwc.netpc import drain
    from hwc.simulate import Simulation, load_weather

    env = {"MQTT_BROKER": "127.0.0.1", "MQTT_PORT": str(broker.port), "MQTT_TOKEN": "t", "TIME_SOURCE": "ntp",
           "REPLAY_BATCH": "100", "REPLAY_PER_S": "10", "NET_BACKOFF_MIN_S": "0.5", "NET_BACKOFF_MAX_S": "2"}
    weather = load_weather(location="greensboro", month=7, days=math.ceil((before_h + outage_h + after_h) / 24))
    sim = Simulation(env, weather=weather, probes=PROBES, record_cycles=False)
    epoch = 1_750_000_000
    sim.attach_link(lambda: epoch + sim.loop.time(), speed=2000)
    link = sim.link
    sim.start()
    try:
        sim.run_for(before_h * 3600)
        while not (link.state == "online" and link.points.count <= 1):  # the virtual loop runs the link
            sim.run_for(5)
            assert sim.loop.time() < (before_h + 0.25) * 3600, "not online before the outage"
        down_ms = (epoch + sim.loop.time()) * 1000
        broker.stop()
        subscribed = tb.subscribes
        _pace(sim, 100_000)  # nothing to send: the plant as fast as it runs
        sim.run_for(outage_h * 3600)
        _pace(sim, 2000)
        sim.radio.up = False  # the WiFi too, while ThingsBoard's side comes back
        sim.run_for(10)
        broker.start()
        wait_for(lambda: tb.subscribes > subscribed, what="paho subscribed again")
        up_ms = (epoch + sim.loop.time()) * 1000
        sim.radio.up = True
        deadline = time.monotonic() + 120  # a bound on a hang, not a speed test: slow on a loaded machine
        while link.state != "online":
            # The backoff runs in real time: wait it out without running the plant ahead.
            time.sleep(max(0.0, (link.wait - link.clock()) / 1000))
            sim.run_for(1)
            assert time.monotonic() < deadline, ("not online again", link.state, link.last_error)
        sim.run_for(after_h * 3600)
        assert drain(sim.link) == 0
    finally:
        sim.stop()
    taken = link.points.total
    wait_for(lambda: len(tb.points()) >= taken - link.points.thinned - link.points.dropped, what="every point")
    return link, tb.points(), down_ms, up_ms


def test_an_hour_long_broker_outage_loses_nothing(broker, tb):  # noqa: F811
    link, points, down_ms, up_ms = _outage(broker, tb, 1)
    stamps = [p["ts"] for p in points]
    lost = link.points.total - len(set(stamps))
    assert (lost, link.points.thinned, link.points.dropped, len(stamps) - len(set(stamps))) == (0, 0, 0, 0)
    assert stamps == sorted(stamps)  # in order
    outage = [t for t in stamps if down_ms < t < up_ms]
    assert len(outage) >= 3600 / 5 - 2  # every 5 s point of the hour, sent after it
    assert max(b - a for a, b in zip(stamps, stamps[1:])) <= 5500


def test_a_day_long_broker_outage_keeps_a_point_per_10_minutes_for_every_key(broker, tb):  # noqa: F811
    link, points, down_ms, up_ms = _outage(broker, tb, 24)
    stamps = [p["ts"] for p in points]
    assert len(stamps) == len(set(stamps)) and stamps == sorted(stamps)  # none duplicated, in order
    assert link.points.dropped == 0 and link.points.thinned > 0
    assert len(stamps) + link.points.thinned == link.points.total  # every point sent or thinned, none lost
    every = ("hot_c", "cold_c", "ambient_c", "hot_fault", "cold_fault", "ambient_fault", "duty_pct", "mode",
             "max_diff_k", "diff_k", "pump_on")
    status = ("uptime_s", "rssi", "mqtt_connects", "wifi_connects", "pump_starts", "dropped", "thinned")
    for key in every + status:
        times = [p["ts"] for p in points if key in p["values"] and down_ms <= p["ts"] <= up_ms]
        times = [down_ms] + times + [up_ms]
        gap = max(b - a for a, b in zip(times, times[1:]))
        assert gap <= 600_000 + 60_000 * (key in status), (key, gap)
    # The backlog went while live points went on: points of the outage arrived interleaved in
    # time order, and the hour after it is there at full resolution.
    after = [t for t in stamps if t > up_ms + 20 * 60_000]
    assert max(b - a for a, b in zip(after, after[1:])) <= 5500
    reported = [p["values"]["thinned"] for p in points if "thinned" in p["values"]]
    assert reported[-1] == link.points.thinned  # told in the telemetry too
