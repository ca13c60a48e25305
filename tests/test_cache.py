"""The one cache: unchanged keys load, a changed prior refits one model, damage is made again."""
import dataclasses
import shutil

import numpy as np
import pytest

from conftest import model_where

from bdl_demo.pipeline import fitted_models
from bdl_demo.results import fits as fitting
from bdl_demo.results.data import data_set
from bdl_demo.results.cache import Cache, key_of
from bdl_demo.files import atomic_write
from bdl_demo.model.fit import Fit


class Refitted(Exception):
    pass


@pytest.fixture
def no_fitting(monkeypatch):
    """Make any attempt to fit fail loudly, to prove that results came from the cache."""
    def refuse(jobs, *args, **options):
        if jobs:
            raise Refitted(jobs[0].model.id)
        return iter(())
    monkeypatch.setattr(fitting, "run", refuse)


def fit(settings, fit_cache, model_ids, **options):
    return fitted_models(settings, "draft", model_ids, Cache(fit_cache), log=lambda m: None, **options)


def test_second_build_loads_every_fit_from_the_cache(settings, draft_models, fit_cache, no_fitting):
    again = fit(settings, fit_cache, list(settings.models))
    assert all(model.fit.cached for model in again.values())
    for model_id, model in again.items():
        assert model.fit.key == draft_models[model_id].fit.key


def test_a_prior_change_refits_only_that_model(settings, draft_models, fit_cache, no_fitting):
    changed_id = next(iter(settings.models))
    changed = dataclasses.replace(settings.models[changed_id], weight_prior=2.5)
    edited = dataclasses.replace(settings, models=settings.models | {changed_id: changed})
    with pytest.raises(Refitted, match=changed_id):
        fit(edited, fit_cache, list(settings.models))
    others = fit(edited, fit_cache, [m for m in settings.models if m != changed_id])
    assert others and all(model.fit.cached for model in others.values())


def test_renaming_a_model_or_its_title_refits_nothing(settings, draft_models, fit_cache, no_fitting):
    old_id, model = next(iter(settings.models.items()))
    renamed = dataclasses.replace(model, id="renamed", title="Something else")
    edited = dataclasses.replace(settings, models={"renamed": renamed})
    again = fit(edited, fit_cache, ["renamed"])["renamed"]
    assert again.fit.cached and again.fit.key == draft_models[old_id].fit.key


def test_quality_profile_and_seed_are_part_of_the_key(settings, draft_models, fit_cache, no_fitting):
    first = next(iter(settings.models))
    with pytest.raises(Refitted):
        fitted_models(settings, "final", [first], Cache(fit_cache), log=lambda m: None)
    with pytest.raises(Refitted):
        fit(dataclasses.replace(settings, seed=settings.seed + 1), fit_cache, [first])


