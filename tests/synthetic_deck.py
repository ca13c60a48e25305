"""A deck from made-up fits and placeholder figures: deck tests need neither PyMC nor the figures module."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from bdl_demo.data import Dataset
from bdl_demo.fit import Fit, FittedModel
from bdl_demo.network import Layer, Network

DECK = {"title": "Demystifying Bayesian Deep Learning", "subtitle": "a test build",
        "author": "Test Author", "event": "pytest", "date": "2026"}
DIGITS_LAYERS = 3


def networks() -> dict[str, Network]:
    tanh = lambda *widths: tuple(Layer(w, "tanh") for w in widths)  # noqa: E731
    return {
        "linear": Network(1, 1, noise_sd=0.5),
        "logistic": Network(2, 1, output="sigmoid"),
        "deepnet": Network(2, 2, hidden=tanh(8, 8), output="softmax"),
        "digits": Network(64, 10, hidden=tanh(20, 20), output="softmax"),
    }


def fitted_models(seed: int = 0) -> dict[str, FittedModel]:
    """One FittedModel per id, with random data and random 'posterior' draws."""
    rng = np.random.default_rng(seed)
    models = {}
    for model_id, net in networks().items():
        n_classes = 0 if net.likelihood == "normal" else max(2, net.n_outputs)
        y = rng.normal(size=30) if n_classes == 0 else rng.integers(0, n_classes, size=30)
        X = rng.normal(size=(30, net.n_inputs))
        data = Dataset(model_id, X[:20], y[:20], X[20:], y[20:], n_classes=n_classes,
                       image_shape=(8, 8) if model_id == "digits" else None)
        point = {m.name: rng.normal(size=m.shape) for m in net.matrices()}
        draws = {name: value + 0.1 * rng.normal(size=(50, *value.shape)) for name, value in point.items()}
        method = "nuts" if model_id in ("linear", "logistic") else "advi"
        diagnostics = ({"r_hat_max": 1.004, "ess_bulk_min": 410.0, "divergences": 0} if method == "nuts"
                       else {"elbo_final": -123.4, "iterations": 4000})
        fit = Fit(model_id, method, "k" + model_id, point, draws, diagnostics, seconds=3.2)
        models[model_id] = FittedModel(model_id, net, data, fit)
    return models


def figure_ids() -> list[str]:
    ids = [f"{m}-{kind}-{version}" for m in ("linear", "logistic", "deepnet")
           for kind in ("matrix", "diagram", "fit") for version in ("point", "posterior")]
    ids += ["linear-params-point", "linear-params-posterior", "deepnet-fit-uncertainty",
            "digits-diagram-point", "digits-predictions", "digits-probabilities",
            "digits-uncertainties", "digits-unsure", "basics-activations", "basics-bayes-rule"]
    ids += [f"digits-weights-layer{n}" for n in range(1, DIGITS_LAYERS + 1)]
    return ids


def placeholder_figures(images_dir: Path) -> dict[str, dict]:
    """Write one labelled placeholder SVG per figure id; return the manifest."""
    images_dir.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for n, figure_id in enumerate(figure_ids()):
        hue = (n * 47) % 360
        (images_dir / f"{figure_id}.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="400" viewBox="0 0 600 400">'
            f'<rect width="600" height="400" fill="hsl({hue},60%,90%)" stroke="#333"/>'
            f'<text x="300" y="210" font-size="32" text-anchor="middle">{figure_id}</text></svg>')
        manifest[figure_id] = {"file": f"{figure_id}.svg", "alt": f"placeholder for {figure_id}",
                              "width": 600, "height": 400}
    return manifest


def report_of(models: dict[str, FittedModel], figures: dict) -> dict:
    fits = {}
    for model_id, model in models.items():
        fits[model_id] = {"method": model.fit.method, "seconds": model.fit.seconds, "cached": False,
                          "n_draws": model.fit.n_draws, "diagnostics": model.fit.diagnostics}
        if model.data.n_classes:
            fits[model_id] |= {"test_accuracy": 0.95, "test_accuracy_map": 0.94}
    return {"fits": fits, "figures": figures}


def build(out_dir: Path, images_dir: Path, **overrides) -> None:
    """Render the synthetic deck into out_dir."""
    from bdl_demo.deck import render_deck

    models = fitted_models()
    figures = placeholder_figures(images_dir)
    arguments = {"deck": DECK, "models": models, "figures": figures,
                 "report": report_of(models, figures), "images_dir": images_dir} | overrides
    render_deck(out_dir, **arguments)
