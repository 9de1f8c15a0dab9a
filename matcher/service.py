"""The cluster service: the store (truth) and the engine (derived index) kept in step.

Writes go to the store first, in one transaction, then to the index; writes are
serialised so the index sees them in the store's order. If the index update fails, the
store already holds the change and the next start rebuilds the stale index from it.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from matcher.engine import Matchmaker
from matcher.errors import DataValidationError, Problem
from matcher.filters import Filters
from matcher.index_sync import RebuildPolicy
from matcher.loading import (
    NEED_COLUMNS,
    ORG_COLUMNS,
    PARTNERSHIP_COLUMNS,
    parse_needs,
    parse_organisations,
    parse_partnerships,
    read_table,
    records_of,
    unknown_columns,
)
from matcher.model import Need, Organisation, Partnership
from matcher.names import MergeEntry, NameIndex, NameRecord, find_duplicates
from matcher.results import ResultList
from matcher.settings import EngineSettings
from matcher.sources import load_cluster
from matcher.store import Store
from matcher.store.codec import need_from_record, org_from_record
from matcher.store.merges import merge_organisations, undo_organisation_merge
from matcher.taxonomy import Taxonomy, load_taxonomy

log = logging.getLogger(__name__)
SEED_ACTOR = "seed"


@dataclass(frozen=True)
class DuplicateOut:
    left_id: str
    right_id: str
    score: float
    decision: str  # "match" (merge is likely right) or "review" (a person should look)
    reason: str
    against_existing: bool


@dataclass(frozen=True)
class ImportReport:
    entity: str
    created: int
    updated: int
    warnings: tuple[str, ...]
    # likely duplicates among the imported records and with existing ones; nothing is
    # merged until someone asks (POST /v1/merges, `matcher merge`)
    duplicates: tuple[DuplicateOut, ...] = ()


class ClusterService:
    def __init__(
        self,
        store: Store,
        engine: Matchmaker,
        taxonomy: Taxonomy,
        detect_language: Callable[[str], str] | None = None,
    ) -> None:
        self.store, self.engine, self.taxonomy = store, engine, taxonomy
        self.detect_language = detect_language
        self._write_lock = threading.Lock()
        self._names: NameIndex | None = None  # built on the first name search after a change

    @classmethod
    def open(
        cls,
        settings: EngineSettings,
        store: Store,
        seed_dir: Path | None = None,
        encoder: Any = None,
        detect_language: Callable[[str], str] | None = None,
        policy: RebuildPolicy = "auto",
    ) -> ClusterService:
        """Seed an empty store from a data folder, then open the engine on the store."""
        taxonomy = load_taxonomy(settings.taxonomy_path)
        if seed_dir is not None and store.is_empty():
            seed = load_cluster(seed_dir, taxonomy, detect_language).cluster
            store.write_batch(
                SEED_ACTOR,
                list(seed.organisations.values()),
                list(seed.needs.values()),
                seed.partnerships,
                action="seed",
            )
        cluster = store.load_cluster(taxonomy)
        engine = Matchmaker.from_cluster(
            cluster, settings, encoder, policy, taxonomy, detect_language
        )
        return cls(store, engine, taxonomy, detect_language)

    # --- organisations -------------------------------------------------------------------
    def put_organisation(self, record: Mapping[str, Any], actor: str) -> tuple[Organisation, bool]:
        org = self._with_language(org_from_record(record, self.taxonomy))
        with self._write_lock:
            summary = self.store.write_batch(actor, orgs=[org])
            self.engine.upsert_organisation(org)
            self.engine.save()
            self._names = None
        return org, summary.created == 1

    def delete_organisation(self, org_id: str, actor: str) -> None:
        with self._write_lock:
            self.store.delete_organisation(org_id, actor)
            self.engine.remove_organisation(org_id)
            self.engine.save()
            self._names = None

    def find_names(self, query: str, k: int = 50) -> list[str]:
        """Organisation ids whose name matches, whatever the script, spelling or legal form."""
        names = self._names
        if names is None:
            orgs = self.engine.cluster.organisations.values()
            names = self._names = NameIndex(name_record(o) for o in orgs)
        return [ident for ident, _ in names.search(query, k)]

    # --- needs -------------------------------------------------------------------------
    def put_need(self, record: Mapping[str, Any], actor: str) -> tuple[Need, bool]:
        need = need_from_record(record, self.taxonomy)
        self._check_owner(need)
        with self._write_lock:
            summary = self.store.write_batch(actor, needs=[need])
            self.engine.upsert_need(need)
        return need, summary.created == 1

    def delete_need(self, need_id: str, actor: str) -> None:
        with self._write_lock:
            self.store.delete_need(need_id, actor)
            self.engine.remove_need(need_id)

    def _check_owner(self, need: Need) -> None:
        if need.owner_id and need.owner_id not in self.engine.cluster.organisations:
            problem = Problem(f"unknown organisation {need.owner_id!r}", column="owner_id")
            raise DataValidationError([problem], "invalid need")

    # --- partnerships and feedback ------------------------------------------------------
    def add_partnership(self, link: Partnership, actor: str) -> None:
        self.engine.cluster.organisation(link.a)  # NotFoundError before anything is written
        self.engine.cluster.organisation(link.b)
        with self._write_lock:
            self.store.write_batch(actor, partnerships=[link])
            self.engine.add_partnership(link)

    def partners(self, org_id: str, k: int, filters: Filters) -> ResultList:
        """Partner suggestions without the candidates this organisation rejected before."""
        return self.engine.partners(org_id, k, filters, exclude=self.store.rejected_for(org_id))

    # --- import --------------------------------------------------------------------------
    def import_file(self, entity: str, filename: str, content: bytes, actor: str) -> ImportReport:
        """Validate a whole file, then write it in one transaction: all rows or none."""
        records = _records_from_upload(filename, content)
        if entity == "organisations":
            return self._import_orgs(records, filename, actor)
        if entity == "needs":
            return self._import_needs(records, filename, actor)
        return self._import_partnerships(records, filename, actor)

    def _import_orgs(self, records: list[dict[str, Any]], source: str, actor: str) -> ImportReport:
        orgs, problems = parse_organisations(records, self.taxonomy, source, self.detect_language)
        _raise_if(problems, source)
        with self._write_lock:
            summary = self.store.write_batch(actor, orgs=orgs, action="import")
            self.engine.upsert_organisations(orgs)
            self.engine.save()
            self._names = None
        notes = tuple(unknown_columns(records, ORG_COLUMNS, source))
        return ImportReport(
            "organisations", summary.created, summary.updated, notes, self.duplicates(orgs)
        )

    def _import_needs(self, records: list[dict[str, Any]], source: str, actor: str) -> ImportReport:
        needs, problems = parse_needs(records, self.taxonomy, source)
        known = self.engine.cluster.organisations
        problems += [
            Problem(f"unknown organisation {n.owner_id!r}", row, "owner_id", source)
            for row, n in enumerate(needs, 1)
            if n.owner_id and n.owner_id not in known
        ]
        _raise_if(problems, source)
        with self._write_lock:
            summary = self.store.write_batch(actor, needs=needs, action="import")
            for need in needs:
                self.engine.upsert_need(need)
        notes = tuple(unknown_columns(records, NEED_COLUMNS, source))
        return ImportReport("needs", summary.created, summary.updated, notes)

    def _import_partnerships(
        self, records: list[dict[str, Any]], source: str, actor: str
    ) -> ImportReport:
        links, problems = parse_partnerships(records, source)
        known = self.engine.cluster.organisations
        problems += [
            Problem(f"unknown organisation {ident!r}", row, column, source)
            for row, link in enumerate(links, 1)
            for column, ident in (("a", link.a), ("b", link.b))
            if ident and ident not in known
        ]
        _raise_if(problems, source)
        with self._write_lock:
            summary = self.store.write_batch(actor, partnerships=links, action="import")
            for link in links:
                self.engine.add_partnership(link)
        notes = tuple(unknown_columns(records, PARTNERSHIP_COLUMNS, source))
        return ImportReport("partnerships", summary.created, summary.updated, notes)

    # --- duplicates and merges ---------------------------------------------------------
    def duplicates(self, orgs: Sequence[Organisation] | None = None) -> tuple[DuplicateOut, ...]:
        """Likely duplicates among `orgs` and with the rest (all organisations when None)."""
        everyone = self.engine.cluster.organisations
        batch = list(everyone.values()) if orgs is None else list(orgs)
        ids = {o.id for o in batch}
        existing = [name_record(o) for i, o in everyone.items() if i not in ids]
        report = find_duplicates([name_record(o) for o in batch], existing)
        return tuple(
            DuplicateOut(
                p.left_id,
                p.right_id,
                round(p.score, 4),
                p.decision,
                p.match.reason,
                p.against_existing,
            )
            for p in report.pairs
        )

    def merge(
        self, ids: Sequence[str], survivor_id: str, choose: Mapping[str, str], actor: str
    ) -> MergeEntry:
        with self._write_lock:
            entry = merge_organisations(self.store, ids, survivor_id, choose, actor)
            self._resync(entry.merged_ids)
        return entry

    def unmerge(self, merge_id: str, actor: str, force: bool = False) -> MergeEntry:
        with self._write_lock:
            entry = undo_organisation_merge(self.store, merge_id, actor, force)
            self._resync(entry.merged_ids)
        return entry

    def _resync(self, ids: Sequence[str]) -> None:
        """Bring the engine in line with the store for these organisations and all links."""
        cluster = self.store.load_cluster(self.taxonomy)
        present = [cluster.organisations[i] for i in ids if i in cluster.organisations]
        for gone in (i for i in ids if i not in cluster.organisations):
            if gone in self.engine.cluster.organisations:
                self.engine.remove_organisation(gone)
        self.engine.upsert_organisations(present)
        self.engine.set_partnerships(cluster.partnerships)
        self.engine.save()
        self._names = None

    def _with_language(self, org: Organisation) -> Organisation:
        if org.language or self.detect_language is None:
            return org
        return replace(org, language=self.detect_language(org.profile_text()))


def name_record(org: Organisation) -> NameRecord:
    return NameRecord(org.id, org.name, org.country, org.city, org.identifiers, org.website or None)


def _records_from_upload(filename: str, content: bytes) -> list[dict[str, Any]]:
    suffix = Path(filename).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        return records_of(read_table(path))


def _raise_if(problems: Sequence[Problem], source: str) -> None:
    if problems:
        raise DataValidationError(
            problems, f"{source}: {len(problems)} problem(s), nothing imported"
        )
