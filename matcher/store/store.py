"""The durable store: the source of truth for organisations, needs, partnerships,
feedback, API keys and the audit log.

Every write is one transaction that includes its audit rows, so a failure half-way (bad
data found late, a crash, a constraint) leaves the store exactly as it was. A record
written again unchanged is no write at all (no audit row, no change), so a retried PUT or
import changes nothing. Opening checks the file (SQLite's quick_check) and a damaged store
or an unreadable record is one StoreError naming the file or the record.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import (
    Connection,
    Text,
    delete,
    func,
    insert,
    make_url,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

from matcher.errors import ConflictError, DataValidationError, NotFoundError, StoreError
from matcher.model import Cluster, Need, Organisation, Partnership
from matcher.store import backend, migrate, schema
from matcher.store.codec import need_from_record, need_record, org_from_record, org_record
from matcher.store.receipts import Receipt, remember
from matcher.taxonomy import Taxonomy


def sqlite_url(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def now() -> datetime:
    return datetime.now(UTC)


def _standard_json(value: Any) -> str:
    """Stored documents are standard JSON: an infinity or NaN is refused, never written as
    the `Infinity` other readers cannot parse."""
    return json.dumps(value, allow_nan=False)


@dataclass(frozen=True)
class WriteSummary:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    seq: int = 0  # the change sequence number after this write
    unchanged: int = 0  # records given that were already exactly so (nothing written)
    # the store's change sequence number before this write (under the write lock): when a
    # follower holds exactly this one, the write is the only change it lacks
    seq_before: int = 0


# How a write treats a record of that id: "create" refuses one that exists (ConflictError),
# "replace" one that does not (NotFoundError), "upsert" takes both. Checked in the write's
# transaction, so two processes racing to create one id give one record and one conflict.
WriteMode = Literal["create", "replace", "upsert"]


@dataclass(frozen=True)
class Change:
    seq: int
    entity: str  # "organisations", "needs" or "partnerships"
    entity_id: str
    op: str  # "upsert" or "delete"


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = backend.open_engine(url, _standard_json)
        self.sqlite = self.engine.dialect.name == "sqlite"
        try:
            self._migrate()
            self.store_id = self._identity()
        except SQLAlchemyError as exc:
            raise StoreError(f"the store {self.where} cannot be opened: {_reason(exc)}") from exc

    @property
    def where(self) -> str:
        """The store's file (SQLite) or its URL without the password, for messages."""
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            return f"at {parsed.database}"
        return f"at {parsed.render_as_string(hide_password=True)}"

    def _migrate(self) -> None:
        """Bring the schema to the newest revision (a look first: the usual open writes
        nothing and takes no write lock)."""
        with self.engine.connect() as conn:
            if not migrate.needs_upgrade(conn):
                return
        with self.transaction() as conn:
            migrate.upgrade(conn, self.where)

    def check(self) -> list[str]:
        """What is wrong with the store (SQLite's quick_check; on PostgreSQL, a missing
        table); an empty list when nothing is."""
        try:
            with self.engine.connect() as conn:
                return backend.integrity_problems(conn, set(schema.metadata.tables))
        except SQLAlchemyError as exc:
            return [_reason(exc)]

    def verify(self) -> None:
        """Raise StoreError naming what is wrong with the store's file, if anything is."""
        problems = self.check()
        if problems:
            shown = "; ".join(problems)
            raise StoreError(f"the store {self.where} is damaged: {shown}{_RESTORE_HINT}")

    def _identity(self) -> str:
        """A random id written once into the store: what a saved index was built from."""
        table = schema.store_meta
        with self.engine.connect() as conn:
            found = conn.scalar(select(table.c.value).where(table.c.key == "store_id"))
        if found is not None:
            return str(found)
        with self.transaction() as conn:  # looked again under the write lock: one id ever
            found = conn.scalar(select(table.c.value).where(table.c.key == "store_id"))
            if found is None:
                found = uuid.uuid4().hex
                conn.execute(insert(table).values(key="store_id", value=found))
        return str(found)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction, serialised with every other writer of the store in any
        process (matcher.store.backend): two writers wait for each other instead of one
        failing, and change sequence numbers are handed out in commit order."""
        with self.engine.begin() as conn:
            backend.begin_write(conn)
            yield conn
            backend.end_write(conn)

    # --- reading -------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        tables = ("organisations", "needs", "partnerships", "feedback", "api_keys", "audit_log")
        with self.engine.connect() as conn:
            return {
                name: int(
                    conn.scalar(select(func.count()).select_from(schema.metadata.tables[name])) or 0
                )
                for name in tables
            }

    def is_empty(self) -> bool:
        return self.counts()["organisations"] == 0

    def load_cluster(self, taxonomy: Taxonomy) -> Cluster:
        with self.engine.connect() as conn:
            orgs = _decoded(conn, schema.organisations, taxonomy)
            needs = _decoded(conn, schema.needs, taxonomy)
            links = [
                Partnership(row.a, row.b, row.kind, row.since, row.note)
                for row in conn.execute(select(schema.partnerships))
            ]
        return Cluster.of(orgs.values(), needs.values(), links)

    def needs(self, taxonomy: Taxonomy) -> dict[str, Need]:
        with self.engine.connect() as conn:
            return _decoded(conn, schema.needs, taxonomy)

    def has(self, entity: str, ident: str) -> bool:
        """Whether the store holds this organisation or need (the truth, not the index)."""
        table = schema.metadata.tables[entity]
        with self.engine.connect() as conn:
            return conn.scalar(select(table.c.id).where(table.c.id == ident)) is not None

    def partnerships(self) -> list[Partnership]:
        with self.engine.connect() as conn:
            return [
                Partnership(row.a, row.b, row.kind, row.since, row.note)
                for row in conn.execute(
                    select(schema.partnerships).order_by(schema.partnerships.c.id)
                )
            ]

    def last_seq(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.max(schema.changes.c.seq))) or 0)

    def changes_since(self, seq: int) -> list[Change]:
        query = select(schema.changes).where(schema.changes.c.seq > seq).order_by("seq")
        with self.engine.connect() as conn:
            return [Change(r.seq, r.entity, r.entity_id, r.op) for r in conn.execute(query)]

    def organisations(self, ids: Sequence[str], taxonomy: Taxonomy) -> dict[str, Organisation]:
        """The current records of these organisations (absent ids are left out)."""
        table = schema.organisations
        found: dict[str, Organisation] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                found.update(_decoded(conn, table, taxonomy, table.c.id.in_(chunk)))
        return found

    def org_record(self, org_id: str) -> dict[str, Any]:
        return self._record(schema.organisations, org_id, "organisation")

    def need_record(self, need_id: str) -> dict[str, Any]:
        return self._record(schema.needs, need_id, "need")

    def _record(self, table: Any, ident: str, what: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            record = conn.scalar(select(table.c.record).where(table.c.id == ident))
        if record is None:
            raise NotFoundError(what, ident)
        return dict(record)

    # --- writing -------------------------------------------------------------------------
    def write_batch(
        self,
        actor: str,
        orgs: Sequence[Organisation] = (),
        needs: Sequence[Need] = (),
        partnerships: Sequence[Partnership] = (),
        action: str = "upsert",
        receipt: Receipt | None = None,
        mode: WriteMode = "upsert",
    ) -> WriteSummary:
        """Upsert everything given in one transaction: all of it lands, or none of it
        (with the receipt of the request that asked for it, when it carried a key)."""
        outcomes: list[bool | None] = []
        with self.transaction() as conn:
            before = last_change(conn)
            for org in orgs:
                row = org_record(org)
                columns = _org_columns(org)
                outcomes.append(
                    _upsert(conn, schema.organisations, org.id, row, columns, actor, action, mode)
                )
            for need in needs:
                row = need_record(need)
                columns = _need_columns(need)
                outcomes.append(
                    _upsert(conn, schema.needs, need.id, row, columns, actor, action, mode)
                )
            linked = sum(_add_partnership(conn, link, actor) for link in partnerships)
            summary = WriteSummary(
                created=outcomes.count(True) + linked,
                updated=outcomes.count(False),
                seq=last_change(conn),
                unchanged=outcomes.count(None) + len(partnerships) - linked,
                seq_before=before,
            )
            remember(conn, receipt, summary)
        return summary

    def delete_organisation(
        self, org_id: str, actor: str, receipt: Receipt | None = None
    ) -> WriteSummary:
        with self.transaction() as conn:
            before = last_change(conn)
            _delete(conn, schema.organisations, org_id, "organisation", actor)
            remember(conn, receipt, org_id)
            pairs = or_(schema.partnerships.c.a == org_id, schema.partnerships.c.b == org_id)
            if conn.execute(delete(schema.partnerships).where(pairs)).rowcount:
                record_change(conn, "partnerships", org_id, "delete")
            return WriteSummary(deleted=1, seq=last_change(conn), seq_before=before)

    def delete_need(self, need_id: str, actor: str) -> WriteSummary:
        with self.transaction() as conn:
            before = last_change(conn)
            _delete(conn, schema.needs, need_id, "need", actor)
            return WriteSummary(deleted=1, seq=last_change(conn), seq_before=before)

    # --- feedback ----------------------------------------------------------------------
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
        row = {
            "org_id": org_id,
            "candidate_id": candidate_id,
            "verdict": verdict,
            "context": context,
            "note": note,
            "actor": actor,
            "created_at": now(),
        }
        with self.transaction() as conn:
            result = conn.execute(insert(schema.feedback).values(**row))
            audit(
                conn,
                actor,
                "feedback",
                "feedback",
                f"{org_id}->{candidate_id}",
                None,
                _jsonable(row),
            )
            ident = int(result.inserted_primary_key[0])  # type: ignore[index]
            remember(conn, receipt, ident)
            return ident

    def rejected_for(self, org_id: str) -> frozenset[str]:
        """Candidates this organisation rejected (a later accept lifts a reject)."""
        query = (
            select(schema.feedback.c.candidate_id, schema.feedback.c.verdict)
            .where(schema.feedback.c.org_id == org_id)
            .order_by(schema.feedback.c.id)
        )
        latest: dict[str, str] = {}
        with self.engine.connect() as conn:
            for candidate, verdict in conn.execute(query):
                latest[candidate] = verdict
        return frozenset(c for c, v in latest.items() if v == "reject")

    def feedback_rows(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.feedback).order_by(schema.feedback.c.id))
            return [_jsonable(dict(r._mapping)) for r in rows]

    def audit_rows(
        self, limit: int = 100, offset: int = 0, where: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Newest first; `where` keeps rows whose actor, action, entity or entity_id equal
        the given values."""
        table = schema.audit_log
        conditions = [table.c[column] == value for column, value in (where or {}).items()]
        query = (
            select(table).where(*conditions).order_by(table.c.id.desc()).limit(limit).offset(offset)
        )
        with self.engine.connect() as conn:
            return [_jsonable(dict(r._mapping)) for r in conn.execute(query)]


