"""Read and check deck.toml, the one file a user edits to change a model, the data or the quality.

Every mistake becomes a `SettingsError` with one line naming the key, the bad value, what is
allowed and, where it can be found, the line of deck.toml.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bdl_demo.data import DATASETS, REGRESSION_DATASETS
from bdl_demo.errors import BuildError
from bdl_demo.network import HIDDEN_ACTIVATIONS, Layer, Network

MODEL_IDS = ("linear", "logistic", "deepnet", "digits")
METHODS = ("nuts", "advi")
DECK_KEYS = ("title", "subtitle", "author", "event", "date")


class SettingsError(BuildError):
    """deck.toml is broken or holds a value the build cannot use."""


@dataclass(frozen=True)
class Profile:
    """How hard inference works: `draft` for tests and CI, `final` for the talk."""

    draws: int
    tune: int
    chains: int
    advi_iterations: int


@dataclass(frozen=True)
class ModelSettings:
    """One `[models.<id>]` section: which data, which network, which priors, which inference."""

    id: str
    data: str
    hidden: tuple[int, ...] = ()
    activation: str = "tanh"
    weight_prior: float = 1.0
    bias_prior: float = 1.0
    noise: float | None = None
    n_samples: int | None = None
    inference: str = "nuts"
    learning_rate: float = 0.01
    batch_size: int = 0
    advi_iterations_scale: float = 1.0
    data_path: str | None = None
    download: bool = False

    def network(self, n_inputs: int, n_classes: int) -> Network:
        """The network description this section asks for, sized to its data."""
        if n_classes == 0:
            output, n_outputs = "identity", 1
        elif n_classes == 2 and not self.hidden:
            output, n_outputs = "sigmoid", 1
        else:
            output, n_outputs = "softmax", n_classes
        return Network(
            n_inputs=n_inputs, n_outputs=n_outputs,
            hidden=tuple(Layer(width, self.activation) for width in self.hidden),
            output=output, weight_sd=self.weight_prior, bias_sd=self.bias_prior,
            noise_sd=self.noise if self.noise is not None else 0.5)


@dataclass(frozen=True)
class Settings:
    seed: int
    deck: dict
    profiles: dict[str, Profile]
    models: dict[str, ModelSettings]


# What each key may hold: a checker returning the value (converted) or raising ValueError.
def _positive_int(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("a whole number ≥ 1")
    return value


def _non_negative_int(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("a whole number ≥ 0")
    return value


def _positive_float(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError("a number > 0")
    return float(value)


def _one_of(*allowed):
    def check(value):
        if value not in allowed:
            raise ValueError("one of " + ", ".join(allowed))
        return value
    return check


def _widths(value):
    if not isinstance(value, list) or any(
            isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in value):
        raise ValueError("a list of whole numbers ≥ 1, e.g. [8, 8] (or [] for no hidden layer)")
    return tuple(value)


def _text(value):
    if not isinstance(value, str):
        raise ValueError("a text in quotes")
    return value


def _boolean(value):
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


MODEL_KEYS = {
    "data": _one_of(*DATASETS), "hidden": _widths, "activation": _one_of(*HIDDEN_ACTIVATIONS),
    "weight_prior": _positive_float, "bias_prior": _positive_float, "noise": _positive_float,
    "n_samples": _positive_int, "inference": _one_of(*METHODS), "learning_rate": _positive_float,
    "batch_size": _non_negative_int, "advi_iterations_scale": _positive_float,
    "data_path": _text, "download": _boolean,
}
PROFILE_KEYS = {"draws": _positive_int, "tune": _positive_int, "chains": _positive_int,
                "advi_iterations": _positive_int}


def load_settings(path: Path) -> Settings:
    """Parse and validate deck.toml."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise SettingsError(f"cannot read settings file {path}: {error.strerror}; "
                            "pass an existing file with --config") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: broken TOML syntax: {error}") from None
    return _validate(raw, text, Path(path))


def _validate(raw: dict, text: str, path: Path) -> Settings:
    def fail(section: str, key: str, value, allowed: str):
        where = _line_of(text, section, key)
        location = f"{path}:{where}" if where else str(path)
        name = f"[{section}] {key}" if section else key
        raise SettingsError(f"{location}: {name} = {_show(value)} is not allowed; use {allowed}")

    _no_unknown_keys(raw, {"seed", "deck", "quality", "models"}, "", fail)
    seed = raw.get("seed", 2017)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        fail("", "seed", seed, "a whole number ≥ 0")

    deck = raw.get("deck", {})
    _no_unknown_keys(deck, set(DECK_KEYS), "deck", fail)
    deck = {key: str(deck.get(key, "")) for key in DECK_KEYS}

    profiles = {}
    for name, section in raw.get("quality", {}).items():
        if not isinstance(section, dict):
            fail("quality", name, section, "a table such as [quality.draft]")
        _no_unknown_keys(section, set(PROFILE_KEYS), f"quality.{name}", fail)
        missing = set(PROFILE_KEYS) - set(section)
        if missing:
            fail(f"quality.{name}", sorted(missing)[0], "(missing)", "a value for every one of "
                 + ", ".join(PROFILE_KEYS))
        profiles[name] = Profile(**_checked(section, PROFILE_KEYS, f"quality.{name}", fail))
    for required in ("draft", "final"):
        if required not in profiles:
            raise SettingsError(f"{path}: [quality.{required}] is missing; "
                                "add it with draws, tune, chains and advi_iterations")

    models = {}
    for model_id, section in raw.get("models", {}).items():
        if model_id not in MODEL_IDS:
            fail("models", model_id, "{…}", "a section for one of " + ", ".join(MODEL_IDS))
        _no_unknown_keys(section, set(MODEL_KEYS), f"models.{model_id}", fail)
        if "data" not in section:
            fail(f"models.{model_id}", "data", "(missing)", "one of " + ", ".join(DATASETS))
        values = _checked(section, MODEL_KEYS, f"models.{model_id}", fail)
        is_regression = values["data"] in REGRESSION_DATASETS
        if (model_id == "linear") != is_regression:
            kinds = REGRESSION_DATASETS if model_id == "linear" else [
                d for d in DATASETS if d not in REGRESSION_DATASETS]
            fail(f"models.{model_id}", "data", values["data"], "one of " + ", ".join(kinds))
        models[model_id] = ModelSettings(id=model_id, **values)
    return Settings(seed=seed, deck=deck, profiles=profiles, models=models)


def _checked(section: dict, checkers: dict, name: str, fail) -> dict:
    values = {}
    for key, value in section.items():
        try:
            values[key] = checkers[key](value)
        except ValueError as allowed:
            fail(name, key, value, str(allowed))
    return values


def _no_unknown_keys(section: dict, allowed: set, name: str, fail) -> None:
    for key, value in section.items():
        if key not in allowed:
            fail(name, key, value, "only the keys " + ", ".join(sorted(allowed)))


def _show(value) -> str:
    if isinstance(value, dict):
        return "{…}"
    if isinstance(value, str) and value not in ("(missing)", "{…}"):
        return f'"{value}"'
    return str(value).lower() if isinstance(value, bool) else str(value)


def _line_of(text: str, section: str, key: str) -> int | None:
    """Line number of `key` inside `[section]` of the TOML text, to point the user at it."""
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"\s*\[\s*([^\]]+?)\s*\]", line)
        if header:
            current = header.group(1)
            if section == "models" and current == f"models.{key}":
                return number
            continue
        if current == section and re.match(rf"\s*{re.escape(key)}\s*=", line):
            return number
    return None
