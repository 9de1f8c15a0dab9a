"""The cluster service: the one door to the store (truth) and the engine (derived index),
for the CLI, the API and the pages.

Writes: validate and prepare (chunk and encode, no lock), then under the service's write
lock commit to the store (one transaction with its audit and change rows, and the receipt of
a request that carried an idempotency key), then apply to the engine, so the engine sees
changes in the store's order. A write is either committed whole or not at all; once it is
committed its caller hears so, even when the engine cannot take it (the follower reports
the service degraded and catches up from the change log, matcher.following). A saved index
that is behind the store catches up from the change log at the next start.
Queries: rejected candidates, limits and the engine's read lock are applied here and in
the engine, never in a router; what each role may see is matcher.visibility's rule.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from embeddings import CachedEncoder, Encoder
from embeddings.encoders import TextRole
from matcher.budget import EncoderBudget
from matcher.consortium import ConsortiumRequest, ConsortiumResult, build_consortium
from matcher.editing import member_edit_problems
from matcher.engine import EngineInfo, Matchmaker
from matcher.errors import (
    DataValidationError,
    MatchmakerError,
    NotFoundError,
    Problem,
    UnavailableError,
)
from matcher.filters import Filters
from matcher.following import IndexFollower
from matcher.gloss import load_glossaries
from matcher.index_sync import RebuildPolicy, cached_encoder, catch_up, open_engine
from matcher.model import Need, Organisation, Partnership
from matcher.names import DuplicateReport, MergeEntry, NameIndex, NameRecord, find_duplicates
from matcher.ranking.state import Prepared
from matcher.results import AreaScore, ResultList
from matcher.service_imports import ImportReport, ParsedImport, read_upload, validate_import
from matcher.settings import EngineSettings
from matcher.shortlist import Shortlist, ShortlistRequest, build_shortlist
from matcher.sources import load_cluster
from matcher.store import Store
from matcher.store.codec import need_from_record, org_from_record
from matcher.store.keys import ApiKey, Role, active_key, verify_key
from matcher.store.merges import merge_history, merge_organisations, undo_organisation_merge
from matcher.store.receipts import Receipt, StoredAnswer, recall
from matcher.store.store import WriteMode, WriteSummary
from matcher.store.watch import ChangeWatcher
from matcher.taxonomy import Taxonomy, load_taxonomy
from matcher.upkeep import SaveLease, Upkeep

log = logging.getLogger(__name__)
SEED_ACTOR = "seed"
AUDIT_FILTERS = frozenset({"actor", "action", "entity", "entity_id"})


@dataclass(frozen=True)
class Health:
    status: str  # "ok" or "degraded" (answering, but a part is damaged or behind)
    reasons: tuple[str, ...]  # what is wrong, one line each
    notes: tuple[str, ...]  # what was repaired at start-up
    applied_seq: int = 0  # the store's change sequence this process's engine holds
    store_seq: int = 0  # the store's newest change sequence (any process's writes)


@dataclass(frozen=True)
class DuplicateOut:
    left_id: str
    right_id: str
    score: float
    decision: str  # "match" (merge is likely right) or "review" (a person should look)
    reason: str
    against_existing: bool


class ClusterService:
    def __init__(
        self,
        store: Store,
        engine: Matchmaker,
        taxonomy: Taxonomy,
        detect_language: Callable[[str], str] | None = None,
        encoder: CachedEncoder | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        self.store, self.engine, self.taxonomy = store, engine, taxonomy
        self.detect_language = detect_language
        self.encoder = encoder  # the cached encoder, for its health
        self.notes = tuple(notes)
        self.budget = EncoderBudget()
        self._write_lock = threading.Lock()
        self.follower = IndexFollower(engine, store, taxonomy, self._write_lock)
        # built on the first name search after a change; the public one leaves identifiers
        # out, so that a name search cannot be used to test a guess of one
        self._names: dict[bool, NameIndex] = {}
        self._upkeep: Upkeep | None = None
        self._lease = SaveLease(engine.settings.index_dir)
        self._watcher: ChangeWatcher | None = None

    @classmethod
    def open(
        cls,
        settings: EngineSettings,
        store: Store,
        seed_dir: Path | None = None,
        encoder: Encoder | None = None,
        detect_language: Callable[[str], str] | None = None,
        policy: RebuildPolicy = "auto",
    ) -> ClusterService:
        """Seed an empty store from a data folder, then open the engine on the store."""
        store.verify()
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
        # the glossaries' dictionaries are read while the engine opens, so that the first
        # Finnish search does not wait for them
        dictionaries = settings.ranking.dictionaries
        threading.Thread(
            target=load_glossaries, args=(dictionaries,), name="glossaries", daemon=True
        ).start()
        cached = cached_encoder(settings, encoder)
        engine = open_engine(settings, store, taxonomy, cached, detect_language, policy)
        return cls(store, engine, taxonomy, detect_language, cached, cached.cache.notes)

    # --- background upkeep -------------------------------------------------------------
    def start_upkeep(self, interval: float) -> None:
        """Save the index now and then (when changed) and compact it when worth it."""
        if self._upkeep is None:
            self._upkeep = Upkeep(self.engine, interval, self._may_save)
            self._upkeep.start()

    def _may_save(self) -> bool:
        """Not while the index lacks a committed write (it would record a sequence it does
        not hold), and only in the process that holds the folder's save lease."""
        return not self.follower.lagging and self._lease.held()

    def close(self) -> None:
        """Stop the upkeep and save what changed: the next start then has nothing to replay."""
        if self._watcher is not None:
            self._watcher.close()
            self._watcher = None
        if self._upkeep is not None:
            self._upkeep.stop()
            self._upkeep = None
        self.follower.close()
        if self.engine.dirty and self._may_save():
            self.engine.save()  # a lagging index is not saved: the next start replays it
        self._lease.release()
        if self.encoder is not None:
            self.encoder.close()

    # --- queries -----------------------------------------------------------------------
    def partners(self, org_id: str, k: int, filters: Filters) -> ResultList:
        """Partner suggestions without the candidates this organisation rejected before."""
        rejected = self.store.rejected_for(org_id)
        return self.engine.partners(org_id, k, filters, exclude=rejected)

    def search(self, text: str, k: int, filters: Filters, asker: str | None = None) -> ResultList:
        """Candidates for a text; a member asking never sees the candidates it rejected."""
        rejected = self.store.rejected_for(asker) if asker else frozenset()
        return self.engine.search(text, k, filters.with_exclusions(rejected))

    def need_matches(self, need_id: str, k: int, filters: Filters, local: bool) -> ResultList:
        """Organisations for a need, without those its owner rejected."""
        owner = self.engine.need(need_id).owner_id
        rejected = self.store.rejected_for(owner) if owner else frozenset()
        return self.engine.need_matches(need_id, k, filters, local, exclude=rejected)

    def areas(self, text: str) -> list[AreaScore]:
        return self.engine.areas(text)

    def areas_of(self, org_id: str) -> list[AreaScore]:
        return self.engine.areas_of(org_id)

    def consortium(self, request: ConsortiumRequest) -> ConsortiumResult:
        return build_consortium(self.engine, request)

    def shortlist(self, request: ShortlistRequest) -> Shortlist:
        return build_shortlist(self.engine, request)

    def organisation(self, org_id: str) -> Organisation:
        try:
            return self.engine.organisation(org_id)
        except NotFoundError:
            if not self.follower.lagging:
                raise
        # the index is catching up: the store, which is the truth, answers
        return self.store.organisations([org_id], self.taxonomy).get(org_id) or _missing(org_id)

    def organisations(
        self, filters: Filters, name: str | None = None, public: bool = False
    ) -> list[Organisation]:
        """Organisations the filters admit: in id order, or best name match first
        (`public`: the name search ignores identifiers)."""
        everyone = self.engine.snapshot().organisations
        ids = self.find_names(name, public=public) if name else sorted(everyone)
        return [everyone[i] for i in ids if i in everyone and filters.admits(everyone[i])]

    def need(self, need_id: str) -> Need:
        return self.engine.need(need_id)

    def needs(self, type: str | None = None, location: str | None = None) -> list[Need]:
        needs = sorted(self.engine.snapshot().needs.values(), key=lambda n: n.id)
        place = location.casefold() if location is not None else None
        return [
            n
            for n in needs
            if (type is None or n.type.value == type)
            and (place is None or n.location.casefold() == place)
        ]

    def has_organisation(self, org_id: str) -> bool:
        return self.engine.has_organisation(org_id)

    def has_need(self, need_id: str) -> bool:
        return self.engine.has_need(need_id)

    def partners_of(self, org_id: str) -> frozenset[str]:
        return self.engine.partners_of(org_id)

    def partnerships(self) -> list[Partnership]:
        return self.store.partnerships()

    def feedback_rows(self) -> list[dict[str, Any]]:
        return self.store.feedback_rows()

    def audit_rows(
        self, limit: int, offset: int, where: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        unknown = set(where or {}) - AUDIT_FILTERS
        if unknown:
            problems = [Problem("not a filter of the audit log", column=c) for c in sorted(unknown)]
            raise DataValidationError(problems, "invalid audit filter")
        return self.store.audit_rows(limit, offset, where)

    def merge_history(self) -> list[dict[str, Any]]:
        return merge_history(self.store)

    def verify_key(self, token: str) -> ApiKey | None:
        return verify_key(self.store, token)

    def active_key(self, key_id: str) -> ApiKey | None:
        """A key by its id, None once revoked: how a page session is checked each request."""
        return active_key(self.store, key_id)

    def info(self) -> EngineInfo:
        return self.engine.info()

    def health(self) -> Health:
        """Degraded when the store cannot be read, the index lags it or the embedding cache
        is damaged (the service still answers, from the store and without the cache)."""
        reasons = []
        applied, newest = self._seq(), 0
        try:
            newest = self.store.last_seq()
        except Exception as exc:
            reasons.append(f"the store {self.store.where} cannot be read: {str(exc)[:200]}")
        lag = self.follower.lag
        if lag:
            reasons.append(lag)
        cache = self.encoder.problem if self.encoder is not None else None
        if cache:
            reasons.append(cache)
        status = "degraded" if reasons else "ok"
        return Health(status, tuple(reasons), self.notes, applied, max(newest, applied))

    def find_names(self, query: str, k: int = 50, public: bool = False) -> list[str]:
        """Organisation ids whose name matches, whatever the script, spelling or legal form."""
        names = self._names.get(public)
        if names is None:
            orgs = self.engine.snapshot().organisations.values()
            names = self._names[public] = NameIndex(name_record(o, public) for o in orgs)
        return [ident for ident, _ in names.search(query, k)]

    # --- idempotency and budgets ------------------------------------------------------------
    def recall(self, actor: str, key: str) -> StoredAnswer | None:
        """The stored answer to an earlier request with this idempotency key, if any."""
        return recall(self.store, actor, key)

    def charge(self, caller: str, texts: Sequence[str], role: TextRole = "query") -> None:
        """Count the text a caller sends to the encoder; RateLimitedError past its budget.
        A text the embedding cache already holds costs the encoder nothing and is free (a
        saved search run again, a page reloaded). A glossed query's gloss is encoded too."""
        if role == "query":
            texts = [part for t in texts for part in self.engine.query_texts(t)]
        new = self.encoder.uncached(texts, role) if self.encoder is not None else texts
        chars = sum(len(t) for t in new)
        if chars:
            self.budget.charge(caller, chars)

    # --- organisations -------------------------------------------------------------------
    def put_organisation(
        self,
        record: Mapping[str, Any],
        actor: str,
        *,
        mode: WriteMode = "upsert",
        editor: Role = Role.STAFF,
        receipt: Receipt | None = None,
    ) -> tuple[Organisation, bool]:
        """Validate, encode, then commit and apply; `editor` MEMBER holds the record to what
        a member may change (matcher.editing)."""
        org = self._with_language(org_from_record(record, self.taxonomy))
        if editor == Role.MEMBER:
            self._check_member_edit(org)
        prepared = self._prepare([org])  # encoding: no lock held
        bound = receipt.bound(org) if receipt is not None else None
        summary = self._commit(
            lambda: self.store.write_batch(actor, orgs=[org], receipt=bound, mode=mode),
            lambda done: self.engine.apply(prepared, self._source(done)),
        )
        return org, summary.created == 1

    def delete_organisation(self, org_id: str, actor: str) -> None:
        self._commit(
            lambda: self.store.delete_organisation(org_id, actor),
            lambda done: self.engine.remove_organisation(org_id, self._source(done)),
        )

    def _check_member_edit(self, org: Organisation) -> None:
        before = self.store.organisations([org.id], self.taxonomy).get(org.id)
        if before is None:
            raise NotFoundError("organisation", org.id)
        others = self.engine.snapshot().organisations.values()
        problems = member_edit_problems(before, org, others)
        if problems:
            raise DataValidationError(problems, "a member may not make this change")

    # --- needs -------------------------------------------------------------------------
    def put_need(
        self,
        record: Mapping[str, Any],
        actor: str,
        *,
        mode: WriteMode = "upsert",
        receipt: Receipt | None = None,
    ) -> tuple[Need, bool]:
        need = need_from_record(record, self.taxonomy)
        self._check_owner(need)
        bound = receipt.bound(need) if receipt is not None else None
        summary = self._commit(
            lambda: self.store.write_batch(actor, needs=[need], receipt=bound, mode=mode),
            lambda done: self.engine.upsert_need(need, self._source(done)),
        )
        return need, summary.created == 1

    def delete_need(self, need_id: str, actor: str) -> None:
        self._commit(
            lambda: self.store.delete_need(need_id, actor),
            lambda done: self.engine.remove_need(need_id, self._source(done)),
        )

    def _check_owner(self, need: Need) -> None:
        if need.owner_id and not self.store.has("organisations", need.owner_id):
            problem = Problem(f"unknown organisation {need.owner_id!r}", column="owner_id")
            raise DataValidationError([problem], "invalid need")

    # --- partnerships and feedback ------------------------------------------------------
    def add_partnership(self, link: Partnership, actor: str) -> bool:
        """Record a known partnership; False when it was known already (nothing written)."""
        self._known("organisations", link.a)  # NotFoundError before anything is written
        self._known("organisations", link.b)
        summary = self._commit(
            lambda: self.store.write_batch(actor, partnerships=[link]),
            lambda done: self._add_links([link], done),
        )
        return summary.created == 1

    def _add_links(self, links: list[Partnership], summary: WriteSummary) -> None:
        if summary.created:  # a link known already is not counted twice
            self.engine.add_partnerships(links, self._source(summary))

    def add_feedback(
        self,
        org_id: str,
        candidate_id: str,
        verdict: str,
        context: str,
        note: str,
        actor: str,
        receipt: Receipt | None = None,
    ) -> int:
        self._known("organisations", org_id)
        self._known("organisations", candidate_id)
        return self.store.add_feedback(
            org_id, candidate_id, verdict, context, note, actor, receipt=receipt
        )

    # --- import --------------------------------------------------------------------------
    def import_file(self, entity: str, filename: str, content: bytes, actor: str) -> ImportReport:
        """Validate a whole file, then write it in one transaction: all rows or none. A
        record imported again unchanged is not written again (no audit row): a retried
        import changes nothing."""
        records = read_upload(filename, content)
        known = self.engine.snapshot().organisations
        parsed = validate_import(
            entity, records, filename, self.taxonomy, known, self.detect_language
        )
        prepared = self._prepare(parsed.orgs) if parsed.orgs else None  # no lock held
        summary = self._commit(
            lambda: self.store.write_batch(
                actor, parsed.orgs, parsed.needs, parsed.links, action="import"
            ),
            lambda done: self._apply_import(parsed, prepared, done),
        )
        duplicates = self.duplicates(parsed.orgs) if parsed.orgs else ()
        return ImportReport(
            entity, summary.created, summary.updated, parsed.warnings, duplicates, summary.unchanged
        )

    def _apply_import(
        self, parsed: ParsedImport, prepared: Prepared | None, summary: WriteSummary
    ) -> None:
        source = self._source(summary)
        if prepared is not None:
            self.engine.apply(prepared, source)
        for need in parsed.needs:
            self.engine.upsert_need(need, source)
        if parsed.links:
            self.engine.add_partnerships(parsed.links, source)

    # --- duplicates and merges ---------------------------------------------------------
    def duplicates(self, orgs: Sequence[Organisation] | None = None) -> tuple[DuplicateOut, ...]:
        """Likely duplicates among `orgs` and with the rest (all organisations when None)."""
        everyone = self.engine.snapshot().organisations
        batch = list(everyone.values()) if orgs is None else list(orgs)
        ids = {o.id for o in batch}
        existing = [name_record(o) for i, o in everyone.items() if i not in ids]
        return duplicates_out(find_duplicates([name_record(o) for o in batch], existing))

    def merge(
        self,
        ids: Sequence[str],
        survivor_id: str,
        choose: Mapping[str, str],
        actor: str,
        receipt: Receipt | None = None,
    ) -> MergeEntry:
        # the engine follows a merge from the change log: the merged records, the
        # survivor and the moved links (the survivor's texts are cached: they are the
        # merged records' own)
        with self._write_lock:
            seq = self._seq()
            entry = merge_organisations(self.store, ids, survivor_id, choose, actor, receipt)
            self.follower.follow(seq, self._catch_up)
        return entry

    def unmerge(self, merge_id: str, actor: str, force: bool = False) -> MergeEntry:
        with self._write_lock:
            seq = self._seq()
            entry = undo_organisation_merge(self.store, merge_id, actor, force)
            self.follower.follow(seq, self._catch_up)
        return entry

    # --- following the store --------------------------------------------------------
    def _commit(
        self, write: Callable[[], WriteSummary], apply: Callable[[WriteSummary], None]
    ) -> WriteSummary:
        """Commit a write to the store, then bring the engine level with it: by applying
        what this process prepared when the write is the only change the engine lacks, by
        catching up from the change log when another process wrote in between."""
        with self._write_lock:
            seq = self._seq()
            summary = write()
            if summary.seq_before == seq:
                self.follower.follow(seq, lambda: apply(summary))
            else:
                self.follower.follow(seq, self._catch_up)
            self._names.clear()
        return summary

    def _catch_up(self) -> None:
        catch_up(self.engine, self.store, self.taxonomy)
        self._names.clear()

    def start_following(self) -> None:
        """Follow the store's change log in the background (other processes' writes):
        LISTEN/NOTIFY on PostgreSQL, a cheap poll on SQLite (matcher.store.watch)."""
        if self._watcher is None:
            self._watcher = ChangeWatcher(self.store, self.follow_store)
            self._watcher.start()

    def follow_store(self) -> None:
        """Apply the changes other processes committed since the engine's sequence."""
        if self.follower.catch_up_with_store():
            self._names.clear()

    # --- helpers -----------------------------------------------------------------------
    def _source(self, summary: WriteSummary) -> dict[str, Any]:
        return {"store": self.store.store_id, "seq": summary.seq}

    def _seq(self) -> int:
        """The change sequence the engine holds (under the write lock: the store's too)."""
        return int(self.engine.applied.get("seq", 0))

    def _known(self, entity: str, ident: str) -> None:
        if not self.store.has(entity, ident):
            raise NotFoundError(entity[:-1], ident)

    def _prepare(self, orgs: Sequence[Organisation]) -> Prepared:
        """Chunk and encode outside every lock; a failure here has written nothing."""
        try:
            prepared = self.engine.prepare(orgs)
        except MatchmakerError:
            raise
        except Exception as exc:
            log.exception("encoding failed; nothing was written")
            raise UnavailableError(f"the texts cannot be encoded now: {str(exc)[:200]}") from exc
        vectors = prepared.vectors
        if vectors.ndim != 2 or not np.isfinite(vectors).all():
            raise UnavailableError("the encoder returned unusable vectors; nothing was written")
        return prepared

    def _with_language(self, org: Organisation) -> Organisation:
        if org.language or self.detect_language is None:
            return org
        return replace(org, language=self.detect_language(org.profile_text()))


def duplicates_out(report: DuplicateReport) -> tuple[DuplicateOut, ...]:
    """A dedup report's pairs as the service shows them (best first)."""
    return tuple(
        DuplicateOut(
            p.left_id, p.right_id, round(p.score, 4), p.decision, p.match.reason, p.against_existing
        )
        for p in report.pairs
    )


def name_record(org: Organisation, public: bool = False) -> NameRecord:
    identifiers = () if public else org.identifiers
    return NameRecord(org.id, org.name, org.country, org.city, identifiers, org.website or None)


def _missing(org_id: str) -> Organisation:
    raise NotFoundError("organisation", org_id)
