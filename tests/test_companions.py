"""MC dropout and deep ensembles: counted, and checked against what their definitions imply."""
import numpy as np

from conftest import model_where

from bdl_demo.model import uncertainty
from bdl_demo.model.companions import dropout_draws
from bdl_demo.model.predictive import class_probabilities
from bdl_demo.model.network import Layer, Network

NET = Network(2, 3, hidden=(Layer(6, "tanh"), Layer(5, "tanh")), output="softmax")


def weights(seed=0):
    rng = np.random.default_rng(seed)
    return {m.name: rng.normal(size=m.shape) for m in NET.matrices()}


def test_a_dropout_pass_zeroes_the_dropped_units_outgoing_weights():
    trained = weights()
    draws = dropout_draws(NET, trained, rate=0.5, passes=40, seed=1)
    assert draws["W2"].shape == (40, 6, 5) and draws["W3"].shape == (40, 5, 3)
    np.testing.assert_array_equal(draws["W1"], np.repeat(trained["W1"][None], 40, axis=0))  # inputs are kept
    kept = np.any(draws["W2"] != 0, axis=2)
    np.testing.assert_allclose(draws["W2"][kept], (np.repeat(trained["W2"][None], 40, axis=0) * 2)[kept])
    assert 0.3 < kept.mean() < 0.7


def test_the_dropout_average_converges_as_passes_grow():
    """The mean prediction over T passes is an average of T random networks: its spread between
    independent runs falls as T grows (about as 1/√T)."""
    trained, X = weights(), np.random.default_rng(2).normal(size=(50, 2))

    def spread(passes):
        means = [class_probabilities(NET, dropout_draws(NET, trained, 0.3, passes, seed), X).mean(axis=0)
                 for seed in range(30)]
        return np.std(means, axis=0).mean()

    few, many = spread(5), spread(320)
    assert many < few / 4  # 1/√64 = 1/8 in theory; noise allowed


def test_without_dropout_every_pass_is_the_same_network():
    draws = dropout_draws(NET, weights(), rate=0.0, passes=10, seed=0)
    p = class_probabilities(NET, draws, np.random.default_rng(3).normal(size=(20, 2)))
    assert uncertainty.epistemic(p).max() < 1e-12


def test_an_ensemble_of_identical_members_has_no_spread():
    member = weights()
    same = {name: np.repeat(value[None], 5, axis=0) for name, value in member.items()}
    p = class_probabilities(NET, same, np.random.default_rng(4).normal(size=(20, 2)))
    assert np.ptp(p, axis=0).max() == 0  # every member predicts exactly the same
    assert uncertainty.epistemic(p).max() < 1e-9  # H[p̄] − mean H[p] for equal p: round-off only


def test_the_deep_nets_bring_dropout_and_an_ensemble_of_the_profiles_size(draft_models, settings):
    deep = model_where(draft_models, "deep net on a plane")
    methods = deep.evaluation.numbers["methods"]
    assert methods["ensemble"]["draws"] == settings.profiles["draft"].ensemble_size
    assert deep.companions["ensemble"].diagnostics["members_converged"] == settings.profiles["draft"].ensemble_size
    assert methods["dropout"]["draws"] == deep.companions["dropout"].diagnostics["passes"]
    for method in ("dropout", "ensemble"):  # evaluated exactly like the posterior
        assert set(deep.evaluation.numbers["metrics"][method]) == set(deep.evaluation.numbers["metrics"]["posterior"])
