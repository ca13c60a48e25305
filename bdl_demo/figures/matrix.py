"""The matrix view: each layer as X · W + b = Z', then the activation as an orange arrow Z' → Z.

Shapes come from the network description; dimensions beyond a few cells collapse with an
ellipsis. In the point version each weight and bias cell shows its MAP value; in the Bayesian
twin, the same cell shows that parameter's posterior density with the prior faint behind it.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np
from scipy.stats import norm
from matplotlib import patheffects
from matplotlib.patches import FancyArrowPatch, Rectangle

from bdl_demo import palette
from bdl_demo.figures import common, style
from bdl_demo.model.predictive import subsample
from bdl_demo.model.fit import FittedModel

MAX_CELLS = 5  # across; wider dimensions show their first cells, "…" and the last
MAX_ROWS = 4  # down, so three stacked layers keep cells tall enough for slide-sized numbers
OPERATOR = 0.45  # inches for "·", "+" and "="
ARROW = 1.1  # inches for the activation arrow
LABEL = 0.34  # inches above each block for its name and shape
GAP = 0.2  # inches between layers
MARGIN = 0.12
NUMBERS_FIT = 0.75  # inches: a posterior cell at least this wide also writes its mean ± sd
CHARACTER = 0.12  # inches: the width of a character of a shape label, at the small size of text


@dataclass(frozen=True)
class Frame:
    """How much of each layer a matrix figure shows, in how many inches, and whether it explains
    itself underneath."""

    size: tuple[float, float] = (12.0, style.FULL[1])
    max_cells: int = MAX_CELLS
    max_rows: int = MAX_ROWS
    data_box: float = 0.9  # inches: the width of the X, Z' and Z boxes, whose cells are not drawn
    footer: float = 0.62  # inches for the two lines that say what Z' is and what a cell shows


# For a slot a third narrower than the slide (three views at once, the take-home slide): fewer
# cells at the same size of text, drawn at the size it is shown, the explanation left to the
# full-size figure.
SMALL = Frame(size=(7.6, 3.6), max_cells=3, max_rows=2, data_box=0.6, footer=0.0)


def matrix_view(model: FittedModel, estimate: str = "point", small: bool = False):
    """Every layer of `model` as matrices; cells hold MAP values or posterior densities."""
    frame = SMALL if small else Frame()
    rows = len(model.data.X_train)  # a data box is at least as wide as its shape, e.g. "1347×20"
    shape = max(len(f"{rows}×{width}") for width in model.net.widths)
    frame = replace(frame, data_box=max(frame.data_box, CHARACTER * shape))
    figure = style.new_figure(frame.size)
    ax = style.inch_axes(figure)
    layout = _layout(model.net.widths, frame)
    values = model.fit.map if estimate == "point" else subsample(model.fit.draws, 500)
    if estimate == "posterior":  # one scale for every cell, so a wide density reads as wide anywhere
        layout["half_range"] = max(common.symmetric_range(values[m.name], model.prior_net.prior_sd(m.name))
                                   for m in model.net.matrices())
    y_top = layout["top"]
    for number in range(1, len(model.net.widths)):
        y_top = _draw_layer(ax, model, number, values, estimate, layout, y_top)
    for line, text in enumerate(_footer(model, estimate, layout.get("half_range"), layout["cell_w"] >= NUMBERS_FIT)
                                if frame.footer else ()):
        ax.text(frame.size[0] / 2, MARGIN + frame.footer * (0.75 - 0.5 * line), text, ha="center", va="center",
                fontsize=style.SMALL, color=palette.TEXT_COLOR)
    return figure, _alt(model, estimate)


def _layout(widths: tuple[int, ...], frame: Frame) -> dict:
    """Cell sizes that fit the widest layer across and all layers stacked down the figure."""
    size = frame.size
    columns = [len(common.shown_indices(n, frame.max_cells)) for n in widths[1:]]
    rows = sum(max(len(common.shown_indices(n, frame.max_rows)), 2) for n in widths[:-1])
    fixed = 2 * MARGIN + 3 * OPERATOR + ARROW + 3 * frame.data_box
    cell_w = min(2.0, (size[0] - fixed) / max(2 * c for c in columns))
    free_h = size[1] - 2 * MARGIN - frame.footer - len(columns) * (LABEL + GAP)
    cell_h = min(0.6 * cell_w, free_h / rows)
    used_h = rows * cell_h + len(columns) * (LABEL + GAP)
    top = size[1] - MARGIN - (size[1] - 2 * MARGIN - frame.footer - used_h) / 2
    return {"cell_w": cell_w, "cell_h": cell_h, "top": top, "frame": frame}


def _draw_layer(ax, model: FittedModel, number: int, values, estimate, layout, y_top) -> float:
    """Draw X · W + b = Z' → Z for one layer, centred across the figure; return the next layer's top."""
    net, n = model.net, len(model.data.X_train)
    n_in, n_out = net.widths[number - 1], net.widths[number]
    frame = layout["frame"]
    rows, cols = common.shown_indices(n_in, frame.max_rows), common.shown_indices(n_out, frame.max_cells)
    cw, ch = layout["cell_w"], layout["cell_h"]
    height = max(len(rows), 2) * ch
    top = y_top - LABEL
    middle = top - height / 2
    box = frame.data_box
    # X · W + b = Z' → Z: the nine parts' widths, and where each starts, centred across the figure
    widths = [box, OPERATOR, len(cols) * cw, OPERATOR, len(cols) * cw, OPERATOR, box, ARROW, box]
    x = list(itertools.accumulate([(frame.size[0] - sum(widths)) / 2, *widths]))
    is_last = number == len(net.layers)
    input_name = "X" if number == 1 else _output_name(net, number - 1, False)

    _data_box(ax, x[0], top, box, height, input_name, f"{n}×{n_in}")
    _operator(ax, x[1] + OPERATOR / 2, middle, "·")
    prior = model.prior_net  # the prior the posterior was found under
    scale = layout.get("half_range")
    _parameter_block(ax, f"W{number}", values, estimate, rows, cols, x[2], top, cw, ch,
                     prior.prior_sd(f"W{number}"), scale)
    _operator(ax, x[3] + OPERATOR / 2, middle, "+")
    _parameter_block(ax, f"b{number}", values, estimate, [0], cols, x[4], middle + ch / 2, cw, ch,
                     prior.prior_sd(f"b{number}"), scale)
    _operator(ax, x[5] + OPERATOR / 2, middle, "=")
    _data_box(ax, x[6], top, box, height, f"$Z'_{{{number}}}$", f"{n}×{n_out}")
    _activation_arrow(ax, x[7], x[8], middle, net.layers[number - 1].activation, number)
    _data_box(ax, x[8], top, box, height, _output_name(net, number, is_last), f"{n}×{n_out}")
    return top - height - GAP


def _output_name(net, number: int, is_last: bool) -> str:
    """Z_1, Z_2, … for hidden layers; μ or p for the output, as in the equation."""
    if is_last:
        return r"$\mu$" if net.likelihood == "normal" else "$p$"
    return f"$Z_{{{number}}}$"


def _data_box(ax, x, top, width, height, name, shape):
    """A box standing for a data matrix (many rows), named inside and sized above."""
    ax.add_patch(Rectangle((x, top - height), width, height, facecolor="#f5f5f5",
                           edgecolor=palette.TEXT_COLOR, linewidth=1.2))
    ax.text(x + width / 2, top - height / 2, name, ha="center", va="center", fontsize=style.BIG)
    ax.text(x + width / 2, top + 0.06, shape, ha="center", va="bottom", fontsize=style.SMALL,
            color="#616161")


def _operator(ax, x, y, symbol):
    """The algebra between the boxes: ·, + and =."""
    ax.text(x, y, symbol, ha="center", va="center", fontsize=26, fontweight="bold")


def _activation_arrow(ax, x0, x1, y, activation, number):
    """The activation as an orange arrow from Z' to Z, named above it."""
    arrow = FancyArrowPatch((x0 + 0.08, y), (x1 - 0.08, y), arrowstyle="-|>", mutation_scale=28,
                            color=palette.ACTIVATION_COLOR, linewidth=3.5)
    arrow.set_gid(f"activation-{number}")
    ax.add_patch(arrow)
    ax.text((x0 + x1) / 2, y + 0.12, activation, ha="center", va="bottom", fontsize=style.SMALL,
            color=palette.ACTIVATION_COLOR, fontweight="bold")


