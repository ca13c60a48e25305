"""bdl_demo against its peers, side by side in one run: the same talk written by hand as notebooks,
run by nbconvert (`--execute`, everything every time) and by jupyter-cache (only what changed).

    python benchmarks/peers.py [--repeats 3] [--peers ../shared/peer] [--skip-cold]

The peers live outside the project (`../shared/peer/make_notebooks.py` writes their notebooks);
this script says so and stops if they are missing. Every case runs each tool in fresh processes
with private caches, paired and in alternating order, and reports the median wall time:

- full build: PyTensor's compile cache warm, every result cache empty;
- cold: the compile cache empty too;
- nothing changed: a second run with no edit;
- one model changed: the deep net's hidden widths (8, 8 → 9, 9, as the peers' `_mod` notebooks);
- live preview: a template saved → the new deck on disk (bdl_demo's `--serve` only).

Prints the table for README.md and writes benchmarks/peers.json.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT.parent / "shared" / "peer"


class Scratch:
    """A private folder per run: its own result caches, and a compile cache that is warm or not."""

    def __init__(self, base: Path, warm_compiledir: Path | None):
        self.dir = Path(tempfile.mkdtemp(dir=base))
        self.compiledir = warm_compiledir or self.dir / "pytensor"

    def env(self) -> dict:
        return dict(os.environ, OPENBLAS_NUM_THREADS="1", BDL_DEMO_CACHE=str(self.dir / "cache"),
                    JUPYTER_CACHE_DIR=str(self.dir / "jcache"),
                    PYTENSOR_FLAGS=f"base_compiledir={self.compiledir}")

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def timed(command: list[str], cwd: Path, env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    # jupyter-cache exits 0 when a notebook fails and lists it under "errored:"
    if done.returncode != 0 or re.search(r"^(errored|excepted):\n- ", done.stdout, re.M):
        raise SystemExit(f"{' '.join(command[:4])} … failed:\n{(done.stderr + done.stdout)[-2000:]}")
    return seconds


# --- bdl_demo ----------------------------------------------------------------------------------

def bdl_setup(scratch: Scratch) -> Path:
    config = scratch.dir / "deck.toml"
    shutil.copy(ROOT / "deck.toml", config)
    return config


def bdl_build(scratch: Scratch, config: Path) -> float:
    return timed([sys.executable, str(ROOT / "build.py"), "-q", "--quality", "final", "--config", str(config),
                  "--out", str(scratch.dir / "slides"), "--images", str(scratch.dir / "images")],
                 ROOT, scratch.env())


def widen_deep_net(config: Path) -> None:
    """The first `hidden = [a, b]` of deck.toml becomes [a + 1, b + 1] (8, 8 → 9, 9)."""
    text = config.read_text()
    match = re.search(r"hidden = \[(\d+), (\d+)\]", text)
    wider = f"hidden = [{int(match.group(1)) + 1}, {int(match.group(2)) + 1}]"
    config.write_text(text[:match.start()] + wider + text[match.end():])


def bdl_preview_edit(scratch: Scratch, config: Path) -> list[float]:
    """Seconds from saving a template to the new index.html, with `--serve` running."""
    templates = scratch.dir / "templates"
    shutil.copytree(ROOT / "templates", templates)
    out = scratch.dir / "slides"
    command = [sys.executable, str(ROOT / "build.py"), "--quality", "final", "--config", str(config),
               "--out", str(out), "--images", str(scratch.dir / "images"), "--templates", str(templates),
               "--serve", "--port", "0"]
    server = subprocess.Popen(command, cwd=ROOT, env=scratch.env(), stderr=subprocess.PIPE, text=True)
    try:
        while "serving" not in server.stderr.readline():
            pass
        times = []
        for n in range(5):
            time.sleep(1.0)
            before = (out / "index.html").stat().st_mtime_ns
            thanks = templates / "sections" / "thanks.md"
            started = time.perf_counter()
            thanks.write_text(thanks.read_text() + f"\nEdit {n}.\n")
            while not (out / "index.html").exists() or (out / "index.html").stat().st_mtime_ns == before:
                time.sleep(0.002)
            times.append(time.perf_counter() - started)
        return times
    finally:
        server.terminate()
        server.wait(30)


# --- the peers ---------------------------------------------------------------------------------

def peer_setup(scratch: Scratch, notebooks: Path) -> Path:
    folder = scratch.dir / "peer"
    shutil.copytree(notebooks, folder)
    return folder


def nbconvert(scratch: Scratch, folder: Path, notebook: str = "talk.ipynb") -> float:
    return timed([sys.executable, "-m", "jupyter", "nbconvert", "--to", "slides", "--execute", notebook,
                  "--output-dir", str(scratch.dir / "nbconvert-out")], folder, scratch.env())


def jcache(jcache_bin: Path, scratch: Scratch, folder: Path, group: str, *words: str) -> float:
    return timed([str(jcache_bin), group, "-p", str(scratch.dir / "jcache"), *words], folder, scratch.env())


def jcache_execute(jcache_bin: Path, scratch: Scratch, folder: Path) -> float:
    return jcache(jcache_bin, scratch, folder, "project", "execute")


def jcache_prepare(jcache_bin: Path, scratch: Scratch, folder: Path) -> None:
    """The four model notebooks added to a project (its folder made first: jcache would ask)."""
    (scratch.dir / "jcache").mkdir()
    jcache(jcache_bin, scratch, folder, "notebook", "add", *sorted(p.name for p in folder.glob("m_*.ipynb")
                                                                   if not p.stem.endswith("_mod")))


# --- the run -----------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peers", type=Path, default=PEERS)
    parser.add_argument("--skip-cold", action="store_true", help="leave out the cold case (the slowest)")
    args = parser.parse_args()
    if not (args.peers / "make_notebooks.py").is_file():
        print(f"the peers are missing: no {args.peers / 'make_notebooks.py'} (pass --peers DIR)", file=sys.stderr)
        return 2
    base = Path(tempfile.mkdtemp(prefix="bdl-peers-"))
    try:
        return run(args, base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def make_notebooks(peers: Path, folder: Path) -> Path:
    """The peers' notebooks, written into `folder` by their own make_notebooks.py."""
    folder.mkdir()
    shutil.copy(peers / "make_notebooks.py", folder)
    subprocess.run([sys.executable, "make_notebooks.py"], cwd=folder, check=True, capture_output=True)
    return folder


