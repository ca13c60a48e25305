"""The Bayesian fits against exact answers and against what the slides claim (draft profile)."""
import numpy as np
import pytest

from bdl_demo.exact import linear_posterior
from bdl_demo.inference import accuracy, predictive_probabilities


def test_linear_posterior_matches_the_exact_conjugate_posterior(draft_models):
    linear = draft_models["linear"]
    mean, covariance = linear_posterior(linear.net, linear.data.X_train, linear.data.y_train)
    exact_sd = np.sqrt(np.diag(covariance))
    draws = np.column_stack([linear.fit.draws["W1"][:, 0, 0], linear.fit.draws["b1"][:, 0]])
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 0.1 * exact_sd)
    assert np.all(np.abs(draws.std(axis=0, ddof=1) / exact_sd - 1) < 0.10)
    # The MAP of a Gaussian posterior is its mean.
    map_estimate = [linear.fit.map["W1"][0, 0], linear.fit.map["b1"][0]]
    np.testing.assert_allclose(map_estimate, mean, atol=1e-4)
    assert linear.fit.diagnostics["divergences"] == 0
    assert linear.fit.diagnostics["r_hat_max"] < 1.01


def test_linear_posterior_is_visibly_wide(draft_models):
    """Few noisy points: the slope is uncertain enough that the band of lines shows on a slide."""
    assert draft_models["linear"].fit.posterior_sd()["W1"][0, 0] > 0.05


def test_logistic_map_equals_l2_penalised_logistic_regression(draft_models):
    from sklearn.linear_model import LogisticRegression

    logistic = draft_models["logistic"]
    assert logistic.net.weight_sd == logistic.net.bias_sd  # one penalty for weights and bias
    X = np.column_stack([logistic.data.X_train, np.ones(len(logistic.data.X_train))])
    reference = LogisticRegression(C=logistic.net.weight_sd ** 2, fit_intercept=False,
                                   tol=1e-12, max_iter=10_000).fit(X, logistic.data.y_train)
    ours = np.concatenate([logistic.fit.map["W1"][:, 0], logistic.fit.map["b1"]])
    np.testing.assert_allclose(ours, reference.coef_[0], atol=1e-3)


def test_moons_net_is_accurate_on_held_out_data(draft_models):
    deepnet = draft_models["deepnet"]
    assert accuracy(deepnet.net, deepnet.fit.draws, deepnet.data.X_test, deepnet.data.y_test) >= 0.9
    assert deepnet.fit.loss[-500:].mean() < deepnet.fit.loss[:100].mean()  # ADVI did not stall


def test_moons_net_is_less_sure_far_from_the_data(draft_models):
    """Where no training point is near, the posterior draws disagree more than on the data."""
    deepnet = draft_models["deepnet"]
    axis = np.linspace(-4, 4, 61)
    grid = np.array(np.meshgrid(axis, axis)).reshape(2, -1).T
    distance = np.linalg.norm(grid[:, None] - deepnet.data.X_train[None], axis=2).min(axis=1)
    far = grid[distance > 1.5]

    def spread(X):
        return predictive_probabilities(deepnet.net, deepnet.fit.draws, X)[..., 1].std(axis=0).mean()

    assert len(far) > 100
    assert spread(far) > 1.5 * spread(deepnet.data.X_train)


def test_digits_net_beats_chance_by_far(draft_models):
    digits = draft_models["digits"]
    assert accuracy(digits.net, digits.fit.draws, digits.data.X_test, digits.data.y_test) >= 0.9


def test_same_seed_gives_the_same_numbers(settings, draft_models, tmp_path, monkeypatch):
    from bdl_demo.fits import fit_models

    monkeypatch.setenv("BDL_DEMO_CACHE", str(tmp_path))
    again = fit_models(settings, "draft", ["linear"], log=lambda message: None)["linear"]
    assert not again.fit.cached
    for name, values in draft_models["linear"].fit.draws.items():
        np.testing.assert_array_equal(again.fit.draws[name], values)


@pytest.mark.parametrize("model_id", ["logistic", "deepnet", "digits"])
def test_report_has_accuracy_for_classifiers(draft_models, model_id):
    from bdl_demo.report import fit_summary

    summary = fit_summary(draft_models[model_id])
    assert 0.5 < summary["test_accuracy"] <= 1 and 0.5 < summary["test_accuracy_map"] <= 1
    assert set(summary["posterior_mean"]) == {m.name for m in draft_models[model_id].net.matrices()}


def test_digits_mistakes_concentrate_where_the_net_is_least_sure(draft_models):
    """What the real-data slide claims: the least sure tenth of the test set holds the mistakes."""
    digits = draft_models["digits"]
    p = predictive_probabilities(digits.net, digits.fit.draws, digits.data.X_test).mean(axis=0)
    correct = p.argmax(axis=1) == digits.data.y_test
    unsure = np.argsort(p.max(axis=1))[: len(p) // 10]
    sure = np.setdiff1d(np.arange(len(p)), unsure)
    assert correct[unsure].mean() < correct[sure].mean() - 0.2
