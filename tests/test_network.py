"""The network description and the views derived from it."""
from pathlib import Path

import numpy as np
import pytest

from bdl_demo.model.network import Layer, Network, activate


def net_3_5_2():
    return Network(n_inputs=3, n_outputs=2, hidden=(Layer(5, "tanh"),), output="softmax")


def test_matrices_have_the_shapes_of_the_layers():
    shapes = [(m.name, m.shape) for m in net_3_5_2().matrices()]
    assert shapes == [("W1", (3, 5)), ("b1", (5,)), ("W2", (5, 2)), ("b2", (2,))]


def test_linear_and_logistic_are_networks_without_hidden_layers():
    linear = Network(1, 1, output="identity", noise_sd=0.5)
    logistic = Network(2, 1, output="sigmoid")
    assert linear.likelihood == "normal" and logistic.likelihood == "bernoulli"
    assert [m.shape for m in logistic.matrices()] == [(2, 1), (1,)]


def test_forward_is_the_composition_of_layers():
    rng = np.random.default_rng(0)
    net = net_3_5_2()
    params = {m.name: rng.normal(size=m.shape) for m in net.matrices()}
    X = rng.normal(size=(4, 3))
    hidden = np.tanh(X @ params["W1"] + params["b1"])
    logits = hidden @ params["W2"] + params["b2"]
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(net.forward(params, X), expected, rtol=1e-12)


def test_forward_evaluates_every_draw_at_once():
    rng = np.random.default_rng(1)
    net = net_3_5_2()
    draws = {m.name: rng.normal(size=(7, *m.shape)) for m in net.matrices()}
    X = rng.normal(size=(4, 3))
    together = net.forward(draws, X)
    one_by_one = [net.forward({k: v[d] for k, v in draws.items()}, X) for d in range(7)]
    assert together.shape == (7, 4, 2)
    np.testing.assert_allclose(together, np.stack(one_by_one), rtol=1e-12)


def test_the_mathematics_knows_no_page():
    """The model's modules import nothing of the project but each other and the error type a user
    can fix — no figures, deck or pipeline — and write no LaTeX: how a network is shown lives with
    the views."""
    import ast

    from bdl_demo import model

    for path in Path(model.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        assert not [name for name in imported if name.startswith("bdl_demo")
                    and not name.startswith("bdl_demo.model") and name != "bdl_demo.errors"], path.name
        assert "\\begin{aligned}" not in path.read_text() and "htmlData" not in path.read_text(), path.name


def test_a_normal_likelihood_needs_its_noise():
    with pytest.raises(ValueError, match="noise_sd"):
        Network(1, 1)


@pytest.mark.parametrize("width", [0, -3])
def test_a_layer_needs_a_positive_width(width):
    with pytest.raises(ValueError, match="width"):
        Network(2, 1, hidden=(Layer(width, "tanh"),), output="sigmoid")


def test_softmax_rows_sum_to_one():
    z = np.array([[1000.0, 0.0], [-3.0, 2.0]])
    np.testing.assert_allclose(activate("softmax", z).sum(axis=1), 1.0)
