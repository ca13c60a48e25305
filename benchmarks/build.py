"""Benchmark whole builds: cold (empty caches), no-op rebuild, forced rebuild, deep-net-only change.

    python benchmarks/build.py [--quality draft|final] [--repeats 3]

Each build is `python build.py` in a fresh process, with its own fit/figure cache and PyTensor
compile folder under a scratch directory, so the user's caches are neither used nor touched.
Prints medians for README.md and writes benchmarks/build-<quality>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(scratch: Path, quality: str, config: Path, *extra: str) -> float:
    env = dict(os.environ, BDL_DEMO_CACHE=str(scratch / "cache"),
               PYTENSOR_FLAGS=f"base_compiledir={scratch / 'pytensor'}")
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "build.py"), "-q", "--quality", quality,
                    "--config", str(config), "--out", str(scratch / "slides"),
                    "--images", str(scratch / "images"), *extra], env=env, check=True)
    return time.perf_counter() - started


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def one_round(quality: str) -> dict:
    with tempfile.TemporaryDirectory() as name:
        scratch = Path(name)
        config = scratch / "deck.toml"
        shutil.copy(ROOT / "deck.toml", config)
        result = {"cold": build(scratch, quality, config)}
        result["noop"] = build(scratch, quality, config)
        result["forced"] = build(scratch, quality, config, "--force")
        text = config.read_text()
        config.write_text(text.replace("hidden = [8, 8]", "hidden = [8, 6]", 1))
        result["deepnet_change"] = build(scratch, quality, config)
        report = json.loads((scratch / "slides" / "report.json").read_text())
        result["deepnet_fit_s"] = report["fits"]["deepnet"]["seconds"]
        result["refitted"] = sorted(m for m, f in report["fits"].items() if not f["cached"])
        result["redrawn"] = sorted(i for i, f in report["figures"].items() if not f["cached"])
        result["slides_bytes"] = folder_size(scratch / "slides")
        result["images_bytes"] = folder_size(scratch / "images")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quality", default="final", choices=("draft", "final"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rounds = [one_round(args.quality) for _ in range(args.repeats)]
    median = {k: statistics.median(r[k] for r in rounds)
              for k in ("cold", "noop", "forced", "deepnet_change", "deepnet_fit_s")}
    summary = {"quality": args.quality, "repeats": args.repeats, "median_s": median,
               "rounds": rounds}
    (ROOT / "benchmarks" / f"build-{args.quality}.json").write_text(json.dumps(summary, indent=2))
    last = rounds[-1]
    print(f"{args.quality}, median of {args.repeats}: cold build {median['cold']:.1f} s; "
          f"no-op rebuild {median['noop']:.2f} s ({100 * median['noop'] / median['forced']:.1f} % of a "
          f"forced build, {median['forced']:.1f} s); deep-net-only change {median['deepnet_change']:.1f} s "
          f"(its fit {median['deepnet_fit_s']:.1f} s); refitted {last['refitted']}; "
          f"redrawn {len(last['redrawn'])} figures; slides/ {last['slides_bytes'] / 1e6:.2f} MB, "
          f"images/ {last['images_bytes'] / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
