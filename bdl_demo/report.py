"""The build report, slides/report.json: what was fitted or drawn, how long it took, how good it is."""
from __future__ import annotations

import json
from pathlib import Path

from bdl_demo.cache import atomic_write, cache_dir, key_of, source_of
from bdl_demo.exact import compare_linear
from bdl_demo.fit import FittedModel
from bdl_demo.inference import accuracy

CHECK_MODULES = ("bdl_demo.report", "bdl_demo.exact", "bdl_demo.inference", "bdl_demo.network")


def fit_summary(model: FittedModel) -> dict:
    """Method, timing, cache state, key, MAP and posterior mean/sd of every array, and diagnostics."""
    fit, net = model.fit, model.net
    summary = {
        "method": fit.method,
        "seconds": round(fit.seconds, 3),
        "cached": fit.cached,
        "key": fit.key,
        "n_draws": fit.n_draws,
        "network": {"widths": list(net.widths), "output": net.output, "likelihood": net.likelihood},
        "map": _lists(fit.map),
        "posterior_mean": _lists(fit.posterior_mean()),
        "posterior_sd": _lists(fit.posterior_sd()),
        "diagnostics": fit.diagnostics,
    }
    return summary | _checks(model)


def _checks(model: FittedModel) -> dict:
    """Held-out accuracy and the exact check: computed once per fit, then read from the cache."""
    path = cache_dir() / "checks" / f"{model.id}-{key_of(model.fit.key, source_of(*CHECK_MODULES))}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        pass
    fit, net, data = model.fit, model.net, model.data
    checks = {}
    if data.n_classes:
        checks["test_accuracy"] = accuracy(net, fit.draws, data.X_test, data.y_test)
        checks["test_accuracy_map"] = accuracy(net, fit.map, data.X_test, data.y_test)
    if model.id == "linear":
        checks["exact_check"] = compare_linear(net, data.X_train, data.y_train, fit.draws)
    atomic_write(path, json.dumps(checks).encode())
    return checks


def build_report(models: dict[str, FittedModel], figures: dict, seconds_total: float) -> dict:
    return {"fits": {model_id: fit_summary(model) for model_id, model in models.items()},
            "figures": figures, "seconds_total": round(seconds_total, 3)}


def write_report(report: dict, path: Path) -> None:
    atomic_write(path, json.dumps(report, indent=2).encode())


def _lists(arrays: dict) -> dict:
    return {name: _rounded(value.tolist()) for name, value in arrays.items()}


def _rounded(value):
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return round(float(value), 6)
