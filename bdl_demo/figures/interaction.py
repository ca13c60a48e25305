"""What the deck's scripts need to make a figure respond, computed at build time from the fits and
cached with the figure it belongs to: each posterior draw's line or boundary in the figure's own
SVG coordinates (and its weights, for the diagram), p(class) over the draws across the plane.

matplotlib's SVG is in points (72 per inch) with y downwards; `svg_transform` gives the map from
an axes' data coordinates to those units, so a script can draw in the figure or read a click.
"""
from __future__ import annotations

import itertools

import contourpy
import numpy as np

from bdl_demo.figures import common
from bdl_demo.model.evaluation import grid_over
from bdl_demo.model.predictive import class_probabilities, draw_probabilities
from bdl_demo.model.fit import FittedModel
from bdl_demo.model.network import entry_name
from bdl_demo.numbers import compact, compact_list

SHOWN = (4, 5, 8)  # the most rows, cells and nodes a figure shows along one dimension
PROBE_GRID = 31  # probe points along each side of the plane
PROBE_DRAWS = 200
PROBE_BINS = 10


def shown_entries(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The entries of an array that some figure shows: all of a small one, the corners of a big one."""
    axes = [sorted({i for k in SHOWN for i in common.shown_indices(n, k) if i is not common.ELLIPSIS})
            for n in shape]
    return list(itertools.product(*axes))


def svg_transform(ax) -> list[float]:
    """[sx, tx, sy, ty] with SVG x = sx·x + tx and SVG y = sy·y + ty for the axes' data (x, y)."""
    figure = ax.figure
    scale = 72 / figure.dpi
    height = figure.get_size_inches()[1] * 72
    (x0, y0), (x1, y1) = ax.transData.transform([(0.0, 0.0), (1.0, 1.0)])
    return [compact((x1 - x0) * scale, 8), compact(x0 * scale, 8),
            compact(-(y1 - y0) * scale, 8), compact(height - y0 * scale, 8)]


def path_data(transform: list[float], curves: list[np.ndarray]) -> str:
    """An SVG path's d for polylines given in data coordinates."""
    sx, tx, sy, ty = transform
    return " ".join("M" + " L".join(f"{sx * x + tx:.1f} {sy * y + ty:.1f}" for x, y in curve)
                    for curve in curves)


def line_player(ax, xs: np.ndarray, rows: np.ndarray, straight: bool) -> dict:
    """One path per posterior draw's line μ(x) (its two ends when it is straight)."""
    transform = svg_transform(ax)
    keep = [0, len(xs) - 1] if straight else slice(None, None, 4)
    return {"kind": "player", "paths": [path_data(transform, [np.column_stack([xs[keep], row[keep]])])
                                        for row in rows]}


def boundary_player(ax, model: FittedModel, few: dict[str, np.ndarray], xs, ys, p1_draws) -> dict:
    """One path per posterior draw's decision boundary p = 0.5, and for a net with hidden layers
    the values of the parameters its diagram shows in each of those draws."""
    transform = svg_transform(ax)
    paths = []
    for p1 in p1_draws:
        lines = contourpy.contour_generator(xs, ys, p1).lines(0.5)
        paths.append(path_data(transform, [line[::2] if len(line) > 6 else line for line in lines]))
    data = {"kind": "player", "paths": paths}
    if model.net.hidden:
        from bdl_demo.figures.diagram import EDGE_WIDTH, edge_scale
        data["edges"] = {"scale": compact(edge_scale(model)), "width": list(EDGE_WIDTH)}
        data["draws"] = {entry_name(m.name, index): compact_list(few[m.name][(slice(None), *index)])
                         for m in model.net.matrices() for index in shown_entries(m.shape)}
    return data


def probe(ax, model: FittedModel) -> dict:
    """On a coarse grid over the plane: the histogram of p(class 1) over posterior draws and the
    MAP's p(class 1), for the probe that follows the pointer."""
    xs, ys, points = grid_over(model.data.X_train, n=PROBE_GRID)
    draws = draw_probabilities(model.net, model.fit, points, PROBE_DRAWS)[..., 1]
    edges = np.linspace(0, 1, PROBE_BINS + 1)
    counts = [np.histogram(column, bins=edges)[0].tolist() for column in draws.T]
    at_map = class_probabilities(model.net, model.fit.map, points)[:, 1]
    return {"kind": "probe", "transform": svg_transform(ax), "xs": compact_list(xs), "ys": compact_list(ys),
            "draws": int(draws.shape[0]), "counts": counts, "map": compact_list(at_map, 3),
            "mean": compact_list(draws.mean(axis=0), 3), "classes": list(model.data.class_names)}
