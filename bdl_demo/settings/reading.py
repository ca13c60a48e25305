"""Read and check deck.toml, the one file a user edits to change a model, the data or the quality.

deck.toml may hold any number of `[models.<id>]` sections. Every key has a check in the schema
(bdl_demo.settings.schema), so a mistake becomes a `SettingsError`: one line naming the file and
line, the key, the bad value and what is allowed — before anything is fitted or written.
"""
from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from bdl_demo.errors import UserError
from bdl_demo.files import read_input
from bdl_demo.model.data import DATASETS
from bdl_demo.model.task import output_problem
from bdl_demo.settings.schema import (MAX_PARAMETERS, MAX_SAMPLES, SEED, DeckText, ModelSettings, Profile, keys_of,
                                      required_keys)
from bdl_demo.stages import stage

MODEL_ID = re.compile(r"[a-z][a-z0-9_]{0,31}")
RESERVED_IDS = ("basics",)  # figure ids of the deck's shared figures start with these


class SettingsError(UserError):
    """deck.toml is broken or holds a value the build cannot use."""


@dataclass(frozen=True)
class Settings:
    seed: int
    deck: dict
    profiles: dict[str, Profile]
    models: dict[str, ModelSettings]  # in the order of deck.toml


@stage("settings")
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
    if not found:
        return f" broken TOML syntax: {message}"
    reason = message[:found.start()].strip()
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
    seed = _checked({"seed": raw.get("seed", 2017)}, {"seed": SEED}, "", fail)["seed"]

    deck = raw.get("deck", {})
    if not isinstance(deck, dict):
        fail("", "deck", deck, "a table [deck] with title, subtitle, author, event and date")
    deck = dataclasses.asdict(DeckText(**_section(deck, DeckText, "deck", fail)))

    profiles = {}
    quality = raw.get("quality", {})
    if not isinstance(quality, dict):
        fail("", "quality", quality, "tables [quality.draft] and [quality.final]")
    for name, section in quality.items():
        if not isinstance(section, dict):
            fail("quality", name, section, "a table such as [quality.draft]")
        profiles[name] = Profile(**_section(section, Profile, f"quality.{name}", fail))
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
    values = _section(section, ModelSettings, name, fail)
    source = DATASETS[values["data"]]
    data_keys = [key_name for key_name, k in keys_of(ModelSettings).items() if k.data_option]
    for key in data_keys:
        if key in values and key not in source.defaults and not (key == "noise" and source.n_classes == 0):
            takes = ", ".join(k for k in data_keys if k in source.defaults) or "none of them"
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
    parameters = model.network(source.n_inputs, source.n_classes).n_parameters  # sized by the data set
    if parameters > MAX_PARAMETERS:
        fail(name, "hidden", list(model.hidden), f"smaller layers: this net has {parameters:,} "
             f"weights and biases, the limit is {MAX_PARAMETERS:,}")
    return model


def chosen_models(settings: Settings, only: list[str] | None, path: Path) -> list[str]:
    """The models to build: all of the settings' in their order, or those `only` names."""
    for model_id in only or []:
        if model_id not in settings.models:
            known = ", ".join(settings.models) or "none"
            raise SettingsError(f"--only {model_id}: {path} has no [models.{model_id}] (its models: {known})")
    return [model_id for model_id in settings.models if not only or model_id in only]


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


def _section(section: dict, schema: type, name: str, fail) -> dict:
    """The values of one section, each checked by the schema's key; every required key present."""
    keys = keys_of(schema)
    _no_unknown_keys(section, set(keys), name, fail)
    for required in required_keys(schema):
        if required not in section:
            fail(name, required, "(missing)", f"a value: {keys[required].check.allowed}")
    return _checked(section, {key_name: k.check for key_name, k in keys.items()}, name, fail)


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
    if isinstance(value, list):  # as TOML writes it: [8, "x"], not Python's [8, 'x']
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
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
