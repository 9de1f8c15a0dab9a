"""The engine follows the store: a committed write that the engine cannot take leaves the
service answering (the write is durable, its caller gets its 2xx) and degraded until the
engine has caught up from the store's change log.

The store commits first; applying to the in-memory engine comes after and must not turn a
committed write into an error. When it fails (a bug, memory, a backend that refuses a
vector), the follower notes from which change sequence the engine may be wrong, reports it
in the service's health, and replays the store's changes since then, in the background,
with growing pauses until it succeeds. Replaying puts records again from their current
document, so it is idempotent: nothing depends on how far the failed apply got.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

from matcher.engine import Matchmaker
from matcher.index_sync import catch_up
from matcher.store import Store
from matcher.taxonomy import Taxonomy

log = logging.getLogger(__name__)
FIRST_RETRY_SECONDS = 0.2
LAST_RETRY_SECONDS = 60.0


class IndexFollower:
    def __init__(
        self,
        engine: Matchmaker,
        store: Store,
        taxonomy: Taxonomy,
        write_lock: AbstractContextManager[object],
    ) -> None:
        self.engine, self.store, self.taxonomy = engine, store, taxonomy
        self._write_lock = write_lock
        self._lag_from: int | None = None  # the engine is right up to this change sequence
        self._reason = ""
        self._state_lock = threading.Lock()
        self._retrying: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def lag(self) -> str | None:
        """Why the engine may be behind the store, None when it is not."""
        with self._state_lock:
            if self._lag_from is None:
                return None
            return (
                f"the index lags the store after change {self._lag_from} ({self._reason}); "
                "catching up from the change log"
            )

    @property
    def lagging(self) -> bool:
        with self._state_lock:
            return self._lag_from is not None

    def follow(self, seq_before: int, apply: Callable[[], None]) -> None:
        """Apply a committed write to the engine (called under the write lock)."""
        try:
            apply()
        except Exception as exc:  # the write is committed: report, never re-raise
            log.exception("the index could not take a committed write; catching up")
            with self._state_lock:
                self._lag_from = min(seq_before, self._lag_from or seq_before)
                self._reason = f"{type(exc).__name__}: {str(exc)[:200]}"
            self._start_retrying()

    def catch_up_now(self) -> bool:
        """One attempt (taking the write lock); True when the engine is level again."""
        with self._write_lock:
            with self._state_lock:
                since = self._lag_from
            if since is None:
                return True
            try:
                caught = catch_up(self.engine, self.store, self.taxonomy, since=since)
            except Exception as exc:
                log.exception("catching up from the change log failed; will retry")
                with self._state_lock:
                    self._reason = f"{type(exc).__name__}: {str(exc)[:200]}"
                return False
            with self._state_lock:
                self._lag_from = None
            log.info("the index caught up: %d change(s) replayed", caught)
            return True

    def catch_up_with_store(self) -> int:
        """Apply the changes committed since the engine's sequence (by other processes:
        this one's own writes are applied as they commit); how many there were. A failure
        is reported and retried like a failed apply."""
        with self._write_lock:
            if self.lagging:
                return 0  # the retrying thread replays from its earlier sequence
            since = int(self.engine.applied.get("seq", 0))
            try:
                if self.store.last_seq() <= since:
                    return 0
                return catch_up(self.engine, self.store, self.taxonomy, since=since)
            except Exception as exc:
                log.exception("following the store's change log failed; catching up")
                with self._state_lock:
                    self._lag_from = since
                    self._reason = f"{type(exc).__name__}: {str(exc)[:200]}"
        self._start_retrying()
        return 0

    def close(self) -> None:
        self._stop.set()
        if self._retrying is not None:
            self._retrying.join(timeout=5)

    def _start_retrying(self) -> None:
        with self._state_lock:
            if self._retrying is not None and self._retrying.is_alive():
                return
            self._retrying = threading.Thread(
                target=self._retry, name="index-catch-up", daemon=True
            )
            self._retrying.start()

    def _retry(self) -> None:
        pause = FIRST_RETRY_SECONDS
        while not self._stop.wait(pause):
            if self.catch_up_now():
                return
            pause = min(pause * 2, LAST_RETRY_SECONDS)
