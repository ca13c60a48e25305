"""What the build gives the deck's scripts: inline SVG with parameters marked, figure coordinates
that land where matplotlib drew, each draw's line and boundary, the parameters' summaries; tiny
made-up fits, no PyMC, no browser."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from bdl_demo.deck.equations import equation
from bdl_demo.deck.inline import inline_svg, without_links
from bdl_demo.model.network import Layer, Network
from test_figures_views import render_svg, synthetic_model, synthetic_models


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BDL_DEMO_CACHE", str(tmp_path / "cache"))


def test_inline_svg_marks_each_part_with_its_parameter_and_prefixes_every_id():
    svg, meta, _ = render_svg("deepnet-diagram-posterior", synthetic_models(["deepnet"]))
    markup = inline_svg(svg, "deepnet-diagram-posterior-2", meta["alt"], (meta["width"], meta["height"]))
    assert not markup.startswith("<?xml") and "<metadata>" not in markup
    assert 'data-param="W1[0,3]" data-array="W1" data-part="edge" tabindex="0"' in markup
    assert 'data-param="b2[1]" data-array="b2" data-part="bias" tabindex="0"' in markup
    assert 'data-param="W1[0,3]" data-array="W1" data-part="halo-edge">' in markup  # lit with it, no extra Tab stop
    ids = re.findall(r'\bid="([^"]+)"', markup)
    assert ids and all(i.startswith("deepnet-diagram-posterior-2-") for i in ids)
    references = re.findall(r'url\(#([^)]+)\)', markup)
    assert references and set(references) <= set(ids)
    assert f'width="{meta["width"]}" height="{meta["height"]}"' in markup


def test_the_same_figure_twice_in_a_page_has_no_id_twice():
    svg, meta, _ = render_svg("linear-matrix-point", synthetic_models(["linear"]))
    page = inline_svg(svg, "a-1", meta["alt"]) + inline_svg(svg, "a-2", meta["alt"])
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_the_linked_equation_marks_every_parameter_and_reads_as_the_plain_one():
    net = Network(2, 2, hidden=(Layer(3, "tanh"),), output="softmax")
    linked = equation(net, linked=True)
    assert re.findall(r"\\htmlData\{param=(\w+),array=(\w+)\}", linked) == [(a, a) for a in ("W1", "b1", "W2", "b2")]
    assert without_links(linked).replace("{", "").replace("}", "") == equation(net).replace("{", "").replace("}", "")


def test_svg_transform_puts_a_data_point_where_matplotlib_draws_it():
    from bdl_demo.figures import interaction, style

    figure = style.new_figure(style.HALF)
    ax = figure.add_axes((0.14, 0.17, 0.59, 0.72))
    ax.set(xlim=(-3, 5), ylim=(10, 20))
    ax.plot([1.5], [12.0], "o", gid="probe-point")
    transform = interaction.svg_transform(ax)
    svg = style.svg_bytes(figure).decode()
    group = svg[svg.index('id="probe-point"'):]
    x, y = (float(v) for v in re.search(r'<use [^>]*x="([-\d.]+)" y="([-\d.]+)"', group).groups())
    assert transform[0] * 1.5 + transform[1] == pytest.approx(x, abs=0.02)
    assert transform[2] * 12.0 + transform[3] == pytest.approx(y, abs=0.02)


def test_the_player_has_one_path_per_drawn_line_starting_at_that_draws_line():
    from bdl_demo.figures import fitted

    model = synthetic_model("linear")
    _, _, interaction = render_svg("linear-fit-posterior", {"linear": model})
    paths = interaction["paths"]
    assert interaction["kind"] == "player" and len(paths) == fitted.N_LINES
    assert all(re.fullmatch(r"M[-\d.]+ [-\d.]+ L[-\d.]+ [-\d.]+", d) for d in paths)  # a straight line: two ends
    assert len(set(paths)) > 1


def test_a_deep_nets_player_carries_each_draws_weights_for_its_diagram():
    models = synthetic_models(["deepnet"])
    _, _, interaction = render_svg("deepnet-fit-posterior", models)
    data = interaction
    assert len(data["draws"]["W2[0,0]"]) == len(data["paths"])
    assert data["edges"]["scale"] > 0
    from bdl_demo.model.predictive import subsample
    from bdl_demo.figures.fitted import N_LINES

    few = subsample(models["deepnet"].fit.draws, N_LINES)
    np.testing.assert_allclose(data["draws"]["W2[0,0]"], few["W2"][:, 0, 0], rtol=1e-3)


def test_the_probe_counts_every_draw_at_every_grid_point():
    models = synthetic_models(["deepnet"])
    _, _, interaction = render_svg("deepnet-fit-uncertainty", models)
    probe = interaction
    assert probe["kind"] == "probe"
    assert len(probe["counts"]) == len(probe["xs"]) * len(probe["ys"]) == len(probe["map"])
    assert {sum(c) for c in probe["counts"]} == {probe["draws"]}


def test_parameter_summaries_hold_the_map_and_posterior_of_what_figures_show():
    from bdl_demo.deck.parameters import parameter_summaries

    model = synthetic_model("digits")
    data = parameter_summaries(model)["parameters"]
    entry = data["W1[63,19]"]  # the last row and column, which collapsed figures keep
    assert entry["map"] == pytest.approx(model.fit.map["W1"][63, 19], rel=1e-3)
    values = model.fit.draws["W1"][:, 63, 19]
    assert entry["mean"] == pytest.approx(values.mean(), rel=1e-3)
    assert entry["q05"] <= entry["mean"] <= entry["q95"]
    assert "W1[40,3]" not in data  # no figure shows it: the deck carries no data for it
    assert data["W1"]["shape"] == [64, 20]


def test_compact_svg_paths_stay_within_a_hundredth_of_a_point():
    from bdl_demo.figures import interaction, style

    figure = style.new_figure(style.HALF)
    ax = figure.add_axes((0.1, 0.1, 0.8, 0.8))
    xs = np.linspace(0, 1, 7)
    ax.plot(xs, xs ** 2 / 3, gid="curve")
    ax.set(xlim=(-0.1, 1.1), ylim=(-0.1, 0.5))
    sx, tx, sy, ty = interaction.svg_transform(ax)
    svg = style.svg_bytes(figure).decode()
    path = re.search(r'id="curve">\s*<path d="([^"]+)"', svg)[1]
    assert all(len(n.split(".")[1]) <= 2 for n in re.findall(r"-?\d+\.\d+", path))
    drawn = np.array([float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path)]).reshape(-1, 2)
    exact = np.column_stack([sx * xs + tx, sy * xs ** 2 / 3 + ty])
    np.testing.assert_allclose(drawn, exact, atol=0.006)
