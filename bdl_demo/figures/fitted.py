"""The fit over the data, "from this… to this": each point figure and its Bayesian twin share axes and size.

Linear regression: the MAP line vs the posterior band and a sample of posterior lines, and the
parameters as points vs densities. Classifiers: the MAP decision surface vs the posterior-mean
probability map with posterior boundaries, and the posterior's uncertainty map.
"""
from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from bdl_demo import palette
from bdl_demo.figures import common, interaction, style
from bdl_demo.model.evaluation import MAP_DRAWS, grid_over
from bdl_demo.model.exact import linear_posterior
from bdl_demo.model.fit import FittedModel
from bdl_demo.model.predictive import class_probabilities, outputs, per_class, subsample

MAP_AXES = (0.14, 0.17, 0.59, 0.72)  # figure fractions; the same for every twin
COLORBAR_AXES = (0.77, 0.17, 0.035, 0.72)
LINE_AXES = (0.14, 0.17, 0.81, 0.72)
N_LINES = 40  # posterior lines or boundaries drawn


def fit_view(model: FittedModel, estimate: str = "point"):
    """The fitted function over the data: a line for regression, a probability map for classes;
    for classes also the "uncertainty" map, the posterior's spread over the plane."""
    if model.kind == "regression":
        return _line_fit(model, estimate)
    if estimate == "uncertainty":
        return uncertainty_map(model)
    return _class_map(model, estimate)


# --- regression -------------------------------------------------------------------------


