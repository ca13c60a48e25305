"""A preview rebuild started ahead of the save that will run it.

    python -m bdl_demo.output.warm MODULE ARGS…

Python starts and imports what a build uses while the user is still editing, then waits for a
line "go" on its standard input and runs `python -m MODULE ARGS…` (MODULE bdl_demo: the build).
First it forgets bdl_demo's own modules, so an edit to the project's code still applies; the
libraries (NumPy, Jinja2, markdown-it, Pygments with its lexer compiled) stay loaded. End of
input instead of "go" (the preview stopped) exits quietly.
"""
from __future__ import annotations

import importlib
import runpy
import sys

PRELOAD = ("bdl_demo.cli", "bdl_demo.pipeline")


def preload() -> None:
    """Import the build's modules, then drop bdl_demo's own: only the libraries' work is kept."""
    try:
        for name in PRELOAD:
            importlib.import_module(name)
        from bdl_demo.deck.listing import highlight
        highlight("pass")  # Pygments compiles a lexer's rules on first use, once per process
    except Exception:  # noqa: BLE001 - half-edited code: the build itself will say what is wrong
        pass
    for name in [name for name in sys.modules if name.split(".")[0] == "bdl_demo"]:
        del sys.modules[name]


def main() -> int:
    module, *args = sys.argv[1:]
    try:
        preload()
        if sys.stdin.readline().strip() != "go":
            return 0
    except KeyboardInterrupt:  # Ctrl-C on the preview while this one waited
        return 130
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
