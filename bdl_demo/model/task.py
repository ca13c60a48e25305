"""What a model is — a regression, or a classifier of two or of many classes — decided once.

The kind follows from the data (continuous targets or class labels, and how many classes); the
output link from the kind and the layers; the likelihood from the output. The deck picks each
model's sections by its kind, so nothing anywhere names a model id.
"""
from __future__ import annotations

OUTPUTS = ("identity", "sigmoid", "softmax")
LIKELIHOOD_OF_OUTPUT = {"identity": "normal", "sigmoid": "bernoulli", "softmax": "categorical"}


def kind_of(n_classes: int) -> str:
    """regression for continuous targets (no classes), binary for two classes, multiclass beyond."""
    if n_classes == 0:
        return "regression"
    return "binary" if n_classes == 2 else "multiclass"


def default_output(n_classes: int, has_hidden: bool) -> str:
    """identity for regression; sigmoid for two classes and no hidden layer (logistic regression);
    softmax for every other classifier."""
    if n_classes == 0:
        return "identity"
    return "sigmoid" if n_classes == 2 and not has_hidden else "softmax"


def n_outputs(output: str, n_classes: int) -> int:
    """Units of the output layer: one per class for softmax, else one (a mean or a probability)."""
    return n_classes if output == "softmax" else 1


def output_problem(output: str, n_classes: int) -> str | None:
    """Why `output` cannot model targets with `n_classes` classes (0 = continuous), or None."""
    if n_classes == 0 and output != "identity":
        return 'continuous targets need output = "identity" (a Normal likelihood)'
    if n_classes and output == "identity":
        return 'class labels need output = "sigmoid" (two classes) or "softmax"'
    if output == "sigmoid" and n_classes != 2:
        return f'a sigmoid output models two classes and this data set has {n_classes}: use "softmax"'
    return None
