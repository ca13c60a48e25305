"""One network description; linear regression, logistic regression and deep nets are instances.

Every view in the deck — the equation, the matrices, the neural diagram and the PyMC model —
is derived from a `Network`, so a change of width, activation or prior shows up everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bdl_demo.model.task import LIKELIHOOD_OF_OUTPUT

def softmax(z: np.ndarray) -> np.ndarray:
    """Turn scores into class probabilities along the last axis (shifted by the max: no overflow)."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATIONS = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "softmax": softmax,
}
SLOPES = {  # each hidden activation's derivative, as a function of its input z
    "identity": lambda z: np.ones_like(z),
    "sigmoid": lambda z: ACTIVATIONS["sigmoid"](z) * (1 - ACTIVATIONS["sigmoid"](z)),
    "tanh": lambda z: 1 - np.tanh(z) ** 2,
    "relu": lambda z: (z > 0).astype(float),
}
HIDDEN_ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu")
LETTER = {"weight": "W", "bias": "b"}  # how each kind of parameter is written: W_1, b_1


def activate(name: str, z: np.ndarray) -> np.ndarray:
    """Apply the activation called `name`, e.g. activate("tanh", z)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; use one of {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name](z)


@dataclass(frozen=True)
class Layer:
    """A layer computes activation(inputs @ W + b) and has `width` outputs."""

    width: int
    activation: str


@dataclass(frozen=True)
class Matrix:
    """One parameter array of a layer, for the matrix view: W1 is (inputs, width), b1 is (width,)."""

    name: str
    kind: str  # "weight" or "bias"
    layer: int
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Node:
    """A unit in the neural diagram: layer 0 is the input layer."""

    id: str
    layer: int
    index: int


@dataclass(frozen=True)
class Edge:
    """A weight connecting unit `source` to unit `target`, i.e. entry W[i, j] of its layer."""

    source: str
    target: str
    parameter: str
    i: int
    j: int


@dataclass(frozen=True)
class Network:
    """A stack of layers, each activation(X @ W + b), with an output link and a likelihood.

    `hidden` are the hidden layers; the last layer maps to `n_outputs` with the `output` link.
    Every weight has prior N(0, weight_sd²) — N(0, weight_sd² / n_in) with `fan_in`, so that a
    layer with many inputs starts no louder than one with few — and every bias N(0, bias_sd²).
    A Normal likelihood uses the known noise scale `noise_sd`, which it needs.
    """

    n_inputs: int
    n_outputs: int
    hidden: tuple[Layer, ...] = ()
    output: str = "identity"
    weight_sd: float = 1.0
    bias_sd: float = 1.0
    noise_sd: float | None = None
    fan_in: bool = False

    def __post_init__(self):
        if self.output not in LIKELIHOOD_OF_OUTPUT:
            raise ValueError(f"unknown output {self.output!r}; use identity, sigmoid or softmax")
        if self.likelihood == "normal" and self.noise_sd is None:
            raise ValueError("a Normal likelihood needs its noise scale: pass noise_sd")
        for layer in self.hidden:
            if layer.width < 1:
                raise ValueError(f"layer width must be at least 1, got {layer.width}")
            if layer.activation not in HIDDEN_ACTIVATIONS:
                raise ValueError(f"unknown activation {layer.activation!r}; "
                                 f"use one of {', '.join(HIDDEN_ACTIVATIONS)}")

    @property
    def likelihood(self) -> str:
        """The likelihood that goes with the output link: normal, bernoulli or categorical."""
        return LIKELIHOOD_OF_OUTPUT[self.output]

    @property
    def layers(self) -> tuple[Layer, ...]:
        """All layers that carry parameters, the output layer last."""
        return (*self.hidden, Layer(self.n_outputs, self.output))

    @property
    def widths(self) -> tuple[int, ...]:
        """Units per layer, inputs first: (3, 5, 2) for 3 inputs, one hidden layer of 5, 2 outputs."""
        return (self.n_inputs, *(layer.width for layer in self.layers))

    def prior_sd(self, name: str) -> float:
        """The sd of the Normal prior on every entry of the parameter array `name` (W2, b1, …)."""
        if name.startswith("b"):
            return self.bias_sd
        n_in = self.widths[int(name[1:]) - 1]
        return self.weight_sd / np.sqrt(n_in) if self.fan_in else self.weight_sd

    def matrices(self) -> list[Matrix]:
        """The parameter arrays W1, b1, W2, b2, … with their shapes, in layer order."""
        result = []
        for number, (n_in, n_out) in enumerate(zip(self.widths, self.widths[1:]), start=1):
            result.append(Matrix(f"W{number}", "weight", number, (n_in, n_out)))
            result.append(Matrix(f"b{number}", "bias", number, (n_out,)))
        return result

    def forward(self, params: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
        """The function itself: compose activation(Z @ W + b) layer by layer.

        Parameters may carry leading draw axes (draws, …, n_in, n_out); the result then has
        them too, so one call evaluates every posterior draw at once.
        """
        Z = X
        for number, layer in enumerate(self.layers, start=1):
            W, b = params[f"W{number}"], params[f"b{number}"]
            b_row = b[..., None, :]  # one row of biases, added to every input row (per draw)
            Z = ACTIVATIONS[layer.activation](Z @ W + b_row)
        return Z

    def linearised(self, at: dict[str, np.ndarray], params: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
        """The network as a straight line in its parameters around `at`, evaluated at `params`:
        scores f(x; at) + J(x) (params − at), then the output link.

        Forward pass and its tangent side by side: Z is the net at `at`, dZ how each layer's
        output moves with the step d = params − at. `params` may carry a leading draw axis.
        """
        Z, dZ = X, np.zeros_like(X)
        for number, layer in enumerate(self.layers, start=1):
            W, b = at[f"W{number}"], at[f"b{number}"]
            dW, db = params[f"W{number}"] - W, params[f"b{number}"] - b
            scores = Z @ W + b
            d_scores = dZ @ W + Z @ dW + db[..., None, :]
            if number < len(self.layers):
                Z, dZ = ACTIVATIONS[layer.activation](scores), SLOPES[layer.activation](scores) * d_scores
        return ACTIVATIONS[self.output](scores + d_scores)

    def nodes(self) -> list[Node]:
        """One node per unit, layer by layer; biases are not nodes (the diagram adds a "1" unit)."""
        return [
            Node(f"n{layer}_{index}", layer, index)
            for layer, width in enumerate(self.widths)
            for index in range(width)
        ]

    def edges(self) -> list[Edge]:
        """One edge per weight: every unit of a layer feeds every unit of the next."""
        return [
            Edge(f"n{number - 1}_{i}", f"n{number}_{j}", f"W{number}", i, j)
            for number, (n_in, n_out) in enumerate(zip(self.widths, self.widths[1:]), start=1)
            for i in range(n_in)
            for j in range(n_out)
        ]

    def latex(self, priors: bool = False, colors: dict[str, str] | None = None, linked: bool = False) -> str:
        """The equation of the network, one line per layer; with `priors`, the priors too.

        `colors` maps "weight" and "bias" to the colour each kind of parameter is written in;
        `linked` marks each parameter's symbol with its name (KaTeX's \\htmlData), so the deck can
        light it up with the same parameter in the other views.
        """
        def symbol(kind: str, number: int) -> str:
            name = f"{LETTER[kind]}_{{{number}}}"
            if colors:
                name = rf"{{\color{{{colors[kind]}}}{{{name}}}}}"
            return rf"\htmlData{{param={LETTER[kind]}{number}}}{{{name}}}" if linked else name

        lines = []
        previous = "X"
        for number, layer in enumerate(self.layers, start=1):
            is_last = number == len(self.layers)
            affine = f"{previous}\\,{symbol('weight', number)} + {symbol('bias', number)}"
            if layer.activation != "identity":
                affine = rf"\operatorname{{{layer.activation}}}\left({affine}\right)"
            name = {"normal": r"\mu", "bernoulli": "p", "categorical": "p"}[self.likelihood] if is_last else f"Z_{{{number}}}"
            lines.append(f"{name} &= {affine}")
            previous = name
        lines.append({
            "normal": rf"y &\sim \mathcal{{N}}(\mu,\ {_number(self.noise_sd or 0)}^2)",
            "bernoulli": r"y &\sim \operatorname{Bernoulli}(p)",
            "categorical": r"y &\sim \operatorname{Categorical}(p)",
        }[self.likelihood])
        if priors:
            layers = range(1, len(self.layers) + 1)
            weights = ", ".join(symbol("weight", n) for n in layers)
            biases = ", ".join(symbol("bias", n) for n in layers)
            spread = rf"{_number(self.weight_sd)}^2 / n_\text{{in}}" if self.fan_in else f"{_number(self.weight_sd)}^2"
            lines.append(rf"{weights} &\sim \mathcal{{N}}(0,\ {spread})")
            lines.append(rf"{biases} &\sim \mathcal{{N}}(0,\ {_number(self.bias_sd)}^2)")
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def prior_words(net: Network) -> str:
    """The priors in words, as figures name them: one phrase when weights and biases share theirs."""
    weights = f"N(0, {_number(net.weight_sd)}²/n_in)" if net.fan_in else f"N(0, {_number(net.weight_sd)}²)"
    if not net.fan_in and net.weight_sd == net.bias_sd:
        return f"{weights} for every weight and bias"
    return f"{weights} for weights, N(0, {_number(net.bias_sd)}²) for biases"


def _number(x: float) -> str:
    """Format a prior scale for an equation: 1 rather than 1.0, 0.5 as is, 1.39 for 1.3934."""
    return f"{x:.3g}"
