"""Whether a fit can be trusted: each method's own check, in one place.

NUTS: R̂, bulk ESS and divergences. ADVI and the MC-dropout net: their stochastic loss settled.
The MAP, and each member of a deep ensemble: L-BFGS stopped because it converged.
"""
from __future__ import annotations

import numpy as np

from bdl_demo.model.fit import Fit

SETTLED = 0.01  # a stochastic loss has settled when its mean moved by less than 1 % over the last tenth
STOP_CHANGE = 0.002  # a run may stop early once its last quarter's mean is within 0.2 % of the quarter before
CHECKS = 120  # how often, over a run's cap of steps, it asks whether it may stop (from the tenth check on)


def settled(loss: np.ndarray, iterations: int) -> dict:
    """Whether a stochastic optimiser's loss settled: its mean over the last tenth of the run against
    the tenth before, relative change below SETTLED."""
    tenth = max(1, len(loss) // 10)
    last, before = loss[-tenth:].mean(), loss[-2 * tenth:-tenth].mean()
    change = float(abs(last - before) / max(abs(before), 1e-12))
    return {"iterations": int(len(loss)), "cap": int(iterations), "loss_change": change,
            "converged": bool(change < SETTLED)}


def may_stop(loss: np.ndarray, cap: int) -> bool:
    """Whether a stochastic optimiser with at most `cap` steps may stop after the steps in `loss` (see
    CHECKS and STOP_CHANGE): stricter than `settled`, so a loss still drifting slowly runs on to the cap."""
    steps, every = len(loss), max(1, cap // CHECKS)
    if steps < 10 * every or steps % every:
        return False
    quarter = steps // 4
    last, before = loss[-quarter:].mean(), loss[-2 * quarter:-quarter].mean()
    return bool(abs(last - before) < STOP_CHANGE * max(abs(before), 1e-12))


class StopWhenSettled:
    """A callback for PyMC's `pm.fit`: stop once `may_stop` says the loss settled."""

    def __init__(self, cap: int):
        self.cap = cap

    def __call__(self, approximation, loss: np.ndarray, step: int) -> None:
        if may_stop(loss, self.cap):
            raise StopIteration(f"the loss settled after {step} steps")


def convergence_problem(fit: Fit) -> str | None:
    """Why a fit cannot be trusted as it stands, in words (each method by its own check), or None."""
    d = fit.diagnostics
    if d.get("map_converged") is False:
        return f"the MAP's optimiser stopped before converging ({d.get('map_iterations')} iterations)"
    if fit.method == "nuts":
        problems = [f"R̂ {d['r_hat_max']:.3f} > 1.01" if d["r_hat_max"] > 1.01 else "",
                    f"{d['divergences']} divergences" if d["divergences"] else "",
                    f"bulk ESS {d['ess_bulk_min']:.0f} < 400" if d["ess_bulk_min"] < 400 else ""]
        return ", ".join(p for p in problems if p) or None
    if fit.method in ("advi", "dropout") and not d.get("converged", True):
        who = "ADVI's" if fit.method == "advi" else "the dropout net's training"
        return f"{who} loss had not settled (it moved {100 * d['loss_change']:.1f} % over the last tenth)"
    if fit.method == "ensemble" and d["members_converged"] < d["members"]:
        return f"{d['members'] - d['members_converged']} of {d['members']} members' optimisers stopped before converging"
    return None
