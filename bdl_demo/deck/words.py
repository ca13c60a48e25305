"""Sentences that interpret a number, generated from the number: a slide never says "flags" of a
score that does not, or calls a worse model better.
"""
from __future__ import annotations

FLAGS, CHANCE = 0.7, 0.3  # AUROC from which an uncertainty flags unfamiliar inputs, and below which it inverts
SAME = 0.01  # two scores closer than this are "as good as" each other


def flagging(auroc: float) -> str:
    """What an AUROC of uncertainty separating unfamiliar inputs from test inputs says, as a verb
    phrase about "them", the unfamiliar inputs."""
    if auroc >= FLAGS:
        return "flags them"
    if auroc >= CHANCE:
        return "flags them about as well as chance"
    return "doubts them less than the test inputs — the opposite of what we want"


def best_at_flagging(scores: dict[str, float]) -> list[str]:
    """The names with the highest AUROC as the slide writes it (two decimals: a tie is named as
    one), if that is better than chance (above 0.5); else none."""
    top = max(scores.values())
    if top <= 0.5:
        return []
    return [name for name, score in scores.items() if f"{score:.2f}" == f"{top:.2f}"]


def compared(score: float, other: float, better: str, worse: str, same: str) -> str:
    """`same` when two lower-is-better scores are within SAME, else `better` or `worse`."""
    if abs(score - other) < SAME:
        return same
    return better if score < other else worse


def the(title: str) -> str:
    """A model's title inside a sentence, after "of" or "for": "A deep net" → "the deep net",
    "Linear regression" → "the linear regression", "MNIST net" → "the MNIST net"."""
    first, _, rest = title.partition(" ")
    if first in ("A", "An", "The") and rest:
        title = rest
    elif len(first) > 1 and first[1:].islower():
        title = title[:1].lower() + title[1:]
    return f"the {title}"


def moves(before: float, after: float, unit: str = "") -> str:
    """How a score went from `before` to `after`, as a verb phrase: "rises from 0.13 to 0.34",
    "falls from 0.09 to 0.00", or "stays at 0.09" when the two read the same to two decimals."""
    unit = f" {unit}" if unit else ""
    if f"{before:.2f}" == f"{after:.2f}":
        return f"stays at {before:.2f}{unit}"
    return f"{'rises' if after > before else 'falls'} from {before:.2f} to {after:.2f}{unit}"
