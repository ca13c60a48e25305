"""The Bayesian fits against exact answers and against what the slides claim (draft profile)."""
import numpy as np
import pytest

from conftest import model_where

from bdl_demo.model.evaluation import accuracy
from bdl_demo.model.predictive import class_probabilities, draw_probabilities, predictive_summary
from bdl_demo.model.exact import linear_posterior
from bdl_demo.model.fit import Fit


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
    mean, _ = predictive_summary(deep.net, deep.fit, deep.data.X_test)
    assert accuracy(mean, deep.data.y_test) >= 0.9
    advi = deep.companions["advi"]
    assert advi.loss[-len(advi.loss) // 10:].mean() < advi.loss[:100].mean()  # ADVI did not stall


def test_every_deep_posterior_is_centred_on_its_map(draft_models):
    """One solution, two views: the twins show the same hidden units."""
    deep = [m for m in draft_models.values() if m.net.hidden]
    assert deep
    for model in deep:
        assert model.evaluation.numbers["map_posterior_corr"] >= 0.9, model.id
        assert model.fit.diagnostics["map_converged"]


def test_the_laplace_posterior_of_a_linear_gaussian_model_is_the_exact_posterior():
    """For a linear model with Normal noise the curvature is exact, so Laplace at τ = 1 is the
    conjugate posterior: a test of the GGN built by autodiff."""
    from bdl_demo.model.data import load
    from bdl_demo.model.laplace import laplace
    from bdl_demo.model.network import Network

    data = load("line", seed=3, n_samples=12, noise=0.5)
    net = Network(1, 1, weight_sd=1.0, bias_sd=2.0, noise_sd=0.5)
    mean, covariance = linear_posterior(net, data.X_train, data.y_train)
    at_mode = {"W1": mean[:1].reshape(1, 1), "b1": mean[1:]}
    draws, diagnostics, _ = laplace(net, data.X_train, data.y_train, at_mode, draws=20000, seed=1, tau=1.0)
    samples = np.column_stack([draws["W1"][:, 0, 0], draws["b1"][:, 0]])
    exact_sd = np.sqrt(np.diag(covariance))
    np.testing.assert_allclose(samples.mean(axis=0), mean, atol=0.03 * exact_sd.max())
    np.testing.assert_allclose(np.cov(samples.T), covariance, rtol=0.05, atol=1e-4)
    assert diagnostics["tau_chosen_by"] == "setting"


def test_advi_on_the_linear_model_against_the_exact_posterior(draft_models):
    """ADVI's means within 0.1 sd of the exact ones; its sds measured against the exact ones (the
    slide states the ratio)."""
    linear = model_where(draft_models, "linear regression")
    rows = linear.evaluation.numbers["vi_vs_mcmc"]["parameters"]
    for row in rows:
        assert abs(row["advi_mean"] - row["exact_mean"]) < 0.1 * row["exact_sd"], row["parameter"]
        assert 0.5 < row["advi_sd_over_exact"] < 1.2, row["parameter"]
    advi = linear.companions["advi"]
    assert row["advi_sd"] == pytest.approx(advi.draws["b1"][:, 0].std(ddof=1))


def test_the_far_field_claim_is_what_was_measured(draft_models):
    """The moons slide says whether the posterior flags far-away points: the number behind it is
    recomputed here from the draws, and compared with the MAP's."""
    from bdl_demo.model import uncertainty
    from bdl_demo.model.evaluation import ood_sets

    deep = model_where(draft_models, "deep net on a plane")
    far = ood_sets(deep.data)["far"]
    inside = uncertainty.epistemic(draw_probabilities(deep.net, deep.fit, deep.data.X_test, 600))
    outside = uncertainty.epistemic(draw_probabilities(deep.net, deep.fit, far, 600))
    measured = deep.evaluation.numbers["metrics"]["posterior"]["ood_auroc"]["far"]["mutual_information"]
    assert uncertainty.auroc(inside, outside) == pytest.approx(measured)
    map_far = deep.evaluation.numbers["metrics"]["map"]["ood_auroc"]["far"]
    map_inside = uncertainty.entropy(class_probabilities(deep.net, deep.fit.map, deep.data.X_test))
    map_outside = uncertainty.entropy(class_probabilities(deep.net, deep.fit.map, far))
    assert uncertainty.auroc(map_inside, map_outside) == pytest.approx(map_far)


def test_images_unlike_the_training_data_are_flagged_by_the_posterior(draft_models):
    """What the real-data slides show, measured: mutual information separates random-pixel and
    rotated images from test digits better than the MAP's entropy."""
    net = model_where(draft_models, "multiclass net")
    metrics = net.evaluation.numbers["metrics"]
    for name in ("noise", "rotated"):
        assert metrics["posterior"]["ood_auroc"][name]["mutual_information"] > metrics["map"]["ood_auroc"][name]


def test_multiclass_net_beats_chance_by_far(draft_models):
    net = model_where(draft_models, "multiclass net")
    assert net.evaluation.numbers["test_accuracy"] >= 0.9


def test_fits_side_by_side_equal_fits_one_after_another(settings, draft_models, tmp_path):
    """The session's fits ran in worker processes; one after another in this one, the numbers are
    the same to the last bit."""
    from bdl_demo.results.cache import Cache
    from bdl_demo.pipeline import fitted_models

    cheap = [model_where(draft_models, "linear regression").id, model_where(draft_models, "logistic regression").id]
    again = fitted_models(settings, "draft", cheap, Cache(tmp_path), workers=1, log=lambda m: None)
    for model_id in cheap:
        assert not again[model_id].fit.cached
        for name, values in draft_models[model_id].fit.draws.items():
            np.testing.assert_array_equal(again[model_id].fit.draws[name], values)
        for name, values in draft_models[model_id].fit.map.items():
            np.testing.assert_array_equal(again[model_id].fit.map[name], values)


def test_a_failing_fit_in_a_worker_is_one_line(draft_models):
    import dataclasses

    from bdl_demo.results.fits import FitError, Job, run
    from bdl_demo.model.network import Network

    linear = model_where(draft_models, "linear regression")
    good = Job(None, "nuts", linear.net, linear.data, None, 0, "good")
    broken = [dataclasses.replace(good, network=Network(3, 1, noise_sd=0.5), key=f"broken{n}") for n in (1, 2)]
    with pytest.raises(FitError) as error:
        list(run([dataclasses.replace(job, model=_settings_of(linear), profile=_draft()) for job in broken],
                 2, False, False))
    assert str(error.value).startswith("fit linear_probe failed: ") and "\n" not in str(error.value)


def _settings_of(model):
    from bdl_demo.settings.reading import ModelSettings

    return ModelSettings(id="linear_probe", data=model.data.name)


def _draft():
    from bdl_demo.settings.reading import Profile

    return Profile(draws=20, tune=20, chains=1, advi_iterations=20)


def test_report_has_accuracy_for_classifiers(draft_models):
    from bdl_demo.results.report import fit_summary

    classifiers = [m for m in draft_models.values() if m.kind != "regression"]
    assert classifiers
    for model in classifiers:
        summary = fit_summary(model)
        mean, _ = predictive_summary(model.net, model.fit, model.data.X_test)
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
    for fit in (Fit("advi", "k", {}, draws), Fit("laplace", "k", {k: v[0] for k, v in draws.items()}, draws,
                                                 {"predictive": "linearised"})):
        p = draw_probabilities(net, fit, X)
        expected = net.linearised(fit.map, draws, X) if fit.linearised else net.forward(draws, X)
        np.testing.assert_allclose(p, class_probabilities(net, draws, X) if not fit.linearised else
                                   (np.concatenate([1 - expected, expected], -1) if n_classes == 2 else expected))
        mean, sd = predictive_summary(net, fit, X, chunk=100)
        np.testing.assert_allclose(mean, p.mean(axis=0), atol=1e-12)
        np.testing.assert_allclose(sd, p.std(axis=0, ddof=1), atol=1e-9)
        np.testing.assert_allclose(mean.sum(axis=-1), 1.0)
