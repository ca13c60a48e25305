"""A preview rebuild started ahead of the save that will run it.

    python bdl_demo/build/warm.py build.py ARGS…

Python starts and imports what a build uses while the user is still editing; the process then
waits for a line "go" on its standard input and runs `build.py ARGS…`. Before it does, it forgets
bdl_demo's own modules, so the build imports them afresh and an edit to the project's code still
applies; the libraries (NumPy, Jinja2, markdown-it, Pygments with its lexer compiled) stay
loaded. End of input instead of "go" — the preview stopped — exits quietly.
"""
from __future__ import annotations

import importlib
import os
import runpy
import sys

PRELOAD = ("bdl_demo.build.cli", "bdl_demo.build.settings", "bdl_demo.build.fitting",
           "bdl_demo.build.report", "bdl_demo.deck.talk", "bdl_demo.deck.html", "bdl_demo.deck.reader",
           "bdl_demo.deck.inline")


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
    script, *args = sys.argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))  # as `python build.py` would have it
    try:
        preload()
        if sys.stdin.readline().strip() != "go":
            return 0
    except KeyboardInterrupt:  # Ctrl-C on the preview while this one waited
        return 130
    sys.argv = [script, *args]
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
