"""Bulk encoding on every core: a large batch is split over worker processes.

The native encoders run one text at a time on one thread (queries must not wait at
OpenMP barriers on a busy machine), so a build or an import of thousands of texts would
use one core of many. Above `min_chars` of text, the texts go to worker processes that each
load the encoder once and take batches in turn; below it (a query, one profile) the
in-process encoder answers, with no start-up cost. Workers are spawned, never forked: a process
forked after FAISS or torch has run hangs. The pool lives for one bulk call.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np

from embeddings.encoders import Encoder, TextRole

# Below this much text (~3,000 words, some 10 s of encoding on one core) a worker's
# start-up (loading the model, ~1-2 s) costs more than the other cores save.
MIN_PARALLEL_CHARS = 20_000
BATCH = 64  # texts per task: large enough to amortise the round trip, small for balance

_worker_encoder: Encoder | None = None


class ParallelEncoder:
    """An Encoder that encodes large batches in `workers` processes made by `make`."""

    def __init__(
        self,
        inner: Encoder,
        make: Callable[[], Encoder],
        workers: int | None = None,
        min_chars: int = MIN_PARALLEL_CHARS,
    ) -> None:
        self.inner, self.make = inner, make
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.min_chars = min_chars

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
        if self.workers < 2 or len(texts) < 2 or sum(map(len, texts)) < self.min_chars:
            return self.inner.encode(texts, role, show_progress)
        size = min(BATCH, -(-len(texts) // self.workers))  # every worker gets a share
        batches = [list(texts[i : i + size]) for i in range(0, len(texts), size)]
        context = get_context("spawn")
        with ProcessPoolExecutor(self.workers, context, _start_worker, (self.make,)) as pool:
            parts = pool.map(_encode_batch, batches, [role] * len(batches))
            return np.concatenate(list(_progress(parts, len(batches), show_progress, self)))


def _start_worker(make: Callable[[], Encoder]) -> None:
    global _worker_encoder
    _worker_encoder = make()


def _encode_batch(texts: list[str], role: TextRole) -> np.ndarray:
    assert _worker_encoder is not None, "the worker's encoder is loaded at its start"
    return _worker_encoder.encode(texts, role)


def _progress(
    parts: Iterator[np.ndarray], total: int, show: bool, encoder: ParallelEncoder
) -> Iterator[np.ndarray]:
    if not show:
        return parts
    from tqdm import tqdm

    label = f"encoding with {encoder.model_id} ({encoder.workers} processes)"
    return iter(tqdm(parts, total=total, desc=label, unit="batch"))
