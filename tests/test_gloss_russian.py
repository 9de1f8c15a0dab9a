"""Glossing English texts that name a place in Russia into Russian: Müller's entries, the
word-by-word gloss over a hand-made dictionary, when the engine glosses, and what it reads."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from embeddings.language import detect_language
from matcher import EngineSettings, Matchmaker
from matcher.gloss import GLOSS_LANGUAGES, Glossary, glossed, load_glossaries
from matcher.gloss.dictd import Dictionary
from matcher.gloss.english import EnglishGlossary, base_forms
from matcher.gloss.finnish import FinnishGlossary
from matcher.gloss.mueller import parse_mueller_entry
from matcher.model import Cluster, Organisation, OrgKind
from matcher.ranking.text import prepare_text
from matcher.settings import RankingSettings
from matcher.taxonomy import load_taxonomy
from tests.test_gloss import FIN_ENG, needs_voikko, read_with_its_gloss, write_dictd

# entries in Müller's layout (write_dictd puts a header line before each)
ENG_RUS = {
    "heat": "   1. _n.\n      1) жара; жар\n      2) _физ. теплота\n"
    "      3) пыл, гнев; political heat накал страстей\n   2. _v. нагревать(ся)",
    "pump": "      1. _n. насос; помпа\n      2. _v.\n         1) работать насосом; качать",
    "pipe": "   1. _n.\n      1) труба; трубопровод; the pipes радиатор\n"
    "      2) курительная трубка",
    "pip": "   _n. типун (болезнь птиц)",
    "region": "   _n.\n   1) область; район; в области, в сфере\n   2) _анат. полость",
    "pre": "   _pref. до, пред",
    "manufacturer": "   _n.\n   1) фабрикант, заводчик\n   2) изготовитель, производитель",
    "recycling": "   _n. переработка; утилизация",
}
CLUSTER_USES = {"теплота": 9, "насос": 7, "труба": 5, "производитель": 8, "область": 4}


@pytest.fixture
def dictionaries(tmp_path: Path) -> Path:
    write_dictd(tmp_path / "mueller7", ENG_RUS)
    return tmp_path


def glossary(folder: Path) -> EnglishGlossary:
    return EnglishGlossary(Dictionary.read(folder / "mueller7", parse_mueller_entry))


def test_a_mueller_entry_gives_its_russian_translations_sense_by_sense() -> None:
    entry = f"heat /x/ <n>\n{ENG_RUS['heat']}"
    # the example "political heat накал страстей" is no translation; "(ся)" is a remark
    assert parse_mueller_entry(entry) == (
        ("жара", "жар"),
        ("теплота",),
        ("пыл", "гнев"),
        ("нагревать",),
    )
    labelled = f"pump /x/ <n>\n{ENG_RUS['pump']}"
    assert parse_mueller_entry(labelled)[0] == ("насос", "помпа")
    assert parse_mueller_entry("x /x/ <n>\n   [ˈeks] _n. икс") == (("икс",),)


def test_a_word_takes_the_translations_the_cluster_uses(dictionaries: Path) -> None:
    english = glossary(dictionaries)
    gloss = english.gloss("Heat pumps and pre-insulated pipes", lambda t: CLUSTER_USES.get(t, 0))
    # `heat`: "теплота", which the cluster writes, before the first-listed "жара"; `pipes`
    # is read as `pipe`, not `pip`, and only its translation the cluster uses is kept; `pre`
    # gives "пред", not the preposition "до"; `and` is a stop word, `insulated` unknown
    assert gloss.split() == ["теплота", "насос", "пред", "труба"]
    # a word none of whose translations the cluster uses keeps its first one
    assert english.gloss("heat", lambda t: 0) == "жара"


def test_translations_that_explain_a_use_are_left_out(dictionaries: Path) -> None:
    # "в области" and "в сфере" are uses of `region`, not words for it
    assert glossary(dictionaries).gloss("region", lambda t: 0) == "область"
    assert glossary(dictionaries).gloss("made near the region", lambda t: 0) == "область"


def test_every_gloss_language_has_a_name() -> None:
    assert {EnglishGlossary.into, FinnishGlossary.into} <= set(GLOSS_LANGUAGES)


def test_plural_forms_are_tried_plain_s_first() -> None:
    assert base_forms("Pipes") == ["pipes", "pipe", "pip"]
    assert base_forms("batteries") == ["batteries", "batterie", "batteri", "battery"]
    assert base_forms("glass") == ["glass"]


def test_without_the_dictionary_english_is_not_glossed_and_a_warning_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="matcher.gloss"):
        assert "en" not in load_glossaries(tmp_path / "nowhere")
    assert "mueller7.index" in caplog.text and "into Russian" in caplog.text


def _engine(dictionaries: Path, encoder) -> Matchmaker:  # type: ignore[no-untyped-def]
    orgs = [
        Organisation(
            "ru-1", "Насосный завод", OrgKind.SME, "RU", "Vsevolozhsk", "Leningrad Oblast",
            "Производитель циркуляционных насосов и труб для тепловых сетей.",
        ),
        Organisation(
            "fi-1", "Pumppu Oy", OrgKind.SME, "FI", "Espoo", "Uusimaa",
            "Heat pumps for apartment buildings.",
        ),
    ]  # fmt: skip
    settings = EngineSettings(ranking=RankingSettings(dictionaries=dictionaries))
    return Matchmaker.build(Cluster.of(orgs, [], []), settings, encoder, load_taxonomy(),
                            detect_language)  # fmt: skip


def test_an_english_search_naming_a_place_in_russia_is_also_read_in_russian(
    dictionaries: Path, hashing_encoder
) -> None:  # type: ignore[no-untyped-def]
    engine = _engine(dictionaries, hashing_encoder)
    text = "Heat pumps and pipes made near St. Petersburg"
    with engine.reading() as state:
        prepared = prepare_text(state, text)
        assert prepared.language == "en" and prepared.gloss_language == "ru"
        assert "насос" in prepared.gloss.split() and "труба" in prepared.gloss.split()
        read_with_its_gloss(state, prepared)
        # no place, or a place outside Russia: the text is read alone
        for alone in ("Heat pumps and pipes for apartment blocks", "Heat pumps in Finland"):
            assert prepare_text(state, alone).gloss == ""
    results = engine.search(text, k=2)
    assert results.gloss == prepared.gloss and results.gloss_language == "ru"
    assert engine.search("Heat pumps in Finland", k=2).gloss_language == ""


@needs_voikko
def test_a_finnish_search_naming_a_place_in_russia_is_read_in_russian_through_english(
    dictionaries: Path, hashing_encoder
) -> None:  # type: ignore[no-untyped-def]
    write_dictd(dictionaries / "freedict-fin-eng", FIN_ENG)
    write_dictd(dictionaries / "freedict-eng-fin", {})
    engine = _engine(dictionaries, hashing_encoder)
    with engine.reading() as state:
        # "we look for recycling companies in St. Petersburg": Finnish -> English -> Russian
        russian = prepare_text(state, "Etsimme kierrätysyrityksiä Pietarissa")
        assert russian.language == "fi" and russian.gloss_language == "ru"
        assert "переработка" in russian.gloss.split()  # `recycling` in the English gloss
        # the same in Helsinki: the English gloss, as for any Finnish text
        english = prepare_text(state, "Etsimme kierrätysyrityksiä Helsingissä")
        assert english.gloss_language == "en" and "recycling" in english.gloss.split()


class _Tagging:
    """A glossary that marks each word with its target language, to follow a chain."""

    def __init__(self, language: str, into: str, countries: frozenset[str]) -> None:
        self.language, self.into, self.countries = language, into, countries

    def gloss(self, text: str, frequency: Callable[[str], int]) -> str:
        return " ".join(f"{w}>{self.into}" for w in text.split())


def test_glosses_chain_while_the_places_named_call_for_the_next() -> None:
    chain: dict[str, Glossary] = {
        "fi": _Tagging("fi", "en", frozenset()),
        "en": _Tagging("en", "ru", frozenset({"RU"})),
        "ru": _Tagging("ru", "fi", frozenset()),  # would close a loop
    }
    russia, finland = frozenset({"RU"}), frozenset({"FI"})
    assert glossed(chain, "a", "fi", finland, len) == ("a>en", "en")
    assert glossed(chain, "a", "en", finland, len) == ("", "")
    # each glossary once at most: fi -> en -> ru -> fi would end where it began
    assert glossed(chain, "a", "fi", russia, len) == ("", "")
    del chain["ru"]
    assert glossed(chain, "a", "fi", russia, len) == ("a>en>ru", "ru")
    assert glossed(chain, "", "fi", russia, len) == ("", "")  # nothing to gloss
