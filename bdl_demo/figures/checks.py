"""How good the fits are, drawn from the evaluation: calibration, uncertainty on inputs unlike the
training data, ADVI's loss, ADVI against NUTS, and how the exact posterior narrows with more data.

Each figure says which uncertainty it shows (bdl_demo.model.uncertainty defines them).
"""
from __future__ import annotations

import numpy as np
from scipy.stats import norm

from bdl_demo import palette
from bdl_demo.numbers import significant, tau_choice
from bdl_demo.figures import common, style
from bdl_demo.model import uncertainty
from bdl_demo.model.evaluation import OOD_WHAT, grid_over, ood_sets
from bdl_demo.model.predictive import class_probabilities, draw_probabilities
from bdl_demo.model.exact import BAND, band_sd
from bdl_demo.model.fit import FittedModel

SWEEP_SIZE = (12.0, 4.3)  # the τ sweep leaves room on its slide for two lines of words
LABELS = {"map": "MAP", "posterior": "posterior", "advi": "mean-field ADVI", "dropout": "MC dropout",
          "ensemble": "deep ensemble"}
METHOD_NAMES = {"nuts": "NUTS", "laplace": "Laplace", "advi": "mean-field ADVI", "dropout": "MC dropout",
                "ensemble": "deep ensemble"}


def reliability(model: FittedModel):
    """Reliability diagram: accuracy against confidence per bin, MAP and posterior (and ADVI)."""
    figure = style.new_figure(style.HALF)
    ax = figure.add_axes((0.16, 0.17, 0.78, 0.72))
    ax.plot([0, 1], [0, 1], color=palette.GRID_COLOR, linewidth=2, zorder=0)
    metrics = model.evaluation.numbers["metrics"]
    for name, marker in (("map", "o"), ("posterior", "s"), ("advi", "^")):
        if name not in metrics:
            continue
        bins = [b for b in metrics[name]["reliability"] if b["count"]]
        ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], marker=marker,
                color=palette.METHOD_COLORS[name], markersize=8, linewidth=2, gid=f"reliability-{name}",
                label=f"{LABELS[name]} (ECE {metrics[name]['ece']:.3f})",
                markerfacecolor="white" if name == "map" else palette.METHOD_COLORS[name])
    shown = [b for name in metrics for b in metrics[name]["reliability"] if b["count"]]
    low = min(min(b["confidence"], b["accuracy"]) for b in shown)  # a small test set can be far off
    start = max(0.0, np.floor(low * 10) / 10 - 0.05)
    ax.set(xlim=(start, 1.0), ylim=(start, 1.02), xlabel="confidence (top probability)", ylabel="accuracy")
    ax.legend(loc="best", frameon=True, framealpha=0.9, edgecolor="white")  # over a line, still read
    ax.set_title("calibration on held-out data", loc="left")
    alt = (f"Reliability diagram of the {model.id} model on held-out data: accuracy against confidence "
           "in 15 bins; " + "; ".join(f"{LABELS[n]} expected calibration error {m['ece']:.3f}"
                                      for n, m in metrics.items()) + "; the diagonal is perfect calibration.")
    return figure, alt


