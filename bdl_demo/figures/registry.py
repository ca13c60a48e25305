"""Which figures exist, what each depends on, and drawing only those whose inputs changed.

A figure is named by the module and function that draw it, so its cache key can be computed
from source files without importing them: an unchanged build copies SVGs from the cache and
never imports matplotlib.
"""
from __future__ import annotations

import importlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bdl_demo.cache import atomic_write, cache_dir, key_of, library_versions, source_of
from bdl_demo.fit import FittedModel
from bdl_demo.outputs import figures_written_before, record_figures

PACKAGE = "bdl_demo.figures"
# Modules every figure's pixels depend on, besides its own module.
SHARED_MODULES = ("bdl_demo.palette", "bdl_demo.network", f"{PACKAGE}.style", f"{PACKAGE}.common")
TWIN_MODELS = ("linear", "logistic", "deepnet")
ESTIMATES = ("point", "posterior")


@dataclass(frozen=True)
class FigureSpec:
    """One figure: its id, the function that draws it, the models it needs and its options."""

    id: str
    module: str  # within bdl_demo.figures, e.g. "matrix"
    function: str
    models: tuple[str, ...]
    options: dict = field(default_factory=dict, hash=False)


def figure_specs(models: dict[str, FittedModel]) -> list[FigureSpec]:
    """Every figure of the deck; per-layer figures follow the layers of the nets given."""
    specs = []
    for model in TWIN_MODELS:
        for estimate in ESTIMATES:
            specs += [_spec(f"{model}-matrix-{estimate}", "matrix.matrix_view", model, estimate=estimate),
                      _spec(f"{model}-diagram-{estimate}", "diagram.network_diagram", model, estimate=estimate),
                      _spec(f"{model}-fit-{estimate}", "fits.fit_view", model, estimate=estimate)]
    specs += [_spec(f"linear-params-{estimate}", "fits.parameters_view", "linear", estimate=estimate)
              for estimate in ESTIMATES]
    specs.append(_spec("deepnet-fit-uncertainty", "fits.uncertainty_map", "deepnet"))
    specs.append(_spec("digits-diagram-point", "diagram.network_diagram", "digits", estimate="point"))
    layers = len(models["digits"].net.layers) if "digits" in models else 0
    specs += [_spec(f"digits-weights-layer{layer}", "realdata.layer_weights", "digits", layer=layer)
              for layer in range(1, layers + 1)]
    specs += [_spec(f"digits-{quantity}", "realdata.test_matrix", "digits", quantity=quantity)
              for quantity in ("predictions", "probabilities", "uncertainties")]
    specs += [_spec("digits-unsure", "realdata.least_sure", "digits"),
              _spec("basics-activations", "basics.activations"),
              _spec("basics-bayes-rule", "basics.bayes_rule", "linear")]
    return specs


def _spec(figure_id: str, drawn_by: str, *models: str, **options) -> FigureSpec:
    """A registry entry: drawn_by is "module.function" within bdl_demo.figures."""
    module, function = drawn_by.split(".")
    return FigureSpec(figure_id, module, function, models, options)


def figure_key(spec: FigureSpec, models: dict[str, FittedModel]) -> str:
    """Hash of everything the figure's bytes depend on: fits, data, nets, source code, matplotlib."""
    inputs = {
        name: {"fit": models[name].fit.key, "data": models[name].data.fingerprint(),
               "net": repr(models[name].net)}
        for name in spec.models
    }
    # The drawing function's source is part of its module's source.
    code = source_of(*SHARED_MODULES, f"{PACKAGE}.{spec.module}")
    return key_of("figure", spec.id, spec.function, spec.options, inputs, code,
                  library_versions(("matplotlib",)))


def render(spec: FigureSpec, models: dict[str, FittedModel], format: str = "svg") -> tuple[bytes, dict]:
    """Draw one figure: its bytes, and its metadata (alt text and size on the slide in px)."""
    from threadpoolctl import threadpool_limits

    from bdl_demo.figures import style

    draw = getattr(importlib.import_module(f"{PACKAGE}.{spec.module}"), spec.function)
    # Stacked small matrix products run many times slower with several BLAS threads.
    with threadpool_limits(limits=1, user_api="blas"), style.slide_style():
        figure, alt = draw(*(models[name] for name in spec.models), **spec.options)
        data = style.svg_bytes(figure) if format == "svg" else style.png_bytes(figure)
    width, height = (round(v * style.PX_PER_INCH) for v in figure.get_size_inches())
    return data, {"alt": alt, "width": width, "height": height}


def build_figures(models: dict[str, FittedModel], images_dir: Path, *, force: bool = False,
                  log: Callable[[str], None] = print) -> dict[str, dict]:
    """Draw every figure whose models are given into images_dir; return the manifest by figure id."""
    images_dir = Path(images_dir)
    images_dir.mkdir(parents=True, exist_ok=True)
    store = cache_dir() / "figures"
    manifest, written = {}, {}
    for spec in figure_specs(models):
        if not all(name in models for name in spec.models):
            continue
        manifest[spec.id] = _build_one(spec, models, images_dir, store, force, log)
        written[manifest[spec.id]["file"]] = list(spec.models)
    _remove_stale(images_dir, written, set(models), log)
    return manifest


def _build_one(spec, models, images_dir: Path, store: Path, force: bool, log) -> dict:
    """Copy one figure from the cache, or draw and cache it; return its manifest entry."""
    started = time.perf_counter()
    key = figure_key(spec, models)
    svg_path, meta_path = store / f"{key}.svg", store / f"{key}.json"
    cached = not force and svg_path.is_file() and meta_path.is_file()
    if cached:
        try:
            data, meta = svg_path.read_bytes(), json.loads(meta_path.read_text())
        except (OSError, ValueError):  # a damaged entry is drawn again, never a crash
            cached = False
    if not cached:
        data, meta = render(spec, models)
        atomic_write(svg_path, data)
        atomic_write(meta_path, json.dumps(meta, indent=1).encode())
    file = f"{spec.id}.svg"
    target = images_dir / file
    if not (target.is_file() and target.read_bytes() == data):
        atomic_write(target, data)
    seconds = time.perf_counter() - started
    log(f"figure {spec.id}: {'cached' if cached else 'drawn'} ({seconds:.2f} s)")
    return {"file": file, **meta, "key": key, "cached": cached, "seconds": round(seconds, 3)}


def _remove_stale(images_dir: Path, written: dict[str, list[str]], built: set[str], log) -> None:
    """Delete figure files an earlier build wrote that this one no longer draws.

    Only files in the folder's record of what the build wrote are candidates, and only those of
    the models built now (a build of some models leaves the others' figures alone); any other file
    in the folder is the user's and stays.
    """
    before = figures_written_before(images_dir)
    kept = dict(written)
    for name, owners in before.items():
        if name in written:
            continue
        if set(owners) <= built:
            (images_dir / name).unlink(missing_ok=True)
            log(f"figure file removed: {name}")
        elif (images_dir / name).is_file():
            kept[name] = owners
    record_figures(images_dir, kept)
