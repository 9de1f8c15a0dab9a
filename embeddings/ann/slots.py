"""Ids, storage positions and tombstones: the bookkeeping every backend shares.

FAISS labels are storage positions; the caller's id at each position sits in a sorted
column (ids only grow), so id -> position is a binary search and a removal is one flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.ann.base import grown, require_faiss
from embeddings.arrays import load_array, save_array
from embeddings.errors import VectorIndexError
from embeddings.sets import distinct


@dataclass(frozen=True)
class Filter:
    """Which positions a search may return: live ones, further limited by `allowed`."""

    mask: np.ndarray | None  # one flag per position; None when every position may be returned
    count: int  # positions that may be returned
    bits: np.ndarray | None  # the mask packed for a FAISS selector (None when mask is None)

    def selector(self) -> Any | None:
        """A FAISS selector over positions; it points into `bits`, which this object owns."""
        if self.mask is None or self.bits is None:
            return None
        lib = require_faiss()
        return lib.IDSelectorBitmap(len(self.mask), lib.swig_ptr(self.bits))


class SlotTable:
    """The caller's id at each storage position (row, FAISS label), and which are live.

    Ids only grow, so the id column is sorted and id -> position is a binary search over
    8 bytes per vector, with no hash map (FAISS's IndexIDMap2 keeps one, ~40 bytes per
    vector) and no translation inside FAISS: backends search positions, then map them."""

    def __init__(self, ids: np.ndarray | None = None, live: np.ndarray | None = None) -> None:
        self._ids = ids if ids is not None else np.empty(0, dtype=np.int64)
        self._live = live if live is not None else np.empty(0, dtype=np.bool_)
        self.size = len(self._ids) if ids is not None else 0
        self.live_count = int(np.count_nonzero(self._live[: self.size]))
        self._packed_live: np.ndarray | None = None  # cached: the common filter, no `allowed`

    @property
    def dead_count(self) -> int:
        return self.size - self.live_count

    @property
    def ids(self) -> np.ndarray:
        return self._ids[: self.size]

    @property
    def live(self) -> np.ndarray:
        return self._live[: self.size]

    def append(self, ids: np.ndarray) -> np.ndarray:
        """Store new ids (strictly above every earlier id); returns their positions."""
        last = int(self._ids[self.size - 1]) if self.size else -1
        if len(ids) and (ids[0] <= last or ids[0] < 0 or np.any(np.diff(ids) <= 0)):
            raise VectorIndexError(
                f"ids must be non-negative and strictly increasing across adds "
                f"(last id {last}, got {ids[:3].tolist()}...)"
            )
        end = self.size + len(ids)
        self._ids, self._live = grown(self._ids, end), grown(self._live, end)
        self._ids[self.size : end] = ids
        self._live[self.size : end] = True
        positions = np.arange(self.size, end, dtype=np.int64)
        self.size, self.live_count, self._packed_live = end, self.live_count + len(ids), None
        return positions

    def positions(self, ids: np.ndarray) -> np.ndarray:
        """The position of each id, -1 for an id never added."""
        if self.size == 0:
            return np.full(len(ids), -1, dtype=np.int64)
        ids = np.asarray(ids, dtype=np.int64)
        # ids only grow and never repeat, so an id is at its own position or after it; a
        # backend built in one go holds every id there, which one look-up confirms (a
        # binary search over millions of ids costs more than the rest of a query's reads)
        out = np.clip(ids, 0, self.size - 1)
        missed = np.flatnonzero(self.ids[out] != ids)
        if len(missed):
            found = np.minimum(np.searchsorted(self.ids, ids[missed]), self.size - 1)
            out[missed] = np.where(self.ids[found] == ids[missed], found, -1)
        return out

    def ids_at(self, positions: np.ndarray) -> np.ndarray:
        """The id at each position; -1 (padding) stays -1."""
        if self.size == 0:
            return np.full(positions.shape, -1, dtype=np.int64)
        return np.where(positions >= 0, self.ids[np.maximum(positions, 0)], -1)

    def live_positions(self, ids: np.ndarray) -> np.ndarray:
        """Positions of ids that must be live; an unknown or removed id is an error."""
        positions = self.positions(ids)
        known = positions >= 0
        bad = ~known
        bad[known] = ~self.live[positions[known]]
        if np.any(bad):
            raise VectorIndexError(f"no live vector under id {int(ids[np.argmax(bad)])}")
        return positions

    def remove(self, ids: np.ndarray) -> None:
        positions = self.positions(ids)
        positions = distinct(positions[positions >= 0])
        positions = positions[self._live[positions]]
        self._live[positions] = False
        self.live_count -= len(positions)
        if len(positions):
            self._packed_live = None

    def filter(self, allowed: np.ndarray | None) -> Filter:
        """Live positions, limited to ids flagged in `allowed` (ids past its end are not)."""
        if allowed is None:
            if self.dead_count == 0:
                return Filter(None, self.live_count, None)
            if self._packed_live is None:
                self._packed_live = np.packbits(self.live, bitorder="little")
            return Filter(self.live, self.live_count, self._packed_live)
        mask = np.zeros(self.size, dtype=np.bool_)
        within = int(np.searchsorted(self.ids, len(allowed)))  # ids are sorted
        np.logical_and(allowed[self.ids[:within]], self.live[:within], out=mask[:within])
        # bit i of byte i >> 3 is position i: the layout FAISS's IDSelectorBitmap reads
        bits = np.packbits(mask, bitorder="little")
        return Filter(mask, int(np.count_nonzero(mask)), bits)

    def save(self, directory: Path) -> None:
        save_array(directory / "ann.ids.npy", self.ids)
        save_array(directory / "ann.live.npy", self.live)

    @classmethod
    def load(cls, directory: Path, mmap: bool) -> SlotTable:
        ids = load_array(directory / "ann.ids.npy", mmap)
        live = load_array(directory / "ann.live.npy", mmap)
        if len(ids) != len(live):
            raise VectorIndexError(f"ids and tombstones in {directory} differ in length")
        return cls(ids, live)
