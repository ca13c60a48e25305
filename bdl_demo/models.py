"""The Bayesian model of a network, in PyMC: a prior on every weight and bias, then the likelihood.

This is the code the deck shows on its PyMC slide.
"""
import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bdl_demo.network import Network

ACTIVATIONS = {
    "identity": lambda z: z,
    "sigmoid": pm.math.sigmoid,
    "tanh": pt.tanh,
    "relu": lambda z: pt.maximum(z, 0),
    "softmax": lambda z: pt.special.softmax(z, axis=-1),  # over classes, the last axis
}


def bayesian_network(net: Network, X, y, initvals=None, total_size=None) -> pm.Model:
    """Build the PyMC model of `net` for inputs X and targets y (arrays or minibatches)."""
    initvals = initvals or {}
    with pm.Model() as model:
        Z = X
        for number, layer in enumerate(net.layers, start=1):
            W = pm.Normal(f"W{number}", 0, net.weight_sd, shape=(net.widths[number - 1], layer.width),
                          initval=initvals.get(f"W{number}"))
            b = pm.Normal(f"b{number}", 0, net.bias_sd, shape=layer.width,
                          initval=initvals.get(f"b{number}"))
            Z = ACTIVATIONS[layer.activation](Z @ W + b)

        if net.likelihood == "normal":
            pm.Normal("y", mu=Z[:, 0], sigma=net.noise_sd, observed=y, total_size=total_size)
        elif net.likelihood == "bernoulli":
            pm.Bernoulli("y", p=Z[:, 0], observed=y, total_size=total_size)
        else:
            pm.Categorical("y", p=Z, observed=y, total_size=total_size)
    return model


def random_initvals(net: Network, seed: int) -> dict[str, np.ndarray]:
    """Small random starting weights: from all zeros every hidden unit is the same and ADVI stalls."""
    rng = np.random.default_rng(seed)
    return {m.name: rng.normal(0.0, 0.5 if m.kind == "weight" else 0.1, size=m.shape)
            for m in net.matrices()}
