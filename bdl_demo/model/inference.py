"""Find the point estimate (MAP) and the posterior of a network's Bayesian model with PyMC.

Three ways to the posterior, each starting from the same MAP:
- NUTS samples it (the reference, affordable for the small models);
- mean-field ADVI fits an independent Normal per parameter by optimisation, started at the MAP;
- Laplace fits a Normal around the MAP from the curvature there (bdl_demo.model.laplace);
and two cheaper stand-ins for it, MC dropout and a deep ensemble (bdl_demo.model.alternatives).
Every run is seeded, and every run says whether it converged.
"""
from __future__ import annotations

import time
import warnings

import numpy as np

from bdl_demo.model.data import Dataset
from bdl_demo.model.fit import Fit
from bdl_demo.model.network import Network

POSTERIORS = ("nuts", "advi", "laplace")
METHODS = (*POSTERIORS, "dropout", "ensemble")
SETTLED = 0.01  # ADVI has settled when its mean loss moved by less than 1 % over the last tenth
MC_SAMPLES = 30  # draws per ADVI step to estimate the gradient: Adam's last steps wander less


def infer(net: Network, data: Dataset, *, method: str, draws: int, tune: int, chains: int,
          advi_iterations: int, learning_rate: float, batch_size: int, seed: int, key: str,
          tau: float | None = None, dropout_rate: float = 0.1, ensemble_size: int = 5,
          progressbar: bool = False) -> Fit:
    """The fit of one model: its MAP, then its posterior by NUTS, ADVI or Laplace (or MC dropout's
    passes, or an ensemble's members, in its place)."""
    from bdl_demo.model.bayesian import bayesian_network, random_initvals

    start = time.perf_counter()
    y = _targets(net, data.y_train)
    initvals = random_initvals(net, seed) if net.hidden else None
    model = bayesian_network(net, data.X_train, y, initvals=initvals)
    # Every posterior here starts from the MAP; the stand-ins train their own networks.
    map_estimate, diagnostics = find_map(model, net, seed) if method in POSTERIORS else ({}, {})
    if method == "nuts":
        posterior, checks, loss = _nuts(model, net, draws, tune, chains, seed, progressbar)
    elif method == "advi":
        posterior, checks, loss = _advi(model, net, data.X_train, y, map_estimate, draws,
                                        advi_iterations, learning_rate, batch_size, seed, progressbar)
    elif method == "laplace":
        from bdl_demo.model.laplace import laplace

        posterior, checks = laplace(net, data.X_train, y, map_estimate, draws=draws, seed=seed, tau=tau)
        loss = None
    elif method == "dropout":
        from bdl_demo.model.alternatives import mc_dropout

        posterior, checks, loss = mc_dropout(net, data.X_train, y, rate=dropout_rate, passes=min(draws, 100),
                                             iterations=advi_iterations, learning_rate=learning_rate,
                                             batch_size=batch_size, seed=seed)
    else:
        from bdl_demo.model.alternatives import ensemble

        posterior, checks = ensemble(lambda start: bayesian_network(net, data.X_train, y, initvals=start), net,
                                     members=ensemble_size, seed=seed)
        loss = None
    return Fit(method, key, map_estimate, posterior, diagnostics | checks,
               seconds=time.perf_counter() - start, cached=False, loss=loss)


def convergence_problem(fit: Fit) -> str | None:
    """Why a fit cannot be trusted as it stands, in words, or None: the MAP's optimiser did not
    converge; NUTS has R̂ above 1.01, divergences or a bulk ESS under 400; ADVI's loss had not
    settled."""
    d = fit.diagnostics
    if d.get("map_converged") is False:
        return f"the MAP's optimiser stopped before converging ({d.get('map_iterations')} iterations)"
    if fit.method == "nuts":
        problems = [f"R̂ {d['r_hat_max']:.3f} > 1.01" if d["r_hat_max"] > 1.01 else "",
                    f"{d['divergences']} divergences" if d["divergences"] else "",
                    f"bulk ESS {d['ess_bulk_min']:.0f} < 400" if d["ess_bulk_min"] < 400 else ""]
        return ", ".join(p for p in problems if p) or None
    if fit.method == "advi" and not d.get("converged", True):
        return f"ADVI's loss had not settled (it moved {100 * d['loss_change']:.1f} % over the last tenth)"
    return None


def _targets(net: Network, y: np.ndarray) -> np.ndarray:
    """Regression targets stay floats; class labels become int32, as PyMC's minibatches need."""
    return y.astype(float) if net.likelihood == "normal" else y.astype(np.int32)


def find_map(model, net: Network, seed: int) -> tuple[dict[str, np.ndarray], dict]:
    """The most probable parameters (L-BFGS on the log posterior), whether the optimiser stopped
    because it had converged, and its loss (the negative log posterior) at every step."""
    import pymc as pm

    losses = []

    def note(intermediate_result):  # scipy passes each step's state under this name
        losses.append(float(intermediate_result.fun))

    with model, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its own convergence is reported below instead
        point, raw = pm.find_MAP(progressbar=False, seed=seed, return_raw=True, callback=note)
    estimate = {m.name: np.asarray(point[m.name]) for m in net.matrices()}
    return estimate, {"map_converged": bool(raw.success), "map_iterations": int(raw.nit), "map_loss": losses}


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


def _advi(full_model, net, X, y, map_estimate, draws, iterations, learning_rate, batch_size, seed,
          progressbar):
    """Mean-field ADVI with Adam, started at the MAP with a small spread: on minibatches when
    batch_size > 0, else on the full data."""
    import pymc as pm

    from bdl_demo.model.bayesian import bayesian_network

    samples = 1 if net.hidden else MC_SAMPLES  # where ADVI is set against the exact answer it must be precise
    if 0 < batch_size < len(y):
        X_batch, y_batch = pm.Minibatch(X, y, batch_size=batch_size)
        model = bayesian_network(net, X_batch, y_batch, total_size=len(y))
        samples = 1  # PyMC 5.28 cannot draw several gradient samples on minibatches (scan RNG)
    else:
        model = full_model
    spread = {name: np.full(value.size, 0.05) for name, value in map_estimate.items()}
    with model:
        approximation = pm.fit(iterations, method="advi", start=map_estimate, start_sigma=spread,
                               obj_optimizer=pm.adam(learning_rate=learning_rate), obj_n_mc=samples,
                               random_seed=seed, progressbar=progressbar)
    posterior = _mean_field_draws(approximation, draws, seed)
    loss = np.asarray(approximation.hist, dtype=float)
    return posterior, advi_checks(loss, iterations), loss


def advi_checks(loss: np.ndarray, iterations: int) -> dict:
    """Whether ADVI's loss (the negative ELBO) settled: its mean over the last tenth of the run
    against the tenth before, relative change below SETTLED."""
    tenth = max(1, len(loss) // 10)
    last, before = loss[-tenth:].mean(), loss[-2 * tenth:-tenth].mean()
    change = float(abs(last - before) / max(abs(before), 1e-12))
    return {"elbo_final": float(-last), "iterations": int(iterations), "loss_change": change,
            "converged": bool(change < SETTLED)}


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
