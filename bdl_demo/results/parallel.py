"""Work the main process does for every model or figure, spread over the machine's cores.

The workers are forked, so they start with everything this process has loaded — the libraries,
the fits, the data — and nothing has to be imported or sent to them again. (The fits themselves
run in fresh interpreters instead: see fits.py.)
"""
from __future__ import annotations

import multiprocessing
import os
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_WORK: tuple[Callable, list] | None = None  # what the forked workers inherit


def forked_map(function: Callable[[T], R], items: Iterable[T], *, per_process: int = 1) -> Iterator[R]:
    """function(item) for each item, in order: in one forked process per core when there are at
    least `per_process` items for each, else here."""
    global _WORK
    items = list(items)
    processes = min(os.cpu_count() or 1, len(items) // per_process)
    if processes < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(function, items)
        return
    _WORK = (function, items)
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            yield from pool.imap(_work_on, range(len(items)))
    finally:
        _WORK = None


def _work_on(index: int):
    function, items = _WORK
    return function(items[index])
