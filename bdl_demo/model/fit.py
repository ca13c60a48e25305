"""A fit: the MAP and the posterior draws of one model, and how they were found.

A `Fit` is plain numpy, so figures and the deck can use it without importing PyMC; it turns into
bytes and back for the cache.
"""
from __future__ import annotations

import dataclasses
import io
import json
import math
from dataclasses import dataclass, field

import numpy as np

from bdl_demo.model.data import Dataset
from bdl_demo.model.network import Network
from bdl_demo.model.task import kind_of


@dataclass
class Fit:
    """MAP and posterior draws of every parameter array (W1, b1, …) of one model."""

    method: str  # "map" (no draws), "nuts", "advi", "laplace", "dropout" or "ensemble"
    key: str
    map: dict[str, np.ndarray]
    draws: dict[str, np.ndarray]  # each (n_draws, *shape of the parameter)
    diagnostics: dict = field(default_factory=dict)
    seconds: float = 0.0
    cached: bool = False
    loss: np.ndarray | None = None  # ADVI and MC dropout: the loss at every iteration
    sd: dict[str, np.ndarray] | None = None  # the exact posterior sds, where known (Laplace)
    curvature: dict[str, np.ndarray] | None = None  # Laplace: what it keeps to sweep its prior later

    @property
    def linearised(self) -> bool:
        """Whether the draws predict through the network linearised at the MAP (a Laplace
        posterior's predictive) rather than through the network itself."""
        return self.diagnostics.get("predictive") == "linearised"

    @property
    def n_draws(self) -> int:
        return next(iter(self.draws.values())).shape[0] if self.draws else 0  # a MAP alone has none

    def posterior_mean(self) -> dict[str, np.ndarray]:
        """A Laplace posterior is centred on the MAP exactly; any other, the mean of its draws."""
        if self.method == "laplace":
            return dict(self.map)
        return {name: d.mean(axis=0) for name, d in self.draws.items()}

    def posterior_sd(self) -> dict[str, np.ndarray]:
        """The exact marginal sds where the fit knows them, else the draws' sds."""
        return self.sd or {name: d.std(axis=0, ddof=1) for name, d in self.draws.items()}

    def to_bytes(self) -> bytes:
        """One .npz holding the arrays and, as JSON, everything else (not compressed: posterior
        draws hardly compress, and they load faster as they are). The curvature goes with it only
        where it is set: the cache keeps it apart (curvature_bytes)."""
        groups = {"map": self.map, "draws": self.draws, "sd": self.sd or {}, "curvature": self.curvature or {}}
        arrays = {f"{group}/{k}": v for group, values in groups.items() for k, v in values.items()}
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
        def group(prefix: str) -> dict[str, np.ndarray]:
            return {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}

        return cls(method=meta["method"], key=meta["key"], map=group("map/"), draws=group("draws/"),
                   diagnostics=meta["diagnostics"], seconds=meta["seconds"], cached=True,
                   loss=arrays.get("loss"), sd=group("sd/") or None, curvature=group("curvature/") or None)


def curvature_bytes(curvature: dict[str, np.ndarray]) -> bytes:
    """A Laplace fit's curvature on its own: tens of MB for a net of thousands of weights, needed
    only to evaluate the fit again, so not read by every build that loads the fit."""
    buffer = io.BytesIO()
    np.savez(buffer, **curvature)
    return buffer.getvalue()


def curvature_from_bytes(blob: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(blob), allow_pickle=False) as stored:
        return {name: stored[name] for name in stored.files}


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
    def prior_net(self) -> Network:
        """The network with the prior its posterior was found under: for a Laplace posterior every
        prior sd divided by √τ, the factor the evidence (or the setting) chose; else as described."""
        tau = self.fit.diagnostics.get("tau")
        if self.fit.method != "laplace" or tau is None:
            return self.net
        return dataclasses.replace(self.net, weight_sd=self.net.weight_sd / math.sqrt(tau),
                                   bias_sd=self.net.bias_sd / math.sqrt(tau))

    @property
    def on_a_plane(self) -> bool:
        """Whether its inputs can be drawn as axes: one input for a regression, two for classes."""
        return self.data.n_inputs == (1 if self.kind == "regression" else 2)
