"""The Laplace approximation, by the book: a Normal centred on the MAP, as wide as the curvature
there allows, its prior chosen by the evidence, its predictions those of the linearised network.

- Curvature: the generalised Gauss–Newton matrix (GGN) of the negative log-likelihood at the MAP,
  over every weight and bias, from each example's Jacobian (`Network.jacobian`: numpy's backward
  pass, held to PyTensor's autodiff by the tests; no graph to compile). Unlike a net's Hessian it
  is never negative, so with the prior's precision added it is always a valid precision matrix.
- Prior: every prior sd σ of the network divided by √τ. τ maximises the Laplace approximation of
  the log marginal likelihood (the evidence, MacKay 1992) — the default of laplace-torch and of
  "Laplace Redux" (Daxberger et al. 2021). In the eigenbasis of the GGN, in the prior's units, the
  evidence is a closed-form function of τ: choosing it needs no refit.
- Predictions: the network linearised at the MAP (`Network.linearised`), so that
  logits ~ N(f(x; θ*), J(x) Σ J(x)ᵀ). Pushing weight draws through the non-linear net instead
  predicts badly at this width (Immer, Korzepa & Bauer 2021).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bdl_demo.model.network import ACTIVATIONS, Network, softmax

TAU_RANGE = (1e-4, 1e6)  # where τ is looked for: from 100× the prior's sd to 1/1000 of it
SWEEP = tuple(float(t) for t in 10 ** np.arange(-2, 3.01, 0.5))  # τ from 10⁻² to 10³ for the report
VALIDATION = 0.2  # the held-out rule: share of the training data set aside to choose τ
TOLERANCE = 0.02  # … and how much worse than the MAP's its NLL may be there
CHUNK = 256  # examples per block of Jacobians, to bound memory
NODES = 161  # for a Bernoulli's predictive under a Normal logit: z from −8 to 8 in steps of 0.1


@dataclass
class Laplace:
    """N(θ*, (GGN + τ · P₀)⁻¹), kept as the GGN's eigendecomposition in the prior's units.

    With s the prior sds and P₀ = diag(1/s²), GGN + τP₀ = S⁻¹ (B diag(λ + τ) Bᵀ) S⁻¹, S = diag(s):
    an eigenvalue λ above τ is a direction the data pin down more than the prior does."""

    net: Network
    theta: np.ndarray  # the MAP, every parameter in one vector (order of net.matrices())
    scale: np.ndarray  # the prior sd of each parameter at τ = 1
    eigenvalues: np.ndarray
    basis: np.ndarray
    log_likelihood: float  # log p(D | θ*), summed over the training data

    @classmethod
    def at(cls, net: Network, X: np.ndarray, y: np.ndarray, map_estimate: dict) -> Laplace:
        """The approximation at the MAP of the data X, y."""
        theta = flatten(net, map_estimate)
        scale = prior_scale(net)
        eigenvalues, basis = np.linalg.eigh(ggn(net, X, y, theta) * np.outer(scale, scale))
        return cls(net, theta, scale, np.clip(eigenvalues, 0.0, None),  # below zero is round-off
                   basis, log_likelihood(net, map_estimate, X, y))

    def log_evidence(self, tau: float) -> float:
        """log p(D) ≈ log p(D | θ*) + log p(θ*) + ½ log det(2π Σ), the prior's precision τ·P₀:
        = log p(D | θ*) − ½ τ ‖θ*/s‖² + ½ Σᵢ log(τ / (λᵢ + τ))."""
        distance = np.sum((self.theta / self.scale) ** 2)
        return float(self.log_likelihood - 0.5 * tau * distance
                     + 0.5 * np.sum(np.log(tau) - np.log(self.eigenvalues + tau)))

    def well_determined(self, tau: float) -> float:
        """γ = Σ λᵢ / (λᵢ + τ): how many directions the data pin down (MacKay's effective number
        of parameters)."""
        return float(np.sum(self.eigenvalues / (self.eigenvalues + tau)))

    def optimize_prior_precision(self) -> float:
        """The τ of the largest evidence. Its derivative in τ is ½ (γ/τ − ‖θ*/s‖²), which falls as τ
        grows, so the maximum is the one root of τ = γ(τ) / ‖θ*/s‖² (MacKay's update)."""
        from scipy.optimize import brentq

        distance = np.sum((self.theta / self.scale) ** 2)
        low, high = (np.log(t) for t in TAU_RANGE)
        slope = lambda log_tau: self.well_determined(np.exp(log_tau)) - np.exp(log_tau) * distance  # noqa: E731
        if slope(high) >= 0:
            return TAU_RANGE[1]
        if slope(low) <= 0:
            return TAU_RANGE[0]
        return float(np.exp(brentq(slope, low, high, xtol=1e-10)))

    def sample(self, tau: float, n: int, seed: int) -> np.ndarray:
        """n draws of every parameter from the posterior, one per row."""
        z = np.random.default_rng(seed).standard_normal((n, self.theta.size))
        return self.theta + ((z / np.sqrt(self.eigenvalues + tau)) @ self.basis.T) * self.scale

    def posterior_sd(self, tau: float) -> np.ndarray:
        """The exact marginal sd of every parameter: √Σᵢᵢ."""
        return np.sqrt((self.basis**2 / (self.eigenvalues + tau)).sum(axis=1)) * self.scale

    def glm_predictive(self, tau: float, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The linearised network's predictive of the output scores, exactly: the mean f(x; θ*),
        (n, C), and the covariance J Σ Jᵀ of each example's scores, (n, C, C). With Σ = D Dᵀ,
        J Σ Jᵀ = Σₖ (J dₖ)(J dₖ)ᵀ: one forward-mode tangent per column dₖ, in numpy (no compiling)."""
        factor = self.basis / np.sqrt(self.eigenvalues + tau) * self.scale[:, None]  # D, column by column
        scores, moves = self.net.tangent(unflatten(self.net, self.theta), unflatten(self.net, factor.T), X)
        return scores, np.einsum("knc,knd->ncd", moves, moves)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """What a fit keeps of it, to sweep τ later without the data."""
        return {"theta": self.theta, "scale": self.scale, "eigenvalues": self.eigenvalues,
                "basis": self.basis, "log_likelihood": np.array(self.log_likelihood)}

    @classmethod
    def from_arrays(cls, net: Network, arrays: dict[str, np.ndarray]) -> Laplace:
        return cls(net, **(arrays | {"log_likelihood": float(arrays["log_likelihood"])}))


def laplace(net: Network, X: np.ndarray, y: np.ndarray, map_estimate: dict, *, draws: int, seed: int,
            tau: float | str = "evidence") -> tuple[dict[str, np.ndarray], dict, Laplace]:
    """Posterior draws per parameter array, what the report says of them, and the approximation.

    `tau` is a number, "evidence" (the evidence's maximum) or "validation" (the held-out rule:
    the widest posterior whose NLL on a fifth of the training data stays within TOLERANCE of the
    MAP's, with the MAP and the curvature fitted on the rest)."""
    approximation = Laplace.at(net, X, y, map_estimate)
    diagnostics = {"predictive": "linearised", "tau_chosen_by": tau if isinstance(tau, str) else "setting"}
    if tau == "evidence":
        tau = approximation.optimize_prior_precision()
    elif tau == "validation":
        tau, diagnostics["validation_nll"] = choose_tau_on_held_out(net, X, y, seed)
    diagnostics |= {
        "tau": tau, "log_evidence": approximation.log_evidence(tau),
        "well_determined": approximation.well_determined(tau),
        "prior_dominated_directions": int((approximation.eigenvalues < tau).sum()),
        "prior_sd": {m.name: net.prior_sd(m.name) / np.sqrt(tau) for m in net.matrices()}}
    return unflatten(net, approximation.sample(tau, draws, seed)), diagnostics, approximation


def quadrature(nodes: int = NODES) -> tuple[np.ndarray, np.ndarray]:
    """Points z and weights w with Σ w g(z) ≈ E[g(Z)] for Z ~ N(0, 1): the trapezoid rule on
    [−8, 8]. For σ(m + s z), smooth with poles at distance π/s from the real line, its error
    falls like exp(−2π² / (s h)) in the step h — far faster, for a wide logit, than Gauss–Hermite
    with as many nodes, whose nodes are sparser than the sigmoid is steep."""
    z = np.linspace(-8.0, 8.0, nodes)
    w = np.exp(-z**2 / 2)
    return z, w / w.sum()


def bernoulli_doubt(mean: np.ndarray, variance: np.ndarray, nodes: int = NODES) -> tuple[np.ndarray, np.ndarray]:
    """A Bernoulli whose logit is N(mean, variance) — the linearised net's predictive for two
    classes: its probability of class 1, E[σ(logit)], and its mutual information
    H[E p] − E[H p], both by quadrature rather than by drawing logits: no sampling noise, the
    same numbers in the page, within 1e-6 of the integrals for a logit sd up to 12."""
    from bdl_demo.model.uncertainty import entropy

    z, w = quadrature(nodes)
    logits = np.asarray(mean)[..., None] + np.sqrt(np.asarray(variance))[..., None] * z
    p = ACTIVATIONS["sigmoid"](logits)
    two = lambda q: np.stack([1 - q, q], axis=-1)  # noqa: E731
    mean_p = p @ w
    return mean_p, np.maximum(entropy(two(mean_p)) - entropy(two(p)) @ w, 0.0)


def class_one_logit(scores: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of the logit of class 1 from a two-class net's predictive scores, (n, C)
    and (n, C, C): the score itself for a sigmoid (C = 1), f₁ − f₀ for a two-way softmax."""
    if scores.shape[1] == 1:
        return scores[:, 0], covariance[:, 0, 0]
    return (scores[:, 1] - scores[:, 0],
            covariance[:, 0, 0] + covariance[:, 1, 1] - covariance[:, 0, 1] - covariance[:, 1, 0])


def choose_tau_on_held_out(net: Network, X: np.ndarray, y: np.ndarray, seed: int) -> tuple[float, dict]:
    """The held-out rule: the smallest τ of SWEEP and above whose linearised predictive's NLL on
    held-out training rows is within TOLERANCE of the MAP's; and the NLL of each τ tried."""
    from bdl_demo.model.bayesian import bayesian_network, random_initvals
    from bdl_demo.model.map_estimate import LogPosterior

    held = _held_out(y, seed)
    objective = LogPosterior(bayesian_network(net, X[~held], y[~held]), net)
    estimate, _ = objective.find_map(start=random_initvals(net, seed) if net.hidden else None)
    approximation = Laplace.at(net, X[~held], y[~held], estimate)
    limit = (1 + TOLERANCE) * predictive_nll(net, estimate, None, X[held], y[held])
    curve = {}
    for tau in SWEEP + (1e4, 1e5, 1e6):
        draws = unflatten(net, approximation.sample(tau, 200, seed))
        curve[f"{tau:g}"] = predictive_nll(net, estimate, draws, X[held], y[held])
        if curve[f"{tau:g}"] <= limit:
            break
    return tau, curve


def _held_out(y: np.ndarray, seed: int) -> np.ndarray:
    """A mask of VALIDATION of the rows, stratified by class for classifiers."""
    rng = np.random.default_rng(seed)
    held = np.zeros(len(y), dtype=bool)
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if y.dtype.kind == "i" else [np.arange(len(y))]
    for rows in groups:
        held[rng.permutation(rows)[:max(1, round(VALIDATION * len(rows)))]] = True
    return held


def predictive_nll(net: Network, map_estimate: dict, draws: dict | None, X: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log predictive density of y: of the MAP alone when draws is None, else of the
    linearised network's draws (for a Normal likelihood, the mixture of their Normals)."""
    from bdl_demo.model.predictive import per_class
    from bdl_demo.model.uncertainty import nll

    out = net.forward(map_estimate, X)[None] if draws is None else net.linearised(map_estimate, draws, X)
    if net.likelihood == "normal":
        from scipy.special import logsumexp
        from scipy.stats import norm

        log_density = norm.logpdf(y, out[..., 0], net.noise_sd)
        return float(-(logsumexp(log_density, axis=0) - np.log(len(out))).mean())
    return nll(per_class(net, out.mean(axis=0)), y)


def log_likelihood(net: Network, params: dict, X: np.ndarray, y: np.ndarray) -> float:
    """log p(y | X, θ) of the whole data set under the network's likelihood."""
    from bdl_demo.model.predictive import per_class
    from bdl_demo.model.uncertainty import log_likelihoods

    out = net.forward(params, X)
    if net.likelihood == "normal":
        from scipy.stats import norm  # imported only here: scipy.stats takes half a second to import

        return float(norm.logpdf(y, out[:, 0], net.noise_sd).sum())
    return float(log_likelihoods(per_class(net, out), y).sum())


def prior_scale(net: Network) -> np.ndarray:
    """The prior sd of every parameter, in one vector."""
    return flatten(net, {m.name: np.full(m.shape, net.prior_sd(m.name)) for m in net.matrices()})


def ggn(net: Network, X: np.ndarray, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Σₙ Jₙᵀ Λₙ Jₙ: Jₙ is the Jacobian of example n's output scores (before the output link) in
    every parameter, Λₙ the likelihood's curvature in those scores — 1/σ² for a Normal, p(1 − p)
    for a Bernoulli, diag(p) − ppᵀ for a Categorical."""
    at = unflatten(net, theta)
    total = np.zeros((theta.size, theta.size))
    for start in range(0, len(X), CHUNK):
        scores, J = net.jacobian(at, X[start:start + CHUNK])  # (n, C), (n, C, P)
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
