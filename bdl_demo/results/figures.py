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
from bdl_demo.results.images import check_figure_names, figures_written_before, record_figures
from bdl_demo.figures.registry import PACKAGE, SHARED_MODULES, FigureSpec, resolve
from bdl_demo.files import atomic_write
from bdl_demo.model.fit import FittedModel
from bdl_demo.stages import stage

SVG_START = (b"<?xml", b"<svg")


@dataclass
class Figures:
    """The figures drawn for the slides: each one's entry in the report (file, alt text, size,
    key, whether it came from the cache), and, apart, what the deck's scripts need for those that
    respond."""

    manifest: dict[str, dict] = field(default_factory=dict)
    interactions: dict[str, dict] = field(default_factory=dict)


def figure_key(spec: FigureSpec, models: dict[str, FittedModel]) -> str:
    """Hash of everything the figure's bytes depend on: fit, data, net, source code, matplotlib."""
    inputs = None
    if spec.model:
        model = models[spec.model]
        inputs = {"fit": model.fit.key, "data": model.data.fingerprint(), "net": repr(model.net)}
    code = module_hashes(*SHARED_MODULES, f"{PACKAGE}.{spec.module}")
    return key_of("figure", spec.id, spec.function, spec.options, inputs, code,
                  library_versions(("matplotlib",)))


@stage("figures")
def draw_figures(figure_ids: list[str], models: dict[str, FittedModel], images: Path, cache: Cache, *,
                 force: bool = False, others: set[str] = frozenset(), deck: dict | None = None,
                 log: Callable[[str], None] = print) -> Figures:
    """Draw every figure asked for into `images`.

    `others` are models of deck.toml this build leaves out (--only): their figures stay. `deck`
    holds the [deck] settings some figures show (the QR code).
    """
    check_figure_names(images, [f"{figure_id}.svg" for figure_id in figure_ids])
    images.mkdir(parents=True, exist_ok=True)
    figures, written = Figures(), {}
    for figure_id in figure_ids:
        spec = resolve(figure_id, models, deck)
        entry, interaction = _draw_one(spec, models, images, cache, force, log)
        figures.manifest[figure_id] = entry
        if interaction:
            figures.interactions[figure_id] = interaction
        written[entry["file"]] = [spec.model] if spec.model else []
    remove_stale(images, written, others, log)
    return figures


def _draw_one(spec: FigureSpec, models, images: Path, cache: Cache, force: bool, log) -> tuple[dict, dict | None]:
    """Copy one figure from the cache, or draw and cache it; return its manifest entry and its
    interaction data (cached beside the figure, under the same key)."""
    from bdl_demo.figures.registry import render  # imports matplotlib only when a figure is drawn

    started = time.perf_counter()
    key = figure_key(spec, models)
    entry = None if force else cache.read("figures", key)
    interaction = None
    if entry is not None and not entry.payload.startswith(SVG_START):
        log(f"warning: damaged cache entry figures/{key}: making it again")
        entry = None
    if entry is not None and entry.meta.get("interactive"):
        stored = cache.read("interactions", key)
        interaction = json.loads(stored.payload) if stored else None
        entry = entry if interaction else None  # the figure without its data is made again
    cached = entry is not None
    if cached:
        data, meta = entry.payload, entry.meta
    else:
        data, meta, interaction = render(spec, models)
        meta |= {"interactive": True} if interaction else {}
        if interaction:
            cache.write("interactions", key, json.dumps(interaction, separators=(",", ":")).encode())
        cache.write("figures", key, data, meta)
    file = f"{spec.id}.svg"
    target = images / file
    if not (target.is_file() and target.read_bytes() == data):
        atomic_write(target, data)
    seconds = time.perf_counter() - started
    log(f"figure {spec.id}: {'cached' if cached else 'drawn'} ({seconds:.2f} s)")
    return {"file": file, **meta, "key": key, "cached": cached, "seconds": round(seconds, 3)}, interaction


def remove_stale(images: Path, written: dict[str, list[str]], others: set[str], log) -> None:
    """Delete figure files an earlier build wrote that this one no longer draws.

    Only files in the folder's record of what the build wrote are candidates, and not those of
    `others`, models this build leaves out; any other file in the folder is the user's and stays.
    """
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
