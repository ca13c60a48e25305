"""What a fit predicts, draw by draw: the one place that turns weights into predictions.

A set of posterior draws predicts through the network itself — except a Laplace posterior, whose
predictive is that of the network linearised at its MAP (the GLM predictive). The figures, the
probe, the player and the evaluation all ask here, so they all show the same predictive.
"""
from __future__ import annotations

import numpy as np

from bdl_demo.model.fit import Fit
from bdl_demo.model.network import Network


def outputs(net: Network, fit: Fit, X: np.ndarray, draws: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Each draw's output for the inputs X, (draws, n, outputs); `draws` are some of the fit's."""
    draws = fit.draws if draws is None else draws
    return net.linearised(fit.map, draws, X) if fit.linearised else net.forward(draws, X)


def per_class(net: Network, out: np.ndarray) -> np.ndarray:
    """p(class k | x) for every class from a network's output: a sigmoid's p becomes (1 − p, p)."""
    return np.concatenate([1.0 - out, out], axis=-1) if net.output == "sigmoid" else out


def class_probabilities(net: Network, params: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """p(class k | x) for every class, of one network (the MAP, say) or of draws through the net."""
    return per_class(net, net.forward(params, X))


def draw_probabilities(net: Network, fit: Fit, X: np.ndarray, n: int | None = None) -> np.ndarray:
    """Class probabilities of (at most n, evenly spaced) draws of the fit: (draws, inputs, classes)."""
    return per_class(net, outputs(net, fit, X, subsample(fit.draws, n) if n else None))


def predictive_summary(net: Network, fit: Fit, X: np.ndarray, n: int | None = None,
                       chunk: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd over (at most n) draws of every class probability, in chunks to bound memory."""
    draws = subsample(fit.draws, n) if n else fit.draws
    total = next(iter(draws.values())).shape[0]
    sums = sums_sq = 0.0
    for start in range(0, total, chunk):
        p = per_class(net, outputs(net, fit, X, {k: v[start:start + chunk] for k, v in draws.items()}))
        sums = sums + p.sum(axis=0)
        sums_sq = sums_sq + (p**2).sum(axis=0)
    mean = sums / total
    var = np.maximum(sums_sq / total - mean**2, 0.0) * total / max(total - 1, 1)
    return mean, np.sqrt(var)


def subsample(draws: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """At most n draws, evenly spaced, so figures stay fast and deterministic."""
    total = next(iter(draws.values())).shape[0]
    if total <= n:
        return draws
    rows = np.linspace(0, total - 1, n).round().astype(int)
    return {name: value[rows] for name, value in draws.items()}
