"""Train it yourself: the deep net's MAP probability map beside the mutual information of its
linearised Laplace posterior, on a plane with room around the data for the audience's points.

Drawn here for the build's own fit; in the deck, deck/scripts/playground.js trains a net in the page on
the audience's points and redraws both maps in the same SVG coordinates with the same mathematics
(bdl_demo.model.laplace: the GGN, τ by the evidence, the linearised predictive, its probability and
mutual information by quadrature), from the build's data, seed, architecture, prior and MAP.
"""
from __future__ import annotations

import numpy as np

from bdl_demo import palette
from bdl_demo.figures import interaction, style
from bdl_demo.model.fit import FittedModel
from bdl_demo.model.laplace import Laplace, bernoulli_doubt, class_one_logit, flatten, quadrature
from bdl_demo.model.network import ACTIVATIONS

SIZE = (8.4, 4.4)  # shown at its own size beside the controls: its text keeps 18 px
GRID = 64  # cells a side of each map, here and in the page
ROOM = 0.5  # the plane reaches this share of the data's range beyond it on every side
LEVELS = 64  # entries of the colour tables the page paints with
FAR = 0.7  # where the far cluster goes: this share of the way from the plane's centre to its top left


def plane(X: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """Limits with room around the data, square in data units so a distance looks the same both ways."""
    centre, half = (X.max(axis=0) + X.min(axis=0)) / 2, (1 + 2 * ROOM) * np.ptp(X, axis=0).max() / 2
    return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)


def colour_table(cmap) -> list[str]:
    """A colour map as LEVELS hex colours, low to high, for the page to look up."""
    from matplotlib.colors import to_hex

    return [to_hex(cmap(i / (LEVELS - 1))) for i in range(LEVELS)]


def playground_view(model: FittedModel):
    """The build's MAP as a probability map and its posterior's doubt, on the playground's plane."""
    import matplotlib

    net, data = model.net, model.data
    X, y = data.X_train, data.y_train
    xlim, ylim = plane(X)
    xs, ys = (np.linspace(low + (high - low) / GRID / 2, high - (high - low) / GRID / 2, GRID)  # cell centres
              for low, high in (xlim, ylim))
    points = np.column_stack([a.ravel() for a in np.meshgrid(xs, ys)])
    tau, curvature = model.fit.diagnostics["tau"], model.fit.curvature  # kept with the fit, or made again
    laplace = Laplace.from_arrays(net, curvature) if curvature else Laplace.at(net, X, y, model.fit.map)
    logit, variance = class_one_logit(*laplace.glm_predictive(tau, points))
    _, doubt = bernoulli_doubt(logit, variance)
    p_map = ACTIVATIONS["sigmoid"](logit)
    top = float(np.ceil(doubt.max() * 20) / 20) or 0.05  # the doubt's colour scale, here and in the page

    figure = style.new_figure(SIZE)
    panels = [figure.add_axes((0.02 + 0.49 * k, 0.06, 0.36, 0.8)) for k in range(2)]
    probability_cmap, doubt_cmap = style.two_class_cmap(), matplotlib.colormaps[palette.UNCERTAINTY_CMAP]
    extent = (*xlim, *ylim)
    for ax, values, cmap, vmax, gid, label in (
            (panels[0], p_map, probability_cmap, 1.0, "map", f"p({data.class_names[1]})"),
            (panels[1], doubt, doubt_cmap, top, "doubt", "mutual information")):
        image = ax.imshow(values.reshape(GRID, GRID), origin="lower", extent=extent, aspect="auto", cmap=cmap,
                          vmin=0, vmax=vmax, interpolation="none", gid=f"playground-{gid}-image")
        style.scatter_classes(ax, X, y, data.class_names, size=14)
        ax.set(xlim=xlim, ylim=ylim, xticks=[], yticks=[])
        bar = figure.colorbar(image, cax=figure.add_axes((ax.get_position().x1 + 0.008, 0.06, 0.012, 0.8)))
        bar.set_ticks([0, vmax])
        bar.set_label(label, labelpad=-8)
    for n, ax in enumerate(panels):  # the page draws its own points: the build's are marked to be hidden
        for k, collection in enumerate(ax.collections):
            collection.set_gid(f"playground-points-{n}-{k}")
            collection.set_rasterized(True)  # a picture of hundreds of markers is smaller than their paths
    panels[0].set_title("MAP: one net", loc="left", fontsize=style.MEDIUM)
    panels[1].set_title("its Laplace posterior's doubt", loc="left", fontsize=style.MEDIUM)

    z, w = quadrature()
    playground = {
        "kind": "playground",
        "panels": [interaction.svg_transform(ax) for ax in panels],
        "xlim": list(xlim), "ylim": list(ylim), "grid": GRID, "far": FAR,
        "x": X.tolist(), "y": y.tolist(), "class_names": list(data.class_names),
        "noise": model.data.truth.get("noise", 0.0),  # the page's new moons, standardised as the build's
        "input_mean": [0.0, 0.0] if data.input_mean is None else [float(v) for v in data.input_mean],
        "input_scale": [1.0, 1.0] if data.input_scale is None else [float(v) for v in data.input_scale],
        "seed": model.data.truth.get("seed", 0),
        "hidden": [layer.width for layer in net.hidden], "outputs": net.n_outputs, "activation": net.hidden[0].activation,
        "weight_sd": net.weight_sd, "bias_sd": net.bias_sd, "fan_in": net.fan_in,
        "map": flatten(net, model.fit.map).tolist(),
        "nodes": z.tolist(), "weights": w.tolist(), "doubt_top": top,
        "colors": {"probability": colour_table(probability_cmap), "doubt": colour_table(doubt_cmap)},
    }
    alt = (f"Two maps of the plane around the {len(y)} training points of the {model.id} model: the "
           f"probability of {data.class_names[1]} from its MAP network, and the mutual information of "
           f"its linearised Laplace posterior (τ = {tau:.3g}, chosen by the evidence), dark where "
           f"the posterior's networks disagree, up to {top:.2f}.")
    return figure, alt, playground

