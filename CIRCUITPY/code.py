# Solar hot-water controller for the PyPortal Titano. The firmware lives in lib/controller/;
# settings are in settings.toml (see settings.toml.example).
import controller.main

controller.main.run()
