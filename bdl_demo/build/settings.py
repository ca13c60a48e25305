"""Read and check deck.toml, the one file a user edits to change a model, the data or the quality.

deck.toml may hold any number of `[models.<id>]` sections. Every value has a type and a bound, so a
mistake becomes a `SettingsError`: one line naming the file and line, the key, the bad value and
what is allowed — before anything is fitted or written.
"""
from __future__ import annotations

import json
import math
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from bdl_demo.errors import BuildError
from bdl_demo.files import read_input
from bdl_demo.model.data import DATASETS
from bdl_demo.model.network import HIDDEN_ACTIVATIONS, Layer, Network
from bdl_demo.model.task import OUTPUTS, default_output, kind_of, n_outputs, output_problem

METHODS = ("nuts", "advi", "laplace")  # the posterior a model is shown with
DECK_KEYS = ("title", "subtitle", "author", "event", "date", "url")
MODEL_ID = re.compile(r"[a-z][a-z0-9_]{0,31}")
RESERVED_IDS = ("basics",)  # figure ids of the deck's shared figures start with these
# Bounds a 2-core laptop can fit in the final profile (see README).
MAX_WIDTH, MAX_HIDDEN_LAYERS, MAX_PARAMETERS = 256, 4, 50_000
MAX_SAMPLES = 20_000


class SettingsError(BuildError):
    """deck.toml is broken or holds a value the build cannot use."""


@dataclass(frozen=True)
class Profile:
    """How hard inference works: `draft` for tests and CI, `final` for the talk."""

    draws: int
    tune: int
    chains: int
    advi_iterations: int
    ensemble_size: int = 5  # MAPs in a deep net's ensemble


@dataclass(frozen=True)
class ModelSettings:
    """One `[models.<id>]` section: which data, which network, which priors, which inference."""

    id: str
    data: str
    title: str = ""
    hidden: tuple[int, ...] = ()
    activation: str = "tanh"
    output: str | None = None  # None: follows from the data and the layers
    weight_prior: float = 1.0
    bias_prior: float = 1.0
    fan_in_prior: bool = False  # weights ~ N(0, weight_prior² / inputs of their layer)
    noise: float | None = None  # None: the data set's own default
    n_samples: int | None = None
    inference: str | None = None  # None: NUTS without hidden layers, Laplace for a deep net
    tau: float | str = "evidence"  # Laplace: the factor on the prior's precision, or the rule that picks it
    dropout_rate: float = 0.1  # MC dropout, beside a deep net's posterior
    learning_rate: float = 0.003
    batch_size: int = 0
    advi_iterations_scale: float = 1.0
    data_path: str | None = None
    download: bool | None = None

    @property
    def data_options(self) -> dict:
        """The settings of the data set, as its loader takes them (unset ones left to its defaults)."""
        options = {"n_samples": self.n_samples, "noise": self.noise, "data_path": self.data_path,
                   "download": self.download}
        return {key: value for key, value in options.items() if value is not None}

    @property
    def kind(self) -> str:
        return kind_of(DATASETS[self.data].n_classes)

    @property
    def method(self) -> str:
        """How the posterior is found: as set, else NUTS where it is cheap and Laplace for deep nets."""
        return self.inference or ("laplace" if self.hidden else "nuts")

    @property
    def companions(self) -> tuple[str, ...]:
        """The other ways the same model is also fitted, to be compared: mean-field ADVI beside
        NUTS or Laplace, and for a deep net MC dropout and a deep ensemble too."""
        others = ("advi", "dropout", "ensemble") if self.hidden else ("advi",)
        return tuple(method for method in others if method != self.method)

    def network(self, n_inputs: int, n_classes: int) -> Network:
        """The network description this section asks for, sized to its data."""
        output = self.output or default_output(n_classes, bool(self.hidden))
        noise = self.noise if self.noise is not None else DATASETS[self.data].defaults.get("noise")
        return Network(
            n_inputs=n_inputs, n_outputs=n_outputs(output, n_classes),
            hidden=tuple(Layer(width, self.activation) for width in self.hidden),
            output=output, weight_sd=self.weight_prior, bias_sd=self.bias_prior,
            noise_sd=noise if kind_of(n_classes) == "regression" else None, fan_in=self.fan_in_prior)


