"""The reading view, slides/read.html: the same slides as one column of prose for a phone.

Made from the same list of slides as the deck and by the same renderer: each slide becomes a
section with its title, figures and text, every fragment shown, and its speaker notes as prose
under it. KaTeX typesets the math here too, from the deck's own copy, and the figures that respond
in the deck respond here, with the same scripts and data (lib/bdl/).
"""
from __future__ import annotations

import html
from pathlib import Path

from bdl_demo.deck.html import SlideRenderer, fill_page
from bdl_demo.deck.slides import Slide, Stack
from bdl_demo.results.figures import Figures

READER = "read.html"
APPENDIX = '<h2 class="appendix" id="appendix">Appendix: more than the talk shows</h2>\n'


def render_reader(stacks: list[Stack], figures: Figures, *, deck: dict, templates: Path,
                  compiled: Path | None = None) -> tuple[str, set[Path]]:
    """read.html, which uses the deck's images/ and lib/; and the template files it read."""
    renderer = SlideRenderer(figures, reading=True)
    slides = [slide for stack in stacks for slide in stack]
    first = next((number for number, slide in enumerate(slides, start=1) if slide.appendix), None)
    articles = "\n".join((APPENDIX if number == first else "") + _article(renderer, slide, number)
                         for number, slide in enumerate(slides, start=1))
    return fill_page(READER, _contents(stacks) + articles, deck=deck, templates=templates, compiled=compiled)


def _contents(stacks: list[Stack]) -> str:
    """A table of contents, so that a reader on a phone can jump instead of scrolling the whole
    talk: a link to every slide that opens a section — the first of each stack of the deck, and any
    other under a top-level (#, ##) heading."""
    entries, number = [], 0
    for stack in stacks:
        for place, slide in enumerate(stack):
            number += 1
            if slide.title and (place == 0 or _heading_level(slide) <= 2):
                entries.append(f'<li><a href="#slide-{number}">{html.escape(slide.title)}</a></li>')
    return f'<nav class="contents" aria-label="contents"><h2>Contents</h2>\n<ol>\n{"".join(entries)}\n</ol></nav>\n'


def _heading_level(slide: Slide) -> int:
    """The level of the slide's first heading: 1 for #, 2 for ##, …"""
    return next(int(block.tokens[0].tag[1]) for block in slide.blocks if block.tokens[0].type == "heading_open")


def _article(renderer: SlideRenderer, slide: Slide, number: int) -> str:
    """One slide as a section of the page, its notes as prose below it."""
    body, notes = renderer.blocks(slide.blocks), renderer.blocks(slide.notes)
    said = f'<div class="said"><p class="label">What the speaker says</p>\n{notes}</div>\n' if notes else ""
    return f'<section class="slide" id="slide-{number}">\n{body}{said}</section>'
