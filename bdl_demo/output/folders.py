"""Where the build writes: only into folders it made itself, never over a user's files.

The deck folder carries a marker file, and the images folder a manifest of the figure files the
build wrote. A folder is replaced (deck) or written to (images) only when it is empty or carries
that proof, and in the images folder only the files the manifest lists are ever overwritten or
removed; anything else — a foreign folder that is not empty, a file of the user's under a name the
build uses, a file, the project, `/` — is refused with one line before anything is touched.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bdl_demo.files import exclusive_lock, resolved
from bdl_demo.errors import UserError
from bdl_demo.results.images import IMAGES_MANIFEST

DECK_MARKER = ".bdl-demo-deck"
STAGING = ("-new-", "-old-")  # the folders beside the deck a build stages it in: .<name>-new-…


class OutputError(UserError):
    """An output folder cannot be used; nothing was written or removed."""


def check_deck_folder(out: Path, project: Path) -> Path:
    """The deck folder, resolved, if the build may replace it; else OutputError naming why."""
    return _check_folder(out, project, "--out", "the deck", DECK_MARKER)


def check_images_folder(images: Path, project: Path) -> Path:
    """The images folder, resolved, if figures may be written into it; else OutputError."""
    return _check_folder(images, project, "--images", "the figures", IMAGES_MANIFEST)


def _check_folder(path: Path, project: Path, flag: str, what: str, proof: str) -> Path:
    path = resolved(path, flag)
    _not_precious(path, project, flag)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{flag} {path} is a file, not a folder: pass a folder for {what}")
    above = next(parent for parent in path.parents if parent.exists())
    if not above.is_dir():
        raise OutputError(f"{flag} {path} is inside {above}, which is a file: pass a folder for {what}")
    try:
        entries = sorted(os.listdir(path)) if path.is_dir() else []
    except OSError as error:
        raise OutputError(f"cannot read {path}: {error.strerror}") from None
    if entries and proof not in entries:  # empty, or holding the build's own file: nothing else is proof
        more = f" and {len(entries) - 3} more" if len(entries) > 3 else ""
        raise OutputError(f"{flag} {path} is a folder bdl_demo did not make and it is not empty "
                          f"(it holds {', '.join(entries[:3])}{more}): pass a new or empty folder")
    return path


def _not_precious(path: Path, project: Path, flag: str) -> None:
    """Refuse `/`, the home folder, the project and any folder holding the project."""
    project = project.resolve()
    if path == Path(path.anchor) or path == Path.home().resolve():
        raise OutputError(f"{flag} {path} would replace a system or home folder: pass a folder of its own")
    if project == path or project.is_relative_to(path):
        raise OutputError(f"{flag} {path} holds the project {project}: pass a folder of its own, "
                          f"e.g. {project / 'slides'}")


@contextmanager
def staged_deck(out: Path):
    """Yield an empty folder beside `out` (checked by check_deck_folder), marked at once as a deck
    of the build's; on success it replaces `out`, on failure it is removed."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_dead_staging(out)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
        staging.chmod(0o755)  # mkdtemp makes it private; the deck is meant to be served
        (staging / DECK_MARKER).write_text("made by bdl_demo: the build replaces this folder\n")
    except OSError as error:
        raise OutputError(f"cannot write the deck next to {out}: {error.strerror}") from None
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out.exists() and exchange(staging, out):  # one step: there is never a moment without a deck
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the previous deck
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
    try:
        if out.exists():
            out.rename(old / out.name)
        staging.rename(out)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        if (old / out.name).exists() and not out.exists():
            (old / out.name).rename(out)
        raise OutputError(f"cannot replace {out}: {error.strerror}") from None
    finally:
        shutil.rmtree(old, ignore_errors=True)


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux's renameat2 with RENAME_EXCHANGE); False where the
    system cannot, and the caller renames twice instead."""
    libc = ctypes.CDLL(None, use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    at_cwd, rename_exchange = -100, 2
    return libc.renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), rename_exchange) == 0


def remove_dead_staging(out: Path) -> None:
    """Clear the staging folders a build that died left beside `out` — only those that prove to be
    a build's (a marked deck inside, or empty). A previous deck set aside just before the new one
    took its place goes back. Called under the build lock, so none of them is in use."""
    for folder in sorted(out.parent.glob(f".{out.name}-*")):
        kind = folder.name[len(out.name) + 1:len(out.name) + 6]
        if kind not in STAGING or not folder.is_dir() or folder.is_symlink():
            continue
        deck = folder if kind == "-new-" else folder / out.name
        if kind == "-old-" and (deck / DECK_MARKER).is_file() and not out.exists():
            deck.rename(out)
        if (deck / DECK_MARKER).is_file() or not any(folder.iterdir()):
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def project_lock(folder: Path, log):
    """Hold the project's build lock: a second build waits, saying so, until the first is done."""
    lock = folder / "build.lock"
    with ExitStack() as held:
        try:
            held.enter_context(exclusive_lock(lock, lambda: log(
                f"waiting for another build of this project to finish (lock {lock}) …")))
        except OSError as error:
            raise OutputError(f"cannot use the cache folder {folder}: {error.strerror}; "
                              "set BDL_DEMO_CACHE to a writable folder") from None
        yield
