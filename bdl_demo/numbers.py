"""Numbers as slides and figures write them, one rule for both."""
from __future__ import annotations

import numpy as np

RULES = {"evidence": "the evidence picks", "validation": "held-out data pick", "setting": "deck.toml sets"}


def significant(x: float, digits: int = 3) -> str:
    """Three significant digits, never in e-notation for the sizes a slide shows: 0.515, 1.18, 1000."""
    if x != 0 and (abs(x) >= 10 ** digits or abs(x) < 1e-3):
        return f"{x:.0f}" if abs(x) >= 1 else f"{x:.1e}"
    return f"{x:.{digits}g}"


def compact(value, digits: int = 4) -> float:
    """A number for the deck's scripts, to `digits` significant digits: short in data.js."""
    return float(f"{float(value):.{digits}g}")


def compact_list(values, digits: int = 4) -> list[float]:
    """Every number of an array, flattened, each as `compact` writes it."""
    return [compact(v, digits) for v in np.ravel(values)]


def tau_choice(rule: str, tau: float) -> str:
    """How the τ of a Laplace posterior was found, as a clause: "the evidence picks τ = 0.515"."""
    return f"{RULES[rule]} τ = {significant(tau)}"
