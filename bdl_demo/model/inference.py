"""Find the point estimate (MAP) and the posterior of a network's Bayesian model with PyMC.

Three ways to the posterior, each shown beside the same MAP (found once, by L-BFGS):
- NUTS samples it (the reference, affordable for the small models; its chains start where PyMC
  starts them);
- mean-field ADVI fits an independent Normal per parameter by optimisation, started at the MAP;
- Laplace fits a Normal around the MAP from the curvature there (bdl_demo.model.laplace);
and two cheaper stand-ins for it, MC dropout and a deep ensemble (bdl_demo.model.companions).
Every run is seeded, and every run says whether it converged.
"""
from __future__ import annotations

import time

import numpy as np

from bdl_demo.model.convergence import StopWhenSettled, settled
from bdl_demo.model.data import Dataset
from bdl_demo.model.fit import Fit
from bdl_demo.model.map_estimate import LogPosterior
from bdl_demo.model.network import Network

POSTERIORS = ("nuts", "advi", "laplace")  # the ways to the posterior a model can be shown with
MC_SAMPLES = 30  # draws per ADVI step to estimate the gradient: Adam's last steps wander less


def infer(net: Network, data: Dataset, *, method: str, draws: int, tune: int, chains: int,
          advi_iterations: int, learning_rate: float, batch_size: int, seed: int, key: str,
          tau: float | str = "evidence", dropout_rate: float = 0.1, ensemble_size: int = 5,
          progressbar: bool = False, from_map: Fit | None = None) -> Fit:
    """The fit of one model: its MAP (method "map"), or its posterior by NUTS, ADVI or Laplace with
    the MAP (`from_map`, else found here), or MC dropout's passes or an ensemble's members. Its
    seconds are what it cost, its MAP's included, whether that MAP was made now or before."""
    start = time.perf_counter()
    y = targets(net, data.y_train)
    # Every posterior is shown with the MAP (ADVI and Laplace start from it); the stand-ins train their own nets.
    if from_map is not None:
        map_estimate, diagnostics = from_map.map, from_map.diagnostics
    elif method in POSTERIORS or method == "map":
        map_estimate, diagnostics = _map(net, data, seed)
    else:
        map_estimate, diagnostics = {}, {}
    loss, exact = None, {}  # the loss at every step (ADVI, dropout); the exact sds and curvature (Laplace)
    if method == "map":
        posterior, checks = {}, {}
    elif method == "nuts":
        posterior, checks = _nuts(bayesian_model(net, data), net, draws, tune, chains, seed, progressbar)
    elif method == "advi":
        posterior, checks, loss = _advi(bayesian_model(net, data), net, data.X_train, y, map_estimate, draws,
                                        advi_iterations, learning_rate, batch_size, seed, progressbar)
    elif method == "laplace":
        from bdl_demo.model.laplace import laplace, unflatten

        posterior, checks, approximation = laplace(net, data.X_train, y, map_estimate, draws=draws, seed=seed,
                                                   tau=tau)
        exact = {"sd": unflatten(net, approximation.posterior_sd(checks["tau"])),
                 "curvature": approximation.to_arrays()}
    elif method == "dropout":
        from bdl_demo.model.companions import mc_dropout

        posterior, checks, loss = mc_dropout(net, data.X_train, y, rate=dropout_rate, passes=min(draws, 100),
                                             iterations=advi_iterations, learning_rate=learning_rate,
                                             batch_size=batch_size, seed=seed)
    else:
        from bdl_demo.model.companions import ensemble

        posterior, checks = ensemble(log_posterior(net, data), net, members=ensemble_size, seed=seed)
    seconds = time.perf_counter() - start + (from_map.seconds if from_map else 0.0)
    return Fit(method, key, map_estimate, posterior, diagnostics | checks, seconds=seconds, cached=False,
               loss=loss, **exact)


def _map(net: Network, data: Dataset, seed: int) -> tuple[dict, dict]:
    """The MAP and how L-BFGS found it: from small random weights for a net with hidden layers
    (from all zeros every hidden unit would stay the same), else from the prior's mean."""
    from bdl_demo.model.bayesian import random_initvals

    return log_posterior(net, data).find_map(random_initvals(net, seed) if net.hidden else None)


def bayesian_model(net: Network, data: Dataset):
    """The PyMC model of `net` on the training data, kept for the process with its compiled log
    posterior (log_posterior): a worker that fits several methods of one model — the MAP of Laplace
    and ADVI, an ensemble's members — builds and compiles them once."""
    from bdl_demo.model.bayesian import bayesian_network

    key = (repr(net), data.fingerprint())
    if _KEPT.get("key") != key:  # one model at a time: a worker's next fits are mostly of the same
        model = bayesian_network(net, data.X_train, targets(net, data.y_train))
        _KEPT.clear()
        _KEPT.update(key=key, model=model)
    return _KEPT["model"]


