"""Code listings for the slides, cut from the real source of bdl_demo at build time.

The source is read with `ast` rather than `inspect`, so showing `bdl_demo.models` on a slide
does not import PyMC (a no-op rebuild must stay fast).
"""
from __future__ import annotations

import ast
import importlib.util
import textwrap
from pathlib import Path

from markupsafe import Markup
from pygments import highlight as pygmentize
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

STYLE = "friendly"  # light, to sit on the white theme


def source_text(module: str, *qualnames: str) -> str:
    """The source text of the functions or classes `qualnames` (e.g. "Network.forward") in
    `module`, one after another with a blank line between."""
    return "\n\n".join(_source_of(module, qualname) for qualname in qualnames)


def _source_of(module: str, qualname: str) -> str:
    path = Path(importlib.util.find_spec(module).origin)
    text = path.read_text()
    node = ast.parse(text)
    for name in qualname.split("."):
        node = next((child for child in ast.iter_child_nodes(node)
                     if isinstance(child, (ast.FunctionDef, ast.ClassDef)) and child.name == name),
                    None)
        if node is None:
            raise LookupError(f"no {qualname} in {path}")
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    lines = text.splitlines()[first - 1:node.end_lineno]
    return textwrap.dedent("\n".join(lines))


def highlight(code: str) -> Markup:
    """Python source as HTML spans, highlighted now so the deck needs no highlighter at run time."""
    return Markup(pygmentize(code, PythonLexer(), HtmlFormatter(nowrap=True)))


def highlight_css(scope: str = ".code") -> str:
    """The colours of highlight()'s spans, limited to `scope`."""
    return HtmlFormatter(style=STYLE).get_style_defs(scope)
