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
    prior_precision = np.diag([net.weight_sd ** -2] * X.shape[1] + [net.bias_sd ** -2])
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
