"""Settings of plant protection (issue 6); see ``settings_spec`` for the entry format."""

from controller.spec_kinds import B, C, F, I, L, R, S  # noqa: F401

TITLE = "Plant protection and self-recovery"

SPEC = ()

# (KEY_LOW, KEY_HIGH, message): KEY_LOW's value must be below KEY_HIGH's.
ORDER_RULES = ()
