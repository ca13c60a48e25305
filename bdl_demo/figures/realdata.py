"""Real data (handwritten digits, or any table of features): weights, predictions, what the model does not know.

Every figure here is computed from the posterior draws over the held-out test set, so the
numbers on the slides are the model's own.
"""
from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.patches import Patch

from bdl_demo import palette
from bdl_demo.figures import style
from bdl_demo.model import uncertainty
from bdl_demo.model.evaluation import accuracy
from bdl_demo.model.fit import FittedModel

TEST_AXES = (0.08, 0.17, 0.79, 0.72)  # figure fractions, the same for the three test matrices
TEST_COLORBAR = (0.89, 0.17, 0.02, 0.72)
N_UNSURE = 5  # test digits shown in the "least sure" figure


def layer_weights(model: FittedModel, layer: int):
    """Posterior mean and sd of every weight of one layer, as two heatmaps side by side."""
    name = f"W{layer}"
    mean, sd = model.fit.posterior_mean()[name], model.fit.posterior_sd()[name]
    n_in, n_out = mean.shape
    figure = style.new_figure(style.FULL)
    limit = float(np.abs(mean).max()) or 1.0
    prior = model.prior_net.prior_sd(name)
    rows_are = "input pixel" if layer == 1 and model.data.image_shape else f"unit of layer {layer - 1}"
    panels = [(mean, palette.WEIGHT_CMAP, -limit, limit, f"posterior mean of $W_{{{layer}}}$"),
              (sd, palette.UNCERTAINTY_CMAP, float(sd.min()), max(float(sd.max()), prior),
               f"posterior sd (prior {prior:.2g})")]
    for k, (values, cmap, low, high, title) in enumerate(panels):
        ax = figure.add_axes((0.07 + 0.5 * k, 0.14, 0.32, 0.74))
        cax = figure.add_axes((0.4 + 0.5 * k, 0.14, 0.015, 0.74))
        image = ax.imshow(values, cmap=cmap, vmin=low, vmax=high, aspect="auto",
                          rasterized=True, gid=f"weights-{'mean' if k == 0 else 'sd'}")
        figure.colorbar(image, cax=cax)
        ax.set_title(f"{title}  ({n_in}×{n_out})", loc="left", fontsize=style.MEDIUM)
        ax.set(xlabel=f"unit of layer {layer}", ylabel=rows_are)
        for axis, n in ((ax.yaxis, n_in), (ax.xaxis, n_out)):  # 1-based ticks at round, evenly spaced units
            ticks = round_ticks(n)
            axis.set_ticks([t - 1 for t in ticks], labels=[str(t) for t in ticks])
    pinned = float((np.abs(mean) > 2 * sd).mean())
    alt = (f"Posterior of the {n_in}×{n_out} weights of layer {layer} of the {model.id} model: "
           f"means between {mean.min():.2f} and {mean.max():.2f} (red positive, blue negative) "
           f"and standard deviations between {sd.min():.2f} and {sd.max():.2f}; "
           f"{pinned:.0%} of these weights are more than two sds away from zero.")
    return figure, alt


UNITS_PER_ROW = 10


