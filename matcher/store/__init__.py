"""The durable store (SQLite by default, any SQLAlchemy URL) and its API keys."""

from matcher.store.keys import ApiKey, Role, create_key, list_keys, revoke_key, verify_key
from matcher.store.store import Store, WriteSummary, sqlite_url

__all__ = [
    "ApiKey",
    "Role",
    "Store",
    "WriteSummary",
    "create_key",
    "list_keys",
    "revoke_key",
    "sqlite_url",
    "verify_key",
]
