"""How a net learns, as equations written from its description: the loss is the negative log of
the likelihood (plus the prior's weight decay), gradient descent moves every parameter against its
gradient, and backpropagation is the chain rule, layer by layer, from the output back.
"""
from __future__ import annotations

from bdl_demo.model.network import LETTER, Network, _number


def _symbol(kind: str, number: int, colors: dict | None) -> str:
    name = f"{LETTER[kind]}_{{{number}}}"
    return rf"{{\color{{{colors[kind]}}}{{{name}}}}}" if colors else name


def _layer_output(net: Network, number: int) -> str:
    """Z_0 is the input X; Z_k the output of layer k (before the likelihood's link for the last)."""
    return "X" if number == 0 else f"Z_{{{number}}}"


def loss_latex(net: Network, colors: dict | None = None) -> str:
    """L(θ) = − log p(y | X, θ) − log p(θ), written for this network's likelihood and priors."""
    data = {
        "normal": rf"\frac{{1}}{{2 \cdot {_number(net.noise_sd or 1)}^2}} \sum_i (y_i - \mu_i)^2",
        "bernoulli": r"-\sum_i \big[y_i \log p_i + (1 - y_i)\log(1 - p_i)\big]",
        "categorical": r"-\sum_i \log p_{i,\,y_i}",
    }[net.likelihood]
    weight, bias = (rf"{{\color{{{colors[kind]}}}{{{LETTER[kind]}_k}}}}" if colors else f"{LETTER[kind]}_k"
                    for kind in ("weight", "bias"))
    decay = (rf"\sum_{{k=1}}^{{{len(net.layers)}}} \left(\frac{{\lVert {weight} \rVert^2}}{{2\sigma_k^2}}"
             rf" + \frac{{\lVert {bias} \rVert^2}}{{2 \cdot {_number(net.bias_sd)}^2}}\right)")
    return rf"L(\theta) = \underbrace{{{data}}}_{{-\log p(y \mid X,\, \theta)}} + \underbrace{{{decay}}}_{{-\log p(\theta)}}"


def update_latex(net: Network, colors: dict | None = None) -> str:
    """One step of gradient descent, for every parameter array of the network."""
    steps = [rf"{_symbol(kind, k, colors)} &\leftarrow {_symbol(kind, k, colors)} - \eta\, "
             rf"\frac{{\partial L}}{{\partial {_symbol(kind, k, colors)}}}"
             for k in range(1, len(net.layers) + 1) for kind in ("weight", "bias")]
    return r"\begin{aligned}" + r" \\ ".join(steps) + r"\end{aligned}"


def backprop_latex(net: Network, colors: dict | None = None) -> str:
    """The chain rule from the output back to the first layer: each layer's error δ and the
    gradients of its weights and biases, every layer named."""
    last = len(net.layers)
    output = {"normal": r"\frac{\mu - y}{\sigma^2}", "bernoulli": "p - y", "categorical": "p - y"}[net.likelihood]
    lines = [rf"\delta_{{{last}}} &= {output}"]
    for k in range(last - 1, 0, -1):
        lines.append(rf"\delta_{{{k}}} &= \big(\delta_{{{k + 1}}}\, {_symbol('weight', k + 1, colors)}^{{\top}}\big)"
                     rf" \odot \operatorname{{{net.layers[k - 1].activation}}}'\big(Z'_{{{k}}}\big)")
    for k in range(last, 0, -1):
        lines.append(rf"\frac{{\partial L}}{{\partial {_symbol('weight', k, colors)}}} &= "
                     rf"{_layer_output(net, k - 1)}^{{\top}} \delta_{{{k}}} + \frac{{{_symbol('weight', k, colors)}}}{{\sigma_{{{k}}}^2}}"
                     rf", \quad \frac{{\partial L}}{{\partial {_symbol('bias', k, colors)}}} = \mathbf{{1}}^{{\top}} \delta_{{{k}}}"
                     rf" + \frac{{{_symbol('bias', k, colors)}}}{{{_number(net.bias_sd)}^2}}")
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"
