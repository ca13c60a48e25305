"""Uncertainty, defined once, and the scores that say whether it is any good.

For a classifier with posterior draws θ⁽ˢ⁾ and p̄ = the mean over s of p(y | x, θ⁽ˢ⁾):

- total uncertainty is H[p̄], the entropy of the mean prediction;
- aleatoric uncertainty is the mean over s of H[p(y | x, θ⁽ˢ⁾)], the noise each network sees;
- epistemic uncertainty is their difference, the mutual information between the prediction and
  the weights: how much the networks of the posterior disagree (never below zero).

A point estimate has one network, so only H[p]. The scores — NLL, Brier, expected calibration
error, accuracy on the most sure, and how well an uncertainty separates inputs unlike the training
data — compare a point estimate with a posterior on equal terms.
"""
from __future__ import annotations

import numpy as np

ECE_BINS = 15
KEPT = (0.5, 0.8, 1.0)  # accuracy on the most-sure half, 80 % and all of the test set


def entropy(p: np.ndarray) -> np.ndarray:
    """H[p] in nats along the last axis: 0 when sure, log K when every class is as likely."""
    p = np.clip(p, 1e-12, 1.0)
    return -(p * np.log(p)).sum(axis=-1)


def total(draws: np.ndarray) -> np.ndarray:
    """H[p̄] of class probabilities with draws on the first axis: (S, n, K) → (n,)."""
    return entropy(draws.mean(axis=0))


def aleatoric(draws: np.ndarray) -> np.ndarray:
    """The expected entropy: the mean over draws of each draw's H[p]."""
    return entropy(draws).mean(axis=0)


def epistemic(draws: np.ndarray) -> np.ndarray:
    """Mutual information: total − aleatoric, ≥ 0 (small negative round-off is clipped)."""
    return np.maximum(total(draws) - aleatoric(draws), 0.0)


def log_likelihoods(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """log p(y | x) of each example: the log of the probability given to its true class."""
    return np.log(np.clip(p[np.arange(len(y)), y], 1e-300, 1.0))


def nll(p: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log probability of the true class: the test-set version of the training loss."""
    return float(-log_likelihoods(p, y).mean())


def brier(p: np.ndarray, y: np.ndarray) -> float:
    """Mean squared distance between the predicted probabilities and the one-hot truth."""
    truth = np.eye(p.shape[1])[y]
    return float(((p - truth) ** 2).sum(axis=1).mean())


def calibration(p: np.ndarray, y: np.ndarray, bins: int = ECE_BINS) -> list[dict]:
    """Per equal-width bin of confidence (the top probability): its count, mean confidence and
    accuracy — the points of a reliability diagram."""
    confidence, right = p.max(axis=1), p.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    return [{"low": float(edges[b]), "high": float(edges[b + 1]), "count": int((which == b).sum()),
             "confidence": float(confidence[which == b].mean()) if (which == b).any() else None,
             "accuracy": float(right[which == b].mean()) if (which == b).any() else None}
            for b in range(bins)]


def ece(p: np.ndarray, y: np.ndarray, bins: int = ECE_BINS) -> float:
    """Expected calibration error: |accuracy − confidence| per bin, weighted by the bin's share."""
    return float(sum(b["count"] * abs(b["accuracy"] - b["confidence"])
                     for b in calibration(p, y, bins) if b["count"]) / len(y))


def accuracy_rejection(p: np.ndarray, y: np.ndarray, uncertainty: np.ndarray, kept=KEPT) -> dict:
    """Accuracy on the most sure share of the examples (least uncertainty first), for each share."""
    order = np.argsort(uncertainty, kind="stable")
    right = (p.argmax(axis=1) == y)[order]
    return {f"{share:g}": float(right[:max(1, int(round(share * len(y))))].mean()) for share in kept}


def auroc(inside: np.ndarray, outside: np.ndarray) -> float:
    """Probability that an outside input gets a higher score than an inside one (ties count half):
    1 when the uncertainty separates them perfectly, 0.5 when it does not at all. That is the
    Mann–Whitney U statistic over the number of pairs (scikit-learn's roc_auc_score), counted here
    with a sorted copy of the inside scores."""
    inside = np.sort(inside)
    below = np.searchsorted(inside, outside, side="left")  # inside scores under each outside one
    tied = np.searchsorted(inside, outside, side="right") - below
    return float((below + tied / 2).sum() / (len(inside) * len(outside)))
