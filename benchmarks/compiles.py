"""What a cold build spends compiling: PyTensor's C modules, how long g++ takes, and whether the two
fit workers ever compile at the same time.

    python benchmarks/compiles.py [--quality draft|final] [--peers ../shared/peer]

Runs `python build.py` once with an empty result cache and an empty PyTensor compile folder (both
under a scratch directory), with PyTensor's compiler set to a small shell script that runs the
real g++ and notes when each call starts and ends. PyTensor compiles a module while it holds a lock
on its compile folder, so workers that share the folder take turns; this script measures how much
of a cold build that costs. Then the same for the peers' notebooks run by nbconvert (one process),
when they are there.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LOGGING_COMPILER = """#!/bin/sh
started=$(date +%s.%N)
"{gxx}" "$@"
status=$?
case "$*" in *mod.cpp*) echo "$started $(date +%s.%N)" >> "{log}" ;; esac
exit $status
"""


def cold_run(command: list[str], cwd: Path, scratch: Path) -> tuple[float, list[tuple[float, float]]]:
    """Wall seconds of one run of `command` with empty caches under `scratch`, and each module
    compile's (start, end)."""
    gxx = shutil.which("g++")
    if gxx is None:
        sys.exit("g++ is not on PATH: PyTensor compiles its C modules with it")
    log = scratch / "compiles.log"
    compiler = scratch / "g++"
    compiler.write_text(LOGGING_COMPILER.format(gxx=gxx, log=log))
    compiler.chmod(0o755)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", BDL_DEMO_CACHE=str(scratch / "cache"),
               PYTENSOR_FLAGS=f"base_compiledir={scratch / 'pytensor'},cxx={compiler}")
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:4])} … failed:\n{(done.stderr + done.stdout)[-2000:]}")
    calls = [tuple(map(float, line.split())) for line in log.read_text().splitlines()] if log.exists() else []
    return wall, sorted(calls)


def bdl_demo(scratch: Path, quality: str) -> tuple[float, list[tuple[float, float]]]:
    return cold_run([sys.executable, str(ROOT / "build.py"), "-q", "--quality", quality,
                     "--out", str(scratch / "slides"), "--images", str(scratch / "images")], ROOT, scratch)


def nbconvert(scratch: Path, peers: Path) -> tuple[float, list[tuple[float, float]]]:
    """The same talk written by hand as notebooks (see peers.py), run by nbconvert."""
    folder = scratch / "peer"
    folder.mkdir()
    shutil.copy(peers / "make_notebooks.py", folder)
    subprocess.run([sys.executable, "make_notebooks.py"], cwd=folder, check=True, capture_output=True)
    return cold_run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "slides", "--execute", "talk.ipynb",
                     "--output-dir", str(scratch / "out")], folder, scratch)


def seconds_with_two_at_once(calls: list[tuple[float, float]]) -> float:
    """How long two or more compiles ran at the same time."""
    events = sorted([(start, 1) for start, _ in calls] + [(end, -1) for _, end in calls])
    running, overlap, previous = 0, 0.0, None
    for moment, change in events:
        if running >= 2:
            overlap += moment - previous
        running += change
        previous = moment
    return overlap


def summary(name: str, wall: float, calls: list[tuple[float, float]]) -> str:
    busy = sum(end - start for start, end in calls)
    span = calls[-1][1] - calls[0][0] if calls else 0.0
    return (f"{name}, cold {wall:.1f} s: {len(calls)} C modules compiled, {busy:.1f} s of g++ "
            f"({busy / max(len(calls), 1):.2f} s each), {seconds_with_two_at_once(calls):.1f} s of it with two "
            f"at once; the compiles span {span:.1f} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quality", default="final", choices=("draft", "final"))
    parser.add_argument("--peers", type=Path, default=ROOT.parent / "shared" / "peer",
                        help="also run the peers' talk.ipynb by nbconvert, if make_notebooks.py is there")
    args = parser.parse_args()
    runs = [("bdl_demo " + args.quality, lambda scratch: bdl_demo(scratch, args.quality))]
    if (args.peers / "make_notebooks.py").is_file():
        runs.append(("nbconvert --execute", lambda scratch: nbconvert(scratch, args.peers)))
    for name, run in runs:
        with tempfile.TemporaryDirectory() as folder:
            print(summary(name, *run(Path(folder))), flush=True)


if __name__ == "__main__":
    main()