def _line_fit(model: FittedModel, estimate: str):
    """Data with the MAP line, or with the posterior band and a sample of posterior lines."""
    figure = style.new_figure(style.HALF)
    ax = figure.add_axes(LINE_AXES)
    xs, mu_draws = _line_draws(model)
    if estimate == "point":
        mu = model.net.forward(model.fit.map, xs[:, None])[:, 0]
        ax.plot(xs, mu, color=palette.MODEL_COLOR, linewidth=3, label="MAP line", gid="map-line")
        title = "point estimate: the MAP line"
    else:
        low, high = np.quantile(mu_draws, [0.03, 0.97], axis=0)
        ax.fill_between(xs, low, high, color=palette.MODEL_COLOR, alpha=0.18, linewidth=0,
                        label="94% of posterior lines", gid="posterior-band")
        rows = mu_draws[:: max(1, len(mu_draws) // N_LINES)][:N_LINES]
        for row in rows:
            ax.plot(xs, row, color=palette.MODEL_COLOR, linewidth=0.8, alpha=0.3)
        ax.plot(xs, mu_draws.mean(axis=0), color=palette.MODEL_COLOR, linewidth=3,
                label="posterior mean")
        title = "posterior: a spread of lines"
    ax.scatter(model.data.X_train[:, 0], model.data.y_train, s=70, facecolors="white",
               edgecolors=palette.DATA_COLOR, linewidths=1.5, zorder=3, label="data", gid="data")
    ax.set(xlim=(xs[0], xs[-1]), ylim=_line_ylim(model, mu_draws), xlabel="$x$", ylabel="$y$")
    ax.set_title(title, loc="left")
    ax.legend(loc="upper left", frameon=False)
    # The player steps through the lines drawn faintly.
    player = interaction.line_player(ax, xs, rows, straight=not model.net.hidden) if estimate != "point" else None
    return figure, _line_alt(model, estimate, mu_draws), player


def _line_draws(model: FittedModel):
    """A fine x grid over the data and every posterior draw's line μ(x) on it."""
    x = model.data.X_train[:, 0]
    pad = 0.1 * np.ptp(x)
    xs = np.linspace(x.min() - pad, x.max() + pad, 120)
    return xs, outputs(model.net, model.fit, xs[:, None], subsample(model.fit.draws, 1000))[..., 0]


def _line_ylim(model: FittedModel, mu_draws) -> tuple[float, float]:
    """One y range for both twins: the data and the posterior band, with a margin."""
    low = min(model.data.y_train.min(), np.quantile(mu_draws, 0.01))
    high = max(model.data.y_train.max(), np.quantile(mu_draws, 0.99))
    pad = 0.12 * (high - low)
    return low - pad, high + 2.5 * pad  # room at the top for the legend


def _line_alt(model: FittedModel, estimate: str, mu_draws) -> str:
    """What the line figure shows, with the fitted numbers."""
    n = len(model.data.y_train)
    if estimate == "point":
        w, b = float(model.fit.map["W1"].ravel()[0]), float(model.fit.map["b1"].ravel()[0])
        return f"{n} data points with the single MAP regression line y = {w:.2f} x {'+' if b >= 0 else '−'} {abs(b):.2f}."
    mean, sd = model.fit.posterior_mean(), model.fit.posterior_sd()
    return (f"The same {n} data points with {N_LINES} lines drawn from the posterior and the band "
            f"holding 94% of them; slope {float(mean['W1'].ravel()[0]):.2f} ± "
            f"{float(sd['W1'].ravel()[0]):.2f}, intercept {float(mean['b1'].ravel()[0]):.2f} ± "
            f"{float(sd['b1'].ravel()[0]):.2f} (posterior mean ± sd).")


EXAMPLE_COLORS = ("#e65100", "#2e7d32", "#6a1b9a")  # draws picked out of a cloud, each with its line
LINKED_DRAWS = 400  # draws the deck's script lets a pointer pick, to show the line of one


def parameters_view(model: FittedModel, estimate: str = "point"):
    """The plane of (slope, intercept), where each point is one line: the MAP is one point; the
    posterior a cloud of draws, with the exact posterior's 1- and 2-sd ellipses over it and three
    of its draws ringed, their lines drawn through the data in the corner."""
    figure = style.new_figure(style.HALF)
    ax = figure.add_axes((0.17, 0.15, 0.77, 0.62))
    draws = np.column_stack([model.fit.draws["W1"].reshape(model.fit.n_draws, -1)[:, 0],
                             model.fit.draws["b1"].reshape(model.fit.n_draws, -1)[:, 0]])
    mean, covariance = linear_posterior(model.net, model.data.X_train, model.data.y_train)
    if estimate == "point":
        w, b = float(model.fit.map["W1"].ravel()[0]), float(model.fit.map["b1"].ravel()[0])
        ax.plot([w], [b], "o", color=palette.MODEL_COLOR, markersize=11, gid="map-point", label="MAP")
        title = f"one point: w = {style.signed(w, 2)}, b = {style.signed(b, 2)}"
    else:
        ax.scatter(draws[:, 0], draws[:, 1], s=6, color=palette.MODEL_COLOR, alpha=0.25, linewidths=0,
                   rasterized=True, gid="posterior-draws", label=f"{len(draws)} posterior draws")
        for radius, style_ in ((1, "-"), (2, "--")):
            ax.plot(*_ellipse(mean, covariance, radius), color=palette.DATA_COLOR, linewidth=1.5,
                    linestyle=style_, gid=f"exact-{radius}sd")
        inset = _lines_of_draws(figure, ax, model, draws, mean, covariance)
        title = "a cloud: every point a line"
    truth = model.data.truth
    if "slope" in truth:
        ax.plot([truth["slope"]], [truth["intercept"]], "x", color=palette.DATA_COLOR, markersize=12,
                markeredgewidth=2.5, label="truth", gid="truth")
    spread = 3.2 * np.sqrt(np.diag(covariance))
    ax.set(xlim=(mean[0] - spread[0], mean[0] + spread[0]), ylim=(mean[1] - spread[1], mean[1] + spread[1]),
           xlabel="slope $w$", ylabel="intercept $b$")
    figure.suptitle(title, x=0.02, ha="left", y=0.99, fontsize=style.MEDIUM)
    handles, labels = ax.get_legend_handles_labels()
    markers = {"MAP": dict(marker="o", markersize=10), "truth": dict(marker="x", markersize=10, markeredgewidth=2.5)}
    keys = [dict(color=palette.DATA_COLOR if label == "truth" else palette.MODEL_COLOR, linestyle="none",
                 **markers.get(label, dict(marker="o", markersize=6, alpha=0.5))) for label in labels]
    figure.legend([Line2D([], [], **key) for key in keys], labels, loc="upper left", bbox_to_anchor=(0.15, 0.92),
                  ncol=2, frameon=False)  # above the plot, off the data, markers as drawn
    alt = _parameters_alt(model, estimate, mean, covariance)
    if estimate == "point":
        return figure, alt
    pickable = draws[:LINKED_DRAWS]  # the draws a pointer can pick, each one line in the corner
    return figure, alt, {"kind": "lines", "plane": interaction.svg_transform(ax),
                         "inset": interaction.svg_transform(inset), "x": list(inset.get_xlim()),
                         "draws": [[round(float(w), 6), round(float(b), 6)] for w, b in pickable],
                         "spread": [float(v) for v in np.sqrt(np.diag(covariance))]}


def _lines_of_draws(figure, ax, model: FittedModel, draws, mean, covariance):
    """Three draws along the posterior's longest axis, ringed in the cloud, and in a corner the
    data with the line each of them is; returns that corner's axes."""
    values, vectors = np.linalg.eigh(covariance)
    longest = vectors[:, -1] * np.sqrt(values[-1])
    picked = [int(np.argmin(np.linalg.norm(draws - (mean + k * longest), axis=1))) for k in (-2.0, 0.0, 2.0)]
    inset = ax.inset_axes((0.68, 0.68, 0.31, 0.31))
    x = model.data.X_train[:, 0]
    inset.scatter(x, model.data.y_train, s=8, color=palette.DATA_COLOR, zorder=3)
    grid = np.linspace(x.min() - 0.5, x.max() + 0.5, 2)
    for index, color in zip(picked, EXAMPLE_COLORS):
        w, b = draws[index]
        ax.plot([w], [b], "o", markersize=11, markerfacecolor="none", markeredgecolor=color, markeredgewidth=2.5,
                gid=f"draw-{index}")
        inset.plot(grid, w * grid + b, color=color, linewidth=2, gid=f"line-{index}")
    inset.set(xticks=[], yticks=[], xlim=(grid[0], grid[-1]))
    inset.patch.set_alpha(0.9)
    return inset


def _ellipse(mean, covariance, radius: float, points: int = 100):
    """The curve where a 2-D Normal's density is `radius` sds from its mean."""
    values, vectors = np.linalg.eigh(covariance)
    angle = np.linspace(0, 2 * np.pi, points)
    circle = np.stack([np.cos(angle), np.sin(angle)])
    curve = vectors @ (radius * np.sqrt(values)[:, None] * circle)
    return mean[0] + curve[0], mean[1] + curve[1]


def _parameters_alt(model: FittedModel, estimate: str, mean, covariance) -> str:
    """What the parameter figure shows, with the numbers."""
    if estimate == "point":
        w, b = (float(model.fit.map[k].ravel()[0]) for k in ("W1", "b1"))
        return (f"The plane of slope and intercept, where each point is one line; the MAP is the single "
                f"point slope {w:.2f}, intercept {b:.2f}.")
    sd = np.sqrt(np.diag(covariance))
    correlation = covariance[0, 1] / (sd[0] * sd[1])
    return (f"The same plane with {model.fit.n_draws} posterior draws as a cloud and the exact posterior's "
            f"1- and 2-sd ellipses: slope {mean[0]:.2f} ± {sd[0]:.2f}, intercept {mean[1]:.2f} ± {sd[1]:.2f}, "
            f"their correlation {correlation:.2f}; priors {common.prior_words(model.net)}. Three draws along the "
            "cloud's longest axis are ringed, and their three lines are drawn through the data in the corner.")


# --- classification -----------------------------------------------------------------------


def _class_map(model: FittedModel, estimate: str):
    """The MAP probability map and boundary, or the posterior-mean map with posterior boundaries."""
    figure, ax, cax = _map_figure()
    xs, ys, points = grid_over(model.data.X_train)
    shape = (len(ys), len(xs))
    net = model.net
    if estimate == "point":
        p1 = class_probabilities(net, model.fit.map, points)[:, 1].reshape(shape)
        title, player = "point estimate (MAP)", None
    else:
        p1 = model.evaluation.grid_mean[:, 1].reshape(shape)
        few = subsample(model.fit.draws, N_LINES)
        boundaries = per_class(net, outputs(net, model.fit, points, few))[..., 1].reshape(-1, *shape)
        for p in boundaries:
            ax.contour(xs, ys, p, levels=[0.5], colors=[palette.BOUNDARY_COLOR], linewidths=0.8,
                       alpha=0.3)
        ax.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]))
        player = interaction.boundary_player(ax, model, few, xs, ys, boundaries)
        title = "posterior mean"
    # The class-1 probability over the plane, rasterised: purple for class 0, green for class 1.
    image = ax.imshow(p1, origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]), aspect="auto",
                      cmap=style.two_class_cmap(), vmin=0, vmax=1, alpha=0.85, rasterized=True,
                      interpolation="bilinear", gid="probability-map")
    ax.contour(xs, ys, p1, levels=[0.5], colors=[palette.BOUNDARY_COLOR], linewidths=3)
    _finish_map(ax, model, title)
    figure.colorbar(image, cax=cax).set_label(f"p({model.data.class_names[1]})")
    return figure, _map_alt(model, estimate), player


