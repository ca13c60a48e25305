"""The Bayesian fits against exact answers and against what the slides claim (draft profile)."""
import numpy as np
import pytest

from conftest import model_where

from bdl_demo.model.evaluation import accuracy, class_probabilities, predictive_summary
from bdl_demo.model.exact import linear_posterior


def test_linear_posterior_matches_the_exact_conjugate_posterior(draft_models):
    linear = model_where(draft_models, "linear regression")
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
    assert model_where(draft_models, "linear regression").fit.posterior_sd()["W1"][0, 0] > 0.05


def test_logistic_map_equals_l2_penalised_logistic_regression(draft_models):
    from sklearn.linear_model import LogisticRegression

    logistic = model_where(draft_models, "logistic regression")
    assert logistic.net.weight_sd == logistic.net.bias_sd  # one penalty for weights and bias
    X = np.column_stack([logistic.data.X_train, np.ones(len(logistic.data.X_train))])
    reference = LogisticRegression(C=logistic.net.weight_sd ** 2, fit_intercept=False,
                                   tol=1e-12, max_iter=10_000).fit(X, logistic.data.y_train)
    ours = np.concatenate([logistic.fit.map["W1"][:, 0], logistic.fit.map["b1"]])
    np.testing.assert_allclose(ours, reference.coef_[0], atol=1e-3)


def test_deep_net_on_a_plane_is_accurate_on_held_out_data(draft_models):
    deep = model_where(draft_models, "deep net on a plane")
    mean, _ = predictive_summary(deep.net, deep.fit.draws, deep.data.X_test)
    assert accuracy(mean, deep.data.y_test) >= 0.9
    assert deep.fit.loss[-500:].mean() < deep.fit.loss[:100].mean()  # ADVI did not stall


def test_deep_net_is_less_sure_far_from_the_data(draft_models):
    """Where no training point is near, the posterior draws disagree more than on the data."""
    deep = model_where(draft_models, "deep net on a plane")
    axis = np.linspace(-4, 4, 61)
    grid = np.array(np.meshgrid(axis, axis)).reshape(2, -1).T
    distance = np.linalg.norm(grid[:, None] - deep.data.X_train[None], axis=2).min(axis=1)
    far = grid[distance > 1.5]

    def spread(X):
        return class_probabilities(deep.net, deep.fit.draws, X)[..., 1].std(axis=0).mean()

    assert len(far) > 100
    assert spread(far) > 1.5 * spread(deep.data.X_train)


def test_multiclass_net_beats_chance_by_far(draft_models):
    net = model_where(draft_models, "multiclass net")
    assert net.evaluation.numbers["test_accuracy"] >= 0.9


def test_fits_side_by_side_equal_fits_one_after_another(settings, draft_models, tmp_path):
    """The session's fits ran in worker processes; one after another in this one, the numbers are
    the same to the last bit."""
    from bdl_demo.build.cache import Cache
    from bdl_demo.build.fitting import fit_all

    cheap = [model_where(draft_models, "linear regression").id, model_where(draft_models, "logistic regression").id]
    again = fit_all(settings, "draft", cheap, Cache(tmp_path), workers=1, log=lambda m: None)
    for model_id in cheap:
        assert not again[model_id].fit.cached
        for name, values in draft_models[model_id].fit.draws.items():
            np.testing.assert_array_equal(again[model_id].fit.draws[name], values)
        for name, values in draft_models[model_id].fit.map.items():
            np.testing.assert_array_equal(again[model_id].fit.map[name], values)


def test_a_failing_fit_in_a_worker_is_one_line(draft_models):
    import dataclasses

    from bdl_demo.build.fitting import FitError, Job, run
    from bdl_demo.model.network import Network

    linear = model_where(draft_models, "linear regression")
    good = Job(None, linear.net, linear.data, None, 0, "good")
    broken = [dataclasses.replace(good, network=Network(3, 1, noise_sd=0.5), key=f"broken{n}") for n in (1, 2)]
    with pytest.raises(FitError) as error:
        list(run([dataclasses.replace(job, model=_settings_of(linear), profile=_draft()) for job in broken],
                 2, False, False))
    assert str(error.value).startswith("fit linear_probe failed: ") and "\n" not in str(error.value)


def _settings_of(model):
    from bdl_demo.build.settings import ModelSettings

    return ModelSettings(id="linear_probe", data=model.data.name)


def _draft():
    from bdl_demo.build.settings import Profile

    return Profile(draws=20, tune=20, chains=1, advi_iterations=20)


def test_report_has_accuracy_for_classifiers(draft_models):
    from bdl_demo.build.report import fit_summary

    classifiers = [m for m in draft_models.values() if m.kind != "regression"]
    assert classifiers
    for model in classifiers:
        summary = fit_summary(model)
        mean, _ = predictive_summary(model.net, model.fit.draws, model.data.X_test)
        assert summary["test_accuracy"] == accuracy(mean, model.data.y_test)
        point = class_probabilities(model.net, model.fit.map, model.data.X_test)
        assert summary["test_accuracy_map"] == accuracy(point, model.data.y_test)
        assert set(summary["posterior_mean"]) == {m.name for m in model.net.matrices()}


def test_mistakes_concentrate_where_the_net_is_least_sure(draft_models):
    """What the real-data slide claims: the least sure tenth of the test set holds the mistakes."""
    net = model_where(draft_models, "multiclass net")
    p = net.evaluation.test_mean
    correct = p.argmax(axis=1) == net.data.y_test
    unsure = np.argsort(p.max(axis=1))[: len(p) // 10]
    sure = np.setdiff1d(np.arange(len(p)), unsure)
    assert correct[unsure].mean() < correct[sure].mean() - 0.2


@pytest.mark.parametrize("n_classes", [2, 4])
def test_predictive_summary_matches_a_direct_computation(n_classes):
    from bdl_demo.model.network import Layer, Network

    rng = np.random.default_rng(1)
    output = "sigmoid" if n_classes == 2 else "softmax"
    net = Network(3, 1 if n_classes == 2 else n_classes, hidden=(Layer(4, "tanh"),), output=output)
    draws = {m.name: rng.normal(size=(230, *m.shape)) for m in net.matrices()}
    X = rng.normal(size=(9, 3))
    p = class_probabilities(net, draws, X)
    mean, sd = predictive_summary(net, draws, X, chunk=100)
    np.testing.assert_allclose(mean, p.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(sd, p.std(axis=0, ddof=1), atol=1e-9)
    np.testing.assert_allclose(mean.sum(axis=-1), 1.0)
