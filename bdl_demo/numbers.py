"""Numbers as slides and figures write them, one rule for both."""
from __future__ import annotations

RULES = {"evidence": "the evidence picks", "validation": "held-out data pick", "setting": "deck.toml sets"}


def significant(x: float, digits: int = 3) -> str:
    """Three significant digits, never in e-notation for the sizes a slide shows: 0.515, 1.18, 1000."""
    if x != 0 and (abs(x) >= 10 ** digits or abs(x) < 1e-3):
        return f"{x:.0f}" if abs(x) >= 1 else f"{x:.1e}"
    return f"{x:.{digits}g}"


def tau_choice(rule: str, tau: float) -> str:
    """How the τ of a Laplace posterior was found, as a clause: "the evidence picks τ = 0.515"."""
    return f"{RULES[rule]} τ = {significant(tau)}"
