"""What a fit predicts where it matters, computed once per fit: held-out predictions and accuracy,
the probability map over the plane, and the exact check of a conjugate model.

Plain numpy: the posterior predictive is a forward pass per draw, averaged.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass

import numpy as np

from bdl_demo.model.exact import compare_linear
from bdl_demo.model.fit import FittedModel
from bdl_demo.model.network import Network

GRID = 80  # points along each side of the plane a classifier's probability map covers
GRID_MARGIN = 0.5  # how far the plane reaches beyond the training inputs, in standardised units
MAP_DRAWS = 300  # posterior draws averaged over the plane


@dataclass
class Evaluation:
    """Predictions of the MAP and the posterior, and the numbers the report shows."""

    test_mean: np.ndarray  # posterior predictive on the test inputs: (n, classes), or μ (n,)
    test_sd: np.ndarray  # its sd over draws
    test_map: np.ndarray  # the MAP's prediction for the same inputs
    numbers: dict  # accuracy, exact check, …: JSON, as report.json shows them
    grid_mean: np.ndarray | None = None  # classifiers on a plane: (GRID², classes) over grid_over()
    grid_sd: np.ndarray | None = None

    def to_bytes(self) -> bytes:
        arrays = {name: value for name, value in vars(self).items()
                  if isinstance(value, np.ndarray)}
        buffer = io.BytesIO()
        np.savez_compressed(buffer, numbers=np.array(json.dumps(self.numbers)), **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> Evaluation:
        with np.load(io.BytesIO(blob), allow_pickle=False) as stored:
            fields = {name: stored[name] for name in stored.files if name != "numbers"}
            return cls(numbers=json.loads(str(stored["numbers"])), **fields)


def evaluate(model: FittedModel) -> Evaluation:
    """Held-out predictions of MAP and posterior, their accuracy, the plane map, the exact check."""
    net, fit, data = model.net, model.fit, model.data
    if model.kind == "regression":
        mu = net.forward(fit.draws, data.X_test)[..., 0]
        evaluation = Evaluation(mu.mean(axis=0), mu.std(axis=0, ddof=1),
                                net.forward(fit.map, data.X_test)[:, 0], numbers={})
        if not net.hidden and net.likelihood == "normal":
            evaluation.numbers["exact_check"] = compare_linear(net, data.X_train, data.y_train, fit.draws)
        return evaluation
    mean, sd = predictive_summary(net, fit.draws, data.X_test)
    point = class_probabilities(net, fit.map, data.X_test)
    evaluation = Evaluation(mean, sd, point, numbers={
        "test_accuracy": accuracy(mean, data.y_test), "test_accuracy_map": accuracy(point, data.y_test)})
    if model.on_a_plane:
        points = grid_over(data.X_train)[2]
        evaluation.grid_mean, evaluation.grid_sd = predictive_summary(
            net, subsample(fit.draws, MAP_DRAWS), points)
    return evaluation


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


def grid_over(X: np.ndarray, n: int = GRID, margin: float = GRID_MARGIN):
    """A regular n×n grid covering the 2-D inputs X: returns (xs, ys, points of shape (n*n, 2))."""
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    xs, ys = np.linspace(low[0], high[0], n), np.linspace(low[1], high[1], n)
    xx, yy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([xx.ravel(), yy.ravel()])


def subsample(draws: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """At most n draws, evenly spaced, so figures stay fast and deterministic."""
    total = next(iter(draws.values())).shape[0]
    if total <= n:
        return draws
    rows = np.linspace(0, total - 1, n).round().astype(int)
    return {name: value[rows] for name, value in draws.items()}
