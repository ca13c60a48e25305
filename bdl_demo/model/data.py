"""The data sets the models are fitted to: made here from a seed, or shipped with scikit-learn.

Nothing is downloaded during a build: Covertype is read from a copy already on disk, and only
fetched when the user explicitly asks for it.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np

from bdl_demo.errors import UserError

COVTYPE_CLASSES = (
    "spruce/fir", "lodgepole pine", "ponderosa pine", "cottonwood/willow",
    "aspen", "douglas-fir", "krummholz",
)


class DataError(UserError):
    """A data set cannot be loaded; the message says how to fix it."""


@dataclass(frozen=True)
class Dataset:
    """Scaled train and test arrays plus what the figures need to label them."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int = 0  # 0 means regression
    class_names: tuple[str, ...] = ()
    image_shape: tuple[int, ...] | None = None  # digits: (8, 8)
    images_test: np.ndarray | None = None  # unscaled test inputs, for showing digits
    truth: dict = field(default_factory=dict)  # the generating parameters, where known
    feature_names: tuple[str, ...] = ()
    input_mean: np.ndarray | None = None  # the standardisation: X = (raw − input_mean) / input_scale
    input_scale: np.ndarray | None = None

    @property
    def n_inputs(self) -> int:
        return self.X_train.shape[1]

    def to_bytes(self) -> bytes:
        """The data set as one .npz file, so a rebuild need not import scikit-learn."""
        names = ("X_train", "y_train", "X_test", "y_test", "images_test", "input_mean", "input_scale")
        arrays = {name: getattr(self, name) for name in names if getattr(self, name) is not None}
        meta = {"name": self.name, "n_classes": self.n_classes, "class_names": self.class_names,
                "image_shape": self.image_shape, "truth": self.truth,
                "feature_names": self.feature_names}
        buffer = io.BytesIO()
        np.savez(buffer, meta=np.array(json.dumps(meta)), **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> "Dataset":
        with np.load(io.BytesIO(blob), allow_pickle=False) as stored:
            meta = json.loads(str(stored["meta"]))
            arrays = {name: stored[name] for name in stored.files if name != "meta"}
        meta |= {"class_names": tuple(meta["class_names"]), "feature_names": tuple(meta["feature_names"]),
                 "image_shape": tuple(meta["image_shape"]) if meta["image_shape"] else None}  # JSON has no tuples
        return cls(**meta, **arrays)

    def fingerprint(self) -> str:
        """A hash of the arrays, so a fit's cache key changes whenever the data does."""
        digest = hashlib.sha256()
        for array in (self.X_train, self.y_train, self.X_test, self.y_test):
            digest.update(str(array.shape).encode())
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()


@dataclass(frozen=True)
class DataSource:
    """How a data set is made, and which settings it takes with their defaults."""

    make: Callable[..., "Dataset"]
    defaults: dict  # the settings this data set takes (n_samples, noise, …) and their defaults
    n_inputs: int
    n_classes: int  # 0 for continuous targets
    description: str


def load(name: str, *, seed: int, **options) -> Dataset:
    """Load data set `name` with its settings (defaults filled in), a quarter held out, inputs standardised."""
    if name not in DATASETS:
        raise DataError(f"unknown data set {name!r}; use one of {', '.join(DATASETS)}")
    source = DATASETS[name]
    unknown = set(options) - set(source.defaults)
    if unknown:
        raise DataError(f"the {name} data set does not take {', '.join(sorted(unknown))}")
    return source.make(seed=seed, **(source.defaults | options))


def _split_and_scale(name, X, y, seed, **extra) -> Dataset:
    """Hold out a quarter of the rows, stratified for classes, and standardise with train statistics."""
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    stratify = y if extra.get("n_classes") else None
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=seed, stratify=stratify)
    scaler = StandardScaler().fit(X_train)
    return Dataset(name, scaler.transform(X_train), y_train, scaler.transform(X_test), y_test, **extra,
                   input_mean=scaler.mean_, input_scale=scaler.scale_)


def _line(seed: int, n_samples: int, noise: float) -> Dataset:
    """A noisy straight line with few points, so the posterior over slope and intercept is wide."""
    rng = np.random.default_rng(seed)
    slope, intercept, n = 0.8, 0.3, n_samples
    x = rng.uniform(-2.0, 2.0, size=(n + 40, 1))
    y = slope * x[:, 0] + intercept + rng.normal(0.0, noise, size=n + 40)
    # The points are already on a standard scale, so the generating line stays readable.
    return Dataset("line", x[:n], y[:n], x[n:], y[n:],
                   truth={"slope": slope, "intercept": intercept, "noise": noise})


def _blobs(seed: int, n_samples: int) -> Dataset:
    """Two overlapping clouds in 2-D: a straight boundary, with real doubt near it."""
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=n_samples, centers=[(-1.0, -0.5), (1.0, 0.5)], cluster_std=1.1,
                      random_state=seed)
    return _split_and_scale("blobs", X, y.astype(np.int64), seed, n_classes=2,
                            class_names=("class 0", "class 1"))