def _parameter_block(ax, name, values, estimate, rows, cols, x, top, cw, ch, prior_sd, half_range=None):
    """A weight matrix or bias vector: one cell per shown entry, ellipses where collapsed; a
    posterior's densities span −half_range … half_range."""
    is_bias = name.startswith("b")
    color = palette.BIAS_COLOR if is_bias else palette.WEIGHT_COLOR
    array = values[name]
    if is_bias:
        array = array[..., None, :]  # a bias is a row vector: one row, one column per unit
    n_in, n_out = array.shape[-2:]
    label = f"${name[0]}_{{{name[1:]}}}$  {n_out}" if is_bias else f"${name[0]}_{{{name[1:]}}}$  {n_in}×{n_out}"
    ax.text(x + len(cols) * cw / 2, top + 0.06, label, ha="center",
            va="bottom", fontsize=style.MEDIUM, color=color, fontweight="bold")
    for r, i in enumerate(rows):
        for c, j in enumerate(cols):
            cell_x, cell_y = x + c * cw, top - (r + 1) * ch
            if i is common.ELLIPSIS or j is common.ELLIPSIS:
                _ellipsis(ax, cell_x + cw / 2, cell_y + ch / 2, i, j)
                continue
            gid = common.parameter_id(name, (j,) if is_bias else (i, j))
            ax.add_patch(Rectangle((cell_x, cell_y), cw, ch, facecolor="white", edgecolor=color,
                                   linewidth=1.0, gid=f"cell-{gid}"))
            entry = array[..., i, j]
            if estimate == "point":
                _value(ax, float(entry), cell_x + cw / 2, cell_y + ch / 2, cw, ch, color, gid)
            else:
                _density(ax, entry, prior_sd, half_range, cell_x, cell_y, cw, ch, color, gid)


