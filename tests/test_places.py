"""Places named in a search text, in four languages, and the location component."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.model import Organisation, OrgKind
from matcher.ranking.facts import OrgFacts
from matcher.ranking.places import Gazetteer, location_scores
from matcher.settings import RankingSettings


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    path = RankingSettings().places
    assert path is not None
    return Gazetteer.load(path)


@pytest.mark.parametrize(
    "text",
    [
        "district-heating hardware made near St. Petersburg",
        "производители труб в Санкт-Петербурге",
        "kaukolämpöputkien valmistajat Pietarissa",
        "produsenter av rør i nærheten av St. Petersburg",
        "оборудование для Петербурга и области",
    ],
)
def test_st_petersburg_is_read_in_every_language_and_case(gazetteer: Gazetteer, text: str) -> None:
    named = gazetteer.named(text)
    assert named.cities == ("Saint Petersburg",)
    assert "Leningrad Oblast" in named.near  # the region around the city is meant too


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("waste recyclers in the Leningrad region", "Leningrad Oblast"),
        ("переработчики отходов в Ленинградской области", "Leningrad Oblast"),
        ("jätteen kierrättäjät Leningradin alueella", "Leningrad Oblast"),
        ("gjenvinningsselskaper i Leningrad oblast", "Leningrad Oblast"),
        ("biogas plants in South Karelia", "South Karelia"),
        ("пеллеты для котельных Карелии", "Republic of Karelia"),
    ],
)
def test_regions_are_read_and_the_longest_name_wins(
    gazetteer: Gazetteer, text: str, region: str
) -> None:
    assert gazetteer.named(text).regions == (region,)


@pytest.mark.parametrize(
    "text", ["rooftop solar in Norway", "солнечные крыши в Норвегии", "aurinkopaneelit Norjassa",
             "solceller i Norge"],
)  # fmt: skip
def test_countries_are_read(gazetteer: Gazetteer, text: str) -> None:
    named = gazetteer.named(text)
    assert named.countries == ("NO",) and not named.cities


def test_a_text_naming_no_place_names_none(gazetteer: Gazetteer) -> None:
    assert not gazetteer.named("heat pumps for apartment blocks, ground-source and exhaust air")
    assert not gazetteer.named("луга и пастбища для коров")  # "meadows", not the town of Luga


def _facts() -> OrgFacts:
    facts = OrgFacts()
    places = [
        ("RU", "Saint Petersburg", "Saint Petersburg"),
        ("RU", "Gatchina", "Leningrad Oblast"),
        ("RU", "Moscow", "Moscow"),
        ("FI", "Helsinki", "Uusimaa"),
        ("FI", "Espoo", "Uusimaa"),
        ("NO", "Oslo", "Oslo"),
    ]
    for row, (country, city, region) in enumerate(places):
        org = Organisation(f"o{row}", f"o{row}", OrgKind.SME, country, city, region)
        facts.set(row, org)
    return facts


def test_location_scores_rank_the_place_then_its_surroundings_then_the_country(
    gazetteer: Gazetteer,
) -> None:
    facts, rows = _facts(), np.arange(6)
    near_spb = location_scores(facts, rows, gazetteer.named("made near St. Petersburg"))
    assert near_spb.tolist() == [1.0, 0.7, 0.25, 0.0, 0.0, 0.0]
    helsinki = location_scores(facts, rows, gazetteer.named("toimittajat Helsingissä"))
    assert helsinki.tolist() == [0.0, 0.0, 0.0, 1.0, 0.5, 0.0]  # Espoo: the same region
    norway = location_scores(facts, rows, gazetteer.named("installatører i Norge"))
    assert norway.tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    assert location_scores(facts, rows, gazetteer.named("heat pumps")).tolist() == [0.0] * 6