def out_of_distribution(model: FittedModel):
    """For each set of inputs unlike the training data: the MAP's entropy and the posterior's
    mutual information, on held-out test inputs and on those inputs, with the AUROC of each."""
    data, net, fit = model.data, model.net, model.fit
    sets = ood_sets(data)
    metrics = model.evaluation.numbers["metrics"]
    figure = style.new_figure(style.FULL)
    width = 0.9 / (2 * len(sets))
    for k, (name, X) in enumerate(sets.items()):
        figure.text(0.06 + 2 * k * width, 0.93, f"test inputs against {OOD_WHAT[name]}", fontsize=style.SMALL)
        pairs = [("map", "MAP:\nentropy H[p]", uncertainty.entropy(class_probabilities(net, fit.map, data.X_test)),
                  uncertainty.entropy(class_probabilities(net, fit.map, X)), metrics["map"]["ood_auroc"][name]),
                 ("posterior", "posterior:\nmutual information",
                  uncertainty.epistemic(draw_probabilities(net, fit, data.X_test, 300)),
                  uncertainty.epistemic(draw_probabilities(net, fit, X, 300)),
                  metrics["posterior"]["ood_auroc"][name]["mutual_information"])]
        for j, (who, title, inside, outside, auroc) in enumerate(pairs):
            ax = figure.add_axes((0.06 + (2 * k + j) * width, 0.17, 0.78 * width, 0.52))
            top = max(inside.max(), outside.max(), 1e-6)
            edges = np.linspace(0, top, 25)
            ax.hist(inside, bins=edges, density=True, color=palette.PRIOR_COLOR, alpha=0.6, label="test",
                    gid=f"ood-{who}-{name}-inside")
            ax.hist(outside, bins=edges, density=True, color=palette.METHOD_COLORS[who], alpha=0.7,
                    label=name, gid=f"ood-{who}-{name}-outside", histtype="step", linewidth=2.5)
            ax.set_yticks([])
            ax.set_title(f"{title}\nAUROC {auroc:.2f}", fontsize=style.SMALL, loc="left")
            ax.set_xlabel("nats", fontsize=style.SMALL)
            ax.legend(frameon=False, loc="upper right")
    alt = (f"Uncertainty of the {model.id} model on held-out test inputs and on inputs unlike its training "
           "data (" + "; ".join(f"{name}: MAP entropy AUROC {metrics['map']['ood_auroc'][name]:.2f}, posterior "
                                f"mutual information AUROC {metrics['posterior']['ood_auroc'][name]['mutual_information']:.2f}"
                                for name in sets) + "), as histograms of each.")
    return figure, alt


