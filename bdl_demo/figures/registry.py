"""Which figure an id names, what draws it and what it depends on.

A figure id reads `<model>-<view>[-<variant>]` (e.g. `deepnet-matrix-posterior`, `digits-weights-layer2`);
`basics-<view>` for figures of no model; `all-<view>` (e.g. `all-loss`) for one comparing every model it
applies to. `resolve` turns an id into its spec, or says why the build cannot make it; nobody keeps a list
of figures: the set is whatever the slides ask for. A spec names the module and function that draw it, so
a figure's cache key hashes source files without importing them: an unchanged build never imports matplotlib.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

from bdl_demo.errors import UserError
from bdl_demo.model.fit import FittedModel

PACKAGE = "bdl_demo.figures"
SHARED = "basics"  # the id prefix of figures that belong to no model
EVERY = "all"  # the id prefix of figures that put several models side by side
# Modules every figure's pixels depend on, besides its own module.
SHARED_MODULES = ("bdl_demo.palette", "bdl_demo.numbers", "bdl_demo.model.network", "bdl_demo.model.evaluation",
                  "bdl_demo.model.predictive", f"{PACKAGE}.style", f"{PACKAGE}.common", f"{PACKAGE}.interaction")
ESTIMATES = ("point", "posterior")


class FigureError(UserError):
    """The slides ask for a figure the build cannot make."""


@dataclass(frozen=True)
class FigureSpec:
    """One figure: its id, the function that draws it, the model it shows and its options."""

    id: str
    module: str  # within bdl_demo.figures, e.g. "matrix"
    function: str
    model: str | None  # None for the basics, which show no model, and for figures of several
    options: dict = field(default_factory=dict, hash=False)
    shows: tuple[str, ...] = ()  # the models a figure of several models compares, in deck order

    @property
    def models(self) -> list[str]:
        """The models whose fits the figure shows."""
        return [self.model] if self.model else list(self.shows)


@dataclass(frozen=True)
class View:
    """A kind of figure: what draws it, which variants exist, and for which models."""

    drawn_by: str  # "module.function" within bdl_demo.figures
    variants: Callable[[FittedModel], dict[str, dict]]  # variant name → options of the function
    applies: Callable[[FittedModel], bool] = lambda model: True
    needs: str = ""  # what `applies` asks of a model, for the error message


def _estimates(model) -> dict[str, dict]:
    return {estimate: {"estimate": estimate} for estimate in ESTIMATES}


def _estimates_any_size(model) -> dict[str, dict]:
    """Each estimate at full size, and `-small` for a narrow slot (fewer cells, same size of text)."""
    return _estimates(model) | {f"{estimate}-small": {"estimate": estimate, "small": True} for estimate in ESTIMATES}


def _single(model) -> dict[str, dict]:
    return {"": {}}


def _simple_regression(model) -> bool:
    return model.kind == "regression" and not model.net.hidden and model.on_a_plane


VIEWS = {
    "matrix": View("matrix.matrix_view", _estimates_any_size),
    "diagram": View("diagram.network_diagram", _estimates_any_size),
    "fit": View("fitted.fit_view",
                lambda m: _estimates(m) | ({"uncertainty": {"estimate": "uncertainty"}}
                                           if m.kind != "regression" else {}),
                lambda m: m.on_a_plane, "inputs that can be drawn as axes (1 for regression, 2 for classes)"),
    "params": View("fitted.parameters_view", _estimates, _simple_regression,
                   "a linear regression on one input"),
    "bayes-rule": View("basics.bayes_rule", _single, _simple_regression, "a linear regression on one input"),
    "weights": View("realdata.layer_weights",
                    lambda m: {f"layer{n}": {"layer": n} for n in range(1, len(m.net.layers) + 1)}),
    **{quantity: View("realdata.test_matrix", lambda m, quantity=quantity: {"": {"quantity": quantity}},
                      lambda m: m.kind != "regression", "a classifier")
       for quantity in ("predictions", "probabilities", "uncertainties")},
    "unsure": View("realdata.least_sure", _single, lambda m: m.kind != "regression", "a classifier"),
    "examples": View("realdata.examples", _single, lambda m: m.kind != "regression", "a classifier"),
    "reliability": View("checks.reliability", _single, lambda m: m.kind != "regression", "a classifier"),
    "ood": View("checks.out_of_distribution", _single, lambda m: m.kind != "regression", "a classifier"),
    "loss": View("checks.advi_loss", _single, lambda m: m.fit.method == "advi" or "advi" in m.companions,
                 "a fit by ADVI"),
    "near-far": View("checks.near_and_far", _single, lambda m: m.kind != "regression", "a classifier"),
    "vi-vs-mcmc": View("checks.vi_against_mcmc", _single,
                       lambda m: m.fit.method == "nuts" and "advi" in m.companions, "NUTS and ADVI fits"),
    "more-data": View("checks.more_data", _single, lambda m: _simple_regression(m) and bool(m.data.truth),
                      "a linear regression on made-up data"),
    "doubt": View("checks.doubt_maps", _single,
                           lambda m: m.on_a_plane and m.kind != "regression" and len(m.companions) > 1,
                           "a classifier on a plane fitted several ways"),
    "prior-precision": View("checks.prior_precision", _single,
                            lambda m: m.evaluation is not None and "prior_precision_sweep" in m.evaluation.numbers,
                            "a Laplace posterior of a classifier"),
    "learning": View("checks.map_loss", _single, lambda m: bool(m.fit.diagnostics.get("map_loss")),
                     "a MAP whose steps were recorded"),
    "explore": View("explore.explore_view", _single, lambda m: _simple_regression(m) and bool(m.data.truth),
                    "a linear regression on made-up data"),
    "playground": View("playground.playground_view", _single,
                       lambda m: m.kind == "binary" and bool(m.net.hidden) and m.on_a_plane and m.fit.linearised,
                       "a deep two-class net on a plane with a linearised Laplace posterior"),
    "units": View("realdata.unit_weights", _single, lambda m: bool(m.data.image_shape and m.net.hidden),
                  "images as inputs and a hidden layer"),
}
# Figures comparing every model a view applies to: the view, and the function drawing them all.
ACROSS = {"loss": (VIEWS["loss"], "checks.advi_losses")}
BASICS = {"activations": ("basics.activations", ()),
          "qr": ("qr.follow_along", ("url",))}  # the figure, and what of the [deck] settings it shows


def model_of(figure_id: str) -> str:
    """The id of the model a figure shows (or SHARED, for the basics): its id's first part."""
    return figure_id.partition("-")[0]


