"""Changes asked for from outside while the controller runs, imported for the call and forgotten
after it (``controller.once``): the manual pump mode (the setManual RPC) and a switch of the
control strategy (a CONTROL_STRATEGY override from ThingsBoard). Both are rare; the code costs
no RAM between them.
"""

from controller.algorithm import create
from controller.decision import AUTO, MANUAL, OFF


def set_manual(ctl, mode, duty_pct, timeout_s):
    """``Controller.set_manual``: see there."""
    if mode not in (AUTO, MANUAL, OFF):
        raise ValueError("mode must be one of " + ", ".join((AUTO, MANUAL, OFF)))
    if not isinstance(duty_pct, (int, float)) or isinstance(duty_pct, bool) or not 0 <= duty_pct <= 100:
        raise ValueError("duty_pct must be a number 0..100")
    if timeout_s is not None and (not isinstance(timeout_s, (int, float)) or isinstance(timeout_s, bool)
                                  or timeout_s <= 0):
        raise ValueError("timeout_s must be a positive number of seconds")
    ctl.manual_mode = mode
    ctl.manual_duty_pct = int(duty_pct + 0.5) if mode == MANUAL else 0
    ctl.manual_until_s = None if (mode == AUTO or timeout_s is None) else ctl.clock.now_s() + timeout_s
    if mode == AUTO:
        ctl.log.info("pump mode: auto")
    else:
        ctl.log.warn("pump mode: %s%s%s" % (
            mode, " at %d %%" % ctl.manual_duty_pct if mode == MANUAL else "",
            " for %d s" % timeout_s if timeout_s is not None else " until changed"))


def switch_strategy(ctl):
    """CONTROL_STRATEGY changed at run time (a ThingsBoard override): a fresh algorithm that
    starts stopped, keeping the last decision's duty for the pump-start count."""
    old = ctl.decision
    ctl.algorithm = create(ctl.settings)
    ctl.algorithm.decision.mode = old.mode
    ctl.algorithm.decision.duty_pct = old.duty_pct
    ctl.decision = ctl.algorithm.decision
    ctl.protection.algorithm = ctl.algorithm
    ctl.log.info("control strategy: %s (was %s)" % (ctl.settings.control_strategy, ctl._strategy))
    ctl._strategy = ctl.settings.control_strategy
