"""Stage 4, the evaluation: what each fitted model predicts where it matters and how good that is
(bdl_demo.model.evaluation), from the cache when the fits it judges are unchanged."""
from __future__ import annotations

import dataclasses
import json

from bdl_demo.model.data import Dataset
from bdl_demo.model.evaluation import Evaluation, baselines, evaluate
from bdl_demo.model.fit import FittedModel, curvature_bytes, curvature_from_bytes
from bdl_demo.results.cache import Cache, key_of, library_versions, module_hashes
from bdl_demo.results.parallel import forked_map
from bdl_demo.stages import stage

EVALUATION_MODULES = tuple(f"bdl_demo.model.{name}" for name in (
    "evaluation", "predictive", "uncertainty", "exact", "laplace", "network", "fit"))


@stage("evaluation")
def evaluate_models(models: dict[str, FittedModel], cache: Cache, force: bool = False) -> dict[str, FittedModel]:
    """Each model with its evaluation (held-out predictions, maps, checks), cached per fit; those
    not in the cache are evaluated side by side."""
    keys = {model_id: evaluation_key(model) for model_id, model in models.items()}
    found = {model_id: None if force else cache.load("evaluations", keys[model_id], Evaluation.from_bytes)
             for model_id in models}
    todo = sorted((model_id for model_id, evaluation in found.items() if evaluation is None),  # largest first
                  key=lambda model_id: -models[model_id].net.n_parameters * len(models[model_id].data.y_test))
    made = forked_map(lambda model: evaluate(with_curvature(model, cache), lambda data: baselines_of(data, cache)),
                      [models[model_id] for model_id in todo])
    for model_id, evaluation in zip(todo, made):
        cache.write("evaluations", keys[model_id], evaluation.to_bytes())
        found[model_id] = evaluation
    return {model_id: dataclasses.replace(model, evaluation=found[model_id]) for model_id, model in models.items()}


def baselines_of(data: Dataset, cache: Cache) -> dict:
    """scikit-learn's logistic regression on a data set, cached by the data: a new fit of the same
    data neither refits it nor imports scikit-learn."""
    key = key_of("baselines", data.fingerprint(), module_hashes("bdl_demo.model.evaluation"),
                 library_versions(("scikit-learn",)))
    value, _ = cache.fetch("baselines", key, lambda: baselines(data), encode=lambda v: json.dumps(v).encode(),
                           decode=json.loads)
    return value


def evaluation_key(model: FittedModel) -> str:
    """The evaluation's key: the model's fits and the source of the evaluation."""
    return key_of("evaluation", model.fit.key, [c.key for c in model.companions.values()],
                  module_hashes(*EVALUATION_MODULES))


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
