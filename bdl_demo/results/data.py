"""Stage 2, the data: every model's data set, made or read exactly as its settings say, and kept
in the cache (so a rebuild need not import scikit-learn)."""
from __future__ import annotations

from pathlib import Path

from bdl_demo.model.data import Dataset, load
from bdl_demo.results.cache import Cache, key_of, library_versions, module_hashes
from bdl_demo.settings.reading import Settings
from bdl_demo.settings.schema import ModelSettings
from bdl_demo.stages import stage


@stage("data")
def load_data(settings: Settings, model_ids: list[str], cache: Cache) -> dict[str, Dataset]:
    """The data set of each model, by model id."""
    return {model_id: data_set(settings.models[model_id], settings.seed, cache) for model_id in model_ids}


def data_set(model: ModelSettings, seed: int, cache: Cache) -> Dataset:
    """One model's data set, from the cache when its settings, seed and source are unchanged."""
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
