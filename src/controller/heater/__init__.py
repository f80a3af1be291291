"""The immersion heater (issue 7): imported only when HEATER_ENABLED = 1."""


def drop(name):
    """Forget the per-source module ``controller.heater.NAME`` so its RAM is freed once its
    objects are gone (the slow sources are fetched every few hours at most)."""
    import sys

    sys.modules.pop("controller.heater." + name, None)
    pkg = sys.modules.get("controller.heater")
    if pkg is not None and name in pkg.__dict__:
        delattr(pkg, name)
