"""Content-addressed cache: a result is stored under a hash of everything it depends on.

Used for fits and figures alike. Writes are atomic (temporary file, then rename), so an
interrupted build never leaves a half-written entry under a valid name.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path

LIBRARIES = ("pymc", "pytensor", "arviz", "numpy", "scikit-learn", "matplotlib")


def library_versions(names=LIBRARIES) -> dict[str, str]:
    """Installed versions, read from package metadata so that nothing heavy gets imported."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def source_of(*modules: str) -> dict[str, str]:
    """Hash of each module's source file, found without importing the module."""
    import importlib.util

    hashes = {}
    for name in modules:
        spec = importlib.util.find_spec(name)
        path = Path(spec.origin)
        hashes[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def source_of_function(function) -> str:
    """Hash of one function's source, so editing one figure redraws only that figure."""
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def key_of(*parts) -> str:
    """A stable hash of JSON-serialisable parts: same inputs, same key, on any machine."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; a web server must read it
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def cache_dir() -> Path:
    """Where fits and figures are kept between builds: $BDL_DEMO_CACHE, else .cache/ in the project."""
    return Path(os.environ.get("BDL_DEMO_CACHE", Path.cwd() / ".cache"))
