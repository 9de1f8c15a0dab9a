"""The lexicon on disk, beside the index version it belongs to: its arrays (postings
concatenated term by term, live copies by text key) and its vocabulary, so opening a saved
index never re-reads every chunk's text and builds no object per term or text."""

from __future__ import annotations

import json
from pathlib import Path

from embeddings.arrays import has_arrays, load_arrays, save_arrays
from embeddings.columns import Column
from matcher.ranking.lexicon import Lexicon
from matcher.ranking.postings import Postings, TextCopies

LEXICON = "lexicon"  # its arrays: lexicon.<name>.npy
LEXICON_META = "lexicon.json"
FORMAT = 3  # a lexicon saved in another format is rebuilt from the indexed texts
_ARRAYS = ("key", "alive", "length", "term_start", "term_count", "terms", "tfs", "df")
_SAVED = (*_ARRAYS, "posting_sizes", "posting_slots", "posting_tfs", "copy_keys", "copy_counts")


def save_lexicon(lexicon: Lexicon, folder: Path) -> None:
    """The lexicon as arrays (postings concatenated term by term) and its vocabulary."""
    arrays = {name: getattr(lexicon, name).view for name in _ARRAYS}
    sizes, slots, tfs = lexicon.postings.flat()
    arrays |= {"posting_sizes": sizes, "posting_slots": slots, "posting_tfs": tfs}
    keys, counts = lexicon.live_copies.arrays()
    arrays |= {"copy_keys": keys, "copy_counts": counts}
    save_arrays(folder, LEXICON, arrays)
    terms = sorted(lexicon.vocabulary, key=lexicon.vocabulary.__getitem__)
    meta = {
        "format": FORMAT,
        "vocabulary": terms,
        "documents": lexicon.documents,
        "total_length": lexicon.total_length,
    }
    (folder / LEXICON_META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def load_lexicon(folder: Path) -> Lexicon | None:
    """The saved lexicon, or None when the folder holds none (or one of another format)."""
    if not (folder / LEXICON_META).exists():
        return None
    meta = json.loads((folder / LEXICON_META).read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT or not has_arrays(folder, LEXICON, _SAVED):
        return None
    arrays = load_arrays(folder, LEXICON, _SAVED)
    lexicon = Lexicon()
    for name in _ARRAYS:
        setattr(lexicon, name, Column.adopt(arrays[name], getattr(lexicon, name).fill))
    lexicon.postings = Postings.of_flat(
        arrays["posting_sizes"], arrays["posting_slots"], arrays["posting_tfs"]
    )
    lexicon.live_copies = TextCopies(arrays["copy_keys"], arrays["copy_counts"])
    lexicon.vocabulary = {term: i for i, term in enumerate(meta["vocabulary"])}
    lexicon.documents, lexicon.total_length = meta["documents"], meta["total_length"]
    return lexicon
