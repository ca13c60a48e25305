"""The result of fitting one model: its MAP, its posterior draws and how they were found.

A `Fit` is plain numpy, stored as one .npz file in the cache, so figures and the deck can use
it without importing PyMC.
"""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bdl_demo.cache import atomic_write
from bdl_demo.data import Dataset
from bdl_demo.network import Network


@dataclass
class Fit:
    """MAP and posterior draws of every parameter array (W1, b1, …) of one model."""

    model_id: str
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

    def save(self, path: Path) -> None:
        """Store atomically with a checksum of the arrays, so a damaged file is noticed on load."""
        arrays = {f"map/{k}": v for k, v in self.map.items()}
        arrays |= {f"draws/{k}": v for k, v in self.draws.items()}
        if self.loss is not None:
            arrays["loss"] = self.loss
        meta = {"model_id": self.model_id, "method": self.method, "key": self.key,
                "diagnostics": self.diagnostics, "seconds": self.seconds,
                "checksum": _checksum(arrays)}
        buffer = io.BytesIO()
        np.savez_compressed(buffer, meta=np.array(json.dumps(meta)), **arrays)
        atomic_write(path, buffer.getvalue())

    @classmethod
    def load(cls, path: Path) -> "Fit":
        """Load a stored fit; raise ValueError if the file is damaged or incomplete."""
        try:
            with np.load(path, allow_pickle=False) as stored:
                meta = json.loads(str(stored["meta"]))
                arrays = {name: stored[name] for name in stored.files if name != "meta"}
        except Exception as error:  # zip, CRC, JSON and key errors all mean "damaged"
            raise ValueError(f"damaged fit file {path}: {error}") from None
        if _checksum(arrays) != meta.get("checksum"):
            raise ValueError(f"damaged fit file {path}: checksum mismatch")
        return cls(
            model_id=meta["model_id"], method=meta["method"], key=meta["key"],
            map={k[4:]: v for k, v in arrays.items() if k.startswith("map/")},
            draws={k[6:]: v for k, v in arrays.items() if k.startswith("draws/")},
            diagnostics=meta["diagnostics"], seconds=meta["seconds"], cached=True,
            loss=arrays.get("loss"),
        )


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        digest.update(name.encode())
        digest.update(str(arrays[name].shape).encode())
        digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    return digest.hexdigest()


@dataclass
class FittedModel:
    """Everything the views of one model are drawn from: its description, data and fit."""

    id: str  # "linear", "logistic", "deepnet" or "digits"
    net: Network
    data: Dataset
    fit: Fit
