"""Deduplication at import, and a pure, serialisable merge history with undo.

`find_duplicates` only reports: likely duplicates of existing records and of each other.
Merging happens when asked for (`merge_records`), records which ids became one and which
field came from which record, and `undo_merge` gives the original records back exactly.
Storage is the caller's business: records here are plain dicts.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from matcher.names.blocking import (
    BlockingConfig,
    BlockingStats,
    Candidates,
    close_enough,
    propose_pairs,
)
from matcher.names.scoring import (
    MatchScore,
    NameRecord,
    PreparedRecord,
    TokenStats,
    prepare,
    score_prepared,
)

__all__ = [
    "DuplicatePair",
    "DuplicateReport",
    "MergeConflictError",
    "MergeEntry",
    "MergeLog",
    "PairScorer",
    "ScoredPairs",
    "find_duplicates",
    "merge_records",
    "score_candidates",
    "undo_merge",
]


@dataclass(frozen=True)
class DuplicatePair:
    left_id: str  # the imported record (or the first by id when both are imported)
    right_id: str
    match: MatchScore
    against_existing: bool  # right_id is an existing record

    @property
    def score(self) -> float:
        return self.match.score

    @property
    def decision(self) -> str:
        return self.match.decision


@dataclass(frozen=True)
class DuplicateReport:
    pairs: tuple[DuplicatePair, ...]  # best first
    n_records: int
    n_existing: int
    blocking: BlockingStats

    def by_decision(self, decision: str) -> tuple[DuplicatePair, ...]:
        return tuple(p for p in self.pairs if p.decision == decision)

    def clusters(self, decision: str = "match") -> list[tuple[str, ...]]:
        """Groups of ids linked by pairs of that decision (transitively), largest first."""
        parent: dict[str, str] = {}

        def root(x: str) -> str:
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for p in self.by_decision(decision):
            parent[root(p.left_id)] = root(p.right_id)
        groups: dict[str, list[str]] = {}
        for x in parent:
            groups.setdefault(root(x), []).append(x)
        return sorted((tuple(sorted(g)) for g in groups.values()), key=lambda g: (-len(g), g))

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_records": self.n_records,
            "n_existing": self.n_existing,
            "compared": self.blocking.compared,
            "pairs": [
                {
                    "left_id": p.left_id,
                    "right_id": p.right_id,
                    "score": p.score,
                    "decision": p.decision,
                    "reason": p.match.reason,
                    "against_existing": p.against_existing,
                }
                for p in self.pairs
            ],
        }


@dataclass(frozen=True)
class ScoredPairs:
    found: list[tuple[int, int, MatchScore]]  # index pairs and their scores, as kept
    compared: int  # pairs that reached the full scorer


def score_candidates(
    prepared: Sequence[PreparedRecord],
    forced: Sequence[tuple[int, int]],
    proposed: Sequence[tuple[int, int]],
    stats: TokenStats,
    config: BlockingConfig,
    include_non_match: bool = False,
) -> ScoredPairs:
    """Score every forced pair and the proposed ones that pass the prefilter; non-matches
    are dropped unless asked for. Any slice of the candidates can be scored on its own."""
    kept = [(i, j) for i, j in proposed if close_enough(prepared[i], prepared[j], config.prefilter)]
    found = []
    for i, j in [*forced, *kept]:
        result = score_prepared(prepared[i], prepared[j], stats)
        if include_non_match or result.decision != "non_match":
            found.append((i, j, result))
    return ScoredPairs(found, len(forced) + len(kept))


class PairScorer(Protocol):
    """Where the two costly steps of deduplication run (by default, in this process)."""

    def prepare_all(self, records: Sequence[NameRecord]) -> list[PreparedRecord]: ...

    def score_all(
        self,
        prepared: Sequence[PreparedRecord],
        candidates: Candidates,
        stats: TokenStats,
        config: BlockingConfig,
        include_non_match: bool,
    ) -> ScoredPairs: ...


class LocalScorer:
    def prepare_all(self, records: Sequence[NameRecord]) -> list[PreparedRecord]:
        return [prepare(r) for r in records]

    def score_all(
        self,
        prepared: Sequence[PreparedRecord],
        candidates: Candidates,
        stats: TokenStats,
        config: BlockingConfig,
        include_non_match: bool,
    ) -> ScoredPairs:
        return score_candidates(
            prepared, candidates.forced, candidates.proposed, stats, config, include_non_match
        )


def find_duplicates(
    records: Sequence[NameRecord],
    existing: Sequence[NameRecord] = (),
    *,
    stats: TokenStats | None = None,
    include_non_match: bool = False,
    config: BlockingConfig | None = None,
    scorer: PairScorer | None = None,
) -> DuplicateReport:
    """Likely duplicates among `records` and between them and `existing` (never all pairs).

    Token rarity comes from `stats` or, by default, from the records and existing ones.
    `scorer` runs the preparation and the pair scoring elsewhere (matcher.batch: on Ray);
    the blocking, the decisions and the report are the same wherever they run."""
    config, scorer = config or BlockingConfig(), scorer or LocalScorer()
    everything = [*records, *existing]
    prepared = scorer.prepare_all(everything)
    stats = stats or TokenStats.from_names(p.name for p in prepared)
    candidates = propose_pairs(prepared, len(records), stats, config)
    scored = scorer.score_all(prepared, candidates, stats, config, include_non_match)
    pairs = []
    for i, j, result in scored.found:
        left, right = everything[i].id, everything[j].id
        if j < len(records) and right < left:
            left, right = right, left
        pairs.append(DuplicatePair(left, right, result, j >= len(records)))
    pairs.sort(key=lambda p: (-p.score, p.left_id, p.right_id))
    return DuplicateReport(
        tuple(pairs), len(records), len(existing), candidates.stats(scored.compared)
    )


class MergeConflictError(ValueError):
    """A merge or undo that would lose data (record edited since, or merged again later)."""


Record = dict[str, Any]


@dataclass(frozen=True)
class MergeEntry:
    merge_id: str
    survivor_id: str
    merged_ids: tuple[str, ...]  # all ids that became one, survivor first
    chosen: tuple[tuple[str, str], ...]  # (field, id of the record its value came from)
    originals: tuple[Record, ...] = field(compare=False)
    result: Record = field(compare=False)
    actor: str = ""
    timestamp: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "merge_id": self.merge_id,
            "survivor_id": self.survivor_id,
            "merged_ids": list(self.merged_ids),
            "chosen": [list(c) for c in self.chosen],
            "originals": copy.deepcopy(list(self.originals)),
            "result": copy.deepcopy(self.result),
            "actor": self.actor,
            "timestamp": self.timestamp,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MergeEntry:
        return cls(
            merge_id=data["merge_id"],
            survivor_id=data["survivor_id"],
            merged_ids=tuple(data["merged_ids"]),
            chosen=tuple((f, src) for f, src in data["chosen"]),
            originals=tuple(copy.deepcopy(list(data["originals"]))),
            result=copy.deepcopy(dict(data["result"])),
            actor=data.get("actor", ""),
            timestamp=data.get("timestamp", ""),
            note=data.get("note", ""),
        )


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict | tuple | set) and not value)


def _pick(
    field_name: str, ordered: Sequence[Mapping[str, Any]], choose: Mapping[str, str], id_field: str
) -> Mapping[str, Any] | None:
    """The record whose value of `field_name` survives: the caller's choice, else the first
    non-empty one (survivor first)."""
    if field_name in choose:
        source = next((r for r in ordered if r[id_field] == choose[field_name]), None)
        if source is None:
            raise ValueError(f"{field_name}: record {choose[field_name]!r} is not being merged")
        return source
    holders = [r for r in ordered if field_name in r]
    return next((r for r in holders if not _empty(r[field_name])), holders[0] if holders else None)


def merge_records(
    records: Sequence[Mapping[str, Any]],
    survivor_id: str | None = None,
    *,
    choose: Mapping[str, str] | None = None,
    actor: str = "",
    timestamp: str = "",
    note: str = "",
    merge_id: str | None = None,
    id_field: str = "id",
) -> tuple[Record, MergeEntry]:
    """Merge records (plain dicts with an id) into one; returns it and the history entry.

    `choose` maps a field to the id of the record whose value to keep; other fields take the
    survivor's value unless it is empty. `actor` and `timestamp` are recorded as given."""
    if len(records) < 2:
        raise ValueError("a merge needs at least two records")
    ids = [r[id_field] for r in records]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate ids in merge: {ids}")
    survivor_id = ids[0] if survivor_id is None else survivor_id
    if survivor_id not in ids:
        raise ValueError(f"survivor {survivor_id!r} is not among {ids}")
    ordered = sorted(records, key=lambda r: r[id_field] != survivor_id)
    fields = list(dict.fromkeys(k for r in ordered for k in r if k != id_field))
    merged: Record = {id_field: survivor_id}
    chosen = []
    for name in fields:
        source = _pick(name, ordered, choose or {}, id_field)
        if source is not None and name in source:
            merged[name] = copy.deepcopy(source[name])
            chosen.append((name, str(source[id_field])))
    merged_ids = tuple(str(r[id_field]) for r in ordered)
    entry = MergeEntry(
        merge_id=merge_id or _merge_id(merged_ids, timestamp),
        survivor_id=str(survivor_id),
        merged_ids=merged_ids,
        chosen=tuple(chosen),
        originals=tuple(copy.deepcopy(dict(r)) for r in ordered),
        result=copy.deepcopy(merged),
        actor=actor,
        timestamp=timestamp,
        note=note,
    )
    return merged, entry


