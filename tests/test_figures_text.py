"""Figures: the smallest text of every figure is at least 18 px on a 1280×720 screen, in every slot.

The size on screen is the font size in pt × the px one SVG pt becomes on the slide, which depends
on the figure's size in inches and on the slot's CSS in templates/page.html (read from there,
so a change to either side is caught). The "three views at once" summary (`.together`) shrinks
figures on purpose and is not held to the floor; each of its figures also has a slide of its own.
Sub- and superscripts of mathtext labels are sized by matplotlib relative to their label.
"""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from test_figures_views import synthetic_models

FLOOR_PX = 18
DECK = Path(__file__).resolve().parent.parent / "templates" / "page.html"


def deck_geometry() -> dict:
    """The slide size, reveal.js margin and each slot's (width, max-height) in CSS px, from the deck."""
    text = DECK.read_text()

    def number(pattern: str) -> float:
        return float(re.search(pattern, text).group(1))

    width = number(r"width:\s*(\d+),")
    font = number(r"\.reveal\s*\{\s*font-size:\s*(\d+)px")
    gap = number(r"\.reveal \.columns\s*\{[^}]*gap:\s*([\d.]+)em") * font
    return {
        "scale": 1 / (1 + number(r"margin:\s*([\d.]+),")),  # reveal.js at a screen of the slide's size
        "full": (width, number(r"\.reveal img\.figure\s*\{[^}]*max-height:\s*(\d+)px")),
        "r-stack": (width, number(r"\.r-stack img\.figure\s*\{[^}]*max-height:\s*(\d+)px")),
        "columns": ((width - gap) / 2, number(r"\.columns img\.figure\s*\{[^}]*max-height:\s*(\d+)px")),
    }


def slots(size) -> list[str]:
    """Where a figure of this size can go: a slide of its own, and its "from this… to this" layout."""
    width, height = size
    return ["full", "r-stack" if width > 1.5 * height else "columns"]  # as deck.html lays out twins


def px_per_pt(size, slot: str, geometry: dict) -> float:
    """On-screen px per pt of a figure in a slot: the <img> is 100 px per inch, shrunk to fit the slot."""
    from bdl_demo.figures.style import PX_PER_INCH

    width, height = size
    slot_width, max_height = geometry[slot]
    shown = min(PX_PER_INCH * height, max_height, slot_width * height / width)
    return shown * geometry["scale"] / (72 * height)


def smallest_text(spec, models) -> tuple[float, tuple[float, float]]:
    """The smallest font size in pt of any text the figure draws, and the figure's size in inches."""
    from matplotlib.text import Text

    from bdl_demo.figures import style
    from bdl_demo.figures.registry import arguments

    draw = getattr(importlib.import_module(f"bdl_demo.figures.{spec.module}"), spec.function)
    with style.slide_style():
        figure, _, *interaction = draw(*arguments(spec, models), **spec.options)
        figure.canvas.draw()
        sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return min(sizes), tuple(figure.get_size_inches())


MODELS = synthetic_models()


def all_specs():
    """Every figure the talk asks for, for the made-up models."""
    import synthetic_deck
    from bdl_demo.figures import resolve

    specs = [resolve(figure_id, MODELS, synthetic_deck.DECK)
             for figure_id in synthetic_deck.figure_ids(synthetic_deck.talk(MODELS))]
    return [spec for spec in specs if spec.module != "qr"]  # the QR code is drawn by segno and holds no text


@pytest.mark.parametrize("spec", all_specs(), ids=lambda spec: spec.id)
def test_smallest_text_is_at_least_18_px_on_the_slide(spec):
    geometry = deck_geometry()
    points, size = smallest_text(spec, MODELS)
    for slot in slots(size):
        on_screen = points * px_per_pt(size, slot, geometry)
        assert on_screen >= FLOOR_PX, f"{spec.id}: {points:g} pt text is {on_screen:.1f} px in the {slot} slot"


def test_the_deck_geometry_is_read_as_measured_in_chromium():
    geometry = deck_geometry()
    assert geometry["scale"] == pytest.approx(0.96, abs=0.01)
    # A half-slide figure in two columns and a full-width one were measured at 1.33 px per pt.
    assert px_per_pt((6.0, 4.3), "columns", geometry) == pytest.approx(1.333, abs=0.01)
    assert px_per_pt((12.0, 5.0), "full", geometry) == pytest.approx(1.333, abs=0.01)
