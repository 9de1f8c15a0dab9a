"""Idempotency receipts: the answer to a request that carried an idempotency key, stored in
the same transaction as the write it answers.

A retry with the same key and the same request gets the stored answer and writes nothing;
the same key with another request is refused. Two concurrent requests with one key cannot
both write: write transactions are serialised (BEGIN IMMEDIATE on SQLite, the receipt's
primary key everywhere), the second finds the first one's receipt and rolls back with
everything it wrote, and its caller answers with that receipt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from matcher.store import schema

if TYPE_CHECKING:
    from matcher.store.store import Store

KEEP_FOR = timedelta(days=1)  # how long a retry can count on finding its answer


@dataclass(frozen=True)
class Receipt:
    actor: str
    key: str
    fingerprint: str
    status: int
    # the write's own result (the organisation written, a new row's id) -> the response body
    render: Callable[[Any], Any]

    def bound(self, result: Any) -> Receipt:
        """This receipt with its body fixed now (for a result known before the write)."""
        body = self.render(result)
        return replace(self, render=lambda _: body)


@dataclass(frozen=True)
class StoredAnswer:
    fingerprint: str
    status: int
    body: Any


class AlreadyAnswered(Exception):
    """Raised inside a write's transaction (rolling it back) when its key has a receipt."""

    def __init__(self, answer: StoredAnswer | None) -> None:
        super().__init__("this idempotency key was answered already")
        self.answer = answer


def remember(conn: Connection, receipt: Receipt | None, result: Any) -> None:
    """Write the receipt inside the caller's transaction (nothing when there is none)."""
    if receipt is None:
        return
    at = datetime.now(UTC)
    conn.execute(delete(schema.receipts).where(schema.receipts.c.at < at - KEEP_FOR))
    earlier = _stored(conn, receipt.actor, receipt.key)
    if earlier is not None:
        raise AlreadyAnswered(earlier)
    try:
        conn.execute(
            insert(schema.receipts).values(
                actor=receipt.actor,
                key=receipt.key,
                fingerprint=receipt.fingerprint,
                status=receipt.status,
                body=receipt.render(result),
                at=at,
            )
        )
    except IntegrityError:  # another process wrote it between the look and the insert
        raise AlreadyAnswered(None) from None


def recall(store: Store, actor: str, key: str) -> StoredAnswer | None:
    with store.engine.connect() as conn:
        return _stored(conn, actor, key)


def _stored(conn: Connection, actor: str, key: str) -> StoredAnswer | None:
    table = schema.receipts
    row = conn.execute(select(table).where(table.c.actor == actor, table.c.key == key)).first()
    if row is None:
        return None
    return StoredAnswer(row.fingerprint, int(row.status), row.body)
