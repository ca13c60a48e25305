"""The numbers behind the figures, in plain numpy: shown indices, densities and ranges.

Kept apart from the drawing code so it can be tested without matplotlib and reads like the maths.
(Predictions over test sets and grids are the evaluation's: bdl_demo.model.evaluation.)
"""
from __future__ import annotations

import numpy as np

ELLIPSIS = None  # marks a collapsed run of rows, columns or nodes in a list of shown indices


def shown_indices(n: int, max_shown: int) -> list[int | None]:
    """Indices to draw for a dimension of size n: all of them, or the first few, an ellipsis and the last."""
    if n <= max_shown:
        return list(range(n))
    head = max_shown - 2
    return [*range(head), ELLIPSIS, n - 1]


def normal_pdf(x: np.ndarray, sd: float, mean: float = 0.0) -> np.ndarray:
    """The density of N(mean, sd²): the prior on every weight and bias."""
    return np.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))


def kde(samples: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """A Gaussian kernel density estimate with Scott's bandwidth: a smooth histogram of the draws."""
    samples = np.asarray(samples, dtype=float).ravel()
    bandwidth = max(samples.std(ddof=1) * len(samples) ** (-1 / 5), 1e-3 * (np.ptp(grid) or 1.0))
    z = (grid[:, None] - samples[None, :]) / bandwidth
    return np.exp(-0.5 * z**2).sum(axis=1) / (len(samples) * bandwidth * np.sqrt(2 * np.pi))


def symmetric_range(draws: np.ndarray, prior_sd: float) -> float:
    """Half-width of a shared x-axis for densities: the prior's ±3 sd, widened if the posterior lies beyond."""
    return float(max(3.0 * prior_sd, 1.15 * np.quantile(np.abs(draws), 0.999)))


def entropy(probabilities: np.ndarray) -> np.ndarray:
    """Entropy of each predictive distribution in nats: 0 when sure, log K when clueless."""
    p = np.clip(probabilities, 1e-12, 1.0)
    return -(p * np.log(p)).sum(axis=-1)
