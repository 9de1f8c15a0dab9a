"""Places named in a search text, in four languages, and the location component."""

from __future__ import annotations

import random

import numpy as np
import pytest

from matcher.model import Organisation, OrgKind
from matcher.ranking.facts import OrgFacts
from matcher.ranking.places import Gazetteer, NamedPlaces, _named, location_scores, words
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


def _named_by_trying_every_alias(gazetteer: Gazetteer, text: str) -> NamedPlaces:
    """The oracle: every alias, longest first, tried at every position left to right."""
    tokens = words(text)
    aliases = sorted(
        ((stems, p) for p in gazetteer.places for stems in p.stems if stems),
        key=lambda a: -len(a[0]),
    )
    taken = [False] * len(tokens)
    found = []
    for stems, place in aliases:
        for start in range(len(tokens) - len(stems) + 1):
            end = start + len(stems)
            span = zip(tokens[start:end], stems, strict=True)
            if not any(taken[start:end]) and all(t.startswith(s) for t, s in span):
                taken[start:end] = [True] * len(stems)
                found.append(place)
    return _named(found)


def test_reading_places_by_first_word_equals_trying_every_alias(gazetteer: Gazetteer) -> None:
    """Texts of whole aliases (overlapping ones side by side), their words inflected, and
    filler: the indexed reading names the same places in the same order as the oracle."""
    rng = random.Random(7)
    aliases = sorted({alias for p in gazetteer.places for alias in p.stems if alias})
    filler: list[tuple[str, ...]] = [
        ("district",),
        ("heating",),
        ("near",),
        ("в",),
        ("области",),
        ("i",),
        ("для",),
    ]
    multiword = [a for a in aliases if len(a) > 1]
    for _ in range(500):
        picked = rng.choices(aliases + multiword + filler, k=rng.randint(1, 8))
        stems = [s for alias in picked for s in alias]
        text = " ".join(s + rng.choice(["", "a", "ssa", "ской", "en"]) for s in stems)
        assert gazetteer.named(text) == _named_by_trying_every_alias(gazetteer, text), text
