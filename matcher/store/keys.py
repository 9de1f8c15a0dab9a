"""API keys: random secrets shown once, stored only as SHA-256 hashes.

A key reads `cm_<id>_<secret>`; the id finds the row, the hash of the secret is compared
in constant time. The secrets carry 256 bits of randomness, so a fast hash is enough: a
slow password hash guards low-entropy human passwords, which these are not.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select, update

from matcher.errors import DataValidationError, NotFoundError, Problem
from matcher.store import schema
from matcher.store.store import Store, audit, now


class Role(StrEnum):
    STAFF = "staff"
    MEMBER = "member"
    INVESTOR = "investor"


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    role: Role
    org_id: str | None
    created_at: datetime
    revoked_at: datetime | None

    @property
    def actor(self) -> str:
        return f"key:{self.id}"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    store: Store, name: str, role: str, org_id: str | None, actor: str
) -> tuple[ApiKey, str]:
    """Create a key; returns it with the plaintext token, which is never stored."""
    problems = _key_problems(name, role, org_id)
    if org_id and not store.has("organisations", org_id):
        problems.append(Problem(f"unknown organisation {org_id!r}", column="org_id"))
    if problems:
        raise DataValidationError(problems, "invalid key request")
    key_id, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    created = now()
    row: dict[str, Any] = {
        "id": key_id,
        "name": name.strip(),
        "role": role,
        "org_id": org_id,
        "secret_hash": _hash(secret),
        "created_at": created,
        "revoked_at": None,
    }
    with store.transaction() as conn:
        conn.execute(insert(schema.api_keys).values(**row))
        public = {k: v for k, v in row.items() if k != "secret_hash"}
        public["created_at"] = created.isoformat()
        audit(conn, actor, "create", "api_keys", key_id, None, public)
    return _key(row), f"cm_{key_id}_{secret}"


def _key_problems(name: str, role: str, org_id: str | None) -> list[Problem]:
    problems = []
    if not name.strip():
        problems.append(Problem("must not be empty", column="name"))
    if role not in {r.value for r in Role}:
        problems.append(Problem(f"{role!r} is not one of: staff, member, investor", column="role"))
    if role == Role.MEMBER and not org_id:
        problems.append(
            Problem("a member key belongs to an organisation: give its id", column="org_id")
        )
    return problems


def verify_key(store: Store, token: str) -> ApiKey | None:
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "cm":
        return None
    with store.engine.connect() as conn:
        row = conn.execute(select(schema.api_keys).where(schema.api_keys.c.id == parts[1])).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.secret_hash, _hash(parts[2])):
        return None
    return _key(dict(row._mapping))


def active_key(store: Store, key_id: str) -> ApiKey | None:
    """The key with this id unless it is unknown or revoked: what a signed-in page session
    (which holds the id, never the secret) is checked against on every request."""
    with store.engine.connect() as conn:
        row = conn.execute(select(schema.api_keys).where(schema.api_keys.c.id == key_id)).first()
    if row is None or row.revoked_at is not None:
        return None
    return _key(dict(row._mapping))


def list_keys(store: Store) -> list[ApiKey]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(schema.api_keys).order_by(schema.api_keys.c.created_at))
        return [_key(dict(r._mapping)) for r in rows]


def revoke_key(store: Store, key_id: str, actor: str) -> None:
    with store.transaction() as conn:
        found = conn.execute(
            select(schema.api_keys.c.revoked_at).where(schema.api_keys.c.id == key_id)
        ).first()
        if found is None:
            raise NotFoundError("api key", key_id)
        conn.execute(
            update(schema.api_keys).where(schema.api_keys.c.id == key_id).values(revoked_at=now())
        )
        audit(conn, actor, "revoke", "api_keys", key_id, None, None)


def _key(row: dict[str, Any]) -> ApiKey:
    return ApiKey(
        row["id"],
        row["name"],
        Role(row["role"]),
        row["org_id"],
        row["created_at"],
        row["revoked_at"],
    )
