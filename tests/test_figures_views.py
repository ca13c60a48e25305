"""Figures: what each view draws, checked by counting the ids in its SVG; tiny made-up fits, no PyMC."""
from __future__ import annotations

import re

import numpy as np
import pytest

from bdl_demo.model.data import Dataset
from bdl_demo.model.evaluation import evaluate
from bdl_demo.model.fit import Fit, FittedModel
from bdl_demo.model.network import Layer, Network
from synthetic_deck import made_up_laplace_fit

MODEL_IDS = ("linear", "logistic", "deepnet", "digits")


def networks() -> dict[str, Network]:
    """Four networks of the sizes the deck shows, one of each kind."""
    tanh = lambda *widths: tuple(Layer(w, "tanh") for w in widths)  # noqa: E731
    return {
        "linear": Network(1, 1, noise_sd=0.5),
        "logistic": Network(2, 1, output="sigmoid"),
        "deepnet": Network(2, 2, hidden=tanh(8, 8), output="softmax"),
        "digits": Network(64, 10, hidden=tanh(20, 20), output="softmax"),
    }


def synthetic_dataset(model_id: str, rng, n_inputs: int = 2) -> Dataset:
    """A few dozen made-up rows shaped like the model's real data set."""
    if model_id == "linear":
        x = rng.uniform(-2, 2, size=(20, 1))
        y = 0.8 * x[:, 0] + 0.3 + rng.normal(0, 0.5, size=20)
        return Dataset("line", x[:12], y[:12], x[12:], y[12:],
                       truth={"slope": 0.8, "intercept": 0.3, "noise": 0.5})
    if model_id == "digits":
        y = np.arange(70) % 10
        X = rng.normal(size=(70, 64)) + y[:, None] * 0.1
        return Dataset("digits", X[:40], y[:40], X[40:], y[40:], n_classes=10,
                       class_names=tuple(str(d) for d in range(10)), image_shape=(8, 8),
                       images_test=rng.integers(0, 17, size=(30, 64)).astype(float))
    y = np.arange(60) % 2
    X = rng.normal(size=(60, n_inputs)) + 1.5 * y[:, None]
    return Dataset(model_id, X[:40], y[:40], X[40:], y[40:], n_classes=2,
                   class_names=("class 0", "class 1"))


def synthetic_model(model_id: str, net: Network | None = None, seed: int = 0, n_draws: int = 40) -> FittedModel:
    """A FittedModel with random MAP and draws scattered around it: same seed, same model."""
    rng = np.random.default_rng(seed)
    net = net or networks()[model_id]
    data = synthetic_dataset(model_id, rng, net.n_inputs)
    point = {m.name: rng.normal(size=m.shape) for m in net.matrices()}
    draws = {k: v + 0.3 * rng.normal(size=(n_draws, *v.shape)) for k, v in point.items()}
    if net.hidden:  # a Laplace posterior with a made-up curvature, its prior chosen by its evidence
        fit = made_up_laplace_fit(net, point, rng, f"{model_id}-{seed}", n_draws, seed)
    else:
        fit = Fit("nuts", f"{model_id}-{seed}", map=point, draws=draws, seconds=2.0, diagnostics={
            "map_converged": True, "r_hat_max": 1.003, "ess_bulk_min": 800.0, "divergences": 0})
    advi = Fit("advi", f"{model_id}-{seed}-advi", map=point,
               draws={k: v + 0.2 * rng.normal(size=(n_draws, *v.shape)) for k, v in point.items()},
               diagnostics={"converged": True, "loss_change": 0.003, "elbo_final": -10.0, "iterations": 300},
               seconds=1.5, loss=np.linspace(40, 10, 300) + rng.normal(0, 0.5, 300))
    model = FittedModel(model_id, model_id.capitalize(), net, data, fit, companions={"advi": advi})
    model.evaluation = evaluate(model)
    return model


