"""The Bayesian model of a network, in PyMC: a prior on every weight and bias, then the likelihood.

`bayesian_network` is the code the deck shows on its PyMC slide: the loop of `Network.forward`,
with the same names, where each W and b is now a random variable.
"""
import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bdl_demo.model.network import Network


def tanh(z):
    """tanh z, written as 2σ(2z) − 1: the same function, four times faster here, because PyTensor's
    C code calls the C library's tanh, far slower than the exp its sigmoid calls."""
    return 2 * pm.math.sigmoid(2 * z) - 1


ACTIVATIONS = {  # the symbolic twins of network.ACTIVATIONS
    "identity": lambda z: z,
    "sigmoid": pm.math.sigmoid,
    "tanh": tanh,
    "relu": lambda z: pt.maximum(z, 0),
    "softmax": lambda z: pt.special.softmax(z, axis=-1),  # over classes, the last axis
}


def bayesian_network(net: Network, X, y) -> pm.Model:
    """The network with a Normal prior on every weight and bias, and the likelihood of the data."""
    with pm.Model() as model:
        Z = X
        for n, layer in enumerate(net.layers, start=1):
            W = pm.Normal(f"W{n}", mu=0, sigma=net.prior_sd(f"W{n}"), shape=(net.widths[n - 1], layer.width))
            b = pm.Normal(f"b{n}", mu=0, sigma=net.prior_sd(f"b{n}"), shape=layer.width)
            Z = ACTIVATIONS[layer.activation](Z @ W + b[..., None, :])

        if net.likelihood == "normal":  # y is a number: the one output is its mean
            pm.Normal("y", mu=Z[:, 0], sigma=net.noise_sd, observed=y)
        elif net.likelihood == "bernoulli":  # y is 0 or 1: the one output is p(y = 1)
            pm.Bernoulli("y", p=Z[:, 0], observed=y)
        else:  # y is a class: one output per class, its probability
            pm.Categorical("y", p=Z, observed=y)
    return model


def minibatched(model: pm.Model, total_size: int) -> pm.Model:
    """The same model built on a minibatch of the data, its likelihood scaled up as if each batch
    were all `total_size` rows (what `total_size=` on the observed variable would do)."""
    from pymc.model.fgraph import ModelObservedRV, fgraph_from_model, model_from_fgraph
    from pymc.variational.minibatch_rv import create_minibatch_rv

    graph, _ = fgraph_from_model(model)
    for node in [node for node in graph.apply_nodes if isinstance(node.op, ModelObservedRV)]:
        observed = node.inputs[0]
        graph.replace(observed, create_minibatch_rv(observed, total_size), import_missing=True)
    return model_from_fgraph(graph, mutate_fgraph=True)


def random_initvals(net: Network, seed: int) -> dict[str, np.ndarray]:
    """Small random starting weights: from all zeros every hidden unit is the same and ADVI stalls."""
    rng = np.random.default_rng(seed)
    return {m.name: rng.normal(0.0, 0.5 if m.kind == "weight" else 0.1, size=m.shape)
            for m in net.matrices()}
