"""The learned need ranker: a LightGBM LambdaRank model over matcher.ranking.features.

The model file is LightGBM's text format; beside it, `<name>.json` holds the feature list
it was trained on, the hash of its training data, its parameters and its metrics
(matcher.evaluation.training writes both). A model that is missing, unreadable or built
for another feature list is not used: one warning is logged and the ranking falls back
to the linear need weights, so an upgrade that changes the features never breaks a
query, it only costs the learned ranking until `matcher train` is run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from matcher.ranking.candidates import candidate_positions
from matcher.ranking.features import FEATURES, FeatureInput, feature_matrix
from matcher.ranking.hybrid import NO_HOLDOUT, Holdout, TextQueryArrays, TextSignals, combined
from matcher.ranking.state import RankingState

log = logging.getLogger(__name__)
# Rows outside the learned candidates keep their linear order, below every learned score.
BELOW = 1e6


@dataclass(frozen=True)
class LearnedModel:
    booster: Any  # lightgbm.Booster (imported only when a model is loaded)
    features: tuple[str, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        """Scores for a matrix whose columns are FEATURES (the model's subset is taken)."""
        columns = [FEATURES.index(n) for n in self.features]
        out: np.ndarray = self.booster.predict(matrix[:, columns], num_threads=1)
        return np.asarray(out, dtype=np.float64)


def meta_path(model: Path) -> Path:
    return model.with_suffix(".json")


def load_model(
    path: Path | None,
    features: Sequence[str] = FEATURES,
    need_weights: Mapping[str, float] | None = None,
) -> LearnedModel | None:
    """The model at `path` if it reads and matches this code's features (and, given, the
    need weights its `linear` feature was computed with), else None with one logged
    warning naming why."""
    if path is None:
        return None
    problem = _problem(path, features, need_weights)
    if problem:
        log.warning("learned ranker not used (%s); ranking with the linear weights", problem)
        return None
    import lightgbm

    meta = json.loads(meta_path(path).read_text(encoding="utf-8"))
    booster = lightgbm.Booster(model_file=str(path))
    return LearnedModel(booster, tuple(meta["features"]), meta)


def _problem(
    path: Path, features: Sequence[str], need_weights: Mapping[str, float] | None
) -> str | None:
    if not path.exists():
        return f"no model file at {path}; `matcher train` builds one"
    if not meta_path(path).exists():
        return f"no {meta_path(path).name} beside {path}"
    try:
        meta = json.loads(meta_path(path).read_text(encoding="utf-8"))
        trained = list(meta["features"])
    except (ValueError, KeyError, TypeError) as exc:
        return f"{meta_path(path)} is not a model description ({exc})"
    unknown = [n for n in trained if n not in features]
    if unknown:
        return (
            f"{path} was built for another feature set (unknown: {', '.join(unknown)}); "
            "`matcher train` rebuilds it"
        )
    trained = meta.get("need_weights")
    if (
        need_weights is not None
        and trained is not None
        and _rounded(trained) != _rounded(need_weights)
    ):
        return f"{path} was built with other need weights (its `linear` feature); retrain it"
    return None


def _rounded(weights: Mapping[str, float]) -> dict[str, float]:
    return {k: round(float(v), 6) for k, v in weights.items() if v}


def need_model(state: RankingState) -> LearnedModel | None:
    """The state's need model, loaded once (a failed load is not retried)."""
    key = "need_model"
    if key not in state.models:
        settings = state.settings
        state.models[key] = load_model(settings.need_model, need_weights=settings.need_weights)
    found = state.models[key]
    return found if isinstance(found, LearnedModel) else None


def learned_scores(
    state: RankingState,
    model: LearnedModel,
    query: TextQueryArrays,
    signals: TextSignals,
    weights: Mapping[str, float],
    asker: int | None,
    holdout: Holdout = NO_HOLDOUT,
) -> np.ndarray:
    """Model scores for the learned candidates; the other candidates follow in their linear
    order; rows that are not candidates get -inf."""
    positions = candidate_positions(
        state, signals, weights, asker, holdout.group, state.settings.candidates
    )
    given = FeatureInput(state, query, signals, asker, holdout, state.walk)
    out = combined(signals, weights) - BELOW
    if len(positions):
        out[positions] = model.scores(feature_matrix(given, positions))
    return out