def _moons(seed: int, n_samples: int, noise: float) -> Dataset:
    """Two interleaved half-moons: no straight line separates them, a small deep net does."""
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return _split_and_scale("moons", X, y.astype(np.int64), seed, n_classes=2,
                            class_names=("moon 0", "moon 1"), truth={"noise": noise, "seed": seed})


def _digits(seed: int) -> Dataset:
    """The 8×8 handwritten digits that ship inside scikit-learn (1,797 images, 10 classes)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X, y = digits.data, digits.target.astype(np.int64)
    _, images_test = train_test_split(X, test_size=0.25, random_state=seed, stratify=y)
    return _split_and_scale("digits", X, y, seed, n_classes=10,
                            class_names=tuple(str(d) for d in range(10)),
                            image_shape=(8, 8), images_test=images_test)


def _bundled(loader_name: str, name: str, seed: int) -> Dataset:
    """A table that ships inside scikit-learn (iris, wine, breast_cancer): features and classes."""
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, loader_name)()
    return _split_and_scale(name, bunch.data.astype(float), bunch.target.astype(np.int64), seed,
                            n_classes=len(bunch.target_names),
                            class_names=tuple(str(c).replace("_", " ") for c in bunch.target_names),
                            feature_names=tuple(str(f) for f in bunch.feature_names))


def _covtype(seed: int, n_samples: int, data_path: str | None, download: bool) -> Dataset:
    """UCI Covertype, from a local copy: a scikit-learn data folder or the UCI covtype.data(.gz) file."""
    X, y = read_covtype(data_path, download)
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(y), size=min(n_samples, len(y)), replace=False)
    labels = y[rows].astype(np.int64) - 1  # the classes are numbered 1..7 on disk
    return _split_and_scale("covtype", X[rows].astype(float), labels, seed,
                            n_classes=len(COVTYPE_CLASSES), class_names=COVTYPE_CLASSES)


HOW_TO_GET_COVTYPE = (
    "save covtype.data.gz from the UCI Machine Learning Repository and set data_path to it in the "
    'model\'s section of deck.toml (data = "covtype"), or set download = true there to let '
    "scikit-learn fetch it once")


def read_covtype(path: str | None, download: bool) -> tuple[np.ndarray, np.ndarray]:
    """Read all Covertype rows and labels; raise DataError with the fix when no copy exists."""
    if path is None and not download:
        raise DataError(f"the covtype data set is not on this machine: {HOW_TO_GET_COVTYPE}")
    location = Path(path).expanduser() if path else None
    if location is not None and location.is_file():
        return _read_uci_file(location)
    from sklearn.datasets import fetch_covtype

    try:
        bunch = fetch_covtype(data_home=str(location) if location else None,
                              download_if_missing=download)
    except OSError:
        raise DataError(f"no covtype copy at {path}: {HOW_TO_GET_COVTYPE}") from None
    return bunch.data, bunch.target


def _read_uci_file(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Parse the UCI file: 54 comma-separated features then the class (1..7), gzipped or not."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt") as handle:
            table = np.loadtxt(handle, delimiter=",", ndmin=2)
    except (OSError, ValueError) as error:
        raise DataError(f"{path} is not a covtype data file ({error}): {HOW_TO_GET_COVTYPE}") from None
    if table.shape[1] != 55:
        raise DataError(f"{path} has {table.shape[1]} columns, covtype has 55: {HOW_TO_GET_COVTYPE}")
    return table[:, :54], table[:, 54].astype(np.int64)


DATASETS = {
    "line": DataSource(_line, {"n_samples": 12, "noise": 0.5}, 1, 0, "a noisy straight line"),
    "blobs": DataSource(_blobs, {"n_samples": 200}, 2, 2, "two overlapping clouds in 2-D"),
    "moons": DataSource(_moons, {"n_samples": 400, "noise": 0.2}, 2, 2, "two interleaved half-moons"),
    "digits": DataSource(_digits, {}, 64, 10, "8×8 handwritten digits (scikit-learn)"),
    "iris": DataSource(partial(_bundled, "load_iris", "iris"), {}, 4, 3,
                       "Fisher's iris flowers (scikit-learn)"),
    "wine": DataSource(partial(_bundled, "load_wine", "wine"), {}, 13, 3,
                       "three Italian wine cultivars (scikit-learn)"),
    "breast_cancer": DataSource(partial(_bundled, "load_breast_cancer", "breast_cancer"), {}, 30, 2,
                                "Wisconsin breast-cancer biopsies (scikit-learn)"),
    "covtype": DataSource(_covtype, {"n_samples": 5000, "data_path": None, "download": False}, 54, 7,
                          "UCI forest cover types, from a local copy"),
}
