# Solar hot-water controller: CircuitPython 9+ runs this file when the board enters safe mode
# (a hard fault, a brownout, a stack overflow ...), instead of code.py. It switches the pump
# off (PCF8591 DAC to 0 over I2C), records the safe-mode reason in the nvm counters and, after
# a delay, resets the board into normal mode (controller.hardware.safe_mode). A safe mode you
# asked for (the button at start-up) stays, so you can reach the drive and the REPL.
import time

try:
    from controller import hardware

    hardware.safe_mode()
except Exception as exc:  # noqa: BLE001 - whatever broke (lib/controller missing?), come back
    print("safemode.py: %s; pump off, resetting in 30 s" % exc)
    try:
        import board

        i2c = board.I2C()
        while not i2c.try_lock():
            pass
        # controller.pump.off's raw write, spelled out here because lib/controller may be what
        # broke: the PCF8591 at its default address, analog output on, at 0.
        i2c.writeto(0x48, bytes((0x40, 0)))
        i2c.unlock()
    except Exception:  # noqa: BLE001
        pass
    time.sleep(30)
    import microcontroller

    microcontroller.reset()