_RESTORE_HINT = "; restore it from a backup, or move it away to start an empty store"


def _reason(exc: SQLAlchemyError) -> str:
    """The database's own words for what failed, on one line."""
    original = getattr(exc, "orig", None) or exc
    return " ".join(str(original).split())[:300]


def _decoded(conn: Connection, table: Any, taxonomy: Taxonomy, where: Any = None) -> dict[str, Any]:
    """The records of a table as domain objects; every record that cannot be read (not
    JSON, not a valid record) is named in one StoreError."""
    query = select(table.c.id, type_coerce(table.c.record, Text).label("raw"))
    if where is not None:
        query = query.where(where)
    parse = org_from_record if table is schema.organisations else need_from_record
    found: dict[str, Any] = {}
    broken: list[str] = []
    for ident, raw in conn.execute(query):
        try:
            record = json.loads(raw) if isinstance(raw, str | bytes) else raw
            found[ident] = parse(record, taxonomy, limited=False)
        except ValueError as exc:  # JSONDecodeError and DataValidationError are ValueErrors
            reason = exc.problems[0].message if isinstance(exc, DataValidationError) else exc
            broken.append(f"{table.name} record {ident!r} ({reason})")
    if broken:
        more = f" and {len(broken) - 3} more" if len(broken) > 3 else ""
        raise StoreError(
            f"the store cannot be read: {'; '.join(broken[:3])}{more}; fix or delete "
            "these rows (the store's file is otherwise readable)"
        )
    return found


