"""Figures: ids the slides ask for, the manifest, and drawing only what changed; made-up fits, no PyMC."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

import synthetic_deck
from test_figures_views import synthetic_models

ROOT = Path(__file__).resolve().parent.parent


def asked_for(models) -> list[str]:
    """The figure ids the deck's templates ask for, for these models."""
    return synthetic_deck.figure_ids(synthetic_deck.talk(models))


def draw(models, images, cache_root, **options):
    from bdl_demo.results.cache import Cache
    from bdl_demo.results.figures import draw_figures

    return draw_figures(asked_for(models), models, images, Cache(cache_root), deck=synthetic_deck.DECK,
                        log=lambda m: None, **options).manifest


@pytest.fixture(scope="module")
def full_build(tmp_path_factory):
    """Every figure the talk asks for the four made-up models, drawn once for this module."""
    root = tmp_path_factory.mktemp("build")
    images = root / "images"
    images.mkdir()
    (images / "users-own.svg").write_text("<svg/>")  # a file the build did not write: it stays
    models = synthetic_models()
    manifest = draw(models, images, root / "cache")
    return models, manifest, images


def test_the_talk_asks_for_every_view_of_every_model(full_build):
    models, manifest, _ = full_build
    for model in models.values():
        ids = {f for f in manifest if f.startswith(model.id + "-")}
        if model.kind != "multiclass":
            for view in ("matrix", "diagram"):  # each view of each estimate, at one size or the other
                for estimate in ("point", "posterior"):
                    assert {f"{model.id}-{view}-{estimate}", f"{model.id}-{view}-{estimate}-small"} & ids, (view, estimate)
        if model.on_a_plane:
            assert {f"{model.id}-fit-point", f"{model.id}-fit-posterior"} <= ids
        if model.kind == "multiclass":
            layers = {f"{model.id}-weights-layer{k}" for k in range(1, len(model.net.layers) + 1)}
            assert layers <= ids and f"{model.id}-weights-layer{len(model.net.layers) + 1}" not in ids


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
    assert sum(p.stat().st_size for p in images.iterdir()) < 4_000_000  # the deck as a whole: ≤ 8 MB


@pytest.mark.parametrize("figure_id, says", [
    ("nosuch-matrix-point", "figure ids start with a model id"),
    ("linear-histogram-point", "the views of linear are"),
    ("linear-matrix-best", "use one of linear-matrix-point, linear-matrix-posterior"),
    ("digits-fit-point", "the fit view needs inputs that can be drawn as axes"),
    ("linear-unsure", "the unsure view needs a classifier"),
    ("digits-weights-layer9", "digits-weights-layer3"),
    ("basics-nothing", "figure ids start with a model id"),
])
def test_a_figure_the_build_cannot_make_is_named_with_the_fix(figure_id, says):
    from bdl_demo.figures import FigureError, resolve

    with pytest.raises(FigureError) as error:
        resolve(figure_id, synthetic_models())
    assert says in str(error.value) and "\n" not in str(error.value)


def test_a_changed_fit_redraws_only_that_models_figures(tmp_path):
    from bdl_demo.figures import resolve

    models = synthetic_models(["linear", "logistic"])
    draw(models, tmp_path / "images", tmp_path / "cache")
    fit = dataclasses.replace(models["logistic"].fit, key="logistic-refitted")
    models["logistic"] = dataclasses.replace(models["logistic"], fit=fit)
    manifest = draw(models, tmp_path / "images", tmp_path / "cache")
    redrawn = {figure_id for figure_id, entry in manifest.items() if not entry["cached"]}
    # The logistic model's own figures, and those comparing every model (they show it too).
    assert redrawn == {f for f in manifest if f.startswith("logistic-")
                       or "logistic" in resolve(f, models, synthetic_deck.DECK).models}


def test_force_redraws_everything(tmp_path):
    models = synthetic_models(["linear"])
    draw(models, tmp_path / "images", tmp_path / "cache")
    manifest = draw(models, tmp_path / "images", tmp_path / "cache", force=True)
    assert not any(entry["cached"] for entry in manifest.values())


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_figure_entry_is_redrawn_not_shown(tmp_path, damage):
    models = synthetic_models(["linear"])
    first = draw(models, tmp_path / "images", tmp_path / "cache")
    entry = tmp_path / "cache" / "figures" / first["linear-fit-point"]["key"]
    good = entry.read_bytes()
    entry.write_bytes(b"garbage\n" if damage == "garbage" else good[: len(good) // 2])
    messages = []
    from bdl_demo.results.cache import Cache
    from bdl_demo.results.figures import draw_figures

    again = draw_figures(asked_for(models), models, tmp_path / "images", Cache(tmp_path / "cache", log=messages.append),
                         deck=synthetic_deck.DECK, log=messages.append).manifest
    assert not again["linear-fit-point"]["cached"]
    assert any("damaged cache entry" in m for m in messages)
    assert (tmp_path / "images" / "linear-fit-point.svg").read_bytes().startswith(b"<?xml")
    assert entry.read_bytes() == good  # written whole again


SECOND_BUILD = """
import json, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_figures_views import synthetic_models
from test_figures_registry import draw
manifest = draw(synthetic_models(["linear", "logistic"]), Path({images!r}), Path({cache!r}))
print(json.dumps({{"cached": [e["cached"] for e in manifest.values()],
                  "heavy": [m for m in ("matplotlib", "pymc", "pytensor") if m in sys.modules]}}))
"""


def test_an_unchanged_build_copies_from_the_cache_without_matplotlib(tmp_path):
    images = tmp_path / "images"
    first = draw(synthetic_models(["linear", "logistic"]), images, tmp_path / "cache")
    (images / first["linear-fit-point"]["file"]).unlink()  # a lost image is copied back
    code = SECOND_BUILD.format(tests=str(ROOT / "tests"), images=str(images), cache=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert all(result["cached"]) and result["heavy"] == []
    assert (images / first["linear-fit-point"]["file"]).is_file()
