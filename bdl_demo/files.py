"""Reading and writing files safely: an input is a regular file of bounded size, and a reader of
an output sees the old file or the whole new one, never half of it."""
from __future__ import annotations

import fcntl
import os
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from bdl_demo.errors import UserError

MAX_INPUT_BYTES = 1_000_000  # a settings file or a template: deck.toml is 2 kB, the largest template 9 kB


class InputError(UserError):
    """An input file cannot be read as one."""


def read_input(path: Path, what: str, fix: str) -> bytes:
    """The bytes of `path`, an input such as "settings file" or "template", refused as check_input
    says; `fix` is the advice the one-line error ends with."""
    check_input(path, what, fix)
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        raise InputError(f"cannot read {what} {path}: {error.strerror or error}; {fix}") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{what} {path} is larger than {MAX_INPUT_BYTES:,} bytes, the limit for one; {fix}")
    return data


def check_input(path: Path, what: str, fix: str) -> None:
    """Refuse, without opening it, an input that is not a regular file of at most MAX_INPUT_BYTES:
    opening a pipe waits for a writer, and a device never ends."""
    try:
        info = os.stat(path)
    except OSError as error:
        raise InputError(f"cannot read {what} {path}: {error.strerror or error}; {fix}") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{what} {path} is not a regular file; {fix}")
    if info.st_size > MAX_INPUT_BYTES:
        raise InputError(f"{what} {path} is larger than {MAX_INPUT_BYTES:,} bytes, the limit for one; {fix}")


def resolved(path: Path, what: str) -> Path:
    """The absolute path, symlinks followed; a symlink loop is an InputError naming `what`."""
    try:
        return Path(path).expanduser().resolve()
    except (OSError, RuntimeError) as error:  # RuntimeError: a symlink loop (Python 3.11)
        raise InputError(f"{what} {path} cannot be resolved ({error}); pass a path that leads to a "
                         "file or folder") from None


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        mask = os.umask(0)  # the only way to read the umask is to set it
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)  # mkstemp makes 0600; a web server must read it
        os.replace(temporary, path)
    except OSError as error:  # a full disk: name the file being written, not the temporary one
        Path(temporary).unlink(missing_ok=True)
        raise OSError(error.errno, error.strerror, str(path)) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def copy_file(source: Path, target: Path) -> None:
    """shutil.copyfile, whose error on a full disk names the file written to (not the one read)."""
    try:
        shutil.copyfile(source, target)
    except OSError as error:
        unreadable = not os.access(source, os.R_OK)
        raise OSError(error.errno, error.strerror, str(source if unreadable else target)) from None


@contextmanager
def exclusive_lock(path: Path, waiting: Callable[[], None] = lambda: None):
    """Hold an exclusive lock on the file at `path` (made, with its folder, if missing) for the
    block; if another process holds it, call `waiting()` and wait. OSError if it cannot be made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
