"""Meaningful matches on the demo cluster with the real default model (loaded once)."""

from __future__ import annotations

import pytest

from embeddings import CachedEncoder, EmbeddingCache
from embeddings.language import detect_language
from matcher import EngineSettings, Filters, Matchmaker, load_cluster, load_taxonomy
from tests.conftest import DEMO_DIR, TEST_CACHE

pytestmark = pytest.mark.model


@pytest.fixture(scope="session")
def demo(real_encoder) -> Matchmaker:  # type: ignore[no-untyped-def]
    """The demo cluster in memory; its texts are encoded once per machine (a cache kept
    beside the repository), not once per test run."""
    taxonomy = load_taxonomy()
    cluster = load_cluster(DEMO_DIR, taxonomy, detect_language).cluster
    encoder = CachedEncoder(real_encoder, EmbeddingCache(TEST_CACHE))
    return Matchmaker.build(cluster, EngineSettings(), encoder, taxonomy, detect_language)


def areas_of(engine: Matchmaker, ids: list[str]) -> list[tuple[str, ...]]:
    return [engine.organisation(i).areas for i in ids]


def test_a_waste_sorting_sme_gets_waste_management_partners(demo: Matchmaker) -> None:
    results = demo.partners("ru-050", k=5)
    assert len(results) == 5
    waste = [a for a in areas_of(demo, results.ids()) if "waste_management" in a]
    assert len(waste) >= 4
    top = results[0].explanation
    assert top.best_pair is not None and top.components["fit"] > 0


def test_partners_exclude_itself_and_known_partners(demo: Matchmaker) -> None:
    known = demo.partners_of("ru-050")
    assert known
    ids = demo.partners("ru-050", k=50).ids()
    assert "ru-050" not in ids and not known & set(ids)


def test_an_investor_thesis_on_solar_gets_solar_companies(demo: Matchmaker) -> None:
    thesis = "Solar power: PV module manufacturing and rooftop solar installation companies"
    results = demo.search(thesis, k=5, filters=Filters(kinds=("sme", "company")))
    assert {m.kind for m in results} <= {"sme", "company"}
    assert all("solar_wind" in a for a in areas_of(demo, results.ids()))


def test_a_russian_thesis_finds_solar_companies_in_every_language(demo: Matchmaker) -> None:
    results = demo.search("Производство солнечных модулей и солнечные электростанции", k=10)
    solar = [m for m in results if "solar_wind" in demo.organisation(m.org_id).areas]
    assert len(solar) >= 7
    assert any(m.country != "RU" for m in solar)


def test_filters_by_country_and_founded_years(demo: Matchmaker) -> None:
    flt = Filters(countries=("FI",), founded_from=2010, founded_to=2020)
    results = demo.search("heat pumps for apartment buildings", k=10, filters=flt)
    orgs = [demo.organisation(i) for i in results.ids()]
    assert orgs and all(o.country == "FI" and 2010 <= (o.founded or 0) <= 2020 for o in orgs)


def test_import_substitution_need_finds_local_producers(demo: Matchmaker) -> None:
    need = demo.need("need-019")  # LED street luminaires, now bought from outside
    results = demo.need_matches(need.id, k=5, local=True)
    assert {m.city for m in results} <= {"Saint Petersburg"} or all(
        demo.organisation(m.org_id).region == need.location for m in results
    )
    assert "ru-017" in results.ids()[:3]  # the St. Petersburg LED luminaire maker


def test_areas_are_multi_label_and_read_russian_and_finnish(demo: Matchmaker) -> None:
    russian = demo.areas("Сортировка твёрдых коммунальных отходов и переработка пластика")
    assert russian[0].area_id == "waste_management" and russian[0].assigned
    finnish = demo.areas("Aurinkopaneelit ja tuulivoimalat kerrostalojen katoille")
    assert finnish[0].area_id == "solar_wind"
    both = demo.areas("Electric buses charged from rooftop solar panels at the depot")
    assigned = {a.area_id for a in both if a.assigned}
    assert {"urban_transport", "solar_wind"} <= assigned
