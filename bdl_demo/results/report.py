"""Stage 5, the report, slides/report.json: what was fitted or drawn, how long it took, how good
it is. Every number a slide shows is read from here."""
from __future__ import annotations

import json
from pathlib import Path

from bdl_demo.files import atomic_write
from bdl_demo.model.fit import FittedModel
from bdl_demo.stages import stage


def fit_summary(model: FittedModel) -> dict:
    """Method, timing, cache state, key, MAP and posterior mean/sd of every array, diagnostics, checks."""
    fit, net = model.fit, model.net
    return {
        "title": model.title,
        "kind": model.kind,
        "data": model.data.name,
        "method": fit.method,
        "seconds": round(fit.seconds, 3),
        "cached": fit.cached,
        "key": fit.key,
        "n_draws": fit.n_draws,
        "network": {"widths": list(net.widths), "output": net.output, "likelihood": net.likelihood},
        "map": _lists(fit.map),
        "posterior_mean": _lists(fit.posterior_mean()),
        "posterior_sd": _lists(fit.posterior_sd()),
        "diagnostics": {k: v for k, v in fit.diagnostics.items() if k != "map_loss"}  # the curve is a figure
        | ({"map_loss_start": fit.diagnostics["map_loss"][0], "map_loss_end": fit.diagnostics["map_loss"][-1]}
           if fit.diagnostics.get("map_loss") else {}),
    } | model.evaluation.numbers


@stage("report")
def make_report(models: dict[str, FittedModel]) -> dict:
    """The report of the fits; the figures and the timings join it when the deck is written."""
    return {"fits": {model_id: fit_summary(model) for model_id, model in models.items()}}


def write_report(report: dict, path: Path) -> None:
    """report.json: the numbers of the build."""
    atomic_write(path, json.dumps(report, indent=2).encode())


def _lists(arrays: dict) -> dict:
    return {name: _rounded(value.tolist()) for name, value in arrays.items()}


def _rounded(value):
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return round(float(value), 6)
