"""Spiking place recognition: ensembles of compact, region-specific modules.

Typical use::

    from nervecord.controllers import vpr

    config = vpr.EnsembleConfig()  # teacher-driven STDP
    reference = vpr.preprocess(reference_images)          # (n, 784)
    params = vpr.fit(config, reference, reference_place_ids)
    params, _ = vpr.calibrate(config, params, vpr.preprocess(cal_images), cal_place_ids)
    scores = vpr.score(config, params, vpr.preprocess(query_images))  # (q, places)
"""

from nervecord.controllers.vpr.config import (
    EnsembleConfig,
    InferenceMode,
    InputCode,
    LearningRule,
)
from nervecord.controllers.vpr.ensemble import (
    EnsembleParams,
    add_regions,
    calibrate,
    fit,
    score,
)
from nervecord.controllers.vpr.preprocess import preprocess
from nervecord.controllers.vpr.sequence import sequence_scores

__all__ = [
    "EnsembleConfig",
    "EnsembleParams",
    "InferenceMode",
    "InputCode",
    "LearningRule",
    "add_regions",
    "calibrate",
    "fit",
    "preprocess",
    "score",
    "sequence_scores",
]
