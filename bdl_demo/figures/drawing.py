"""What a figure function returns: the drawing, the sentence that describes it, and — for a figure
that responds — what the deck's scripts need to make it respond, each a value of its own."""
from __future__ import annotations

from typing import NamedTuple


class Drawing(NamedTuple):
    """A matplotlib figure (or SVG bytes made by other means), its alt text, and its interaction
    data: the paths a player steps through, the probe's grid, … (None for a figure that does not
    respond)."""

    figure: object
    alt: str
    interaction: dict | None = None
