"""Two cheaper ways to uncertainty that people use instead of a posterior, from the same network
description and data: MC dropout and a deep ensemble. Both come out as sets of weights, so the
deck evaluates and draws them exactly like posterior draws.

- MC dropout (Gal & Ghahramani 2016): train with dropout on the hidden units, keep it on at test
  time. Dropping unit i of a layer is zeroing row i of the next weight matrix, so each of T
  passes is one set of weights; here a pass drops the same units for every input.
- Deep ensemble (Lakshminarayanan et al. 2017): M MAPs from different random starting weights;
  each member is one set of weights.

Both are trained by PyTensor's autodiff (Adam for dropout, L-BFGS for the members); the prior's
Normal is their weight decay.
"""
from __future__ import annotations

import numpy as np

from bdl_demo.model.network import Network


def ensemble(objective, net: Network, *, members: int, seed: int) -> tuple[dict, dict]:
    """M MAPs of the Bayesian model (its compiled LogPosterior: once for every member), each from
    its own random start."""
    from bdl_demo.model.bayesian import random_initvals

    fits = [objective.find_map(start=random_initvals(net, seed + 1 + m)) for m in range(members)]
    draws = {name: np.stack([estimate[name] for estimate, _ in fits]) for name in fits[0][0]}
    each = [{"converged": check["map_converged"], "iterations": check["map_iterations"],
             "loss": check["map_loss"][-1] if check["map_loss"] else None} for _, check in fits]
    return draws, {"members": members, "members_converged": sum(m["converged"] for m in each), "member_checks": each}


def mc_dropout(net: Network, X: np.ndarray, y: np.ndarray, *, rate: float, passes: int, iterations: int,
               learning_rate: float, batch_size: int, seed: int) -> tuple[dict, dict, np.ndarray]:
    """Train with dropout at `rate` on every hidden layer's units, then take `passes` dropout masks
    as weight draws; also the training loss at every step."""
    import pytensor
    import pytensor.tensor as pt
    from pymc.variational.updates import adam

    from bdl_demo.model.bayesian import ACTIVATIONS, random_initvals
    from bdl_demo.model.convergence import may_stop, settled

    params = {name: pytensor.shared(value, name=name) for name, value in random_initvals(net, seed).items()}
    inputs, targets = pt.matrix("X"), (pt.vector("y") if net.likelihood == "normal" else pt.ivector("y"))
    keeps = [pt.matrix(f"keep{number}") for number in range(2, len(net.layers) + 1)]  # 1 / (1 − rate) or 0
    Z = inputs
    for number, layer in enumerate(net.layers, start=1):
        if number > 1:  # drop the units of the layer before, rescaling the ones kept
            Z = Z * keeps[number - 2]
        scores = Z @ params[f"W{number}"] + params[f"b{number}"]
        Z = ACTIVATIONS[layer.activation](scores) if number < len(net.layers) else scores
    loss = _negative_log_likelihood(net, scores, targets) + sum(
        (params[m.name] ** 2).sum() / (2 * net.prior_sd(m.name) ** 2) for m in net.matrices()) / len(y)
    step = pytensor.function([inputs, targets, *keeps], loss,
                             updates=adam(loss, list(params.values()), learning_rate))
    rng = np.random.default_rng(seed)
    batch = batch_size if 0 < batch_size < len(y) else len(y)
    history, steps = np.empty(iterations), 0
    while steps < iterations and not may_stop(history[:steps], iterations):
        rows = rng.choice(len(y), size=batch, replace=False) if batch < len(y) else slice(None)
        # the masks are drawn here, not in the graph: PyTensor runs its random ops in Python, a fifth of a step
        masks = [(rng.random((batch, width)) >= rate) / (1 - rate) for width in net.widths[1:-1]]
        history[steps] = step(X[rows], y[rows], *masks)
        steps += 1
    history = history[:steps]
    trained = {name: shared.get_value() for name, shared in params.items()}
    checks = {"rate": rate, "passes": passes} | settled(history, iterations)
    return dropout_draws(net, trained, rate, passes, seed), checks, history


def dropout_draws(net: Network, weights: dict, rate: float, passes: int, seed: int) -> dict:
    """`passes` sets of weights, each with the dropped units' outgoing rows zeroed and the kept
    ones scaled by 1 / (1 − rate), as one test-time dropout pass computes."""
    rng = np.random.default_rng(seed)
    draws = {name: np.repeat(value[None], passes, axis=0) for name, value in weights.items()}
    for number in range(2, len(net.layers) + 1):
        kept = rng.random((passes, net.widths[number - 1])) >= rate
        draws[f"W{number}"] = draws[f"W{number}"] * (kept / (1 - rate))[:, :, None]
    return draws


def _negative_log_likelihood(net: Network, scores, targets):
    """The mean NLL of the targets given the output scores, as the likelihood of `net` says."""
    import pytensor.tensor as pt

    if net.likelihood == "normal":
        return ((targets - scores[:, 0]) ** 2).mean() / (2 * net.noise_sd ** 2)
    if net.likelihood == "bernoulli":
        return pt.softplus(-(2 * targets - 1) * scores[:, 0]).mean()
    return -pt.special.log_softmax(scores, axis=-1)[pt.arange(targets.shape[0]), targets].mean()
