"""Stage 4, the evaluation: what each fitted model predicts where it matters and how good that is
(bdl_demo.model.evaluation), from the cache when the fits it judges are unchanged."""
from __future__ import annotations

import dataclasses

from bdl_demo.model.evaluation import Evaluation, evaluate
from bdl_demo.model.fit import FittedModel, curvature_bytes, curvature_from_bytes
from bdl_demo.results.cache import Cache, key_of, module_hashes
from bdl_demo.stages import stage

EVALUATION_MODULES = tuple(f"bdl_demo.model.{name}" for name in (
    "evaluation", "predictive", "uncertainty", "exact", "laplace", "network", "fit"))


@stage("evaluation")
def evaluate_models(models: dict[str, FittedModel], cache: Cache, force: bool = False) -> dict[str, FittedModel]:
    """Each model with its evaluation (held-out predictions, maps, checks), cached per fit."""
    return {model_id: evaluated(model, cache, force) for model_id, model in models.items()}


def evaluated(model: FittedModel, cache: Cache, force: bool = False) -> FittedModel:
    """The model with its evaluation, keyed by its fits and the source of the evaluation."""
    key = key_of("evaluation", model.fit.key, [c.key for c in model.companions.values()],
                 module_hashes(*EVALUATION_MODULES))
    evaluation, _ = cache.fetch("evaluations", key, lambda: evaluate(with_curvature(model, cache)),
                                encode=Evaluation.to_bytes, decode=Evaluation.from_bytes, force=force)
    return dataclasses.replace(model, evaluation=evaluation)


def with_curvature(model: FittedModel, cache: Cache) -> FittedModel:
    """The model, its Laplace fit given the curvature the cache keeps apart (to sweep its prior);
    a missing or damaged entry is computed again at the fit's MAP, as the fit did."""
    fit = model.fit
    if fit.method != "laplace" or fit.curvature is not None:
        return model
    entry = cache.read("curvatures", fit.key)
    if entry is not None:
        curvature = curvature_from_bytes(entry.payload)
    else:
        from bdl_demo.model.inference import targets
        from bdl_demo.model.laplace import Laplace

        y = targets(model.net, model.data.y_train)
        curvature = Laplace.at(model.net, model.data.X_train, y, fit.map).to_arrays()
        cache.write("curvatures", fit.key, curvature_bytes(curvature))
    return dataclasses.replace(model, fit=dataclasses.replace(fit, curvature=curvature))
