"""A fit: the MAP and the posterior draws of one model, and how they were found.

A `Fit` is plain numpy, so figures and the deck can use it without importing PyMC; it turns into
bytes and back for the cache.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import numpy as np

from bdl_demo.model.data import Dataset
from bdl_demo.model.network import Network
from bdl_demo.model.task import kind_of


@dataclass
class Fit:
    """MAP and posterior draws of every parameter array (W1, b1, …) of one model."""

    method: str  # "nuts" or "advi"
    key: str
    map: dict[str, np.ndarray]
    draws: dict[str, np.ndarray]  # each (n_draws, *shape of the parameter)
    diagnostics: dict = field(default_factory=dict)
    seconds: float = 0.0
    cached: bool = False
    loss: np.ndarray | None = None  # ADVI: the negative ELBO at every iteration

    @property
    def n_draws(self) -> int:
        return next(iter(self.draws.values())).shape[0]

    def posterior_mean(self) -> dict[str, np.ndarray]:
        return {name: d.mean(axis=0) for name, d in self.draws.items()}

    def posterior_sd(self) -> dict[str, np.ndarray]:
        return {name: d.std(axis=0, ddof=1) for name, d in self.draws.items()}

    def to_bytes(self) -> bytes:
        """One .npz holding the arrays and, as JSON, everything else (not compressed: posterior
        draws hardly compress, and they load faster as they are)."""
        arrays = {f"map/{k}": v for k, v in self.map.items()}
        arrays |= {f"draws/{k}": v for k, v in self.draws.items()}
        if self.loss is not None:
            arrays["loss"] = self.loss
        meta = {"method": self.method, "key": self.key, "diagnostics": self.diagnostics,
                "seconds": self.seconds}
        buffer = io.BytesIO()
        np.savez(buffer, meta=np.array(json.dumps(meta)), **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> Fit:
        with np.load(io.BytesIO(blob), allow_pickle=False) as stored:
            meta = json.loads(str(stored["meta"]))
            arrays = {name: stored[name] for name in stored.files if name != "meta"}
        return cls(method=meta["method"], key=meta["key"],
                   map={k[4:]: v for k, v in arrays.items() if k.startswith("map/")},
                   draws={k[6:]: v for k, v in arrays.items() if k.startswith("draws/")},
                   diagnostics=meta["diagnostics"], seconds=meta["seconds"], cached=True,
                   loss=arrays.get("loss"))


@dataclass
class FittedModel:
    """Everything the views of one model are drawn from: its description, data, fit and checks."""

    id: str  # the name of its [models.<id>] section
    title: str  # how the slides call it, e.g. "Logistic regression"
    net: Network
    data: Dataset
    fit: Fit
    evaluation: "Evaluation | None" = None  # noqa: F821 (bdl_demo.model.evaluation)
    companions: dict[str, Fit] = field(default_factory=dict)  # the same model by other methods

    @property
    def kind(self) -> str:
        """regression, binary or multiclass: which sections of the deck it gets."""
        return kind_of(self.data.n_classes)

    @property
    def on_a_plane(self) -> bool:
        """Whether its inputs can be drawn as axes: one input for a regression, two for classes."""
        return self.data.n_inputs == (1 if self.kind == "regression" else 2)
