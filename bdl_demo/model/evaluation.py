"""What a fit predicts where it matters, computed once per fit: held-out predictions and how good
they are — accuracy, NLL, Brier score, calibration, accuracy on the most sure, and how well the
uncertainty flags inputs unlike the training data — for the MAP, the posterior and the other ways
the same model was fitted; the probability map over the plane; and the checks of the fit itself.

Plain numpy: the posterior predictive is a forward pass per draw (through the linearised network
for a Laplace posterior: bdl_demo.model.predictive), averaged.
"""
from __future__ import annotations

import dataclasses
import io
import json
from dataclasses import dataclass
from typing import Callable

import numpy as np

from bdl_demo.model import uncertainty
from bdl_demo.model.data import Dataset
from bdl_demo.model.exact import compare_linear, linear_posterior, more_data
from bdl_demo.model.fit import Fit, FittedModel
from bdl_demo.model.laplace import SWEEP, Laplace, unflatten
from bdl_demo.model.network import Network, entry_name
from bdl_demo.model.predictive import (class_probabilities, outputs, per_class,
                                       predictive_summary, subsample)

GRID = 80  # points along each side of the plane a classifier's probability map covers
GRID_MARGIN = 0.5  # how far the plane reaches beyond the training inputs, in standardised units
MAP_DRAWS = 300  # posterior draws averaged over the plane
SWEEP_DRAWS = 200  # draws at each τ of the prior-precision sweep (the τ in use has its own numbers)
FAR = (2.0, 6.0)  # "far from the data": this many sds beyond the training range, on every input
N_FAR = 1000
DEAD_NATS = 0.05  # a unit whose incoming weights are this close to the prior (mean KL) learnt nothing
OOD_WHAT = {"far": "points 2–6 sds beyond the training data on every input",
            "noise": "images of random pixels", "rotated": "test digits turned by 90°"}


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


def evaluate(model: FittedModel, reference: Callable[[Dataset], dict] | None = None) -> Evaluation:
    """Held-out predictions of MAP and posterior and their scores, the plane map, the checks;
    `reference` gives a classifier's baselines (by default computed: `baselines`)."""
    net, fit, data = model.net, model.fit, model.data
    checks = {"map_posterior_corr": map_posterior_corr(net, fit.map, fit.draws)} | prior_kept(model)
    if net.hidden:
        checks["dead_units"] = dead_units(net, fit.draws)
    checks |= {f"{method}_checks": {"map_posterior_corr": map_posterior_corr(net, fit.map, other.draws),
                                    **({"dead_units": dead_units(net, other.draws)} if net.hidden else {})}
               for method, other in model.companions.items()}
    if "advi" in model.companions and fit.method == "nuts":
        checks["vi_vs_mcmc"] = vi_vs_mcmc(model, model.companions["advi"])
    checks["methods"] = {name: {"method": way.method, "seconds": way.seconds, "draws": way.n_draws}
                         for name, way in {"posterior": fit, **model.companions}.items()}
    if model.kind == "regression":
        mu = outputs(net, fit, data.X_test)[..., 0]
        evaluation = Evaluation(mu.mean(axis=0), mu.std(axis=0, ddof=1),
                                net.forward(fit.map, data.X_test)[:, 0], numbers=checks)
        if not net.hidden and net.likelihood == "normal":
            evaluation.numbers["exact_check"] = compare_linear(net, data.X_train, data.y_train, fit.draws)
            if data.truth and data.n_inputs == 1:
                evaluation.numbers["more_data"] = more_data(net, data.X_train, data.y_train, data.truth)
        return evaluation
    mean, sd = predictive_summary(net, fit, data.X_test)
    point = class_probabilities(net, fit.map, data.X_test)
    ood = ood_sets(data)
    metrics = {"map": point_metrics(net, fit.map, data, ood),
               "posterior": posterior_metrics(net, fit, data, ood)}
    metrics |= {method: posterior_metrics(net, other, data, ood) for method, other in model.companions.items()}
    evaluation = Evaluation(mean, sd, point, numbers=checks | {
        "test_accuracy": accuracy(mean, data.y_test), "test_accuracy_map": accuracy(point, data.y_test),
        "metrics": metrics, "ood_sets": {name: OOD_WHAT[name] for name in ood}} | (reference or baselines)(data))
    if fit.curvature is not None:
        evaluation.numbers["prior_precision_sweep"] = prior_precision_sweep(net, fit, data, ood, metrics["posterior"])
    if model.on_a_plane:
        points = grid_over(data.X_train)[2]
        evaluation.grid_mean, evaluation.grid_sd = predictive_summary(net, fit, points, MAP_DRAWS)
    return evaluation


def point_metrics(net: Network, params: dict, data, ood: dict) -> dict:
    """How good one network's predictions are, its uncertainty being the entropy of its prediction."""
    p = class_probabilities(net, params, data.X_test)
    inside = uncertainty.entropy(p)
    outside = {name: uncertainty.entropy(class_probabilities(net, params, X)) for name, X in ood.items()}
    return _scores(p, data.y_test, inside) | {
        "ood_auroc": {name: uncertainty.auroc(inside, doubt) for name, doubt in outside.items()},
        "mean_doubt": _means(inside, outside)}


