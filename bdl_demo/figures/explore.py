"""Add data, watch the posterior move: the exact posterior of the linear model as the band of its
lines over the data and as its density over (slope, intercept), side by side.

Drawn here for the build's own points; in the deck a script redraws both panels in the same SVG
coordinates each time a point is added or removed, with the same conjugate update as
bdl_demo.model.exact, so the static figure is also what a reader without JavaScript sees.
"""
from __future__ import annotations

import numpy as np

from bdl_demo import palette
from bdl_demo.figures import interaction, style
from bdl_demo.figures.fitted import _ellipse
from bdl_demo.model.exact import BAND, band_sd, linear_posterior
from bdl_demo.model.fit import FittedModel

LINE_AXES = (0.07, 0.16, 0.5, 0.64)
PLANE_AXES = (0.66, 0.16, 0.31, 0.64)
GRID = 60  # x positions of the band
SIZE = (12.0, 4.7)  # as tall as the slide shows it under its title and buttons, so text keeps its size


def ellipse_limits(posteriors: list, truth, margin: float = 0.15) -> tuple[tuple, tuple]:
    """Axes of the (slope, intercept) plane that hold the 2-sd ellipse of every posterior given
    (mean, covariance) — the ellipse of a 2-D Normal lies within mean ± 2·sd on each axis — and
    the truth, with a margin."""
    low = np.min([np.asarray(m) - 2 * np.sqrt(np.diag(c)) for m, c in posteriors] + [truth], axis=0)
    high = np.max([np.asarray(m) + 2 * np.sqrt(np.diag(c)) for m, c in posteriors] + [truth], axis=0)
    pad = margin * (high - low)
    return (low[0] - pad[0], high[0] + pad[0]), (low[1] - pad[1], high[1] + pad[1])


def explore_view(model: FittedModel):
    """The build's points with the exact band and mean line; the exact 1- and 2-sd ellipses of
    (slope, intercept) with the truth; limits that hold every preset of the deck's buttons."""
    net, data = model.net, model.data
    presets = {r["n"]: r for r in model.evaluation.numbers["more_data"]}
    X, y = data.X_train, data.y_train
    figure = style.new_figure(SIZE)
    line_ax, plane_ax = figure.add_axes(LINE_AXES), figure.add_axes(PLANE_AXES)

    every_x = np.concatenate([r["X"] for r in presets.values()])
    every_y = np.concatenate([r["y"] for r in presets.values()])
    # Room beyond the data on both sides, most on the right: a point put far out shows the band pinch.
    pad_x, pad_y = 0.08 * np.ptp(every_x), 0.25 * np.ptp(every_y)
    xlim = (every_x.min() - pad_x, every_x.max() + 0.6 * np.ptp(every_x))
    # Where each preset's posterior mean line is at both ends of the x range: the y range must
    # hold them, or a point added far out would fall outside the plot.
    reach = np.array([r["mean"][0] * x + r["mean"][1] for r in presets.values() for x in xlim])
    ylim = (min(every_y.min(), reach.min()) - pad_y, max(every_y.max(), reach.max()) + pad_y)
    xs = np.linspace(*xlim, GRID)

    mean, covariance = linear_posterior(net, X, y)
    centre, half = mean[0] * xs + mean[1], BAND * band_sd(covariance, xs)
    line_ax.fill_between(xs, centre - half, centre + half, color=palette.MODEL_COLOR, alpha=0.2,
                         linewidth=0, label="94% of posterior lines", gid="explore-band")
    line_ax.plot(xs, centre, color=palette.MODEL_COLOR, linewidth=3, label="posterior mean", gid="explore-mean")
    line_ax.scatter(X[:, 0], y, s=70, facecolors="white", edgecolors=palette.DATA_COLOR, linewidths=1.5,
                    zorder=3, label="data", gid="explore-data")
    line_ax.set(xlim=xlim, ylim=ylim, xlabel="$x$", ylabel="$y$")
    line_ax.set_title("click to add a point, click a point to remove it", loc="left", fontsize=style.SMALL)
    figure.legend(loc="upper left", bbox_to_anchor=(LINE_AXES[0], 1.0), ncol=3, frameon=False,
                  fontsize=style.SMALL)  # above the axes, off the data

    truth = data.truth
    for radius, dash in ((1, "-"), (2, "--")):
        plane_ax.plot(*_ellipse(mean, covariance, radius), color=palette.MODEL_COLOR, linewidth=2,
                      linestyle=dash, gid=f"explore-ellipse-{radius}")
    plane_ax.plot([mean[0]], [mean[1]], "o", color=palette.MODEL_COLOR, markersize=8, gid="explore-centre")
    if "slope" in truth:
        plane_ax.plot([truth["slope"]], [truth["intercept"]], "x", color=palette.DATA_COLOR, markersize=12,
                      markeredgewidth=2.5, gid="truth")
    wlim, blim = ellipse_limits([(r["mean"], r["covariance"]) for r in presets.values()] + [(mean, covariance)],
                                [truth["slope"], truth["intercept"]] if "slope" in truth else mean)
    plane_ax.set(xlim=wlim, ylim=blim, xlabel="slope $w$", ylabel="intercept $b$")
    plane_ax.set_title("1 and 2 sd of the posterior", loc="left", fontsize=style.SMALL)

    explore = {
        "kind": "explore", "line": interaction.svg_transform(line_ax), "plane": interaction.svg_transform(plane_ax),
        "xlim": list(xlim), "ylim": list(ylim), "wlim": list(wlim), "blim": list(blim),
        "xs": [float(x) for x in xs],
        "x": X[:, 0].tolist(), "y": y.tolist(),
        "prior_sd": [net.prior_sd("W1"), net.prior_sd("b1")], "noise_sd": net.noise_sd, "band": BAND,
        "presets": {str(n): {"x": r["X"], "y": r["y"]} for n, r in presets.items()},
        "colors": {"model": palette.MODEL_COLOR, "data": palette.DATA_COLOR},
    }
    alt = (f"The exact posterior of the linear model from its {len(y)} points: the band of 94 % of its "
           f"lines and its mean line over the data; beside it the 1- and 2-sd ellipses of slope and "
           f"intercept (mean {mean[0]:.2f}, {mean[1]:.2f}) and the true line's values.")
    return figure, alt, explore
