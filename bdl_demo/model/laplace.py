"""The Laplace approximation: a Normal centred on the MAP, as wide as the curvature there allows.

The curvature is the generalised Gauss–Newton matrix (GGN) of the negative log-likelihood at the
MAP, over every weight and bias, from PyTensor's autodiff; unlike the Hessian of a net it is
never negative, so with the prior's precision added it is always a valid precision matrix. The
prior's precision is scaled by τ. τ = 1 is the textbook Laplace posterior, which is far too wide
for draws pushed through a net; unless τ is set, it is chosen on a fifth of the training data held
out: the widest posterior whose held-out NLL stays within 2 % of the MAP's.
(MacKay 1992; Ritter, Botev & Barber 2018; Immer, Korzepa & Bauer 2021.)
"""
from __future__ import annotations

import functools

import numpy as np

from bdl_demo.model.network import Network, softmax

TAUS = tuple(float(t) for t in 10 ** np.arange(0, 4.01, 0.25))
TOLERANCE = 0.02  # the held-out NLL may exceed the MAP's by this share
VALIDATION = 0.2  # share of the training data held out to choose τ
CHUNK = 256  # examples per block of Jacobians, to bound memory


def laplace(net: Network, X: np.ndarray, y: np.ndarray, map_estimate: dict, *, draws: int, seed: int,
            tau: float | None = None) -> tuple[dict[str, np.ndarray], dict]:
    """Draws from N(MAP, (GGN + τ · prior precision)⁻¹) per parameter, and how τ was found."""
    diagnostics = {"tau": tau, "tau_chosen_by": "setting"}
    if tau is None:
        tau, curve = choose_tau(net, X, y, seed)
        diagnostics = {"tau": tau, "tau_chosen_by": "validation", "validation_nll": curve}
    theta = flatten(net, map_estimate)
    whitened = Whitened(net, ggn(net, X, y, theta))
    diagnostics["prior_dominated_directions"] = int((whitened.eigenvalues < 1).sum())
    return unflatten(net, whitened.draws(theta, tau, draws, seed)), diagnostics


class Whitened:
    """The GGN in the prior's units: eigenvalues above 1 are directions the data pin down more
    than the prior does. Posterior draws are taken in this basis."""

    def __init__(self, net: Network, curvature: np.ndarray):
        self.scale = flatten(net, {m.name: np.full(m.shape, net.prior_sd(m.name)) for m in net.matrices()})
        eigenvalues, self.basis = np.linalg.eigh(curvature * np.outer(self.scale, self.scale))
        self.eigenvalues = np.clip(eigenvalues, 0.0, None)  # only round-off lies below zero

    def draws(self, theta: np.ndarray, tau: float, n: int, seed: int) -> np.ndarray:
        """n draws from N(θ, (curvature + τ · prior precision)⁻¹), one per row."""
        z = np.random.default_rng(seed).standard_normal((n, theta.size))
        return theta + ((z / np.sqrt(self.eigenvalues + tau)) @ self.basis.T) * self.scale


def choose_tau(net: Network, X: np.ndarray, y: np.ndarray, seed: int) -> tuple[float, dict]:
    """The smallest τ (the widest posterior) whose held-out NLL is within TOLERANCE of the MAP's,
    with the MAP and the curvature fitted on the rest; and the NLL for each τ tried."""
    from bdl_demo.model.bayesian import bayesian_network, random_initvals
    from bdl_demo.model.inference import find_map

    held = _held_out(y, seed)
    model = bayesian_network(net, X[~held], y[~held], initvals=random_initvals(net, seed) if net.hidden else None)
    estimate, _ = find_map(model, net, seed)
    theta = flatten(net, estimate)
    whitened = Whitened(net, ggn(net, X[~held], y[~held], theta))
    limit = (1 + TOLERANCE) * nll(net, estimate, X[held], y[held])
    curve = {}
    for tau in TAUS:
        curve[f"{tau:g}"] = nll(net, unflatten(net, whitened.draws(theta, tau, 200, seed)), X[held], y[held])
        if curve[f"{tau:g}"] <= limit:
            return tau, curve
    return TAUS[-1], curve


