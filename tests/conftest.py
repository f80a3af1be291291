"""Fixtures shared by the test files."""

import pytest


@pytest.fixture
def broker(tmp_path):
    """A real MQTT broker (mosquitto, or amqtt where it is absent) on a free 127.0.0.1 port,
    stopped by PID after the test."""
    from mqtt_broker import Broker

    b = Broker(tmp_path / "broker").start()
    yield b
    b.stop()
