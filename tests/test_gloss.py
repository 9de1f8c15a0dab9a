"""Glossing Finnish texts into English: the dictd reader, the word-by-word gloss over a
hand-made dictionary and analyser, and the engine's use of a gloss (vector and words)."""

from __future__ import annotations

import gzip
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from embeddings.language import detect_language
from matcher import EngineSettings, Filters, Matchmaker
from matcher.gloss import load_glossaries
from matcher.gloss.dictd import Dictionary, parse_entry, reversed_dictionary
from matcher.gloss.finnish import FinnishGlossary, compound_parts
from matcher.limits import MAX_GLOSSED_WORDS
from matcher.model import Cluster, Organisation, OrgKind
from matcher.ranking.state import RankingState
from matcher.ranking.text import EncodedText, PreparedText, TextQuery, prepare_text, score_text
from matcher.settings import RankingSettings
from matcher.taxonomy import load_taxonomy
from tests.api_fixtures import make_api

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _code(n: int) -> str:
    out = ""
    while True:
        out = B64[n % 64] + out
        n //= 64
        if n == 0:
            return out


def write_dictd(base: Path, entries: Mapping[str, str]) -> None:
    """A dictd dictionary: each entry is `headword /ipa/ <n>` and the given body."""
    body, index = b"", []
    for word, text in entries.items():
        entry = f"{word} /x/ <n>\n{text}\n".encode()
        index.append(f"{word}\t{_code(len(body))}\t{_code(len(entry))}")
        body += entry
    index.append(f"00-database-info\t{_code(0)}\t{_code(1)}")
    Path(f"{base}.index").write_text("\n".join(index) + "\n", encoding="utf-8")
    Path(f"{base}.dict.dz").write_bytes(gzip.compress(body))


FIN_ENG = {
    "yritys": "1. attempt, try\nfinnish definition\n2. company, firm\nanother definition",
    "ilmanlaatu": "air quality\nmäärittely",
    "kaupunki": "city, town\nmäärittely",
    "mittaus": "measurement\nmäärittely",
    "verkko": "1. net\nmäärittely\n2. network 2.\nmäärittely\n 3.\nlisää",
    "kierrätys": "recycling\nmäärittely",
}
ENG_FIN = {"sensor": "anturi, sensori\ndevice that detects", "pellet": "pelletti#Suomi\nsmall ball"}
# Voikko's analyses of the words used here (base form, compound parts)
ANALYSES = {
    "Ilmanlaatuanturit": ("ilmanlaatuanturi", "+ilman(ilma)+laatu(laatu)+anturi(anturi)"),
    "kaupunkien": ("kaupunki", "+kaupunki(kaupunki)"),
    "mittausverkot": ("mittausverkko", "+mitta(mitata)+us(+us)+verkko(verkko)"),
    "kierrätysyritykset": ("kierrätysyritys", "+kierrätys(kierrätys)+yrit(yrittää)+ys(+ys)"),
}


def analyse(word: str) -> Sequence[Mapping[str, str]]:
    found = ANALYSES.get(word)
    return [{"BASEFORM": found[0], "WORDBASES": found[1]}] if found else []


@pytest.fixture
def dictionaries(tmp_path: Path) -> Path:
    write_dictd(tmp_path / "freedict-fin-eng", FIN_ENG)
    write_dictd(tmp_path / "freedict-eng-fin", ENG_FIN)
    return tmp_path


def glossary(folder: Path) -> FinnishGlossary:
    backward = reversed_dictionary(Dictionary.read(folder / "freedict-eng-fin"))
    return FinnishGlossary(analyse, Dictionary.read(folder / "freedict-fin-eng"), backward)


def cluster_words(*used: str) -> dict[str, int]:
    return {w: 5 for w in used}


def test_an_entry_gives_its_translations_sense_by_sense() -> None:
    assert parse_entry("w /x/ <n>\ncity, town\ndefinition") == (("city", "town"),)
    numbered = "w /x/ <n>\n1. net\ndefinition\n2. network 2.\ndefinition\n 3.\nmore"
    assert parse_entry(numbered) == (("net",), ("network",))
    assert parse_entry("w /x/ <n>\npelletti#Suomi, Lenin=grad\nd") == (("pelletti", "Leningrad"),)


def test_the_dictionary_reads_every_entry_and_backwards(dictionaries: Path) -> None:
    forward = Dictionary.read(dictionaries / "freedict-fin-eng")
    assert forward.senses("Yritys") == (("attempt", "try"), ("company", "firm"))
    assert forward.senses("unknown") == ()
    assert "00-database-info" not in set(forward.headwords())
    backward = reversed_dictionary(Dictionary.read(dictionaries / "freedict-eng-fin"))
    assert backward["anturi"] == ("sensor",) and backward["pelletti"] == ("pellet",)


def test_compound_parts_join_a_derivational_suffix_to_the_part_before() -> None:
    assert compound_parts("+mitta(mitata)+us(+us)+verkko(verkko)") == [
        ("mittaus", "mittaus"),
        ("verkko", "verkko"),
    ]
    assert compound_parts("+led(LED)+-+katu(katu)") == [("led", "LED"), ("katu", "katu")]
    assert compound_parts("+kauko+lämpö(lämpö)") == [("kauko", "kauko"), ("lämpö", "lämpö")]


def test_a_compound_is_glossed_by_its_longest_known_runs(dictionaries: Path) -> None:
    words = cluster_words("network", "city", "sensor")
    gloss = glossary(dictionaries).gloss(
        "Ilmanlaatuanturit ja kaupunkien mittausverkot", lambda t: words.get(t, 0)
    )
    # ilman+laatu is one entry, anturi only in the English-Finnish dictionary
    assert gloss == "air quality sensor and city measurement network"