def _value(ax, value, x, y, cw, ch, color, gid):
    """A MAP value centred in its cell, as large as the cell allows but never below the floor."""
    size = min(28, max(style.SMALL, 0.45 * ch * 72))
    digits = 2 if cw >= 0.9 else 1
    ax.text(x, y, style.signed(value, digits), ha="center", va="center", fontsize=size, color=color,
            gid=f"value-{gid}")


def _ellipsis(ax, x, y, i, j):
    """The mark for collapsed entries: ⋯ across, ⋮ down, ⋱ where both collapse."""
    mark = "\u22f1" if i is j is common.ELLIPSIS else ("\u22ee" if i is common.ELLIPSIS else "\u22ef")
    ax.text(x, y, mark, ha="center", va="center", fontsize=style.MEDIUM, color="#616161")


def _density(ax, draws, prior_sd, half_range, x, y, cw, ch, color, gid):
    """One parameter's posterior density (solid) over its prior (faint), scaled into a cell, with
    its mean ± sd written over it where the point twin writes the MAP value."""
    grid = np.linspace(-half_range, half_range, 60)
    posterior, prior = common.kde(draws, grid), norm.pdf(grid, 0, prior_sd)
    pad_x, pad_y = 0.06 * cw, 0.12 * ch
    scale = (ch - 2 * pad_y) / max(posterior.max(), prior.max())
    xs = x + pad_x + (grid + half_range) / (2 * half_range) * (cw - 2 * pad_x)
    base = y + pad_y
    zero = x + pad_x + 0.5 * (cw - 2 * pad_x)
    ax.plot([zero, zero], [y + 0.04 * ch, y + 0.96 * ch], color=palette.GRID_COLOR, linewidth=0.8)
    ax.fill_between(xs, base, base + prior * scale, color=palette.PRIOR_COLOR, alpha=0.35,
                    linewidth=0)
    line, = ax.plot(xs, base + posterior * scale, color=color, linewidth=1.6, alpha=0.75)
    line.set_gid(f"density-{gid}")
    if cw >= NUMBERS_FIT:  # room for the numbers: mean ± sd, as large as the floor allows
        text = ax.text(x + cw / 2, y + ch / 2, f"{style.signed(float(np.mean(draws)), 1)}±{np.std(draws, ddof=1):.1f}",
                       ha="center", va="center", fontsize=style.SMALL, color=color, gid=f"summary-{gid}")
        text.set_path_effects([patheffects.withStroke(linewidth=3, foreground="white")])


def _footer(model: FittedModel, estimate: str, half_range: float | None, numbers: bool) -> tuple[str, str]:
    """The lines under the matrices: what Z' is, and what a cell shows."""
    z_prime = r"$Z'$ = input · $W + b$: the layer's output before its activation (orange arrow)"
    if estimate == "point":
        return z_prime, "each cell: the MAP value of that weight or bias"
    cells = (f"each cell from −{half_range:.1f} to {half_range:.1f}: posterior (solid) over prior "
             f"(grey, {common.prior_words(model.prior_net)})" + ("; mean ± sd" if numbers else ""))
    return z_prime, cells


def _alt(model: FittedModel, estimate: str) -> str:
    """A sentence for screen readers: the layers, their shapes and what the cells hold."""
    net = model.net
    layers = "; ".join(
        f"layer {k}: {'X' if k == 1 else f'Z{k - 1}'}·W{k} + b{k} with W{k} of shape {a}×{b}, "
        f"then {layer.activation}"
        for k, (a, b, layer) in enumerate(zip(net.widths, net.widths[1:], net.layers), start=1))
    what = ("each weight and bias cell shows its MAP value" if estimate == "point" else
            "each weight and bias cell shows its posterior density over a faint prior")
    return f"Matrix view of the {model.id} model, {layers}; {what}."
