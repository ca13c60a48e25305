"""The network as LaTeX: every layer named, the priors, the colours, the learning equations."""
import pytest

from bdl_demo.deck.equations import backprop_latex, equation, loss_latex, update_latex
from bdl_demo.model.network import Layer, Network


def test_equation_names_every_layer_and_the_priors():
    net = Network(64, 10, hidden=(Layer(20, "tanh"), Layer(20, "relu")), output="softmax",
                  weight_sd=0.5, bias_sd=2.0)
    point = equation(net)
    for name in ("W_{1}", "b_{1}", "W_{2}", "b_{2}", "W_{3}", "b_{3}", "Z_{1}", "Z_{2}"):
        assert name in point
    assert "tanh" in point and "relu" in point and "softmax" in point and "Categorical" in point
    assert r"\sim \mathcal{N}" not in point
    with_priors = equation(net, priors=True)
    assert r"\mathcal{N}(0,\ 0.5^2)" in with_priors and r"\mathcal{N}(0,\ 2^2)" in with_priors


def test_equation_colours_weights_and_biases_as_asked():
    tex = equation(Network(1, 1, noise_sd=0.5), colors={"weight": "#aa0000", "bias": "#0000bb"})
    assert r"{\color{#aa0000}{W_{1}}}" in tex and r"{\color{#0000bb}{b_{1}}}" in tex
    assert "color" not in equation(Network(1, 1, noise_sd=0.5))



@pytest.mark.parametrize("hidden", [(), (Layer(5, "tanh"),), (Layer(4, "relu"), Layer(3, "sigmoid"))])
def test_the_learning_equations_name_every_layer(hidden):
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
