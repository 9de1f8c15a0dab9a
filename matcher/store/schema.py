"""Tables of the durable store (SQLAlchemy Core: SQLite by default, PostgreSQL by URL).

Organisations and needs are kept whole as JSON documents beside the columns used to list
and filter them: the document is what imports and exports exchange, the columns are for
queries.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

organisations = Table(
    "organisations",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("name", String(300), nullable=False, index=True),
    Column("kind", String(32), nullable=False, index=True),
    Column("country", String(2), nullable=False, index=True),
    Column("city", String(200), nullable=False, default=""),
    Column("record", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

needs = Table(
    "needs",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("title", String(500), nullable=False),
    Column("type", String(32), nullable=False),
    Column("owner_id", String(128), nullable=True, index=True),
    Column("record", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

partnerships = Table(
    "partnerships",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("a", String(128), nullable=False, index=True),
    Column("b", String(128), nullable=False, index=True),
    Column("kind", String(32), nullable=False, default="project"),
    Column("since", Integer, nullable=True),
    Column("note", Text, nullable=False, default=""),
    UniqueConstraint("a", "b", name="uq_partnership_pair"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", String(128), nullable=False, index=True),
    Column("candidate_id", String(128), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("context", String(32), nullable=False, default="partners"),
    Column("note", Text, nullable=False, default=""),
    Column("actor", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("org_id", String(128), nullable=True),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", String(128), nullable=False),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
)

merges = Table(
    "merges",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("survivor_id", String(128), nullable=False, index=True),
    Column("entry", JSON, nullable=False),  # the MergeEntry: originals, choices, result
    Column("partnerships", JSON, nullable=False),  # the links touching the merged ids, before
    Column("actor", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("undone_at", DateTime(timezone=True), nullable=True),
    Column("undone_by", String(64), nullable=True),
)

# Every write appends one row per record it changed, in the same transaction: the sequence
# number orders changes, and whatever is derived from the store (the vector index, another
# process's copy) catches up by reading the changes after the last one it applied.
changes = Table(
    "changes",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", String(128), nullable=False),
    Column("op", String(16), nullable=False),  # "upsert" or "delete"
)

# Facts about the store itself, such as its identity (so a saved index can tell whether it
# was built from this store or from another one that happens to have as many changes).
store_meta = Table(
    "store_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# The answers to requests that carried an idempotency key, written in the transaction of
# the write they answer: a retry of the request finds its answer here and writes nothing.
receipts = Table(
    "receipts",
    metadata,
    Column("actor", String(64), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),  # of the request's method, path, body
    Column("status", Integer, nullable=False),
    Column("body", JSON, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
)
