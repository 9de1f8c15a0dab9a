"""Runs a protocol through the engine's own ranking code and collects the metrics.

`prepare` builds what the engine would hold for the CORDIS cluster (index, RankingState,
its derived arrays) once, and encodes every query text once (through the embedding cache).
`run` then asks, for each query, matcher.ranking.hybrid.text_signals for every component
of every organisation with the held-out project masked, and lets each ranker turn them
into scores; nothing is rebuilt per query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from embeddings import Encoder
from matcher.areas import AreaTagger
from matcher.chunking import build_index, centering_of
from matcher.cordis import CordisData
from matcher.evaluation.metrics import QueryMetrics, metrics_of, target_ranks
from matcher.evaluation.protocol import Case, Protocol, Query, half_of, slices_of
from matcher.ranking.hybrid import TextQueryArrays, TextSignals, text_signals
from matcher.ranking.state import RankingState
from matcher.settings import RankingSettings
from matcher.taxonomy import Taxonomy


@dataclass(frozen=True)
class Setup:
    data: CordisData
    protocol: Protocol
    state: RankingState
    cases: tuple[Case, ...]
    vectors: np.ndarray  # query vectors, one row per case


@dataclass(frozen=True)
class Scored:
    """One ranker's view of one query: what a Ranker receives."""

    setup: Setup
    case: Case
    signals: TextSignals


Ranker = Callable[[Scored], np.ndarray]


@dataclass
class Tally:
    """Per-query metrics of one ranker, by half and by slice."""

    by_half: dict[str, list[QueryMetrics]] = field(default_factory=dict)
    by_slice: dict[str, list[QueryMetrics]] = field(default_factory=dict)

    def add(self, half: str, overall: QueryMetrics, slices: Mapping[str, QueryMetrics]) -> None:
        self.by_half.setdefault(half, []).append(overall)
        for name, value in slices.items():
            self.by_slice.setdefault(name, []).append(value)


def prepare(
    data: CordisData,
    queries: Sequence[Query],
    protocol: Protocol,
    encoder: Encoder,
    taxonomy: Taxonomy,
    settings: RankingSettings,
    show_progress: bool = False,
) -> Setup:
    cluster = data.cluster(protocol.until_year)
    index = build_index(list(cluster.organisations.values()), encoder, show_progress)
    tagger = AreaTagger(taxonomy, encoder, settings.area_threshold, centering_of(index))
    state = RankingState(cluster, index, encoder, taxonomy, tagger, settings)
    cases = tuple(_cases(data, state, protocol, queries))
    texts = [c.text for c in cases]
    vectors = state.query_vectors(texts) if texts else np.zeros((0, encoder.dimension))
    return Setup(data, protocol, state, cases, vectors)


def _cases(
    data: CordisData, state: RankingState, protocol: Protocol, queries: Iterable[Query]
) -> Iterator[Case]:
    table = state.derived.table
    for query in queries:
        project = data.projects.get(query.project_id)
        if project is None or not protocol.asks(data, query):
            continue
        targets = [table.row_of[t] for t in query.targets if t in table.row_of]
        if not targets:
            continue  # time split: no target has a profile yet
        yield Case(
            query,
            f"{project.title}. {project.objective}".strip(),
            table.row_of.get(query.coordinator),
            np.asarray(targets, dtype=np.int64),
            protocol.holdout(data, table, query),
            half_of(query.project_id),
        )


def signals_of(setup: Setup, i: int) -> TextSignals:
    """Every component for query i, held-out data masked: the engine's own code path."""
    case = setup.cases[i]
    arrays = TextQueryArrays(case.text, setup.vectors[i])
    return text_signals(setup.state.derived, arrays, case.asker, case.holdout)


def run(
    setup: Setup, rankers: Mapping[str, Ranker], show_progress: bool = False
) -> dict[str, Tally]:
    tallies = {name: Tally() for name in rankers}
    for i in progress(range(len(setup.cases)), show_progress):
        case, signals = setup.cases[i], signals_of(setup, i)
        targets = case.scored(signals.candidates)
        if len(targets) == 0:
            continue
        slices = _slices(setup, case, targets)
        for name, ranker in rankers.items():
            scores = ranker(Scored(setup, case, signals))
            ranks = target_ranks(scores, signals.candidates, targets, setup.state.derived.id_rank)
            per_slice = {s: metrics_of(ranks[positions]) for s, positions in slices.items()}
            tallies[name].add(case.half, metrics_of(ranks), per_slice)
    return tallies


def _slices(setup: Setup, case: Case, targets: np.ndarray) -> dict[str, np.ndarray]:
    ids = [setup.state.derived.table.org_ids[t] for t in targets.tolist()]
    return slices_of(setup.data, case.query, ids)


def progress(items: range, show: bool) -> Iterable[int]:
    if not show:
        return items
    from tqdm import tqdm

    return tqdm(items, desc="queries", unit="q")
