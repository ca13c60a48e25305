"""How good the fits are, drawn from the evaluation: calibration, uncertainty on inputs unlike the
training data, ADVI's loss, ADVI against NUTS, and how the exact posterior narrows with more data.

Each figure says which uncertainty it shows (bdl_demo.model.uncertainty defines them).
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import LogLocator, MaxNLocator
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
NEAR_FAR_COLORS = ("#9e9e9e", "#e65100", "#6a1b9a")  # test inputs in grey, then each unfamiliar set
METHOD_NAMES = {"map": "MAP", "posterior": "posterior", "nuts": "NUTS", "laplace": "Laplace",
                "advi": "mean-field ADVI", "dropout": "MC dropout", "ensemble": "deep ensemble"}

LOSS_POINTS = 300  # points of a smoothed loss curve drawn in one panel, about one per pixel
MIN_BIN = 10  # a reliability bin holds at least this many examples: fewer are merged with the next


def reliability(model: FittedModel):
    """Reliability diagram: accuracy against confidence, MAP and posterior (and ADVI), each point a
    bin of at least MIN_BIN held-out examples (neighbouring bins merged until they are), and under it
    how many examples each bin holds — so a jump made by three examples cannot pass for a finding."""
    figure = style.new_figure(style.HALF)
    ax = figure.add_axes((0.17, 0.43, 0.78, 0.36))
    counts = figure.add_axes((0.17, 0.14, 0.78, 0.16), sharex=ax)
    ax.plot([0, 1], [0, 1], color=palette.GRID_COLOR, linewidth=2, zorder=0)
    metrics = model.evaluation.numbers["metrics"]
    shown = [name for name in ("posterior", "advi", "map") if name in metrics]
    styles = {"map": ("o", "--"), "posterior": ("s", "-"), "advi": ("^", ":")}
    merged = {name: merge_bins(metrics[name]["reliability"], MIN_BIN) for name in shown}
    width = 0.02
    for k, name in enumerate(shown):
        bins, (marker, line) = merged[name], styles[name]
        color = palette.METHOD_COLORS[name]
        ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], marker=marker, linestyle=line,
                color=color, markersize=8, linewidth=2, gid=f"reliability-{name}", zorder=3 if name == "map" else 2,
                label=f"{METHOD_NAMES[name]}: ECE {metrics[name]['ece']:.3f}",
                markerfacecolor="white" if name == "map" else color)
        counts.bar([b["confidence"] + (k - (len(shown) - 1) / 2) * width for b in bins], [b["count"] for b in bins],
                   width, color=color, gid=f"counts-{name}")
    low = min(min(b["confidence"], b["accuracy"]) for bins in merged.values() for b in bins)
    start = max(0.0, np.floor(low * 10) / 10 - 0.05)
    ax.set(xlim=(start, 1.0 + 2 * width), ylim=(start, 1.02), ylabel="accuracy")
    ax.tick_params(labelbottom=False)
    counts.set(xlabel="confidence (top probability)", ylabel=f"examples\n(≥ {MIN_BIN})")
    counts.yaxis.set_major_locator(MaxNLocator(2))
    figure.legend(loc="upper left", bbox_to_anchor=(0.0, 1.0), ncol=1, frameon=False, fontsize=style.SMALL,
                  labelspacing=0.2)
    alt = (f"Reliability diagram of the {model.id} model on held-out data: accuracy against confidence, "
           f"each point a bin of at least {MIN_BIN} examples, with the number of examples per bin below; " +
           "; ".join(f"{METHOD_NAMES[n]} expected calibration error {metrics[n]['ece']:.3f} in "
                     f"{len(merged[n])} bins" for n in shown) + "; the diagonal is perfect calibration.")
    return figure, alt


def merge_bins(bins: list[dict], least: int) -> list[dict]:
    """Neighbouring reliability bins merged, from low confidence up, until each holds at least
    `least` examples (a small last one joins the one before); means weighted by count, so the
    merged bin is exactly the bin its examples would have formed."""
    merged, current = [], None
    for b in (b for b in bins if b["count"]):
        current = b if current is None else _joined(current, b)
        if current["count"] >= least:
            merged.append(current)
            current = None
    if current is not None:
        merged[-1:] = [_joined(merged[-1], current)] if merged else [current]
    return merged


def _joined(a: dict, b: dict) -> dict:
    n = a["count"] + b["count"]
    return {"low": a["low"], "high": b["high"], "count": n,
            **{key: (a[key] * a["count"] + b[key] * b["count"]) / n for key in ("confidence", "accuracy")}}


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
    """One model's ADVI loss, drawn as in the figure of every model's (`advi_losses`)."""
    return advi_losses([model])


def advi_losses(models: list[FittedModel]):
    """Every model's ADVI loss (the negative ELBO) side by side, each panel scaled from where the
    loss started to where it ended, so the fall shows and the noise at the end does not fill it."""
    figure = style.new_figure((12.0, 4.3) if len(models) > 1 else style.HALF)
    width = 0.94 / len(models)
    told = []
    for k, model in enumerate(models):
        fit = model.fit if model.fit.method == "advi" else model.companions["advi"]
        loss, d = fit.loss, fit.diagnostics
        window = max(1, len(loss) // 50)
        smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
        ax = figure.add_axes((0.07 + k * width, 0.16, 0.7 * width, 0.6))
        shown = np.unique(np.linspace(0, len(smooth) - 1, LOSS_POINTS).astype(int))  # more than a panel's pixels add bytes, not detail
        ax.plot(shown + window, smooth[shown], color=palette.METHOD_COLORS["advi"], linewidth=2.5,
                gid=f"advi-loss-{model.id}")
        low, high = float(smooth.min()), float(smooth[0])
        logarithmic = low > 0 and high > 10 * low
        ax.set(yscale="log" if logarithmic else "linear", xlabel="step", ylabel="" if k else "−ELBO")
        if not logarithmic:
            ax.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
        ax.xaxis.set_major_locator(MaxNLocator(2))
        ax.yaxis.set_major_locator(LogLocator(numticks=3) if logarithmic else MaxNLocator(3))
        verdict = f"settled, {len(loss):,} steps" if d["converged"] else f"not settled: {100 * d['loss_change']:.1f} %"
        ax.set_title(f"{model.title}\n{verdict}", loc="left", fontsize=style.SMALL)
        told.append(f"{model.id}: {verdict} (from {high:.0f} to {smooth[-1]:.0f})")
    alt = ("The loss of mean-field ADVI, the negative ELBO, step by step and smoothed, for every model: "
           + "; ".join(told) + ".")
    return figure, alt


def near_and_far(model: FittedModel):
    """Each method's average doubt on the test inputs and on each set of unfamiliar inputs, as bars:
    the MAP's entropy (all the doubt one network has) and the others' mutual information (how
    much their networks disagree). A method whose doubt flags the unfamiliar has taller far bars."""
    metrics, sets = model.evaluation.numbers["metrics"], model.evaluation.numbers["ood_sets"]
    rows = [key for key in ("map", "posterior", "advi", "dropout", "ensemble") if key in metrics]
    groups = ["test", *sets]
    names = {"test": "test inputs (near)"} | {name: f"{name} inputs" for name in sets}
    figure = style.new_figure((12.0, 4.6))
    ax = figure.add_axes((0.08, 0.2, 0.9, 0.6))
    width = 0.8 / len(groups)
    for g, (group, color) in enumerate(zip(groups, NEAR_FAR_COLORS)):
        heights = [metrics[key]["mean_doubt"][group] for key in rows]
        bars = ax.bar(np.arange(len(rows)) + (g - (len(groups) - 1) / 2) * width, heights, width * 0.92,
                      color=color, label=names[group], gid=f"doubt-{group}")
        ax.bar_label(bars, fmt="%.2f", fontsize=style.SMALL, padding=2)  # a bar of zero shows its 0.00
    ax.set_xticks(np.arange(len(rows)), [_method_label(model, key) for key in rows], fontsize=style.SMALL)
    ax.set_ylabel("average doubt (nats)")
    ax.yaxis.set_major_locator(MaxNLocator(4))
    figure.legend(loc="upper left", bbox_to_anchor=(0.08, 0.99), ncol=len(groups), frameon=False)
    alt = (f"Average doubt of each method of the {model.id} model on test inputs and on " +
           " and ".join(f"{name} inputs ({what})" for name, what in sets.items()) + ": " +
           "; ".join(f"{_method_label(model, key).replace(chr(10), ' ')} " +
                     ", ".join(f"{metrics[key]['mean_doubt'][g]:.3f} {g}" for g in groups) for key in rows) + ".")
    return figure, alt


def _method_label(model: FittedModel, key: str) -> str:
    """A method's name on an axis, with the doubt it is measured by."""
    return "MAP\n(entropy)" if key == "map" else f"{_method_name(model, key)}\n(mutual inf.)"


