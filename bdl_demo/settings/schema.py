"""What deck.toml may hold, written once.

Each section is a dataclass whose fields are its keys; every key carries its check (the value,
converted, or what is allowed, in words), its default and what it sets. Reading deck.toml checks
each value with it (bdl_demo.settings.reading), the dataclass fills in the defaults, and README's
tables of keys are printed from the same fields: `python -m bdl_demo.settings.schema`.
"""
from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from bdl_demo.model.data import DATASETS
from bdl_demo.model.inference import POSTERIORS
from bdl_demo.model.network import HIDDEN_ACTIVATIONS, Layer, Network
from bdl_demo.model.task import OUTPUTS, default_output, kind_of, n_outputs

# Bounds a 2-core laptop can fit in the final profile (see README).
MAX_WIDTH, MAX_HIDDEN_LAYERS, MAX_PARAMETERS = 256, 4, 50_000
MAX_SAMPLES = 20_000
MAX_TEXT = 200  # characters in a title, a name or a path
TAU_RULES = ("evidence", "validation")


@dataclass(frozen=True)
class Check:
    """A key's check: `test` says whether a value is allowed and `convert` makes it the value the
    build uses; `allowed` says in words what is allowed (the error message and README both say it)."""

    test: Callable[[Any], Any]
    allowed: str
    convert: Callable[[Any], Any] = lambda value: value

    def __call__(self, value):
        if not self.test(value):
            raise ValueError(self.allowed)
        return self.convert(value)


@dataclass(frozen=True)
class Key:
    """One key of a section: its check, what it sets, and how README states its default when the
    value alone says too little ("follows from the data")."""

    check: Check
    means: str
    default_words: str | None = None
    data_option: bool = False  # taken only by the data sets that have it (n_samples, noise, …)


def key(check: Check, default=dataclasses.MISSING, **about):
    """A dataclass field that is a key of deck.toml; `about` holds the rest of its Key."""
    return field(default=default, metadata={"key": Key(check, **about)})


def keys_of(section: type) -> dict[str, Key]:
    """The keys of a section, in the order of its fields."""
    return {f.name: f.metadata["key"] for f in dataclasses.fields(section) if "key" in f.metadata}


def required_keys(section: type) -> list[str]:
    return [f.name for f in dataclasses.fields(section)
            if "key" in f.metadata and f.default is dataclasses.MISSING]


# --- checks -------------------------------------------------------------------------------------

def _whole_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def whole(low: int, high: int) -> Check:
    return Check(lambda value: _whole_number(value) and low <= value <= high,
                 f"a whole number from {low:,} to {high:,}")


def number(low: float, high: float) -> Check:
    """A finite number in (low, high]."""
    return Check(lambda value: (_whole_number(value) or isinstance(value, float)) and math.isfinite(value)
                 and low < value <= high,
                 f"a number above {low:g} and at most {high:g}", float)


def one_of(*allowed: str) -> Check:
    return Check(lambda value: value in allowed, "one of " + ", ".join(f'"{a}"' for a in allowed))


WIDTH = whole(1, MAX_WIDTH)
WIDTHS = Check(lambda value: isinstance(value, list) and len(value) <= MAX_HIDDEN_LAYERS
               and all(map(WIDTH.test, value)),
               f"a list of at most {MAX_HIDDEN_LAYERS} widths from 1 to {MAX_WIDTH}, "
               "e.g. [8, 8] (or [] for no hidden layer)", tuple)
TEXT = Check(lambda value: isinstance(value, str) and "\n" not in value and len(value) <= MAX_TEXT,
             f"a text in quotes on one line, at most {MAX_TEXT} characters")
URL = Check(lambda value: isinstance(value, str) and re.fullmatch(r"https?://[^\s\"<>]{1,300}", value),
            'an address starting with https:// (or http://), e.g. "https://example.org/talk/"')
BOOLEAN = Check(lambda value: isinstance(value, bool), "true or false")
TAU = Check(lambda value: value in TAU_RULES or number(0, 1e6).test(value),
            '"evidence" (the τ of the largest marginal likelihood), "validation" (the widest '
            "posterior as good as the MAP on held-out training rows) or a number above 0 and at most 1e+06",
            lambda value: value if value in TAU_RULES else float(value))
SEED = whole(0, 2**32 - 1)


