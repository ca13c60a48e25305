"""Uncertainty and its scores against values worked out by hand on small arrays."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from bdl_demo.model import uncertainty as u


def test_entropy_of_sure_and_clueless_predictions():
    assert u.entropy(np.array([1.0, 0.0])) == pytest.approx(0.0, abs=1e-9)
    assert u.entropy(np.array([0.25] * 4)) == pytest.approx(math.log(4))


def test_two_networks_that_disagree_are_all_epistemic():
    # One draw says class 0 for sure, the other class 1: the mean is 50/50.
    draws = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    assert u.total(draws)[0] == pytest.approx(math.log(2))
    assert u.aleatoric(draws)[0] == pytest.approx(0.0, abs=1e-9)
    assert u.epistemic(draws)[0] == pytest.approx(math.log(2))


def test_two_networks_that_agree_on_a_coin_flip_are_all_aleatoric():
    draws = np.array([[[0.5, 0.5]], [[0.5, 0.5]]])
    assert u.epistemic(draws)[0] == pytest.approx(0.0, abs=1e-12)
    assert u.aleatoric(draws)[0] == pytest.approx(math.log(2))


probabilities = arrays(np.float64, (4, 3, 3), elements=st.floats(0.01, 1.0)).map(
    lambda a: a / a.sum(axis=-1, keepdims=True))


@settings(max_examples=200, deadline=None)
@given(probabilities)
def test_mutual_information_is_never_negative_and_total_is_the_sum(draws):
    assert (u.epistemic(draws) >= 0).all()
    np.testing.assert_allclose(u.total(draws), u.aleatoric(draws) + u.epistemic(draws), atol=1e-9)


def test_nll_and_brier_by_hand():
    p = np.array([[0.8, 0.2], [0.4, 0.6], [0.3, 0.7]])
    y = np.array([0, 0, 1])
    assert u.nll(p, y) == pytest.approx(-(math.log(0.8) + math.log(0.4) + math.log(0.7)) / 3)
    # (0.2² + 0.2²), (0.6² + 0.6²), (0.3² + 0.3²), averaged
    assert u.brier(p, y) == pytest.approx((0.08 + 0.72 + 0.18) / 3)


def test_ece_by_hand():
    # Confidences 0.9, 0.9 (one right, one wrong) and 0.6 (right): two bins of 15.
    p = np.array([[0.9, 0.1], [0.9, 0.1], [0.4, 0.6]])
    y = np.array([0, 1, 1])
    # bin of 0.9: accuracy 0.5, confidence 0.9 → 0.4, weight 2/3; bin of 0.6: 1 vs 0.6 → 0.4, 1/3
    assert u.ece(p, y) == pytest.approx(0.4)
    bins = [b for b in u.calibration(p, y) if b["count"]]
    assert [(b["count"], b["accuracy"]) for b in bins] == [(1, 1.0), (2, 0.5)]


def test_a_perfectly_calibrated_forecast_has_no_calibration_error():
    p = np.array([[0.75, 0.25]] * 4)
    y = np.array([0, 0, 0, 1])
    assert u.ece(p, y) == pytest.approx(0.0, abs=1e-12)


def test_accuracy_on_the_most_sure():
    p = np.array([[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.55, 0.45]])
    y = np.array([0, 0, 1, 1])  # the two least sure are wrong
    kept = u.accuracy_rejection(p, y, uncertainty=1 - p.max(axis=1))
    assert kept == {"0.5": 1.0, "0.8": pytest.approx(2 / 3), "1": 0.5}


def test_auroc_by_hand():
    assert u.auroc(np.array([0.1, 0.2]), np.array([0.3, 0.4])) == 1.0
    assert u.auroc(np.array([0.3, 0.4]), np.array([0.1, 0.2])) == 0.0
    # inside 0.1, 0.3; outside 0.2, 0.3: pairs (out > in): 0.2>0.1, 0.3>0.1, 0.3=0.3 half → 2.5 / 4
    assert u.auroc(np.array([0.1, 0.3]), np.array([0.2, 0.3])) == pytest.approx(0.625)


def test_auroc_is_the_share_of_pairs_the_outside_input_wins_ties_half():
    rng = np.random.default_rng(0)
    inside, outside = rng.normal(size=50).round(1), rng.normal(0.5, size=40).round(1)  # many ties
    wins = sum(1.0 if o > i else 0.5 if o == i else 0.0 for o in outside for i in inside)
    assert u.auroc(inside, outside) == pytest.approx(wins / (len(inside) * len(outside)))


def test_units_left_at_the_prior_are_dead_and_others_are_not():
    from bdl_demo.model.evaluation import dead_units
    from bdl_demo.model.network import Layer, Network

    net = Network(3, 2, hidden=(Layer(4, "tanh"),), output="softmax", weight_sd=1.0)
    rng = np.random.default_rng(0)
    W1 = rng.normal(0, 1.0, size=(4000, 3, 4))  # the prior itself…
    W1[:, :, :2] = rng.normal(1.5, 0.1, size=(4000, 3, 2))  # …except two units that learnt
    draws = {"W1": W1, "b1": np.zeros((4000, 4)), "W2": np.zeros((4000, 4, 2)), "b2": np.zeros((4000, 2))}
    assert dead_units(net, draws) == [2]


def test_advi_is_converged_only_once_its_loss_has_settled():
    from bdl_demo.model.convergence import convergence_problem
    from bdl_demo.model.fit import Fit
    from bdl_demo.model.inference import advi_checks

    falling = np.linspace(100, 50, 1000)
    flat = np.r_[np.linspace(100, 50, 500), np.full(500, 50.0)]
    assert not advi_checks(falling, 1000)["converged"] and advi_checks(flat, 1000)["converged"]
    fit = Fit("advi", "k", {}, {"W1": np.zeros((2, 1))}, advi_checks(falling, 1000) | {"map_converged": True})
    assert "had not settled" in convergence_problem(fit)
    nuts = Fit("nuts", "k", {}, {"W1": np.zeros((2, 1))},
               {"map_converged": True, "r_hat_max": 1.05, "ess_bulk_min": 100.0, "divergences": 3})
    assert convergence_problem(nuts) == "R̂ 1.050 > 1.01, 3 divergences, bulk ESS 100 < 400"


def test_every_companion_reports_its_own_convergence(draft_models):
    """MC dropout's training loss is checked like ADVI's; every ensemble member's optimiser is
    reported; a companion that did not converge is named."""
    from bdl_demo.model.convergence import convergence_problem, settled
    from bdl_demo.model.fit import Fit

    deep = [m for m in draft_models.values() if "dropout" in m.companions]
    assert deep
    for model in deep:
        dropout, ensemble = model.companions["dropout"], model.companions["ensemble"]
        assert dropout.diagnostics["converged"] == settled(dropout.loss, len(dropout.loss))["converged"]
        assert dropout.diagnostics["loss_change"] == pytest.approx(settled(dropout.loss, len(dropout.loss))["loss_change"])
        members = ensemble.diagnostics["member_checks"]
        assert len(members) == ensemble.diagnostics["members"] == ensemble.n_draws
        assert ensemble.diagnostics["members_converged"] == sum(m["converged"] for m in members)
    noisy = Fit("dropout", "k", {}, {"W1": np.zeros((2, 1))}, settled(np.linspace(100, 50, 1000), 1000))
    assert "the dropout net's training loss had not settled" in convergence_problem(noisy)
    stuck = Fit("ensemble", "k", {}, {"W1": np.zeros((3, 1))}, {"members": 3, "members_converged": 2})
    assert convergence_problem(stuck) == "1 of 3 members' optimisers stopped before converging"


def test_the_exact_posterior_narrows_with_more_data():
    from bdl_demo.model.data import load
    from bdl_demo.model.exact import band_sd, more_data
    from bdl_demo.model.network import Network

    data = load("line", seed=0, n_samples=12, noise=0.5)
    net = Network(1, 1, noise_sd=0.5)
    rows = more_data(net, data.X_train, data.y_train, data.truth)
    assert [r["n"] for r in rows] == [3, 12, 100]
    widths = [r["band_at_0"] for r in rows]
    assert widths[0] > widths[1] > widths[2]
    # The band at 0 is the intercept's own 94 % interval.
    covariance = np.array(rows[1]["covariance"])
    assert widths[1] == pytest.approx(2 * 1.88 * np.sqrt(covariance[1, 1]))
    assert band_sd(covariance, 0.0) == pytest.approx(np.sqrt(covariance[1, 1]))
