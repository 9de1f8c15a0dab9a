"""BM25 over the chunks, updated in place: an inverted index for candidates, exact scores for
any set of chunks.

The formula and the tokens are those of matcher.lexical (Okapi, k1 = 1.2, b = 0.75,
7-character prefixes). Documents are the index's chunk slots, so a posting leads straight
to a chunk and its organisation. Collection statistics (document count, frequencies,
average length) count each distinct text once, however many chunks share it (a joint
project's description sits in every partner's profile). A removed chunk's postings stay
and are skipped at query time, so a write costs only its own tokens.

Two reads: `candidates` walks the postings of the query's terms for the best chunks (the
lexical part of a query's candidate pool), skipping terms so common that their postings
would cost more than they separate; `scores` gives exact BM25 for given chunks from their
own term lists, whatever the collection size. Leaving chunks out adjusts the statistics
as if their texts had never been added (when no other chunk shares them), which is how an
evaluation holds a project out without rebuilding anything.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from embeddings.columns import Column, ranges
from embeddings.sets import distinct
from matcher.lexical import tokens
from matcher.ranking.postings import Postings, TextCopies

# A term whose postings are longer than this is not walked for candidates: it separates
# little (low idf) and would cost a pass over a large part of the collection per query.
# Chunks reached through rarer terms or the other pool sources still get its exact score.
COMMON_TERM_POSTINGS = 200_000
# Asked for more than this share of all chunks, scores come from the postings, not from
# each chunk's own terms.
POSTINGS_SHARE = 8
EMPTY = np.zeros(0, dtype=np.int64)


def text_key(text: str) -> int:
    """A stable 63-bit key of a text (stable across processes, unlike hash())."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


@dataclass(frozen=True)
class QueryTerms:
    ids: np.ndarray  # sorted term ids of the query that the collection knows
    counts: np.ndarray  # each one's count in the query


@dataclass(frozen=True)
class Statistics:
    """Collection statistics for the query's terms, some texts left out."""

    documents: int
    average_length: float
    df: np.ndarray  # per query term


