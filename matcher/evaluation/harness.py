"""Runs a protocol through the engine's own ranking code and collects the metrics.

`prepare` builds what the engine would hold for the CORDIS cluster (its RankingState) once,
and encodes every query text once (through the embedding cache). `run` then ranks each
query with the engine's two stages (matcher.ranking.text.text_pool, then
matcher.ranking.hybrid.text_signals) with the held-out project masked, and lets each ranker
turn the signals into scores; nothing is rebuilt per query. `exhaustive` scores every
organisation (the exact ranking, the reference); otherwise the engine's candidate pool is
used, and a target the pool misses counts as not found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from embeddings import Encoder
from matcher.chunking import CAPABILITY_FIELDS
from matcher.cordis import CordisData, project_topics
from matcher.evaluation.metrics import QueryMetrics, metrics_of, target_ranks
from matcher.evaluation.protocol import Case, Protocol, Query, half_of, slices_of
from matcher.ranking.build import build_state
from matcher.ranking.hybrid import Holdout, TextQueryArrays, TextSignals, text_signals
from matcher.ranking.state import RankingState
from matcher.ranking.text import text_pool
from matcher.settings import RankingSettings
from matcher.taxonomy import Taxonomy

MISSED = 10**9  # the rank of a target the candidate pool did not bring in


@dataclass(frozen=True)
class Setup:
    data: CordisData
    protocol: Protocol
    state: RankingState
    cases: tuple[Case, ...]
    vectors: np.ndarray  # query vectors, one row per case
    exhaustive: bool = True

    @cached_property
    def id_rank(self) -> np.ndarray:
        """Row -> position of its id in sorted order: the engine's tie-break."""
        ids = self.state.index.catalog.ids
        order = np.argsort(np.asarray(ids, dtype=object), kind="stable")
        ranks = np.empty(len(ids), dtype=np.int64)
        ranks[order] = np.arange(len(ids))
        return ranks


@dataclass(frozen=True)
class Scored:
    """One ranker's view of one query: what a Ranker receives."""

    setup: Setup
    case: Case
    signals: TextSignals
    index: int = -1  # the case's position in setup.cases
    # what several rankers of one query share (the learned rankers' features)
    cache: dict[str, object] = field(default_factory=dict, compare=False)


Ranker = Callable[[Scored], np.ndarray]


@dataclass
class Tally:
    """Per-query metrics of one ranker, by half and by slice."""

    by_half: dict[str, list[QueryMetrics]] = field(default_factory=dict)
    by_slice: dict[str, list[QueryMetrics]] = field(default_factory=dict)
    # with the candidate pool: the share of the exact ranking's top 10 in the pool's top 10
    pool_recall: list[float] = field(default_factory=list)
    # the share of the real partners the ranker scores at all (its candidates hold them)
    candidate_recall: list[float] = field(default_factory=list)
    candidates: list[int] = field(default_factory=list)  # how many rows it scores

    # slices of each half: "report" ones are what training never saw
    by_half_slice: dict[tuple[str, str], list[QueryMetrics]] = field(default_factory=dict)

    def add(self, half: str, overall: QueryMetrics, slices: Mapping[str, QueryMetrics]) -> None:
        self.by_half.setdefault(half, []).append(overall)
        for name, value in slices.items():
            self.by_slice.setdefault(name, []).append(value)
            self.by_half_slice.setdefault((half, name), []).append(value)


def prepare(
    data: CordisData,
    queries: Sequence[Query],
    protocol: Protocol,
    encoder: Encoder,
    taxonomy: Taxonomy,
    settings: RankingSettings,
    show_progress: bool = False,
    exhaustive: bool = True,
) -> Setup:
    cluster = data.cluster(protocol.until_year)
    state = build_state(cluster, encoder, taxonomy, settings, show_progress=show_progress)
    cases = tuple(_cases(data, state, protocol, queries))
    texts = [c.text for c in cases]
    vectors = state.query_vectors(texts) if texts else np.zeros((0, encoder.dimension))
    return Setup(data, protocol, state, cases, vectors, exhaustive)


def _cases(
    data: CordisData, state: RankingState, protocol: Protocol, queries: Iterable[Query]
) -> Iterator[Case]:
    row_of = state.index.catalog.row_of
    for query in queries:
        project = data.projects.get(query.project_id)
        if project is None or not protocol.asks(data, query):
            continue
        holdout = protocol.holdout(data, row_of, query)
        rows = np.asarray([row_of[t] for t in query.targets if t in row_of], dtype=np.int64)
        targets = _with_usable_text(state, rows, holdout)
        if not len(targets):
            continue  # time split: no target has a profile yet
        text = f"{project.title}. {project.objective}".strip()
        asker = row_of.get(query.coordinator)
        half = half_of(query.project_id)
        yield Case(
            query, text, asker, targets, holdout, half, project.start_year, project_topics(project)
        )


