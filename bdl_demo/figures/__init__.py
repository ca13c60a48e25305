"""Every picture in the deck, drawn from the network descriptions, the data and the fits.

One module per kind of figure (matrix, diagram, fits, realdata, basics); `registry` knows which
figures exist and redraws only those whose inputs changed. Importing this package does not
import matplotlib.
"""
from bdl_demo.figures.registry import FigureSpec, build_figures, figure_specs, render

__all__ = ["FigureSpec", "build_figures", "figure_specs", "render"]
