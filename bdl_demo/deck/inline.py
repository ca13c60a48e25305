"""Figures that respond: the build's SVG put inline in the page, each part that shows a parameter
marked with it.

matplotlib writes an artist's gid as an id (`edge-W1-0-3`, `cell-b2-1`, …, named from the network
description by the figure modules); here every such id becomes `data-param="W1[0,3]"`, so hovering
or focusing any part that shows a parameter can light up every other part that shows the same
one. The other ids get a prefix of their own, as one page may hold the same figure twice. With
JavaScript off the inline SVG is simply the static figure.
"""
from __future__ import annotations

import html
import json
import re

PARAMETER_ID = re.compile(
    r'<g id="(?P<part>[a-z]+(?:-[a-z]+)*)-(?P<name>[Wb]\d+)-(?P<i>\d+)(?:-(?P<j>\d+))?"')
FOCUSABLE_PARTS = {"cell", "edge", "bias"}  # one stop for the Tab key per parameter and figure
PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
ID = re.compile(r'\bid="([^"]+)"')
REFERENCE = re.compile(r'(url\(#|xlink:href="#|href="#)([^")]+)')
LINK = re.compile(r"\\htmlData\{[^}]*\}")


def parameter(name: str, i: str, j: str | None) -> str:
    """The name a part shows, as the deck writes it: W1[0,3] for a weight, b2[1] for a bias."""
    return f"{name}[{i},{j}]" if j is not None else f"{name}[{i}]"


def inline_svg(svg: bytes, prefix: str, alt: str, size: tuple[int, int] | None = None) -> str:
    """The SVG of a figure as markup for the page: no XML prologue or metadata, its ids prefixed,
    parameters marked, described by its alt text, sized by the CSS of its slot."""
    def mark(match: re.Match) -> str:
        name = parameter(match["name"], match["i"], match["j"])
        focus = ' tabindex="0"' if match["part"] in FOCUSABLE_PARTS else ""
        return f'<g data-param="{name}" data-part="{match["part"]}"{focus}'

    text = METADATA.sub("", PROLOGUE.sub("", svg.decode("utf-8"), count=1))
    text = PARAMETER_ID.sub(mark, text)
    text = ID.sub(lambda m: f'id="{prefix}-{m[1]}"', text)
    text = REFERENCE.sub(lambda m: f"{m[1]}{prefix}-{m[2]}", text)
    dimensions = f' width="{size[0]}" height="{size[1]}"' if size else ""
    return re.sub(r'<svg\b([^>]*?) width="[^"]*" height="[^"]*"',
                  lambda m: f'<svg{m[1]}{dimensions} class="figure-svg" role="group" aria-label="{html.escape(alt)}"',
                  text, count=1)


def json_script(kind: str, key: str, data: dict) -> str:
    """Data for the page's scripts, in a script element the browser does not run."""
    text = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/json" class="bdl-data" data-kind="{kind}" data-key="{key}">{text}</script>'


def without_links(latex: str) -> str:
    """LaTeX with the deck's parameter marks taken out, for readers without KaTeX's trust."""
    return LINK.sub("", latex)
