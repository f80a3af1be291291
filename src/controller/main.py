"""Device entry point: ``controller.main.run()`` from code.py."""

import asyncio
import time

from controller.app import Controller
from controller.log import format_exception
from controller.settings import load

_RESTART_AFTER_CRASH_S = 10


def run():
    from controller import hardware

    settings = load(hardware.getenv)
    hw = hardware.Hardware(settings.onewire_pin)
    ctl = Controller(hw, settings)
    try:
        asyncio.run(ctl.run())
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