def uncertainty_map(model: FittedModel):
    """Where the posterior is unsure: the sd across draws of the class-1 probability."""
    figure, ax, cax = _map_figure()
    xs, ys, _ = grid_over(model.data.X_train)
    mean, sd = model.evaluation.grid_mean, model.evaluation.grid_sd
    shape = (len(ys), len(xs))
    image = ax.imshow(sd[:, 1].reshape(shape), origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]),
                      aspect="auto", cmap=palette.UNCERTAINTY_CMAP, vmin=0, rasterized=True, interpolation="bilinear",
                      gid="uncertainty-map")
    ax.contour(xs, ys, mean[:, 1].reshape(shape), levels=[0.5], colors=[palette.BOUNDARY_COLOR],
               linewidths=2, linestyles="dashed")
    _finish_map(ax, model, "posterior uncertainty")
    ax.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]))
    probe = interaction.probe(ax, model)
    figure.colorbar(image, cax=cax).set_label(f"sd of p({model.data.class_names[1]}) over draws")
    high = float(sd[:, 1].max())
    alt = (f"Posterior uncertainty of the {model.id} model over the input plane: the standard "
           f"deviation across {min(MAP_DRAWS, model.fit.n_draws)} posterior draws of the probability "
           f"of {model.data.class_names[1]}, near 0 far inside each class and up to {high:.2f} along "
           f"the decision boundary and away from the data; the dashed line is the posterior-mean boundary.")
    return figure, alt, probe


