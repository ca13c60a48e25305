"""Every model of deck.toml with its data, its fit and its evaluation — from the cache when nothing
they depend on changed.

A fit's key hashes its settings, network description, data, inference profile and seed, the
source of the modules that compute it and the library versions. PyMC is imported only when a
model really has to be fitted.
"""
from __future__ import annotations

import dataclasses
import logging
import time
import warnings
from pathlib import Path
from typing import Callable

from bdl_demo.build.cache import Cache, key_of, library_versions, module_hashes
from bdl_demo.build.settings import ModelSettings, Profile, Settings
from bdl_demo.model.data import Dataset, load
from bdl_demo.model.evaluation import Evaluation, evaluate
from bdl_demo.model.fit import Fit, FittedModel

FIT_MODULES = ("bdl_demo.model.network", "bdl_demo.model.task", "bdl_demo.model.bayesian",
               "bdl_demo.model.inference", "bdl_demo.model.data", "bdl_demo.model.fit")
EVALUATION_MODULES = ("bdl_demo.model.evaluation", "bdl_demo.model.exact", "bdl_demo.model.network")


def fit_all(settings: Settings, quality: str, model_ids, cache: Cache, *, force: bool = False,
            progressbar: bool = False, verbose: bool = False,
            log: Callable[[str], None] = print) -> dict[str, FittedModel]:
    """The fitted models by id, in the order given; a damaged cache entry is made again."""
    return {model_id: fitted_model(settings.models[model_id], settings, quality, cache, force=force,
                                   progressbar=progressbar, verbose=verbose, log=log)
            for model_id in model_ids}


def fitted_model(model: ModelSettings, settings: Settings, quality: str, cache: Cache, *,
                 force: bool = False, progressbar: bool = False, verbose: bool = False,
                 log: Callable[[str], None] = print) -> FittedModel:
    """One model: its data, network, fit and evaluation."""
    data = load_data(model, settings.seed, cache)
    network = model.network(data.n_inputs, data.n_classes)
    profile = settings.profiles[quality]
    what = dataclasses.asdict(model) | {"id": None, "title": None, "inference": model.method}  # names refit nothing
    key = key_of("fit", what, repr(network), data.fingerprint(), dataclasses.asdict(profile),
                 settings.seed, module_hashes(*FIT_MODULES), library_versions())
    started = time.perf_counter()

    def infer() -> Fit:
        log(f"fit {model.id}: fitting with {model.method.upper()} ({quality}) …")
        result = _infer(model, network, data, profile, settings.seed, key, progressbar, verbose)
        log(f"fit {model.id}: fitted in {result.seconds:.1f} s")
        return result

    fit, cached = cache.fetch("fits", key, infer, encode=Fit.to_bytes, decode=Fit.from_bytes, force=force)
    if cached:
        log(f"fit {model.id}: cached ({time.perf_counter() - started:.2f} s)")
    fitted = FittedModel(model.id, model.title, network, data, fit)
    evaluation_key = key_of("evaluation", key, module_hashes(*EVALUATION_MODULES))
    fitted.evaluation, _ = cache.fetch("evaluations", evaluation_key, lambda: evaluate(fitted),
                                       encode=Evaluation.to_bytes, decode=Evaluation.from_bytes,
                                       force=force)
    return fitted


def load_data(model: ModelSettings, seed: int, cache: Cache) -> Dataset:
    """The model's data set, made or read exactly as its settings say (kept in the cache)."""
    options = model.data_options
    key = key_of("data", model.data, options, seed, _file_stamp(model.data_path),
                 module_hashes("bdl_demo.model.data"), library_versions(("numpy", "scikit-learn")))
    data, _ = cache.fetch("data", key, lambda: load(model.data, seed=seed, **options),
                          encode=Dataset.to_bytes, decode=Dataset.from_bytes)
    return data


def _file_stamp(path: str | None):
    """Path, size and modification time of a local data file: a new copy means new data."""
    if path is None:
        return None
    location = Path(path).expanduser()
    if not location.exists():
        return str(location)
    stat = location.stat()
    return [str(location.resolve()), stat.st_size, stat.st_mtime_ns]


def _infer(model: ModelSettings, network, data, profile: Profile, seed: int, key: str,
           progressbar: bool, verbose: bool) -> Fit:
    with warnings.catch_warnings():
        if not verbose:  # PyMC's and ArviZ's own warnings (ArviZ's FutureWarning on import) are for -v
            warnings.simplefilter("ignore")
        import pymc  # noqa: F401  (its import sets its own log level, which is then lowered)

        from bdl_demo.model.inference import infer

        _quiet_libraries(verbose)
        return infer(
            network, data, method=model.method, draws=profile.draws, tune=profile.tune,
            chains=profile.chains,
            advi_iterations=max(1, round(profile.advi_iterations * model.advi_iterations_scale)),
            learning_rate=model.learning_rate, batch_size=model.batch_size, seed=seed, key=key,
            progressbar=progressbar)


def _quiet_libraries(verbose: bool) -> None:
    """PyMC and PyTensor narrate every step; keep their messages for -v."""
    level = logging.INFO if verbose else logging.ERROR
    for name in ("pymc", "pytensor", "arviz"):
        logging.getLogger(name).setLevel(level)
