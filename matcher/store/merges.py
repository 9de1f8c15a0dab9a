"""Merging duplicate organisations in the store, with history and undo.

A merge replaces several records by one survivor in one transaction: the survivor takes
the merged record, the others are deleted, their partnerships move to the survivor. The
merge row keeps the originals and the partnerships as they were, so an undo puts back
exactly what was there (and refuses when the survivor was edited since, unless forced).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from matcher.errors import DataValidationError, NotFoundError, Problem
from matcher.names import MergeConflictError, MergeEntry, merge_records, undo_merge
from matcher.store import schema
from matcher.store.receipts import Receipt, remember
from matcher.store.store import Store, audit, now, record_change


def merge_organisations(
    store: Store,
    ids: Sequence[str],
    survivor_id: str,
    choose: Mapping[str, str],
    actor: str,
    receipt: Receipt | None = None,
) -> MergeEntry:
    records = [store.org_record(i) for i in ids]  # NotFoundError for an unknown id
    try:
        merged, entry = merge_records(
            records, survivor_id, choose=choose, actor=actor, timestamp=now().isoformat()
        )
    except ValueError as exc:
        raise DataValidationError([Problem(str(exc), column="ids")], "cannot merge") from exc
    with store.transaction() as conn:
        links = _links_touching(conn, ids)
        for other in ids:
            if other != survivor_id:
                conn.execute(delete(schema.organisations).where(schema.organisations.c.id == other))
                record_change(conn, "organisations", other, "delete")
        _write_record(conn, merged)
        _replace_links(conn, ids, _repointed(links, ids, survivor_id))
        conn.execute(
            insert(schema.merges).values(
                id=entry.merge_id,
                survivor_id=survivor_id,
                entry=entry.to_dict(),
                partnerships=links,
                actor=actor,
                at=now(),
            )
        )
        audit(conn, actor, "merge", "organisations", survivor_id, list(entry.originals), merged)
        remember(conn, receipt, entry)
    return entry


def undo_organisation_merge(
    store: Store, merge_id: str, actor: str, force: bool = False
) -> MergeEntry:
    with store.transaction() as conn:
        row = conn.execute(select(schema.merges).where(schema.merges.c.id == merge_id)).first()
        if row is None or row.undone_at is not None:
            raise NotFoundError("active merge", merge_id)
        entry = MergeEntry.from_dict(row.entry)
        current = conn.scalar(
            select(schema.organisations.c.record).where(
                schema.organisations.c.id == entry.survivor_id
            )
        )
        try:
            originals = undo_merge(entry, current, force=force)
        except MergeConflictError as exc:
            raise DataValidationError([Problem(str(exc), column="force")], "cannot undo") from exc
        for record in originals:
            _write_record(conn, record)
        _replace_links(conn, entry.merged_ids, list(row.partnerships))
        conn.execute(
            update(schema.merges)
            .where(schema.merges.c.id == merge_id)
            .values(undone_at=now(), undone_by=actor)
        )
        audit(conn, actor, "unmerge", "organisations", entry.survivor_id, current, originals)
    return entry


def merge_history(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(schema.merges).order_by(schema.merges.c.at.desc()))
        return [
            {
                "merge_id": r.id,
                "survivor_id": r.survivor_id,
                "merged_ids": r.entry["merged_ids"],
                "chosen": r.entry["chosen"],
                "actor": r.actor,
                "at": r.at.isoformat(),
                "undone_at": r.undone_at.isoformat() if r.undone_at else None,
                "undone_by": r.undone_by,
            }
            for r in rows
        ]


def _write_record(conn: Connection, record: Mapping[str, Any]) -> None:
    table = schema.organisations
    values = {
        "name": record["name"],
        "kind": record["kind"],
        "country": record["country"],
        "city": record.get("city") or "",
        "record": dict(record),
        "updated_at": now(),
    }
    exists = conn.scalar(select(table.c.id).where(table.c.id == record["id"]))
    if exists is None:
        conn.execute(insert(table).values(id=record["id"], **values))
    else:
        conn.execute(update(table).where(table.c.id == record["id"]).values(**values))
    record_change(conn, "organisations", record["id"], "upsert")


def _links_touching(conn: Connection, ids: Sequence[str]) -> list[dict[str, Any]]:
    table = schema.partnerships
    rows = conn.execute(select(table).where(or_(table.c.a.in_(ids), table.c.b.in_(ids))))
    return [{k: v for k, v in r._mapping.items() if k != "id"} for r in rows]


def _repointed(
    links: list[dict[str, Any]], ids: Sequence[str], survivor: str
) -> list[dict[str, Any]]:
    """The links with every merged id replaced by the survivor; self-links and repeats dropped."""
    moved: dict[tuple[str, str], dict[str, Any]] = {}
    for link in links:
        a = survivor if link["a"] in ids else link["a"]
        b = survivor if link["b"] in ids else link["b"]
        if a != b:
            pair = (min(a, b), max(a, b))
            moved.setdefault(pair, {**link, "a": pair[0], "b": pair[1]})
    return list(moved.values())


def _replace_links(conn: Connection, ids: Sequence[str], links: list[dict[str, Any]]) -> None:
    table = schema.partnerships
    conn.execute(delete(table).where(or_(table.c.a.in_(ids), table.c.b.in_(ids))))
    for link in links:
        conn.execute(insert(table).values(**link))
    for ident in ids:
        record_change(conn, "partnerships", ident, "upsert")
