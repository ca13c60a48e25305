"""Benchmark: draw every figure from cached fits, then rebuild with nothing changed.

    python benchmarks/figures.py [--quality draft|final]

Targets (2 cores): drawing all figures ≤ 20 s, all figures together ≤ 3 MB, and the figure
stage of a rebuild with nothing changed ≤ 3 s without importing matplotlib or PyMC (the time
to load the cached fits before it is reported too).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DRAW_TARGET_S, SIZE_TARGET_B, NOOP_TARGET_S = 20.0, 3_000_000, 3.0

NOOP_BUILD = """
import json, os, sys, time
started = time.perf_counter()
sys.path.insert(0, {root!r})
from pathlib import Path
from bdl_demo.results.cache import Cache
from bdl_demo.results.figures import draw_figures
from bdl_demo.pipeline import fitted_models
from bdl_demo.settings.reading import load_settings
settings = load_settings(Path({root!r}) / "deck.toml")
models = fitted_models(settings, {quality!r}, list(settings.models), Cache(), log=lambda m: None)
loaded = time.perf_counter()
manifest = draw_figures({figure_ids!r}, models, Path({images!r}), Cache(Path({figure_cache!r})),
                        log=lambda m: None).manifest
print(json.dumps({{"seconds": time.perf_counter() - loaded, "load_seconds": loaded - started,
                  "all_cached": all(e["cached"] for e in manifest.values()),
                  "heavy": [m for m in ("matplotlib", "pymc") if m in sys.modules]}}))
"""


def load_models(quality: str):
    """The fitted models from the project's cache (fitting any that are missing), and the ids of
    the figures the talk asks for."""
    from bdl_demo.results.cache import Cache
    from bdl_demo.pipeline import fitted_models
    from bdl_demo.results.report import make_report
    from bdl_demo.settings.reading import load_settings
    from bdl_demo.deck.talk import render_talk

    settings = load_settings(ROOT / "deck.toml")
    models = fitted_models(settings, quality, list(settings.models), Cache(), log=lambda m: None)
    talk = render_talk(ROOT / "templates", deck=settings.deck, models=models, report=make_report(models))
    return models, talk.figures


def main() -> int:
    """Run both builds, print a table and a JSON summary; exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", default="draft", choices=["draft", "final"])
    quality = parser.parse_args().quality
    models, figure_ids = load_models(quality)

    from bdl_demo.results.cache import Cache
    from bdl_demo.results.figures import draw_figures

    with tempfile.TemporaryDirectory() as scratch:
        figure_cache, images = Path(scratch) / "cache", Path(scratch) / "images"
        started = time.perf_counter()
        manifest = draw_figures(figure_ids, models, images, Cache(figure_cache), force=True, log=lambda m: None).manifest
        draw_seconds = time.perf_counter() - started
        sizes = {figure_id: (images / entry["file"]).stat().st_size for figure_id, entry in manifest.items()}
        code = NOOP_BUILD.format(root=str(ROOT), quality=quality, figure_cache=str(figure_cache),
                                 images=str(images), figure_ids=figure_ids)
        env = dict(os.environ)
        noop = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                         check=True, cwd=ROOT, env=env).stdout.strip().splitlines()[-1])

    for figure_id, entry in sorted(manifest.items(), key=lambda item: -item[1]["seconds"]):
        print(f"{figure_id:28s} {entry['seconds']:6.2f} s {sizes[figure_id] / 1024:8.1f} kB")
    total_size = sum(sizes.values())
    checks = {
        f"draw all {len(manifest)} figures: {draw_seconds:.1f} s (≤ {DRAW_TARGET_S:g})": draw_seconds <= DRAW_TARGET_S,
        f"total size: {total_size / 1e6:.2f} MB (≤ 3)": total_size <= SIZE_TARGET_B,
        f"no-op figure stage: {noop['seconds']:.2f} s (≤ {NOOP_TARGET_S:g}; loading the cached fits "
        f"before it: {noop['load_seconds']:.2f} s), all cached: {noop['all_cached']}, "
        f"heavy imports: {noop['heavy'] or 'none'}":
            noop["seconds"] <= NOOP_TARGET_S and noop["all_cached"] and not noop["heavy"],
    }
    for text, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    print(json.dumps({"figures": len(manifest), "draw_seconds": round(draw_seconds, 2),
                      "total_bytes": total_size, "noop_seconds": round(noop["seconds"], 2),
                      "noop_load_fits_seconds": round(noop["load_seconds"], 2)}))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