def synthetic_models(ids=MODEL_IDS, seed: int = 0) -> dict[str, FittedModel]:
    """The made-up models by id."""
    return {model_id: synthetic_model(model_id, seed=seed) for model_id in ids}


def svg_ids(svg: bytes, prefix: str) -> list[str]:
    """The SVG element ids that start with `prefix` (matplotlib writes a gid as an id)."""
    return re.findall(rf'id="({re.escape(prefix)}[^"]*)"', svg.decode())


def test_the_diagram_of_a_3_5_2_net_has_10_nodes_and_25_weight_edges():
    net = Network(3, 2, hidden=(Layer(5, "tanh"),), output="softmax")
    svg, _, _ = render_svg("net-diagram-point", {"net": synthetic_model("deepnet", net)})
    assert len(svg_ids(svg, "node-")) == 3 + 5 + 2
    assert len(svg_ids(svg, "edge-")) == 3 * 5 + 5 * 2  # one per weight
    assert len(svg_ids(svg, "bias-b")) == 5 + 2  # one per bias


def render_svg(figure_id: str, models: dict[str, FittedModel]):
    """Render one registered figure to SVG bytes."""
    from bdl_demo.figures import render, resolve

    return render(resolve(figure_id, models), models)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Every test gets an empty figure cache."""
    monkeypatch.setenv("BDL_DEMO_CACHE", str(tmp_path / "cache"))


SMALL_NET = Network(3, 2, hidden=(Layer(5, "tanh"),), output="softmax")


@pytest.mark.parametrize("estimate", ["point", "posterior"])
def test_diagram_of_widths_3_5_2_has_10_nodes_and_25_weight_edges(estimate):
    from bdl_demo.figures.registry import FigureSpec, render

    models = {"deepnet": synthetic_model("deepnet", net=SMALL_NET)}
    spec = FigureSpec("d", "diagram", "network_diagram", "deepnet", {"estimate": estimate})
    svg, _, _ = render(spec, models)
    assert len(svg_ids(svg, "node-")) == 10
    assert len(svg_ids(svg, "edge-W")) == 3 * 5 + 5 * 2
    assert len(svg_ids(svg, "bias-b")) == 5 + 2


def test_diagram_collapses_wide_layers_but_keeps_real_indices():
    svg, meta, _ = render_svg("digits-diagram-point", synthetic_models(["digits"]))
    nodes = svg_ids(svg, "node-")
    assert "node-n0_63" in nodes and "node-n0_40" not in nodes
    assert len(nodes) <= 4 * 8
    assert "64" in meta["alt"] and "20" in meta["alt"]


def shown_entries(net: Network) -> int:
    """How many weight and bias cells the matrix view shows for `net`, ellipses excluded."""
    from bdl_demo.figures.common import shown_indices
    from bdl_demo.figures.matrix import MAX_CELLS, MAX_ROWS

    def count(n, most):
        return sum(i is not None for i in shown_indices(n, most))

    return sum(count(a, MAX_ROWS) * count(b, MAX_CELLS) + count(b, MAX_CELLS)
               for a, b in zip(net.widths, net.widths[1:]))


@pytest.mark.parametrize("net", [SMALL_NET, networks()["deepnet"], networks()["linear"]],
                         ids=["3-5-2", "2-8-8-2", "1-1"])
def test_bayesian_matrix_holds_one_density_per_weight_and_bias_shown(net):
    from bdl_demo.figures.registry import FigureSpec, render

    models = {"deepnet": synthetic_model("deepnet" if net.n_inputs > 1 else "linear", net=net)}
    posterior, _, _ = render(FigureSpec("m", "matrix", "matrix_view", "deepnet", {"estimate": "posterior"}), models)
    point, _, _ = render(FigureSpec("m", "matrix", "matrix_view", "deepnet", {"estimate": "point"}), models)
    densities = svg_ids(posterior, "density-")
    assert len(densities) == shown_entries(net)
    assert len(set(densities)) == len(densities)
    assert len(svg_ids(point, "value-")) == shown_entries(net)
    assert len(svg_ids(posterior, "activation-")) == len(net.layers)


def test_small_matrices_show_every_parameter():
    densities = svg_ids(render_svg("logistic-matrix-posterior", synthetic_models(["logistic"]))[0], "density-")
    assert sorted(densities) == ["density-W1-0-0", "density-W1-1-0", "density-b1-0"]


@pytest.mark.parametrize("figure_id", ["deepnet-fit-posterior", "deepnet-matrix-posterior", "digits-unsure"])
def test_two_renders_give_the_same_bytes(figure_id):
    models = synthetic_models(["deepnet", "digits"])
    first, second = render_svg(figure_id, models)[0], render_svg(figure_id, models)[0]
    assert first == second
    assert b"<dc:date>" not in first


def svg_size(svg: bytes) -> tuple[str, str]:
    """The width and height attributes of the root element."""
    match = re.search(rb'<svg[^>]*width="([^"]+)"[^>]*height="([^"]+)"', svg)
    return match.group(1).decode(), match.group(2).decode()


@pytest.mark.parametrize("model_id", ["linear", "logistic", "deepnet"])
@pytest.mark.parametrize("view", ["matrix", "diagram", "fit"])
def test_point_figure_and_its_bayesian_twin_have_the_same_size(model_id, view):
    models = synthetic_models([model_id])
    point = render_svg(f"{model_id}-{view}-point", models)[0]
    posterior = render_svg(f"{model_id}-{view}-posterior", models)[0]
    assert svg_size(point) == svg_size(posterior)


def test_maps_rasterise_the_dense_layer_only():
    svg = render_svg("deepnet-fit-posterior", synthetic_models(["deepnet"]))[0]
    assert svg.count(b"<image") == 2  # the map and its colour bar; points and lines stay vectors
    assert len(svg_ids(svg, "data-")) == 2


def test_shown_indices_collapse_with_an_ellipsis():
    from bdl_demo.figures.common import shown_indices

    assert shown_indices(3, 5) == [0, 1, 2]
    assert shown_indices(64, 5) == [0, 1, 2, None, 63]


def test_kde_is_a_density():
    from bdl_demo.figures.common import kde

    grid = np.linspace(-6, 6, 2001)
    density = kde(np.random.default_rng(1).normal(size=500), grid)
    assert abs(density.sum() * (grid[1] - grid[0]) - 1) < 1e-3


def test_each_activation_has_its_own_glyph():
    from matplotlib.figure import Figure

    from bdl_demo.figures.diagram import _glyph

    shapes = set()
    for activation in ("identity", "sigmoid", "tanh", "relu", "softmax"):
        ax = Figure().add_axes((0, 0, 1, 1))
        _glyph(ax, 0.0, 0.0, 1.0, activation, f"glyph-{activation}")
        lines = tuple(tuple(np.round(line.get_xydata(), 2).ravel()) for line in ax.lines)
        bars = tuple(tuple(np.round(patch.get_bbox().bounds, 2)) for patch in ax.patches)
        shapes.add((lines, bars))
    assert len(shapes) == 5


def test_weight_maps_have_round_evenly_spaced_ticks():
    from bdl_demo.figures.realdata import round_ticks

    assert round_ticks(64) == [1, 16, 32, 48, 64]
    assert round_ticks(20) == [1, 5, 10, 15, 20]
    assert round_ticks(10) == list(range(1, 11))


def test_equal_priors_are_named_once():
    from bdl_demo.figures.matrix import _footer

    model = synthetic_model("deepnet")
    z_prime, cells = _footer(model, "posterior", 3.0, numbers=False)
    assert "Z'" in z_prime and "W + b" in z_prime
    prior = model.net.weight_sd / model.fit.diagnostics["tau"] ** 0.5  # the prior the evidence chose
    assert f"N(0, {prior:.3g}²) for every weight and bias" in cells and "from −3.0 to 3.0" in cells


def test_first_layer_units_show_one_mean_and_one_sd_image_each():
    models = synthetic_models(["digits"])
    svg, meta, _ = render_svg("digits-units", models)
    units = models["digits"].net.widths[1]
    assert len(svg_ids(svg, "unit-mean-")) == units and len(svg_ids(svg, "unit-sd-")) == units
    assert f"prior sd of {models['digits'].prior_net.prior_sd('W1'):.2g}" in meta["alt"]


def test_the_data_figure_shows_three_labelled_examples_per_class():
    models = synthetic_models(["digits"])
    svg, _, _ = render_svg("digits-examples", models)
    assert len(svg_ids(svg, "example-")) == 3 * models["digits"].data.n_classes


def test_the_prior_precision_sweep_marks_the_tau_in_use_and_the_evidence_peak():
    """One orange line at the τ in use; the evidence's peak is the same line unless another rule
    chose τ, when it gets a grey line of its own and the words say which rule chose."""
    from bdl_demo.model.evaluation import evaluate

    models = synthetic_models(["deepnet"])
    model = models["deepnet"]
    svg, meta, _ = render_svg("deepnet-prior-precision", models)
    assert len(svg_ids(svg, "sweep-chosen")) == 3 and not svg_ids(svg, "sweep-evidence-peak")
    assert f"the evidence picks τ = {model.fit.diagnostics['tau']:.3g}" in meta["alt"]
    model.fit.diagnostics |= {"tau": 100.0, "tau_chosen_by": "validation"}
    model.evaluation = evaluate(model)
    svg, meta, _ = render_svg("deepnet-prior-precision", models)
    assert len(svg_ids(svg, "sweep-chosen")) == 3 and len(svg_ids(svg, "sweep-evidence-peak")) == 3
    assert "held-out data pick τ = 100 " in meta["alt"]
    rows = model.evaluation.numbers["prior_precision_sweep"]
    assert [row["tau"] for row in rows if row["chosen"]] == [100.0]
    assert max(rows, key=lambda row: row["log_evidence"])["evidence_peak"]


def test_merged_reliability_bins_are_the_bins_their_examples_would_form():
    """Bins of a reliability diagram merged until each holds 10 examples: every merged bin's count,
    mean confidence and accuracy equal those computed directly from its examples."""
    from bdl_demo.figures.checks import merge_bins
    from bdl_demo.model import uncertainty

    rng = np.random.default_rng(3)
    p1 = rng.beta(8, 1, size=60)  # confidences crowd near 1, leaving sparse bins below
    p = np.stack([1 - p1, p1], axis=1)
    y = (rng.random(60) < p1).astype(int)
    merged = merge_bins(uncertainty.calibration(p, y), 10)
    assert all(b["count"] >= 10 for b in merged) and sum(b["count"] for b in merged) == 60
    confidence, right = p.max(axis=1), p.argmax(axis=1) == y
    for b in merged:
        inside = (confidence > b["low"]) & (confidence <= b["high"])
        assert inside.sum() == b["count"]
        assert np.isclose(confidence[inside].mean(), b["confidence"]) and np.isclose(right[inside].mean(), b["accuracy"])


def test_the_add_a_point_plane_holds_every_posteriors_two_sd_ellipse():
    from bdl_demo.figures.explore import ellipse_limits
    from bdl_demo.figures.fitted import _ellipse

    rng = np.random.default_rng(5)
    posteriors = []
    for _ in range(4):
        a = rng.normal(size=(2, 2))
        posteriors.append((rng.normal(size=2), a @ a.T + 0.05 * np.eye(2)))
    (w0, w1), (b0, b1) = ellipse_limits(posteriors, truth=[3.0, -3.0], margin=0.0)
    for mean, covariance in posteriors:
        w, b = _ellipse(mean, covariance, 2, points=400)
        assert w.min() >= w0 - 1e-9 and w.max() <= w1 + 1e-9 and b.min() >= b0 - 1e-9 and b.max() <= b1 + 1e-9
    assert w1 >= 3.0 and b0 <= -3.0  # and the truth
