"""The reading view, slides/read.html: the same slides as one column of prose for a phone.

Made from the same list of slides as the deck and by the same renderer: each slide becomes a
section with its title, figures and text, every fragment shown, and its speaker notes as prose
under it. KaTeX typesets the math here too, from the deck's own copy, and the figures that respond
in the deck respond here, with the same scripts and data (lib/bdl/).
"""
from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from bdl_demo.deck.assets import SCRIPTS
from bdl_demo.deck.html import SlideRenderer, page_colors
from bdl_demo.deck.inline import DATA_SCRIPT
from bdl_demo.deck.listing import highlight_css
from bdl_demo.deck.slides import Slide, Stack
from bdl_demo.deck.talk import environment
from bdl_demo.results.figures import Figures

READER = "read.html"


def render_reader(stacks: list[Stack], figures: Figures, *, deck: dict, templates: Path,
                  compiled: Path | None = None) -> tuple[str, set[Path]]:
    """read.html, which uses the deck's images/ and lib/; and the template files it read."""
    read: set[Path] = set()
    renderer = SlideRenderer(figures, reading=True)
    articles = "\n".join(_article(renderer, slide, number)
                         for number, slide in enumerate((s for stack in stacks for s in stack), start=1))
    env = environment(Path(templates).resolve(), read, autoescape=True, compiled=compiled)
    page = env.get_template(READER).render(deck=deck, slides=Markup(articles),
                                           code_css=Markup(highlight_css(".code")),
                                           scripts=(DATA_SCRIPT, *SCRIPTS), **page_colors())
    return page, read


def _article(renderer: SlideRenderer, slide: Slide, number: int) -> str:
    """One slide as a section of the page, its notes as prose below it."""
    body = "".join(renderer.blocks(slide.blocks))
    notes = "".join(renderer.blocks(slide.notes))
    said = f'<div class="said"><p class="label">What the speaker says</p>\n{notes}</div>\n' if notes else ""
    return f'<section class="slide" id="slide-{number}">\n{body}{said}</section>'
