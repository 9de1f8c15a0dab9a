"""Deduplication with its two costly steps on Ray: preparing names, scoring pairs.

`RayScorer` is a `matcher.names.PairScorer`: `find_duplicates` keeps the blocking, the
decisions (match, review band, non-match) and the report, so a batch job finds exactly the
pairs the single-process path finds. One actor per worker prepares slices of
`records_per_task` names; the prepared slices stay in the object store, every actor reads
them all once, and the candidate pairs are shared out in slices of `pairs_per_task` (any
slice is scored on its own, see `score_candidates`). The blocking runs in this process.

A registry file for a batch job is a CSV with the columns of `REGISTRY_COLUMNS` (id and
name required; identifiers separated by ';').
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from matcher.batch.runtime import ray_session, worker_count
from matcher.errors import ConfigError, DataValidationError, Problem
from matcher.names import DuplicateReport, MergeEntry, NameRecord, find_duplicates
from matcher.names.blocking import BlockingConfig, Candidates
from matcher.names.dedup import ScoredPairs, score_candidates
from matcher.names.scoring import PreparedRecord, TokenStats, prepare
from matcher.settings import BatchSettings

if TYPE_CHECKING:  # the actors import this module: not the whole service with them
    from matcher.service import ClusterService

REGISTRY_COLUMNS = ("id", "name", "country", "city", "identifiers", "website")


def dedup_on_ray(
    records: Sequence[NameRecord],
    existing: Sequence[NameRecord] = (),
    settings: BatchSettings | None = None,
    show_progress: bool = False,
) -> DuplicateReport:
    """`find_duplicates` with names prepared and pairs scored on Ray."""
    settings = settings or BatchSettings()
    with ray_session(settings) as ray:
        scorer = RayScorer(ray, settings, worker_count(ray, settings), show_progress)
        try:
            return find_duplicates(records, existing, scorer=scorer)
        finally:
            scorer.close()


class _NameActor:
    """One worker for the job: prepares slices of names, then holds every prepared record
    and the token statistics (read once from the object store) and scores slices of pairs."""

    def __init__(self) -> None:
        self.prepared: list[PreparedRecord] = []
        self.stats = TokenStats({}, 0)
        self.config = BlockingConfig()

    def prepare(self, records: Sequence[NameRecord]) -> list[PreparedRecord]:
        return [prepare(r) for r in records]

    def load(self, parts: list[Any], stats: TokenStats, config: BlockingConfig) -> int:
        import ray  # in the worker, where Ray is running

        self.prepared = [p for part in ray.get(parts) for p in part]
        self.stats, self.config = stats, config
        return len(self.prepared)

    def score(self, forced: np.ndarray, proposed: np.ndarray, keep_all: bool) -> ScoredPairs:
        return score_candidates(
            self.prepared, forced.tolist(), proposed.tolist(), self.stats, self.config, keep_all
        )


class RayScorer:
    """Prepares names and scores candidate pairs on the Ray this process is connected to.

    The same actors do both steps, so each worker starts once; the prepared slices stay in
    the object store between the steps (the driver reads them for the blocking, the actors
    read them for the scoring) and are never sent back in again."""

    def __init__(
        self, ray: ModuleType, settings: BatchSettings, workers: int, show_progress: bool = False
    ) -> None:
        self.ray, self.settings, self.workers = ray, settings, workers
        self.show_progress = show_progress
        self._actors: list[Any] = []
        self._parts: list[Any] = []  # object refs of the prepared slices, in order
        self._prepared: list[PreparedRecord] | None = None

    def prepare_all(self, records: Sequence[NameRecord]) -> list[PreparedRecord]:
        actors = self._started()
        size = self.settings.records_per_task
        self._parts = [
            actors[n % len(actors)].prepare.remote(list(records[start : start + size]))
            for n, start in enumerate(range(0, len(records), size))
        ]
        parts = self._gathered(self._parts, "preparing names")
        self._prepared = [p for part in parts for p in part]
        return self._prepared

    def score_all(
        self,
        prepared: Sequence[PreparedRecord],
        candidates: Candidates,
        stats: TokenStats,
        config: BlockingConfig,
        include_non_match: bool,
    ) -> ScoredPairs:
        actors = self._started()
        if prepared is not self._prepared:  # prepared elsewhere: sent in once
            self._parts = [self.ray.put(list(prepared))]
        stats_ref = self.ray.put(stats)
        found: list[Any] = []
        compared = 0
        try:
            self.ray.get([a.load.remote(self._parts, stats_ref, config) for a in actors])
            pool = self.ray.util.ActorPool(actors)
            results = pool.map(
                lambda a, pairs: a.score.remote(*pairs, include_non_match),
                self._slices(candidates),
            )
            for part in self._progress(results, self._count_slices(candidates), "scoring pairs"):
                found.extend(part.found)
                compared += part.compared
        finally:
            self.close()
        return ScoredPairs(found, compared)

    def close(self) -> None:
        """Stop the actors (they hold a CPU each) and let go of the prepared slices."""
        for a in self._actors:
            self.ray.kill(a)
        self._actors, self._parts, self._prepared = [], [], None

    def _started(self) -> list[Any]:
        if not self._actors:
            actor = self.ray.remote(_NameActor).options(num_cpus=1)
            self._actors = [actor.remote() for _ in range(self.workers)]
        return self._actors

    def _count_slices(self, candidates: Candidates) -> int:
        total = len(candidates.forced) + len(candidates.proposed)
        return max(1, -(-total // self.settings.pairs_per_task))

    def _slices(self, candidates: Candidates) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Forced and proposed pairs in slices of about `pairs_per_task` pairs each."""
        forced = np.asarray(candidates.forced, dtype=np.int64).reshape(-1, 2)
        proposed = np.asarray(candidates.proposed, dtype=np.int64).reshape(-1, 2)
        slices = self._count_slices(candidates)
        yield from zip(
            np.array_split(forced, slices), np.array_split(proposed, slices), strict=True
        )

    def _gathered(self, refs: list[Any], label: str) -> Iterator[Any]:
        """Results in the order of `refs`, as they come in."""
        return self._progress((self.ray.get(ref) for ref in refs), len(refs), label)

    def _progress(self, results: Iterator[Any], total: int, label: str) -> Iterator[Any]:
        from tqdm import tqdm

        with tqdm(total=total, desc=label, unit="task", disable=not self.show_progress) as bar:
            for result in results:
                yield result
                bar.update(1)