def advi_loss(model: FittedModel):
    """ADVI's loss (the negative ELBO) step by step, smoothed, with the last two tenths compared."""
    fit = model.fit if model.fit.method == "advi" else model.companions["advi"]
    loss = fit.loss
    window = max(1, len(loss) // 100)
    smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
    figure = style.new_figure(style.HALF)
    ax = figure.add_axes((0.18, 0.17, 0.76, 0.68))
    ax.plot(np.arange(len(smooth)) + window, smooth, color=palette.METHOD_COLORS["advi"], linewidth=2,
            gid="advi-loss")
    tenth = max(1, len(loss) // 10)
    for start, shade in ((len(loss) - 2 * tenth, 0.10), (len(loss) - tenth, 0.22)):
        ax.axvspan(start, start + tenth, color=palette.METHOD_COLORS["advi"], alpha=shade, linewidth=0)
    low, high = np.quantile(smooth, [0.0, 0.9])
    ax.set(ylim=(low - 0.05 * (high - low), high), xlabel="step", ylabel="−ELBO")
    d = fit.diagnostics
    verdict = "settled" if d["converged"] else "not settled"
    ax.set_title(f"{verdict}: moved {100 * d['loss_change']:.1f} % over the last tenth", loc="left",
                 fontsize=style.MEDIUM)
    alt = (f"The loss of mean-field ADVI on the {model.id} model over {len(loss)} steps, smoothed: "
           f"it {'settled' if d['converged'] else 'had not settled'}, moving {100 * d['loss_change']:.1f} % "
           "between the last two tenths of the run (shaded).")
    return figure, alt


def vi_against_mcmc(model: FittedModel):
    """Each parameter's posterior by NUTS and by mean-field ADVI (and exactly, where known)."""
    rows = model.evaluation.numbers["vi_vs_mcmc"]["parameters"]
    nuts, advi = model.fit, model.companions["advi"]
    figure = style.new_figure((12.0, 4.6))
    width = 0.94 / len(rows)
    for k, row in enumerate(rows):
        name, index = row["parameter"].split("[")
        where = (slice(None), *(int(i) for i in index.rstrip("]").split(",")))
        ax = figure.add_axes((0.03 + k * width, 0.2, 0.82 * width, 0.58))
        a, b = nuts.draws[name][where], advi.draws[name][where]
        grid = np.linspace(min(a.min(), b.min()), max(a.max(), b.max()), 200)
        ax.plot(grid, common.kde(a, grid), color=palette.METHOD_COLORS["posterior"], linewidth=3,
                label="NUTS", gid=f"nuts-{row['parameter']}")
        ax.plot(grid, common.kde(b, grid), color=palette.METHOD_COLORS["advi"], linewidth=3,
                linestyle="--", label="ADVI", gid=f"advi-{row['parameter']}")
        if "exact_mean" in row:
            ax.plot(grid, norm.pdf(grid, row["exact_mean"], row["exact_sd"]),
                    color=palette.METHOD_COLORS["exact"], linewidth=1.5, linestyle=":", label="exact")
        ax.set_yticks([])
        ax.set_title(f"{_math(row['parameter'])}\nsd ADVI/NUTS {row['sd_ratio']:.2f}", fontsize=style.SMALL)
        if k == 0:
            figure.legend(loc="upper left", bbox_to_anchor=(0.01, 0.99), ncol=3, frameon=False)
    seconds = model.evaluation.numbers["vi_vs_mcmc"]["seconds"]
    alt = (f"Posterior of each parameter of the {model.id} model by NUTS and by mean-field ADVI"
           f"{' and exactly' if 'exact_mean' in rows[0] else ''}: ADVI's sd over NUTS's is " +
           ", ".join(f"{r['sd_ratio']:.2f} for {r['parameter']}" for r in rows) +
           f"; NUTS took {seconds['nuts']:.1f} s and ADVI {seconds['advi']:.1f} s.")
    return figure, alt


def _math(parameter: str) -> str:
    """W1[0,0] → $W_{1}[0,0]$, in the colour-free mathtext of a title."""
    name, index = parameter.split("[")
    return f"${name[0]}_{{{name[1:]}}}$[{index}"


def more_data(model: FittedModel):
    """The exact posterior after 3, 12 and 100 points: its band of lines, and the slope's density."""
    results = model.evaluation.numbers["more_data"]
    figure = style.new_figure(style.FULL)
    width = 0.94 / len(results)
    xs = np.linspace(min(min(r["X"]) for r in results), max(max(r["X"]) for r in results), 120)
    prior = model.net.prior_sd("W1")
    slopes = np.linspace(-3 * prior, 3 * prior, 400)
    for k, r in enumerate(results):
        mean, covariance = np.array(r["mean"]), np.array(r["covariance"])
        band = BAND * band_sd(covariance, xs)
        line = mean[0] * xs + mean[1]
        top = figure.add_axes((0.05 + k * width, 0.47, 0.82 * width, 0.42))
        top.fill_between(xs, line - band, line + band, color=palette.MODEL_COLOR, alpha=0.2, linewidth=0,
                         gid=f"band-{r['n']}")
        top.plot(xs, line, color=palette.MODEL_COLOR, linewidth=2)
        top.scatter(r["X"], r["y"], s=18 if r["n"] > 20 else 45, facecolors="white",
                    edgecolors=palette.DATA_COLOR, linewidths=1, zorder=3)
        top.set_title(f"n = {r['n']}: band {r['band_at_0']:.2f} wide at x = 0", loc="left", fontsize=style.SMALL)
        top.set(xticks=[], yticks=[])
        bottom = figure.add_axes((0.05 + k * width, 0.13, 0.82 * width, 0.26))
        bottom.fill_between(slopes, norm.pdf(slopes, 0, prior), color=palette.PRIOR_COLOR, alpha=0.35,
                            linewidth=0)
        bottom.plot(slopes, norm.pdf(slopes, mean[0], np.sqrt(covariance[0, 0])),
                    color=palette.WEIGHT_COLOR, linewidth=2.5, gid=f"slope-{r['n']}")
        bottom.set(yticks=[], xlabel=f"slope: sd {r['slope_sd']:.2f}")
    alt = ("The exact posterior of the linear model after " +
           ", ".join(f"{r['n']} points: band of 94 % of lines {r['band_at_0']:.2f} wide at x = 0, slope sd "
                     f"{r['slope_sd']:.2f}" for r in results) + "; the prior is grey.")
    return figure, alt


def doubt_maps(model: FittedModel):
    """The mutual information of each way to uncertainty over the plane, side by side, on one
    colour scale: where its networks disagree."""
    xs, ys, points = grid_over(model.data.X_train, 60)
    ways = {"posterior": model.fit, **model.companions}
    maps = {name: uncertainty.epistemic(draw_probabilities(model.net, fit, points, 200))
            .reshape(len(ys), len(xs)) for name, fit in ways.items()}
    top = max(float(m.max()) for m in maps.values()) or 1.0
    figure = style.new_figure(style.FULL)
    width = 0.9 / len(maps)
    metrics = model.evaluation.numbers["metrics"]
    for k, (name, values) in enumerate(maps.items()):
        ax = figure.add_axes((0.04 + k * width, 0.16, 0.85 * width, 0.62))
        image = ax.imshow(values, origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]), aspect="auto",
                          cmap=palette.UNCERTAINTY_CMAP, vmin=0, vmax=top, rasterized=True,
                          interpolation="bilinear", gid=f"mi-{name}")
        style.scatter_classes(ax, model.data.X_train, model.data.y_train, model.data.class_names, size=10)
        ax.set(xticks=[], yticks=[])
        label = METHOD_NAMES[model.fit.method] if name == "posterior" else METHOD_NAMES[name]
        far = metrics[name]["ood_auroc"].get("far", {}).get("mutual_information")
        ax.set_title(f"{label}\nNLL {metrics[name]['nll']:.3f}" + (f" · far {far:.2f}" if far is not None else ""),
                     fontsize=style.SMALL, loc="left")
    cax = figure.add_axes((0.925, 0.16, 0.012, 0.62))
    figure.colorbar(image, cax=cax).set_label("mutual information")
    alt = (f"Mutual information over the plane of the {model.id} model for " +
           ", ".join(f"{METHOD_NAMES[model.fit.method] if n == 'posterior' else METHOD_NAMES[n]} "
                     f"(held-out NLL {metrics[n]['nll']:.3f})" for n in maps) +
           ": dark where each method's networks disagree about the class.")
    return figure, alt