@dataclass(frozen=True)
class Settings:
    seed: int
    deck: dict
    profiles: dict[str, Profile]
    models: dict[str, ModelSettings] = field(default_factory=dict)  # in the order of deck.toml


# What each key may hold: a checker returning the value (converted) or raising ValueError.
def _whole(low: int, high: int):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"a whole number from {low:,} to {high:,}")
        return value
    return check


def _number(low: float, high: float):
    """A finite number in (low, high]."""
    def check(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or not low < value <= high:
            raise ValueError(f"a number above {low:g} and at most {high:g}")
        return float(value)
    return check


def _one_of(*allowed):
    def check(value):
        if value not in allowed:
            raise ValueError("one of " + ", ".join(f'"{a}"' for a in allowed))
        return value
    return check


def _widths(value):
    if not isinstance(value, list) or len(value) > MAX_HIDDEN_LAYERS or any(
            isinstance(w, bool) or not isinstance(w, int) or not 1 <= w <= MAX_WIDTH for w in value):
        raise ValueError(f"a list of at most {MAX_HIDDEN_LAYERS} widths from 1 to {MAX_WIDTH}, "
                         "e.g. [8, 8] (or [] for no hidden layer)")
    return tuple(value)


MAX_TEXT = 200  # characters in a title, a name or a path


def _text(value):
    if not isinstance(value, str) or "\n" in value or len(value) > MAX_TEXT:
        raise ValueError(f"a text in quotes on one line, at most {MAX_TEXT} characters")
    return value


def _url(value):
    """The address the deck is published at: the title slide shows it with a QR code."""
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s\"<>]{1,300}", value):
        raise ValueError('an address starting with https:// (or http://), e.g. "https://example.org/talk/"')
    return value


TAU_RULES = ("evidence", "validation")


def _tau(value):
    """The factor τ on a Laplace posterior's prior precision, or the rule that chooses it."""
    if isinstance(value, str) and value in TAU_RULES:
        return value
    try:
        return _number(0, 1e6)(value)
    except ValueError:
        raise ValueError('"evidence" (the default: τ of the largest marginal likelihood), "validation" '
                         "(the widest posterior as good as the MAP on held-out training rows) or a "
                         "number above 0 and at most 1e+06") from None


def _boolean(value):
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


MODEL_KEYS = {
    "data": _one_of(*DATASETS), "title": _text, "hidden": _widths,
    "activation": _one_of(*HIDDEN_ACTIVATIONS), "output": _one_of(*OUTPUTS),
    "weight_prior": _number(0, 100), "bias_prior": _number(0, 100), "fan_in_prior": _boolean,
    "tau": _tau, "noise": _number(0, 100), "dropout_rate": _number(0, 0.9),
    "n_samples": _whole(1, MAX_SAMPLES), "inference": _one_of(*METHODS),
    "learning_rate": _number(0, 1), "batch_size": _whole(0, MAX_SAMPLES),
    "advi_iterations_scale": _number(0, 10), "data_path": _text, "download": _boolean,
}
DATA_KEYS = ("noise", "n_samples", "data_path", "download")  # taken only by data sets that have them
PROFILE_KEYS = {"draws": _whole(10, 20_000), "tune": _whole(10, 20_000), "chains": _whole(1, 8),
                "advi_iterations": _whole(10, 500_000), "ensemble_size": _whole(2, 20)}
OPTIONAL_PROFILE_KEYS = ("ensemble_size",)


def load_settings(path: Path) -> Settings:
    """Parse and validate deck.toml."""
    data = read_input(Path(path), "settings file", "pass deck.toml or another settings file with --config")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise SettingsError(f"{path}:{line}: not UTF-8 text (byte {error.object[error.start]:#x}); "
                            "save the file as UTF-8") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}:{_syntax_error(str(error), text)}") from None
    return _validate(raw, text, Path(path))


