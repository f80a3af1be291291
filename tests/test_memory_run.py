"""The long-run instrument (hwc.memrun, issue 12 "Running") works and bites: the firmware with
everything on runs on MicroPython's unix port with its collector on, the real
adafruit_minimqtt talks to a real mosquitto (RPCs answered, telemetry and Home Assistant
discovery received), and a deliberate leak of 64 bytes per RPC shows in its leak figure
against the same run without it.

These runs are given a roomy heap (300 KB free after boot), so that the firmware, which does
not fit the board's heap today, still runs: they test the instrument. The long-run targets are
asserted in tests/test_memory_budget.py."""

import pytest

from hwc import memrun

ROOMY = 300 * 1024
LEAK = 64

def _run(leak=None):
    missing = memrun.unix_ready()
    assert missing is None, missing
    return memrun.long_run(cycles=4, parts=("stream",), rpcs=50, leak=leak, free_after_boot=ROOMY,
                           timeout_s=300)


@pytest.fixture(scope="module")
def clean():
    return _run()


def test_the_firmware_runs_against_the_real_broker(clean):
    r = clean
    assert r["complete"], r.get("tail") or r["console_errors"]
    assert not r["errors"], r["errors"]
    net = r["net"]
    assert net["rpc_sent"] == 200
    assert net["rpc_answered"] >= 160  # a few of the last may still be queued when the run ends
    assert net["hass_configs"] >= 5  # HA discovery went through the real broker
    assert net["points"] > 0  # telemetry with QoS 1 (PUBACKs from mosquitto)
    status = r["statuses"][-1]
    assert status["state"] == "online" and status["connects"] == 1
    assert not any(status["restarts"].values()), status["restarts"]
    # sampled after every wake-up, with the free heap and largest block read each time
    assert r["wakeups"] > 200
    assert 0 < r["min_largest"] <= r["min_free"] < r["free_after_boot"]
    assert r["calibration"]["factor"] > 1.2  # 64-bit objects: bigger than on the 32-bit board


def test_a_leak_of_64_bytes_per_rpc_shows(clean):
    leaky = _run(leak=LEAK)
    assert leaky["complete"], leaky.get("tail") or leaky["console_errors"]
    per_cycle = leaky["net"]["rpc_answered"] / 4
    extra = leaky["flatness"]["growth_per_cycle"] - clean["flatness"]["growth_per_cycle"]
    print("\nlive heap growth per cycle: clean %+.0f B, leaking %+.0f B (%.0f RPCs answered per cycle)"
          % (clean["flatness"]["growth_per_cycle"], leaky["flatness"]["growth_per_cycle"], per_cycle))
    # each leaked bytearray(64) costs 64 bytes and its object (32 bytes here, 64-bit)
    assert extra >= 0.6 * per_cycle * LEAK
    assert extra <= 3 * per_cycle * (LEAK + 32)
