"""Figures: the manifest, and drawing only what changed; tiny made-up fits, no PyMC."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_figures_views import synthetic_models

ROOT = Path(__file__).resolve().parent.parent
TWIN_VIEWS = ("matrix", "diagram", "fit")


def expected_ids(models) -> set[str]:
    """The figure ids the deck templates use, for the given made-up models."""
    ids = {"basics-activations"}
    for model_id in ("linear", "logistic", "deepnet"):
        if model_id in models:
            ids |= {f"{model_id}-{view}-{estimate}" for view in TWIN_VIEWS for estimate in ("point", "posterior")}
    if "linear" in models:
        ids |= {"linear-params-point", "linear-params-posterior", "basics-bayes-rule"}
    if "deepnet" in models:
        ids.add("deepnet-fit-uncertainty")
    if "digits" in models:
        ids |= {"digits-diagram-point", "digits-predictions", "digits-probabilities",
                "digits-uncertainties", "digits-unsure"}
        ids |= {f"digits-weights-layer{k}" for k in range(1, len(models["digits"].net.layers) + 1)}
    return ids


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private, empty figure cache."""
    monkeypatch.setenv("BDL_DEMO_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def full_build(tmp_path_factory):
    """Every figure of the four made-up models, drawn once for this module."""
    from bdl_demo.figures import build_figures

    root = tmp_path_factory.mktemp("build")
    old = os.environ.get("BDL_DEMO_CACHE")
    os.environ["BDL_DEMO_CACHE"] = str(root / "cache")
    images = root / "images"
    images.mkdir()
    (images / "users-own.svg").write_text("<svg/>")  # a file the build did not write: it stays
    models = synthetic_models()
    manifest = build_figures(models, images, log=lambda message: None)
    yield models, manifest, images
    if old is None:
        os.environ.pop("BDL_DEMO_CACHE", None)
    else:
        os.environ["BDL_DEMO_CACHE"] = old


def test_every_figure_the_deck_uses_is_drawn(full_build):
    models, manifest, _ = full_build
    assert set(manifest) == expected_ids(models)


def test_every_figure_has_alt_text(full_build):
    _, manifest, _ = full_build
    for figure_id, entry in manifest.items():
        assert len(entry["alt"].split()) >= 8, figure_id
        assert entry["alt"].endswith("."), figure_id


def test_the_manifest_lists_every_file_the_build_wrote(full_build):
    _, manifest, images = full_build
    files = sorted(p.name for p in images.iterdir() if not p.name.startswith("."))
    assert files == sorted([e["file"] for e in manifest.values()] + ["users-own.svg"])
    for figure_id, entry in manifest.items():
        assert entry["file"] == f"{figure_id}.svg"
        assert set(entry) >= {"file", "alt", "key", "cached", "seconds"}
        assert (images / entry["file"]).read_bytes().startswith(b"<?xml")


def test_figures_fit_the_size_budget(full_build):
    _, _, images = full_build
    assert sum(p.stat().st_size for p in images.iterdir()) < 3_000_000


def test_figures_of_missing_models_are_skipped(cache, tmp_path):
    from bdl_demo.figures import build_figures

    manifest = build_figures(synthetic_models(["logistic"]), tmp_path / "images", log=lambda m: None)
    assert set(manifest) == expected_ids({"logistic": None})


def test_a_changed_fit_redraws_only_that_models_figures(cache, tmp_path):
    from bdl_demo.figures import build_figures

    models = synthetic_models(["linear", "logistic"])
    build_figures(models, tmp_path / "images", log=lambda m: None)
    fit = dataclasses.replace(models["logistic"].fit, key="logistic-refitted")
    models["logistic"] = dataclasses.replace(models["logistic"], fit=fit)
    manifest = build_figures(models, tmp_path / "images", log=lambda m: None)
    redrawn = {figure_id for figure_id, entry in manifest.items() if not entry["cached"]}
    assert redrawn == {f for f in manifest if f.startswith("logistic-")}


def test_force_redraws_everything(cache, tmp_path):
    from bdl_demo.figures import build_figures

    models = synthetic_models(["linear"])
    build_figures(models, tmp_path / "images", log=lambda m: None)
    manifest = build_figures(models, tmp_path / "images", force=True, log=lambda m: None)
    assert not any(entry["cached"] for entry in manifest.values())


SECOND_BUILD = """
import json, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_figures_views import synthetic_models
from bdl_demo.figures import build_figures
manifest = build_figures(synthetic_models(["linear", "logistic"]), Path({images!r}), log=lambda m: None)
print(json.dumps({{"cached": [e["cached"] for e in manifest.values()],
                  "heavy": [m for m in ("matplotlib", "pymc", "pytensor") if m in sys.modules]}}))
"""


def test_an_unchanged_build_copies_from_the_cache_without_matplotlib(cache, tmp_path):
    from bdl_demo.figures import build_figures

    images = tmp_path / "images"
    first = build_figures(synthetic_models(["linear", "logistic"]), images, log=lambda m: None)
    (images / first["linear-fit-point"]["file"]).unlink()  # a lost image is copied back
    code = SECOND_BUILD.format(tests=str(ROOT / "tests"), images=str(images))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "BDL_DEMO_CACHE": str(cache)}, timeout=60, check=True)
    second = json.loads(result.stdout.strip().splitlines()[-1])
    assert second["cached"] and all(second["cached"])
    assert len(second["cached"]) == len(first)
    assert second["heavy"] == []
    assert (images / "linear-fit-point.svg").is_file()