@pytest.mark.parametrize("damage", ["truncate", "flip a byte", "empty", "a foreign file"])
def test_a_damaged_fit_is_refitted_not_a_crash(settings, draft_models, fit_cache, damage):
    linear = model_where(draft_models, "linear regression")
    path = fit_cache / "fits" / linear.fit.key
    good = path.read_bytes()
    broken = {"truncate": good[: len(good) // 2], "empty": b"", "a foreign file": b"[]",
              "flip a byte": good[:300] + bytes([good[300] ^ 0xFF]) + good[301:]}[damage]
    path.write_bytes(broken)
    messages = []
    refitted = fitted_models(settings, "draft", [linear.id], Cache(fit_cache, log=messages.append),
                               log=messages.append)[linear.id]
    assert not refitted.fit.cached
    assert [m for m in messages if "damaged cache entry" in m] == [f"warning: damaged cache entry fits/{linear.fit.key}: making it again"]
    stored = Fit.from_bytes(Cache(fit_cache).read("fits", linear.fit.key).payload)  # written whole again
    for name, values in linear.fit.draws.items():  # the same seed refits to the same numbers
        assert (stored.draws[name] == values).all()


def test_force_ignores_the_cache(settings, draft_models, fit_cache, no_fitting):
    with pytest.raises(Refitted):
        fit(settings, fit_cache, [next(iter(settings.models))], force=True)


def test_every_kind_of_entry_is_checked_on_read(tmp_path):
    messages = []
    cache = Cache(tmp_path, log=messages.append)
    for kind in ("data", "fits", "evaluations", "figures"):
        cache.write(kind, "k", b"payload", {"alt": "x"})
        assert cache.read(kind, "k").payload == b"payload"
        entry = cache.path(kind, "k")
        entry.write_bytes(entry.read_bytes()[:-1] + b"P")
        assert cache.read(kind, "k") is None
    assert len(messages) == 4 and all("damaged" in m for m in messages)


def test_an_entry_under_another_name_is_made_again(tmp_path):
    """A whole entry copied over another key's file is not that key's: reported and not used."""
    messages = []
    cache = Cache(tmp_path, log=messages.append)
    for kind in ("data", "fits", "evaluations", "figures"):
        cache.write(kind, "one", b"first", {"alt": "x"})
        cache.write(kind, "two", b"second")
        cache.path(kind, "two").write_bytes(cache.path(kind, "one").read_bytes())
        assert cache.read(kind, "one").payload == b"first"
        assert cache.read(kind, "two") is None
    assert messages == [f"warning: cache entry {kind}/two was made for {kind}/one: making it again"
                        for kind in ("data", "fits", "evaluations", "figures")]


def test_a_fit_copied_over_another_models_key_is_refitted(settings, draft_models, fit_cache):
    """What a stale copy or a bad merge of .cache/ does: the entry records its own key, so the
    wrong fit is never loaded as "cached" (it used to fail later with a traceback)."""
    linear = model_where(draft_models, "linear regression")
    logistic = model_where(draft_models, "logistic regression")
    path = fit_cache / "fits" / linear.fit.key
    path.write_bytes((fit_cache / "fits" / logistic.fit.key).read_bytes())
    messages = []
    refitted = fitted_models(settings, "draft", [linear.id], Cache(fit_cache, log=messages.append),
                               log=messages.append)[linear.id]
    assert not refitted.fit.cached and refitted.fit.draws["W1"].shape[1:] == linear.net.matrices()[0].shape
    assert f"warning: cache entry fits/{linear.fit.key} was made for fits/{logistic.fit.key}: making it again" in messages


def test_fetch_makes_a_missing_value_once(tmp_path):
    cache, made = Cache(tmp_path), []

    def make():
        made.append(1)
        return "value"

    options = {"encode": str.encode, "decode": bytes.decode}
    assert cache.fetch("x", "k", make, **options) == ("value", False)
    assert cache.fetch("x", "k", make, **options) == ("value", True)
    assert len(made) == 1


def test_an_unreadable_cache_is_one_line(tmp_path):
    from bdl_demo.results.cache import CacheError

    cache = Cache(tmp_path)
    cache.write("fits", "k", b"x")
    cache.path("fits", "k").chmod(0)
    try:
        if cache.path("fits", "k").open("rb").readable():  # root reads anything: make it a folder
            cache.path("fits", "k").chmod(0o644)
            cache.path("fits", "k").unlink()
            cache.path("fits", "k").mkdir()
        with pytest.raises(CacheError, match="cannot read the cache entry") as error:
            cache.read("fits", "k")
        assert "\n" not in str(error.value)
    finally:
        if cache.path("fits", "k").is_file():
            cache.path("fits", "k").chmod(0o644)


def test_fits_survive_the_round_trip_through_bytes(draft_models):
    import numpy as np

    model = next(iter(draft_models.values()))
    again = Fit.from_bytes(model.fit.to_bytes())
    assert again.key == model.fit.key and again.method == model.fit.method
    for name, values in model.fit.draws.items():
        np.testing.assert_array_equal(again.draws[name], values)


def test_keys_are_stable_and_sensitive():
    assert key_of("fit", {"a": 1, "b": [1, 2]}) == key_of("fit", {"b": [1, 2], "a": 1})
    assert key_of("fit", {"a": 1}) != key_of("fit", {"a": 2})


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "entry.bin"
    target.write_bytes(b"old")

    def fail(*args):
        raise OSError("disk full")
    monkeypatch.setattr("os.replace", fail)
    with pytest.raises(OSError):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]


def test_a_setting_only_one_method_reads_refits_only_that_method(settings, fit_cache):
    """τ is the Laplace posterior's and the dropout rate the dropout net's: changing one keeps the
    keys of the model's other fits, so they load from the cache."""
    deep = next(m for m in settings.models.values() if m.hidden)
    cache = Cache(fit_cache)
    data = data_set(deep, settings.seed, cache)
    before = {job.method: job.key for job in fitting.plan(deep, data, settings, "draft")}
    for change, method in (({"tau": 3.0}, "laplace"), ({"dropout_rate": 0.3}, "dropout")):
        after = {job.method: job.key for job in fitting.plan(dataclasses.replace(deep, **change), data, settings, "draft")}
        assert {m for m in before if before[m] != after[m]} == ({method} & set(before)), change


def test_the_map_is_kept_when_only_the_stochastic_fits_or_the_profile_change(settings, fit_cache):
    """The MAP reads the net, the prior, the data and the seed: a new Adam step or profile refits
    ADVI and the rest, never the MAP they start from; a new prior refits it."""
    deep = next(m for m in settings.models.values() if m.hidden)
    data = data_set(deep, settings.seed, Cache(fit_cache))
    keys = lambda model, quality="draft": {job.method: job.key for job in fitting.plan(model, data, settings, quality)}  # noqa: E731
    before = keys(deep)
    assert keys(dataclasses.replace(deep, learning_rate=deep.learning_rate / 2))["map"] == before["map"]
    assert keys(deep, "final")["map"] == before["map"] and keys(deep, "final")["advi"] != before["advi"]
    assert keys(dataclasses.replace(deep, weight_prior=2 * deep.weight_prior))["map"] != before["map"]


