"""Figures that respond: the build's SVG made ready to go inline in a page, each part that shows
a parameter marked with it.

matplotlib writes an artist's gid as an id (`edge-W1-0-3`, `cell-b2-1`, …, named by
figures.common.parameter_id); each becomes `data-param="W1[0,3]" data-array="W1"`, so hovering or
focusing any part that shows a parameter lights up every other part showing the same one, and the
scripts never parse a name. Other ids get a prefix, as a page may show a figure twice. The result
goes in lib/bdl/data.js, shared by the deck and the reading view; each page holds the static <img>,
which lib/bdl/common.js replaces, so with JavaScript off the static figure shows.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

from bdl_demo.model.network import entry_name

PARAMETER_ID = re.compile(r'<g id="(?P<part>[a-z]+(?:-[a-z]+)*)-(?P<array>[Wb]\d+)(?P<index>(?:-\d+)+)"')
FOCUSABLE_PARTS = {"cell", "edge", "bias"}  # one stop for the Tab key per parameter and figure
PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
ID = re.compile(r'\bid="([^"]+)"')
REFERENCE = re.compile(r'(url\(#|xlink:href="#|href="#)([^")]+)')
LINK = re.compile(r"\\htmlData\{[^}]*\}")
DATA_SCRIPT = "data.js"
PREFIX = "@@figure@@"  # in data.js, where each copy of a figure puts its own prefix


def inline_svg(svg: bytes, prefix: str, alt: str, size: tuple[int, int] | None = None) -> str:
    """The SVG of a figure as markup for the page: no XML prologue or metadata, its ids prefixed,
    parameters marked, described by its alt text, sized by the CSS of its slot."""
    def mark(match: re.Match) -> str:
        name = entry_name(match["array"], tuple(int(i) for i in match["index"][1:].split("-")))
        focus = ' tabindex="0"' if match["part"] in FOCUSABLE_PARTS else ""
        return f'<g data-param="{name}" data-array="{match["array"]}" data-part="{match["part"]}"{focus}'

    text = METADATA.sub("", PROLOGUE.sub("", svg.decode("utf-8"), count=1))
    text = PARAMETER_ID.sub(mark, text)
    text = ID.sub(lambda m: f'id="{prefix}-{m[1]}"', text)
    text = REFERENCE.sub(lambda m: f"{m[1]}{prefix}-{m[2]}", text)
    dimensions = f' width="{size[0]}" height="{size[1]}"' if size else ""
    return re.sub(r'<svg\b([^>]*?) width="[^"]*" height="[^"]*"',
                  lambda m: f'<svg{m[1]}{dimensions} class="figure-svg" role="group" aria-label="{html.escape(alt)}"',
                  text, count=1)


def interactive_data(figure_ids: list[str], manifest: dict[str, dict], interactions: dict[str, dict],
                     parameters: dict[str, dict], images_dir: Path) -> bytes:
    """lib/bdl/data.js: each interactive figure's SVG, once however often it is shown (its ids to be
    prefixed per copy by the script, PREFIX), what its scripts need, and its models' parameters."""
    figures = {}
    for figure_id in dict.fromkeys(figure_ids):
        entry = manifest[figure_id]
        figures[figure_id] = {"svg": inline_svg((images_dir / entry["file"]).read_bytes(), PREFIX, entry["alt"],
                                                (entry["width"], entry["height"])),
                              "interaction": interactions.get(figure_id)}
    text = json.dumps({"figures": figures, "parameters": parameters}, separators=(",", ":"))
    text = text.replace("</", "<\\/")  # the same string in JavaScript, and safe inlined in a page
    return f"window.BDL_DATA = {text};\n".encode()


def without_links(latex: str) -> str:
    """LaTeX with the deck's parameter marks taken out, for readers without KaTeX's trust."""
    return LINK.sub("", latex)
