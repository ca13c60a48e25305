"""The network description and the views derived from it."""
from pathlib import Path

import numpy as np
import pytest

from bdl_demo.model.network import Layer, Network, activate


def net_3_5_2():
    return Network(n_inputs=3, n_outputs=2, hidden=(Layer(5, "tanh"),), output="softmax")


def test_diagram_of_3_5_2_has_10_nodes_and_25_edges():
    net = net_3_5_2()
    assert len(net.nodes()) == 10
    assert len(net.edges()) == 3 * 5 + 5 * 2
    assert len({(e.source, e.target) for e in net.edges()}) == 25


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


def test_equation_names_every_layer_and_the_priors():
    net = Network(64, 10, hidden=(Layer(20, "tanh"), Layer(20, "relu")), output="softmax",
                  weight_sd=0.5, bias_sd=2.0)
    point = net.latex()
    for name in ("W_{1}", "b_{1}", "W_{2}", "b_{2}", "W_{3}", "b_{3}", "Z_{1}", "Z_{2}"):
        assert name in point
    assert "tanh" in point and "relu" in point and "softmax" in point and "Categorical" in point
    assert r"\sim \mathcal{N}" not in point
    with_priors = net.latex(priors=True)
    assert r"\mathcal{N}(0,\ 0.5^2)" in with_priors and r"\mathcal{N}(0,\ 2^2)" in with_priors


def test_equation_colours_weights_and_biases_as_asked():
    tex = Network(1, 1, noise_sd=0.5).latex(colors={"weight": "#aa0000", "bias": "#0000bb"})
    assert r"{\color{#aa0000}{W_{1}}}" in tex and r"{\color{#0000bb}{b_{1}}}" in tex
    assert "color" not in Network(1, 1, noise_sd=0.5).latex()


def test_the_description_knows_no_colours():
    import ast

    from bdl_demo.model import network

    imported = [node.module for node in ast.walk(ast.parse(Path(network.__file__).read_text()))
                if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if "palette" in (name or "") or "figures" in (name or "")]


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


@pytest.mark.parametrize("hidden", [(), (Layer(5, "tanh"),), (Layer(4, "relu"), Layer(3, "sigmoid"))])
def test_the_learning_equations_name_every_layer(hidden):
    from bdl_demo.model.learning import backprop_latex, loss_latex, update_latex

    net = Network(3, 2, hidden=hidden, output="softmax")
    layers = len(net.layers)
    backprop, update = backprop_latex(net), update_latex(net)
    for k in range(1, layers + 1):
        assert rf"\delta_{{{k}}}" in backprop and f"W_{{{k}}}" in backprop and f"b_{{{k}}}" in backprop
        assert f"W_{{{k}}} &\\leftarrow" in update and f"b_{{{k}}} &\\leftarrow" in update
    assert f"W_{{{layers + 1}}}" not in backprop
    for layer in hidden:
        assert f"\\operatorname{{{layer.activation}}}'" in backprop
    assert r"\log p_{i,\,y_i}" in loss_latex(net) and f"^{{{layers}}}" in loss_latex(net)
    assert "(y_i - \\mu_i)^2" in loss_latex(Network(1, 1, noise_sd=0.5))
