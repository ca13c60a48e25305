"""Stage 3, the fits: every model's MAP, posterior and companions' fits — from the cache when
nothing they depend on changed, and fitted side by side (one process per core) when it did; the
posterior and ADVI take the model's MAP from one fit, made once before them.

A fit's key hashes its settings, network description, data and seed, the inference profile (but
not for the MAP, which no profile changes), the source of the modules that compute fits and the
library versions. PyMC is imported only where a
model really has to be fitted. Each fit is seeded on its own, so fitting in parallel gives the
same numbers, bit for bit, as fitting one after another.
"""
from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import queue
import signal
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Iterator

from bdl_demo.errors import UserError
from bdl_demo.model.convergence import convergence_problem
from bdl_demo.model.data import Dataset
from bdl_demo.model.fit import Fit, FittedModel, curvature_bytes
from bdl_demo.model.inference import POSTERIORS
from bdl_demo.model.network import Network
from bdl_demo.results.cache import Cache, key_of, library_versions, module_hashes
from bdl_demo.settings.reading import Settings
from bdl_demo.settings.schema import ModelSettings, Profile
from bdl_demo.stages import stage

FIT_MODULES = tuple(f"bdl_demo.model.{name}" for name in (
    "network", "task", "bayesian", "map_estimate", "inference", "laplace", "companions", "convergence",
    "predictive", "uncertainty", "data", "fit"))
ONE_METHOD_KEYS = {"tau": "laplace", "dropout_rate": "dropout"}  # settings that only one method reads
STEP_KEYS = ("learning_rate", "batch_size", "advi_iterations_scale")  # how the stochastic fits step: not the MAP
ORDER = ("map", "advi", "ensemble", "dropout", "nuts", "laplace")  # within a model: what unlocks most, then longest


class FitError(UserError):
    """A fit failed; the message names the model and the first line of the reason."""


@dataclass(frozen=True)
class Job:
    """Everything one fit needs, picklable so that a worker process can run it."""

    model: ModelSettings
    method: str  # the model's own method, or one of its companions
    network: Network
    data: Dataset
    profile: Profile
    seed: int
    key: str
    after: str | None = None  # the key of the job whose MAP this one takes
    start: Fit | None = None  # … and that MAP's fit, given when the job is sent to run

    @property
    def name(self) -> str:
        """How progress lines call the fit: the model id, and the method of a companion."""
        return self.model.id if self.method == self.model.method else f"{self.model.id} ({self.method})"


@stage("fits")
def fit_models(settings: Settings, data: dict[str, Dataset], quality: str, cache: Cache, *,
               force: bool = False, workers: int | None = None, progressbar: bool = False,
               verbose: bool = False, log: Callable[[str], None] = print) -> dict[str, FittedModel]:
    """Each model of `data`, in its order, with its fit and the fits of its companion methods;
    the fits not in the cache are made side by side."""
    jobs = [job for model_id, model_data in data.items()
            for job in plan(settings.models[model_id], model_data, settings, quality)]
    load = lambda job: None if force else _cached_fit(job, cache, log)  # noqa: E731
    fits = {job.key: load(job) for job in jobs if job.method != "map"}
    needed = {job.after for job in jobs if job.after and fits[job.key] is None}  # a MAP only if a fit needs it
    fits |= {job.key: load(job) for job in jobs if job.key in needed}
    todo = {}  # one job per key: models that differ only in what a fit does not read share it
    for job in jobs:
        if job.key in fits and fits[job.key] is None:
            todo.setdefault(job.key, job)
    todo = sorted(todo.values(), key=_priority)
    for job in todo:
        log(f"fit {job.name}: fitting with {job.method.upper()} ({quality}) …")
    for job, fit in run(todo, workers or os.cpu_count() or 1, progressbar, verbose, log, known=fits):
        if fit.curvature is not None:  # kept apart: only a new evaluation reads it
            cache.write("curvatures", job.key, curvature_bytes(fit.curvature))
        cache.write("fits", job.key, dataclasses.replace(fit, curvature=None).to_bytes())
        fits[job.key] = fit
        log(f"fit {job.name}: fitted in {fit.seconds:.1f} s")
    for job in (job for job in jobs if job.method != "map"):  # a MAP is judged in the fits that take it
        if problem := convergence_problem(fits[job.key]):
            log(f"warning: fit {job.name} is not converged: {problem}")
    return {job.model.id: FittedModel(job.model.id, job.model.title, job.network, job.data, fits[job.key],
                                      companions={other.method: fits[other.key] for other in jobs
                                                  if other.model.id == job.model.id and other is not job
                                                  and other.method != "map"})
            for job in jobs if job.method == job.model.method}


def plan(model: ModelSettings, data: Dataset, settings: Settings, quality: str) -> list[Job]:
    """The fits a model needs — its MAP, which its posterior and ADVI take (fitted once for
    both), then its own method's and its companions' — each keyed by everything it depends on."""
    network = model.network(data.n_inputs, data.n_classes)
    profile = settings.profiles[quality]
    methods = (model.method, *model.companions)
    jobs = [_job(model, "map", network, data, profile, settings)] if set(methods) & set(POSTERIORS) else []
    for method in methods:
        after = jobs[0].key if method in POSTERIORS else None
        jobs.append(dataclasses.replace(_job(model, method, network, data, profile, settings), after=after))
    return jobs


