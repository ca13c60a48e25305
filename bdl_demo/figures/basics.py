"""The basics: the activation functions a layer can apply, and Bayes' rule for one parameter."""
from __future__ import annotations

import numpy as np
from scipy.stats import norm

from bdl_demo import palette
from bdl_demo.figures import style
from bdl_demo.model.fit import FittedModel
from bdl_demo.model.network import activate

BASICS_SIZE = (12.0, 4.6)


def activations():
    """Identity, sigmoid, tanh and ReLU as curves, and softmax turning scores into probabilities."""
    figure = style.new_figure(BASICS_SIZE)
    z = np.linspace(-4, 4, 201)
    # Each curve's name and title, its y range, and three y ticks: its range and the middle.
    curves = [("identity", "identity", (-4, 4), (-4, 0, 4)), ("sigmoid", "sigmoid", (-1.2, 1.2), (0, 0.5, 1)),
              ("tanh", "tanh", (-1.2, 1.2), (-1, 0, 1)), ("relu", "ReLU", (-4, 4), (-4, 0, 4))]
    width = 0.94 / 5
    for k, (name, title, ylim, yticks) in enumerate(curves):
        ax = figure.add_axes((0.04 + k * width, 0.2, 0.75 * width, 0.66))
        ax.axhline(0, color=palette.GRID_COLOR, linewidth=1, zorder=0)
        ax.axvline(0, color=palette.GRID_COLOR, linewidth=1, zorder=0)
        ax.plot(z, activate(name, z), color=palette.ACTIVATION_COLOR, linewidth=3.5, gid=f"curve-{name}")
        ax.set(xlim=(-4, 4), ylim=ylim, xlabel="$z$", xticks=(-3, 0, 3), yticks=yticks)
        ax.set_title(title, color=palette.ACTIVATION_COLOR, fontweight="bold")
    _softmax_panel(figure.add_axes((0.04 + 4 * width, 0.2, 0.8 * width, 0.66)))
    alt = ("The activation functions: identity keeps z, sigmoid squashes z into (0, 1), tanh into "
           "(−1, 1), ReLU keeps positive z and zeroes the rest; softmax turns the scores 2, 1 and "
           "0.1 of three classes into probabilities 0.66, 0.24 and 0.10 that sum to one.")
    return figure, alt


def _softmax_panel(ax):
    """Softmax's idea: scores of three classes (grey) become probabilities (orange)."""
    scores = np.array([2.0, 1.0, 0.1])
    probabilities = activate("softmax", scores)
    positions = np.arange(len(scores))
    ax.bar(positions - 0.2, scores, width=0.4, color=palette.PRIOR_COLOR, label="score $z$")
    ax.bar(positions + 0.2, probabilities, width=0.4, color=palette.ACTIVATION_COLOR,
           label="probability", gid="softmax-probabilities")
    ax.set_xticks(positions, labels=["A", "B", "C"])
    ax.set(ylim=(0, 2.6), yticks=(0, 1, 2))
    ax.set_title("softmax", color=palette.ACTIVATION_COLOR, fontweight="bold")
    ax.legend(loc="upper right", frameon=False, fontsize=style.SMALL, handlelength=1)
    ax.set_xlabel("class")


def bayes_rule(model: FittedModel):
    """Prior × likelihood → posterior for the slope of the linear model, computed on a grid."""
    w, prior, likelihood, posterior, b = _slope_grid(model)
    figure = style.new_figure(BASICS_SIZE)
    panels = [(prior, "prior", palette.PRIOR_COLOR, f"$w \\sim \\mathcal{{N}}(0, {model.net.prior_sd('W1'):g}^2)$"),
              (likelihood, "likelihood", palette.MODEL_COLOR, f"$p(y \\mid w)$, {len(model.data.y_train)} points"),
              (posterior, "posterior", palette.WEIGHT_COLOR, "$p(w \\mid y)$")]
    for k, (density, title, color, note) in enumerate(panels):
        ax = figure.add_axes((0.04 + 0.33 * k, 0.24, 0.25, 0.58))
        if title == "posterior":  # what it came from, faintly behind it
            ax.plot(w, prior, color=palette.PRIOR_COLOR, linewidth=2)
            ax.plot(w, likelihood, color=palette.MODEL_COLOR, linewidth=1.5, linestyle="--")
        ax.fill_between(w, density, color=color, alpha=0.25, linewidth=0)
        ax.plot(w, density, color=color, linewidth=3, gid=f"bayes-{title}")
        ax.set(xlim=(w[0], w[-1]), ylim=(0, 1.35 * density.max()), yticks=[], xlabel="slope $w$")
        ax.spines["left"].set_visible(False)
        ax.set_title(title, color=color, fontweight="bold")
        ax.text(0.03, 0.93, note, transform=ax.transAxes, va="top", fontsize=style.SMALL)
    for x, symbol in ((0.315, "×"), (0.645, "→")):
        figure.text(x, 0.5, symbol, ha="center", va="center", fontsize=34, fontweight="bold")
    figure.text(0.5, 0.03, f"intercept held at its posterior mean b = {b:.2f}; "
                f"noise sd {model.net.noise_sd:g}", ha="center", fontsize=style.SMALL)
    mean = float((w * posterior).sum() / posterior.sum())
    sd = float(np.sqrt(((w - mean) ** 2 * posterior).sum() / posterior.sum()))
    alt = (f"Bayes' rule for the slope w of the linear model: the N(0, {model.net.prior_sd('W1'):g}²) prior "
           f"times the likelihood of the {len(model.data.y_train)} data points gives the posterior, "
           f"with mean {mean:.2f} and sd {sd:.2f}, much narrower than the prior.")
    return figure, alt


def _slope_grid(model: FittedModel):
    """Prior, likelihood and posterior of the slope on a grid, with the intercept held fixed."""
    x, y = model.data.X_train[:, 0], model.data.y_train
    b = float(model.fit.posterior_mean()["b1"].ravel()[0])
    sd = model.net.prior_sd("W1")
    w = np.linspace(-3 * sd, 3 * sd, 601)
    prior = norm.pdf(w, 0, sd)
    residuals = y[None, :] - (w[:, None] * x[None, :] + b)
    log_likelihood = -0.5 * (residuals / model.net.noise_sd) ** 2
    likelihood = np.exp(log_likelihood.sum(axis=1) - log_likelihood.sum(axis=1).max())
    posterior = prior * likelihood
    step = w[1] - w[0]
    return w, prior, likelihood / (likelihood.sum() * step), posterior / (posterior.sum() * step), b
