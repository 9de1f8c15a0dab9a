"""The IVF backend's copy of the vectors for re-scoring: 8 bits per dimension, on disk.

Each dimension is quantised on its own range (FAISS's ScalarQuantizer, QT_8bit, fitted on
the training sample with a margin): one byte a value, 3 GB for 8M x 384 instead of 12 GB
of float32 or 6 GB of float16. Decoding is what re-scoring costs, so it runs in FAISS's
SIMD loop (one pass) rather than in numpy (a cast, a multiply and an add: three passes
over the decoded floats, about twice as slow here). The price is precision: a cosine
comes back within about 1e-3 (a step is about 1/255 of a dimension's range), far below
the gaps that order candidates.

A working store is an unnamed temporary file (the OS deletes it when it is closed, so a
crash leaves nothing behind), grown by re-mapping it larger. A store opened from a save maps
that file read-only; the first append copies it to a working file, so the saved snapshot is
never written to.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.ann.base import require_faiss
from embeddings.arrays import save_array
from embeddings.errors import VectorIndexError

CHUNK = 65_536  # rows copied at a time between files
MARGIN = 0.1  # share of a dimension's sampled range added on each side, for later vectors


class ScalarStore:
    def __init__(
        self, ranges: np.ndarray, rows: np.ndarray | None = None, workdir: Path | None = None
    ) -> None:
        """`ranges`: the quantiser's trained (2, d) array, each dimension's low end, then
        its width."""
        lib = require_faiss()
        self.ranges = np.ascontiguousarray(ranges, dtype=np.float32).reshape(2, -1)
        self.dimension = self.ranges.shape[1]
        self._quantizer = lib.ScalarQuantizer(self.dimension, lib.ScalarQuantizer.QT_8bit)
        lib.copy_array_to_vector(self.ranges.ravel(), self._quantizer.trained)
        self._array = rows if rows is not None else np.empty((0, self.dimension), np.uint8)
        self.rows = len(self._array)
        self._handle: Any = None  # the working file, once there is one
        self._workdir = workdir

    @classmethod
    def fitted(cls, sample: np.ndarray, workdir: Path | None = None) -> ScalarStore:
        """An empty store whose per-dimension ranges cover the sample, with a margin."""
        lib = require_faiss()
        quantizer = lib.ScalarQuantizer(sample.shape[1], lib.ScalarQuantizer.QT_8bit)
        quantizer.rangestat = lib.ScalarQuantizer.RS_minmax
        quantizer.rangestat_arg = MARGIN
        quantizer.train(np.ascontiguousarray(sample, dtype=np.float32))
        return cls(lib.vector_to_array(quantizer.trained), workdir=workdir)

    def append(self, vectors: np.ndarray) -> None:
        end = self.rows + len(vectors)
        if self._handle is None or end > len(self._array):
            self._remap(max(end, 2 * len(self._array), 1024))
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._array[self.rows : end] = self._quantizer.compute_codes(vectors)
        self.rows = end

    def gather(self, positions: np.ndarray) -> np.ndarray:
        """Rows at `positions` (any shape) decoded to float32, shape positions.shape + (d,)."""
        codes = np.ascontiguousarray(self._array[positions.ravel()])
        decoded = self._quantizer.decode(codes) if len(codes) else codes.astype(np.float32)
        return decoded.reshape(*positions.shape, self.dimension)

    def _remap(self, capacity: int) -> None:
        if self._handle is None:
            # open for the store's lifetime (closed, and so deleted, when it is collected)
            handle = tempfile.TemporaryFile(dir=self._workdir, prefix="ann-sq8-")  # noqa: SIM115
            mapped = np.memmap(handle, np.uint8, "r+", shape=(capacity, self.dimension))
            for start in range(0, self.rows, CHUNK):  # rows of a saved (read-only) file
                stop = min(start + CHUNK, self.rows)
                mapped[start:stop] = self._array[start:stop]
            self._handle = handle
        else:
            mapped = np.memmap(self._handle, np.uint8, "r+", shape=(capacity, self.dimension))
        # a plain view of the mapping: numpy's memmap subclass wraps every slice it returns
        # in a new memmap object, which cost a millisecond a gather
        self._array = np.asarray(mapped)

    def save(self, path: Path) -> None:
        save_array(path, self._array[: self.rows])  # written straight from the mapping
        save_array(_ranges_path(path), self.ranges)

    @classmethod
    def open_saved(cls, path: Path, mmap: bool, workdir: Path | None) -> ScalarStore:
        saved, ranges = _mapped_read_only(path), _mapped_read_only(_ranges_path(path))
        if saved.ndim != 2 or saved.dtype != np.uint8 or ranges.shape != (2, saved.shape[1]):
            raise VectorIndexError(f"{path} does not hold 8-bit vectors and their ranges")
        store = cls(np.asarray(ranges), np.asarray(saved), workdir)
        if not mmap:
            store._remap(max(store.rows, 1024))  # copied to a working file now, not on first add
        return store


def _ranges_path(path: Path) -> Path:
    return path.with_name(path.name.replace(".npy", ".ranges.npy"))


def _mapped_read_only(path: Path) -> np.ndarray:
    try:
        return np.load(path, mmap_mode="r")
    except (OSError, ValueError) as exc:
        raise VectorIndexError(f"unreadable retrieval backend file {path}: {exc}") from exc
