"""Host-side simulation of the solar hot-water plant the firmware controls.

* :mod:`hwc.sim.weather` -- :class:`Weather` (TMY via pvlib, clear sky, CSV, bundled default day)
* :mod:`hwc.sim.plant` -- :class:`Plant` / :class:`PlantConfig`: collector, pipes, stratified
  tank, draw-off, relief valve, pump; energy-conserving, time-stepped
* :mod:`hwc.sim.sensors` -- :class:`Sensors` / :class:`FaultScript`: NTC raw values and
  DS18B20 readings (with scripted faults) as the firmware's buses would see them

Typical use::

    from hwc.sim import Plant, PlantConfig, Weather, Sensors
    plant = Plant(PlantConfig(), Weather.default())
    sensors = Sensors(plant)
    while plant.t_s < 86400:
        on = decide(sensors.ntc_raw("hot"), sensors.ntc_raw("cold"))
        plant.step(1.0, on)
    print(plant.totals, plant.energy_balance_error())

pvlib is imported only by the Weather constructors that need it (TMY, clear sky, GHI CSVs).
"""

from .plant import (COLLECTORS, DEFAULT_DRAWS, EVACUATED_TUBE, FLAT_PLATE, CollectorSpec,
                    DrawEvent, Plant, PlantConfig)
from .sensors import FAULT_KINDS, Fault, FaultScript, Sensors
from .weather import (LOCATIONS, Weather, WeatherError, monthly_weathers,
                      representative_days)

__all__ = [
    "COLLECTORS", "DEFAULT_DRAWS", "EVACUATED_TUBE", "FLAT_PLATE", "CollectorSpec", "DrawEvent",
    "Plant", "PlantConfig", "FAULT_KINDS", "Fault", "FaultScript", "Sensors", "LOCATIONS",
    "Weather", "WeatherError", "monthly_weathers", "representative_days",
]
