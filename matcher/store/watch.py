"""Hearing that the store's change log grew, from whichever process wrote to it.

PostgreSQL: a thread per process LISTENs on its own connection; every write transaction
that logged a change sends a NOTIFY, delivered when it commits (matcher.store.backend).
After each (re)connection the callback runs once, because notifications sent while no
connection listened are lost; it also runs every SAFETY_SECONDS without one, so a lost
notification costs at most that long. SQLite (one machine): the thread reads the newest
sequence number every POLL_SECONDS, an index look-up.

The callback reads the change log itself (matcher.index_sync.catch_up), so a spurious or
repeated call costs a query, never a wrong answer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import make_url

from matcher.store.backend import CHANGES_CHANNEL
from matcher.store.store import Store

log = logging.getLogger(__name__)
POLL_SECONDS = 0.2  # SQLite: a write on another process is seen within this (plus its apply)
SAFETY_SECONDS = 5.0  # PostgreSQL: the longest a lost notification can delay a catch-up
WAKE_SECONDS = 0.5  # how often the listener looks whether it should stop
RECONNECT_SECONDS = (0.2, 10.0)  # the first and the longest pause between reconnections


class ChangeWatcher:
    def __init__(self, store: Store, on_change: Callable[[], None]) -> None:
        self.store, self.on_change = store, on_change
        self._stop = threading.Event()
        listening = self.store.engine.dialect.name == "postgresql"
        target = self._listen if listening else self._poll
        self._thread = threading.Thread(target=target, name="store-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=WAKE_SECONDS + 5)

    def _changed(self) -> None:
        try:
            self.on_change()
        except Exception:  # the follower reports its own failures; the watch goes on
            log.exception("following a change of the store failed")

    def _poll(self) -> None:
        seen = -1
        while not self._stop.wait(POLL_SECONDS):
            try:
                newest = self.store.last_seq()
            except Exception:
                log.exception("the store's change log cannot be read; will retry")
                continue
            if newest != seen:
                seen = newest
                self._changed()

    def _listen(self) -> None:
        pause = RECONNECT_SECONDS[0]
        while not self._stop.is_set():
            try:
                with _listening_connection(self.store.url) as conn:
                    pause = RECONNECT_SECONDS[0]
                    self._changed()  # whatever was committed while nobody listened
                    self._hear(conn)
            except Exception as exc:
                log.warning("listening for store changes failed (%s); reconnecting", exc)
            if self._stop.wait(pause):
                return
            pause = min(pause * 2, RECONNECT_SECONDS[1])

    def _hear(self, conn: Any) -> None:
        quiet = 0.0
        while not self._stop.is_set():
            heard = any(True for _ in conn.notifies(timeout=WAKE_SECONDS, stop_after=1))
            if heard:
                # a burst of commits is one catch-up: take what else has arrived meanwhile
                for _ in conn.notifies(timeout=0.001):
                    pass
            quiet = 0.0 if heard else quiet + WAKE_SECONDS
            if heard or quiet >= SAFETY_SECONDS:
                quiet = 0.0
                self._changed()


def _listening_connection(url: str) -> Any:
    import psycopg  # the `pg` extra: a PostgreSQL store cannot have opened without it

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = psycopg.connect(conninfo, autocommit=True)
    conn.execute(f"LISTEN {CHANGES_CHANNEL}")
    return conn
