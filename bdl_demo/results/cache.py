"""One content-addressed store for all the build computes once: data sets, fits, evaluations, figures.

An entry is filed under a key that hashes everything it depends on. Its file starts with one line
of JSON — the SHA-256 of the payload, the kind and key it was made for, and a little metadata —
followed by the payload, so every read is checked: a damaged entry, or one filed under a name that
is not its own, is reported in one line and made again, never used.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable, TypeVar

from bdl_demo.errors import UserError
from bdl_demo.files import atomic_write

LIBRARIES = ("pymc", "pytensor", "arviz", "numpy", "scikit-learn", "matplotlib")
T = TypeVar("T")


class CacheError(UserError):
    """The cache folder cannot be read or written."""


def cache_dir() -> Path:
    """Where results are kept between builds: $BDL_DEMO_CACHE, else .cache/ in the working folder."""
    return Path(os.environ.get("BDL_DEMO_CACHE", Path.cwd() / ".cache"))


def library_versions(names=LIBRARIES) -> dict[str, str]:
    """Installed versions, read from package metadata so that nothing heavy gets imported."""
    return {name: _version(name) for name in names}


@functools.cache  # a build is one process: what is installed does not change during it
def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def module_hashes(*modules: str) -> dict[str, str]:
    """Hash of each module's source file, found without importing the module."""
    return {name: _source_hash(name) for name in modules}


@functools.cache  # read once per build: every figure key hashes the same shared modules
def _source_hash(module: str) -> str:
    return hashlib.sha256(Path(importlib.util.find_spec(module).origin).read_bytes()).hexdigest()


def key_of(*parts) -> str:
    """A stable hash of JSON-serialisable parts: same inputs, same key, on any machine."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass
class Entry:
    payload: bytes
    meta: dict


class Cache:
    """Entries under root/<kind>/<key>, each checked against its own hash when read."""

    def __init__(self, root: Path | None = None, log: Callable[[str], None] = lambda message: None):
        self.root = Path(root) if root is not None else cache_dir()
        self.log = log

    @property
    def compiled_templates(self) -> Path:
        """Where Jinja keeps the templates compiled, so an unchanged one is not compiled again."""
        return self.root / "templates"

    def path(self, kind: str, key: str) -> Path:
        return self.root / kind / key

    def read(self, kind: str, key: str) -> Entry | None:
        """The entry if it is there and whole; None (with a warning if it was damaged) otherwise."""
        path = self.path(kind, key)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise CacheError(f"cannot read the cache entry {path}: {error.strerror}; fix the folder's "
                             "permissions or set BDL_DEMO_CACHE to another folder") from None
        header, _, payload = blob.partition(b"\n")
        try:
            stamp = json.loads(header)
            whole = stamp["sha256"] == hashlib.sha256(payload).hexdigest()
            made_for = stamp.get("entry")
        except (ValueError, TypeError, KeyError, AttributeError):
            whole, made_for = False, None
        if not whole:
            self.log(f"warning: damaged cache entry {kind}/{key}: making it again")
            return None
        if made_for != f"{kind}/{key}":
            self.log(f"warning: cache entry {kind}/{key} was made for {made_for or 'another key'}: making it again")
            return None
        return Entry(payload, stamp.get("meta") or {})

    def write(self, kind: str, key: str, payload: bytes, meta: dict | None = None) -> None:
        header = json.dumps({"sha256": hashlib.sha256(payload).hexdigest(), "entry": f"{kind}/{key}",
                             "meta": meta or {}})
        try:
            atomic_write(self.path(kind, key), header.encode() + b"\n" + payload)
        except OSError as error:
            raise CacheError(f"cannot write to the cache folder {self.root}: {error.strerror}; "
                             "fix its permissions or set BDL_DEMO_CACHE to another folder") from None

    def load(self, kind: str, key: str, decode: Callable[[bytes], T]) -> T | None:
        """The value under (kind, key), decoded; None (with a warning if it was damaged or
        unreadable) if there is none to use."""
        entry = self.read(kind, key)
        try:
            return decode(entry.payload) if entry else None
        except Exception as error:  # whole but unreadable: written by another version
            self.log(f"warning: unreadable cache entry {kind}/{key} ({type(error).__name__}): making it again")
            return None

    def fetch(self, kind: str, key: str, make: Callable[[], T], *, encode: Callable[[T], bytes],
              decode: Callable[[bytes], T]) -> tuple[T, bool]:
        """The cached value under (kind, key), or make() it and store it; and whether it was cached."""
        cached = self.load(kind, key, decode)
        if cached is not None:
            return cached, True
        value = make()
        self.write(kind, key, encode(value))
        return value, False
