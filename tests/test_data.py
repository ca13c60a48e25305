"""Data sets: seeded, split, scaled, and Covertype read from a local copy only."""
import gzip

import numpy as np
import pytest

from bdl_demo.model import data


@pytest.mark.parametrize("name", [name for name in data.DATASETS if name != "covtype"])
def test_data_sets_are_seeded_and_split(name):
    first, again = data.load(name, seed=3), data.load(name, seed=3)
    assert first.fingerprint() == again.fingerprint()
    assert data.load(name, seed=4).fingerprint() != first.fingerprint()
    source = data.DATASETS[name]  # what the settings check before loading anything
    assert first.n_inputs == source.n_inputs and first.n_classes == source.n_classes
    if first.n_classes:
        assert set(np.unique(first.y_test)) == set(range(first.n_classes))  # every class is tested
        assert len(first.class_names) == first.n_classes
    assert len(first.X_test) > 0 and len(first.X_train) > len(first.X_test) or name == "line"


def test_classification_inputs_are_standardised():
    moons = data.load("moons", seed=0)
    np.testing.assert_allclose(moons.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(moons.X_train.std(axis=0), 1, atol=1e-12)


def test_line_has_few_points_and_knows_its_truth():
    line = data.load("line", seed=0, n_samples=12, noise=0.5)
    assert len(line.X_train) == 12 and line.truth["noise"] == 0.5


def fake_covtype(rows=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 54)).round(3)
    y = np.tile(np.arange(1, 8), rows // 7 + 1)[:rows]
    return X, y


def test_covtype_from_a_scikit_learn_data_folder(tmp_path):
    import joblib

    X, y = fake_covtype()
    folder = tmp_path / "covertype"
    folder.mkdir()
    joblib.dump(X, folder / "samples_py3")
    joblib.dump(y.astype(np.int32), folder / "targets_py3")
    loaded = data.load("covtype", seed=0, data_path=str(tmp_path), n_samples=56)
    assert loaded.n_inputs == 54 and loaded.n_classes == 7
    assert len(loaded.X_train) + len(loaded.X_test) == 56
    assert set(np.unique(loaded.y_train)) <= set(range(7))


def test_covtype_from_the_uci_file(tmp_path):
    X, y = fake_covtype()
    path = tmp_path / "covtype.data.gz"
    with gzip.open(path, "wt") as handle:
        for row, label in zip(X, y):
            handle.write(",".join(f"{v:g}" for v in row) + f",{label}\n")
    loaded = data.load("covtype", seed=0, data_path=str(path))
    assert len(loaded.X_train) + len(loaded.X_test) == 60


@pytest.mark.parametrize("path", [None, "nowhere/at/all"])
def test_covtype_without_a_copy_says_how_to_get_it(tmp_path, path, monkeypatch):
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path))  # never the user's real data folder
    with pytest.raises(data.DataError, match="UCI Machine Learning Repository") as error:
        data.load("covtype", seed=0, data_path=path and str(tmp_path / path))
    message = str(error.value)
    assert "\n" not in message
    # The advice names keys that deck.toml accepts, where it accepts them.
    assert "set data_path" in message and "download = true" in message
    from bdl_demo.settings.reading import load_settings
    from test_settings import BASE

    settings_file = tmp_path / "deck.toml"
    settings_file.write_text(BASE + '\n[models.forest]\ndata = "covtype"\ndata_path = "x.gz"\ndownload = true\n')
    assert load_settings(settings_file).models["forest"].data_options == {"data_path": "x.gz", "download": True}


def test_a_wrong_file_is_named(tmp_path):
    path = tmp_path / "covtype.csv"
    path.write_text("1,2,3\n4,5,6\n")
    with pytest.raises(data.DataError, match="has 3 columns"):
        data.load("covtype", seed=0, data_path=str(path))
