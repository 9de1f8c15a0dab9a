"""The learned need ranker: trained through the harness, deterministic, saved with its
description, and never a crash when the model file is missing or built for other features."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from matcher.evaluation.harness import Setup, run
from matcher.evaluation.metrics import summarise
from matcher.evaluation.training import (
    PARAMS,
    as_model,
    collect,
    fit,
    learned_ranker,
    save,
)
from matcher.ranking.features import FEATURES
from matcher.ranking.learned import load_model, meta_path
from tests.test_evaluation import _setup, folder  # noqa: F401  (folder: a fixture)


@pytest.fixture
def setup(folder: Path) -> Setup:  # noqa: F811
    return _setup(folder)


def test_training_is_deterministic_and_the_model_ranks_through_the_harness(setup: Setup) -> None:
    groups, stats = collect(setup, lambda i: True)
    assert len(groups.sizes) == 12 and stats["candidate_recall"] == 1.0
    assert groups.matrix.shape == (int(groups.sizes.sum()), len(FEATURES))
    first, _ = fit(groups, rounds=20)
    second, _ = fit(groups, rounds=20)
    assert first.model_to_string() == second.model_to_string()
    tallies = run(setup, {"learned": learned_ranker(as_model(first, FEATURES, {}))})
    learned = summarise([m for v in tallies["learned"].by_half.values() for m in v])
    assert learned.queries == 12 and learned.recall_at_10 > 0.9


def test_the_learner_takes_other_parameters_and_defaults_to_lambdarank(setup: Setup) -> None:
    groups, _ = collect(setup, lambda i: True)
    shipped, _ = fit(groups, rounds=5)
    pointwise, _ = fit(groups, rounds=5, params={**PARAMS, "objective": "binary"})
    assert shipped.params["objective"] == "lambdarank"
    assert pointwise.params["objective"] == "binary"
    probabilities = pointwise.predict(groups.matrix)
    assert ((probabilities > 0) & (probabilities < 1)).all()
    assert shipped.model_to_string() != pointwise.model_to_string()


def test_a_saved_model_loads_with_its_features_and_training_hash(
    setup: Setup, tmp_path: Path
) -> None:
    groups, _ = collect(setup, lambda i: True)
    booster, _ = fit(groups, rounds=10)
    path = tmp_path / "model.txt"
    save(booster, path, FEATURES, {"training_data_sha256": groups.digest(), "protocol": "lopo"})
    model = load_model(path)
    assert model is not None and model.features == FEATURES
    assert model.meta["training_data_sha256"] == groups.digest()
    matrix = groups.matrix[: groups.sizes[0]]
    assert np.allclose(model.scores(matrix), booster.predict(matrix))


def test_a_missing_model_warns_once_and_gives_none(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert load_model(tmp_path / "absent.txt") is None
    assert len(caplog.records) == 1 and "linear weights" in caplog.text
    assert "matcher train" in caplog.text


def test_a_model_for_another_feature_set_is_refused_with_a_warning(
    setup: Setup, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    groups, _ = collect(setup, lambda i: True)
    booster, _ = fit(groups, rounds=5)
    path = tmp_path / "model.txt"
    save(booster, path, FEATURES, {})
    meta = json.loads(meta_path(path).read_text())
    meta["features"] = [*meta["features"][:-1], "a_feature_this_code_lacks"]
    meta_path(path).write_text(json.dumps(meta))
    with caplog.at_level(logging.WARNING):
        assert load_model(path) is None
    assert "another feature set" in caplog.text and "a_feature_this_code_lacks" in caplog.text


def test_the_engine_falls_back_to_the_linear_weights_without_a_model(
    setup: Setup, tmp_path: Path
) -> None:
    from matcher.filters import Filters
    from matcher.ranking.text import EncodedText, TextQuery, rank_text

    state = setup.state
    state.settings = replace(state.settings, need_model=tmp_path / "absent.txt")
    state.models.clear()
    asker = state.index.catalog.ids[int(setup.cases[0].asker or 0)]
    query = TextQuery(EncodedText.of(state, setup.cases[0].text), asking_org_id=asker)
    linear = rank_text(state, query, 5, Filters())
    weighted = rank_text(state, replace(query, weights=state.settings.need_weights), 5, Filters())
    assert [m.org_id for m in linear.matches] == [m.org_id for m in weighted.matches]
    assert [m.score for m in linear.matches] == [m.score for m in weighted.matches]


def test_the_shipped_model_ranks_needs_even_where_no_candidate_has_a_dated_project() -> None:
    from matcher import EngineSettings, Matchmaker, load_cluster, load_taxonomy
    from tests.api_fixtures import MINI
    from tests.conftest import HashingEncoder

    taxonomy = load_taxonomy()
    cluster = load_cluster(MINI, taxonomy).cluster
    engine = Matchmaker.build(cluster, EngineSettings(), HashingEncoder(), taxonomy)
    with engine.reading() as state:
        from matcher.ranking.learned import need_model

        assert need_model(state) is not None  # the shipped model loads and fits the code
    local = engine.need_matches("n-modules", k=10, local=True)
    assert local.ids() and {m.city for m in local} == {"Saint Petersburg"}
    assert len(engine.need_matches("n-modules", k=10)) > 3