def _with_usable_text(state: RankingState, rows: np.ndarray, holdout: Holdout) -> np.ndarray:
    """The rows a ranking can return: with a capability chunk outside the held-out project."""
    catalog = state.index.catalog
    slots, which = catalog.slots_of_rows(rows)
    usable = np.isin(catalog.field.view[slots], catalog.field_codes(CAPABILITY_FIELDS))
    usable &= ~np.isin(catalog.ref.view[slots], holdout.ref_codes(state))
    return rows[np.bincount(which[usable], minlength=len(rows)) > 0]


def query_arrays(setup: Setup, i: int) -> TextQueryArrays:
    case = setup.cases[i]
    terms = setup.state.lexicon.query_terms(case.text)
    return TextQueryArrays(case.text, setup.vectors[i], terms, year=case.year, topics=case.topics)


def signals_of(setup: Setup, i: int, exhaustive: bool | None = None) -> TextSignals:
    """Every component for query i, held-out data masked: the engine's own code path."""
    case, state = setup.cases[i], setup.state
    arrays = query_arrays(setup, i)
    terms = arrays.terms
    hidden = state.lexicon.hidden_texts(case.holdout.slots(state))
    stats = state.lexicon.statistics(terms, hidden)
    admitted = state.facts.alive.view.copy()
    if case.asker is not None:
        admitted[case.asker] = False
    exact = setup.exhaustive if exhaustive is None else exhaustive
    settings = state.settings  # the first cut weighs as the engine's default ranking does
    weights = settings.need_weights if case.asker is not None else settings.search_weights
    pool = text_pool(state, arrays, admitted, case.asker, stats, case.holdout, exact, weights)
    return text_signals(state, arrays, pool, stats, case.asker, case.holdout)


def ranks_of(
    setup: Setup, scores: np.ndarray, signals: TextSignals, targets: np.ndarray
) -> np.ndarray:
    """Each target's rank among the pool's candidates; MISSED for one outside the pool."""
    at = np.minimum(np.searchsorted(signals.rows, targets), len(signals.rows) - 1)
    found = (signals.rows[at] == targets) & signals.candidates[at]
    ranks = np.full(len(targets), MISSED, dtype=np.int64)
    id_rank = setup.id_rank[signals.rows]
    ranks[found] = target_ranks(scores, signals.candidates, at[found], id_rank)
    return ranks


def run(
    setup: Setup, rankers: Mapping[str, Ranker], show_progress: bool = False
) -> dict[str, Tally]:
    tallies = {name: Tally() for name in rankers}
    for i in progress(range(len(setup.cases)), show_progress):
        case, signals = setup.cases[i], signals_of(setup, i)
        exact = None if setup.exhaustive else signals_of(setup, i, exhaustive=True)
        slices = _slices(setup, case)
        scored = Scored(setup, case, signals, i)
        exact_scored = Scored(setup, case, exact, i) if exact is not None else None
        for name, ranker in rankers.items():
            scores = ranker(scored)
            ranks = ranks_of(setup, scores, signals, case.targets)
            per_slice = {s: metrics_of(ranks[positions]) for s, positions in slices.items()}
            tallies[name].add(case.half, metrics_of(ranks), per_slice)
            _count_candidates(tallies[name], scores, signals, ranks)
            if exact_scored is not None and exact is not None:
                exact_scores = ranker(exact_scored)
                tallies[name].pool_recall.append(
                    _overlap(setup, signals, scores, exact, exact_scores)
                )
    return tallies


def _count_candidates(
    tally: Tally, scores: np.ndarray, signals: TextSignals, ranks: np.ndarray
) -> None:
    count = int(np.count_nonzero(np.isfinite(scores) & signals.candidates))
    tally.candidates.append(count)
    if len(ranks):  # a target outside them ranks after every scored row
        tally.candidate_recall.append(float(np.mean(ranks <= count)))


def _overlap(
    setup: Setup,
    pooled: TextSignals,
    scores: np.ndarray,
    exact: TextSignals,
    exact_scores: np.ndarray,
) -> float:
    """Share of the exact top 10 rows that the pooled ranking's top 10 holds."""
    top = [
        set(_top10(setup, s, sc).tolist()) for s, sc in ((pooled, scores), (exact, exact_scores))
    ]
    return len(top[0] & top[1]) / max(len(top[1]), 1)


def _top10(setup: Setup, signals: TextSignals, scores: np.ndarray) -> np.ndarray:
    values = np.where(signals.candidates, scores, -np.inf)
    order = np.lexsort((setup.id_rank[signals.rows], -values))[:10]
    return signals.rows[order[np.isfinite(values[order])]]


NEWCOMERS = "targets: newcomers (at most one other project)"


def _slices(setup: Setup, case: Case) -> dict[str, np.ndarray]:
    ids = [setup.state.index.catalog.ids[t] for t in case.targets.tolist()]
    out = slices_of(setup.data, case.query, ids)
    # projects in each target's profile, the held-out one not counted
    projects = setup.state.facts.evidence.view[case.targets]
    projects = projects - np.isin(case.targets, case.holdout.group.members)
    newcomers = np.flatnonzero(projects <= 1)
    if len(newcomers):
        out[NEWCOMERS] = newcomers
    return out


def progress(items: range, show: bool) -> Iterable[int]:
    if not show:
        return items
    from tqdm import tqdm

    return tqdm(items, desc="queries", unit="q")
