"""An on-disk embedding cache keyed by (model id, text hash, role).

SQLite rather than loose .npy files: one file, atomic commits (a crash mid-write loses at
most the batch being written, never earlier entries) and safe reads from many threads.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embeddings.encoders import Encoder, TextRole

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL,
    role TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, role, text_hash)
)
"""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors by (model, role, sha256 of the text); a path of None keeps them in memory."""

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        target = str(path) if path is not None else ":memory:"
        self._db = sqlite3.connect(target, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()

    def get_many(self, model: str, role: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(hashes), 500):  # SQLite caps bound parameters
                chunk = list(hashes[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT text_hash, vector FROM embeddings "
                    f"WHERE model = ? AND role = ? AND text_hash IN ({marks})",
                    [model, role, *chunk],
                ).fetchall()
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def put_many(self, model: str, role: str, items: dict[str, np.ndarray]) -> None:
        rows = [(model, role, k, np.asarray(v, np.float32).tobytes()) for k, v in items.items()]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)", rows)

    def count(self, model: str | None = None) -> int:
        with self._lock:
            if model is None:
                return int(self._db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])
            query = "SELECT COUNT(*) FROM embeddings WHERE model = ?"
            return int(self._db.execute(query, (model,)).fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


class CachedEncoder:
    """An Encoder that asks its cache first and encodes only the texts it has never seen.

    The last few thousand vectors also stay in memory: a query text asked again (a saved
    search, a page reloaded) costs a dictionary look-up, not a database read."""

    def __init__(self, encoder: Encoder, cache: EmbeddingCache, recent: int = 4_096) -> None:
        self.inner = encoder
        self.cache = cache
        self.hits = 0
        self.misses = 0
        self._recent: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._recent_size = recent
        self._recent_lock = threading.Lock()

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
        hashes = [text_hash(t) for t in texts]
        known = self._remembered(role, hashes)
        wanted = sorted(set(hashes) - known.keys())
        if wanted:
            known.update(self.cache.get_many(self.model_id, role, wanted))
        missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in known}
        self.hits += len(texts) - sum(1 for h in hashes if h in missing)
        self.misses += len(missing)
        if missing:
            fresh = self.inner.encode(list(missing.values()), role, show_progress)
            new = dict(zip(missing.keys(), fresh, strict=True))
            self.cache.put_many(self.model_id, role, new)
            known.update(new)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(hashes) <= 64:  # queries, not bulk builds, are what comes back
            self._remember(role, {h: known[h] for h in hashes})
        return np.stack([known[h] for h in hashes]).astype(np.float32)

    def _remembered(self, role: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        with self._recent_lock:
            found = {h: self._recent[(role, h)] for h in hashes if (role, h) in self._recent}
            for h in found:
                self._recent.move_to_end((role, h))
        return found

    def _remember(self, role: str, vectors: dict[str, np.ndarray]) -> None:
        with self._recent_lock:
            for h, vector in vectors.items():
                self._recent[(role, h)] = vector
                self._recent.move_to_end((role, h))
            while len(self._recent) > self._recent_size:
                self._recent.popitem(last=False)