def unit_weights(model: FittedModel):
    """The first layer's weights as images: for each hidden unit, the posterior mean of the weights
    from every pixel (red raises the unit, blue lowers it) and their sd (dark: unsure), the sd's
    colour bar marked where the prior's sd lies."""
    mean, sd = model.fit.posterior_mean()["W1"], model.fit.posterior_sd()["W1"]
    shape, units = model.data.image_shape, mean.shape[1]
    rows = -(-units // UNITS_PER_ROW)
    figure = style.new_figure(style.FULL)
    limit = float(np.abs(mean).max()) or 1.0
    prior = model.prior_net.prior_sd("W1")  # the prior the posterior was found under
    high = max(float(sd.max()), prior)
    floor = float(np.floor(sd.min() / high * 20) / 20 * high)  # the sd scale starts near the narrowest
    label, gap = 0.08, 0.03  # figure fractions: a block's title above it, and space between blocks
    cell_w, cell_h = 0.84 / UNITS_PER_ROW, (0.94 - 2 * label - gap) / (2 * rows)
    blocks = ((mean, palette.WEIGHT_CMAP, -limit, limit, "mean", "posterior mean of each unit's weights"),
              (sd, palette.UNCERTAINTY_CMAP, floor, high, "sd", "posterior sd (dark: unsure)"))
    top = 0.97
    for values, cmap, low, vmax, what, title in blocks:
        figure.text(0.02, top - label + 0.015, title, fontsize=style.MEDIUM, va="bottom")
        top -= label
        for unit in range(units):
            row, column = divmod(unit, UNITS_PER_ROW)
            ax = figure.add_axes((0.02 + column * cell_w, top - (row + 1) * cell_h, 0.9 * cell_w, 0.9 * cell_h))
            image = ax.imshow(values[:, unit].reshape(shape), cmap=cmap, vmin=low, vmax=vmax, rasterized=True)
            ax.set_axis_off()
            ax.set_gid(f"unit-{what}-{unit}")
        cax = figure.add_axes((0.88, top - rows * cell_h + 0.01, 0.015, rows * cell_h - 0.02))
        bar = figure.colorbar(image, cax=cax)
        if what == "sd":  # where a weight that learnt nothing sits
            bar.ax.axhline(prior, color=palette.ACTIVATION_COLOR, linewidth=3)
            bar.set_ticks([floor, prior], labels=[f"{floor:.2g}", f"prior {prior:.2g}"])
        top -= rows * cell_h + gap
    at_prior = float((sd > 0.9 * prior).mean())
    alt = (f"The {units} units of the first layer of the {model.id} model, each as two "
           f"{shape[0]}×{shape[1]} images of its weights from every pixel: posterior means between "
           f"{mean.min():.2f} and {mean.max():.2f} (red positive, blue negative), and posterior sds "
           f"between {sd.min():.2f} and {sd.max():.2f} against a prior sd of {prior:.2g}; "
           f"{at_prior:.0%} of these weights keep more than 90% of the prior's sd.")
    return figure, alt


def examples(model: FittedModel):
    """What the data look like: test digits with their labels, or, for a table of features, the
    average (standardised) features of each class."""
    data = model.data
    figure = style.new_figure(style.FULL)
    if data.image_shape:
        per_class, classes = 3, data.n_classes
        for k in range(classes):
            rows = np.flatnonzero(data.y_test == k)[:per_class]
            for j, row in enumerate(rows):
                ax = figure.add_axes((0.02 + k * 0.096, 0.68 - j * 0.31, 0.08, 0.25))
                ax.imshow(data.images_test[row].reshape(data.image_shape), cmap=palette.PIXEL_CMAP,
                          rasterized=True)
                ax.set_axis_off()
                ax.set_gid(f"example-{k}-{j}")
                if j == 0:
                    ax.set_title(data.class_names[k], fontsize=style.BIG)
        alt = (f"{per_class} handwritten digits of each of the {classes} classes from the held-out "
               f"set, as the {data.image_shape[0]}×{data.image_shape[1]} grey images the model reads, "
               "labelled with their class.")
        return figure, alt
    means = np.array([data.X_test[data.y_test == k].mean(axis=0) for k in range(data.n_classes)])
    ax, cax = figure.add_axes((0.2, 0.3, 0.68, 0.58)), figure.add_axes((0.9, 0.3, 0.015, 0.58))
    limit = float(np.abs(means).max()) or 1.0
    image = ax.imshow(means, cmap=palette.WEIGHT_CMAP, vmin=-limit, vmax=limit, aspect="auto",
                      rasterized=True, gid="class-means")
    figure.colorbar(image, cax=cax).set_label("mean, in sds")
    ax.set_yticks(range(data.n_classes), labels=data.class_names)
    names = data.feature_names or tuple(f"feature {i + 1}" for i in range(data.n_inputs))
    shown = round_ticks(len(names), most=14)
    if len(shown) <= 6:  # room to write them across, on two lines if need be
        ax.set_xticks([t - 1 for t in shown], labels=[textwrap.fill(names[t - 1], 14) for t in shown],
                      fontsize=style.SMALL)
    else:
        ax.set_xticks([t - 1 for t in shown], labels=[names[t - 1] for t in shown], rotation=60,
                      ha="right", fontsize=style.SMALL)
    ax.set_title("each class's average example, feature by feature", loc="left", fontsize=style.MEDIUM)
    alt = (f"The average of each of the {data.n_classes} classes over the {data.n_inputs} standardised "
           f"features of the {model.id} data (red above the overall mean, blue below).")
    return figure, alt


ROUND_STEPS = (5, 10, 16, 20, 25, 50, 100, 200, 250, 500, 1000)  # 16: two rows of an 8×8 image


def round_ticks(n: int, most: int = 5) -> list[int]:
    """1 and the multiples of a round step up to n: 1, 16, 32, 48, 64 or 1, 5, 10, 15, 20."""
    if n <= 10:
        return list(range(1, n + 1))
    step = next((s for s in ROUND_STEPS if n // s < most), 10 ** len(str(n // most)))
    return [1, *range(step, n + 1, step)]


def test_matrix(model: FittedModel, quantity: str = "probabilities"):
    """Test examples × classes, sorted by true class: predictions, probabilities or their spread."""
    mean, sd = model.evaluation.test_mean, model.evaluation.test_sd
    y = model.data.y_test
    order = np.argsort(y, kind="stable")
    figure = style.new_figure(style.FULL)
    ax, cax = figure.add_axes(TEST_AXES), figure.add_axes(TEST_COLORBAR)
    if quantity == "predictions":
        _prediction_image(ax, cax, mean[order], y[order])
    else:
        values = (mean if quantity == "probabilities" else sd)[order].T
        cmap = palette.PROBABILITY_CMAP if quantity == "probabilities" else palette.UNCERTAINTY_CMAP
        high = 1.0 if quantity == "probabilities" else float(values.max())
        image = ax.imshow(values, cmap=cmap, vmin=0, vmax=high, aspect="auto", rasterized=True,
                          gid=f"test-{quantity}")
        label = "mean probability" if quantity == "probabilities" else "sd over draws"
        figure.colorbar(image, cax=cax).set_label(label)
    _class_axes(ax, y[order], model.data.class_names,
                "predicted class" if quantity == "predictions" else "class")
    return figure, _test_alt(model, quantity, mean, sd)


def _prediction_image(ax, cax, mean, y):
    """The predicted class of each example: indigo where right, pink where wrong."""
    predicted = mean.argmax(axis=1)
    rgba = np.ones((mean.shape[1], len(y), 4))
    columns = np.arange(len(y))
    right = predicted == y
    rgba[predicted[right], columns[right]] = to_rgba(palette.MODEL_COLOR)
    rgba[predicted[~right], columns[~right]] = to_rgba(palette.ERROR_COLOR)
    ax.imshow(rgba, aspect="auto", rasterized=True, interpolation="nearest", gid="test-predictions")
    # A mistake is one column in hundreds: mark it so it is seen from the back of the room.
    ax.scatter(columns[~right], predicted[~right], marker="|", s=400, linewidths=3,
               color=palette.ERROR_COLOR, gid="mistakes")
    cax.axis("off")
    cax.legend(handles=[Patch(color=palette.MODEL_COLOR, label="right"),
                        Patch(color=palette.ERROR_COLOR, label="wrong")],
               loc="center left", frameon=False, borderaxespad=0)


def _class_axes(ax, y_sorted, class_names, ylabel: str):
    """Classes down the side; test examples along the bottom, labelled by their true class."""
    ax.set_yticks(range(len(class_names)), labels=class_names)
    ax.set_ylabel(ylabel)
    edges = np.flatnonzero(np.diff(y_sorted)) + 0.5
    for edge in edges:
        ax.axvline(edge, color=palette.PRIOR_COLOR, linewidth=0.8)
    bounds = np.concatenate([[-0.5], edges, [len(y_sorted) - 0.5]])
    present = np.unique(y_sorted)
    ax.set_xticks((bounds[:-1] + bounds[1:]) / 2, labels=[class_names[k] for k in present])
    ax.tick_params(axis="x", length=0)
    ax.set_xlabel(f"{len(y_sorted)} test examples, grouped by true class")


def _test_alt(model: FittedModel, quantity: str, mean, sd) -> str:
    """What a test-set matrix shows, with accuracy and how the doubt is spread."""
    y, things = model.data.y_test, _examples(model)
    n, share_right = len(y), accuracy(mean, y)
    right = mean.argmax(axis=1) == y
    if quantity == "predictions":
        return (f"Predicted class for each of the {n} test {things}, grouped by true class: "
                f"posterior mean accuracy {share_right:.2f}, {int((~right).sum())} {things} wrong, "
                f"shown off the staircase in pink.")
    if quantity == "probabilities":
        p_true = mean[np.arange(n), y]
        return (f"Posterior mean probability of every class for each of the {n} test {things}, "
                f"grouped by true class: the true class gets {p_true.mean():.2f} on average, "
                f"{p_true[~right].mean() if (~right).any() else 0:.2f} for the {things} it gets wrong.")
    spread = sd.max(axis=1)
    return (f"Posterior standard deviation of every class probability for each of the {n} test "
            f"{things}: on average {spread[right].mean():.2f} for correctly classified {things} and "
            f"{spread[~right].mean() if (~right).any() else 0:.2f} for misclassified ones.")


def _examples(model: FittedModel) -> str:
    """What the test examples are called: digits for images, examples for rows of features."""
    return "digits" if model.data.image_shape else "examples"


def least_sure(model: FittedModel):
    """The test examples with the most uncertain predictions, each with its predictive distribution."""
    mean, sd = model.evaluation.test_mean, model.evaluation.test_sd
    data = model.data
    unsure = np.argsort(-uncertainty.entropy(mean), kind="stable")[:N_UNSURE]
    figure = style.new_figure(style.FULL)
    width = 0.94 / N_UNSURE
    # Class names go under the bars when they fit there (digits' "0"…"9"), else their numbers.
    names = data.class_names
    short = len("".join(names)) <= 12
    for k, row in enumerate(unsure):
        left = 0.05 + k * width
        image_ax = figure.add_axes((left + 0.2 * width, 0.55, 0.6 * width, 0.36))
        _digit_image(image_ax, data, row)
        bars_ax = figure.add_axes((left, 0.17, 0.8 * width, 0.3))
        _predictive_bars(bars_ax, mean[row], sd[row], data.y_test[row],
                         names if short else [str(c) for c in range(len(names))], k == 0)
    key = "" if short else "; classes " + ", ".join(f"{c} {name}" for c, name in enumerate(names))
    figure.text(0.5, 0.03, f"bars: posterior mean probability ± sd; black: the true class{key}",
                ha="center", fontsize=style.SMALL)
    return figure, _unsure_alt(model, unsure, mean)


def _digit_image(ax, data, row):
    """One test example as its grey pixels (or a strip of its standardised features), with its true class."""
    pixels = data.images_test[row] if data.images_test is not None else data.X_test[row]
    ax.imshow(pixels.reshape(data.image_shape or (1, -1)), cmap="gray_r", rasterized=True,
              gid=f"digit-{row}")
    ax.set_axis_off()
    ax.set_title(f"true: {data.class_names[data.y_test[row]]}", fontsize=style.MEDIUM)


def _predictive_bars(ax, mean, sd, true_class, class_names, first):
    """The predictive distribution over classes, the true class in black."""
    colors = [palette.DATA_COLOR if k == true_class else palette.MODEL_COLOR for k in range(len(mean))]
    ax.bar(range(len(mean)), mean, yerr=sd, color=colors, width=0.8,
           error_kw={"elinewidth": 1.2, "ecolor": palette.PRIOR_COLOR})
    ax.set_ylim(0, 1)
    ax.set_xticks(range(len(mean)), labels=class_names, fontsize=style.SMALL)
    ax.tick_params(axis="x", length=0)
    ax.set_yticks([0, 0.5, 1] if first else [], labels=["0", ".5", "1"] if first else [])


def _unsure_alt(model: FittedModel, unsure, mean) -> str:
    """Which examples the model doubts and what it hesitates between."""
    names = model.data.class_names
    parts = []
    for row in unsure:
        top = np.argsort(-mean[row])[:2]
        parts.append(f"a {names[model.data.y_test[row]]} with {names[top[0]]} at "
                     f"{mean[row, top[0]]:.2f} and {names[top[1]]} at {mean[row, top[1]]:.2f}")
    shown = "8×8 images" if model.data.image_shape else "strips of their standardised features"
    return (f"The {len(unsure)} test {_examples(model)} the model is least sure about, as {shown} with their "
            f"posterior predictive probabilities: " + "; ".join(parts) + ".")
