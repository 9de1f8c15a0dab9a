"""Deduplication with its two costly steps on Ray: preparing names, scoring pairs.

`RayScorer` is a `matcher.names.PairScorer`: `find_duplicates` keeps the blocking, the
decisions (match, review band, non-match) and the report, so a batch job finds exactly the
pairs the single-process path finds. Names are prepared in tasks of `records_per_task`;
the prepared records and token statistics go to the object store once, every scoring
actor reads them once, and the candidate pairs are shared out in slices of
`pairs_per_task` (any slice is scored on its own, see `score_candidates`).

A registry file for a batch job is a CSV with the columns of `REGISTRY_COLUMNS` (id and
name required; identifiers separated by ';').
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from matcher.batch.runtime import ray_session, worker_count
from matcher.errors import DataValidationError, Problem
from matcher.names import DuplicateReport, NameRecord, find_duplicates
from matcher.names.blocking import BlockingConfig, Candidates
from matcher.names.dedup import ScoredPairs, score_candidates
from matcher.names.scoring import PreparedRecord, TokenStats, prepare
from matcher.settings import BatchSettings

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
        return find_duplicates(records, existing, scorer=scorer)


def _prepare_slice(records: Sequence[NameRecord]) -> list[PreparedRecord]:
    return [prepare(r) for r in records]


class _ScoringActor:
    """Holds the prepared records and the token statistics; scores slices of pairs."""

    def __init__(
        self, prepared: list[PreparedRecord], stats: TokenStats, config: BlockingConfig
    ) -> None:
        self.prepared, self.stats, self.config = prepared, stats, config

    def score(self, forced: np.ndarray, proposed: np.ndarray, keep_all: bool) -> ScoredPairs:
        return score_candidates(
            self.prepared, forced.tolist(), proposed.tolist(), self.stats, self.config, keep_all
        )


class RayScorer:
    """Prepares names and scores candidate pairs on the Ray this process is connected to."""

    def __init__(
        self, ray: ModuleType, settings: BatchSettings, workers: int, show_progress: bool = False
    ) -> None:
        self.ray, self.settings, self.workers = ray, settings, workers
        self.show_progress = show_progress

    def prepare_all(self, records: Sequence[NameRecord]) -> list[PreparedRecord]:
        task = self.ray.remote(_prepare_slice)
        size = self.settings.records_per_task
        refs = [task.remote(list(records[i : i + size])) for i in range(0, len(records), size)]
        return [p for part in self._gathered(refs, "preparing names") for p in part]

    def score_all(
        self,
        prepared: Sequence[PreparedRecord],
        candidates: Candidates,
        stats: TokenStats,
        config: BlockingConfig,
        include_non_match: bool,
    ) -> ScoredPairs:
        ray = self.ray
        shared = ray.put(list(prepared)), ray.put(stats)
        actor = ray.remote(_ScoringActor).options(num_cpus=1)
        actors = [actor.remote(*shared, config) for _ in range(self.workers)]
        refs = [
            actors[n % len(actors)].score.remote(forced, proposed, include_non_match)
            for n, (forced, proposed) in enumerate(self._slices(candidates))
        ]
        found: list[Any] = []
        compared = 0
        for part in self._gathered(refs, "scoring pairs"):
            found.extend(part.found)
            compared += part.compared
        for a in actors:
            ray.kill(a)
        return ScoredPairs(found, compared)

    def _slices(self, candidates: Candidates) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Forced and proposed pairs in slices of about `pairs_per_task` pairs each."""
        forced = np.asarray(candidates.forced, dtype=np.int64).reshape(-1, 2)
        proposed = np.asarray(candidates.proposed, dtype=np.int64).reshape(-1, 2)
        size = self.settings.pairs_per_task
        slices = max(1, -(-(len(forced) + len(proposed)) // size))
        yield from zip(
            np.array_split(forced, slices), np.array_split(proposed, slices), strict=True
        )

    def _gathered(self, refs: list[Any], label: str) -> Iterator[Any]:
        """Results in the order of `refs`, with a progress bar as they come in."""
        from tqdm import tqdm

        with tqdm(total=len(refs), desc=label, unit="task", disable=not self.show_progress) as bar:
            for ref in refs:
                yield self.ray.get(ref)
                bar.update(1)


def read_registry(path: Path) -> list[NameRecord]:
    """Name records from a registry CSV; a bad file names the row and the column, and
    nothing is returned."""
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
