"""What differs between the store's two databases: SQLite (embedded, the default) and
PostgreSQL (shared by several server processes).

Write transactions are serialised on both, across processes: SQLite takes its write lock
at the transaction's start (BEGIN IMMEDIATE); PostgreSQL takes one transaction-scoped
advisory lock. The change log's sequence numbers are therefore handed out in commit order:
a follower that has read up to sequence N never finds a later commit with a number at or
below N (a rolled-back transaction leaves a gap, which no commit fills). On PostgreSQL a
transaction that changed records also sends a NOTIFY, delivered to listeners when it
commits (matcher.store.watch).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text

from matcher.errors import StoreError

# One key for every write transaction of the store (the number is arbitrary: "matcher"
# in ASCII); other applications on the same server use other keys.
WRITE_LOCK_KEY = 0x6D617463686572
CHANGES_CHANNEL = "matcher_changes"
_CHANGED = "matcher_changed"  # set in a connection's info by a write that logged a change


def open_engine(url: str, json_serializer: Any) -> Engine:
    """The SQLAlchemy engine for a store URL; a missing driver is one clear StoreError."""
    backend = make_url(url).get_backend_name()
    options: dict[str, Any] = {"json_serializer": json_serializer}
    if backend == "sqlite":
        options["connect_args"] = {"timeout": 30}
    elif backend == "postgresql":
        options["pool_pre_ping"] = True  # a server restart costs a reconnect, not an error
    try:
        engine = create_engine(url, **options)
    except ModuleNotFoundError as exc:
        raise StoreError(
            f"the driver for {backend} is not installed ({exc.name}); for PostgreSQL install "
            "the `pg` extra (pip install 'cleantech-matcher[pg]')"
        ) from exc
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def begin_write(conn: Connection) -> None:
    """Serialise this write transaction with every other one, in any process."""
    conn.info.pop(_CHANGED, None)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})


def mark_changed(conn: Connection) -> None:
    conn.info[_CHANGED] = True


def end_write(conn: Connection) -> None:
    """Before the commit: tell listeners that the change log grew (sent when it commits)."""
    if conn.info.pop(_CHANGED, False) and conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANGES_CHANNEL})


def integrity_problems(conn: Connection, tables: set[str]) -> list[str]:
    """SQLite: its quick_check. PostgreSQL (which checks its own pages): every table the
    store needs is there."""
    if conn.dialect.name == "sqlite":
        rows = [str(r[0]) for r in conn.execute(text("PRAGMA quick_check"))]
        return [] if rows == ["ok"] else rows[:5]
    missing = sorted(tables - set(inspect(conn).get_table_names()))
    return [f"table {name!r} is missing" for name in missing]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # the driver begins no transaction of its own; begin_write() begins each write
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=FULL")  # a committed write survives a power cut
    cursor.close()
