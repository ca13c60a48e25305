"""Draw the figures the slides ask for — only those whose inputs changed — into the images folder.

A figure's key hashes its spec, the fit, data and network of its model, the source of the modules
that draw it and the matplotlib version; unchanged figures come from the cache without importing
matplotlib.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from bdl_demo.build.cache import Cache, key_of, library_versions, module_hashes
from bdl_demo.build.outputs import check_figure_names, figures_written_before, record_figures
from bdl_demo.figures.registry import PACKAGE, SHARED_MODULES, FigureSpec, resolve
from bdl_demo.files import atomic_write
from bdl_demo.model.fit import FittedModel

SVG_START = (b"<?xml", b"<svg", b"{")  # an SVG, or JSON for the deck's scripts


def figure_key(spec: FigureSpec, models: dict[str, FittedModel]) -> str:
    """Hash of everything the figure's bytes depend on: fit, data, net, source code, matplotlib."""
    inputs = None
    if spec.model:
        model = models[spec.model]
        inputs = {"fit": model.fit.key, "data": model.data.fingerprint(), "net": repr(model.net)}
    code = module_hashes(*SHARED_MODULES, f"{PACKAGE}.{spec.module}")
    return key_of("figure", spec.id, spec.function, spec.options, inputs, code,
                  library_versions(("matplotlib",)))


def draw_figures(figure_ids: list[str], models: dict[str, FittedModel], images: Path, cache: Cache, *,
                 force: bool = False, others: set[str] = frozenset(), deck: dict | None = None,
                 log: Callable[[str], None] = print) -> dict[str, dict]:
    """Draw every figure asked for into `images`; return the manifest by figure id.

    `others` are models of deck.toml this build leaves out (--only): their figures stay. `deck`
    holds the [deck] settings some figures show (the QR code).
    """
    check_figure_names(images, [f"{figure_id}.{kind}" for figure_id in figure_ids for kind in ("svg", "json")])
    images.mkdir(parents=True, exist_ok=True)
    manifest, written = {}, {}
    for figure_id in figure_ids:
        spec = resolve(figure_id, models, deck)
        manifest[figure_id] = _draw_one(spec, models, images, cache, force, log)
        written[manifest[figure_id]["file"]] = [spec.model] if spec.model else []
    remove_stale(images, written, others, log)
    return manifest


def _draw_one(spec: FigureSpec, models, images: Path, cache: Cache, force: bool, log) -> dict:
    """Copy one figure from the cache, or draw and cache it; return its manifest entry."""
    from bdl_demo.figures.registry import render  # imports matplotlib only when a figure is drawn

    started = time.perf_counter()
    key = figure_key(spec, models)
    entry = None if force else cache.read("figures", key)
    if entry is not None and not entry.payload.startswith(SVG_START):
        log(f"warning: damaged cache entry figures/{key}: making it again")
        entry = None
    cached = entry is not None
    if cached:
        data, meta = entry.payload, entry.meta
    else:
        data, meta = render(spec, models)
        cache.write("figures", key, data, meta)
    file = f"{spec.id}.{meta.get('format', 'svg')}"
    target = images / file
    if not (target.is_file() and target.read_bytes() == data):
        atomic_write(target, data)
    seconds = time.perf_counter() - started
    log(f"figure {spec.id}: {'cached' if cached else 'drawn'} ({seconds:.2f} s)")
    return {"file": file, **meta, "key": key, "cached": cached, "seconds": round(seconds, 3)}


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
