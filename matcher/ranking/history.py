"""When and under which programme each evidence chunk was done: columns over slots.

The learned ranker reads a candidate's recency (its last active year, its projects of the
last years), the match of a query to its most recent projects, and how often it worked in
the query's programme. Those need each evidence chunk's year and programme labels beside
its vector; they are set when a write puts an organisation's chunks in place (slots are
never reused, so a dead slot's values are simply never read again).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embeddings.arrays import has_arrays, load_arrays, save_arrays
from embeddings.columns import Codes, Column
from matcher.chunking import TextChunk

NO_YEAR = -(2**31)
HISTORY = "history"  # its arrays: history.<name>.npy
HISTORY_META = "history.json"
MAX_TOPICS = 64  # one bit each; labels beyond the 64th are not told apart


class ChunkHistory:
    def __init__(self) -> None:
        self.labels = Codes()
        self.year = Column(np.int32, NO_YEAR)  # slot -> its document's year
        self.topics = Column(np.uint64, 0)  # slot -> bit mask of its document's labels
        self.latest = NO_YEAR  # the latest year of any chunk: "now" for a cluster's queries

    def set(self, slots: np.ndarray, chunks: Sequence[TextChunk]) -> None:
        if len(slots) == 0:
            return
        size = int(np.max(slots)) + 1
        self.year.resize(size)
        self.topics.resize(size)
        years = np.asarray([c.year if c.year is not None else NO_YEAR for c in chunks])
        self.year.view[slots] = years
        self.topics.view[slots] = [self.mask(c.topics, grow=True) for c in chunks]
        self.latest = max(self.latest, int(years.max()))

    def mask(self, labels: Sequence[str], grow: bool = False) -> np.uint64:
        codes = self.labels.codes(labels) if grow else self.labels.known(labels)
        codes = codes[codes < MAX_TOPICS]
        return np.uint64(np.bitwise_or.reduce(np.left_shift(np.uint64(1), codes.astype(np.uint64)),
                                              initial=np.uint64(0)))  # fmt: skip

    def years_of(self, slots: np.ndarray) -> np.ndarray:
        self.year.resize(int(slots.max()) + 1 if len(slots) else 0)
        return self.year.view[slots]

    def topics_of(self, slots: np.ndarray) -> np.ndarray:
        self.topics.resize(int(slots.max()) + 1 if len(slots) else 0)
        return self.topics.view[slots]


def save_history(history: ChunkHistory, folder: Path) -> None:
    """Beside the index version it belongs to, so an open reads it instead of chunking
    every organisation's texts again."""
    save_arrays(folder, HISTORY, {"year": history.year.view, "topics": history.topics.view})
    meta = {"labels": history.labels.values, "latest": history.latest}
    (folder / HISTORY_META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def load_history(folder: Path) -> ChunkHistory | None:
    """The saved history, or None when the folder holds none."""
    if not has_arrays(folder, HISTORY, ("year", "topics")):
        return None
    meta = json.loads((folder / HISTORY_META).read_text(encoding="utf-8"))
    history = ChunkHistory()
    arrays = load_arrays(folder, HISTORY, ("year", "topics"))
    history.year = Column.adopt(arrays["year"], NO_YEAR)
    history.topics = Column.adopt(arrays["topics"], 0)
    history.labels = Codes(meta["labels"])
    history.latest = int(meta["latest"])
    return history
