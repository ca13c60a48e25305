"""The network written as LaTeX for the slides: its equation (with the priors, for the Bayesian
version), the loss it minimises, one step of gradient descent and backpropagation, every layer
named — all from the one network description, so a change of width or activation shows here too.

`colors` maps "weight" and "bias" to the colour each kind of parameter is written in; `linked`
marks each parameter's symbol with its array (KaTeX's \\htmlData), so the deck's scripts can light
it up with the same parameter in the other views.
"""
from __future__ import annotations

from bdl_demo.model.network import Network
from bdl_demo.numbers import significant

LETTER = {"weight": "W", "bias": "b"}  # how each kind of parameter is written: W_1, b_1


def symbol(kind: str, number: int, colors: dict | None = None, linked: bool = False) -> str:
    """W_{1} or b_{1}, in its colour, marked with its array for the linked views if asked."""
    name = f"{LETTER[kind]}_{{{number}}}"
    if colors:
        name = rf"{{\color{{{colors[kind]}}}{{{name}}}}}"
    array = f"{LETTER[kind]}{number}"
    return rf"\htmlData{{param={array},array={array}}}{{{name}}}" if linked else name


def equation(net: Network, priors: bool = False, colors: dict | None = None, linked: bool = False) -> str:
    """The equation of the network, one line per layer, then the likelihood; with `priors`, the
    priors too."""
    lines = []
    previous = "X"
    for number, layer in enumerate(net.layers, start=1):
        is_last = number == len(net.layers)
        affine = f"{previous}\\,{symbol('weight', number, colors, linked)} + {symbol('bias', number, colors, linked)}"
        if layer.activation != "identity":
            affine = rf"\operatorname{{{layer.activation}}}\left({affine}\right)"
        name = {"normal": r"\mu", "bernoulli": "p", "categorical": "p"}[net.likelihood] if is_last else f"Z_{{{number}}}"
        lines.append(f"{name} &= {affine}")
        previous = name
    lines.append({
        "normal": rf"y &\sim \mathcal{{N}}(\mu,\ {significant(net.noise_sd or 0)}^2)",
        "bernoulli": r"y &\sim \operatorname{Bernoulli}(p)",
        "categorical": r"y &\sim \operatorname{Categorical}(p)",
    }[net.likelihood])
    if priors:
        layers = range(1, len(net.layers) + 1)
        weights = ", ".join(symbol("weight", n, colors, linked) for n in layers)
        biases = ", ".join(symbol("bias", n, colors, linked) for n in layers)
        spread = (rf"{significant(net.weight_sd)}^2 / n_\text{{in}}" if net.fan_in
                  else f"{significant(net.weight_sd)}^2")
        lines.append(rf"{weights} &\sim \mathcal{{N}}(0,\ {spread})")
        lines.append(rf"{biases} &\sim \mathcal{{N}}(0,\ {significant(net.bias_sd)}^2)")
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def loss_latex(net: Network, colors: dict | None = None) -> str:
    """L(θ) = − log p(y | X, θ) − log p(θ), written for this network's likelihood and priors."""
    data = {
        "normal": rf"\frac{{1}}{{2 \cdot {significant(net.noise_sd or 1)}^2}} \sum_i (y_i - \mu_i)^2",
        "bernoulli": r"-\sum_i \big[y_i \log p_i + (1 - y_i)\log(1 - p_i)\big]",
        "categorical": r"-\sum_i \log p_{i,\,y_i}",
    }[net.likelihood]
    weight, bias = (rf"{{\color{{{colors[kind]}}}{{{LETTER[kind]}_k}}}}" if colors else f"{LETTER[kind]}_k"
                    for kind in ("weight", "bias"))
    decay = (rf"\sum_{{k=1}}^{{{len(net.layers)}}} \left(\frac{{\lVert {weight} \rVert^2}}{{2\sigma_k^2}}"
             rf" + \frac{{\lVert {bias} \rVert^2}}{{2 \cdot {significant(net.bias_sd)}^2}}\right)")
    return rf"L(\theta) = \underbrace{{{data}}}_{{-\log p(y \mid X,\, \theta)}} + \underbrace{{{decay}}}_{{-\log p(\theta)}}"


def update_latex(net: Network, colors: dict | None = None) -> str:
    """One step of gradient descent, for every parameter array of the network."""
    steps = [rf"{symbol(kind, k, colors)} &\leftarrow {symbol(kind, k, colors)} - \eta\, "
             rf"\frac{{\partial L}}{{\partial {symbol(kind, k, colors)}}}"
             for k in range(1, len(net.layers) + 1) for kind in ("weight", "bias")]
    return r"\begin{aligned}" + r" \\ ".join(steps) + r"\end{aligned}"


def backprop_latex(net: Network, colors: dict | None = None) -> str:
    """The chain rule from the output back to the first layer: each layer's error δ and the
    gradients of its weights and biases, every layer named."""
    last = len(net.layers)
    output = {"normal": r"\frac{\mu - y}{\sigma^2}", "bernoulli": "p - y", "categorical": "p - y"}[net.likelihood]
    lines = [rf"\delta_{{{last}}} &= {output}"]
    for k in range(last - 1, 0, -1):
        lines.append(rf"\delta_{{{k}}} &= \big(\delta_{{{k + 1}}}\, {symbol('weight', k + 1, colors)}^{{\top}}\big)"
                     rf" \odot \operatorname{{{net.layers[k - 1].activation}}}'\big(Z'_{{{k}}}\big)")
    for k in range(last, 0, -1):
        layer_input = "X" if k == 1 else f"Z_{{{k - 1}}}"
        lines.append(rf"\frac{{\partial L}}{{\partial {symbol('weight', k, colors)}}} &= "
                     rf"{layer_input}^{{\top}} \delta_{{{k}}} + \frac{{{symbol('weight', k, colors)}}}{{\sigma_{{{k}}}^2}}"
                     rf", \quad \frac{{\partial L}}{{\partial {symbol('bias', k, colors)}}} = \mathbf{{1}}^{{\top}} \delta_{{{k}}}"
                     rf" + \frac{{{symbol('bias', k, colors)}}}{{{significant(net.bias_sd)}^2}}")
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"
