"""The build, top to bottom: the talk's data flow, one stage a line.

settings → data → fits → evaluation → report → slides → figures → deck → exports. Each stage is a
function of its own module that takes values and returns one; the new deck is written into a
staging folder that takes the old deck's place at the end, so a failed or interrupted build leaves
the previous deck as it was. The command line (bdl_demo.cli) imports this module only once it
knows that something changed.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

from bdl_demo.deck.assets import ensure_assets, pin_files
from bdl_demo.deck.pages import write_deck
from bdl_demo.deck.talk import check_templates, render_talk
from bdl_demo.export import write_exports
from bdl_demo.model.fit import FittedModel
from bdl_demo.output.folders import project_lock, staged_deck
from bdl_demo.output.record import record_build
from bdl_demo.results.cache import Cache
from bdl_demo.results.data import load_data
from bdl_demo.results.evaluations import evaluate_models
from bdl_demo.results.figures import draw_figures
from bdl_demo.results.fits import fit_models
from bdl_demo.results.report import make_report, write_report
from bdl_demo.settings.reading import Settings, chosen_models, load_settings
from bdl_demo.stages import timed


def build(flags: argparse.Namespace, *, out: Path, images: Path, record: Path, log: Callable[[str], None]) -> dict:
    """Build the deck the flags ask for into `out` (figures into `images`); return its report."""
    started = time.perf_counter()
    with timed() as seconds:
        settings = load_settings(flags.config)
        model_ids = chosen_models(settings, flags.only, flags.config)
        cache = Cache(log=log)
        check_templates(flags.templates, compiled=cache.compiled_templates)  # a typo stops the build before any fit
        node_modules = ensure_assets(log)  # so does a missing npm
        with project_lock(cache.root, log):
            data = load_data(settings, model_ids, cache)
            fitted = fit_models(settings, data, flags.quality, cache, force=flags.force, verbose=flags.verbose,
                                progressbar=not flags.quiet and sys.stderr.isatty(), log=log)
            models = evaluate_models(fitted, cache, force=flags.force)
            report = make_report(models)
            talk = render_talk(flags.templates, deck=settings.deck, models=models, report=report,
                               compiled=cache.compiled_templates)
            figures = draw_figures(talk.figures, models, images, cache, force=flags.force,
                                   others=set(settings.models) - set(model_ids), deck=settings.deck, log=log)
            with staged_deck(out) as staging:
                pages = write_deck(staging, talk, figures, models=models, deck=settings.deck, images_dir=images,
                                   node_modules=node_modules, templates=flags.templates, cache=cache)
                write_exports(staging, out, talk, models=models, manifest=figures.manifest, images_dir=images,
                              cache=cache.root, flags=flags, log=log)
                report = report | {"figures": figures.manifest, "stage_seconds": seconds,
                                   "seconds_total": round(time.perf_counter() - started, 3)}
                write_report(report, staging / "report.json")
            record_build(record, flags, read=[flags.config, *talk.files, *pages, *data_files(settings),
                                              *pin_files(node_modules)], out=out, images=images,
                         figures=figures.manifest)
    log(f"deck: {out} ({report['seconds_total']:.1f} s in all)")
    return report


def data_files(settings: Settings) -> list[Path]:
    """The local data files the settings name (a covtype copy): a new copy means a new build."""
    return [Path(model.data_path).expanduser() for model in settings.models.values() if model.data_path]


def fitted_models(settings: Settings, quality: str, model_ids: list[str], cache: Cache,
                  **options) -> dict[str, FittedModel]:
    """Stages 2 to 4 alone: the models fitted and evaluated, as the notebook and the tests use them."""
    fitted = fit_models(settings, load_data(settings, model_ids, cache), quality, cache, **options)
    return evaluate_models(fitted, cache, force=options.get("force", False))
