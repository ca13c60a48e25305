"""What the deck's panel says about each parameter a figure shows — its MAP and, on a Bayesian
slide, its posterior mean, sd, 90 % interval and density — computed from the fit for every model
with a figure inline, and cached with the fit."""
from __future__ import annotations

import json

import numpy as np

from bdl_demo.figures.common import kde
from bdl_demo.figures.interaction import shown_entries
from bdl_demo.model.fit import FittedModel
from bdl_demo.model.network import entry_name
from bdl_demo.numbers import compact, compact_list
from bdl_demo.results.cache import Cache, key_of, module_hashes

DENSITY_POINTS = 30  # per parameter's density curve in the panel
MODULES = ("bdl_demo.deck.parameters", "bdl_demo.figures.common", "bdl_demo.figures.interaction")


def parameter_data(models: dict[str, FittedModel], cache: Cache) -> dict[str, dict]:
    """The summaries of each model's parameters, by model id."""
    data = {}
    for model in models.values():
        key = key_of("parameters", model.fit.key, model.prior_net.weight_sd, model.prior_net.bias_sd,
                     module_hashes(*MODULES))
        data[model.id], _ = cache.fetch("parameters", key, lambda: parameter_summaries(model), decode=json.loads,
                                        encode=lambda value: json.dumps(value, separators=(",", ":")).encode())
    return data


def parameter_summaries(model: FittedModel) -> dict:
    """Per parameter a figure shows (W1[0,3], b2[1], …): its MAP value and posterior summary; per
    array (W1, …): its shape, the prior sd its posterior was found under, and its kind."""
    fit, net = model.fit, model.net
    summaries = {}
    for m in net.matrices():
        draws = fit.draws[m.name].reshape(fit.n_draws, *m.shape)
        summaries[m.name] = {"shape": list(m.shape), "prior_sd": model.prior_net.prior_sd(m.name), "kind": m.kind}
        for index in shown_entries(m.shape):
            values = draws[(slice(None), *index)]
            low, high = np.quantile(values, [0.05, 0.95])
            grid = np.linspace(values.min(), values.max(), DENSITY_POINTS) if np.ptp(values) > 0 else values[:1]
            summaries[entry_name(m.name, index)] = {
                "map": compact(fit.map[m.name][index]), "mean": compact(values.mean()),
                "sd": compact(values.std(ddof=1)), "q05": compact(low), "q95": compact(high),
                "density": [compact_list(grid), compact_list(kde(values, grid))]}
    return {"model": model.id, "title": model.title, "method": fit.method, "parameters": summaries}
