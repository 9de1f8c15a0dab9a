"""Name normalisation, legal forms, transliteration and city/country keys."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.names import latin_key, normalize_name, transliterations
from matcher.names.normalize import city_key, country_code
from matcher.names.translit import fix_homoglyphs, transliterate


def test_issue_examples_share_one_core_and_keep_the_legal_form() -> None:
    names = ['«ООО "Энергосервис"»', "Energoservis LLC", "ENERGOSERVIS OOO"]
    normalised = [normalize_name(n, "RU") for n in names]
    assert {n.core for n in normalised} == {"energoservis"}
    assert {n.legal_form for n in normalised} == {"OOO"}
    assert normalised[0].script == "cyrillic"
    assert normalised[0].display == "Энергосервис"


def test_finnish_bilingual_form_and_norwegian_group_entities() -> None:
    helen, helen_ab = normalize_name("Helen Oy"), normalize_name("HELEN OY AB")
    assert helen.core == helen_ab.core == "helen"
    assert helen.legal_form == helen_ab.legal_form == "OY"
    parent, child = normalize_name("Statkraft AS"), normalize_name("STATKRAFT ENERGI AS")
    assert parent.legal_form == child.legal_form == "AS"
    assert parent.tokens == ("statkraft",)
    assert child.tokens == ("statkraft", "energi")


@pytest.mark.parametrize(
    ("raw", "country", "form"),
    [
        ("ПАО «Газпром»", None, "PAO"),
        ("ЗАО «Невский экотехнопарк»", None, "ZAO"),
        ("ОАО Волга", None, "OAO"),
        ("АО «Северный ветер»", None, "AO"),
        ("ФГУП Атомфлот", None, "FGUP"),
        ("МУП «Теплосети»", None, "MUP"),
        ("ГУП Водоканал", None, "GUP"),
        ("АНО «Центр»", None, "ANO"),
        ("НКО Фонд Север", None, "NKO"),
        ("ИП Ветров", None, "IP"),
        ("000 Энергосервис", None, "OOO"),
        ("Общество с ограниченной ответственностью «Ромашка»", None, "OOO"),
        ("Obshchestvo s ogranichennoy otvetstvennostyu Romashka", None, "OOO"),
        ("Severny Veter JSC", None, "AO"),
        ("Gazprom PJSC", None, "PAO"),
        ("Fortum Oyj", None, "OYJ"),
        ("Wärtsilä Oyj Abp", None, "OYJ"),
        ("Virta Ky", None, "KY"),
        ("Tmi Aurinko", None, "TMI"),
        ("T:mi Aurinko", None, "TMI"),
        ("Suomen Aurinkoyhdistys ry", None, "RY"),
        ("Suomen Aurinkoyhdistys r.y.", None, "RY"),
        ("Saimaan Bioenergia Osakeyhtiö", None, "OY"),
        ("Porvoon Vety Ab", "FI", "OY"),
        ("Porvoon Vety AB", "SE", "AB"),
        ("Equinor ASA", None, "ASA"),
        ("Fortum Norge NUF", None, "NUF"),
        ("Grønn Varme ANS", None, "ANS"),
        ("Grønn Varme DA", None, "DA"),
        ("Fiskernes Energi SA", "NO", "SA"),
        ("Havbris Energi A/S", None, "AS"),
        ("Havbris Energi Aksjeselskap", None, "AS"),
        ("Statnett SF", None, "SF"),
        ("Baltic Grid GmbH", None, "GMBH"),
        ("Northbridge Carbon Ltd.", None, "LTD"),
        ("Northbridge Carbon Ltd.", "RU", "OOO"),
        ("Helix Storage L.L.C.", None, "LLC"),
        ("Helix Storage Inc", None, "INC"),
        ("Nordic Sp. z o.o.", None, "SPZOO"),
        ("Хелен Ой", None, "OY"),
    ],
)
def test_legal_forms_by_country(raw: str, country: str | None, form: str) -> None:
    assert normalize_name(raw, country).legal_form == form


def test_oy_and_oyj_stay_apart_and_a_bare_form_is_kept_as_the_name() -> None:
    assert normalize_name("Fortum Oy").legal_form == "OY"
    assert normalize_name("Fortum Oyj").legal_form == "OYJ"
    bare = normalize_name("AS")
    assert (bare.core, bare.legal_form) == ("as", None)


def test_quotes_case_and_punctuation_do_not_change_the_core() -> None:
    variants = [
        'ООО "Энергосервис"',
        "ООО «ЭНЕРГОСЕРВИС»",
        "ООО „Энергосервис“",
        "ооо энергосервис.",
    ]
    assert {normalize_name(v).core for v in variants} == {"energoservis"}


def test_words_typed_in_two_scripts_are_repaired() -> None:
    assert fix_homoglyphs("Энергосepвис") == "Энергосервис"  # Latin e and p inside
    assert normalize_name("ООО «Энергосepвис»").core == "energoservis"


def test_numbers_and_roman_numerals_are_kept() -> None:
    assert normalize_name("Solar Park II AS").tokens == ("solar", "park", "2")
    assert normalize_name("ПАО «ТГК-1»").tokens == ("tgk", "1")


def test_transliteration_schemes_in_real_use() -> None:
    spellings = transliterations("Щёлково")
    assert {"Shhyolkovo", "Ŝëlkovo", "Shchëlkovo", "Shchelkovo", "Štšjolkovo"} <= spellings
    assert transliterations("Helen") == frozenset({"Helen"})


@pytest.mark.parametrize(
    "cyrillic",
    [
        "Энергосервис",
        "Северный ветер",
        "Щёлковский энергоцентр",
        "Жуковский электросетевой центр",
        "Югра Теплосбыт",
    ],
)
def test_every_scheme_meets_the_cyrillic_on_the_latin_key(cyrillic: str) -> None:
    key = latin_key(cyrillic)
    for spelling in transliterations(cyrillic):
        assert latin_key(spelling) == key, spelling


def test_informal_and_english_spellings_reach_the_same_key() -> None:
    assert latin_key("energoservice") == latin_key("Энергосервис") == "energoservis"
    assert latin_key("Ledokol Energy") == latin_key("Ледокол Энерджи")
    assert latin_key("Tromsø") == latin_key("Tromso")


def test_unknown_scheme_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown scheme"):
        transliterate("Москва", "klingon")


def test_city_exonyms_and_country_names() -> None:
    assert city_key("Moscow") == city_key("Москва") == city_key("Moskva")
    assert city_key("St. Petersburg") == city_key("Санкт-Петербург")
    assert city_key("Åbo") == city_key("Turku")
    assert city_key("Helsingfors") == city_key("Helsinki")
    assert city_key("  ") is None
    assert country_code("Россия") == "RU"
    assert country_code("Suomi") == "FI"
    assert country_code("norway") == "NO"
    assert country_code(None) is None


_NAMEISH = st.text(
    alphabet=st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        + list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")
        + list("äöåøæÄÖÅØÆšžéü0123456789 -.,&/:'\"«»„“")
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(_NAMEISH, st.sampled_from([None, "RU", "FI", "NO"]))
def test_normalising_twice_changes_nothing(raw: str, country: str | None) -> None:
    once = normalize_name(raw, country)
    twice = normalize_name(once.core, country)
    assert twice.core == once.core
    assert twice.tokens == once.tokens


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_normalising_arbitrary_unicode_twice_changes_nothing(raw: str) -> None:
    once = normalize_name(raw)
    assert normalize_name(once.core).core == once.core
    assert latin_key(latin_key(raw)) == latin_key(raw)
