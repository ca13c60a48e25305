"""The neural diagram: a column of nodes per layer, red weight edges, teal bias edges.

Every non-input node carries its activation as a small orange glyph of its own. In the point
version an edge's width is the size of its MAP weight; in the Bayesian twin the solid line's width
is the size of the posterior mean, and a faint halo around it reaches |mean| + 2 sd: a wide halo
round a thin line is a weight the data leave uncertain.
"""
from __future__ import annotations

import numpy as np
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

from bdl_demo import palette
from bdl_demo.figures import common, style
from bdl_demo.model.fit import FittedModel

MAX_NODES = 8  # per column; wider layers show their first nodes, "⋮" and the last
LEFT, RIGHT, TOP, BOTTOM = 0.8, 0.8, 0.3, 1.2  # inches kept for labels around the nodes
FOOTER = 0.2  # inches from the bottom to the line that explains the edges
HOW_TO_READ = {"point": "width: size of the MAP weight (red) or bias (teal)",  # that line, per estimate
               "posterior": "width: |posterior mean|; faint halo: |mean| + 2 sd"}


SMALL_SIZE, SMALL_NODES = (4.3, 3.6), 6  # three views at once: fewer nodes, drawn at the size shown


def network_diagram(model: FittedModel, estimate: str = "point", small: bool = False):
    """The network of `model` as nodes and edges, edges styled by the MAP or the posterior; `small`
    draws it for a narrow slot, with fewer nodes and the explanation left to the full-size one."""
    net = model.net
    max_nodes = SMALL_NODES if small else MAX_NODES
    figure = style.new_figure(SMALL_SIZE if small else style.HALF)
    ax = style.inch_axes(figure)
    positions, radius = _positions(net.widths, max_nodes, figure.get_size_inches())
    strength, halo = _edge_styles(model, estimate)
    for number in range(1, len(net.widths)):
        _draw_edges(ax, positions, number, strength, halo)
    for number, width in enumerate(net.widths):
        activation = net.layers[number - 1].activation if number else None
        _draw_column(ax, positions, number, width, radius, activation, net)
    if not small:
        ax.text(figure.get_size_inches()[0] / 2, FOOTER, HOW_TO_READ[estimate], ha="center",
                va="center", fontsize=style.SMALL)
    return figure, _alt(model, estimate, max_nodes)


def _positions(widths, max_nodes, size) -> tuple[dict, float]:
    """Centre of every shown node (and each layer's bias unit) in inches, plus the node radius."""
    width_in, height_in = size
    columns = [common.shown_indices(n, max_nodes) for n in widths]
    slots = max(len(shown) + (1 if k < len(widths) - 1 else 0) for k, shown in enumerate(columns))
    step = min(0.75, (height_in - TOP - BOTTOM) / max(slots - 1, 1))
    xs = np.linspace(LEFT, width_in - RIGHT, len(widths))
    middle = BOTTOM + (height_in - TOP - BOTTOM) / 2
    positions = {}
    for layer, shown in enumerate(columns):
        has_bias = layer < len(widths) - 1
        count = len(shown) + has_bias
        ys = middle + step * ((count - 1) / 2 - np.arange(count))
        if has_bias:
            positions[("bias", layer)] = (xs[layer], ys[0])
            ys = ys[1:]
        for index, y in zip(shown, ys):
            if index is not common.ELLIPSIS:  # its slot stays empty for the "⋮"
                positions[(layer, index)] = (xs[layer], y)
    return positions, min(0.24, 0.38 * step)


def _edge_styles(model: FittedModel, estimate: str):
    """Per parameter: the width of its line in 0..1 from its size, and of its halo from its spread
    (no halo for a point estimate), on one scale for both twins, so they can be compared."""
    largest = edge_scale(model)
    if estimate == "point":
        return ({name: np.abs(v) / largest for name, v in model.fit.map.items()},
                {name: np.zeros(np.shape(v)) for name, v in model.fit.map.items()})
    mean, sd = model.fit.posterior_mean(), model.fit.posterior_sd()
    return ({name: np.abs(v) / largest for name, v in mean.items()},
            {name: (np.abs(mean[name]) + 2 * sd[name]) / largest for name in mean})