def _merge_id(ids: Sequence[str], timestamp: str) -> str:
    digest = hashlib.sha1(json.dumps([list(ids), timestamp]).encode()).hexdigest()
    return f"merge-{digest[:12]}"


def undo_merge(
    entry: MergeEntry, current: Mapping[str, Any] | None = None, *, force: bool = False
) -> list[Record]:
    """The records exactly as they were before the merge, survivor first.

    With `current` (the merged record as stored now), refuses when it was edited after the
    merge, since undoing would silently drop that edit; `force` undoes anyway."""
    if current is not None and not force and dict(current) != entry.result:
        raise MergeConflictError(
            f"{entry.survivor_id} changed since {entry.merge_id}; pass force=True to undo anyway"
        )
    return [copy.deepcopy(r) for r in entry.originals]


@dataclass(frozen=True)
class MergeLog:
    """Append-only merge history; undone merges stay listed with who undid them and when."""

    entries: tuple[MergeEntry, ...] = ()
    undone: tuple[tuple[str, str, str], ...] = ()  # (merge_id, actor, timestamp)

    def add(self, entry: MergeEntry) -> MergeLog:
        if any(e.merge_id == entry.merge_id for e in self.entries):
            raise ValueError(f"merge {entry.merge_id} already logged")
        return MergeLog((*self.entries, entry), self.undone)

    def get(self, merge_id: str) -> MergeEntry:
        for e in self.entries:
            if e.merge_id == merge_id:
                return e
        raise KeyError(merge_id)

    def is_active(self, merge_id: str) -> bool:
        return merge_id not in {u[0] for u in self.undone}

    def lineage(self, record_id: str) -> list[MergeEntry]:
        """Active merges that involved `record_id`, oldest first."""
        return [e for e in self.entries if record_id in e.merged_ids and self.is_active(e.merge_id)]

    def undo(
        self,
        merge_id: str,
        *,
        actor: str = "",
        timestamp: str = "",
        current: Mapping[str, Any] | None = None,
        force: bool = False,
    ) -> tuple[MergeLog, list[Record]]:
        """Undo one merge; a later active merge of its survivor must be undone first."""
        entry = self.get(merge_id)
        if not self.is_active(merge_id):
            raise MergeConflictError(f"{merge_id} is already undone")
        position = self.entries.index(entry)
        later = [
            e.merge_id
            for e in self.entries[position + 1 :]
            if entry.survivor_id in e.merged_ids and self.is_active(e.merge_id)
        ]
        if later:
            raise MergeConflictError(f"undo {later[-1]} first: it merged {entry.survivor_id} again")
        originals = undo_merge(entry, current, force=force)
        return MergeLog(self.entries, (*self.undone, (merge_id, actor, timestamp))), originals

    def to_json(self) -> str:
        data = {"entries": [e.to_dict() for e in self.entries], "undone": self.undone}
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> MergeLog:
        data = json.loads(text)
        entries = tuple(MergeEntry.from_dict(e) for e in data["entries"])
        return cls(entries, tuple((m, a, t) for m, a, t in data["undone"]))