class Lexicon:
    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.vocabulary: dict[str, int] = {}
        self.live_copies = TextCopies()  # text key -> live chunks with that text
        self.key = Column(np.int64, -1)  # slot -> text key
        self.alive = Column(np.bool_, False)
        self.length = Column(np.float32)  # slot -> tokens
        self.term_start = Column(np.int64)  # slot -> its distinct terms in `terms`/`tfs`
        self.term_count = Column(np.int32)
        self.terms = Column(np.int32)
        self.tfs = Column(np.float32)
        self.postings = Postings()  # term -> (slots, tfs)
        self.df = Column(np.int32)  # term -> live distinct texts containing it
        self.documents = 0  # live distinct texts
        self.total_length = 0.0

    # --- changes -------------------------------------------------------------------------
    def add(self, slots: np.ndarray, texts: Sequence[str]) -> None:
        """Index new chunks (slots above every slot added before)."""
        slots = np.asarray(slots, dtype=np.int64)
        for column in (self.key, self.alive, self.length, self.term_start, self.term_count):
            column.resize(int(slots.max()) + 1 if len(slots) else 0)
        self._write_terms(slots, texts)
        self._post(slots)
        self._count_copies(slots, +1)

    def remove(self, slots: np.ndarray) -> None:
        slots = distinct(np.asarray(slots, dtype=np.int64))
        slots = slots[slots < len(self.alive)]
        self._count_copies(slots[self.alive.view[slots]], -1)

    def _write_terms(self, slots: np.ndarray, texts: Sequence[str]) -> None:
        """Each chunk's distinct terms (sorted) and counts, appended for the whole batch."""
        counted = [Counter(tokens(text)) for text in texts]
        sizes = np.fromiter((len(c) for c in counted), dtype=np.int64, count=len(counted))
        words = [t for c in counted for t in c]
        known = self.vocabulary.get
        ids = np.fromiter((known(t, -1) for t in words), dtype=np.int32, count=len(words))
        for i in np.flatnonzero(ids < 0).tolist():  # words never seen before
            ids[i] = self._term(words[i])
        tfs = np.fromiter((n for c in counted for n in c.values()), dtype=np.float32)
        order = np.lexsort((ids, np.repeat(np.arange(len(counted)), sizes)))
        self.term_start.view[slots] = len(self.terms) + np.cumsum(sizes) - sizes
        self.term_count.view[slots] = sizes
        self.terms.extend(ids[order])
        self.tfs.extend(tfs[order])
        self.length.view[slots] = [sum(c.values()) for c in counted]
        self.key.view[slots] = [text_key(text) for text in texts]

    def _post(self, slots: np.ndarray) -> None:
        """Append the postings of new chunks, grouped by term: one append per distinct term
        of the batch, not one per token."""
        if len(slots) == 0:
            return
        terms, which = self._gather(slots)
        order = np.argsort(terms, kind="stable")
        terms, owners, tfs = terms[order], slots[which][order], self._gathered_tfs(slots)[order]
        bounds = np.flatnonzero(np.diff(terms)) + 1
        for start, end in zip([0, *bounds.tolist()], [*bounds.tolist(), len(terms)], strict=True):
            self.postings.append(int(terms[start]), owners[start:end], tfs[start:end])

    def _term(self, term: str) -> int:
        found = self.vocabulary.get(term)
        if found is None:
            found = self.vocabulary[term] = self.postings.add_term()
            self.df.extend([0])
        return found

    def _count_copies(self, slots: np.ndarray, sign: int) -> None:
        """These chunks become live (+1) or dead (-1); statistics change for the texts that
        appear (no live copy before) or disappear (none left)."""
        self.alive.view[slots] = sign > 0
        keys, first, counts = np.unique(self.key.view[slots], return_index=True, return_counts=True)
        before = self.live_copies.get_many(keys)
        after = before + sign * counts
        self.live_copies.set_many(keys, after)
        changed = slots[first[(before == 0) != (after == 0)]]
        if len(changed):
            terms, _ = self._gather(changed)
            np.add.at(self.df.view, terms, sign)
            self.documents += sign * len(changed)
            self.total_length += sign * float(self.length.view[changed].sum())

    # --- reading -------------------------------------------------------------------------
    def query_terms(self, query: str) -> QueryTerms:
        counts = Counter(t for t in tokens(query) if t in self.vocabulary)
        ids = np.asarray([self.vocabulary[t] for t in counts], dtype=np.int64)
        order = np.argsort(ids)
        return QueryTerms(ids[order], np.asarray(list(counts.values()), dtype=np.float64)[order])

    def frequency(self, phrase: str) -> int:
        """How many live texts hold the phrase's rarest word (0 when one is unknown): how
        much the cluster writes of it."""
        words = tokens(phrase)
        found = [self.vocabulary.get(w) for w in words]
        if not words or any(f is None for f in found):
            return 0
        return int(min(self.df.view[f] for f in found if f is not None))

    def hidden_texts(self, masked: np.ndarray) -> np.ndarray:
        """One slot per text whose every live chunk is among `masked` (for leave-out)."""
        masked = distinct(np.asarray(masked, dtype=np.int64))
        masked = masked[self.alive.view[masked]]
        keys, first, counts = np.unique(
            self.key.view[masked], return_index=True, return_counts=True
        )
        live = self.live_copies.get_many(keys)
        return masked[first[counts == live]]

    def statistics(self, query: QueryTerms, hidden: np.ndarray = EMPTY) -> Statistics:
        """Statistics for the query's terms; `hidden` from `hidden_texts` are left out."""
        documents = self.documents - len(hidden)
        length = self.total_length - float(self.length.view[hidden].sum())
        df = self.df.view[query.ids].astype(np.float64)
        if len(hidden):
            held_terms, _ = self._gather(hidden)
            known = held_terms[np.isin(held_terms, query.ids)]
            df -= np.bincount(np.searchsorted(query.ids, known), minlength=len(query.ids))
        return Statistics(documents, max(length / max(documents, 1), 1e-9), df)

    def scores(self, query: QueryTerms, slots: np.ndarray, stats: Statistics) -> np.ndarray:
        """Exact BM25 of the query for each given chunk (removed chunks score 0)."""
        slots = np.asarray(slots, dtype=np.int64)
        if stats.documents <= 0 or len(query.ids) == 0 or len(slots) == 0:
            return np.zeros(len(slots))
        if len(slots) * POSTINGS_SHARE > len(self.alive):
            return self._scores_by_postings(query, stats)[slots]
        terms, which = self._gather(slots)
        at = np.minimum(np.searchsorted(query.ids, terms), len(query.ids) - 1)
        hit = query.ids[at] == terms
        tf = self._gathered_tfs(slots)[hit]
        at, which = at[hit], which[hit]
        norm = self._norm(slots[which], stats)
        part = self._idf(stats)[at] * query.counts[at] * tf * (self.k1 + 1) / (tf + norm)
        out = np.bincount(which, weights=part, minlength=len(slots))
        out[~self.alive.view[slots]] = 0.0
        return out

    def _scores_by_postings(self, query: QueryTerms, stats: Statistics) -> np.ndarray:
        """Every chunk's BM25 at once, through the query terms' postings: cheaper than each
        chunk's own term list when most chunks are asked for (an exact ranking)."""
        out = np.zeros(len(self.alive))
        idf = self._idf(stats)
        for i, term in enumerate(query.ids.tolist()):
            slots, tf = self.postings.get(term)
            part = idf[i] * query.counts[i] * tf * (self.k1 + 1) / (tf + self._norm(slots, stats))
            out[slots] += part  # a chunk appears once in a term's postings
        out[~self.alive.view] = 0.0
        return out

    def candidates(self, query: QueryTerms, n: int, stats: Statistics, postings: int) -> np.ndarray:
        """Up to n live chunks with the best BM25 over the query's most informative terms:
        the rarest first, while their postings fit the `postings` budget (so a query costs
        the same at any collection size; one term is always walked when it is not common;
        chunks reached only through the terms left out still get their exact score when
        another source brings them in)."""
        idf = self._idf(stats)
        found_slots, found_parts, walked = [], [], 0
        lengths = self.postings.sizes(query.ids)
        for i in np.argsort(lengths, kind="stable").tolist():
            if lengths[i] > COMMON_TERM_POSTINGS or (walked and walked + lengths[i] > postings):
                break
            slots, tf = self.postings.get(int(query.ids[i]))
            norm = self._norm(slots, stats)
            found_slots.append(slots)
            found_parts.append(idf[i] * query.counts[i] * tf * (self.k1 + 1) / (tf + norm))
            walked += len(slots)
        if not found_slots:
            return EMPTY
        unique, totals = _summed_by_slot(np.concatenate(found_slots), np.concatenate(found_parts))
        totals[~self.alive.view[unique]] = -np.inf
        best = _top(totals, n)
        return unique[best[np.isfinite(totals[best])]]

    def _norm(self, slots: np.ndarray, stats: Statistics) -> np.ndarray:
        length = self.length.view[slots].astype(np.float64)
        return self.k1 * (1 - self.b + self.b * length / stats.average_length)

    @staticmethod
    def _idf(stats: Statistics) -> np.ndarray:
        n = stats.documents
        return np.log(1 + (n - stats.df + 0.5) / (stats.df + 0.5))

    def _gather(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The term ids of these chunks, concatenated, and which chunk each is from."""
        at, which = ranges(self.term_start.view[slots], self.term_count.view[slots])
        return self.terms.view[at].astype(np.int64), which

    def _gathered_tfs(self, slots: np.ndarray) -> np.ndarray:
        at, _ = ranges(self.term_start.view[slots], self.term_count.view[slots])
        return self.tfs.view[at].astype(np.float64)

    def term_frequencies(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(term ids, counts, which chunk) of these chunks: for rankers that weigh every
        term, such as the TF-IDF baseline."""
        terms, which = self._gather(slots)
        return terms, self._gathered_tfs(slots), which

    def document_frequencies(self, hidden: np.ndarray = EMPTY) -> tuple[np.ndarray, int]:
        """Every term's document frequency and the document count, `hidden` left out."""
        df = self.df.view.astype(np.float64)
        if len(hidden):
            np.subtract.at(df, self._gather(hidden)[0], 1)
        return df, self.documents - len(hidden)


def _summed_by_slot(slots: np.ndarray, parts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct slot once, with the sum of its parts. Every term's postings are in slot
    order (slots only grow), so a stable sort merges a few sorted runs: about four times
    faster here than np.unique's quicksort on the same data."""
    order = np.argsort(slots, kind="stable")
    ordered = slots[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    return ordered[starts], np.add.reduceat(parts[order], starts)


def _top(values: np.ndarray, n: int) -> np.ndarray:
    if len(values) <= n:
        return np.argsort(-values, kind="stable")
    best = np.argpartition(-values, n - 1)[:n]
    return best[np.argsort(-values[best], kind="stable")]
