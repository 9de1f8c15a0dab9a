"""Pairwise match score of two organisation records.

The score starts from name similarity on the phonetic core (token alignment weighted by how
rare each token is, plus whole-string fuzzy ratios) and is then moved by country, city,
legal form and website agreement. Hard rules sit on top: a shared valid registry number is a
match, two different valid numbers of one scheme are a non-match, and a pair that differs by
whole words ("Statkraft AS" / "Statkraft Energi AS") or shares only generic words ("Nordic
Energy Oy" / "Baltic Energy Oy") never reaches the automatic-match band.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from matcher.names.identifiers import is_shared_domain, parse_identifiers
from matcher.names.legal_forms import form_country, forms_compatible
from matcher.names.normalize import (
    NormalizedName,
    city_key,
    country_code,
    normalize_name,
    tokenize,
)
from matcher.names.translit import fold

__all__ = [
    "MATCH_THRESHOLD",
    "REVIEW_THRESHOLD",
    "MatchScore",
    "NameRecord",
    "PreparedRecord",
    "TokenStats",
    "choose_threshold",
    "decide",
    "match_score",
    "prepare",
    "score_prepared",
]

# Chosen on the dev half of datasets/name_pairs (benchmarks/names_eval.py): the lowest
# threshold with no non-match above it, rounded up. See benchmarks/QUALITY.md.
MATCH_THRESHOLD = 0.85
REVIEW_THRESHOLD = 0.6


@dataclass(frozen=True)
class NameRecord:
    id: str
    name: str
    country: str | None = None
    city: str | None = None
    identifiers: tuple[str, ...] = ()
    website: str | None = None


@dataclass(frozen=True)
class MatchScore:
    score: float  # in [0, 1]
    decision: str  # "match" | "review" | "non_match"
    signals: dict[str, float] = field(default_factory=dict, compare=False)
    reason: str = ""


# Words that many unrelated firms of the sector share; they count little as evidence.
_GENERIC_WORDS = """
energy energi energia energie энергия энерго energo power kraft voima electric electro
elektro электро sähkö el heat varme lämpö тепло teplo thermal termo solar sol aurinko
солнечный solnechny sun wind vind tuuli ветер veter hydro гидро gidro vesi water vann вода
bio био biogas биогаз gas газ kaasu oil нефть neft hydrogen водород vety nuclear атом atom
carbon углерод hiili clean ren puhdas чистый green grønn vihreä зеленый eco eko эко
environment miljø ympäristö экология recycling gjenvinning kierrätys waste avfall jäte
technology technologies tech teknologi teknologia tekniikka технологии systems system
системы systemer solutions løsninger ratkaisut решения engineering ingeniør insinööri
инжиниринг consulting konsult консалтинг service services сервис servis palvelut tjenester
group gruppen группа konserni konsern holding холдинг partners invest инвест development
развитие kehitys utvikling international global industrial industri teollisuus
промышленный company kompani компания yhtiö trade trading handel kauppa торговый center
centre senter keskus центр project prosjekt projekti проект innovation innovasjon
инновации lab labs smart future new ny uusi новый north nord nordic pohjois север северный
south syd sør etelä юг east øst itä восток west vest länsi запад baltic arctic arktisk
арктик scandinavia finland suomi norway norge norsk russia россия рус европа europe euro
region regional storage lagring battery batteri fuel drivstoff marine offshore hav meri
resource ресурс efficiency management vindkraft solkraft vannkraft kraftverk tuulivoima
aurinkovoima vesivoima
"""
_GENERIC = frozenset(k for w in _GENERIC_WORDS.split() for k, _ in tokenize(w))
_DISTINCTIVE = 0.6  # weight from which a token identifies a firm on its own


class TokenStats:
    """Document frequencies of core tokens in a corpus, so that words frequent in the data at
    hand ("энергосервис" in a Russian energy registry) weigh less, like the built-in list."""

    def __init__(self, doc_freq: Mapping[str, int], n_docs: int) -> None:
        self.doc_freq = dict(doc_freq)
        self.n_docs = n_docs
        self._weights: dict[str, float] = {}
        self._by_tokens: dict[tuple[str, ...], tuple[float, ...]] = {}

    @classmethod
    def from_names(cls, names: Iterable[NormalizedName]) -> TokenStats:
        counts: Counter[str] = Counter()
        n = 0
        for name in names:
            counts.update(set(name.tokens))
            n += 1
        return cls(counts, n)

    @classmethod
    def from_records(cls, records: Iterable[NameRecord]) -> TokenStats:
        return cls.from_names(normalize_name(r.name, r.country) for r in records)

    def weights(self, tokens: tuple[str, ...]) -> tuple[float, ...]:
        cached = self._by_tokens.get(tokens)
        if cached is None:
            cached = self._by_tokens[tokens] = tuple(self.weight(t) for t in tokens)
        return cached

    def weight(self, token: str) -> float:
        cached = self._weights.get(token)
        if cached is None:
            cached = self._weights[token] = self._compute_weight(token)
        return cached

    def _compute_weight(self, token: str) -> float:
        base = _builtin_weight(token)
        if self.n_docs < 50:  # too few names for frequencies to mean anything
            return base
        df = max(1, self.doc_freq.get(token, 1))
        # Full weight up to 1 name in 500; a word in half of all names weighs about 0.1.
        corpus = math.log(self.n_docs / df) / math.log(500)
        return min(base, max(0.1, min(1.0, corpus)))


def _builtin_weight(token: str) -> float:
    if token in _GENERIC:
        return 0.3
    if len(token) <= 2 and not token.isdigit():
        return 0.5
    return 1.0


@dataclass(frozen=True)
class PreparedRecord:
    """A record with everything the scorer needs computed once (dedup scores many pairs)."""

    record: NameRecord
    name: NormalizedName
    country: str | None  # given, or implied by a one-country legal form
    city: str | None
    ids: Mapping[str, str]  # scheme -> value, valid identifiers only
    domain: str | None  # website domain unless a shared host
    concat: str
    plain: str  # folded name without spaces, before phonetics (acronyms are not words)
    initials: str  # first letters of the name's words: "NES" / "Nordic Energy Solutions"


@lru_cache(maxsize=1 << 16)
def _fold_word(word: str) -> str:
    return fold(word)


def prepare(record: NameRecord) -> PreparedRecord:
    country = country_code(record.country)
    name = normalize_name(record.name, country)
    idents = parse_identifiers(record.identifiers, country, record.website)
    domains = [i.value for i in idents if i.scheme == "DOMAIN" and i.valid]
    domain = next((d for d in domains if not is_shared_domain(d)), None)
    words = [_fold_word(w) for w in name.display.split() if w[:1].isalnum()]
    return PreparedRecord(
        record=record,
        name=name,
        country=country or form_country(name.legal_form),
        city=city_key(record.city),
        ids={i.scheme: i.value for i in idents if i.valid and i.scheme != "DOMAIN"},
        domain=domain,
        concat=name.core.replace(" ", ""),
        plain="".join(words),
        initials="".join(w[0] for w in words) if len(words) >= 2 else "",
    )


def _merge_compounds(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """Join neighbours of `a` that `b` writes as one word ("energo servis" / "energoservis")."""
    targets, out, i = set(b), [], 0
    while i < len(a):
        if i + 1 < len(a) and a[i] + a[i + 1] in targets:
            out.append(a[i] + a[i + 1])
            i += 2
        else:
            out.append(a[i])
            i += 1
    return tuple(out)


def _best_sims(a: tuple[str, ...], b: tuple[str, ...]) -> list[tuple[float, str]]:
    """Best similarity of each token of `a` among the tokens of `b`, with that token (the
    scorer's hot loop)."""
    exact = set(b)
    fuzzy_pool = [y for y in b if len(y) >= 4 and not y.isdigit()]
    sims = []
    for x in a:
        if x in exact:
            sims.append((1.0, x))
        elif len(x) < 4 or x.isdigit() or not fuzzy_pool:
            sims.append((0.0, ""))
        else:
            best = process.extractOne(x, fuzzy_pool, scorer=fuzz.ratio, score_cutoff=80)
            sims.append((best[1] / 100.0, best[0]) if best else (0.0, ""))
    return sims


class _Alignment(NamedTuple):
    coverage: float  # weighted share of the side's tokens found on the other side
    unmatched: int  # tokens with no counterpart
    rare_total: int  # distinctive tokens on this side
    rare_matched: int
    rare_inexact: int  # distinctive tokens found only as a near spelling
    rare_edits: int  # the most edits between such a token and its near spelling


def _align(a: tuple[str, ...], b: tuple[str, ...], stats: TokenStats) -> _Alignment:
    if a == b:
        rare = sum(1 for w in stats.weights(a) if w >= _DISTINCTIVE)
        return _Alignment(1.0 if a else 0.0, 0, rare, rare, 0, 0)
    total = covered = 0.0
    unmatched = rare_total = rare_matched = rare_inexact = rare_edits = 0
    for x, w, (s, near) in zip(a, stats.weights(a), _best_sims(a, b), strict=True):
        total += w
        covered += w * s
        unmatched += s == 0.0
        if w >= _DISTINCTIVE:
            rare_total += 1
            rare_matched += s > 0.0
            if 0.0 < s < 1.0:
                rare_inexact += 1
                rare_edits = max(rare_edits, OSA.distance(x, near))
    coverage = covered / total if total else 0.0
    return _Alignment(coverage, unmatched, rare_total, rare_matched, rare_inexact, rare_edits)


_NO_STATS = TokenStats({}, 0)


def _name_signals(a: PreparedRecord, b: PreparedRecord, stats: TokenStats) -> dict[str, float]:
    ta = _merge_compounds(a.name.tokens, b.name.tokens)
    tb = _merge_compounds(b.name.tokens, a.name.tokens)
    al, bl = _align(ta, tb, stats), _align(tb, ta, stats)
    tokens = 2 * al.coverage * bl.coverage / (al.coverage + bl.coverage) if al.coverage else 0.0
    fuzzy = max(fuzz.token_sort_ratio(a.name.core, b.name.core), fuzz.ratio(a.concat, b.concat))
    short, long_ = sorted((a.name.core, b.name.core), key=lambda s: (len(s), s))
    return {
        "tokens": tokens,
        "fuzzy": fuzzy / 100.0,
        "token_set": fuzz.token_set_ratio(a.name.core, b.name.core) / 100.0,
        "partial": fuzz.partial_ratio(short, long_) / 100.0,
        "acronym": float(_acronym_match(a, b)),
        "unmatched": float(al.unmatched + bl.unmatched),
        "rare_total": float(min(al.rare_total, bl.rare_total)),
        "rare_matched": float(al.rare_matched + bl.rare_matched),
        "rare_inexact": float(al.rare_inexact + bl.rare_inexact),
        "rare_edits": float(max(al.rare_edits, bl.rare_edits)),
    }


def _acronym_match(a: PreparedRecord, b: PreparedRecord) -> bool:
    return bool(a.initials and a.initials == b.plain) or bool(b.initials and b.initials == a.plain)


def _numbers_differ(a: PreparedRecord, b: PreparedRecord) -> bool:
    na = {t for t in a.name.tokens if t.isdigit()}
    nb = {t for t in b.name.tokens if t.isdigit()}
    return na != nb and bool(na or nb)


def _context_adjust(a: PreparedRecord, b: PreparedRecord, sig: dict[str, float]) -> list[str]:
    """Country, city, legal form and domain: moves of the score, with their reasons."""
    reasons, adjust = [], 0.0
    if a.country and b.country and a.country != b.country:
        adjust -= 0.35
        reasons.append("countries differ")
    if a.city and b.city:
        same_city = a.city == b.city
        adjust += 0.04 if same_city else -0.25
        if not same_city:
            reasons.append("cities differ")
    forms = forms_compatible(a.name.legal_form, b.name.legal_form)
    if forms == 0.0:
        adjust -= 0.2
        reasons.append("legal forms differ")
    elif forms < 1.0:
        adjust -= 0.03
    elif a.name.legal_form and a.name.legal_form == b.name.legal_form:
        adjust += 0.02
    if a.domain and a.domain == b.domain:
        adjust += 0.08
        reasons.append("same website")
    sig["context"] = adjust
    return reasons


def _identifier_rule(a: PreparedRecord, b: PreparedRecord) -> tuple[str, str] | None:
    """("same"|"conflict", scheme) from the valid identifiers both records carry."""
    shared = sorted(set(a.ids) & set(b.ids))
    same = [s for s in shared if a.ids[s] == b.ids[s]]
    if same:
        return "same", same[0]
    return ("conflict", shared[0]) if shared else None


def decide(score: float) -> str:
    if score >= MATCH_THRESHOLD:
        return "match"
    return "review" if score >= REVIEW_THRESHOLD else "non_match"


def _caps(sig: dict[str, float], a: PreparedRecord, b: PreparedRecord) -> tuple[float, str]:
    """Upper bound on the score from what the names cannot tell apart, with its reason."""
    if not a.name.tokens or not b.name.tokens:
        return 0.0, "empty name"
    if _numbers_differ(a, b):
        return 0.3, "numbers differ"
    if sig["rare_matched"] == 0 and sig["rare_total"] > 0 and not sig["acronym"]:
        return 0.4, "no rare word shared"
    if sig["rare_matched"] == 0 and sig["unmatched"] > 0 and not sig["acronym"]:
        return 0.45, "only generic words shared"
    if sig["unmatched"] > 0 and not sig["acronym"]:
        return MATCH_THRESHOLD - 0.01, "extra words"
    # One letter apart is a typo as often as another firm ("Enersol" / "Enersoil"): without
    # a second witness (same city or website) such a pair goes to review. Two or more edits
    # apart is rarely a typo and often a neighbour with a similar made-up name; a city holds
    # thousands of firms in a registry, so only a shared website backs such a pair.
    same_site = a.domain is not None and a.domain == b.domain
    corroborated = same_site or (a.city is not None and a.city == b.city)
    if sig["rare_edits"] > 1 and not same_site:
        return MATCH_THRESHOLD - 0.01, "rare word spelt several letters apart"
    if sig["rare_inexact"] > 0 and not corroborated:
        return MATCH_THRESHOLD - 0.01, "rare word spelt differently"
    if sig["rare_total"] == 0 and not corroborated:
        return MATCH_THRESHOLD - 0.01, "only common words"
    return 1.0, ""


def score_prepared(
    a: PreparedRecord, b: PreparedRecord, stats: TokenStats | None = None
) -> MatchScore:
    sig = _name_signals(a, b, stats or _NO_STATS)
    name = 0.65 * sig["tokens"] + 0.35 * sig["fuzzy"]
    reasons = _context_adjust(a, b, sig)
    if sig["acronym"]:
        # An acronym fits many names; it earns review, or a match only with a shared website.
        name = max(name, 0.75)
        reasons.append("acronym")
    sig["name"] = name
    cap, why = _caps(sig, a, b)
    score = min(max(name + sig["context"], 0.0), 1.0)
    if cap < 1.0:
        score, reasons = min(score, cap), [why, *reasons]
    ident = _identifier_rule(a, b)
    if ident and ident[0] == "same":
        score, reasons = max(score, 0.98), [f"same {ident[1]}"]
    elif ident:
        score, reasons = min(score, 0.1), [f"different {ident[1]}"]
    score = round(score, 4)
    reason = "; ".join(r for r in reasons if r) or (
        "names agree" if score >= MATCH_THRESHOLD else ""
    )
    return MatchScore(score, decide(score), sig, reason)


def match_score(a: NameRecord, b: NameRecord, stats: TokenStats | None = None) -> MatchScore:
    """Symmetric match score of two records with its decision and signals."""
    return score_prepared(prepare(a), prepare(b), stats)


def choose_threshold(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Automatic threshold from labelled pairs: the lowest threshold on a 0.01 grid above
    every labelled non-match, i.e. the best recall at which no non-match is merged."""
    top_neg = max((s for s, y in zip(scores, labels, strict=True) if not y), default=0.0)
    return min(1.0, (math.floor(top_neg * 100 + 1e-9) + 1) / 100)