def _org_columns(org: Organisation) -> dict[str, Any]:
    return {"name": org.name, "kind": org.kind.value, "country": org.country, "city": org.city}


def _need_columns(need: Need) -> dict[str, Any]:
    return {"title": need.title, "type": need.type.value, "owner_id": need.owner_id}


def _upsert(
    conn: Connection,
    table: Any,
    ident: str,
    record: dict[str, Any],
    columns: dict[str, Any],
    actor: str,
    action: str,
    mode: WriteMode = "upsert",
) -> bool | None:
    """True: created, False: updated, None: already so (nothing written)."""
    before = conn.scalar(select(table.c.record).where(table.c.id == ident))
    what = table.name[:-1]
    if mode == "create" and before is not None:
        raise ConflictError(f"{what} {ident!r} exists; use PUT to replace it")
    if mode == "replace" and before is None:
        raise NotFoundError(what, ident)
    if before == record:
        return None
    values = {**columns, "record": record, "updated_at": now()}
    if before is None:
        conn.execute(insert(table).values(id=ident, **values))
    else:
        conn.execute(update(table).where(table.c.id == ident).values(**values))
    audit(
        conn,
        actor,
        action if before is not None or action != "upsert" else "create",
        table.name,
        ident,
        before,
        record,
    )
    record_change(conn, table.name, ident, "upsert")
    return before is None


