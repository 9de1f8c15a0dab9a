"""What each vector is: the chunk catalogue, held once, beside the retrieval backend.

Every chunk has a slot (the id its vector carries in the backend) and, per slot, its owner
row, field, document reference and language. An owner's live chunks always occupy one
contiguous block of slots: a changed owner gets a fresh block and its old block is marked
dead, so slots are never reused and a background compaction of the backend can copy live
vectors under the same ids. Owners keep their row for life (a removed owner that comes
back gets its old row), so per-row facts elsewhere can be plain arrays indexed by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from embeddings.columns import Codes, Column, ranges
from embeddings.errors import VectorIndexError

NO_REF = -1


@dataclass(frozen=True)
class ChunkSpec:
    """One chunk as its owner describes it, before it has a slot."""

    field: str
    ref: str = ""
    language: str = ""


class ChunkCatalog:
    def __init__(self) -> None:
        self.fields, self.refs, self.languages = Codes(), Codes(), Codes()
        self.owner = Column(np.int32, -1)  # slot -> owner row
        self.field = Column(np.int8, -1)
        self.ref = Column(np.int32, NO_REF)
        self.language = Column(np.int16, -1)
        self.alive = Column(np.bool_, False)
        self.ids: list[str] = []  # row -> owner id
        self.row_of: dict[str, int] = {}
        self.start = Column(np.int64, 0)  # row -> first slot of its live block
        self.count = Column(np.int32, 0)  # row -> chunks in it
        self.row_alive = Column(np.bool_, False)

    # --- sizes ---------------------------------------------------------------------------
    @property
    def slot_count(self) -> int:
        return len(self.owner)

    @property
    def row_count(self) -> int:
        return len(self.ids)

    @property
    def live_rows(self) -> int:
        return int(self.row_alive.view.sum())

    def has(self, owner_id: str) -> bool:
        row = self.row_of.get(owner_id)
        return row is not None and bool(self.row_alive.view[row])

    def row(self, owner_id: str) -> int:
        row = self.row_of.get(owner_id)
        if row is None or not self.row_alive.view[row]:
            raise VectorIndexError(f"no chunks indexed for {owner_id!r}")
        return row

    # --- changes -------------------------------------------------------------------------
    def assign(self, owner_id: str, chunks: Sequence[ChunkSpec]) -> tuple[np.ndarray, np.ndarray]:
        """New slots for an owner's chunks; returns (old slots now dead, new slots)."""
        row = self._row_for(owner_id)
        old = self._kill_block(row)
        first = self.slot_count
        new = np.arange(first, first + len(chunks), dtype=np.int64)
        self.owner.extend(np.full(len(chunks), row))
        self.field.extend(self.fields.codes(c.field for c in chunks))
        self.ref.extend([self.refs.code(c.ref) if c.ref else NO_REF for c in chunks])
        self.language.extend(
            [self.languages.code(c.language) if c.language else -1 for c in chunks]
        )
        self.alive.extend(np.ones(len(chunks), dtype=bool))
        self.start.view[row], self.count.view[row] = first, len(chunks)
        self.row_alive.view[row] = True
        return old, new

    def release(self, owner_id: str) -> np.ndarray:
        """Forget an owner: its slots die, its row stays reserved for its id."""
        row = self.row_of.get(owner_id)
        if row is None or not self.row_alive.view[row]:
            return np.zeros(0, dtype=np.int64)
        self.row_alive.view[row] = False
        return self._kill_block(row)

    def _row_for(self, owner_id: str) -> int:
        row = self.row_of.get(owner_id)
        if row is None:
            row = self.row_of[owner_id] = len(self.ids)
            self.ids.append(owner_id)
            for column in (self.start, self.count, self.row_alive):
                column.resize(row + 1)
        return row

    def _kill_block(self, row: int) -> np.ndarray:
        first, size = int(self.start.view[row]), int(self.count.view[row])
        old = np.arange(first, first + size, dtype=np.int64)
        self.alive.view[old] = False
        self.count.view[row] = 0
        return old

    # --- reading -------------------------------------------------------------------------
    def slots_of_rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every live slot of these rows, and the position in `rows` each slot belongs to."""
        rows = np.asarray(rows, dtype=np.int64)
        return ranges(self.start.view[rows], self.count.view[rows])

    def rows_of_slots(self, slots: np.ndarray) -> np.ndarray:
        return self.owner.view[slots].astype(np.int64)

    def field_codes(self, names: Sequence[str] | frozenset[str]) -> np.ndarray:
        return self.fields.known(sorted(names))

    def live_slots(self) -> np.ndarray:
        return np.flatnonzero(self.alive.view)
