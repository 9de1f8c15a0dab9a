"""The store's schema by Alembic migrations, on SQLite and PostgreSQL: the migrations make
exactly the tables of matcher/store/schema.py, a store made before migrations existed is
stamped and kept whole, and a store from a newer version is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, insert, select, text

from matcher.cli import main
from matcher.errors import StoreError
from matcher.store import Store, migrate, schema
from tests.test_store_integrity import seeded


def test_the_migrations_make_exactly_the_schema_of_the_code(store_url: str) -> None:
    store = Store(store_url)
    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), schema.metadata)
        assert migrate.current_revision(conn) == migrate.head_revision()
    assert differences == []


def test_a_store_made_before_migrations_is_stamped_and_kept_whole(
    tmp_path: Path, store_url: str
) -> None:
    # the tables as the code made them before migrations: no alembic_version table
    engine = create_engine(store_url)
    schema.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(schema.store_meta).values(key="store_id", value="made-before"))
    engine.dispose()
    store = seeded(tmp_path, store_url)
    counts, seq = store.counts(), store.last_seq()
    store.engine.dispose()

    again = Store(store_url)
    assert again.store_id == "made-before"  # the same store, not a new one
    assert again.counts() == counts and again.last_seq() == seq and counts["organisations"] > 0
    with again.engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
        assert conn.scalar(select(func.count()).select_from(text("alembic_version"))) == 1


def test_a_store_from_a_newer_version_is_refused(store_url: str) -> None:
    Store(store_url).engine.dispose()
    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"revision 'f00d'.*newer"):
        Store(store_url)


def test_db_status_and_upgrade_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = ["--store", str(tmp_path)]
    assert main(["db", "status", *folder]) == 0
    assert "revision none" in capsys.readouterr().out
    assert main(["db", "upgrade", *folder]) == 0
    assert f"revision {migrate.head_revision()}" in capsys.readouterr().out
    assert main(["db", "status", *folder]) == 0
    assert "up to date" in capsys.readouterr().out
