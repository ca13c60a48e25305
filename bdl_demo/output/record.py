"""What a build read and wrote, recorded so the next build can tell at once that nothing changed,
and the preview can watch exactly those files.

The record lists every input file with its size, modification time and SHA-256, the flags and
library versions, and the outputs as written. A file whose size and time are unchanged is not
read again; one whose time moved but whose bytes are the same still counts as unchanged. Only the
standard library is imported here: deciding "nothing changed" must cost start-up time only.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path

from bdl_demo.files import atomic_write, resolved
from bdl_demo.results.cache import cache_dir, library_versions

PACKAGE = Path(__file__).resolve().parent.parent  # bdl_demo/: any of its modules may run in a build
LIBRARIES = ("pymc", "pytensor", "arviz", "numpy", "scikit-learn", "matplotlib", "jinja2",
             "markdown-it-py", "mdit-py-plugins", "pygments")


def source_files() -> list[Path]:
    """The project's own Python modules and the deck's own scripts."""
    return sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.js")])


def record_path(cache_root: Path, out: Path) -> Path:
    """Where the record of the last build into `out` is kept."""
    return Path(cache_root) / "builds" / (hashlib.sha256(str(out).encode()).hexdigest()[:16] + ".json")


def stamp(path: Path) -> list | None:
    """[size, mtime_ns, sha256] of a file, None if it is missing."""
    try:
        stat = path.stat()
        return [stat.st_size, stat.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()]
    except OSError:
        return None


def same(path: Path, recorded: list | None) -> bool:
    """Whether a file is as recorded: by size and time, or else by its bytes."""
    try:
        stat = path.stat()
    except OSError:
        return recorded is None
    if recorded is None or stat.st_size != recorded[0]:
        return False
    if stat.st_mtime_ns == recorded[1]:
        return True
    return hashlib.sha256(path.read_bytes()).hexdigest() == recorded[2]


def build_flags(args: argparse.Namespace, out: Path, images: Path) -> dict:
    """What decides a build's result besides its input files: the same flags, the same deck."""
    return {"quality": args.quality, "only": args.only, "out": str(out), "images": str(images),
            "config": str(resolved(args.config, "--config")), "templates": str(resolved(args.templates, "--templates")),
            "exports": [args.pdf, args.pdf_notes, args.single_file, args.notebook],
            "cache": str(resolved(cache_dir(), "BDL_DEMO_CACHE"))}


def record_build(path: Path, args: argparse.Namespace, *, read: list[Path], out: Path, images: Path,
                 figures: dict[str, dict]) -> None:
    """Note what the build read (and the project's own code) and wrote: the deck and the figures
    (called once the new deck is in place)."""
    inputs = [Path(p).resolve() for p in read] + source_files()
    outputs = [Path(root, name) for root, _, names in os.walk(out) for name in names]
    outputs += [images / entry["file"] for entry in figures.values()]
    record = {"flags": build_flags(args, out, images), "libraries": library_versions(LIBRARIES),
              "inputs": {str(p): stamp(p) for p in sorted(set(inputs))},
              "outputs": {str(p): stamp(p) for p in sorted(set(outputs))}}
    atomic_write(path, json.dumps(record, indent=1).encode())


def unchanged(path: Path, flags: dict) -> bool:
    """Whether a build with these flags would make exactly what the recorded build made."""
    try:
        record = json.loads(path.read_text())
        files = {**record["inputs"], **record["outputs"]}
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if record.get("flags") != flags or record.get("libraries") != library_versions(LIBRARIES):
        return False
    return all(same(Path(name), recorded) for name, recorded in files.items())


def recorded_inputs(path: Path) -> list[Path]:
    """The input files of the recorded build (for the preview to watch); empty if there is none."""
    try:
        return [Path(name) for name in json.loads(path.read_text())["inputs"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []
