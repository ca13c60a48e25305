"""Where a whole build's time goes: one build in a fresh process with empty result caches, then
its seconds by stage and by fit, read from the report.json it wrote.

    python benchmarks/stages.py [--quality final|draft] [--cold]

`--cold` empties PyTensor's compile cache too (a private one, so the user's stays). Prints two
Markdown tables for README.md and writes benchmarks/stages-<quality>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def profile(quality: str, cold: bool) -> dict:
    """Build once into a scratch folder; the report's timings, the wall and the CPU seconds."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        env = dict(os.environ, BDL_DEMO_CACHE=str(scratch / "cache"), OPENBLAS_NUM_THREADS="1")
        if cold:
            env["PYTENSOR_FLAGS"] = f"base_compiledir={scratch / 'pytensor'}"
        started, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, str(ROOT / "build.py"), "-q", "--quality", quality,
                        "--out", str(scratch / "slides"), "--images", str(scratch / "images")],
                       cwd=ROOT, env=env, check=True)
        wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
        report = json.loads((scratch / "slides" / "report.json").read_text())
    fits = {f"{model} ({method['method']})": method["seconds"]
            for model, fit in report["fits"].items() for method in fit["methods"].values()}
    return {"quality": quality, "cold": cold, "wall": wall,
            "cpu": (after.ru_utime + after.ru_stime) - (cpu.ru_utime + cpu.ru_stime),
            "stages": report["stage_seconds"], "fits": fits,
            "figures_drawn": sum(not f["cached"] for f in report["figures"].values()),
            "figure_seconds": sum(f["seconds"] for f in report["figures"].values())}


def tables(result: dict) -> str:
    stages = "\n".join(f"| {name} | {seconds:.2f} |" for name, seconds in result["stages"].items())
    fits = "\n".join(f"| {name} | {seconds:.1f} |"
                     for name, seconds in sorted(result["fits"].items(), key=lambda item: -item[1]))
    return (f"build ({result['quality']}, compile cache {'empty' if result['cold'] else 'warm'}): "
            f"{result['wall']:.1f} s wall, {result['cpu']:.1f} s CPU; "
            f"{result['figures_drawn']} figures in {result['figure_seconds']:.1f} s of work\n\n"
            f"| stage | seconds (wall) |\n|---|---|\n{stages}\n\n"
            f"| fit | seconds (in its worker) |\n|---|---|\n{fits}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", choices=("draft", "final"), default="final")
    parser.add_argument("--cold", action="store_true", help="empty PyTensor compile cache too")
    args = parser.parse_args()
    result = profile(args.quality, args.cold)
    print(tables(result))
    name = f"stages-{args.quality}{'-cold' if args.cold else ''}.json"
    (ROOT / "benchmarks" / name).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