def test_the_sense_the_cluster_writes_of_is_taken(dictionaries: Path) -> None:
    finnish = glossary(dictionaries)
    about_firms = cluster_words("company", "recycling")
    chosen = finnish.gloss("kierrätysyritykset", lambda t: about_firms.get(t, 0))
    assert chosen == "recycling company"
    # a cluster that uses none of the senses gets the first one listed
    assert finnish.gloss("kierrätysyritykset", lambda t: 0) == "recycling attempt"


def test_a_word_nothing_reads_is_kept(dictionaries: Path) -> None:
    assert glossary(dictionaries).gloss("LED Oy", lambda t: 0) == "LED Oy"


def test_a_long_text_is_glossed_from_its_start_only(dictionaries: Path) -> None:
    text = " ".join(["kaupunkien"] * (MAX_GLOSSED_WORDS + 30))
    assert glossary(dictionaries).gloss(text, lambda t: 0).split() == ["city"] * MAX_GLOSSED_WORDS


def test_missing_dictionaries_mean_no_glossary_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="matcher.gloss"):
        assert load_glossaries(tmp_path / "nowhere") == {}
    assert "freedict-fin-eng.index" in caplog.text
    assert load_glossaries(None) == {}


def _voikko_reads_finnish() -> bool:
    try:
        import libvoikko

        libvoikko.Voikko("fi").terminate()
        return True
    except Exception:  # no binding, no shared library or no Finnish data
        return False


# the engine-level tests analyse with the real Voikko (`make install` installs it)
needs_voikko = pytest.mark.skipif(not _voikko_reads_finnish(), reason="Voikko cannot read Finnish")


def read_with_its_gloss(state: RankingState, prepared: PreparedText) -> EncodedText:
    """The encoded text, checked against its oracle: the normalised mean of the text's vector
    and its gloss's (each in its own language), and the words of both."""
    encoded = EncodedText.encode(state, prepared)
    plain = state.query_vectors([prepared.text], [prepared.language])[0]
    gloss = state.query_vectors([prepared.gloss], [prepared.gloss_language])[0]
    oracle = (plain + gloss) / np.linalg.norm(plain + gloss)
    np.testing.assert_allclose(encoded.vector, oracle, rtol=1e-6, atol=1e-7)
    assert encoded.words == f"{prepared.text} ({prepared.gloss})"
    return encoded


def _org(oid: str, text: str) -> Organisation:
    return Organisation(oid, f"Org {oid}", OrgKind.SME, "FI", "Espoo", "Uusimaa", text)


@needs_voikko
def test_a_finnish_search_is_embedded_with_its_gloss_and_matches_its_words(
    dictionaries: Path, hashing_encoder
) -> None:  # type: ignore[no-untyped-def]
    cluster = Cluster.of(
        [
            _org("fi-1", "Sensor modules measure air quality on every street of the city."),
            _org("fi-2", "District heating pipes and substations for apartment buildings."),
        ],
        [],
        [],
    )
    settings = EngineSettings(ranking=RankingSettings(dictionaries=dictionaries))
    engine = Matchmaker.build(cluster, settings, hashing_encoder, load_taxonomy(), detect_language)
    text = "Ilmanlaatuanturit ja kaupunkien ilmanlaadun mittausverkot"
    with engine.reading() as state:
        prepared = prepare_text(state, text)
        assert prepared.language == "fi" and "air quality" in prepared.gloss
        encoded = read_with_its_gloss(state, prepared)
        # the gloss's words are what the lexicon matches: the Finnish ones are unknown here
        unglossed = EncodedText.encode(state, PreparedText(text, "fi"))
        assert len(score_text(state, TextQuery(unglossed), Filters(), True).query.terms.ids) == 0
        assert len(score_text(state, TextQuery(encoded), Filters(), True).query.terms.ids) > 0
    assert engine.search(text, k=1).ids() == ["fi-1"]


def test_without_dictionaries_finnish_is_searched_unglossed(hashing_encoder) -> None:  # type: ignore[no-untyped-def]
    cluster = Cluster.of([_org("fi-1", "Sensor modules for air quality.")], [], [])
    settings = EngineSettings(ranking=RankingSettings(dictionaries=None))
    engine = Matchmaker.build(cluster, settings, hashing_encoder, load_taxonomy(), detect_language)
    with engine.reading() as state:
        assert prepare_text(state, "Ilmanlaatuanturit ja kaupunkien mittausverkot").gloss == ""
    assert engine.search("Ilmanlaatuanturit ja kaupunkien mittausverkot", k=1).ids() == ["fi-1"]


@needs_voikko
def test_glosses_on_several_threads_agree_with_one(dictionaries: Path) -> None:
    finnish = load_glossaries(dictionaries)["fi"]
    texts = ["Ilmanlaatuanturit ja kaupunkien mittausverkot", "Jätteen kierrätysyritykset"] * 25
    alone = [finnish.gloss(t, lambda w: 0) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda t: finnish.gloss(t, lambda w: 0), texts))
    assert together == alone and "air quality" in alone[0]


@needs_voikko
def test_a_glossed_query_is_charged_for_its_gloss_too(tmp_path: Path) -> None:
    api = make_api(tmp_path, detect_language=detect_language)
    service, text = api.service, "Ilmanlaatuanturit ja kaupunkien mittausverkot"
    texts = service.engine.query_texts(text)
    assert texts[0] == text and len(texts) == 2 and "air quality" in texts[1]
    assert service.engine.query_texts("air quality sensors for cities") == [
        "air quality sensors for cities"
    ]
    charged: list[int] = []
    service.budget.charge = lambda caller, chars: charged.append(chars)  # type: ignore[method-assign]
    service.charge("key", [text])
    assert charged == [len(text) + len(texts[1])]
