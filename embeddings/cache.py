"""An on-disk embedding cache keyed by (model id, text hash, role).

SQLite rather than loose .npy files: one file, atomic commits (a crash mid-write loses at
most the batch being written, never earlier entries) and safe reads from many threads.

The cache is derived data: every vector in it can be computed again. A cache file that
fails SQLite's quick_check at opening is moved aside (its name says when) and a fresh one
started, with a note saying so; a vector read back with the wrong size, a NaN or a length
far from 1 is treated as missing and encoded again; a cache that stops answering while the
service runs is bypassed (texts are encoded without it) and reported as a problem. In no
case does a damaged cache give a wrong vector or stop a write half-way.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from embeddings.encoders import Encoder, TextRole

log = logging.getLogger(__name__)

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
        self.path = path
        self.notes: list[str] = []  # what opening had to repair, for the service's health
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = self._open()
        self._lock = threading.Lock()

    def _open(self) -> sqlite3.Connection:
        if self.path is None:
            return _connect(":memory:")
        try:
            return _connect(str(self.path), check=True)
        except sqlite3.DatabaseError as exc:
            stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S}"
            aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
            for suffix in ("", "-wal", "-shm"):
                part = Path(f"{self.path}{suffix}")
                if part.exists():
                    part.rename(f"{aside}{suffix}")
            note = (
                f"the embedding cache {self.path} was damaged ({exc}); moved to {aside.name} "
                "and started empty: texts are encoded again as they are needed"
            )
            log.warning(note)
            self.notes.append(note)
            return _connect(str(self.path))

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
                    found[key] = _vector(blob)
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


def _connect(target: str, check: bool = False) -> sqlite3.Connection:
    db = sqlite3.connect(target, check_same_thread=False)
    try:
        if check:
            found = db.execute("PRAGMA quick_check").fetchall()
            if [r[0] for r in found] != ["ok"]:
                raise sqlite3.DatabaseError("; ".join(str(r[0]) for r in found[:3]))
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(_SCHEMA)
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


class CachedEncoder:
    """An Encoder that asks its cache first and encodes only the texts it has never seen.

    The last few thousand vectors also stay in memory: a query text asked again (a saved
    search, a page reloaded) costs a dictionary look-up, not a database read."""

    def __init__(self, encoder: Encoder, cache: EmbeddingCache, recent: int = 4_096) -> None:
        self.inner = encoder
        self.cache = cache
        self.hits = 0
        self.misses = 0
        self.repaired = 0  # cached vectors found damaged and encoded again
        self.problem: str | None = None  # why the cache is bypassed, None while it works
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
            known.update(self._read(role, wanted))
        missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in known}
        self.hits += len(texts) - sum(1 for h in hashes if h in missing)
        self.misses += len(missing)
        if missing:
            fresh = self.inner.encode(list(missing.values()), role, show_progress)
            new = dict(zip(missing.keys(), fresh, strict=True))
            self._write(role, new)
            known.update(new)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(hashes) <= 64:  # queries, not bulk builds, are what comes back
            self._remember(role, {h: known[h] for h in hashes})
        return np.stack([known[h] for h in hashes]).astype(np.float32)

    def uncached(self, texts: Sequence[str], role: TextRole = "passage") -> list[str]:
        """The texts, each once and in order, that have no sound vector in memory or in the
        cache: what the encoder would still have to encode."""
        distinct = list(dict.fromkeys(texts))
        hashes = [text_hash(t) for t in distinct]
        known = self._remembered(role, hashes)
        wanted = sorted(set(hashes) - known.keys())
        if wanted:
            known.update(self._read(role, wanted))
        return [t for t, h in zip(distinct, hashes, strict=True) if h not in known]

    def close(self) -> None:
        closing = getattr(self.inner, "close", None)
        if callable(closing):
            closing()
        self.cache.close()

    def _read(self, role: str, hashes: list[str]) -> dict[str, np.ndarray]:
        """Cached vectors that are sound (the right size, finite, unit length); a damaged
        entry counts as missing and is encoded again."""
        try:
            found = self.cache.get_many(self.model_id, role, hashes)
        except sqlite3.Error as exc:
            self._bypass(exc)
            return {}
        sound = {h: v for h, v in found.items() if _sound(v, self.dimension)}
        damaged = len(found) - len(sound)
        if damaged:
            self.repaired += damaged
            log.warning("%d damaged vector(s) in the embedding cache; encoding again", damaged)
        return sound

    def _write(self, role: str, vectors: dict[str, np.ndarray]) -> None:
        try:
            self.cache.put_many(self.model_id, role, vectors)
        except sqlite3.Error as exc:
            self._bypass(exc)

    def _bypass(self, exc: sqlite3.Error) -> None:
        if self.problem is None:
            log.error("the embedding cache cannot be used (%s); encoding without it", exc)
        self.problem = (
            f"the embedding cache {self.cache.path} cannot be read or written ({exc}); texts "
            "are encoded without it (slower); restart the service to open a fresh one"
        )

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


def _vector(blob: object) -> np.ndarray:
    """A stored vector; a blob that cannot be one comes back empty (and fails _sound)."""
    if not isinstance(blob, bytes) or len(blob) % 4:
        return np.zeros(0, dtype=np.float32)
    return np.frombuffer(blob, dtype=np.float32).copy()


def _sound(vector: np.ndarray, dimension: int) -> bool:
    if vector.shape != (dimension,) or not np.isfinite(vector).all():
        return False
    return abs(float(np.linalg.norm(vector)) - 1.0) < 1e-2
