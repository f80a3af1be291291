"""Where remote setting overrides persist on the device: a slice of ``microcontroller.nvm``
(a file on a PC: ``hwc.netpc.FileStore``). The record format is in ``saved``. The slice store
itself is the core's (controller.nvm, shared with the persistent counters)."""

from controller.nvm import SliceStore  # noqa: F401 - re-exported
