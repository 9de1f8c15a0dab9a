"""Alembic's entry point for the store's migrations: always given the store's own connection
(matcher.store.migrate), inside the store's write transaction, so a migration is
serialised with every writer and lands whole or not at all."""

from __future__ import annotations

from alembic import context

from matcher.store.schema import metadata

connection = context.config.attributes["connection"]
# SQLite alters a table by copying it ("batch" mode); the same script runs on PostgreSQL
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
