"""The Matchmaker's ranking logic on the mini cluster with the transparent hashing encoder."""

from __future__ import annotations

from dataclasses import replace

import pytest

from embeddings.language import detect_language
from matcher import (
    DataValidationError,
    EngineSettings,
    Filters,
    Matchmaker,
    NotFoundError,
    Organisation,
    OrgKind,
    load_cluster,
    load_taxonomy,
)
from tests.api_fixtures import MINI
from tests.conftest import HashingEncoder

TAXONOMY = load_taxonomy()


class EnglishOnly(HashingEncoder):
    @property
    def languages(self) -> frozenset[str] | None:
        return frozenset({"en"})


@pytest.fixture
def engine() -> Matchmaker:
    cluster = load_cluster(MINI, TAXONOMY, detect_language).cluster
    return Matchmaker.build(cluster, EngineSettings(), HashingEncoder(), TAXONOMY)


def test_partners_explain_which_offer_answers_which_seek(engine: Matchmaker) -> None:
    results = engine.partners("ru-waste", k=3)
    top = results[0]
    assert top.org_id == "no-sort"
    pair = top.explanation.best_pair
    assert pair is not None and pair.query_field == "seek" and pair.match_field == "offer"
    assert pair.query_text == "Optical waste sorting machines"
    assert top.explanation.shared_areas == ("waste_management",)
    assert set(top.explanation.components) == {"profile", "fit", "areas", "graph", "popularity"}
    weights = top.explanation.weights
    assert top.score == pytest.approx(
        sum(weights[n] * v for n, v in top.explanation.components.items()), abs=1e-3
    )


def test_partners_return_exactly_k_when_k_exist_and_respect_filters(engine: Matchmaker) -> None:
    assert len(engine.partners("fi-heat", k=7)) == 7  # everyone else
    assert len(engine.partners("fi-heat", k=50)) == 7
    only_ru = engine.partners("fi-heat", k=10, filters=Filters(countries=("RU",)))
    assert {m.country for m in only_ru} == {"RU"} and len(only_ru) == 4


def test_known_partners_and_explicit_exclusions_are_left_out(engine: Matchmaker) -> None:
    assert "no-fund" not in engine.partners("ru-solar", k=10).ids()
    assert (
        "fi-solar" not in engine.partners("ru-solar", k=10, exclude=frozenset({"fi-solar"})).ids()
    )


def test_search_filters_by_kind_stage_and_years(engine: Matchmaker) -> None:
    hits = engine.search("solar modules", k=10, filters=Filters(kinds=("company",)))
    assert hits.ids()[0] == "ru-solar" and {m.kind for m in hits} == {"company"}
    young = engine.search("solar", k=10, filters=Filters(founded_from=2015))
    assert set(young.ids()) == {"fi-solar", "ru-waste"}
    assert engine.search("solar", k=10, filters=Filters(stages=("early",))).ids() != []


def test_unknown_ids_empty_texts_and_bad_k_are_clear_errors(engine: Matchmaker) -> None:
    with pytest.raises(NotFoundError, match="unknown organisation id 'ghost'"):
        engine.partners("ghost")
    with pytest.raises(NotFoundError, match="unknown need id"):
        engine.need_matches("ghost")
    with pytest.raises(DataValidationError, match="must not be empty"):
        engine.search("   ")
    with pytest.raises(DataValidationError, match="between 1 and 100"):
        engine.search("solar", k=101)


def test_changes_reach_the_index_without_a_rebuild(engine: Matchmaker) -> None:
    new = Organisation(
        "fi-blade",
        "Siipi Oy",
        OrgKind.SME,
        "FI",
        description="Wind turbine blade repair",
        offers=("Wind turbine blade inspection and repair",),
    )
    engine.upsert_organisations([new])
    assert engine.search("wind turbine blade repair", k=1).ids() == ["fi-blade"]
    engine.upsert_organisations(
        [replace(new, description="Geothermal drilling", offers=("Geothermal wells",))]
    )
    assert engine.search("geothermal wells", k=1).ids() == ["fi-blade"]
    engine.remove_organisation("fi-blade")
    assert "fi-blade" not in engine.search("geothermal wells", k=10).ids()


def test_need_matches_use_the_need_and_exclude_its_owner(engine: Matchmaker) -> None:
    results = engine.need_matches("n-meters", k=5)
    assert results.ids()[0] == "fi-heat" and "ru-housing" not in results.ids()
    local = engine.need_matches("n-modules", k=5, local=True)
    assert local.ids()[0] == "ru-solar" and {m.city for m in local} == {"Saint Petersburg"}


def test_an_english_only_model_warns_on_russian_text() -> None:
    cluster = load_cluster(MINI, TAXONOMY, detect_language).cluster
    engine = Matchmaker.build(cluster, EngineSettings(), EnglishOnly(), TAXONOMY, detect_language)
    warned = engine.search("солнечные модули для крыш", k=3)
    assert warned.warnings and "is in 'ru'" in warned.warnings[0]
    assert not engine.search("solar modules for roofs", k=3).warnings
