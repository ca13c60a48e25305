"""Figures: a user's data set brings its own class and feature names, and they stay readable.

The real-data figures are laid out by hand for the bundled data sets; `style.fit_inside` moves
axes in when longer names would stick out of the figure. Tested on a made-up table of features
with iris-like names, through the same drawing and layout steps as the build.
"""
from __future__ import annotations

import importlib

import numpy as np
import pytest

from bdl_demo.model.data import Dataset
from bdl_demo.model.evaluation import evaluate
from bdl_demo.model.fit import FittedModel
from bdl_demo.model.network import Layer, Network
from test_figures_views import synthetic_model

CLASSES = ("Iris setosa", "Iris versicolor", "Iris virginica")
FEATURES = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")


@pytest.fixture(scope="module")
def flowers() -> FittedModel:
    """A three-class net on four named features, with long class names."""
    rng = np.random.default_rng(1)
    model = synthetic_model("deepnet", net=Network(4, 3, hidden=(Layer(6, "tanh"),), output="softmax"))
    y = np.arange(90) % 3
    X = rng.normal(size=(90, 4)) + y[:, None]
    model.data = Dataset("flowers", X[:60], y[:60], X[60:], y[60:], n_classes=3, class_names=CLASSES,
                         feature_names=FEATURES)
    model.id = "flowers"
    model.evaluation = evaluate(model)
    return model


def drawn(model: FittedModel, view: str):
    """The figure as the build lays it out, before it is written."""
    from bdl_demo.figures import resolve, style

    spec = resolve(f"{model.id}-{view}", {model.id: model})
    draw = getattr(importlib.import_module(f"bdl_demo.figures.{spec.module}"), spec.function)
    with style.slide_style():
        figure, _, *interaction = draw(model, **spec.options)
        style.fit_inside(figure)
        figure.canvas.draw()
    return figure


@pytest.mark.parametrize("view", ["examples", "predictions", "probabilities", "uncertainties", "unsure",
                                  "reliability"])
def test_every_label_lies_inside_the_figure(flowers, view):
    figure = drawn(flowers, view)
    renderer = figure.canvas.get_renderer()
    inside = figure.bbox.padded(0.5)
    drawn_boxes = ([(ax, ax.get_tightbbox(renderer)) for ax in figure.axes if ax.axison]
                   + [(text.get_text(), text.get_window_extent(renderer)) for text in figure.texts])
    for what, box in drawn_boxes:  # an axes' box holds its tick labels, axis labels and title
        assert inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1), f"{what} sticks out: {box}"
    if view != "reliability":
        names = [t.get_text() for ax in figure.axes for t in ax.get_xticklabels() + ax.get_yticklabels()]
        names += [t.get_text() for t in figure.texts]
        assert any(name in text for text in names for name in CLASSES + ("sepal length",))


def test_a_colour_bar_stays_level_with_its_matrix_when_the_matrix_moves(flowers):
    figure = drawn(flowers, "examples")  # the feature names below the matrix lift it
    matrix, bar = figure.axes[:2]
    assert matrix.get_position().y0 == pytest.approx(bar.get_position().y0)
    assert matrix.get_position().y1 == pytest.approx(bar.get_position().y1)


def test_class_names_too_long_for_the_bars_become_numbers_with_a_key(flowers):
    figure = drawn(flowers, "unsure")
    bars = [ax for ax in figure.axes if ax.patches]
    assert [t.get_text() for t in bars[0].get_xticklabels()] == ["0", "1", "2"]
    assert any("0 Iris setosa, 1 Iris versicolor, 2 Iris virginica" in t.get_text() for t in figure.texts)


def test_short_class_names_stay_under_the_bars():
    digits = synthetic_model("digits")
    figure = drawn(digits, "unsure")
    bars = [ax for ax in figure.axes if ax.patches]
    assert [t.get_text() for t in bars[0].get_xticklabels()] == [str(d) for d in range(10)]


def every_figure():
    """Every figure the talk asks for, for the made-up models of the figure tests."""
    from test_figures_text import MODELS, all_specs

    return [(spec, MODELS) for spec in all_specs()]


@pytest.mark.parametrize("spec,models", every_figure(), ids=lambda value: getattr(value, "id", ""))
def test_nothing_any_figure_writes_sticks_out(spec, models):
    from bdl_demo.figures import style
    from bdl_demo.figures.registry import arguments

    draw = getattr(importlib.import_module(f"bdl_demo.figures.{spec.module}"), spec.function)
    with style.slide_style():
        figure, _, *interaction = draw(*arguments(spec, models), **spec.options)
        if not any(interaction):  # as the build does: a responding figure stays as drawn
            style.fit_inside(figure)
        figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    inside = figure.bbox.padded(0.5)
    for ax in figure.axes:
        if ax.axison:
            box = ax.get_tightbbox(renderer)
            assert inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1), \
                f"{spec.id}: {ax.get_title(loc='left') or ax.get_title()!r} axes stick out: {box}"


def test_an_unsettled_advi_loss_says_so_inside_the_figure():
    from bdl_demo.figures import checks, style

    model = synthetic_model("deepnet")
    model.companions["advi"].diagnostics.update(converged=False, loss_change=0.015)
    with style.slide_style():
        figure, _, *_ = checks.advi_loss(model)
        style.fit_inside(figure)
        figure.canvas.draw()
    ax = figure.axes[0]
    title = ax.get_title(loc="left")
    assert title.splitlines()[-1].startswith("not settled") and "1.5 %" in title
    box = ax.get_tightbbox(figure.canvas.get_renderer())
    inside = figure.bbox.padded(0.5)
    assert inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1), box
