"""The workbench session: a signed cookie holding an API key's id and a CSRF token.

The cookie never holds the key's secret: the visitor types the key once, the service
verifies it like any API call, and the cookie keeps only its id. Every request looks the
id up again, so revoking a key ends its sessions at once. The cookie is HttpOnly (no
script reads it), SameSite=Lax (another site's forms do not carry it) and signed with a
server secret (MATCHER_SESSION_SECRET, or a random one kept in the store folder).
Every POST form also carries the session's CSRF token, compared in constant time.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from matcher.config import AppSettings

COOKIE = "workbench_session"
MAX_AGE_SECONDS = 12 * 3600  # a signed-in session lasts a working day
SECRET_FILE = "session-secret"
_SALT = "workbench-session"


@dataclass(frozen=True)
class Session:
    csrf: str
    key_id: str | None = None

    @classmethod
    def fresh(cls) -> Session:
        return cls(csrf=secrets.token_urlsafe(32))

    def signed_in(self, key_id: str) -> Session:
        """A new CSRF token with every sign-in: a token seen before it is worth nothing."""
        return replace(Session.fresh(), key_id=key_id)

    def csrf_matches(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf, str(token))


class SessionCodec:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)

    def read(self, request: Request) -> Session | None:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            data = self._serializer.loads(raw, max_age=MAX_AGE_SECONDS)
        except BadSignature:  # forged, damaged or expired (SignatureExpired is a subclass)
            return None
        if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
            return None
        key_id = data.get("key")
        return Session(data["csrf"], key_id if isinstance(key_id, str) else None)

    def write(self, response: Response, session: Session, request: Request) -> None:
        value = self._serializer.dumps({"csrf": session.csrf, "key": session.key_id})
        response.set_cookie(
            COOKIE,
            value,
            max_age=MAX_AGE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


def session_secret(settings: AppSettings) -> str:
    """The configured secret, or the store folder's own (created once, readable by its
    owner only), so restarts keep sessions and the repository holds no secret."""
    if settings.session_secret:
        return settings.session_secret
    return _secret_file(settings.engine.store_dir / SECRET_FILE)


def _secret_file(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # written whole under a private name, then linked into place: a second worker
        # starting at the same moment reads the first one's secret, never a half-written file
        draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip()