def posterior_metrics(net: Network, fit: Fit, data, ood: dict) -> dict:
    """How good the posterior predictive is; its uncertainty, total entropy or mutual information."""
    draws = subsample(fit.draws, MAP_DRAWS * 2)
    p = per_class(net, outputs(net, fit, data.X_test, draws))
    inside = {"total": uncertainty.total(p), "mutual_information": uncertainty.epistemic(p)}
    scores = _scores(p.mean(axis=0), data.y_test, inside["total"])
    outside = {name: per_class(net, outputs(net, fit, X, draws)) for name, X in ood.items()}
    scores["ood_auroc"] = {name: {"total": uncertainty.auroc(inside["total"], uncertainty.total(q)),
                                  "mutual_information": uncertainty.auroc(inside["mutual_information"],
                                                                          uncertainty.epistemic(q))}
                           for name, q in outside.items()}
    scores["mean_doubt"] = _means(inside["mutual_information"],
                                  {name: uncertainty.epistemic(q) for name, q in outside.items()})
    return scores


def _means(inside: np.ndarray, outside: dict[str, np.ndarray]) -> dict[str, float]:
    """The average doubt on the test inputs (near the data) and on each set of unfamiliar ones."""
    return {"test": float(inside.mean())} | {name: float(doubt.mean()) for name, doubt in outside.items()}


def prior_precision_sweep(net: Network, fit: Fit, data, ood: dict, posterior: dict) -> list[dict]:
    """A Laplace posterior's trade-off, τ by τ from wide (10⁻²) to narrow (10³), at the τ it uses
    and at the evidence's peak: the evidence, and on held-out data the NLL, the ECE and how well
    the mutual information flags each out-of-distribution set. The same normal draws are scaled
    for every τ; at the τ the fit uses, the numbers are its own (`posterior`, its metrics). A τ
    the fit chose by the evidence is the peak: solving for it again, on a curvature computed again
    (in another process, with other BLAS threads), would move it by round-off into a row of its own."""
    approximation = Laplace.from_arrays(net, fit.curvature)
    chosen = fit.diagnostics["tau"]
    by_evidence = fit.diagnostics.get("tau_chosen_by") == "evidence"
    peak = chosen if by_evidence else approximation.optimize_prior_precision()
    rows = []
    for tau in sorted({*SWEEP, chosen, peak}):
        row = {"tau": tau, "chosen": tau == chosen, "evidence_peak": tau == peak,
               "log_evidence": approximation.log_evidence(tau)}
        if tau == chosen:
            rows.append(row | _sweep_scores(posterior))
            continue
        at_tau = dataclasses.replace(fit, draws=unflatten(net, approximation.sample(tau, SWEEP_DRAWS, seed=0)))
        rows.append(row | _sweep_scores(posterior_metrics(net, at_tau, data, ood)))
    return rows


def _sweep_scores(metrics: dict) -> dict:
    """What the sweep reports of a posterior's metrics: NLL, ECE, AUROC of mutual information."""
    return {"nll": metrics["nll"], "ece": metrics["ece"],
            "ood_auroc": {name: scores["mutual_information"] for name, scores in metrics["ood_auroc"].items()}}


def _scores(p: np.ndarray, y: np.ndarray, doubt: np.ndarray) -> dict:
    return {"accuracy": accuracy(p, y), "nll": uncertainty.nll(p, y), "brier": uncertainty.brier(p, y),
            "ece": uncertainty.ece(p, y), "reliability": uncertainty.calibration(p, y),
            "accuracy_rejection": uncertainty.accuracy_rejection(p, y, doubt)}


def ood_sets(data, seed: int = 2017) -> dict[str, np.ndarray]:
    """Inputs unlike the training data: for images, random pixels and the test digits turned by
    90°; for anything else, points 2–6 sds beyond the training range on every input. Made as the
    model sees inputs (standardised with the training data's scaler)."""
    rng = np.random.default_rng(seed)
    if data.image_shape and data.images_test is not None and data.input_mean is not None:
        raw = data.images_test
        noise = rng.integers(0, int(raw.max()) + 1, size=raw.shape).astype(float)
        turned = np.stack([np.rot90(image.reshape(data.image_shape)).ravel() for image in raw])
        return {name: (images - data.input_mean) / data.input_scale
                for name, images in (("noise", noise), ("rotated", turned))}
    edge = np.abs(data.X_train).max(axis=0)
    beyond = rng.uniform(*FAR, size=(N_FAR, data.n_inputs))
    return {"far": np.sign(rng.uniform(-1, 1, size=beyond.shape)) * (edge + beyond)}


