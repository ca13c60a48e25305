"""The engine's shortcuts give the answers of the long way: one compiled log posterior for every
MAP, optimisers that stop once their loss settled, figures drawn in several processes."""
from __future__ import annotations

import os

import numpy as np
import pytest

from conftest import model_where

from bdl_demo.model.convergence import CHECKS, STOP_CHANGE, may_stop, settled


def test_a_flat_noisy_loss_may_stop_at_the_first_check():
    cap = 12_000
    every = cap // CHECKS
    loss = 50 + np.random.default_rng(0).normal(0, 0.5, cap)
    first = next(step for step in range(1, cap + 1) if may_stop(loss[:step], cap))
    assert first == 10 * every  # no check before a tenth of the checks, none between two checks
    assert settled(loss[:first], cap)["converged"]


def test_a_loss_still_falling_runs_to_its_cap():
    """A loss falling by twice STOP_CHANGE per quarter of the run never may stop, although the
    report's own check (1 % a tenth) would call it settled: stopping is the stricter rule."""
    cap = 12_000
    steps = np.arange(1, cap + 1)
    loss = 100 * np.exp(-2 * STOP_CHANGE * 4 * np.log(steps))  # relative fall per quarter ≈ 2·STOP_CHANGE
    assert not any(may_stop(loss[:step], cap) for step in range(1, cap + 1))
    assert settled(loss, cap)["converged"]


def test_one_compiled_log_posterior_finds_pymcs_map(draft_models):
    """The ensemble's and every posterior's MAP: L-BFGS on one compiled function gives what PyMC's
    own find_MAP gives, from the same start, for a net with hidden layers."""
    import pymc as pm

    from bdl_demo.model.bayesian import bayesian_network, random_initvals
    from bdl_demo.model.inference import targets
    from bdl_demo.model.map_estimate import LogPosterior

    deep = model_where(draft_models, "deep net on a plane")
    model = bayesian_network(deep.net, deep.data.X_train, targets(deep.net, deep.data.y_train))
    objective = LogPosterior(model, deep.net)
    for seed in (1, 2):
        start = random_initvals(deep.net, seed)
        ours, checks = objective.find_map(start)
        with model:
            theirs = pm.find_MAP(start=start, progressbar=False)
        assert checks["map_converged"]
        for name, value in ours.items():
            np.testing.assert_allclose(value, theirs[name], rtol=1e-6, atol=1e-8)
        assert checks["map_loss"][-1] == pytest.approx(-model.compile_logp(jacobian=False)(theirs), rel=1e-9)


def test_advi_stops_early_only_with_a_settled_loss(draft_models):
    """The fits that stopped before their cap say so, and their loss had settled by the report's
    check; those still moving ran to the cap."""
    stopped = 0
    for model in draft_models.values():
        for method, fit in [(model.fit.method, model.fit), *model.companions.items()]:
            if method not in ("advi", "dropout"):
                continue
            checks = fit.diagnostics
            assert checks["iterations"] == len(fit.loss) <= checks["cap"]
            if checks["iterations"] < checks["cap"]:
                stopped += 1
                assert checks["converged"], model.id
    assert stopped >= 1  # the linear and logistic ADVI settle well before their cap


def test_figures_drawn_in_several_processes_equal_those_drawn_in_one(tmp_path, monkeypatch):
    from test_figures_registry import draw
    from test_figures_views import synthetic_models

    models = synthetic_models()
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    several = draw(models, tmp_path / "several", tmp_path / "cache-several")
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    one = draw(models, tmp_path / "one", tmp_path / "cache-one")
    assert [entry["file"] for entry in several.values()] == [entry["file"] for entry in one.values()]
    for entry in one.values():
        assert (tmp_path / "several" / entry["file"]).read_bytes() == (tmp_path / "one" / entry["file"]).read_bytes()
    assert {k: {**v, "seconds": 0} for k, v in several.items()} == {k: {**v, "seconds": 0} for k, v in one.items()}
