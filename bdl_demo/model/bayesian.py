"""The Bayesian model of a network, in PyMC: a prior on every weight and bias, then the likelihood.

This is the code the deck shows on its PyMC slide.
"""
import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bdl_demo.model.network import Network

ACTIVATIONS = {  # the symbolic twins of network.ACTIVATIONS
    "identity": lambda z: z,
    "sigmoid": pm.math.sigmoid,
    "tanh": pt.tanh,
    "relu": lambda z: pt.maximum(z, 0),
    "softmax": lambda z: pt.special.softmax(z, axis=-1),  # over classes, the last axis
}


def bayesian_network(net: Network, X, y, initvals=None, total_size=None) -> pm.Model:
    """A Normal prior on every weight and bias, then the likelihood of the observed y.

    X and y may be minibatches; total_size is then the number of rows in all the data.
    """
    start = initvals or {}
    with pm.Model() as model:
        Z = X
        for n, (layer, n_in) in enumerate(zip(net.layers, net.widths), start=1):
            W = pm.Normal(f"W{n}", 0, net.prior_sd(f"W{n}"), shape=(n_in, layer.width), initval=start.get(f"W{n}"))
            b = pm.Normal(f"b{n}", 0, net.prior_sd(f"b{n}"), shape=layer.width, initval=start.get(f"b{n}"))
            Z = ACTIVATIONS[layer.activation](Z @ W + b)

        if net.likelihood == "normal":  # one output: the mean of y
            pm.Normal("y", mu=Z[:, 0], sigma=net.noise_sd, observed=y, total_size=total_size)
        elif net.likelihood == "bernoulli":  # one output: the probability of class 1
            pm.Bernoulli("y", p=Z[:, 0], observed=y, total_size=total_size)
        else:  # one output per class: the class probabilities
            pm.Categorical("y", p=Z, observed=y, total_size=total_size)
    return model


def random_initvals(net: Network, seed: int) -> dict[str, np.ndarray]:
    """Small random starting weights: from all zeros every hidden unit is the same and ADVI stalls."""
    rng = np.random.default_rng(seed)
    return {m.name: rng.normal(0.0, 0.5 if m.kind == "weight" else 0.1, size=m.shape)
            for m in net.matrices()}
