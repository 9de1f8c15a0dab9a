"""The lexicon's two large maps, shaped to open fast: term -> postings, text -> live copies.

A registry-sized lexicon has millions of terms and millions of distinct texts. Held as one
growable column per term (or a Python dict per text), opening a saved lexicon would build
millions of objects: 30 s of the start-up at 100,000 organisations. Both maps keep what
was loaded as flat, sorted numpy arrays (one read from disk, no object per entry) and put
only what changes afterwards in small per-entry structures: a term that gets new postings
moves to a column of its own, a text whose count changes goes to an overlay dict.
"""

from __future__ import annotations

import numpy as np

from embeddings.columns import Column

EMPTY_SLOTS = np.zeros(0, dtype=np.int64)
OVERLAY_LIMIT = 100_000  # changed text counts held in a dict before they are folded in
EMPTY_TFS = np.zeros(0, dtype=np.float32)


class Postings:
    """Every term's postings: the chunk slots holding it, in slot order, and its count in
    each. Loaded terms are slices of two flat arrays; grown terms are columns."""

    def __init__(
        self,
        starts: np.ndarray | None = None,
        slots: np.ndarray = EMPTY_SLOTS,
        tfs: np.ndarray = EMPTY_TFS,
    ) -> None:
        self._starts = starts if starts is not None else np.zeros(1, dtype=np.int64)
        self._slots, self._tfs = slots, tfs
        self._loaded = len(self._starts) - 1  # terms whose postings begin in the flat arrays
        self._terms = self._loaded
        self._grown: dict[int, tuple[Column, Column]] = {}

    def __len__(self) -> int:
        return self._terms

    def add_term(self) -> int:
        """A new term with no postings yet; returns its id."""
        self._terms += 1
        return self._terms - 1

    def get(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """The term's slots and term frequencies (views: read, never write)."""
        grown = self._grown.get(term)
        if grown is not None:
            return grown[0].view, grown[1].view
        if term < self._loaded:
            start, end = int(self._starts[term]), int(self._starts[term + 1])
            return self._slots[start:end], self._tfs[start:end]
        return EMPTY_SLOTS, EMPTY_TFS

    def size(self, term: int) -> int:
        return len(self.get(term)[0])

    def sizes(self, terms: np.ndarray) -> np.ndarray:
        return np.asarray([self.size(int(t)) for t in terms], dtype=np.int64)

    def append(self, term: int, slots: np.ndarray, tfs: np.ndarray) -> None:
        """New postings of a term (slots above every slot it has)."""
        grown = self._grown.get(term)
        if grown is None:
            old_slots, old_tfs = self.get(term)
            grown = self._grown[term] = (
                Column.of(np.asarray(old_slots, dtype=np.int64)),
                Column.of(np.asarray(old_tfs, dtype=np.float32)),
            )
        grown[0].extend(slots)
        grown[1].extend(tfs)

    def flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(postings per term, every slot, every frequency), term after term: the saved form."""
        if not self._grown:
            sizes = np.diff(self._starts)
            extra = np.zeros(self._terms - self._loaded, dtype=np.int64)
            return np.concatenate([sizes, extra]), self._slots, self._tfs
        parts = [self.get(t) for t in range(self._terms)]
        sizes = np.asarray([len(s) for s, _ in parts], dtype=np.int64)
        slots = np.concatenate([s for s, _ in parts]) if parts else EMPTY_SLOTS
        tfs = np.concatenate([t for _, t in parts]) if parts else EMPTY_TFS
        return sizes, slots.astype(np.int64), tfs.astype(np.float32)

    @classmethod
    def of_flat(cls, sizes: np.ndarray, slots: np.ndarray, tfs: np.ndarray) -> Postings:
        starts = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
        return cls(starts, np.asarray(slots, dtype=np.int64), np.asarray(tfs, dtype=np.float32))


class TextCopies:
    """How many live chunks carry each distinct text (by its 63-bit key); a key never set
    counts 0. Loaded counts are a sorted key array; later changes sit in an overlay."""

    def __init__(self, keys: np.ndarray | None = None, counts: np.ndarray | None = None):
        self._keys = keys if keys is not None else np.zeros(0, dtype=np.int64)
        self._counts = counts if counts is not None else np.zeros(0, dtype=np.int64)
        self._changed: dict[int, int] = {}

    def get_many(self, keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys, dtype=np.int64)
        out = np.zeros(len(keys), dtype=np.int64)
        if len(self._keys):
            at = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
            hit = self._keys[at] == keys
            out[hit] = self._counts[at[hit]]
        if self._changed:
            for i, key in enumerate(keys.tolist()):
                changed = self._changed.get(key)
                if changed is not None:
                    out[i] = changed
        return out

    def set_many(self, keys: np.ndarray, counts: np.ndarray) -> None:
        self._changed.update(
            zip(np.asarray(keys).tolist(), np.asarray(counts).tolist(), strict=True)
        )
        if len(self._changed) > max(OVERLAY_LIMIT, len(self._keys) // 4):
            self._keys, self._counts = self.arrays()  # folded in: the overlay stays small
            self._changed = {}

    def __len__(self) -> int:
        return len(self.arrays()[0])

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Every key with a live copy, sorted, and its count: the saved form."""
        changed = np.asarray(sorted(self._changed), dtype=np.int64)
        keep = ~np.isin(self._keys, changed)
        keys = np.concatenate([self._keys[keep], changed])
        counts = np.concatenate([self._counts[keep], [self._changed[k] for k in changed.tolist()]])
        order = np.argsort(keys, kind="stable")
        keys, counts = keys[order], counts[order].astype(np.int64)
        return keys[counts > 0], counts[counts > 0]
