"""The exact posterior of Bayesian linear regression with known noise: the yardstick for NUTS."""
from __future__ import annotations

import numpy as np

from bdl_demo.model.network import Network


def linear_posterior(net: Network, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of (w_1 … w_d, b) given data, by the conjugate Normal update.

    With prior N(0, diag(σ_w², …, σ_b²)) and noise σ, the posterior precision is
    Φᵀ Φ / σ² + prior precision, where Φ = [X, 1].
    """
    phi = np.column_stack([X, np.ones(len(X))])
    prior_precision = np.diag([net.prior_sd("W1") ** -2] * X.shape[1] + [net.prior_sd("b1") ** -2])
    precision = phi.T @ phi / net.noise_sd ** 2 + prior_precision
    covariance = np.linalg.inv(precision)
    mean = covariance @ phi.T @ y / net.noise_sd ** 2
    return mean, covariance


def compare_linear(net: Network, X: np.ndarray, y: np.ndarray, draws: dict[str, np.ndarray]) -> dict:
    """How far the sampled posterior is from the exact one, in posterior sds and relative sd."""
    mean, covariance = linear_posterior(net, X, y)
    exact_sd = np.sqrt(np.diag(covariance))
    samples = np.column_stack([draws["W1"][:, :, 0], draws["b1"][:, 0]])
    sampled_mean, sampled_sd = samples.mean(axis=0), samples.std(axis=0, ddof=1)
    return {
        "max_mean_error_in_sd": float(np.max(np.abs(sampled_mean - mean) / exact_sd)),
        "max_sd_rel_error": float(np.max(np.abs(sampled_sd - exact_sd) / exact_sd)),
        "exact_mean": mean.tolist(),
        "exact_sd": exact_sd.tolist(),
    }


MORE_DATA = (3, 12, 100)  # points: a few, those of the deck, many
BAND = 1.88  # half-width of the central 94 % of a Normal, in sds


def more_data(net: Network, X: np.ndarray, y: np.ndarray, truth: dict, sizes=MORE_DATA,
              seed: int = 0) -> list[dict]:
    """The exact posterior after the first n points, for each n: the training points first, then
    more drawn from the same line (`truth`: slope, intercept, noise). With it, how wide the band of
    94 % of the posterior's lines is at x = 0 and at the edges of the data, and the slope's sd."""
    rng = np.random.default_rng(seed)
    extra = max(sizes) - len(X)
    x_more = rng.uniform(X.min(), X.max(), size=(max(extra, 0), 1))
    y_more = truth["slope"] * x_more[:, 0] + truth["intercept"] + rng.normal(0, truth["noise"], len(x_more))
    X_all, y_all = np.vstack([X, x_more]), np.concatenate([y, y_more])
    results = []
    for n in sizes:
        mean, covariance = linear_posterior(net, X_all[:n], y_all[:n])
        results.append({"n": n, "X": X_all[:n, 0].tolist(), "y": y_all[:n].tolist(),
                        "mean": mean.tolist(), "covariance": covariance.tolist(),
                        "band_at_0": float(2 * BAND * np.sqrt(covariance[-1, -1])),
                        "band_at_edge": float(2 * BAND * band_sd(covariance, X.max())),
                        "slope_sd": float(np.sqrt(covariance[0, 0]))})
    return results


def band_sd(covariance: np.ndarray, x) -> np.ndarray:
    """The sd of the line's height w·x + b at x under a posterior covariance of (w, b)."""
    x = np.asarray(x, dtype=float)
    return np.sqrt(covariance[0, 0] * x**2 + 2 * covariance[0, 1] * x + covariance[1, 1])