def merge_matches(service: ClusterService, report: DuplicateReport, actor: str) -> list[MergeEntry]:
    """Each group linked by match pairs becomes one record through the service's merge,
    the first id surviving; each merge is undoable. Review pairs are left to a person."""
    return [service.merge(list(ids), ids[0], {}, actor) for ids in report.clusters("match")]


def read_registry(path: Path) -> list[NameRecord]:
    """Name records from a registry CSV; a bad file names the row and the column, and
    nothing is returned."""
    if not path.is_file():
        raise ConfigError(f"not found: {path}")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        absent = [c for c in ("id", "name") if c not in (reader.fieldnames or ())]
        if absent:
            raise DataValidationError(
                [Problem(f"missing column {c!r}", source=path.name) for c in absent],
                f"{path.name}: not a registry file",
            )
        records: list[NameRecord] = []
        problems: list[Problem] = []
        seen: set[str] = set()
        for row_no, row in enumerate(reader, start=1):
            record = _registry_record(row, row_no, path.name, problems)
            if record is not None and record.id in seen:
                problems.append(Problem(f"id {record.id!r} again", row_no, "id", path.name))
            elif record is not None:
                seen.add(record.id)
                records.append(record)
    if problems:
        raise DataValidationError(problems, f"{path.name}: {len(problems)} problem(s)")
    return records


def _registry_record(
    row: dict[str, str | None], row_no: int, source: str, problems: list[Problem]
) -> NameRecord | None:
    ident, name = (row.get("id") or "").strip(), (row.get("name") or "").strip()
    for column, value in (("id", ident), ("name", name)):
        if not value:
            problems.append(Problem("empty", row_no, column, source))
    if not ident or not name:
        return None
    identifiers = tuple(i.strip() for i in (row.get("identifiers") or "").split(";") if i.strip())
    return NameRecord(
        ident,
        name,
        (row.get("country") or "").strip() or None,
        (row.get("city") or "").strip() or None,
        identifiers,
        (row.get("website") or "").strip() or None,
    )
