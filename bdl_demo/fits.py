"""Fit every model of the settings, or load it from the cache when nothing it depends on changed.

A fit's key hashes its settings, its network description, its data, the inference profile and
seed, the source of the modules that compute it and the library versions. PyMC is imported only
when a model really has to be fitted.
"""
from __future__ import annotations

import dataclasses
import logging
import time
import zipfile
from pathlib import Path
from typing import Callable

from bdl_demo import data as datasets
from bdl_demo.cache import atomic_write, cache_dir, key_of, library_versions, source_of
from bdl_demo.fit import Fit, FittedModel
from bdl_demo.settings import ModelSettings, Profile, Settings

FIT_MODULES = ("bdl_demo.network", "bdl_demo.models", "bdl_demo.inference", "bdl_demo.data",
               "bdl_demo.fit")


def load_data(model: ModelSettings, seed: int) -> datasets.Dataset:
    """The model's data set, made or read exactly as its settings say (kept in the cache)."""
    key = key_of("data", model.data, model.n_samples, model.noise, seed,
                 _file_stamp(model.data_path), source_of("bdl_demo.data"),
                 library_versions(("numpy", "scikit-learn")))
    path = cache_dir() / "data" / f"{model.data}-{key}.npz"
    try:
        return datasets.Dataset.from_bytes(path.read_bytes())
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):  # absent or damaged: make it again
        pass
    data = datasets.load(model.data, seed=seed, n_samples=model.n_samples, noise=model.noise,
                         path=model.data_path, download=model.download)
    atomic_write(path, data.to_bytes())
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


def fit_key(model: ModelSettings, network, data: datasets.Dataset, profile: Profile, seed: int) -> str:
    """Everything the fit depends on, hashed."""
    return key_of("fit", dataclasses.asdict(model), repr(network), data.fingerprint(),
                  dataclasses.asdict(profile), seed, source_of(*FIT_MODULES), library_versions())


def fit_models(settings: Settings, quality: str, model_ids, *, force: bool = False,
               progressbar: bool = False, verbose: bool = False, log: Callable[[str], None] = print) -> dict[str, FittedModel]:
    """Fitted models by id, from the cache where possible; a damaged cache entry is refitted."""
    profile = settings.profiles[quality]
    fitted = {}
    for model_id in model_ids:
        model = settings.models[model_id]
        data = load_data(model, settings.seed)
        network = model.network(data.n_inputs, data.n_classes)
        key = fit_key(model, network, data, profile, settings.seed)
        path = cache_dir() / "fits" / f"{model_id}-{key}.npz"
        started = time.perf_counter()
        result = None if force else _load_cached(path, log)
        if result is None:
            log(f"fit {model_id}: fitting with {model.inference.upper()} ({quality}) …")
            result = _fit(model, network, data, profile, settings.seed, key, progressbar, verbose)
            result.save(path)
            log(f"fit {model_id}: fitted in {result.seconds:.1f} s")
        else:
            log(f"fit {model_id}: cached ({time.perf_counter() - started:.2f} s)")
        fitted[model_id] = FittedModel(model_id, network, data, result)
    return fitted


def _load_cached(path: Path, log) -> Fit | None:
    if not path.exists():
        return None
    try:
        return Fit.load(path)
    except ValueError as error:
        log(f"warning: {error}; fitting again")
        return None


def _fit(model: ModelSettings, network, data, profile: Profile, seed: int, key: str,
         progressbar: bool, verbose: bool) -> Fit:
    import pymc  # noqa: F401  (its import sets its own log level, which is then lowered)

    from bdl_demo import inference

    _quiet_libraries(verbose)
    return inference.fit(
        model.id, network, data, method=model.inference, draws=profile.draws, tune=profile.tune,
        chains=profile.chains,
        advi_iterations=max(1, round(profile.advi_iterations * model.advi_iterations_scale)),
        learning_rate=model.learning_rate, batch_size=model.batch_size, seed=seed, key=key,
        progressbar=progressbar)


def _quiet_libraries(verbose: bool) -> None:
    """PyMC and PyTensor narrate every step; keep their messages for -v."""
    level = logging.INFO if verbose else logging.ERROR
    for name in ("pymc", "pytensor", "arviz"):
        logging.getLogger(name).setLevel(level)
