"""Stage 7, the figures: draw those the slides ask for — only those whose inputs changed — into
the images folder.

A figure's key hashes its spec, the fit, data and network of its model, the source of the modules
that draw it and the matplotlib version; unchanged figures come from the cache without importing
matplotlib.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bdl_demo.results.cache import Cache, key_of, library_versions, module_hashes
from bdl_demo.results.parallel import forked_map
from bdl_demo.results.images import check_figure_names, figures_written_before, record_figures
from bdl_demo.figures.registry import PACKAGE, SHARED_MODULES, FigureSpec, resolve
from bdl_demo.files import atomic_write
from bdl_demo.model.fit import FittedModel
from bdl_demo.stages import stage

SVG_START = (b"<?xml", b"<svg")


@dataclass
class Figures:
    """The figures drawn for the slides: each one's entry in the report (file, alt text, size, key,
    whether cached), and, apart, what the deck's scripts need for those that respond."""

    manifest: dict[str, dict] = field(default_factory=dict)
    interactions: dict[str, dict] = field(default_factory=dict)


def figure_key(spec: FigureSpec, models: dict[str, FittedModel]) -> str:
    """Hash of everything the figure's bytes depend on: fit, data, net, source code, matplotlib."""
    inputs = [{"fit": models[name].fit.key, "data": models[name].data.fingerprint(), "net": repr(models[name].net)}
              for name in spec.models] or None
    code = module_hashes(*SHARED_MODULES, f"{PACKAGE}.{spec.module}")
    return key_of("figure", spec.id, spec.function, spec.options, inputs, code,
                  library_versions(("matplotlib",)))


@stage("figures")
def draw_figures(figure_ids: list[str], models: dict[str, FittedModel], images: Path, cache: Cache, *,
                 force: bool = False, others: set[str] = frozenset(), deck: dict | None = None,
                 log: Callable[[str], None] = print) -> Figures:
    """Draw every figure asked for into `images`. `others` are models of deck.toml this build leaves
    out (--only): their figures stay. `deck` holds the [deck] settings some figures show (the QR code)."""
    check_figure_names(images, [f"{figure_id}.svg" for figure_id in figure_ids])
    images.mkdir(parents=True, exist_ok=True)
    specs = [resolve(figure_id, models, deck) for figure_id in figure_ids]
    keys = [figure_key(spec, models) for spec in specs]
    stored = [None if force else _from_cache(key, cache, log) for key in keys]
    drawn = _render_all([spec for spec, found in zip(specs, stored) if found is None], models)
    figures, written = Figures(), {}
    for spec, key, found in zip(specs, keys, stored):
        (data, meta, interaction), seconds = found or next(drawn)
        if found is None:  # drawn just now: cache it, with its interaction data under the same key
            if interaction:
                meta |= {"interactive": True}
                cache.write("interactions", key, json.dumps(interaction, separators=(",", ":")).encode())
            cache.write("figures", key, data, meta)
        file = f"{spec.id}.svg"
        if not ((images / file).is_file() and (images / file).read_bytes() == data):
            atomic_write(images / file, data)
        log(f"figure {spec.id}: {'cached' if found else 'drawn'} ({seconds:.2f} s)")
        figures.manifest[spec.id] = {"file": file, **meta, "key": key, "cached": found is not None,
                                     "seconds": round(seconds, 3)}
        if interaction:
            figures.interactions[spec.id] = interaction
        written[file] = spec.models
    remove_stale(images, written, others, log)
    return figures


def _from_cache(key: str, cache: Cache, log):
    """A figure's SVG, meta and interaction data from the cache, and the seconds it took; or None."""
    started = time.perf_counter()
    entry = cache.read("figures", key)
    if entry is None:
        return None
    if not entry.payload.startswith(SVG_START):
        log(f"warning: damaged cache entry figures/{key}: making it again")
        return None
    interaction = None
    if entry.meta.get("interactive"):
        interaction = cache.load("interactions", key, json.loads)
        if interaction is None:  # the figure without its data is made again
            return None
    return (entry.payload, entry.meta, interaction), time.perf_counter() - started


def _render_all(specs: list[FigureSpec], models: dict[str, FittedModel]):
    """Yield (svg, meta, interaction) and the seconds it took for each spec, in order: drawn in
    as many processes as there are cores when there are a few to draw."""
    from bdl_demo.figures.registry import render  # matplotlib, imported once, before any fork

    def timed_render(spec: FigureSpec):
        started = time.perf_counter()
        return render(spec, models), time.perf_counter() - started

    return forked_map(timed_render, specs, per_process=4)


def remove_stale(images: Path, written: dict[str, list[str]], others: set[str], log) -> None:
    """Delete figure files an earlier build wrote that this one no longer draws: only those in the
    folder's record, not those of `others` (models this build leaves out); any other file is the user's."""
    before = figures_written_before(images)
    kept = dict(written)
    for name, owners in before.items():
        if name in written:
            continue
        if not set(owners) & others:
            (images / name).unlink(missing_ok=True)
            log(f"figure file removed: {name}")
        elif (images / name).is_file():
            kept[name] = owners
    record_figures(images, kept)