def log_posterior(net: Network, data: Dataset) -> LogPosterior:
    """The compiled −log p(θ | D) of bayesian_model(net, data), made once per process."""
    model = bayesian_model(net, data)
    if "objective" not in _KEPT:
        _KEPT["objective"] = LogPosterior(model, net)
    return _KEPT["objective"]


_KEPT: dict = {}


def targets(net: Network, y: np.ndarray) -> np.ndarray:
    """Regression targets stay floats; class labels become int32, as PyMC's minibatches need."""
    return y.astype(float) if net.likelihood == "normal" else y.astype(np.int32)


def sample_nuts(model, draws: int, tune: int, chains: int, seed: int, progressbar: bool = False):
    """Sample the posterior with NUTS, one chain after another (the same draws every time)."""
    import pymc as pm

    with model:
        return pm.sample(draws=draws, tune=tune, chains=chains, cores=1, random_seed=seed,
                         progressbar=progressbar, compute_convergence_checks=False)


def fit_advi(model, start: dict, iterations: int, learning_rate: float, seed: int,
             draws_per_step: int = 1, progressbar: bool = False):
    """Fit an independent Normal to every parameter by stochastic optimisation (mean-field ADVI),
    from the MAP with a small spread; each step's gradient averages `draws_per_step` draws; it
    stops when its loss settles, at the latest after `iterations` steps."""
    import pymc as pm

    spread = {name: np.full(np.size(value), 0.05) for name, value in start.items()}
    with model:
        return pm.fit(iterations, method="advi", start=start, start_sigma=spread, obj_n_mc=draws_per_step,
                      obj_optimizer=pm.adam(learning_rate=learning_rate), random_seed=seed,
                      callbacks=[StopWhenSettled(cap=iterations)], progressbar=progressbar)


def _nuts(model, net, draws, tune, chains, seed, progressbar):
    """NUTS's draws of every parameter and its checks: R̂, bulk ESS, divergences."""
    import arviz as az

    idata = sample_nuts(model, draws, tune, chains, seed, progressbar)
    names = [m.name for m in net.matrices()]
    posterior = {name: np.concatenate(idata.posterior[name].values) for name in names}  # chain after chain
    diagnostics = {
        "r_hat_max": float(max(az.rhat(idata, var_names=names)[n].max() for n in names)),
        "ess_bulk_min": float(min(az.ess(idata, var_names=names, method="bulk")[n].min() for n in names)),
        "divergences": int(idata.sample_stats["diverging"].sum()),
    }
    return posterior, diagnostics


def _advi(full_model, net, X, y, map_estimate, draws, iterations, learning_rate, batch_size, seed,
          progressbar):
    """Mean-field ADVI with Adam, started at the MAP with a small spread: on minibatches when
    batch_size > 0, else on the full data."""
    import pymc as pm

    from bdl_demo.model.bayesian import bayesian_network, minibatched

    samples = 1 if net.hidden else MC_SAMPLES  # where ADVI is set against the exact answer it must be precise
    if 0 < batch_size < len(y):
        X_batch, y_batch = pm.Minibatch(X, y, batch_size=batch_size)
        model = minibatched(bayesian_network(net, X_batch, y_batch), total_size=len(y))
        samples = 1  # PyMC 5.28 cannot draw several gradient samples on minibatches (scan RNG)
    else:
        model = full_model
    approximation = fit_advi(model, map_estimate, iterations, learning_rate, seed, samples, progressbar)
    posterior = _mean_field_draws(approximation, draws, seed)
    loss = np.asarray(approximation.hist, dtype=float)
    return posterior, advi_checks(loss, iterations), loss


def advi_checks(loss: np.ndarray, iterations: int) -> dict:
    """Whether ADVI's loss (the negative ELBO) settled, and the ELBO it ended at."""
    return {"elbo_final": float(-loss[-max(1, len(loss) // 10):].mean())} | settled(loss, iterations)


def _mean_field_draws(approximation, draws: int, seed: int) -> dict[str, np.ndarray]:
    """Draw from the fitted Normal of every parameter with numpy: no sampler to compile.

    Mean-field ADVI stores a mean `mu` and `rho` (sd = softplus(rho)) per parameter, laid out
    in one flat vector; every parameter here has a Normal prior, so no transform is involved.
    """
    group = approximation.groups[0]
    mu = group.params_dict["mu"].get_value()
    sd = np.log1p(np.exp(group.params_dict["rho"].get_value()))
    flat = mu + sd * np.random.default_rng(seed).standard_normal((draws, mu.size))
    return {name: flat[:, where].reshape(draws, *shape)
            for name, (_, where, shape, _) in group.ordering.items()}
