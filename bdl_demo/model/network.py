"""One network description; linear regression, logistic regression and deep nets are instances.

A `Network` is the mathematics: its layers, its priors, its forward pass (and the same pass
linearised around a point). Every view of the deck — the equation, the matrices, the neural
diagram — and the PyMC model are derived from it, so a change of width, activation or prior shows
up everywhere.
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


def activate(name: str, z: np.ndarray) -> np.ndarray:
    """Apply the activation called `name`, e.g. activate("tanh", z)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; use one of {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name](z)


def entry_name(array: str, index: tuple[int, ...]) -> str:
    """How one weight or bias is named, everywhere: W1[0,3] is row 0, column 3 of W1; b2[1] is
    entry 1 of b2."""
    return f"{array}[{','.join(str(i) for i in index)}]"


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

    @property
    def n_parameters(self) -> int:
        """How many weights and biases the network has."""
        return sum(int(np.prod(m.shape)) for m in self.matrices())

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
        """The function itself: each layer computes activation(Z @ W + b) of the layer before.

        The parameters may carry a leading axis of posterior draws: one call then runs them all.
        """
        Z = X
        for n, layer in enumerate(self.layers, start=1):
            W, b = params[f"W{n}"], params[f"b{n}"]
            Z = ACTIVATIONS[layer.activation](Z @ W + b[..., None, :])
        return Z

    def linearised(self, at: dict[str, np.ndarray], params: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
        """The network as a straight line in its parameters around `at`, evaluated at `params`:
        scores f(x; at) + J(x) (params − at), then the output link. `params` may carry a leading
        draw axis."""
        step = {m.name: params[m.name] - at[m.name] for m in self.matrices()}
        scores, moves = self.tangent(at, step, X)
        return ACTIVATIONS[self.output](scores + moves)

    def jacobian(self, at: dict[str, np.ndarray], X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The scores f(x; at) before the output link, (n, C), and their Jacobian in every
        parameter, (n, C, P) in the order of matrices(): the forward pass, then the backward pass
        for all C outputs at once. A weight's column is its input times the backward signal."""
        inputs, slopes, Z = [], [], X
        for number, layer in enumerate(self.layers, start=1):
            inputs.append(Z)
            scores = Z @ at[f"W{number}"] + at[f"b{number}"]
            if number < len(self.layers):
                slopes.append(SLOPES[layer.activation](scores))
                Z = ACTIVATIONS[layer.activation](scores)
        signal = np.broadcast_to(np.eye(self.n_outputs), (len(X), self.n_outputs, self.n_outputs))
        columns = []  # (W, b) of the last layer first: d scores / d (this layer's scores) is `signal`
        for number in range(len(self.layers), 0, -1):
            weights = np.einsum("ni,ncj->ncij", inputs[number - 1], signal).reshape(len(X), self.n_outputs, -1)
            columns[:0] = [weights, signal]
            if number > 1:
                signal = (signal @ at[f"W{number}"].T) * slopes[number - 2][:, None, :]
        return scores, np.concatenate(columns, axis=-1)

    def tangent(self, at: dict[str, np.ndarray], step: dict[str, np.ndarray], X: np.ndarray):
        """The scores f(x; at) before the output link, and J(x) · step: how they move along a step
        in the parameters (which may carry a leading axis of steps). Forward pass and its tangent
        side by side: Z is the net at `at`, dZ how each layer's output moves with the step."""
        Z, dZ = X, np.zeros_like(X)
        for number, layer in enumerate(self.layers, start=1):
            W, b = at[f"W{number}"], at[f"b{number}"]
            scores = Z @ W + b
            d_scores = dZ @ W + Z @ step[f"W{number}"] + step[f"b{number}"][..., None, :]
            if number < len(self.layers):
                Z, dZ = ACTIVATIONS[layer.activation](scores), SLOPES[layer.activation](scores) * d_scores
        return scores, d_scores