EDGE_WIDTH = (0.6, 9.0)  # points: the thinnest edge, and how much wider the largest parameter's is


def edge_width(strength) -> float:
    """An edge's width in points for a parameter's size on the 0..1 scale of `edge_scale`."""
    return EDGE_WIDTH[0] + EDGE_WIDTH[1] * float(strength)


def edge_scale(model: FittedModel) -> float:
    """The size drawn as the widest edge: the largest |MAP| or |mean| + 2 sd of any parameter."""
    mean, sd = model.fit.posterior_mean(), model.fit.posterior_sd()
    return max(max(float(np.abs(v).max()) for v in model.fit.map.values()),
               max(float((np.abs(mean[name]) + 2 * sd[name]).max()) for name in mean)) or 1.0


def _draw_edges(ax, positions, number, strength, halo):
    """Weight edges (red) from every shown unit, bias edges (teal) from the layer's bias unit."""
    sources = [(key[1], pos) for key, pos in positions.items() if key[0] == number - 1]
    targets = [(key[1], pos) for key, pos in positions.items() if key[0] == number]
    weight, bias = f"W{number}", f"b{number}"
    for j, target in targets:
        for i, source in sources:
            _edge(ax, source, target, strength[weight][i, j], halo[weight][i, j],
                  palette.WEIGHT_COLOR, f"edge-{common.parameter_id(weight, (i, j))}")
        _edge(ax, positions[("bias", number - 1)], target, strength[bias][j], halo[bias][j],
              palette.BIAS_COLOR, f"bias-{common.parameter_id(bias, (j,))}")


def _edge(ax, start, end, strength, halo, color, gid):
    """One connection: a line as wide as the parameter is large, in a faint halo as wide as its spread."""
    xs, ys = [start[0], end[0]], [start[1], end[1]]
    if halo > 0:
        ax.plot(xs, ys, color=color, linewidth=edge_width(halo), alpha=0.3,
                solid_capstyle="round", zorder=0.5, gid=f"halo-{gid}")
    line, = ax.plot(xs, ys, color=color, linewidth=edge_width(strength), alpha=0.9,
                    solid_capstyle="round", zorder=1)
    line.set_gid(gid)


def _draw_column(ax, positions, layer, width, radius, activation, net):
    """One layer's nodes with their activation glyphs, its bias unit, ellipsis and labels."""
    entries = sorted((key[1], pos) for key, pos in positions.items() if key[0] == layer)
    for index, (x, y) in entries:
        ax.add_patch(Circle((x, y), radius, facecolor="white", linewidth=2.0, zorder=3,
                            edgecolor=palette.ACTIVATION_COLOR if activation else palette.DATA_COLOR,
                            gid=f"node-n{layer}_{index}"))
        if activation:
            _glyph(ax, x, y, radius, activation, f"glyph-{activation}-n{layer}_{index}")
        _node_label(ax, x, y, radius, layer, index, net)
    _column_ellipsis(ax, entries, radius)
    if ("bias", layer) in positions:
        x, y = positions[("bias", layer)]
        ax.add_patch(FancyBboxPatch((x - 0.8 * radius, y - 0.8 * radius), 1.6 * radius, 1.6 * radius,
                                    boxstyle="round,pad=0.02", facecolor=palette.BIAS_COLOR,
                                    edgecolor=palette.BIAS_COLOR, zorder=3, gid=f"bias-unit-{layer}"))
        ax.text(x, y, "1", ha="center", va="center", color="white", fontsize=style.SMALL,
                fontweight="bold", zorder=4)
    x = entries[0][1][0]
    ax.text(x, BOTTOM - 0.36, f"{width}", ha="center", va="center", fontsize=style.BIG)
    ax.text(x, BOTTOM - 0.68, activation or "inputs", ha="center", va="center", fontsize=style.SMALL,
            color=palette.ACTIVATION_COLOR if activation else palette.TEXT_COLOR)


