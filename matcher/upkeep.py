"""Background upkeep of a serving engine: compaction when worth it, saves now and then.

Writes reach the in-memory index at once and the store at once; the index files on disk
follow on this timer (and at shutdown), never inside a request. A crash in between loses
nothing: the next start replays the store's changes after the saved sequence number.

Several server processes on one machine share the index folder, and each holds the same
index in memory (each follows the store's change log); one of them saves it, the holder of
the folder's save lease, so the others do not write the same state again. The lease is a
lock the system releases when its process ends, even by kill -9: the next process to look
takes it over.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

from matcher.engine import Matchmaker

log = logging.getLogger(__name__)


class SaveLease:
    def __init__(self, index_dir: Path) -> None:
        self.path = index_dir / "saver.lock"
        self._handle: IO[bytes] | None = None

    def held(self) -> bool:
        """Whether this process saves the index (taking the lease when it is free)."""
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "a+b")  # noqa: SIM115 (kept open while the lease is held)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                return False
            self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file releases the lock
            self._handle = None


class Upkeep:
    def __init__(
        self, engine: Matchmaker, interval: float, may_save: Callable[[], bool] = lambda: True
    ) -> None:
        """`may_save`: False while the index is known to lack a committed write (a save
        then would record a sequence the index does not fully hold)."""
        self.engine, self.interval, self.may_save = engine, interval, may_save
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="index-upkeep", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick()

    def tick(self) -> None:
        """One round: compact if worth it, then save if anything changed since the last save."""
        try:
            if self.engine.compact():
                log.info("index compacted: %s", self.engine.info())
            if self.engine.dirty and self.may_save():
                self.engine.save()
        except Exception:  # the service must outlive a failed save; the next tick retries
            log.exception("index upkeep failed; the store is unaffected, will retry")
