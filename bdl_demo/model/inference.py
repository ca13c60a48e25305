"""Find the point estimate (MAP) and the posterior of a network's Bayesian model with PyMC.

NUTS where it is cheap (linear, logistic), ADVI with Adam and random starting values for deep
nets. Everything is seeded: the same settings give the same numbers.
"""
from __future__ import annotations

import time
import warnings

import numpy as np

from bdl_demo.model.data import Dataset
from bdl_demo.model.fit import Fit
from bdl_demo.model.network import Network


def infer(net: Network, data: Dataset, *, method: str, draws: int, tune: int, chains: int,
          advi_iterations: int, learning_rate: float, batch_size: int, seed: int, key: str,
          progressbar: bool = False) -> Fit:
    """The fit of one model: its MAP, then its posterior by NUTS or ADVI."""
    import pymc as pm

    from bdl_demo.model.bayesian import bayesian_network, random_initvals

    start = time.perf_counter()
    y = _targets(net, data.y_train)
    initvals = random_initvals(net, seed) if net.hidden else None
    full_model = bayesian_network(net, data.X_train, y, initvals=initvals)
    with full_model, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        point = pm.find_MAP(progressbar=False, seed=seed)
    map_estimate = {m.name: np.asarray(point[m.name]) for m in net.matrices()}

    if method == "nuts":
        posterior, diagnostics, loss = _nuts(full_model, net, draws, tune, chains, seed, progressbar)
    else:
        posterior, diagnostics, loss = _advi(full_model, net, data.X_train, y, initvals, draws,
                                             advi_iterations, learning_rate, batch_size, seed,
                                             progressbar)
    return Fit(method, key, map_estimate, posterior, diagnostics,
               seconds=time.perf_counter() - start, cached=False, loss=loss)


def _targets(net: Network, y: np.ndarray) -> np.ndarray:
    """Regression targets stay floats; class labels become int32, as PyMC's minibatches need."""
    return y.astype(float) if net.likelihood == "normal" else y.astype(np.int32)


def _nuts(model, net, draws, tune, chains, seed, progressbar):
    """Sample with NUTS, one chain after another (deterministic, and no process start-up)."""
    import arviz as az
    import pymc as pm

    with model:
        idata = pm.sample(draws=draws, tune=tune, chains=chains, cores=1, random_seed=seed,
                          progressbar=progressbar, compute_convergence_checks=False)
    names = [m.name for m in net.matrices()]
    posterior = {name: _flatten_chains(idata.posterior[name].values) for name in names}
    diagnostics = {
        "r_hat_max": float(max(az.rhat(idata, var_names=names)[n].max() for n in names)),
        "ess_bulk_min": float(min(az.ess(idata, var_names=names, method="bulk")[n].min() for n in names)),
        "divergences": int(idata.sample_stats["diverging"].sum()),
    }
    return posterior, diagnostics, None


def _advi(full_model, net, X, y, initvals, draws, iterations, learning_rate, batch_size, seed,
          progressbar):
    """Mean-field ADVI with Adam: on minibatches when batch_size > 0, else on the full data."""
    import pymc as pm

    from bdl_demo.model.bayesian import bayesian_network

    if 0 < batch_size < len(y):
        X_batch, y_batch = pm.Minibatch(X, y, batch_size=batch_size)
        model = bayesian_network(net, X_batch, y_batch, initvals=initvals, total_size=len(y))
    else:
        model = full_model
    with model:
        approximation = pm.fit(iterations, method="advi", random_seed=seed, progressbar=progressbar,
                               obj_optimizer=pm.adam(learning_rate=learning_rate))
    posterior = _mean_field_draws(approximation, draws, seed)
    loss = np.asarray(approximation.hist, dtype=float)
    tail = loss[-max(1, len(loss) // 10):]
    diagnostics = {"elbo_final": float(-tail.mean()), "iterations": int(iterations)}
    return posterior, diagnostics, loss


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


def _flatten_chains(values: np.ndarray) -> np.ndarray:
    """(chains, draws, *shape) → (chains·draws, *shape)."""
    return values.reshape(-1, *values.shape[2:])
