"""``controller.main``'s boot path, imported for the boot and forgotten after it (main keeps
only what runs later: the start of the tasks, the drop of an optional part, the crash).

The settings are read (their loader forgotten), the controller is built and booted
(``Controller.boot()``: the PCF8591 found and the pump off, the probes scanned), then the
optional parts are added on top of it, the network link and then the immersion heater; a
MemoryError while one of them is loaded or created drops it (``main._drop``). Last, the
watchdog. Nothing this module makes outlives the boot: the closures the parts need later (the
reboot RPC's, the heater task's guard) are main's.
"""

import sys

from controller import forget, main


def boot(hardware, state):
    """The boot path up to the tasks: (the controller, the optional parts kept: [(name, the
    modules loaded before it, tasks)])."""
    before = set(sys.modules)
    settings, derived, store, saved = _settings(hardware)
    forget(before)  # the loader and the settings table (about 25 KB): back only per override, by the link
    state["pcf_address"] = settings.pcf8591_address
    hw = hardware.Hardware(settings.onewire_pin)
    state["hw"] = hw
    ctl = main.Controller(hw, settings, derived=derived)
    state["ctl"] = ctl
    if saved is not None:
        for message in saved[2]:  # what applying the saved overrides said
            ctl.log.warn(message)
    ctl.boot()  # the pump control first, on the heap before the optional parts
    parts = []
    if settings.mqtt_broker and not _part(ctl, parts, "network", _network, ctl, hardware, store, saved):
        main._drop(ctl, parts, state)
    if settings.heater_enabled:
        if not _part(ctl, parts, "heater", _heater, ctl, hardware):
            main._drop(ctl, parts, state)
        elif parts and parts[-1][0] == "heater":
            main._room(parts, state)
    if settings.watchdog:
        hw.watchdog = hardware.start_watchdog(settings.watchdog_timeout_s)
        if hw.watchdog is None:
            ctl.boot_messages.append("hardware watchdog unavailable: no automatic reset of a hung loop")
            ctl.log.error(ctl.boot_messages[-1])
    return ctl, parts


def _settings(hardware):
    """The settings (with the overrides saved from ThingsBoard applied when the network is on),
    what the controller derives from them, the overrides' store and the saved overrides. Every
    module this imports is forgotten by the caller: nothing returned refers to one."""
    from controller.settings import derived, load

    settings = load(hardware.getenv)
    store = saved = None
    if settings.mqtt_broker:
        from controller.net import once

        store = hardware.override_store()
        saved = once("saved", "apply_saved", settings, store)  # before anything reads the settings
    return settings, derived(settings), store, saved


def _part(ctl, parts, name, make, *args):
    """An optional part: ``make(*args)`` gives its tasks ([(name, task_fn)]), kept in ``parts``
    as (name, the modules loaded before it, tasks). False after a MemoryError: the caller drops
    it (``main._drop``). A part that has no task (the ESP32 not answering, the heater without
    the network) keeps no module."""
    parts.append((name, set(sys.modules), []))
    try:
        parts[-1][2].extend(make(*args))
    except MemoryError:
        return False
    if not parts[-1][2]:
        forget(parts.pop()[1])
    return True


def _network(ctl, hardware, store, saved):
    """The link task, or none (logged) if the ESP32 does not answer."""
    import gc

    from controller.net.link import make_link

    try:
        radio = hardware.EspRadio()
    except (OSError, RuntimeError, ValueError, TimeoutError) as exc:
        ctl.boot_messages.append("ESP32 not answering (%s): network off" % exc)
        ctl.log.error(ctl.boot_messages[-1])
        return []
    link = make_link(ctl, radio, store, saved, reboot=main._rebooter(ctl, hardware),
                     mem_free=getattr(gc, "mem_free", None))
    return [("link", link.task)]


def _heater(ctl, hardware):
    """The heater task (HEATER_ENABLED=1) over the link's radio, or none, said at boot. A pin
    clash with the 1-Wire bus never creates the relay; without the network the relay is held
    off (``ctl.heater_relay``) and the task does not run."""
    before = set(sys.modules)
    from controller.heater import check

    s = ctl.settings
    for item in check.problems(s):  # (keys, text)
        ctl._boot_say("heater: " + item[1], True)
    clash = check.pin_clash(s)
    check = None
    forget(before)
    if clash:
        return []
    try:
        ctl.heater_relay = hardware.heater_relay(s.heater_pin)
    except (ValueError, RuntimeError, OSError) as exc:  # e.g. "D3 in use"
        ctl._boot_say("heater: relay on %s unavailable (%s): heater disabled" % (s.heater_pin, exc), True)
        return []
    link = ctl.link
    if link is None:
        if s.mqtt_broker:  # else check.problems said it
            ctl._boot_say("heater: needs the network (MQTT_BROKER and WiFi), which is off: element off", True)
        return []
    from controller.heater.task import make_task

    return [("heater", make_task(ctl.heater_relay, link.radio.pool, link.radio.ssl_context))]