def _held_out(y: np.ndarray, seed: int) -> np.ndarray:
    """A mask of VALIDATION of the rows, stratified by class for classifiers."""
    rng = np.random.default_rng(seed)
    held = np.zeros(len(y), dtype=bool)
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if y.dtype.kind == "i" else [np.arange(len(y))]
    for rows in groups:
        held[rng.permutation(rows)[:max(1, round(VALIDATION * len(rows)))]] = True
    return held


def nll(net: Network, params: dict, X: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log predictive density of y, averaged over draws if params carry a draw axis."""
    out = net.forward(params, X)
    if out.ndim == 3:
        if net.likelihood == "normal":  # a mixture of the draws' Normals
            density = _normal_pdf(y, out[..., 0], net.noise_sd).mean(axis=0)
            return float(-np.log(np.maximum(density, 1e-300)).mean())
        out = out.mean(axis=0)
    if net.likelihood == "normal":
        return float(-np.log(np.maximum(_normal_pdf(y, out[:, 0], net.noise_sd), 1e-300)).mean())
    p = np.concatenate([1 - out, out], axis=1) if net.likelihood == "bernoulli" else out
    return float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-12, 1.0)).mean())


def _normal_pdf(x, mean, sd):
    return np.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))


def ggn(net: Network, X: np.ndarray, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Σₙ Jₙᵀ Λₙ Jₙ: Jₙ is the Jacobian of example n's output scores (before the output link) in
    every parameter, Λₙ the likelihood's curvature in those scores — 1/σ² for a Normal, p(1 − p)
    for a Bernoulli, diag(p) − ppᵀ for a Categorical."""
    jacobians = _score_jacobians(net)
    total = np.zeros((theta.size, theta.size))
    for start in range(0, len(X), CHUNK):
        rows = slice(start, start + CHUNK)
        scores, J = jacobians(np.tile(theta, (len(X[rows]), 1)), X[rows])  # (n, C), (n, C, P)
        if net.likelihood == "normal":
            rooted = J / net.noise_sd
        elif net.likelihood == "bernoulli":
            p = 1 / (1 + np.exp(-scores))
            rooted = np.sqrt(p * (1 - p))[:, :, None] * J
        else:  # diag(p) − ppᵀ = (√p J)ᵀ(√p J) − (pᵀJ)ᵀ(pᵀJ), summed over examples
            p = softmax(scores)
            mean = np.einsum("nc,ncp->np", p, J)
            total -= mean.T @ mean
            rooted = np.sqrt(p)[:, :, None] * J
        flat = rooted.reshape(-1, theta.size)
        total += flat.T @ flat
    return total


@functools.lru_cache(maxsize=4)  # compiled once per network in a process: τ's search and the fit share it
def _score_jacobians(net: Network):
    """A compiled function: (one row of parameters per example, X) → output scores and their
    Jacobians. Each example reads its own copy of the parameters, so one backward pass per output
    gives every example's gradient at once."""
    import pytensor
    import pytensor.tensor as pt

    from bdl_demo.model.bayesian import ACTIVATIONS as SYMBOLIC

    thetas, X = pt.matrix("thetas"), pt.matrix("X")
    params = unflatten(net, thetas)  # W: (n, n_in, n_out), b: (n, n_out)
    Z = X[:, None, :]
    for number, layer in enumerate(net.layers, start=1):
        scores = pt.matmul(Z, params[f"W{number}"]) + params[f"b{number}"][:, None, :]
        Z = SYMBOLIC[layer.activation](scores) if number < len(net.layers) else scores
    scores = scores[:, 0, :]
    J = pt.stack([pytensor.grad(scores[:, c].sum(), thetas) for c in range(net.n_outputs)], axis=1)
    return pytensor.function([thetas, X], [scores, J])


def flatten(net: Network, params: dict) -> np.ndarray:
    """Every parameter array in one vector, in the order of net.matrices()."""
    return np.concatenate([np.reshape(params[m.name], (-1,)) for m in net.matrices()])


def unflatten(net: Network, flat):
    """(…, P) → {W1: (…, *shape), b1: …}: numpy arrays or PyTensor matrices alike."""
    out, at = {}, 0
    for m in net.matrices():
        size = int(np.prod(m.shape))
        out[m.name] = flat[..., at:at + size].reshape((*flat.shape[:-1], *m.shape))
        at += size
    return out

