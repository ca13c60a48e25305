"""The Laplace posterior by the book, against exact answers: the linearised predictive and the
evidence of a linear-Gaussian model, the GGN posterior of logistic regression against NUTS, the
evidence's τ, and what the deck's deep posteriors claim."""
import dataclasses

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from conftest import model_where

from bdl_demo.model.exact import linear_posterior
from bdl_demo.model.laplace import SWEEP, Laplace, flatten, ggn, laplace, unflatten
from bdl_demo.model.network import Layer, Network


def regression_data(seed=3, n=15, inputs=2, noise=0.4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, inputs))
    y = X @ rng.normal(size=inputs) + 0.7 + rng.normal(0, noise, size=n)
    return X, y


def at_exact_mode(net, X, y):
    """The MAP of a linear-Gaussian model: the mean of its exact conjugate posterior."""
    mean, covariance = linear_posterior(net, X, y)
    return {"W1": mean[:-1].reshape(-1, 1), "b1": mean[-1:]}, mean, covariance


def closed_form_log_evidence(net, X, y):
    """log p(y) of Bayesian linear regression: y ~ N(0, σ²I + Φ S₀ Φᵀ), Φ = [X, 1]."""
    phi = np.column_stack([X, np.ones(len(X))])
    prior = np.diag([net.prior_sd("W1") ** 2] * X.shape[1] + [net.prior_sd("b1") ** 2])
    return multivariate_normal(np.zeros(len(y)), net.noise_sd ** 2 * np.eye(len(y)) + phi @ prior @ phi.T).logpdf(y)


def test_linearised_predictive_of_a_linear_model_is_the_exact_conjugate_predictive():
    X, y = regression_data()
    net = Network(2, 1, weight_sd=1.5, bias_sd=2.0, noise_sd=0.4)
    mode, mean, covariance = at_exact_mode(net, X, y)
    approximation = Laplace.at(net, X, y, mode)
    X_new = np.random.default_rng(9).normal(size=(7, 2)) * 3
    phi = np.column_stack([X_new, np.ones(len(X_new))])
    scores, cov = approximation.glm_predictive(1.0, X_new)
    np.testing.assert_allclose(scores[:, 0], phi @ mean, rtol=0, atol=1e-8)
    np.testing.assert_allclose(cov[:, 0, 0], np.einsum("np,pq,nq->n", phi, covariance, phi), rtol=0, atol=1e-8)


def test_laplace_evidence_of_a_linear_model_is_its_marginal_likelihood():
    """Exact for every τ at that τ's own mode: the prior sds divided by √τ."""
    X, y = regression_data()
    net = Network(2, 1, weight_sd=1.5, bias_sd=2.0, noise_sd=0.4)
    for tau in (0.3, 1.0, 4.0):
        colder = dataclasses.replace(net, weight_sd=net.weight_sd / tau ** 0.5, bias_sd=net.bias_sd / tau ** 0.5)
        mode, _, _ = at_exact_mode(colder, X, y)
        evidence = Laplace.at(net, X, y, mode).log_evidence(tau)
        assert evidence == pytest.approx(closed_form_log_evidence(colder, X, y), abs=1e-8), tau


def test_the_evidence_choice_is_the_maximum_of_the_evidence():
    from scipy.optimize import minimize_scalar

    X, y = regression_data(seed=5, n=30, inputs=3)
    net = Network(3, 1, weight_sd=1.0, bias_sd=1.0, noise_sd=0.4)
    approximation = Laplace.at(net, X, y, at_exact_mode(net, X, y)[0])
    tau = approximation.optimize_prior_precision()
    found = minimize_scalar(lambda log_tau: -approximation.log_evidence(np.exp(log_tau)), bounds=(-9, 13),
                            method="bounded", options={"xatol": 1e-9})
    assert np.log(tau) == pytest.approx(found.x, abs=1e-4)
    assert all(approximation.log_evidence(t) <= approximation.log_evidence(tau) for t in np.geomspace(1e-4, 1e6, 200))
    # MacKay's fixed point: τ = γ / ‖θ*/s‖², γ the well-determined directions
    distance = np.sum((approximation.theta / approximation.scale) ** 2)
    assert tau == pytest.approx(approximation.well_determined(tau) / distance, rel=1e-8)


def small_net(activation):
    return Network(3, 2, hidden=(Layer(4, activation), Layer(3, activation)), output="softmax")


