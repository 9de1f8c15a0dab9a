"""The durable store (SQLite by default, any SQLAlchemy URL) and its API keys."""

from matcher.store.keys import (
    ApiKey,
    Role,
    active_key,
    create_key,
    list_keys,
    revoke_key,
    verify_key,
)
from matcher.store.store import Store, WriteSummary, sqlite_url

__all__ = [
    "ApiKey",
    "Role",
    "Store",
    "WriteSummary",
    "active_key",
    "create_key",
    "list_keys",
    "revoke_key",
    "sqlite_url",
    "verify_key",
]