def run(args, base: Path) -> int:
    notebooks = make_notebooks(args.peers, base / "notebooks")
    jcache_bin = install_jupyter_cache(base)
    warm = base / "pytensor-warm"
    print("warming the compile cache …", file=sys.stderr)
    first = Scratch(base, warm)
    bdl_build(first, bdl_setup(first))
    nbconvert(first, peer_setup(first, notebooks))
    first.remove()

    results = {name: {"bdl_demo": [], "nbconvert": [], "jupyter-cache": []}
               for name in ("full", "cold", "noop", "one_model", "preview")}
    for repeat in range(args.repeats):
        order = ("bdl_demo", "peers") if repeat % 2 == 0 else ("peers", "bdl_demo")
        for tool in order:
            print(f"round {repeat + 1}: {tool} …", file=sys.stderr)
            if tool == "bdl_demo":
                bdl_round(results, base, warm, args.skip_cold)
            else:
                peer_round(results, base, warm, notebooks, jcache_bin, args.skip_cold)
    summary = {case: {tool: round(statistics.median(times), 2) if times else None
                      for tool, times in tools.items()} | {"runs": tools}
               for case, tools in results.items()}
    (ROOT / "benchmarks" / "peers.json").write_text(json.dumps(summary, indent=1))
    print_table(summary)
    return 0


def bdl_round(results: dict, base: Path, warm: Path, skip_cold: bool) -> None:
    scratch = Scratch(base, warm)
    config = bdl_setup(scratch)
    results["full"]["bdl_demo"].append(bdl_build(scratch, config))
    results["noop"]["bdl_demo"].append(bdl_build(scratch, config))
    widen_deep_net(config)
    results["one_model"]["bdl_demo"].append(bdl_build(scratch, config))
    results["preview"]["bdl_demo"].append(statistics.median(bdl_preview_edit(scratch, config)))
    scratch.remove()
    if not skip_cold:
        cold = Scratch(base, None)
        results["cold"]["bdl_demo"].append(bdl_build(cold, bdl_setup(cold)))
        cold.remove()


def peer_round(results: dict, base: Path, warm: Path, notebooks: Path, jcache_bin: Path | None,
               skip_cold: bool) -> None:
    scratch = Scratch(base, warm)
    folder = peer_setup(scratch, notebooks)
    results["full"]["nbconvert"].append(nbconvert(scratch, folder))
    results["noop"]["nbconvert"].append(nbconvert(scratch, folder))  # it runs everything again
    results["one_model"]["nbconvert"].append(nbconvert(scratch, folder, "talk_mod.ipynb"))
    if jcache_bin:
        jcache_prepare(jcache_bin, scratch, folder)
        jcache_execute(jcache_bin, scratch, folder)
        results["noop"]["jupyter-cache"].append(jcache_execute(jcache_bin, scratch, folder))
        shutil.copy(folder / "m_deepnet_mod.ipynb", folder / "m_deepnet.ipynb")
        results["one_model"]["jupyter-cache"].append(jcache_execute(jcache_bin, scratch, folder))
    scratch.remove()
    if not skip_cold:
        cold = Scratch(base, None)
        results["cold"]["nbconvert"].append(nbconvert(cold, peer_setup(cold, notebooks)))
        cold.remove()


def install_jupyter_cache(base: Path) -> Path | None:
    """jupyter-cache in a virtual environment of its own that sees the project's PyMC."""
    venv = base / "jcache-venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    done = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "jupyter-cache"], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"jupyter-cache could not be installed ({done.stderr.strip().splitlines()[-1:]}): "
              "its column stays empty", file=sys.stderr)
        return None
    own = venv / "bin" / "jcache"  # absent when the project's environment has jupyter-cache already
    return own if own.exists() else Path(shutil.which("jcache") or own)


ROWS = [("full", "full build, compile cache warm, result cache empty"),
        ("cold", "cold: compile cache empty too"),
        ("noop", "nothing changed"),
        ("one_model", "one model changed (deep net 8,8 → 9,9)"),
        ("preview", "live preview: template edit → new deck")]


def print_table(summary: dict) -> None:
    print("| case | bdl_demo | nbconvert `--execute` | jupyter-cache | bdl_demo / best peer |")
    print("|---|---|---|---|---|")
    for case, text in ROWS:
        row = summary[case]
        peers = [row[t] for t in ("nbconvert", "jupyter-cache") if row[t] is not None]
        ratio = f"{row['bdl_demo'] / min(peers):.2f}" if peers and row["bdl_demo"] is not None else "—"
        cells = [f"{row[t]:.2f}" if row[t] is not None else "—" for t in ("bdl_demo", "nbconvert", "jupyter-cache")]
        print(f"| {text} | {' | '.join(cells)} | {ratio} |")


if __name__ == "__main__":
    sys.exit(main())
