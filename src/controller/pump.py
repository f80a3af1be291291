"""The pump's drive: the PCF8591's analog output (DAC) switches the SCR pump driver, 255 on and
0 off. Every write to it is here: the pump task that applies the decided duty as a slow on/off
cycle (controller.pwm), and ``off``, the one way to switch the pump off whatever state the
program is in (a stop, a crash, the watchdog, a reboot, safe mode).
"""

import asyncio

from controller import const

_DAC_ON = const(255)
_DAC_OFF = const(0)
_CONTROL_DAC_ON = const(0x40)  # PCF8591 control byte with the analog output enabled
_MIN_SLEEP_MS = const(10)
_MAX_SLEEP_MS = const(250)  # re-check the decision at least this often
_RETRY_MS = const(100)  # after a failed DAC write


def off(pcf, i2c=None, address=0x48):
    """Switch the pump off now; True if the write went through. Never raises, and does not wait
    for the I2C lock (its holder may be the hung task).

    :param pcf: the PCF8591 driver, or None
    :param i2c: without a driver (safe mode, a crash before the controller existed): a bus on
        which the PCF8591's control byte and a 0 go out as raw bytes
    :param address: the PCF8591's I2C address, for the raw bytes
    """
    try:
        if pcf is not None:
            pcf.write(_DAC_OFF)
            return True
        if i2c is None:
            return False
        while not i2c.try_lock():
            pass
        try:
            i2c.writeto(address, bytes((_CONTROL_DAC_ON, _DAC_OFF)))
        finally:
            i2c.unlock()
        return True
    except Exception:  # noqa: BLE001 - the last line of defence reports, never raises
        return False


async def drive(ctx, on):
    """Set the DAC for ``on`` under the I2C lock; False (counted and logged) on an I2C error or
    while the PCF8591 is missing."""
    async with ctx.i2c_lock:
        if ctx.pcf is None:
            return False
        try:
            ctx.pcf.write(_DAC_ON if on else _DAC_OFF)
        except (OSError, RuntimeError) as exc:
            ctx.i2c_errors += 1
            ctx.log.error("pump DAC write failed: %s" % exc)
            return False
    return True


async def task(ctx):
    """Apply the decided duty as a slow on/off cycle (``ctx.cycler``) on the DAC; a level is
    written when it changes, and again soon after a failed write."""
    cycler = ctx.cycler
    written = None
    while True:
        level = cycler.update(ctx.clock.ticks_ms(), ctx.effective_duty_pct())
        if level != written:
            if await drive(ctx, level):
                written = level
                ctx.pump_on = level
                ctx.pump_switches += 1
            else:
                written = None  # unknown: write again soon
                await asyncio.sleep(_RETRY_MS / 1000)
                continue
        wait = cycler.next_edge_ms(ctx.clock.ticks_ms())
        if wait < _MIN_SLEEP_MS:
            wait = _MIN_SLEEP_MS
        elif wait > _MAX_SLEEP_MS:
            wait = _MAX_SLEEP_MS
        await asyncio.sleep(wait / 1000)