def resolve(figure_id: str, models: dict[str, FittedModel], deck: dict | None = None) -> FigureSpec:
    """What draws the figure `figure_id`, or FigureError saying why it cannot be made; `deck` holds
    the [deck] settings some of the basics show (the QR code shows the url)."""
    owner, rest = model_of(figure_id), figure_id.partition("-")[2]
    if owner == EVERY and rest in ACROSS:
        view, drawn_by = ACROSS[rest]
        shows = tuple(name for name, model in models.items() if view.applies(model))
        if not shows:
            raise FigureError(f"no figure {figure_id!r}: no model of this build has {view.needs}")
        return FigureSpec(figure_id, *drawn_by.split("."), None, shows=shows)
    if owner == SHARED and rest in BASICS:
        drawn_by, needs = BASICS[rest]
        options = {key: (deck or {}).get(key) for key in needs}
        missing = [key for key, value in options.items() if not value]
        if missing:
            raise FigureError(f"no figure {figure_id!r}: it needs [deck] {missing[0]} in deck.toml")
        return FigureSpec(figure_id, *drawn_by.split("."), None, options)
    if owner not in models:
        known = ", ".join([*models, SHARED, EVERY])
        raise FigureError(f"no figure {figure_id!r}: figure ids start with a model id ({known})")
    model = models[owner]
    for name, view in VIEWS.items():
        if rest == name or rest.startswith(name + "-"):
            if not view.applies(model):
                raise FigureError(f"no figure {figure_id!r}: the {name} view needs {view.needs}")
            variants = view.variants(model)
            variant = rest[len(name) + 1:]
            if variant not in variants:
                allowed = ", ".join(f"{owner}-{name}" + (f"-{v}" if v else "") for v in variants)
                raise FigureError(f"no figure {figure_id!r}: use one of {allowed}")
            return FigureSpec(figure_id, *view.drawn_by.split("."), owner, variants[variant])
    views = ", ".join(name for name, view in VIEWS.items() if view.applies(model))
    raise FigureError(f"no figure {figure_id!r}: the views of {owner} are {views}")


class Rendered(NamedTuple):
    """A figure as the build keeps it: SVG, metadata (alt text, size on the slide in px, smallest
    text in pt) and what the deck's scripts need to make it respond (None if it does not)."""

    svg: bytes
    meta: dict
    interaction: dict | None


def render(spec: FigureSpec, models: dict[str, FittedModel]) -> Rendered:
    """Draw one figure. Its function returns a matplotlib figure (or SVG bytes made by other means)
    and its alt text, and, for a figure that responds, its interaction data."""
    from threadpoolctl import threadpool_limits

    from bdl_demo.figures import style

    draw = getattr(importlib.import_module(f"{PACKAGE}.{spec.module}"), spec.function)
    # Stacked small matrix products run many times slower with several BLAS threads.
    with threadpool_limits(limits=1, user_api="blas"), style.slide_style():
        figure, alt, *responds = draw(*arguments(spec, models), **spec.options)
        interaction = responds[0] if responds else None
        if isinstance(figure, bytes):  # SVG made by other means: the QR code, by segno
            return Rendered(figure, {"alt": alt, **svg_size(figure)}, interaction)
        if not interaction:  # a responding figure's coordinates stay as drawn
            style.fit_inside(figure)
        data = style.svg_bytes(figure)
        smallest = style.smallest_text_pt(figure)
    width, height = (round(v * style.PX_PER_INCH) for v in figure.get_size_inches())
    return Rendered(data, {"alt": alt, "width": width, "height": height, "smallest_pt": smallest}, interaction)


def arguments(spec: FigureSpec, models: dict[str, FittedModel]) -> list:
    """What the function drawing `spec` is called with: its model, the list of models it compares,
    or nothing for a figure of no model."""
    if spec.model:
        return [models[spec.model]]
    return [[models[name] for name in spec.shows]] if spec.shows else []


def svg_size(svg: bytes) -> dict:
    """The width and height in px that an SVG declares on its root element."""
    import re

    found = re.search(rb'<svg[^>]*?width="([\d.]+)"[^>]*?height="([\d.]+)"', svg)
    return {"width": round(float(found.group(1))), "height": round(float(found.group(2)))}
