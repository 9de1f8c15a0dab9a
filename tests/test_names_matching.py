"""Pairwise match score, its properties, and fuzzy name search."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.names import (
    MATCH_THRESHOLD,
    REVIEW_THRESHOLD,
    NameIndex,
    NameRecord,
    TokenStats,
    match_score,
)
from matcher.names.scoring import choose_threshold


def _rec(name: str, country: str | None = None, city: str | None = None, *ids: str) -> NameRecord:
    return NameRecord(id=name, name=name, country=country, city=city, identifiers=ids)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (_rec('«ООО "Энергосервис"»', "RU", "Москва"), _rec("Energoservis LLC", "RU", "Moscow")),
        (_rec('«ООО "Энергосервис"»', "RU"), _rec("ENERGOSERVIS OOO", "RU")),
        (_rec("Helen Oy", "FI"), _rec("HELEN OY AB", "FI")),
        (
            _rec("АО «Северный ветер»", "RU", "Мурманск"),
            _rec("AO Severnyy Veter", "RU", "Murmansk"),
        ),
        (_rec("Grønn Varme Trondheim AS", "NO"), _rec("Gronn Varme Trondheim AS", "NO")),
        (_rec("Trondheim Grønn Varme AS", "NO"), _rec("Grønn Varme Trondheim AS", "NO")),
    ],
)
def test_same_firm_in_other_spellings_is_a_match(left: NameRecord, right: NameRecord) -> None:
    result = match_score(left, right)
    assert result.decision == "match", result


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (_rec("Statkraft AS", "NO"), _rec("STATKRAFT ENERGI AS", "NO")),
        (_rec("Fortum Oyj", "FI"), _rec("Fortum Power and Heat Oy", "FI")),
        (_rec("ПАО «Газпром»", "RU"), _rec("ПАО «Газпром нефть»", "RU")),
    ],
)
def test_entities_of_one_group_are_never_merged_automatically(
    left: NameRecord, right: NameRecord
) -> None:
    assert match_score(left, right).decision in ("review", "non_match")


def test_firms_sharing_only_generic_words_are_not_matched() -> None:
    result = match_score(_rec("Nordic Energy Oy", "FI"), _rec("Baltic Energy Oy", "FI"))
    assert result.decision == "non_match"
    assert "generic" in result.reason


def test_one_letter_apart_needs_a_second_witness() -> None:
    alone = match_score(_rec("Enersol Oy", "FI"), _rec("Enersoil Oy", "FI"))
    assert alone.decision == "review"
    with_city = match_score(_rec("Enersol Oy", "FI", "Oulu"), _rec("Enersoil Oy", "FI", "Oulu"))
    assert with_city.decision == "match"


def test_several_letters_apart_needs_a_shared_website() -> None:
    """Vartinal / Vartinlu in one city are neighbours in a registry, not a typo."""
    same_city = match_score(_rec("Vartinal Oy", "FI", "Oulu"), _rec("Vartinlu Oy", "FI", "Oulu"))
    assert same_city.decision == "review"
    assert "several letters apart" in same_city.reason
    site = "https://vartinal.fi"
    with_site = match_score(
        NameRecord("a", "Vartinal Oy", "FI", "Oulu", website=site),
        NameRecord("b", "Vartinlu Oy", "FI", "Oulu", website=site),
    )
    assert with_site.decision == "match"


def test_same_identifier_is_a_match_and_conflicting_ones_are_not() -> None:
    renamed = match_score(
        _rec("ООО «Северный ветер»", "RU", None, "RU-INN:7707083893"),
        _rec("ООО «Ветропарк Северный»", "RU", None, "ИНН 7707083893"),
    )
    assert renamed.decision == "match" and "RU-INN" in renamed.reason
    namesakes = match_score(
        _rec("ООО «Энергосервис»", "RU", None, "RU-INN:7780513130"),
        _rec("ООО «Энергосервис»", "RU", None, "RU-INN:7747413428"),
    )
    assert namesakes.decision == "non_match"


def test_invalid_identifiers_are_ignored() -> None:
    result = match_score(
        _rec("Helen Oy", "FI", None, "FI-YT:0112038-8"), _rec("Helen Oy", "FI", None, "FI-YT:1")
    )
    assert result.decision == "match"


def test_context_signals() -> None:
    other_city = match_score(
        _rec("ООО «Энергия»", "RU", "Архангельск"), _rec("ООО «Энергия»", "RU", "Мурманск")
    )
    assert other_city.decision != "match" and "cities differ" in other_city.reason
    other_country = match_score(_rec("Arctic Solar Oy", "FI"), _rec("Arctic Solar AS", "NO"))
    assert other_country.decision != "match"
    numbered = match_score(_rec("Solar Park 1 AS", "NO"), _rec("Solar Park 2 AS", "NO"))
    assert numbered.decision == "non_match" and numbered.reason == "numbers differ"


def test_signals_are_reported() -> None:
    result = match_score(_rec("Helen Oy"), _rec("Helen Sähköverkko Oy"))
    assert {"tokens", "fuzzy", "token_set", "partial", "name", "context"} <= set(result.signals)
    assert result.signals["token_set"] == 1.0  # subset: the reason why token_set alone misleads
    assert result.reason.startswith("extra words")


def test_corpus_statistics_make_frequent_words_weak() -> None:
    corpus = [_rec(f"Энергосервис {w}", "RU") for w in ("Север", "Юг", "Запад", "Восток") * 20]
    stats = TokenStats.from_records(corpus)
    assert stats.weight("energoservis") < stats.weight("zapad") <= 1.0
    result = match_score(_rec("Энергосервис Север"), _rec("Энергосервис Юг"), stats)
    assert result.decision == "non_match"


_WORDS = st.sampled_from(
    [
        "Энерго",
        "сервис",
        "Energoservis",
        "Helen",
        "Oy",
        "AS",
        "ООО",
        "Nordic",
        "Energy",
        "Statkraft",
        "Energi",
        "Vind",
        "2",
        "Северный",
        "Severny",
        "ветер",
        "Veter",
        "Grønn",
    ]
)
_NAMES = st.lists(_WORDS, min_size=0, max_size=4).map(" ".join)
_RECORDS = st.builds(
    NameRecord,
    id=st.just("x"),
    name=_NAMES,
    country=st.sampled_from([None, "RU", "FI", "NO"]),
    city=st.sampled_from([None, "Oslo", "Москва", "Moscow"]),
    identifiers=st.sampled_from([(), ("RU-INN:7707083893",), ("RU-INN:7780513130",)]),
)


@settings(max_examples=200, deadline=None)
@given(_RECORDS, _RECORDS)
def test_scores_are_symmetric_and_bounded(a: NameRecord, b: NameRecord) -> None:
    ab, ba = match_score(a, b), match_score(b, a)
    assert ab.score == ba.score
    assert ab.decision == ba.decision
    assert 0.0 <= ab.score <= 1.0


@settings(max_examples=200, deadline=None)
@given(_RECORDS, _RECORDS)
def test_identical_records_score_highest(a: NameRecord, b: NameRecord) -> None:
    assert match_score(a, a).score >= match_score(a, b).score


def test_identical_names_score_one_unless_only_common_words() -> None:
    for name in ("Statkraft AS", "ООО «Энергосервис»", "Helen Oy"):
        assert match_score(_rec(name), _rec(name)).score == 1.0
    generic = match_score(_rec("Nordic Energy Oy"), _rec("Nordic Energy Oy"))
    assert generic.decision == "review" and generic.reason == "only common words"
    placed = match_score(
        _rec("Nordic Energy Oy", "FI", "Oulu"), _rec("Nordic Energy Oy", "FI", "Oulu")
    )
    assert placed.score == 1.0


def test_thresholds_and_automatic_choice() -> None:
    assert 0.0 < REVIEW_THRESHOLD < MATCH_THRESHOLD < 1.0
    assert choose_threshold([0.95, 0.9, 0.84, 0.5], [1, 1, 0, 0]) == 0.85
    assert choose_threshold([0.99, 0.97], [1, 0]) == 0.98


ENERGOSERVIS = NameRecord(
    "es",
    'ООО "Энергосервис"',
    "RU",
    "Москва",
    ("RU-INN:7707083893",),
    "https://energoservis.example.ru",
)
OTHERS = [
    NameRecord("ts", "ООО «Теплосервис»", "RU"),
    NameRecord("es2", "Энергосеть ООО", "RU"),
    NameRecord("helen", "Helen Oy", "FI", "Helsinki"),
    NameRecord("sk", "Statkraft AS", "NO"),
    NameRecord("ske", "Statkraft Energi AS", "NO"),
    NameRecord("nes", "Nordic Energy Solutions Oy", "FI"),
]


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return NameIndex([ENERGOSERVIS, *OTHERS])


@pytest.mark.parametrize(
    "query", ["энергосервис", "Energoservis", "ENERGOSERVIS OOO", "energoservice", "Энергосервис"]
)
def test_search_finds_the_firm_whatever_script_or_spelling(index: NameIndex, query: str) -> None:
    hits = index.search(query, k=3)
    assert hits[0] == ("es", 1.0)
    assert all(score < 1.0 for _, score in hits[1:])


def test_search_by_identifier_country_filter_and_batch(index: NameIndex) -> None:
    assert index.search("7707083893")[0] == ("es", 1.0)
    assert index.search("Statkraft", k=2) == index.search_batch(["Statkraft"], k=2)[0]
    assert [i for i, _ in index.search("Statkraft", k=2)] == ["sk", "ske"]
    assert index.search("helen", country="NO") == []
    assert index.search("helen", country="Finland")[0][0] == "helen"
    assert index.search("") == []
    assert len(index.search("energo", k=2, min_score=0.0)) == 2


def test_empty_index() -> None:
    assert NameIndex([]).search("helen") == []
