"""controller.main.run() when the heap runs out at boot (issue 12): the pump control boots
first; the optional parts (the heater first, then the network) are dropped instead of crashing
and restarting forever, the heater's relay stays off, the boot page and the log say what was
dropped, and the pump control runs. Driven on CPython with test_heater_main's fake ``controller.hardware``; the MemoryError is
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
    said = ctl.boot_messages  # the pump control booted first: the PCF8591 found, the pump off
    assert [m for m in said if m.startswith("PCF8591 found")][0] in said[:said.index(ctl.boot_errors[-1])]


def test_no_room_while_the_tasks_start_drops_the_heater_and_starts_again(monkeypatch, no_room):
    finder = no_room("controller.health")  # start_tasks loads it (the watchdog's feeder)
    hw, ctl = drive(monkeypatch, NET)
    assert finder.raised == 1
    assert_pump_control_runs(ctl)
    assert "link" in ctl.task_restarts and "heater" not in ctl.task_restarts and "watchdog" in ctl.task_restarts
    assert hw.relays[0].writes == [False] and ctl.heater_relay is None
    assert [m for m in ctl.boot_errors if m.startswith(NO_HEATER)]
    assert ctl.counters.resets.get("unknown") == 1  # this start counted once


def test_no_room_while_the_tasks_start_twice_drops_the_network_too(monkeypatch, no_room):
    finder = no_room("controller.health", times=2)
    hw, ctl = drive(monkeypatch, NET)
    assert finder.raised == 2
    assert_pump_control_runs(ctl)
    assert "link" not in ctl.task_restarts and "heater" not in ctl.task_restarts
    assert ctl.link is None and ctl.wall is None
    assert hw.relays[0].writes == [False]
    errors = ctl.boot_errors
    heater = [i for i, m in enumerate(errors) if m.startswith(NO_HEATER)]
    network = [i for i, m in enumerate(errors) if m.startswith(NO_NETWORK)]
    assert len(heater) == len(network) == 1 and heater[0] < network[0]  # the heater goes first


def test_no_room_for_the_heaters_first_run_drops_it_and_the_rest_runs_on(monkeypatch, no_room):
    finder = no_room("adafruit_requests")  # the heater's session, made when its task first runs
    hw, ctl = drive(monkeypatch, NET)
    assert finder.raised == 1
    assert_pump_control_runs(ctl)
    assert ctl.task_restarts.get("link") == 0
    assert ctl.task_restarts.get("heater") == 0  # dropped, not crashed and restarted
    assert ctl.heater is None and ctl.heater_relay is None and hw.relays[0].writes == [False]
    assert [m for m in ctl.boot_errors if m.startswith(NO_HEATER)]


def test_no_room_for_the_link_drops_the_network_and_the_heater_stays_off(monkeypatch, no_room):
    no_room("controller.net.link")
    hw, ctl = drive(monkeypatch, NET)
    assert_pump_control_runs(ctl)
    assert ctl.link is None and "link" not in ctl.task_restarts and "heater" not in ctl.task_restarts
    assert [m for m in ctl.boot_errors if m.startswith(NO_NETWORK)]
    assert hw.relays[0].writes == [False]  # held off: the heater needs the network


def test_no_room_for_the_pump_control_itself_is_a_crash(monkeypatch, no_room):
    no_room("controller.boot")  # Controller.boot(), before any optional part is loaded
    with pytest.raises(pytest.fail.Exception, match="crashed"):
        drive(monkeypatch, NET)