def map_loss(model: FittedModel):
    """The MAP's training in this build: the loss (negative log posterior) at every L-BFGS step."""
    loss = np.asarray(model.fit.diagnostics["map_loss"])
    figure = style.new_figure(style.HALF)
    ax = figure.add_axes((0.2, 0.17, 0.74, 0.68))
    ax.plot(np.arange(1, len(loss) + 1), loss, color=palette.METHOD_COLORS["map"], linewidth=2.5, gid="map-loss")
    ax.set(xlabel="step", ylabel="loss $L(\\theta)$", yscale="log" if loss.max() > 10 * loss.min() > 0 else "linear")
    ax.set_title(f"{loss[0]:.0f} → {loss[-1]:.1f} in {len(loss)} steps", loc="left", fontsize=style.MEDIUM)
    alt = (f"The loss of the {model.id} model, its negative log posterior, at each of the {len(loss)} steps "
           f"of the optimiser that found the MAP in this build: from {loss[0]:.1f} to {loss[-1]:.1f}.")
    return figure, alt


def prior_precision(model: FittedModel):
    """A Laplace posterior's trade-off over τ, the factor on its prior's precision: the evidence,
    the held-out NLL (the MAP's as the τ → ∞ end) and how well its mutual information flags each
    out-of-distribution set — with the evidence's choice marked in every panel."""
    sweep = model.evaluation.numbers["prior_precision_sweep"]
    metrics = model.evaluation.numbers["metrics"]
    taus = np.array([row["tau"] for row in sweep])
    chosen = next(row for row in sweep if row["chosen"])
    peak = next(row for row in sweep if row["evidence_peak"])
    rule = model.fit.diagnostics.get("tau_chosen_by", "setting")
    sets = list(sweep[0]["ood_auroc"])
    figure = style.new_figure(SWEEP_SIZE)
    panels = [("log evidence", "evidence: higher is likelier"), ("held-out NLL", "near the data: lower is better"),
              ("AUROC of mutual information", "far from the data: flags")]
    axes = [figure.add_axes((0.08 + 0.33 * k, 0.2, 0.24, 0.6)) for k in range(3)]
    color = palette.METHOD_COLORS["posterior"]
    axes[0].plot(taus, [row["log_evidence"] for row in sweep], marker="o", color=color, linewidth=2.5,
                 gid="sweep-evidence")
    top = peak["log_evidence"]
    bottom = max(min(row["log_evidence"] for row in sweep), top - 6 * (abs(top) + 1))
    axes[0].set_ylim(bottom, top + 0.12 * (top - bottom) + 1e-9)  # the peak, not the fall
    axes[1].plot(taus, [row["nll"] for row in sweep], marker="o", color=color, linewidth=2.5, gid="sweep-nll")
    axes[1].axhline(metrics["map"]["nll"], color=palette.METHOD_COLORS["map"], linestyle="--", linewidth=2,
                    label="MAP (τ → ∞)", gid="sweep-map-nll")
    axes[1].legend(loc="upper right", frameon=False)
    for name, marker in zip(sets, ("o", "s", "^", "D")):
        axes[2].plot(taus, [row["ood_auroc"][name] for row in sweep], marker=marker, linewidth=2.5,
                     color=color, alpha=1.0 if name == sets[0] else 0.55, label=name, gid=f"sweep-ood-{name}")
    axes[2].axhline(0.5, color=palette.PRIOR_COLOR, linewidth=1.5, linestyle=":", label="chance")
    axes[2].set_ylim(0, 1.02)
    axes[2].legend(loc="lower right" if sweep[-1]["ood_auroc"][sets[0]] > 0.5 else "lower left", frameon=True,
                   framealpha=0.9, edgecolor="white")
    for ax, (ylabel, title) in zip(axes, panels):
        if peak is not chosen:
            ax.axvline(peak["tau"], color=palette.PRIOR_COLOR, linewidth=2, linestyle="--", gid="sweep-evidence-peak")
        ax.axvline(chosen["tau"], color=palette.ACTIVATION_COLOR, linewidth=2.5, gid="sweep-chosen")
        ax.set(xscale="log", xlabel="τ  (wider ← → colder)", ylabel=ylabel)
        ax.set_title(title, loc="left", fontsize=style.SMALL)
    figure.text(0.07, 0.9, tau_choice(rule, chosen["tau"]) + " (orange)" +
                ("" if peak is chosen else f"; the evidence's peak: τ = {significant(peak['tau'])} (grey)"),
                fontsize=style.MEDIUM, color=palette.ACTIVATION_COLOR)
    coldest = sweep[-1]
    alt = (f"How the Laplace posterior of the {model.id} model changes with τ, the factor on its prior's "
           f"precision, from {taus[0]:g} to {taus[-1]:g}: {tau_choice(rule, chosen['tau'])} (the evidence peaks at "
           f"τ = {significant(peak['tau'])}), where the held-out NLL is {chosen['nll']:.3f} (the MAP's {metrics['map']['nll']:.3f}) and the mutual "
           "information flags " + ", ".join(f"{name} with AUROC {chosen['ood_auroc'][name]:.2f}" for name in sets) +
           f"; at τ = {coldest['tau']:g} the NLL is {coldest['nll']:.3f} and the AUROC " +
           ", ".join(f"{coldest['ood_auroc'][name]:.2f}" for name in sets) + ".")
    return figure, alt