# --- the sections ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ModelSettings:
    """One `[models.<id>]` section: which data, which network, which priors, which inference."""

    id: str
    data: str = key(one_of(*DATASETS), means="the data set: made from the seed (line, blobs, moons), "
                    "bundled with scikit-learn (digits, iris, wine, breast_cancer) or a local copy (covtype)")
    title: str = key(TEXT, "", means="how the slides call the model",
                     default_words='derived: "Linear regression", "Logistic regression", "A deep net" … '
                                   "(told apart by data set, then id, if several share one)")
    hidden: tuple[int, ...] = key(WIDTHS, (), means="the widths of the hidden layers")
    activation: str = key(one_of(*HIDDEN_ACTIVATIONS), "tanh", means="the activation of the hidden layers")
    output: str | None = key(one_of(*OUTPUTS), None, means="the output link",
                             default_words="follows from the data: identity for continuous targets, sigmoid "
                                           "for two classes without hidden layers, else softmax")
    weight_prior: float = key(number(0, 100), 1.0, means="the sd σ of the Normal prior N(0, σ²) on every weight")
    bias_prior: float = key(number(0, 100), 1.0, means="the sd σ of the Normal prior N(0, σ²) on every bias")
    fan_in_prior: bool = key(BOOLEAN, False, means="each weight's prior sd is weight_prior / √(inputs of its "
                             "layer), so wide layers start no louder than narrow ones")
    noise: float | None = key(number(0, 100), None, data_option=True,
                              means="the noise of a made-up data set (line, moons), and the known noise of a "
                                    "regression's Normal likelihood")
    n_samples: int | None = key(whole(1, MAX_SAMPLES), None, data_option=True,
                                means="rows of a made-up data set (line, blobs, moons), or drawn from covtype; at "
                                      "least 10 per class")
    inference: str | None = key(one_of(*POSTERIORS), None, means="how the posterior the deck shows is found",
                                default_words="nuts without hidden layers, laplace for a deep net")
    tau: float | str = key(TAU, "evidence", means="the factor τ on a Laplace posterior's prior precision "
                           "(every prior sd divided by √τ), or the rule that picks it")
    dropout_rate: float = key(number(0, 0.9), 0.1, means="MC dropout's rate on the hidden layers (deep nets only)")
    learning_rate: float = key(number(0, 1), 0.003, means="the Adam step of ADVI and of the MC-dropout net")
    batch_size: int = key(whole(0, MAX_SAMPLES), 0, means="rows per minibatch of ADVI (0: the full batch)")
    advi_iterations_scale: float = key(number(0, 10), 1.0, means="a factor on the profile's ADVI iterations")
    data_path: str | None = key(TEXT, None, data_option=True, means="where a covtype copy is (a file or a "
                                "scikit-learn data folder)")
    download: bool | None = key(BOOLEAN, None, data_option=True, means="whether scikit-learn may fetch covtype once")

    @property
    def data_options(self) -> dict:
        """The settings of the data set, as its loader takes them (unset ones left to its defaults)."""
        return {name: getattr(self, name) for name, k in keys_of(ModelSettings).items()
                if k.data_option and getattr(self, name) is not None}

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
class Profile:
    """A `[quality.<name>]` section: how hard inference works, `draft` for tests and CI, `final`
    for the talk."""

    draws: int = key(whole(10, 20_000), means="posterior draws kept per chain (NUTS) or in all (ADVI, Laplace)")
    tune: int = key(whole(10, 20_000), means="NUTS's warm-up steps per chain")
    chains: int = key(whole(1, 8), means="NUTS chains")
    advi_iterations: int = key(whole(10, 500_000), means="optimisation steps of ADVI and of the MC-dropout net")
    ensemble_size: int = key(whole(2, 20), 5, means="MAP nets in a deep net's ensemble")


@dataclass(frozen=True)
class DeckText:
    """The `[deck]` section: what the title slide says, and where the deck is published."""

    title: str = key(TEXT, "", means="the talk's title")
    subtitle: str = key(TEXT, "", means="the line under the title")
    author: str = key(TEXT, "", means="who gives the talk")
    event: str = key(TEXT, "", means="where it is given")
    date: str = key(TEXT, "", means="when")
    url: str = key(URL, "", means="where the deck is published: the title slide shows it with a QR code",
                   default_words="none: no QR code")


SECTIONS = {"[models.<id>]": ModelSettings, "[quality.<name>]": Profile, "[deck]": DeckText}


def markdown_tables() -> str:
    """README's tables of keys, one per section, printed from the schema."""
    parts = []
    for name, section in SECTIONS.items():
        rows = ["| key | what it sets | allowed | default |", "|---|---|---|---|"]
        for f in dataclasses.fields(section):
            if "key" not in f.metadata:
                continue
            k = f.metadata["key"]
            default = "required" if f.default is dataclasses.MISSING else k.default_words or (
                _data_defaults(f.name) if k.data_option else _shown(f.default))
            rows.append(f"| `{f.name}` | {k.means} | {k.check.allowed} | {default} |")
        parts.append(f"Keys of `{name}`:\n\n" + "\n".join(rows))
    return "\n\n".join(parts) + "\n"


def _data_defaults(key_name: str) -> str:
    """The default of a data set's own setting, by data set: "line 12, blobs 200, …"."""
    return ", ".join(f"{name} {_shown(source.defaults[key_name])}" for name, source in DATASETS.items()
                     if source.defaults.get(key_name) is not None) or "none"


def _shown(value) -> str:
    """A default as deck.toml would write it."""
    return "none" if value is None else f"`{json.dumps(value, ensure_ascii=False)}`"


if __name__ == "__main__":
    print(markdown_tables(), end="")
