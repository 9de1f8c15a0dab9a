"""The store's schema, kept by Alembic migrations (matcher/store/migrations, shipped with the
package) on SQLite and PostgreSQL alike.

Opening a store brings it to the newest revision, in one write transaction (serialised with
every writer, in any process, so several processes opening one new database create it
once). A store made before migrations existed (its tables, no `alembic_version`) is
stamped with the initial revision, which is exactly that schema, and upgraded from there:
no row is touched. A store at a revision this code does not know (made by a newer version)
is refused rather than guessed at.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, inspect

from matcher.errors import StoreError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
INITIAL_REVISION = "0001"
# a table of the first schema: its presence without a version table means "made before
# migrations existed"
_FIRST_SCHEMA_TABLE = "changes"


def _config(conn: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "the store's migrations have no head revision"
    return head


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def needs_upgrade(conn: Connection) -> bool:
    return current_revision(conn) != head_revision()


def upgrade(conn: Connection, where: str) -> str | None:
    """Bring the store to the newest revision inside the caller's write transaction;
    returns the revision it was at (None: new, or made before migrations)."""
    found = current_revision(conn)
    if found == head_revision():
        return found
    config = _config(conn)
    if found is not None and not _known(config, found):
        raise StoreError(
            f"the store {where} is at schema revision {found!r}, which this version of the "
            "matcher does not know (it was made by a newer one); upgrade the matcher"
        )
    if found is None and _FIRST_SCHEMA_TABLE in inspect(conn).get_table_names():
        command.stamp(config, INITIAL_REVISION)
    command.upgrade(config, "head")
    return found


def _known(config: Config, revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(config).get_revision(revision) is not None
    except CommandError:
        return False