def _map_figure():
    """A half-slide figure with the map axes and a colour bar at fixed places, shared by twins."""
    figure = style.new_figure(style.HALF)
    return figure, figure.add_axes(MAP_AXES), figure.add_axes(COLORBAR_AXES)


def _finish_map(ax, model: FittedModel, title: str):
    """Data on top, axis names and a title: the same for every map so twins line up."""
    style.scatter_classes(ax, model.data.X_train, model.data.y_train, model.data.class_names)
    ax.set(xlabel="$x_1$", ylabel="$x_2$")
    ax.set_title(title, loc="left")


def _map_alt(model: FittedModel, estimate: str) -> str:
    """What a probability map shows, with the held-out accuracy."""
    data, numbers = model.data, model.evaluation.numbers
    if estimate == "point":
        return (f"Training data of the {model.id} model ({', '.join(data.class_names)}) over the "
                f"MAP estimate's probability map with its decision boundary (p = 0.5); "
                f"held-out accuracy {numbers['test_accuracy_map']:.2f}.")
    return (f"Training data of the {model.id} model over the posterior-mean probability map "
            f"(average over {min(MAP_DRAWS, model.fit.n_draws)} of its {model.fit.n_draws} "
            f"{model.fit.method.upper()} draws) with its boundary and {N_LINES} thin boundaries of single "
            f"posterior draws; posterior predictive accuracy on held-out data {numbers['test_accuracy']:.2f}.")
