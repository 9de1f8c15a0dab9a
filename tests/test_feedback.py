"""Feedback as training data: after an asker rejects a batch of one kind of candidate, the
retrained ranker moves that kind down in the asker's ranking (and only through training:
the rejected candidates themselves are filtered anyway)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from matcher import EngineSettings, Matchmaker, load_cluster, load_taxonomy
from matcher.evaluation.feedback import feedback_groups, latest_verdicts
from matcher.evaluation.training import Groups, collect, fit, save
from matcher.ranking.features import FEATURES
from tests.conftest import DEMO_DIR, HashingEncoder
from tests.test_evaluation import _setup, folder  # noqa: F401  (folder: a fixture)

NEED, ASKER = "need-008", "ru-003"  # electric buses for the city's bus operator


@pytest.fixture
def engine() -> Matchmaker:
    taxonomy = load_taxonomy()
    cluster = load_cluster(DEMO_DIR, taxonomy).cluster
    settings = EngineSettings(center_languages=False)
    return Matchmaker.build(cluster, settings, HashingEncoder(), taxonomy)


def _with_model(engine: Matchmaker, groups: Groups, path: Path) -> Matchmaker:
    booster, _ = fit(groups, rounds=60)
    save(booster, path, FEATURES, {"protocol": "test"})
    with engine.reading() as state:
        state.settings = replace(state.settings, need_model=path)
        state.models.clear()
    return engine


def _kinds(engine: Matchmaker, ids: list[str]) -> list[str]:
    return [engine.organisation(i).kind.value for i in ids]


def test_latest_verdicts_keep_the_last_word_per_candidate() -> None:
    rows = [
        {"id": 1, "org_id": "a", "candidate_id": "b", "verdict": "reject"},
        {"id": 2, "org_id": "a", "candidate_id": "c", "verdict": "reject"},
        {"id": 3, "org_id": "a", "candidate_id": "b", "verdict": "accept"},
        {"id": 4, "org_id": "a", "candidate_id": "d", "verdict": "maybe"},
    ]
    assert latest_verdicts(rows) == {"a": {"b": "accept", "c": "reject"}}


def test_rejecting_one_kind_moves_that_kind_down_after_training(
    engine: Matchmaker,
    folder: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    base, _ = collect(_setup(folder), lambda i: True)
    engine = _with_model(engine, base, tmp_path / "base.txt")
    before = engine.need_matches(NEED, k=40).ids()
    kinds = _kinds(engine, before)
    kind = max(set(kinds) - {"sme"}, key=kinds.count)  # the most frequent kind but SMEs
    of_kind = [i for i, k in zip(before, kinds, strict=True) if k == kind]
    assert len(of_kind) >= 4
    rejected, kept = of_kind[::2], of_kind[1::2]
    rows = [
        {"id": n, "org_id": ASKER, "candidate_id": c, "verdict": "reject"}
        for n, c in enumerate(rejected)
    ]
    with engine.reading() as state:
        extra = feedback_groups(state, rows)
    assert len(extra.sizes) > 0 and (extra.labels == 0).sum() >= len(rejected)
    engine = _with_model(engine, Groups.join([base, extra]), tmp_path / "feedback.txt")
    after = engine.need_matches(NEED, k=40, exclude=frozenset(rejected)).ids()
    old = [before.index(i) for i in kept]
    new = [after.index(i) if i in after else len(after) for i in kept]
    assert np.mean(new) > np.mean(old) + 2  # the kept candidates of that kind fell
    top_before = _kinds(engine, [i for i in before if i not in rejected][:10]).count(kind)
    assert _kinds(engine, after[:10]).count(kind) < top_before
