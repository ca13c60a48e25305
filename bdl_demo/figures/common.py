"""The numbers behind the figures, in plain numpy: shown indices, densities and ranges.

Kept apart from the drawing code so it can be tested without matplotlib and reads like the maths.
(Predictions over test sets and grids are the evaluation's: bdl_demo.model.evaluation.)
"""
from __future__ import annotations

import numpy as np

from bdl_demo.numbers import significant

ELLIPSIS = None  # marks a collapsed run of rows, columns or nodes in a list of shown indices


def parameter_id(array: str, index: tuple[int, ...]) -> str:
    """The part of an SVG id that names the parameter a part shows: W1-0-3 in cell-W1-0-3, b2-1 in
    edge ids such as bias-b2-1. The deck reads the parameter back from the id (bdl_demo.deck.inline)."""
    return "-".join([array, *(str(i) for i in index)])


def shown_indices(n: int, max_shown: int) -> list[int | None]:
    """Indices to draw for a dimension of size n: all of them, or the first few, an ellipsis and the last."""
    if n <= max_shown:
        return list(range(n))
    return [*range(max_shown - 2), ELLIPSIS, n - 1]


def prior_words(net) -> str:
    """The priors of a network in words, as figures name them: one phrase when weights and biases
    share theirs."""
    weight, bias = significant(net.weight_sd), significant(net.bias_sd)
    weights = f"N(0, {weight}²/n_in)" if net.fan_in else f"N(0, {weight}²)"
    if not net.fan_in and net.weight_sd == net.bias_sd:
        return f"{weights} for every weight and bias"
    return f"{weights} for weights, N(0, {bias}²) for biases"


def kde(samples: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """A smooth histogram of the draws on `grid`: SciPy's Gaussian kernel density estimate with
    Scott's bandwidth. Draws that do not vary at all are one spike at their value."""
    from scipy.stats import gaussian_kde

    samples = np.asarray(samples, dtype=float).ravel()
    if np.ptp(samples) == 0:
        return np.where(np.isclose(grid, samples[0]), 1.0, 0.0)
    return gaussian_kde(samples, bw_method="scott")(grid)


def symmetric_range(draws: np.ndarray, prior_sd: float) -> float:
    """Half-width of a shared x-axis for densities: the prior's ±3 sd, widened if the posterior lies beyond."""
    return float(max(3.0 * prior_sd, 1.15 * np.quantile(np.abs(draws), 0.999)))