def prior_kept(model: FittedModel) -> dict:
    """How much of the prior's spread the posterior keeps: the share of weights and biases whose
    posterior sd is at least 90 % of the prior's (the prior the posterior was found under), and for
    inputs that never vary in the training data — blank pixels — the sd of their weights over the
    prior's: the data say nothing about those weights, so by Bayes' rule it is 1."""
    sd, prior = model.fit.posterior_sd(), model.prior_net
    ratios = {m.name: sd[m.name] / prior.prior_sd(m.name) for m in model.net.matrices()}
    kept = {"sd_at_prior": float(np.mean(np.concatenate([r.ravel() for r in ratios.values()]) >= 0.9))}
    constant = np.flatnonzero(np.ptp(model.data.X_train, axis=0) == 0)
    if len(constant):
        kept["constant_inputs"] = {"count": int(len(constant)), "inputs": constant.tolist(),
                                   "sd_over_prior": float(ratios["W1"][constant].mean())}
    return kept


def map_posterior_corr(net: Network, map_estimate: dict, draws: dict) -> float:
    """Pearson correlation of the MAP and the posterior mean over every weight and bias: near 1
    when the posterior is centred on the same network as the MAP."""
    flat_map = np.concatenate([np.ravel(map_estimate[m.name]) for m in net.matrices()])
    flat_mean = np.concatenate([np.ravel(draws[m.name].mean(axis=0)) for m in net.matrices()])
    return float(np.corrcoef(flat_map, flat_mean)[0, 1])


def dead_units(net: Network, draws: dict) -> list[int]:
    """Per hidden layer, the units whose incoming weights stay at the prior: their mean
    KL(N(mean, sd²) ‖ prior) is below DEAD_NATS — about sd ≥ 0.9 of the prior's, |mean| ≤ 0.3 of it."""
    counts = []
    for number in range(1, len(net.layers)):
        W, prior = draws[f"W{number}"], net.prior_sd(f"W{number}")
        mean, sd = W.mean(axis=0), np.maximum(W.std(axis=0), 1e-12)
        kl = np.log(prior / sd) + (sd**2 + mean**2) / (2 * prior**2) - 0.5
        counts.append(int((kl.mean(axis=0) < DEAD_NATS).sum()))
    return counts


def vi_vs_mcmc(model: FittedModel, advi: Fit) -> dict:
    """Mean-field ADVI against NUTS on the same model, parameter by parameter (and against the
    exact posterior where there is one): means, sds, the ratio of the sds, and the fit times."""
    nuts, net = model.fit, model.net
    rows, exact = [], None
    if not net.hidden and net.likelihood == "normal":
        mean, covariance = linear_posterior(net, model.data.X_train, model.data.y_train)
        exact = iter(zip(mean, np.sqrt(np.diag(covariance))))
    for m in net.matrices():
        for index in np.ndindex(m.shape):
            row = {"parameter": entry_name(m.name, index)}
            for method, fit in (("nuts", nuts), ("advi", advi)):
                values = fit.draws[m.name][(slice(None), *index)]
                row |= {f"{method}_mean": float(values.mean()), f"{method}_sd": float(values.std(ddof=1))}
            row["sd_ratio"] = row["advi_sd"] / row["nuts_sd"]
            if exact is not None:
                row["exact_mean"], row["exact_sd"] = (float(v) for v in next(exact))
                row["advi_sd_over_exact"] = row["advi_sd"] / row["exact_sd"]
            rows.append(row)
    return {"parameters": rows, "seconds": {"nuts": nuts.seconds, "advi": advi.seconds},
            "sd_ratio_mean": float(np.mean([r["sd_ratio"] for r in rows]))}


def baselines(data) -> dict:
    """Plain logistic regression on the same split: its best held-out accuracy over a grid of C
    (the bar the issue sets, chosen on the test set, so flattering to it) and with C chosen by
    5-fold cross-validation on the training set (the honest way)."""
    import warnings

    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV

    grid = 10 ** np.arange(-3, 1.51, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's notices of future defaults
        best = max(LogisticRegression(C=c, max_iter=5000).fit(data.X_train, data.y_train)
                   .score(data.X_test, data.y_test) for c in grid)
        folds = min(5, int(np.bincount(data.y_train).min()))
        chosen = (LogisticRegressionCV(Cs=list(grid), cv=folds, max_iter=5000).fit(data.X_train, data.y_train)
                  .score(data.X_test, data.y_test) if folds >= 2 else None)
    return {"baseline_accuracy": float(best), "baseline_accuracy_cv": None if chosen is None else float(chosen)}


def accuracy(probabilities: np.ndarray, y: np.ndarray) -> float:
    """Share of examples whose most probable class is the true one."""
    return float((probabilities.argmax(axis=-1) == y).mean())


def grid_over(X: np.ndarray, n: int = GRID, margin: float = GRID_MARGIN):
    """A regular n×n grid covering the 2-D inputs X: returns (xs, ys, points of shape (n*n, 2))."""
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    xs, ys = np.linspace(low[0], high[0], n), np.linspace(low[1], high[1], n)
    xx, yy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([xx.ravel(), yy.ravel()])
