"""Benchmark the fits: cold (empty PyTensor compile cache, empty fit cache), warm, and cached.

    python benchmarks/fits.py [--quality draft|final] [--only MODEL ...]

Each pass runs in a fresh Python process, as a user's build would. Prints a Markdown table
for README.md and writes benchmarks/fits-<quality>.json.
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

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
from bdl_demo.results.cache import Cache
from bdl_demo.pipeline import fitted_models
from bdl_demo.results.report import fit_summary
from bdl_demo.settings.reading import load_settings
settings = load_settings({config!r})
start = time.perf_counter()
models = fitted_models(settings, {quality!r}, {models!r} or list(settings.models), Cache(), force={force},
                 log=lambda m: None)
total = time.perf_counter() - start
summaries = {{m: fit_summary(fm) for m, fm in models.items()}}
print(json.dumps({{"total": total, "fits": summaries}}))
"""


def run_pass(quality, models, compiledir, cache, force):
    env = dict(os.environ, BDL_DEMO_CACHE=str(cache), OPENBLAS_NUM_THREADS="1",
               PYTENSOR_FLAGS=f"base_compiledir={compiledir}")
    code = CHILD.format(config=str(ROOT / "deck.toml"), quality=quality, models=models, force=force)
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - started
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quality", default="draft", choices=("draft", "final"))
    parser.add_argument("--only", nargs="+", default=[], help="model ids (default: all of deck.toml)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        compiledir, cache = Path(scratch, "pytensor"), Path(scratch, "cache")
        cold = run_pass(args.quality, args.only, compiledir, cache, force=True)
        warm = run_pass(args.quality, args.only, compiledir, cache, force=True)
        cached = run_pass(args.quality, args.only, compiledir, cache, force=False)
    rows = []
    for model in cold["fits"]:
        c, w = cold["fits"][model], warm["fits"][model]
        exact = c.get("exact_check", {})
        rows.append({
            "model": model, "method": c["method"], "cold_s": round(c["seconds"], 1),
            "warm_s": round(w["seconds"], 1), "test_accuracy": c.get("test_accuracy"),
            "test_accuracy_map": c.get("test_accuracy_map"),
            "exact_mean_err_sd": exact.get("max_mean_error_in_sd"),
            "exact_sd_rel_err": exact.get("max_sd_rel_error"), "diagnostics": c["diagnostics"],
        })
    summary = {"quality": args.quality, "rows": rows,
               "cold_total_s": round(cold["total"], 1), "warm_total_s": round(warm["total"], 1),
               "cached_total_s": round(cached["total"], 2),
               "cached_process_s": round(cached["wall"], 2)}
    (ROOT / "benchmarks" / f"fits-{args.quality}.json").write_text(json.dumps(summary, indent=2))
    print("| model | method | cold s | warm s | test acc (posterior / MAP) | exact check |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        acc = "—" if r["test_accuracy"] is None else f"{r['test_accuracy']:.3f} / {r['test_accuracy_map']:.3f}"
        exact = "—" if r["exact_mean_err_sd"] is None else (
            f"mean {r['exact_mean_err_sd']:.3f} sd, sd {100 * r['exact_sd_rel_err']:.1f} %")
        print(f"| {r['model']} | {r['method']} | {r['cold_s']} | {r['warm_s']} | {acc} | {exact} |")
    print(f"\n{args.quality}: all fits cold {summary['cold_total_s']} s, warm {summary['warm_total_s']} s, "
          f"loaded from cache {summary['cached_total_s']} s (process {summary['cached_process_s']} s)")


if __name__ == "__main__":
    main()
