"""Encode many texts on Ray Data into the shared embedding cache, resumably.

Texts the cache already holds (a sound vector for this model and role) are dropped before
anything is dispatched, so a job killed half-way starts again from what it had written.
The rest go through `map_batches` to a pool of actors that each load the encoder once and
return vectors; only this process writes the cache, in transactions of
`cache_write_batch` vectors, so several workers never write one SQLite file and a kill
loses at most the batch in flight, never a vector already committed.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from embeddings.cache import CachedEncoder, EmbeddingCache, text_hash
from embeddings.encoders import Encoder, TextRole
from matcher.batch.runtime import ray_session, worker_count
from matcher.chunking import chunks_of
from matcher.errors import ConfigError, DataValidationError, StoreError
from matcher.loading import parse_organisations
from matcher.model import Organisation
from matcher.service_imports import read_upload
from matcher.settings import BatchSettings
from matcher.store import Store
from matcher.taxonomy import Taxonomy

EncoderMaker = Callable[[], Encoder]
# The last blocks of a job leave all but one worker idle: at least this many blocks per
# worker keep that tail short (one block of 128 texts was 5 s of 40 on the demo's texts),
# and at most this many calls per block keep a registry's blocks few enough for the driver.
BLOCKS_PER_WORKER = 16
MAX_CALLS_PER_BLOCK = 32


@dataclass(frozen=True)
class EncodeReport:
    model_id: str
    texts: int  # distinct texts asked for
    cached: int  # already in the cache: skipped
    encoded: int  # encoded by this job and written to the cache
    workers: int
    seconds: float

    @property
    def texts_per_second(self) -> float:
        return self.encoded / self.seconds if self.seconds else 0.0


class _EncoderActor:
    """One Ray actor: loads the encoder once, then turns batches of texts into vectors."""

    def __init__(self, make: EncoderMaker, role: TextRole) -> None:
        self.encoder = make()
        self.role = role

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.encoder.encode([str(t) for t in batch["text"]], self.role)
        return {"hash": batch["hash"], "vector": np.asarray(vectors, dtype=np.float32)}


def encode_into_cache(
    texts: Iterable[str],
    make: EncoderMaker,
    cache: EmbeddingCache,
    settings: BatchSettings,
    role: TextRole = "passage",
    show_progress: bool = False,
) -> EncodeReport:
    """Encode every text the cache lacks on Ray and write the vectors to the cache."""
    started = time.perf_counter()
    local = make()  # the model id, the dimension and the cache's soundness check
    distinct = list(dict.fromkeys(texts))
    missing = CachedEncoder(local, cache).uncached(distinct, role)
    _close(local)
    workers = 0
    if missing:
        with ray_session(settings) as ray:
            workers = worker_count(ray, settings)
            results = _vectors_on_ray(ray, missing, make, role, workers, settings)
            _write_all(cache, local.model_id, role, results, len(missing), show_progress)
    return EncodeReport(
        local.model_id,
        len(distinct),
        len(distinct) - len(missing),
        len(missing),
        workers,
        time.perf_counter() - started,
    )


def _vectors_on_ray(
    ray: ModuleType,
    texts: Sequence[str],
    make: EncoderMaker,
    role: TextRole,
    workers: int,
    settings: BatchSettings,
) -> Iterable[dict[str, Any]]:
    import pandas as pd

    ray.data.DataContext.get_current().enable_progress_bars = False  # ours counts texts
    per_block = block_size(len(texts), workers, settings.texts_per_call)
    frames = [
        pd.DataFrame({"hash": [text_hash(t) for t in chunk], "text": chunk})
        for chunk in (texts[i : i + per_block] for i in range(0, len(texts), per_block))
    ]
    dataset = ray.data.from_pandas(frames).map_batches(
        _EncoderActor,
        fn_constructor_args=(make, role),
        batch_size=settings.texts_per_call,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_cpus=1,
    )
    return dataset.iter_batches(batch_size=settings.cache_write_batch, batch_format="numpy")


def block_size(texts: int, workers: int, per_call: int) -> int:
    """Texts per Ray block: whole calls, at least `BLOCKS_PER_WORKER` blocks per worker."""
    calls = texts // (per_call * workers * BLOCKS_PER_WORKER)
    return per_call * min(max(calls, 1), MAX_CALLS_PER_BLOCK)


def _write_all(
    cache: EmbeddingCache,
    model_id: str,
    role: TextRole,
    results: Iterable[dict[str, Any]],
    total: int,
    show_progress: bool,
) -> None:
    """Each batch of results is one cache transaction, written as soon as it arrives."""
    from tqdm import tqdm

    label = f"encoding with {model_id} on Ray"
    with tqdm(total=total, desc=label, unit="text", disable=not show_progress) as progress:
        for batch in results:
            vectors = dict(zip((str(h) for h in batch["hash"]), batch["vector"], strict=True))
            try:
                cache.put_many(model_id, role, vectors)
            except sqlite3.Error as exc:
                message = f"the embedding cache {cache.path} cannot be written: {exc}"
                raise StoreError(message) from exc
            progress.update(len(vectors))


def _close(encoder: Encoder) -> None:
    closing = getattr(encoder, "close", None)
    if callable(closing):
        closing()


def organisation_texts(orgs: Iterable[Organisation], passage_words: int) -> list[str]:
    """Every text the index embeds for these organisations (chunks, as `matcher build`
    cuts them), each once."""
    return list(dict.fromkeys(c.text for o in orgs for c in chunks_of(o, passage_words)))


def store_organisations(store: Store, taxonomy: Taxonomy) -> list[Organisation]:
    orgs = list(store.load_cluster(taxonomy).organisations.values())
    if not orgs:
        raise ConfigError(f"the store {store.where} holds no organisations: import a file first")
    return orgs


def file_organisations(path: Path, taxonomy: Taxonomy) -> list[Organisation]:
    """The organisations of an import file (CSV, Excel or JSON), checked as an import is;
    a bad file names each problem, and nothing is encoded."""
    if not path.is_file():
        raise ConfigError(f"not found: {path}")
    records = read_upload(path.name, path.read_bytes())
    orgs, problems = parse_organisations(records, taxonomy, path.name)
    if problems:
        raise DataValidationError(problems, f"{path.name}: cannot read")
    return orgs