def _delete(conn: Connection, table: Any, ident: str, what: str, actor: str) -> dict[str, Any]:
    before = conn.scalar(select(table.c.record).where(table.c.id == ident))
    if before is None:
        raise NotFoundError(what, ident)
    conn.execute(delete(table).where(table.c.id == ident))
    audit(conn, actor, "delete", table.name, ident, before, None)
    record_change(conn, table.name, ident, "delete")
    return dict(before)


def _add_partnership(conn: Connection, link: Partnership, actor: str) -> int:
    a, b = sorted((link.a, link.b))  # one row per pair, whichever way it was given
    exists = conn.scalar(
        select(schema.partnerships.c.id).where(
            schema.partnerships.c.a == a, schema.partnerships.c.b == b
        )
    )
    if exists is not None:
        return 0
    row = {"a": a, "b": b, "kind": link.kind, "since": link.since, "note": link.note}
    conn.execute(insert(schema.partnerships).values(**row))
    audit(conn, actor, "create", "partnerships", f"{a}|{b}", None, row)
    record_change(conn, "partnerships", f"{a}|{b}", "upsert")
    return 1


def record_change(conn: Connection, entity: str, entity_id: str, op: str) -> None:
    backend.mark_changed(conn)
    conn.execute(insert(schema.changes).values(at=now(), entity=entity, entity_id=entity_id, op=op))


def last_change(conn: Connection) -> int:
    return int(conn.scalar(select(func.max(schema.changes.c.seq))) or 0)


def audit(
    conn: Connection,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: Any,
    after: Any,
) -> None:
    conn.execute(
        insert(schema.audit_log).values(
            at=now(),
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )
    )


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
