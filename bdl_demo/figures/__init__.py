"""Every picture in the deck, drawn from the network descriptions, the data and the fits.

One module per kind of figure (matrix, diagram, fitted, realdata, basics); `registry` turns a
figure id into the function that draws it. Importing this package does not import matplotlib,
and nothing here knows about caches or the deck.
"""
from bdl_demo.figures.registry import FigureError, FigureSpec, render, resolve

__all__ = ["FigureError", "FigureSpec", "render", "resolve"]
