"""The point estimate: the most probable parameters of a network's Bayesian model (its MAP).

Every posterior in the deck starts from it, and the deep ensemble is several of them.
"""
from __future__ import annotations

import warnings

import numpy as np

from bdl_demo.model.network import Network


def find_map(model, net: Network, seed: int, start: dict[str, np.ndarray] | None = None) -> tuple[dict[str, np.ndarray], dict]:
    """The most probable parameters (L-BFGS on the log posterior, from `start` or the prior's
    mean), whether the optimiser stopped because it had converged, and its loss (the negative log
    posterior) at every step."""
    import pymc as pm

    losses = []

    def note(intermediate_result):  # scipy passes each step's state under this name
        losses.append(float(intermediate_result.fun))

    with model, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its own convergence is reported below instead
        point, raw = pm.find_MAP(start=start, progressbar=False, seed=seed, return_raw=True, callback=note)
    estimate = {m.name: np.asarray(point[m.name]) for m in net.matrices()}
    return estimate, {"map_converged": bool(raw.success), "map_iterations": int(raw.nit), "map_loss": losses}
