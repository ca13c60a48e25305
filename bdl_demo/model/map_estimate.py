"""The point estimate: the most probable parameters of a network's Bayesian model (its MAP).

Every posterior in the deck is shown with it, and the deep ensemble is several of them. The log
posterior and its gradient are compiled once per model (one PyTensor function for both) and
L-BFGS runs on it from as many starts as asked: an ensemble of five compiles once, not five times.
"""
from __future__ import annotations

import numpy as np

from bdl_demo.model.network import Network


class LogPosterior:
    """−log p(θ | D) and its gradient over every parameter of the model, as one flat vector θ."""

    def __init__(self, model, net: Network):
        from pymc.blocking import DictToArrayBijection

        self.net = net
        self._function = model.logp_dlogp_function(ravel_inputs=True)
        self._function.set_extra_values({})
        mean = model.initial_point()
        self._mean = {v.name: np.asarray(mean[v.name]) for v in model.continuous_value_vars}  # θ's order
        self._layout = DictToArrayBijection.map(self._mean).point_map_info

    def flat(self, params: dict[str, np.ndarray]) -> np.ndarray:
        """θ from the parameter arrays, in the model's order."""
        return np.concatenate([np.ravel(params[name]) for name, _, _, _ in self._layout])

    def arrays(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """The parameter arrays of the flat θ."""
        from pymc.blocking import DictToArrayBijection, RaveledVars

        return DictToArrayBijection.rmap(RaveledVars(np.asarray(theta), self._layout))

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        logp, gradient = self._function(theta)
        return -float(logp), -np.asarray(gradient, dtype=float)

    def find_map(self, start: dict[str, np.ndarray] | None = None) -> tuple[dict[str, np.ndarray], dict]:
        """The most probable parameters (L-BFGS, from `start` or the prior's mean), whether the
        optimiser stopped because it had converged, and its loss at every step."""
        from scipy.optimize import minimize

        losses = []

        def note(intermediate_result):  # scipy passes each step's state under this name
            losses.append(float(intermediate_result.fun))

        result = minimize(self, self.flat(self._mean | (start or {})), jac=True, method="L-BFGS-B",
                          callback=note)
        estimate = self.arrays(result.x)
        return ({m.name: estimate[m.name] for m in self.net.matrices()},
                {"map_converged": bool(result.success), "map_iterations": int(result.nit), "map_loss": losses})