def test_the_posterior_and_advi_start_from_one_map_fitted_once(settings, tmp_path, monkeypatch):
    from bdl_demo.model import inference

    calls = []
    find = inference._map
    monkeypatch.setattr(inference, "_map", lambda *args: calls.append(args) or find(*args))
    linear = next(m for m in settings.models.values() if not m.hidden and m.method == "nuts")
    fitted = fitted_models(settings, "draft", [linear.id], Cache(tmp_path), workers=1, log=lambda m: None)[linear.id]
    assert len(calls) == 1 and set(fitted.companions) == {"advi"}
    for name, value in fitted.fit.map.items():
        np.testing.assert_array_equal(fitted.companions["advi"].map[name], value)


def test_models_that_differ_only_in_what_a_fit_does_not_read_share_its_fits(settings, tmp_path, monkeypatch):
    """τ is read by Laplace alone: a copy of a NUTS model with another τ has the same MAP, NUTS
    and ADVI keys, so each of those fits is made once (in the worker processes) and both get it."""
    jobs_run = []
    run = fitting.run
    monkeypatch.setattr(fitting, "run", lambda jobs, *args, **options: jobs_run.extend(jobs) or run(jobs, *args, **options))
    linear = next(m for m in settings.models.values() if not m.hidden and m.method == "nuts")
    twin = dataclasses.replace(linear, id="twin", tau=4.0)
    both = dataclasses.replace(settings, models=settings.models | {"twin": twin})
    fitted = fitted_models(both, "draft", [linear.id, "twin"], Cache(tmp_path), workers=2, log=lambda m: None)
    assert sorted(job.method for job in jobs_run) == sorted(["map", "nuts", *linear.companions])
    assert fitted["twin"].fit.key == fitted[linear.id].fit.key
    for name, draws in fitted[linear.id].fit.draws.items():
        np.testing.assert_array_equal(fitted["twin"].fit.draws[name], draws)


def test_run_refuses_two_jobs_with_one_key():
    job = fitting.Job(model=None, method="map", network=None, data=None, profile=None, seed=0, key="k")
    with pytest.raises(ValueError, match="share a key"):
        next(fitting.run([job, job], 2, False, False, log=lambda m: None))


def test_a_laplace_fits_curvature_is_kept_apart_and_made_again_if_lost(settings, draft_models, fit_cache, tmp_path):
    """Builds that only load a fit never read its curvature (tens of MB); an evaluation that needs
    it and finds it gone computes it again at the same MAP, to the same sweep."""
    deep = next(m for m in draft_models.values() if m.fit.method == "laplace")
    fit_cache = shutil.copytree(fit_cache, tmp_path / "cache")  # the session's cache stays as the other tests left it
    fit_entry = Fit.from_bytes(Cache(fit_cache).read("fits", deep.fit.key).payload)
    assert fit_entry.curvature is None and (fit_cache / "curvatures" / deep.fit.key).is_file()
    sweep = deep.evaluation.numbers["prior_precision_sweep"]
    (fit_cache / "curvatures" / deep.fit.key).unlink()
    for entry in (fit_cache / "evaluations").iterdir():
        entry.unlink()
    again = fitted_models(settings, "draft", [deep.id], Cache(fit_cache), log=lambda m: None)[deep.id]
    assert again.fit.cached and (fit_cache / "curvatures" / deep.fit.key).is_file()
    assert [row["log_evidence"] for row in again.evaluation.numbers["prior_precision_sweep"]] == \
        pytest.approx([row["log_evidence"] for row in sweep], rel=1e-9)


def test_the_baselines_are_kept_by_the_data_and_a_refit_does_not_recompute_them(settings, draft_models, fit_cache, monkeypatch):
    """scikit-learn's logistic regression reads only the data: evaluating a new fit of the same data
    takes the baselines from the cache (without importing scikit-learn for them)."""
    from bdl_demo.model import evaluation
    from bdl_demo.results import evaluations

    classifier = model_where(draft_models, "multiclass net")
    monkeypatch.setattr(evaluations, "baselines", lambda data: pytest.fail("the baselines were computed again"))
    kept = evaluations.baselines_of(classifier.data, Cache(fit_cache))
    assert kept == {key: classifier.evaluation.numbers[key] for key in ("baseline_accuracy", "baseline_accuracy_cv")}
    assert kept == evaluation.baselines(classifier.data)