def autodiff_jacobian(net, theta, X):
    """The scores before the output link and their Jacobian in θ, by PyTensor's autodiff of the
    PyMC model's own activations: the reference the numpy passes are held to."""
    import pytensor
    import pytensor.tensor as pt
    from pytensor.gradient import jacobian

    from bdl_demo.model.bayesian import ACTIVATIONS

    flat = pt.vector("theta")
    params, Z = unflatten(net, flat), pt.constant(X)
    for number, layer in enumerate(net.layers, start=1):
        scores = Z @ params[f"W{number}"] + params[f"b{number}"]
        Z = ACTIVATIONS[layer.activation](scores)
    J = jacobian(scores.ravel(), flat).reshape((len(X), net.n_outputs, -1))
    return pytensor.function([flat], [scores, J])(theta)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "identity"])
def test_the_numpy_backward_pass_gives_autodiffs_jacobian(activation):
    net = small_net(activation)
    rng = np.random.default_rng(3)
    at = {m.name: rng.normal(size=m.shape) for m in net.matrices()}
    X = rng.normal(size=(7, 3))
    scores, J = net.jacobian(at, X)
    expected_scores, expected_J = autodiff_jacobian(net, flatten(net, at), X)
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-12)
    np.testing.assert_allclose(J, expected_J, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_linearised_network_is_the_first_order_taylor_expansion(activation):
    """Network.linearised (numpy, forward and tangent side by side) against PyTensor's Jacobians."""
    from bdl_demo.model.network import softmax

    net = small_net(activation)
    rng = np.random.default_rng(1)
    at = {m.name: rng.normal(size=m.shape) for m in net.matrices()}
    X = rng.normal(size=(6, 3))
    steps = {name: 0.3 * rng.normal(size=(5, *value.shape)) for name, value in at.items()}
    params = {name: at[name] + steps[name] for name in at}
    theta = flatten(net, at)
    scores, J = autodiff_jacobian(net, theta, X)
    d = np.stack([flatten(net, {k: v[s] for k, v in steps.items()}) for s in range(5)])
    expected = softmax(scores[None] + np.einsum("ncp,sp->snc", J, d))
    np.testing.assert_allclose(net.linearised(at, params, X), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(net.linearised(at, at, X), net.forward(at, X), rtol=1e-12)


def test_a_linear_model_is_its_own_linearisation():
    net = Network(2, 1, output="sigmoid")
    rng = np.random.default_rng(2)
    at = {m.name: rng.normal(size=m.shape) for m in net.matrices()}
    params = {name: rng.normal(size=(4, *value.shape)) for name, value in at.items()}
    X = rng.normal(size=(5, 2))
    np.testing.assert_allclose(net.linearised(at, params, X), net.forward(params, X), rtol=1e-12)


def test_weight_draws_through_the_linearised_net_give_the_glm_predictive():
    """Draws of θ from the Laplace posterior, pushed through the linearised net, have the scores'
    mean f(x; θ*) and covariance J Σ Jᵀ (Monte Carlo, 40,000 draws)."""
    from bdl_demo.model.laplace import ggn  # noqa: F401  (the curvature the approximation is built on)

    net = Network(2, 2, hidden=(Layer(5, "tanh"),), output="softmax")
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int32)
    mode = {m.name: rng.normal(size=m.shape) for m in net.matrices()}
    approximation = Laplace.at(net, X, y, mode)
    draws = unflatten(net, approximation.sample(0.7, 40_000, seed=3))
    X_new = rng.normal(size=(3, 2)) * 2
    identity = dataclasses.replace(net, output="identity", noise_sd=1.0)  # the scores before the softmax
    sampled = identity.linearised(mode, draws, X_new)
    mean, cov = approximation.glm_predictive(0.7, X_new)
    np.testing.assert_allclose(sampled.mean(axis=0), mean, atol=0.03 * np.sqrt(cov.diagonal(axis1=1, axis2=2)).max())
    for n in range(len(X_new)):
        np.testing.assert_allclose(np.cov(sampled[:, n].T), cov[n], rtol=0.05, atol=1e-3)


def test_exact_posterior_sds_are_those_of_the_draws():
    net = Network(2, 2, hidden=(Layer(4, "relu"),), output="softmax")
    rng = np.random.default_rng(6)
    X = rng.normal(size=(50, 2))
    y = (X[:, 0] > 0).astype(np.int32)
    approximation = Laplace.at(net, X, y, {m.name: rng.normal(size=m.shape) for m in net.matrices()})
    draws = approximation.sample(0.5, 50_000, seed=1)
    np.testing.assert_allclose(approximation.posterior_sd(0.5), draws.std(axis=0), rtol=0.02)
    covariance = np.linalg.inv(ggn(net, X, y, approximation.theta) + 0.5 * np.diag(1 / approximation.scale**2))
    np.testing.assert_allclose(approximation.posterior_sd(0.5) ** 2, np.diag(covariance), rtol=1e-10)


@pytest.mark.slow
def test_ggn_laplace_of_logistic_regression_matches_nuts():
    """For a Bernoulli likelihood with its canonical link the GGN is the Hessian: at τ = 1 the
    Laplace posterior is the textbook Normal at the mode, and with enough data (here 4,000 points
    of two overlapping blobs) it is close to the posterior NUTS samples."""
    from bdl_demo.model.data import load
    from bdl_demo.model.inference import infer

    data = load("blobs", seed=11, n_samples=4000)
    net = Network(2, 1, output="sigmoid")
    fit = infer(net, data, method="nuts", draws=1000, tune=500, chains=2, advi_iterations=10, learning_rate=0.01,
                batch_size=0, seed=11, key="test")
    y = data.y_train.astype(np.int32)
    _, diagnostics, approximation = laplace(net, data.X_train, y, fit.map, draws=10, seed=0, tau=1.0)
    nuts = np.column_stack([fit.draws[m.name].reshape(fit.n_draws, -1) for m in net.matrices()])
    sd = approximation.posterior_sd(1.0)
    assert np.all(np.abs(approximation.theta - nuts.mean(axis=0)) < 0.1 * nuts.std(axis=0))
    assert np.all(np.abs(sd / nuts.std(axis=0, ddof=1) - 1) < 0.10)
    assert diagnostics["predictive"] == "linearised" and diagnostics["tau_chosen_by"] == "setting"


def test_the_held_out_rule_is_still_a_choice(draft_models):
    logistic = model_where(draft_models, "logistic regression")
    y = logistic.data.y_train.astype(np.int32)
    _, diagnostics, _ = laplace(logistic.net, logistic.data.X_train, y, logistic.fit.map, draws=10, seed=0,
                                tau="validation")
    assert diagnostics["tau_chosen_by"] == "validation"
    assert f"{diagnostics['tau']:g}" in diagnostics["validation_nll"]


def deep_laplace_models(models):
    found = [m for m in models.values() if m.fit.method == "laplace"]
    assert found, "deck.toml has no Laplace posterior: the tests of what the deck claims of one need it"
    return found


def test_each_deep_posterior_uses_the_evidence_maximum(draft_models):
    for model in deep_laplace_models(draft_models):
        d = model.fit.diagnostics
        assert d["tau_chosen_by"] == "evidence" and d["predictive"] == "linearised"
        sweep = model.evaluation.numbers["prior_precision_sweep"]
        assert len(sweep) >= 9 and min(r["tau"] for r in sweep) <= 1e-2 and max(r["tau"] for r in sweep) >= 1e3
        assert {r["tau"] for r in sweep} >= set(SWEEP)
        best = max(sweep, key=lambda row: row["log_evidence"])
        assert best["chosen"] and best["evidence_peak"] and best["tau"] == d["tau"]
        assert best["log_evidence"] == pytest.approx(d["log_evidence"])
        for m in model.net.matrices():  # the prior the report and the slides write: σ/√τ
            assert d["prior_sd"][m.name] == pytest.approx(model.net.prior_sd(m.name) / np.sqrt(d["tau"]))


def test_a_curvature_computed_again_keeps_the_evidence_peak_on_the_tau_in_use(draft_models):
    """An evaluation that computes the curvature again (in another process, with other BLAS
    threads) gets the fit's up to round-off: the sweep still has one row at the τ the evidence
    chose, marked as both the τ in use and the peak, not a second row a rounding error away."""
    from bdl_demo.model.evaluation import ood_sets, prior_precision_sweep
    from bdl_demo.model.inference import targets

    model = min(deep_laplace_models(draft_models), key=lambda m: flatten(m.net, m.fit.map).size)
    curvature = Laplace.at(model.net, model.data.X_train, targets(model.net, model.data.y_train),
                           model.fit.map).to_arrays()
    curvature["eigenvalues"] = curvature["eigenvalues"] * (1 + 1e-13)
    fit = dataclasses.replace(model.fit, curvature=curvature)
    tau = fit.diagnostics["tau"]
    rows = prior_precision_sweep(model.net, fit, model.data, ood_sets(model.data),
                                 model.evaluation.numbers["metrics"]["posterior"])
    assert [row["tau"] for row in rows if row["evidence_peak"]] == [tau]
    assert [row["tau"] for row in rows if row["chosen"]] == [tau]
    assert len(rows) == len(set(SWEEP) | {tau})


def test_weights_of_blank_pixels_keep_the_prior_sd(draft_models):
    """Pixels constant in the training set get no curvature: their weights' posterior sd is the
    prior's (the prior the evidence chose), exactly."""
    digits = model_where(draft_models, "multiclass net")
    blank = np.flatnonzero(np.ptp(digits.data.X_train, axis=0) == 0)
    assert len(blank), "the digits' training images have no pixel blank in all of them"
    prior = digits.fit.diagnostics["prior_sd"]["W1"]
    np.testing.assert_allclose(digits.fit.posterior_sd()["W1"][blank], prior, rtol=1e-6)
    others = np.setdiff1d(np.arange(digits.net.n_inputs), blank)
    assert digits.fit.posterior_sd()["W1"][others].min() < 0.95 * prior  # the data pin the others down
    assert digits.evaluation.numbers["constant_inputs"]["sd_over_prior"] == pytest.approx(1.0, abs=1e-6)


def test_the_moons_posterior_doubts_far_from_the_data_more_than_the_map(draft_models):
    """What "Where the net is unsure" claims: far points get more doubt than test points."""
    deep = model_where(draft_models, "deep net on a plane")
    metrics = deep.evaluation.numbers["metrics"]
    posterior = metrics["posterior"]["ood_auroc"]["far"]["mutual_information"]
    assert posterior > metrics["map"]["ood_auroc"]["far"]
    assert posterior >= 0.7  # "flags them", as the slide then says


@pytest.mark.parametrize("mean,variance", [(0.0, 1.0), (1.5, 4.0), (-3.0, 0.25), (3.0, 25.0), (1.0, 144.0), (2.0, 0.0)])
def test_the_bernoulli_predictive_by_quadrature_is_the_integral(mean, variance):
    """E[σ(g)] and H[E σ] − E[H σ] for g ~ N(mean, variance), against adaptive integration."""
    from scipy.integrate import quad
    from scipy.stats import norm

    from bdl_demo.model.laplace import bernoulli_doubt

    sigmoid = lambda g: 1 / (1 + np.exp(-g))  # noqa: E731
    p, information = bernoulli_doubt(np.array([mean]), np.array([variance]))
    if variance == 0:  # one logit: one network, nothing to disagree about
        assert p[0] == pytest.approx(sigmoid(mean)) and information[0] == pytest.approx(0.0, abs=1e-12)
        return
    sd = np.sqrt(variance)
    expected = lambda f: quad(lambda g: f(g) * norm.pdf(g, mean, sd), mean - 12 * sd, mean + 12 * sd,  # noqa: E731
                              points=[0.0], limit=400, epsabs=1e-12)[0]
    binary_entropy = lambda p: -(p * np.log(p) + (1 - p) * np.log1p(-p)) if 0 < p < 1 else 0.0  # noqa: E731
    p_exact = expected(sigmoid)
    assert p[0] == pytest.approx(p_exact, abs=1e-6)
    assert information[0] == pytest.approx(binary_entropy(p_exact) - expected(lambda g: binary_entropy(sigmoid(g))),
                                           abs=1e-6)


def test_the_class_one_logit_of_two_softmax_scores_is_their_difference():
    """For two softmax scores p₁ = σ(f₁ − f₀), so the linearised predictive of the difference carries
    it all: its variance is Var f₁ + Var f₀ − 2 Cov — checked against draws of the scores."""
    from bdl_demo.model.laplace import class_one_logit

    scores, covariance = np.array([[0.3, -1.2]]), np.array([[[2.0, 0.6], [0.6, 1.0]]])
    mean, variance = class_one_logit(scores, covariance)
    draws = np.random.default_rng(0).multivariate_normal(scores[0], covariance[0], size=400_000)
    assert mean[0] == pytest.approx(-1.5)
    assert variance[0] == pytest.approx(np.var(draws[:, 1] - draws[:, 0]), rel=0.01)
    one = class_one_logit(np.array([[0.7]]), np.array([[[3.0]]]))
    assert (one[0][0], one[1][0]) == (0.7, 3.0)
