"""How long each stage of a build takes, measured where the stage is defined.

A stage function is marked `@stage("fits")`; inside `timed()` the seconds of every marked call are
added up under its name, so the build function itself stays one line per stage.
"""
from __future__ import annotations

import functools
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator

_seconds: ContextVar[dict[str, float] | None] = ContextVar("stage_seconds", default=None)


def stage(name: str) -> Callable:
    """Mark a function as the stage `name`: its calls are timed inside `timed()`."""
    def mark(function: Callable) -> Callable:
        @functools.wraps(function)
        def timed_call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds = _seconds.get()
                if seconds is not None:
                    seconds[name] = round(seconds.get(name, 0.0) + time.perf_counter() - started, 3)
        return timed_call
    return mark


@contextmanager
def timed() -> Iterator[dict[str, float]]:
    """Collect the seconds of the stages run inside the block, by stage, in the order they ran."""
    seconds: dict[str, float] = {}
    token = _seconds.set(seconds)
    try:
        yield seconds
    finally:
        _seconds.reset(token)
