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


def best_at_flagging(scores: dict[str, float]) -> str | None:
    """The name with the highest AUROC, if it is better than chance (above 0.5); else None."""
    name = max(scores, key=scores.get)
    return name if scores[name] > 0.5 else None


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
