"""The fit cache: unchanged keys load, a changed prior refits one model, damage is refitted."""
import dataclasses

import pytest

from bdl_demo import fits
from bdl_demo.cache import atomic_write, key_of
from bdl_demo.fit import Fit


class Refitted(Exception):
    pass


@pytest.fixture
def no_fitting(monkeypatch):
    """Make any attempt to fit fail loudly, to prove that results came from the cache."""
    def refuse(model, *args):
        raise Refitted(model.id)
    monkeypatch.setattr(fits, "_fit", refuse)


def test_second_build_loads_every_fit_from_the_cache(settings, draft_models, no_fitting):
    again = fits.fit_models(settings, "draft", list(settings.models), log=lambda m: None)
    assert all(model.fit.cached for model in again.values())
    for model_id, model in again.items():
        assert model.fit.key == draft_models[model_id].fit.key


def test_a_prior_change_refits_only_that_model(settings, draft_models, no_fitting):
    changed = dataclasses.replace(settings.models["logistic"], weight_prior=2.5)
    edited = dataclasses.replace(settings, models=settings.models | {"logistic": changed})
    with pytest.raises(Refitted, match="logistic"):
        fits.fit_models(edited, "draft", list(settings.models), log=lambda m: None)
    others = fits.fit_models(edited, "draft", ["linear", "deepnet", "digits"], log=lambda m: None)
    assert all(model.fit.cached for model in others.values())


def test_quality_profile_and_seed_are_part_of_the_key(settings, draft_models, no_fitting):
    with pytest.raises(Refitted):
        fits.fit_models(settings, "final", ["linear"], log=lambda m: None)
    with pytest.raises(Refitted):
        fits.fit_models(dataclasses.replace(settings, seed=settings.seed + 1), "draft", ["linear"],
                        log=lambda m: None)


def cache_file(fit_cache, model_id):
    files = sorted((fit_cache / "fits").glob(f"{model_id}-*.npz"))
    assert files
    return files[0]


@pytest.mark.parametrize("damage", ["truncate", "flip a byte", "empty"])
def test_a_damaged_entry_is_refitted_not_a_crash(settings, draft_models, fit_cache, damage):
    path = cache_file(fit_cache, "linear")
    good = path.read_bytes()
    broken = {"truncate": good[: len(good) // 2], "empty": b"",
              "flip a byte": good[:200] + bytes([good[200] ^ 0xFF]) + good[201:]}[damage]
    path.write_bytes(broken)
    messages = []
    refitted = fits.fit_models(settings, "draft", ["linear"], log=messages.append)["linear"]
    assert not refitted.fit.cached
    assert any("damaged" in m for m in messages)
    assert Fit.load(path).key == refitted.fit.key  # the entry was rewritten whole


def test_force_ignores_the_cache(settings, draft_models, no_fitting):
    with pytest.raises(Refitted):
        fits.fit_models(settings, "draft", ["linear"], force=True, log=lambda m: None)


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
