"""A deck from made-up fits and placeholder figures: deck tests need neither PyMC nor matplotlib."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from bdl_demo.model.data import Dataset
from bdl_demo.model.evaluation import evaluate
from bdl_demo.model.fit import Fit, FittedModel
from bdl_demo.model.laplace import Laplace, flatten, prior_scale, unflatten
from bdl_demo.model.network import Layer, Network

ROOT = Path(__file__).resolve().parent.parent
DECK = {"title": "Demystifying Bayesian Deep Learning", "subtitle": "a test build",
        "author": "Test Author", "event": "pytest", "date": "2026", "url": "https://example.org/test-deck/"}


def networks() -> dict[str, tuple[str, Network]]:
    """Made-up models of every kind, with ids and titles of their own (not those of deck.toml)."""
    tanh = lambda *widths: tuple(Layer(w, "tanh") for w in widths)  # noqa: E731
    return {
        "line": ("Linear regression", Network(1, 1, noise_sd=0.5)),
        "coin": ("Logistic regression", Network(2, 1, output="sigmoid")),
        "bent": ("A deep net", Network(2, 2, hidden=tanh(5, 4), output="softmax")),
        "wide": ("A wide net", Network(12, 3, hidden=tanh(6, 7, 5), output="softmax")),
    }


def fitted_models(seed: int = 0, ids=None) -> dict[str, FittedModel]:
    """One FittedModel per made-up network, with random data and random 'posterior' draws."""
    rng = np.random.default_rng(seed)
    models = {}
    for model_id, (title, net) in networks().items():
        if ids is not None and model_id not in ids:
            continue
        n_classes = 0 if net.likelihood == "normal" else max(2, net.n_outputs)
        y = rng.normal(size=40) if n_classes == 0 else np.arange(40) % n_classes
        X = rng.normal(size=(40, net.n_inputs))
        data = Dataset(model_id, X[:28], y[:28], X[28:], y[28:], n_classes=n_classes,
                       class_names=tuple(f"class {k}" for k in range(n_classes)))
        point = {m.name: rng.normal(size=m.shape) for m in net.matrices()}
        draws = {name: value + 0.1 * rng.normal(size=(50, *value.shape)) for name, value in point.items()}
        if net.hidden:  # a made-up curvature: a Laplace posterior with a prior chosen by its evidence
            fit = made_up_laplace_fit(net, point, rng, "k" + model_id, 50, seed)
        else:
            fit = Fit("nuts", "k" + model_id, point, draws, seconds=3.2, diagnostics={
                "map_converged": True, "r_hat_max": 1.004, "ess_bulk_min": 410.0, "divergences": 0})
        advi_draws = {name: value + 0.08 * rng.normal(size=(50, *value.shape)) for name, value in point.items()}
        advi = Fit("advi", "a" + model_id, point, advi_draws, {"converged": True, "loss_change": 0.004,
                                                                "elbo_final": -12.0, "iterations": 400},
                   seconds=2.1, loss=np.linspace(30, 12, 400) + rng.normal(0, 0.3, 400))
        model = FittedModel(model_id, title, net, data, fit, companions={"advi": advi})
        model.evaluation = evaluate(model)
        models[model_id] = model
    return models


def made_up_laplace_fit(net: Network, point: dict, rng, key: str, n_draws: int, seed: int) -> Fit:
    """A Laplace posterior at `point` with a made-up curvature (a random third of the parameters
    pinned down, each on its own), its prior chosen by its evidence, as inference.infer makes one."""
    size = sum(int(np.prod(m.shape)) for m in net.matrices())
    basis = np.eye(size)
    eigenvalues = np.where(rng.random(size) < 1 / 3, rng.uniform(5, 50, size), 0.0)
    approximation = Laplace(net, flatten(net, point), prior_scale(net), eigenvalues, basis, log_likelihood=-20.0)
    tau = approximation.optimize_prior_precision()
    diagnostics = {"map_converged": True, "tau": tau, "tau_chosen_by": "evidence", "predictive": "linearised",
                   "log_evidence": approximation.log_evidence(tau), "map_loss": list(np.geomspace(300, 100, 50)),
                   "prior_sd": {m.name: net.prior_sd(m.name) / tau ** 0.5 for m in net.matrices()}}
    return Fit("laplace", key, point, unflatten(net, approximation.sample(tau, n_draws, seed)), diagnostics,
               seconds=3.2, sd=unflatten(net, approximation.posterior_sd(tau)), curvature=approximation.to_arrays())


def placeholder_figures(figure_ids, images_dir: Path) -> dict[str, dict]:
    """Write one labelled placeholder SVG per figure id (the QR code for real); return the manifest."""
    images_dir.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for n, figure_id in enumerate(figure_ids):
        if figure_id == "basics-qr":
            from bdl_demo.figures.qr import follow_along

            svg, alt = follow_along(DECK["url"])
            (images_dir / "basics-qr.svg").write_bytes(svg)
            manifest[figure_id] = {"file": "basics-qr.svg", "alt": alt, "width": 300, "height": 300}
            continue
        hue = (n * 47) % 360
        wide = "-matrix-" in figure_id or "weights" in figure_id
        width, height = (1200, 500) if wide else (600, 430)
        (images_dir / f"{figure_id}.svg").write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
            f'<rect width="{width}" height="{height}" fill="hsl({hue},60%,90%)" stroke="#333"/>'
            f'<text x="{width // 2}" y="210" font-size="32" text-anchor="middle">{figure_id}</text></svg>')
        manifest[figure_id] = {"file": f"{figure_id}.svg", "alt": f"placeholder for {figure_id}",
                               "width": width, "height": height}
    return manifest


def report_of(models: dict[str, FittedModel]) -> dict:
    from bdl_demo.results.report import make_report

    return make_report(models)


def talk(models=None, templates: Path = ROOT / "templates", deck: dict = DECK):
    """The slides of the made-up models, as stacks."""
    from bdl_demo.deck.talk import render_talk

    models = fitted_models() if models is None else models
    return render_talk(templates, deck=deck, models=models, report=report_of(models)).stacks


def figure_ids(stacks) -> list[str]:
    return list(dict.fromkeys(f for stack in stacks for slide in stack for f in slide.figures))


def build(out_dir: Path, images_dir: Path, models=None, templates: Path = ROOT / "templates"):
    """Render the synthetic deck into out_dir; return its stacks and manifest."""
    from bdl_demo.deck.assets import ensure_assets
    from bdl_demo.deck.pages import write_deck
    from bdl_demo.deck.talk import Talk
    from bdl_demo.results.cache import Cache
    from bdl_demo.results.figures import Figures

    models = fitted_models() if models is None else models
    stacks = talk(models, templates)
    manifest = placeholder_figures(figure_ids(stacks), images_dir)
    write_deck(out_dir, Talk(stacks), Figures(manifest), models=models, deck=DECK, images_dir=images_dir,
               node_modules=ensure_assets(), templates=templates, cache=Cache(images_dir.parent / "cache"))
    return stacks, manifest