def _job(model: ModelSettings, method: str, network: Network, data: Dataset, profile: Profile,
         settings: Settings) -> Job:
    """One fit, keyed by what it reads: the MAP by neither the profile nor how the others step."""
    what = dataclasses.asdict(model) | {"id": None, "title": None, "inference": method}  # names refit nothing
    what |= {key: None for key, only in ONE_METHOD_KEYS.items() if only != method}
    if method == "map":
        what |= dict.fromkeys(STEP_KEYS)
    reads = dataclasses.asdict(profile) if method != "map" else None
    key = key_of("fit", what, repr(network), data.fingerprint(), reads,
                 settings.seed, module_hashes(*FIT_MODULES), library_versions())
    return Job(model, method, network, data, profile, settings.seed, key)


def _priority(job: Job) -> tuple:
    """The largest models first, so that no core is left with one at the end (a fit's size: its
    parameters times its training rows); within a model, ORDER."""
    return -job.network.n_parameters * len(job.data.y_train), ORDER.index(job.method)


def _cached_fit(job: Job, cache: Cache, log) -> Fit | None:
    started = time.perf_counter()
    fit = cache.load("fits", job.key, Fit.from_bytes)
    if fit is not None:
        log(f"fit {job.name}: cached ({time.perf_counter() - started:.2f} s)")
    return fit


def run(jobs: list[Job], workers: int, progressbar: bool, verbose: bool,
        log: Callable[[str], None] = print, known: dict[str, Fit | None] | None = None) -> Iterator[tuple[Job, Fit]]:
    """Each job (no two with one key) with its fit, as they finish: in this process for one job or
    one core, else in worker processes (one per core, at most one per job, one BLAS thread each).
    A job whose `after` is set starts once that fit is made (or `known`), in the order of `jobs`
    among those ready. Ctrl-C stops every worker."""
    if len({job.key for job in jobs}) < len(jobs):
        raise ValueError("two fit jobs share a key: run each key once and share its fit")
    made = {key: fit for key, fit in (known or {}).items() if fit is not None}
    waiting = list(jobs)
    if len(jobs) <= 1 or workers <= 1:
        while waiting:
            job = _with_start(_next_ready(waiting, made), made)
            made[job.key] = _fit(job, progressbar, verbose)
            yield job, made[job.key]
        return
    processes = min(workers, len(jobs))
    log(f"fits: {len(jobs)} in {processes} worker processes side by side")
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing shared but the job
    finished = queue.SimpleQueue()
    with context.Pool(processes, initializer=_worker_ignores_ctrl_c) as pool:
        try:
            running: dict[str, Job] = {}
            while waiting or running:
                while len(running) < processes and any(_ready(job, made) for job in waiting):
                    job = _with_start(_next_ready(waiting, made), made)
                    running[job.key] = job
                    pool.apply_async(_fit_in_worker, ((job, verbose),), callback=finished.put,
                                     error_callback=lambda error, key=job.key: finished.put((key, repr(error))))
                if not running:
                    raise _stuck(waiting)
                key, result = finished.get()
                job = running.pop(key)
                if isinstance(result, str):
                    raise FitError(f"fit {job.name} failed: {result}")
                made[key] = dataclasses.replace(Fit.from_bytes(result), cached=False)  # made just now
                yield job, made[key]
        finally:
            pool.terminate()  # on Ctrl-C or an error, stop the fits still running


def _ready(job: Job, made: dict[str, Fit]) -> bool:
    return job.after is None or job.after in made


def _next_ready(waiting: list[Job], made: dict[str, Fit]) -> Job:
    """The first job of `waiting` that can start, taken off the list."""
    job = next((job for job in waiting if _ready(job, made)), None)
    if job is None:
        raise _stuck(waiting)
    waiting.remove(job)
    return job


def _stuck(waiting: list[Job]) -> RuntimeError:
    return RuntimeError(f"fits wait for a MAP that is not planned: {[job.name for job in waiting]}")


def _with_start(job: Job, made: dict[str, Fit]) -> Job:
    return dataclasses.replace(job, start=made[job.after]) if job.after else job


def _worker_ignores_ctrl_c() -> None:
    """Ctrl-C is the main process's to handle: it stops the workers, which never return half a fit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["OPENBLAS_NUM_THREADS"] = "1"


def _fit_in_worker(task: tuple[Job, bool]) -> tuple[str, bytes | str]:
    """A fit in a worker process: its bytes, or the first line of why it failed."""
    job, verbose = task
    try:
        return job.key, _fit(job, False, verbose).to_bytes()
    except Exception as error:  # reported by the main process as one line
        return job.key, (str(error).strip().splitlines() or [type(error).__name__])[0]


def _fit(job: Job, progressbar: bool, verbose: bool) -> Fit:
    """Run the inference of one job (PyMC is imported here, not before)."""
    model, profile = job.model, job.profile
    with warnings.catch_warnings():
        if not verbose:  # PyMC's and ArviZ's own warnings (ArviZ's FutureWarning on import) are for -v
            warnings.simplefilter("ignore")
        import pymc  # noqa: F401  (its import sets its own log level, which is then lowered)

        from bdl_demo.model.inference import infer

        for name in ("pymc", "pytensor", "arviz"):  # they narrate every step: their messages are for -v
            logging.getLogger(name).setLevel(logging.INFO if verbose else logging.ERROR)
        return infer(
            job.network, job.data, method=job.method, draws=profile.draws, tune=profile.tune,
            chains=profile.chains,
            advi_iterations=max(1, round(profile.advi_iterations * model.advi_iterations_scale)),
            learning_rate=model.learning_rate, batch_size=model.batch_size, seed=job.seed,
            key=job.key, tau=model.tau, dropout_rate=model.dropout_rate, ensemble_size=profile.ensemble_size,
            progressbar=progressbar, from_map=job.start)
