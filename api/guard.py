"""The service's outer guard, one pure ASGI layer inside Starlette's error middleware:

- the request body is read here first, up to MAX_BODY_BYTES: a larger one (declared or
  streamed in chunks) is a 413 before any route sees it, never the framework's 400 for a
  body it failed to parse;
- an exception nothing else handled is logged and answered as the one 500 shape, and goes
  no further: Starlette's error middleware would re-raise it to the server, which then
  drops the client's kept-alive connection;
- every response says `X-Content-Type-Options: nosniff`; answers to requests that carry
  credentials (and everything under /v1) also `Cache-Control: no-store`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from api.errors import error_body, internal_error

log = logging.getLogger("api")
Scope = dict[str, Any]
Message = dict[str, Any]
_CREDENTIALS = (b"x-api-key", b"authorization", b"cookie")


class Guard:
    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        send = _with_headers(send, _private(scope, headers))
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        body = await self._read(receive)
        if body is None:
            await self._too_large(send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, _replaying(body, receive), tracked)
        except Exception:
            log.exception("unhandled error")
            if not started:
                await internal_error()(scope, receive, send)

    async def _read(self, receive: Any) -> bytes | None:
        """The whole body, or None past the limit (the rest is not read)."""
        parts: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(parts)  # the client went away: the app sees what came
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                return None
            parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts)

    async def _too_large(self, send: Any) -> None:
        message = f"request body larger than {self.max_bytes} bytes"
        body = json.dumps(error_body("too_large", message)).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),  # the unread rest of the body must not be parsed
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _private(scope: Scope, headers: dict[bytes, bytes]) -> bool:
    return str(scope.get("path", "")).startswith("/v1") or any(h in headers for h in _CREDENTIALS)


def _with_headers(send: Any, private: bool) -> Any:
    extra = [(b"x-content-type-options", b"nosniff")]
    if private:
        extra.append((b"cache-control", b"no-store"))

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {k.lower() for k, _ in message.get("headers", [])}
            added = [(k, v) for k, v in extra if k not in present]
            message = {**message, "headers": [*message.get("headers", []), *added]}
        await send(message)

    return sending


def _replaying(body: bytes, receive: Any) -> Any:
    """A receive that hands the buffered body over once, then waits for the disconnect."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
