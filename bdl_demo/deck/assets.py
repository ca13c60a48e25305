"""reveal.js and KaTeX, installed by npm at the versions package.json pins, copied into the deck.

Only the files the deck loads are copied, under lib/<package>/ with their own relative layout,
so the math plugin finds KaTeX at lib/katex/dist/… and nothing is fetched from a CDN.
"""
from __future__ import annotations

import json
import mimetypes
import shutil
import subprocess
from pathlib import Path
from typing import Callable

from bdl_demo.errors import BuildError
from bdl_demo.files import copy_file

PACKAGES = ("reveal.js", "katex")

# What index.html loads; KaTeX's CSS lists woff2 first, which every current browser takes.
FILES = {
    "reveal.js": ("dist/reset.css", "dist/reveal.css", "dist/theme/white.css", "dist/reveal.js",
                  "dist/plugin/math.js", "dist/plugin/notes.js"),
    "katex": ("dist/katex.min.css", "dist/katex.min.js", "dist/contrib/auto-render.min.js",
              "dist/fonts/*.woff2"),
}

MEDIA_TYPES = {  # the files a deck holds; text types say their encoding
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".pdf": "application/pdf",
    ".ipynb": "application/json",
}


def media_type(path: Path) -> str:
    """The media type of a file in the deck, by its suffix: for serving it or a data: URI."""
    known = MEDIA_TYPES.get(path.suffix.lower())
    return known or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class AssetError(BuildError):
    """The front-end assets cannot be installed; the one-line message says what to do."""


def ensure_assets(project_root: Path, log: Callable[[str], None] = lambda message: None) -> Path:
    """Return node_modules with the pinned reveal.js and KaTeX, running npm when they are missing."""
    node_modules = project_root / "node_modules"
    wanted = _pinned_versions(project_root)
    if _installed_versions(node_modules) == wanted:
        return node_modules
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError("reveal.js and KaTeX are not installed and npm is missing: "
                         "install Node.js with npm (e.g. apt-get install npm), then build again")
    has_lock = (project_root / "package-lock.json").is_file()
    command = [npm, "ci" if has_lock else "install", "--no-audit", "--no-fund"]
    log(f"assets: installing reveal.js {wanted['reveal.js']} and KaTeX {wanted['katex']} "
        f"(npm {command[1]}) …")
    done = subprocess.run(command, cwd=project_root, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip() and "warn" not in line]
        detail = lines[-1] if lines else f"exit code {done.returncode}"
        raise AssetError(f"npm {command[1]} failed in {project_root}: {detail}")
    if _installed_versions(node_modules) != wanted:
        raise AssetError(f"npm {command[1]} did not install {wanted} into {node_modules}")
    return node_modules


def copy_assets(node_modules: Path, out_dir: Path) -> None:
    """Copy the files the deck loads into out_dir/lib/<package>/, keeping their relative paths."""
    for package, patterns in FILES.items():
        root = node_modules / package
        for pattern in patterns:
            matches = sorted(root.glob(pattern))
            if not matches:
                raise AssetError(f"{root / pattern} is missing: delete node_modules and build again")
            for source in matches:
                target = out_dir / "lib" / package / source.relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                copy_file(source, target)


SCRIPTS_DIR = Path(__file__).parent / "scripts"
# The deck's own behaviour, one small script per job, in the order the page loads them.
SCRIPTS = ("common.js", "linked.js", "player.js", "explore.js", "probe.js")


def copy_scripts(out_dir: Path) -> None:
    """Copy the deck's own scripts into out_dir/lib/bdl/."""
    target = out_dir / "lib" / "bdl"
    target.mkdir(parents=True, exist_ok=True)
    for name in SCRIPTS:
        copy_file(SCRIPTS_DIR / name, target / name)


def _pinned_versions(project_root: Path) -> dict[str, str]:
    """The exact versions package.json asks for."""
    try:
        dependencies = json.loads((project_root / "package.json").read_text())["dependencies"]
        return {name: dependencies[name] for name in PACKAGES}
    except (OSError, ValueError, KeyError) as error:
        raise AssetError(f"{project_root / 'package.json'} does not pin {' and '.join(PACKAGES)}: "
                         f"{error}") from None


def _installed_versions(node_modules: Path) -> dict[str, str | None]:
    """The versions found in node_modules, None for a package that is absent or unreadable."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = json.loads((node_modules / name / "package.json").read_text())["version"]
        except (OSError, ValueError, KeyError):
            versions[name] = None
    return versions