def _syntax_error(message: str, text: str) -> str:
    """"<line>: broken TOML syntax: …": where the parser stopped at the start of a line, the fault
    is the unfinished line before it, so that line is named."""
    found = re.search(r"\(at line (\d+), column (\d+)\)", message)
    reason = message[:found.start()].strip() if found else message
    if not found:
        return f" broken TOML syntax: {reason}"
    line, column = int(found.group(1)), int(found.group(2))
    lines = text.splitlines()
    if column == 1 and line > 1:
        previous = line - 1
        while previous > 1 and not lines[previous - 1].split("#")[0].strip():
            previous -= 1
        return f"{previous}: broken TOML syntax: this line is not finished ({reason.lower()} on the next)"
    return f"{line}: broken TOML syntax: {reason} (column {column})"


def _validate(raw: dict, text: str, path: Path) -> Settings:
    def fail(section: str, key: str, value, allowed: str):
        where = _line_of(text, section, key)
        location = f"{path}:{where}" if where else str(path)
        name = f"[{section}] {key}" if section else key
        raise SettingsError(f"{location}: {name} = {_show(value)} is not allowed; use {allowed}")

    _no_unknown_keys(raw, {"seed", "deck", "quality", "models"}, "", fail)
    seed = raw.get("seed", 2017)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        fail("", "seed", seed, "a whole number from 0 to 4,294,967,295")

    deck = raw.get("deck", {})
    if not isinstance(deck, dict):
        fail("", "deck", deck, "a table [deck] with title, subtitle, author, event and date")
    _no_unknown_keys(deck, set(DECK_KEYS), "deck", fail)
    deck = {key: _checked({key: deck[key]}, {key: _url if key == "url" else _text}, "deck", fail)[key]
            if key in deck else "" for key in DECK_KEYS}

    profiles = {}
    quality = raw.get("quality", {})
    if not isinstance(quality, dict):
        fail("", "quality", quality, "tables [quality.draft] and [quality.final]")
    for name, section in quality.items():
        if not isinstance(section, dict):
            fail("quality", name, section, "a table such as [quality.draft]")
        _no_unknown_keys(section, set(PROFILE_KEYS), f"quality.{name}", fail)
        missing = set(PROFILE_KEYS) - set(OPTIONAL_PROFILE_KEYS) - set(section)
        if missing:
            fail(f"quality.{name}", sorted(missing)[0], "(missing)", "a value for every one of "
                 + ", ".join(PROFILE_KEYS))
        profiles[name] = Profile(**_checked(section, PROFILE_KEYS, f"quality.{name}", fail))
    for required in ("draft", "final"):
        if required not in profiles:
            raise SettingsError(f"{path}: [quality.{required}] is missing; "
                                "add it with draws, tune, chains and advi_iterations")

    sections = raw.get("models", {})
    if not isinstance(sections, dict):
        fail("", "models", sections, "tables such as [models.linear]")
    models = {model_id: _model(model_id, section, fail) for model_id, section in sections.items()}
    _distinct_titles(models, text, path)
    return Settings(seed=seed, deck=deck, profiles=profiles, models=models)


def _model(model_id: str, section, fail) -> ModelSettings:
    """One [models.<id>] section, checked key by key and as a whole."""
    name = f"models.{model_id}"
    if not MODEL_ID.fullmatch(model_id) or model_id in RESERVED_IDS:
        fail("models", model_id, "{…}", "an id of lower-case letters, digits and _ that starts with "
             f"a letter (at most 32), other than {', '.join(RESERVED_IDS)}")
    if not isinstance(section, dict):
        fail("models", model_id, section, f"a table [{name}] with at least data = …")
    _no_unknown_keys(section, set(MODEL_KEYS), name, fail)
    if "data" not in section:
        fail(name, "data", "(missing)", "one of " + ", ".join(DATASETS))
    values = _checked(section, MODEL_KEYS, name, fail)
    source = DATASETS[values["data"]]
    for key in DATA_KEYS:
        if key in values and key not in source.defaults and not (key == "noise" and source.n_classes == 0):
            takes = ", ".join(k for k in DATA_KEYS if k in source.defaults) or "none of them"
            fail(name, key, values[key], f"no {key} with data = \"{values['data']}\" (it takes {takes})")
    problem = output_problem(values["output"], source.n_classes) if "output" in values else None
    if problem:
        fail(name, "output", values["output"], f"another output: {problem}")
    if source.n_classes and values.get("n_samples", source.defaults.get("n_samples", MAX_SAMPLES)) < 10 * source.n_classes:
        fail(name, "n_samples", values["n_samples"],
             f"at least {10 * source.n_classes} rows for {source.n_classes} classes, so every class "
             "has points to learn from and to test on")
    if source.n_classes == 0 and values.get("n_samples", 2) < 2:
        fail(name, "n_samples", values["n_samples"], "at least 2 points")
    model = ModelSettings(id=model_id, **values)
    parameters = _parameter_count(model)
    if parameters > MAX_PARAMETERS:
        fail(name, "hidden", list(model.hidden), f"smaller layers: this net has {parameters:,} "
             f"weights and biases, the limit is {MAX_PARAMETERS:,}")
    return model


def _parameter_count(model: ModelSettings) -> int:
    """Weights and biases of the net, sized by the data set's known inputs and classes."""
    source = DATASETS[model.data]
    output = model.output or default_output(source.n_classes, bool(model.hidden))
    widths = (source.n_inputs, *model.hidden, n_outputs(output, source.n_classes))
    return sum((a + 1) * b for a, b in zip(widths, widths[1:]))


def title_of(model: ModelSettings) -> str:
    """What the slides call a model whose section gives no title."""
    if model.hidden:
        return "A deep net"
    return {"regression": "Linear regression", "binary": "Logistic regression",
            "multiclass": "Softmax regression"}[model.kind]


def _distinct_titles(models: dict[str, ModelSettings], text: str, path: Path) -> None:
    """Give every model a title of its own: a derived title shared by several models gets the
    data set's name, then the id; two equal titles given by the user are an error."""
    owner = {}
    for model in models.values():
        if model.title and model.title in owner:
            raise SettingsError(f"{path}:{_line_of(text, 'models', model.id)}: [models.{owner[model.title]}] "
                                f'and [models.{model.id}] clash: both are titled "{model.title}"; '
                                "give one another title")
        owner.setdefault(model.title, model.id)
    titles = {model_id: model.title or title_of(model) for model_id, model in models.items()}
    for refine in (lambda m: f"{titles[m.id]} on {m.data.replace('_', ' ')}", lambda m: f"{titles[m.id]} ({m.id})"):
        shared = Counter(titles.values())
        for model in models.values():
            if not model.title and shared[titles[model.id]] > 1:
                titles[model.id] = refine(model)
    for model_id, title in titles.items():
        models[model_id] = replace(models[model_id], title=title)


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
    text = str(value).lower() if isinstance(value, bool) else str(value)
    shown = text if len(text) <= 60 else text[:57] + "…"
    if isinstance(value, str) and value not in ("(missing)", "{…}"):
        return json.dumps(shown, ensure_ascii=False)  # quoted, a line break shown as \n
    return shown


def _line_of(text: str, section: str, key: str) -> int | None:
    """Line number of `key` inside `[section]` of the TOML text, to point the user at it."""
    def bare(name: str) -> str:  # a table name without spaces and quotes: models."a b" → models.ab
        return re.sub(r"[\s\"']", "", name)

    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"\s*\[\s*([^\]]+?)\s*\]", line)
        if header:
            current = bare(header.group(1))
            if section == "models" and current == bare(f"models.{key}"):
                return number
            continue
        if current == bare(section) and re.match(rf"\s*{re.escape(key)}\s*=", line):
            return number
    return None