def _column_ellipsis(ax, entries, radius):
    """A vertical ellipsis between the last two shown nodes when a column is collapsed."""
    (i0, (x, y0)), (i1, (_, y1)) = entries[-2:] if len(entries) > 1 else (entries[0], entries[0])
    if i1 - i0 > 1:
        ax.text(x, (y0 + y1) / 2, "\u22ee", ha="center", va="center", fontsize=style.BIG)


def _glyph(ax, x, y, radius, activation, gid):
    """The activation's own shape inside its node: line, S from 0 up, S through 0, hinge or bars."""
    t = np.linspace(-1, 1, 25)
    w, h = 0.6 * radius, 0.5 * radius  # half-width and half-height of the glyph's box
    axis = {"sigmoid": -1.0, "tanh": 0.0}.get(activation)  # where the glyph's zero line sits
    if axis is not None:
        ax.plot([x - 1.15 * w, x + 1.15 * w], [y + h * axis] * 2, color=palette.PRIOR_COLOR,
                linewidth=1.3, zorder=3.5)
    if activation == "softmax":  # three bars that sum to one, as in the basics figure
        for k, share in enumerate((0.66, 0.24, 0.10)):
            left = x - w + k * 2 * w / 3
            ax.add_patch(Rectangle((left + 0.1 * w, y - h), 0.45 * w, 2 * h * share / 0.66,
                                   facecolor=palette.ACTIVATION_COLOR, linewidth=0, zorder=4,
                                   gid=f"{gid}-{k}"))
        return
    shape = {
        "identity": t,
        "sigmoid": 2 / (1 + np.exp(-5 * t)) - 1,  # from 0 (the bottom line) to 1
        "tanh": np.tanh(2.5 * t),  # from -1 to 1, crossing the centre line
        "relu": 2 * np.maximum(t, 0) - 1,
    }[activation]
    line, = ax.plot(x + w * t, y + h * shape, color=palette.ACTIVATION_COLOR, linewidth=1.8, zorder=4)
    line.set_gid(gid)


def _node_label(ax, x, y, radius, layer, index, net):
    """Inputs are named x₁, x₂, … on the left; outputs μ or p_k on the right."""
    if layer == 0:
        ax.text(x - radius - 0.08, y, f"$x_{{{index + 1}}}$", ha="right", va="center",
                fontsize=style.MEDIUM)
    elif layer == len(net.widths) - 1:
        name = r"$\mu$" if net.likelihood == "normal" else ("$p$" if net.n_outputs == 1 else f"$p_{{{index}}}$")
        ax.text(x + radius + 0.08, y, name, ha="left", va="center", fontsize=style.MEDIUM)


def _alt(model: FittedModel, estimate: str, max_nodes: int) -> str:
    """A sentence for screen readers with the real layer sizes and what the edges encode."""
    net = model.net
    sizes = ", ".join(str(w) for w in net.widths)
    activations = ", ".join(layer.activation for layer in net.layers)
    n_weights = sum(a * b for a, b in zip(net.widths, net.widths[1:]))
    weights = "1 weight" if n_weights == 1 else f"{n_weights} weights"
    collapsed = " Wide layers are collapsed with an ellipsis." if max(net.widths) > max_nodes else ""
    if estimate == "point":
        how = "edge width shows the size of each MAP weight"
    else:
        means, sds = model.fit.posterior_mean(), model.fit.posterior_sd()
        pinned = float(np.concatenate([(np.abs(means[m.name]) > 2 * sds[m.name]).ravel()
                                     for m in net.matrices() if m.kind == "weight"]).mean())
        how = (f"edge width shows the size of each weight's posterior mean and a faint halo reaches "
               f"|mean| + 2 sd; {pinned:.0%} of the weights have |mean| above twice their sd")
    return (f"Neural diagram of the {model.id} model with layers of {sizes} units "
            f"({activations}) and {weights}; red edges are weights, teal edges biases; "
            f"{how}.{collapsed}")
