"""reveal.js and KaTeX, installed by npm at the versions package.json pins, copied into the deck.

package.json and package-lock.json ship inside this package, so an installed bdl_demo finds its
pins wherever it runs; npm installs them once per user (assets_home()), for every project. Only
the files the deck loads are copied, under lib/<package>/ in their own layout, so the math plugin
finds KaTeX at lib/katex/dist/… and nothing is fetched from a CDN.
"""
from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import shutil
import subprocess
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Callable

from bdl_demo.errors import UserError
from bdl_demo.files import copy_file, exclusive_lock
from bdl_demo.stages import stage

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
    return MEDIA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class AssetError(UserError):
    """The front-end assets cannot be installed; the one-line message says what to do."""


PINS = Path(__file__).parent  # package.json and package-lock.json


def assets_home() -> Path:
    """Where npm installs the pinned packages: $BDL_DEMO_ASSETS, else the user's cache folder
    (~/.cache/bdl_demo/npm-<hash of the lock file>), so a new pin gets a folder of its own."""
    if os.environ.get("BDL_DEMO_ASSETS"):
        return Path(os.environ["BDL_DEMO_ASSETS"])
    lock = hashlib.sha256((PINS / "package-lock.json").read_bytes()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "bdl_demo" / f"npm-{lock}"


@stage("assets")
def ensure_assets(log: Callable[[str], None] = lambda message: None) -> Path:
    """Return node_modules with the pinned reveal.js and KaTeX, running `npm ci` when they are
    missing: into a folder of its own, moved into place whole, one install at a time."""
    home = assets_home()
    node_modules = home / "node_modules"
    wanted = _pinned_versions()
    if _installed_versions(node_modules) == wanted:
        return node_modules
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError("reveal.js and KaTeX are not installed and npm is missing: "
                         "install Node.js with npm (e.g. apt-get install npm), then build again")
    with ExitStack() as held:
        try:  # another build may be installing them right now
            held.enter_context(exclusive_lock(home / ".install.lock"))
        except OSError as error:
            raise AssetError(f"cannot install reveal.js and KaTeX into {home}: {error.strerror}; "
                             "set BDL_DEMO_ASSETS to a writable folder") from None
        if _installed_versions(node_modules) != wanted:
            _npm_ci(npm, home, wanted, log)
    return node_modules


def _npm_ci(npm: str, home: Path, wanted: dict[str, str], log) -> None:
    """`npm ci` in a fresh folder beside `home`/node_modules, then that folder's node_modules put
    in its place: a half-finished install is never found there."""
    log(f"assets: installing reveal.js {wanted['reveal.js']} and KaTeX {wanted['katex']} (npm ci) …")
    work = Path(tempfile.mkdtemp(prefix=".npm-", dir=home))
    try:
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(PINS / name, work / name)
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=work, capture_output=True, text=True)
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip() and "warn" not in line]
            detail = lines[-1] if lines else f"exit code {done.returncode}"
            raise AssetError(f"npm ci failed in {work}: {detail}")
        if _installed_versions(work / "node_modules") != wanted:
            raise AssetError(f"npm ci did not install {wanted} into {work / 'node_modules'}")
        shutil.rmtree(home / "node_modules", ignore_errors=True)
        (work / "node_modules").rename(home / "node_modules")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def pin_files(node_modules: Path) -> list[Path]:
    """The files that say which reveal.js and KaTeX a deck gets: for the record of a build's inputs."""
    return [PINS / "package.json", PINS / "package-lock.json",
            *(node_modules / name / "package.json" for name in PACKAGES)]


def copy_assets(node_modules: Path, out_dir: Path) -> None:
    """Copy the files the deck loads into out_dir/lib/<package>/, keeping their relative paths."""
    for package, patterns in FILES.items():
        root = node_modules / package
        for pattern in patterns:
            matches = sorted(root.glob(pattern))
            if not matches:
                raise AssetError(f"{root / pattern} is missing: delete {node_modules} and build again")
            for source in matches:
                target = out_dir / "lib" / package / source.relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                copy_file(source, target)


SCRIPTS_DIR = Path(__file__).parent / "scripts"
# The deck's own behaviour, one small script per job, in the order the page loads them.
SCRIPTS = ("common.js", "linked.js", "player.js", "explore.js", "probe.js", "lines.js", "playground.js", "tables.js")


def copy_scripts(out_dir: Path) -> None:
    """Copy the deck's own scripts into out_dir/lib/bdl/."""
    target = out_dir / "lib" / "bdl"
    target.mkdir(parents=True, exist_ok=True)
    for name in SCRIPTS:
        copy_file(SCRIPTS_DIR / name, target / name)


def _pinned_versions() -> dict[str, str]:
    """The exact versions package.json asks for."""
    try:
        dependencies = json.loads((PINS / "package.json").read_text())["dependencies"]
        return {name: dependencies[name] for name in PACKAGES}
    except (OSError, ValueError, KeyError) as error:
        raise AssetError(f"{PINS / 'package.json'} does not pin {' and '.join(PACKAGES)}: "
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
