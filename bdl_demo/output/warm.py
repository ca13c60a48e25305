"""A preview rebuild started ahead of the save that will run it.

    python -m bdl_demo.output.warm MODULE ARGS…

Python starts and imports what a build uses while the user is still editing, then waits for a
line "go" on its standard input and runs `python -m MODULE ARGS…` (MODULE bdl_demo: the build).
If any of bdl_demo's own files changed since it started importing them, it forgets
bdl_demo's modules first, so an edit to the project's code applies; for an edit to a template or
deck.toml the modules stay as loaded. The libraries (NumPy, Jinja2, markdown-it, Pygments with its
lexer compiled) stay loaded either way. End of input instead of "go" (the preview stopped) exits
quietly.
"""
from __future__ import annotations

import importlib
import runpy
import sys

from bdl_demo.output.record import source_files

PACKAGE = "bdl_demo"
PRELOAD = ("bdl_demo.cli", "bdl_demo.pipeline")


def source_stamps() -> dict[str, int]:
    """Each of bdl_demo's own files (the ones a build records as its code) with its modification time."""
    return {str(path): path.stat().st_mtime_ns for path in source_files()}


def preload() -> dict[str, int] | None:
    """Import the build's modules; return the source stamps from just before, or None if the
    import failed (half-edited code: the build itself will say what is wrong)."""
    stamps = source_stamps()
    try:
        for name in PRELOAD:
            importlib.import_module(name)
        from bdl_demo.deck.listing import highlight
        highlight("pass")  # Pygments compiles a lexer's rules on first use, once per process
    except Exception:  # noqa: BLE001
        return None
    return stamps


def forget_project_code() -> None:
    """Drop bdl_demo's modules, so that the build imports them afresh from the files."""
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


def main() -> int:
    module, *args = sys.argv[1:]
    try:
        stamps = preload()
        if sys.stdin.readline().strip() != "go":
            return 0
    except KeyboardInterrupt:  # Ctrl-C on the preview while this one waited
        return 130
    if stamps is None or stamps != source_stamps():
        forget_project_code()
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
