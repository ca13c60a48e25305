"""What a cold build spends compiling: PyTensor's C modules, how long g++ takes, and whether the two
fit workers ever compile at the same time.

    python benchmarks/compiles.py [--peers ../shared/peer]

Runs a cold `final` build (result caches and PyTensor's compile folder empty, as peers.py's cold
case) with PyTensor's compiler set to a small shell script that runs the real g++ and notes when
each module's compile starts and ends. PyTensor compiles a module while it holds a lock on its
compile folder, so workers that share the folder take turns; this script measures how much of a
cold build that costs. Then the same for the peers' notebooks run by nbconvert (one process),
when they are there.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from peers import PEERS, Scratch, bdl_build, bdl_setup, make_notebooks, nbconvert, peer_setup

LOGGING_COMPILER = """#!/bin/sh
started=$(date +%s.%N)
"{gxx}" "$@"
status=$?
case "$*" in *mod.cpp*) echo "$started $(date +%s.%N)" >> "{log}" ;; esac
exit $status
"""


class LoggedCompiles(Scratch):
    """A cold scratch folder whose PyTensor compiles with a g++ that notes each module's compile."""

    def __init__(self, base: Path, gxx: str):
        super().__init__(base, None)
        self.log = self.dir / "compiles.log"
        self.compiler = self.dir / "g++"
        self.compiler.write_text(LOGGING_COMPILER.format(gxx=gxx, log=self.log))
        self.compiler.chmod(0o755)

    def env(self) -> dict:
        env = super().env()
        env["PYTENSOR_FLAGS"] += f",cxx={self.compiler}"
        return env

    def calls(self) -> list[tuple[float, float]]:
        """Each module compile's (start, end), in the order they started."""
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        return sorted(tuple(map(float, line.split())) for line in lines)


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
    span = max(end for _, end in calls) - calls[0][0] if calls else 0.0
    return (f"{name}, cold {wall:.1f} s: {len(calls)} C modules compiled, {busy:.1f} s of g++ "
            f"({busy / max(len(calls), 1):.2f} s each), {seconds_with_two_at_once(calls):.1f} s of it with two "
            f"at once; the compiles span {span:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", type=Path, default=PEERS,
                        help="also run the peers' talk.ipynb by nbconvert, if make_notebooks.py is there")
    args = parser.parse_args()
    gxx = shutil.which("g++")
    if gxx is None:
        print("g++ is not on PATH: PyTensor compiles its C modules with it", file=sys.stderr)
        return 2
    base = Path(tempfile.mkdtemp(prefix="bdl-compiles-"))
    try:
        scratch = LoggedCompiles(base, gxx)
        print(summary("bdl_demo final", bdl_build(scratch, bdl_setup(scratch)), scratch.calls()), flush=True)
        if (args.peers / "make_notebooks.py").is_file():
            notebooks = make_notebooks(args.peers, base / "notebooks")
            scratch = LoggedCompiles(base, gxx)
            print(summary("nbconvert --execute", nbconvert(scratch, peer_setup(scratch, notebooks)),
                          scratch.calls()))
        return 0
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
