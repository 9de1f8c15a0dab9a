"""The lexicon on disk, beside the index version it belongs to: its arrays (postings
concatenated term by term) and its vocabulary, so opening a saved index never re-reads
every chunk's text."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from embeddings.columns import Column
from matcher.ranking.lexicon import Lexicon

LEXICON_ARRAYS = "lexicon.npz"
LEXICON_META = "lexicon.json"
_ARRAYS = ("key", "alive", "length", "term_start", "term_count", "terms", "tfs", "df")


def save_lexicon(lexicon: Lexicon, folder: Path) -> None:
    """The lexicon as arrays (postings concatenated term by term) and its vocabulary."""
    arrays = {name: getattr(lexicon, name).view for name in _ARRAYS}
    sizes = np.asarray([len(slots) for slots, _ in lexicon.postings], dtype=np.int64)
    arrays["posting_sizes"] = sizes
    arrays["posting_slots"] = _concatenated([s.view for s, _ in lexicon.postings], np.int64)
    arrays["posting_tfs"] = _concatenated([t.view for _, t in lexicon.postings], np.float32)
    copies = np.asarray(list(lexicon.live_copies.items()), dtype=np.int64).reshape(-1, 2)
    arrays["live_copies"] = copies
    with open(folder / LEXICON_ARRAYS, "wb") as handle:
        np.savez(handle, **arrays)
    terms = sorted(lexicon.vocabulary, key=lexicon.vocabulary.__getitem__)
    meta = {
        "vocabulary": terms,
        "documents": lexicon.documents,
        "total_length": lexicon.total_length,
    }
    (folder / LEXICON_META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def load_lexicon(folder: Path) -> Lexicon | None:
    """The saved lexicon, or None when the folder holds none."""
    if not (folder / LEXICON_ARRAYS).exists():
        return None
    meta = json.loads((folder / LEXICON_META).read_text(encoding="utf-8"))
    lexicon = Lexicon()
    with np.load(folder / LEXICON_ARRAYS) as arrays:
        for name in _ARRAYS:
            setattr(lexicon, name, Column.of(arrays[name], getattr(lexicon, name).fill))
        bounds = np.cumsum(arrays["posting_sizes"])[:-1]
        slots = np.split(arrays["posting_slots"], bounds)
        tfs = np.split(arrays["posting_tfs"], bounds)
        lexicon.postings = [(Column.of(s), Column.of(t)) for s, t in zip(slots, tfs, strict=True)]
        lexicon.live_copies = dict(arrays["live_copies"].tolist())
    lexicon.vocabulary = {term: i for i, term in enumerate(meta["vocabulary"])}
    lexicon.documents, lexicon.total_length = meta["documents"], meta["total_length"]
    return lexicon


def _concatenated(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)
