"""controller.main.run() when the heap runs out at boot (issue 12): the optional parts (the
heater first, then the network) are dropped instead of crashing and restarting forever, the
heater's relay stays off, the boot page and the log say what was dropped, and the pump control
runs. Driven on CPython with test_heater_main's fake ``controller.hardware``; the MemoryError is
raised by the import system, where the board raises it (compiling a module that does not fit)."""

import sys

import pytest

from test_heater_main import BASE, drive

NET = dict(BASE, MQTT_BROKER="127.0.0.1")
NO_HEATER = "not enough memory for the heater: element off"
NO_NETWORK = "not enough memory for the network: network off"


class NoRoom:
    """A meta path finder: importing ``name`` raises MemoryError the first ``times`` times."""

    def __init__(self, name, times=1):
        self.name = name
        self.left = times
        self.raised = 0

    def find_spec(self, name, path=None, target=None):
        if name == self.name and self.left:
            self.left -= 1
            self.raised += 1
            raise MemoryError("memory allocation failed, allocating 1024 bytes")
        return None


@pytest.fixture
def no_room(monkeypatch):
    def install(name, times=1):
        finder = NoRoom(name, times)
        monkeypatch.delitem(sys.modules, name, raising=False)  # imported afresh, through the finder
        monkeypatch.setattr(sys, "meta_path", [finder] + sys.meta_path)
        return finder

    return install


def assert_pump_control_runs(ctl):
    for name in ("sensors", "control", "pump"):
        assert ctl.task_restarts.get(name) == 0, ctl.task_restarts
    assert ctl.control_cycles > 0 and ctl.decision_ms is not None and ctl.hot.raw is not None
    assert ctl.pcf is not None


def test_no_room_for_the_heater_task_drops_the_heater_and_keeps_its_relay_off(monkeypatch, no_room):
    finder = no_room("controller.heater.task")
    hw, ctl = drive(monkeypatch, NET)
    assert finder.raised == 1
    assert_pump_control_runs(ctl)
    assert "link" in ctl.task_restarts and ctl.link is not None  # the network stays
    assert "heater" not in ctl.task_restarts and ctl.heater is None and ctl.heater_relay is None
    relay, = hw.relays
    assert relay.writes == [False]  # created off, never on
    assert [m for m in ctl.boot_errors if m.startswith(NO_HEATER)] and "HEATER_ENABLED = 0" in ctl.boot_errors[-1]
    assert not [m for m in ctl.boot_errors if m.startswith(NO_NETWORK)]
    assert [line for line in ctl.lines if "ERROR" in line and NO_HEATER in line]


def test_no_room_at_boot_drops_the_heater_and_boots_again(monkeypatch, no_room):
    finder = no_room("controller.boot")  # Controller.boot() loads it (controller.once)
    hw, ctl = drive(monkeypatch, NET)
    assert finder.raised == 1
    assert_pump_control_runs(ctl)
    assert "link" in ctl.task_restarts and "heater" not in ctl.task_restarts
    assert hw.relays[0].writes == [False] and ctl.heater_relay is None
    # the failed attempt's words are taken back: the version line once, then the drop, then the boot
    versions = [i for i, m in enumerate(ctl.boot_messages) if m.startswith("solar-hwc ")]
    drop = [i for i, m in enumerate(ctl.boot_messages) if m.startswith(NO_HEATER)]
    assert len(versions) == 1 and len(drop) == 1 and drop[0] < versions[0]


def test_no_room_at_boot_twice_drops_the_network_too(monkeypatch, no_room):
    finder = no_room("controller.boot", times=2)
    hw, ctl = drive(monkeypatch, NET)
    assert finder.raised == 2
    assert_pump_control_runs(ctl)
    assert "link" not in ctl.task_restarts and "heater" not in ctl.task_restarts
    assert ctl.link is None and ctl.wall is None
    assert hw.relays[0].writes == [False]
    errors = ctl.boot_errors
    assert [m for m in errors if m.startswith(NO_HEATER)] and [m for m in errors if m.startswith(NO_NETWORK)]
    assert errors.index([m for m in errors if m.startswith(NO_HEATER)][0]) < errors.index(
        [m for m in errors if m.startswith(NO_NETWORK)][0])  # the heater goes first


def test_no_room_for_the_link_drops_the_network_and_the_heater_stays_off(monkeypatch, no_room):
    no_room("controller.net.link")
    hw, ctl = drive(monkeypatch, NET)
    assert_pump_control_runs(ctl)
    assert ctl.link is None and "link" not in ctl.task_restarts and "heater" not in ctl.task_restarts
    assert [m for m in ctl.boot_errors if m.startswith(NO_NETWORK)]
    assert hw.relays[0].writes == [False]  # held off: the heater needs the network


def test_with_nothing_left_to_drop_a_memory_error_at_boot_is_a_crash(monkeypatch, no_room):
    no_room("controller.boot")
    with pytest.raises(pytest.fail.Exception, match="crashed"):
        drive(monkeypatch, {"PROBE1_NAME": "tank_top"})
