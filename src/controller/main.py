"""Device entry point: ``controller.main.run()`` from code.py."""

import asyncio
import time

from controller.app import Controller
from controller.log import format_exception
from controller.settings import load

_RESTART_AFTER_CRASH_S = 10


def run():
    import sys

    from controller import forget, hardware

    before = set(sys.modules)
    settings = load(hardware.getenv)
    forget(before)  # the settings table (about 20 KB) is needed again only per override, by the link
    hw = hardware.Hardware(settings.onewire_pin)
    extra, net_messages = [], []
    if settings.mqtt_broker:
        from controller.net import once

        store = hardware.override_store()
        saved = once("saved", "apply_saved", settings, store)  # before the controller reads them
        net_messages = saved[2]
    ctl = Controller(hw, settings)
    for message in net_messages:
        ctl.log.warn(message)
    if settings.mqtt_broker:
        extra = _network(ctl, hardware, store, saved)
    else:
        ctl.link = None
    if settings.heater_enabled:
        extra = extra + _heater(ctl, hardware)
    try:
        asyncio.run(ctl.run(extra=extra))
    except Exception as exc:  # noqa: BLE001 - last line of defence: pump off, then restart
        print(format_exception(exc))
        if ctl.pcf is not None:
            try:
                ctl.pcf.write(0)
            except Exception:  # noqa: BLE001
                pass
        if hw.screen is not None:
            lines = ["CRASH: %s" % exc, "pump off; restarting in %d s" % _RESTART_AFTER_CRASH_S]
            hw.screen.show(lines, lines)
        time.sleep(_RESTART_AFTER_CRASH_S)
        hardware.restart()


def _network(ctl, hardware, store, saved):
    """The link task, or none (logged) if the ESP32 does not answer."""
    import gc

    from controller.net.link import make_link

    def reboot():
        if ctl.pcf is not None:
            ctl.pcf.write(0)  # pump off before the restart
        hardware.restart()

    try:
        radio = hardware.EspRadio()
    except (OSError, RuntimeError, ValueError, TimeoutError) as exc:
        ctl.link = None
        ctl.boot_messages.append("ESP32 not answering (%s): network off" % exc)
        ctl.log.error(ctl.boot_messages[-1])
        return []
    link = make_link(ctl, radio, store, saved, reboot=reboot, mem_free=getattr(gc, "mem_free", None))
    return [("link", link.task)]


def _heater(ctl, hardware):
    """The heater task (HEATER_ENABLED=1) over the link's radio, or none, said at boot. A pin
    clash with the 1-Wire bus never creates the relay; without the network the relay is held
    off (``ctl.heater_relay``) and the task does not run."""
    from controller.heater import check, drop

    s = ctl.settings
    for text in check.problems(s):
        ctl._boot_say("heater: " + text, error=True)
    clash = check.pin_clash(s)
    check = None
    drop("check")
    if clash:
        return []
    try:
        ctl.heater_relay = hardware.heater_relay(s.heater_pin)
    except (ValueError, RuntimeError, OSError) as exc:  # e.g. "D3 in use"
        ctl._boot_say("heater: relay on %s unavailable (%s): heater disabled" % (s.heater_pin, exc), error=True)
        return []
    link = getattr(ctl, "link", None)
    if link is None:
        ctl._boot_say("heater: needs the network (MQTT_BROKER and WiFi), which is off: element off", error=True)
        return []
    import adafruit_requests

    from controller.heater.task import make_task

    session = adafruit_requests.Session(link.radio.pool, link.radio.ssl_context)
    return [("heater", make_task(ctl.heater_relay, session, told=True))]
