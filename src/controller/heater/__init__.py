"""The immersion heater (issue 7): imported only when HEATER_ENABLED = 1 (docs/heater.md)."""
