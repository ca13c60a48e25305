"""The numbers behind the figures, in plain numpy: densities, grids, predictive summaries.

Kept apart from the drawing code so it can be tested without matplotlib and reads like the maths.
"""
from __future__ import annotations

import numpy as np

from bdl_demo.network import Network

ELLIPSIS = None  # marks a collapsed run of rows, columns or nodes in a list of shown indices


def shown_indices(n: int, max_shown: int) -> list[int | None]:
    """Indices to draw for a dimension of size n: all of them, or the first few, an ellipsis and the last."""
    if n <= max_shown:
        return list(range(n))
    head = max_shown - 2
    return [*range(head), ELLIPSIS, n - 1]


def subsample(draws: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """At most n draws, evenly spaced, so figures stay fast and deterministic."""
    total = next(iter(draws.values())).shape[0]
    if total <= n:
        return draws
    rows = np.linspace(0, total - 1, n).round().astype(int)
    return {name: value[rows] for name, value in draws.items()}


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


def grid_over(X: np.ndarray, n: int = 100, margin: float = 0.5):
    """A regular n×n grid covering the 2-D inputs X: returns (xs, ys, points of shape (n*n, 2))."""
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    xs, ys = np.linspace(low[0], high[0], n), np.linspace(low[1], high[1], n)
    xx, yy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([xx.ravel(), yy.ravel()])


def class_probabilities(net: Network, params: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """p(class k | x) for every class: a sigmoid output p becomes the two columns (1 - p, p)."""
    out = net.forward(params, X)
    if net.output == "sigmoid":
        return np.concatenate([1.0 - out, out], axis=-1)
    return out


def predictive_summary(net: Network, draws: dict[str, np.ndarray], X: np.ndarray,
                       chunk: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd over posterior draws of every class probability, in chunks to bound memory."""
    total = next(iter(draws.values())).shape[0]
    sums = sums_sq = 0.0
    for start in range(0, total, chunk):
        p = class_probabilities(net, {k: v[start:start + chunk] for k, v in draws.items()}, X)
        sums = sums + p.sum(axis=0)
        sums_sq = sums_sq + (p**2).sum(axis=0)
    mean = sums / total
    var = np.maximum(sums_sq / total - mean**2, 0.0) * total / max(total - 1, 1)
    return mean, np.sqrt(var)


def accuracy(probabilities: np.ndarray, y: np.ndarray) -> float:
    """Share of examples whose most probable class is the true one."""
    return float((probabilities.argmax(axis=-1) == y).mean())


def entropy(probabilities: np.ndarray) -> np.ndarray:
    """Entropy of each predictive distribution in nats: 0 when sure, log K when clueless."""
    p = np.clip(probabilities, 1e-12, 1.0)
    return -(p * np.log(p)).sum(axis=-1)
