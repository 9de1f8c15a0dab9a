"""Training the learned need ranker on the harness's own queries, leak-free.

Each training query runs through the harness exactly as an evaluated one does (the
held-out project masked in every feature): its learned candidates become one LambdaRank
group, labelled 1 for the project's real partners and 0 for the rest. Only the tune half
of the leave-one-project-out queries is used, so the report half is never seen; for the
time split, only projects that started by the cut-off year, in splits of the same kind
(profiles from earlier years, queries from the last ones; Protocol.training_splits).
Training is seeded and single-process deterministic; the feature list, a hash of the
training matrix and the metrics go beside the model.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from matcher.evaluation.harness import Ranker, Scored, Setup, progress, query_arrays, signals_of
from matcher.ranking.candidates import candidate_positions
from matcher.ranking.features import FEATURES, KIND_FEATURES, FeatureInput, feature_matrix
from matcher.ranking.learned import LearnedModel, meta_path

PARAMS: Mapping[str, Any] = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [10],
    "lambdarank_truncation_level": 30,
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "seed": 20_241_201,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbose": -1,
}
ROUNDS = 300


@dataclass(frozen=True)
class Groups:
    """Training rows grouped by query: features, labels and each group's size."""

    matrix: np.ndarray
    labels: np.ndarray
    sizes: np.ndarray
    names: tuple[str, ...]  # a name per group (the project id, or a feedback context)

    @classmethod
    def join(cls, parts: Sequence[Groups]) -> Groups:
        parts = [p for p in parts if len(p.sizes)]
        if not parts:
            return cls(np.zeros((0, len(FEATURES))), np.zeros(0), np.zeros(0, np.int64), ())
        return cls(
            np.concatenate([p.matrix for p in parts]),
            np.concatenate([p.labels for p in parts]),
            np.concatenate([p.sizes for p in parts]),
            tuple(n for p in parts for n in p.names),
        )

    def digest(self) -> str:
        h = hashlib.sha256()
        for array in (self.matrix.astype(np.float64), self.labels, self.sizes):
            h.update(np.ascontiguousarray(array).tobytes())
        return h.hexdigest()


def learned_inputs(s: Scored) -> tuple[np.ndarray, np.ndarray]:
    """The learned candidates of a scored query (pool positions) and their features,
    computed once per query however many learned rankers read them."""
    found = s.cache.get("learned")
    if found is None:
        state, case = s.setup.state, s.case
        settings = state.settings
        positions = candidate_positions(
            state, s.signals, settings.need_weights, case.asker, case.holdout.group,
            settings.candidates,
        )  # fmt: skip
        query = query_arrays(s.setup, s.index)
        given = FeatureInput(state, query, s.signals, case.asker, case.holdout, state.walk)
        found = s.cache["learned"] = (positions, feature_matrix(given, positions))
    return found  # type: ignore[return-value]


def learned_ranker(model: LearnedModel) -> Ranker:
    """Model scores for the learned candidates, -inf elsewhere (a target outside them is
    missed, as it would be ranked after them)."""

    def rank(s: Scored) -> np.ndarray:
        positions, matrix = learned_inputs(s)
        out = np.full(len(s.signals.rows), -np.inf)
        if len(positions):
            out[positions] = model.scores(matrix)
        return out

    return rank


def collect(
    setup: Setup, keep: Callable[[int], bool], show_progress: bool = False
) -> tuple[Groups, dict[str, float]]:
    """One group per kept case with a real partner among its candidates, and how many of
    the real partners the candidates held (the pool recall)."""
    matrices, labels, sizes, names, recall = [], [], [], [], []
    for i in progress(range(len(setup.cases)), show_progress):
        if not keep(i):
            continue
        case = setup.cases[i]
        scored = Scored(setup, case, signals_of(setup, i), i)
        positions, matrix = learned_inputs(scored)
        hit = np.isin(scored.signals.rows[positions], case.targets)
        recall.append(hit.sum() / len(case.targets))
        if hit.any():
            matrices.append(matrix)
            labels.append(hit.astype(np.float64))
            sizes.append(len(positions))
            names.append(case.query.project_id)
    groups = Groups.join(
        [Groups(np.concatenate(matrices), np.concatenate(labels), np.asarray(sizes), tuple(names))]
        if sizes
        else []
    )
    stats = {"queries": len(recall), "candidate_recall": float(np.mean(recall)) if recall else 0.0}
    return groups, stats


def fit(
    groups: Groups,
    features: Sequence[str] = FEATURES,
    rounds: int = ROUNDS,
    params: Mapping[str, Any] = PARAMS,
) -> tuple[Any, float]:
    """A booster on the named features (LambdaRank unless `params` say otherwise), and the
    seconds it took."""
    import lightgbm

    columns = [FEATURES.index(n) for n in features]
    categorical = [n for n in features if n in KIND_FEATURES]
    data = lightgbm.Dataset(
        groups.matrix[:, columns],
        label=groups.labels,
        group=groups.sizes,
        feature_name=list(features),
        categorical_feature=categorical or "auto",
        free_raw_data=False,
    )
    started = time.perf_counter()
    booster = lightgbm.train(dict(params), data, num_boost_round=rounds)
    return booster, time.perf_counter() - started


def importances(booster: Any) -> dict[str, float]:
    """Share of the total split gain per feature, largest first."""
    gains = booster.feature_importance(importance_type="gain")
    total = float(np.sum(gains)) or 1.0
    pairs = sorted(zip(booster.feature_name(), gains, strict=True), key=lambda p: -p[1])
    return {name: round(float(g) / total, 4) for name, g in pairs}


def save(booster: Any, path: Path, features: Sequence[str], meta: Mapping[str, Any]) -> None:
    """The model in LightGBM's text format and its description beside it."""
    import lightgbm

    path.parent.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(path))
    body = {
        "features": list(features),
        "params": dict(PARAMS),
        "rounds": booster.current_iteration(),
        "lightgbm": lightgbm.__version__,
        "feature_importance_gain": importances(booster),
        **meta,
    }
    meta_path(path).write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")


def as_model(booster: Any, features: Iterable[str], meta: Mapping[str, Any]) -> LearnedModel:
    return LearnedModel(booster, tuple(features), dict(meta))