def _method_name(model: FittedModel, key: str) -> str:
    """The name of a way to the posterior: "posterior" is the method of the model's own fit."""
    return METHOD_NAMES[model.fit.method if key == "posterior" else key]


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
        ax.set_title(f"${name[0]}_{{{name[1:]}}}$[{index}"  # W1[0,0] as $W_{1}$[0,0]
                     f"\nsd ADVI/NUTS {row['sd_ratio']:.2f}", fontsize=style.SMALL)
        if k == 0:
            figure.legend(loc="upper left", bbox_to_anchor=(0.01, 0.99), ncol=3, frameon=False)
    seconds = model.evaluation.numbers["vi_vs_mcmc"]["seconds"]
    alt = (f"Posterior of each parameter of the {model.id} model by NUTS and by mean-field ADVI"
           f"{' and exactly' if 'exact_mean' in rows[0] else ''}: ADVI's sd over NUTS's is " +
           ", ".join(f"{r['sd_ratio']:.2f} for {r['parameter']}" for r in rows) +
           f"; NUTS took {seconds['nuts']:.1f} s and ADVI {seconds['advi']:.1f} s.")
    return figure, alt


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
        far = metrics[name]["ood_auroc"].get("far", {}).get("mutual_information")
        ax.set_title(f"{_method_name(model, name)}\nNLL {metrics[name]['nll']:.3f}"
                     + (f" · far {far:.2f}" if far is not None else ""), fontsize=style.SMALL, loc="left")
    cax = figure.add_axes((0.925, 0.16, 0.012, 0.62))
    figure.colorbar(image, cax=cax).set_label("mutual information")
    alt = (f"Mutual information over the plane of the {model.id} model for " +
           ", ".join(f"{_method_name(model, n)} (held-out NLL {metrics[n]['nll']:.3f})" for n in maps) +
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
