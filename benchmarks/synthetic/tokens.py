"""What the encoder reads: lowercase words, and 64-bit hashes of them computed in bulk."""

from __future__ import annotations

import string

import numpy as np

# ASCII punctuation is translated byte-wise after encoding (str.translate is slow on
# non-ASCII text); the few non-ASCII separators are replaced before.
_ASCII_SEPARATORS = (string.punctuation + string.whitespace).encode()
_TO_SPACE = bytes.maketrans(_ASCII_SEPARATORS, b" " * len(_ASCII_SEPARATORS))
_OTHER_SEPARATORS = "«»–—…“”„‘’•·№\u00a0\u2009\u202f"


def spaced_bytes(text: str) -> bytes:
    """Lowercase UTF-8 with every separator a single space byte."""
    lowered = text.lower()
    for mark in _OTHER_SEPARATORS:
        if mark in lowered:
            lowered = lowered.replace(mark, " ")
    return lowered.encode("utf-8").translate(_TO_SPACE)


def tokens(text: str) -> list[str]:
    """Lowercase words: what the encoder reads."""
    return [word for word in spaced_bytes(text).decode("utf-8").split(" ") if word]


_UINT64 = 2**64
_BYTE_POWERS = np.array([pow(0x100000001B3, k, _UINT64) for k in range(64)], dtype=np.uint64)
_POSITION_MIX = np.random.default_rng(0x7E47).integers(0, 2**63, 64, dtype=np.uint64) * 2 + 1


def token_hashes(data: bytes) -> np.ndarray:
    """A 64-bit polynomial hash of every space-separated token, computed in bulk."""
    raw = np.frombuffer(data, dtype=np.uint8)
    inside = np.flatnonzero(raw != ord(" "))
    if len(inside) == 0:
        return np.zeros(0, np.uint64)
    begins = np.concatenate([[True], np.diff(inside) != 1])
    starts = np.flatnonzero(begins)
    offset = np.arange(len(inside)) - starts[np.cumsum(begins) - 1]
    values = (raw[inside].astype(np.uint64) + np.uint64(1)) * _BYTE_POWERS[offset % 64]
    return np.add.reduceat(values, starts)


def sequence_hashes(hashes: np.ndarray, is_separator: np.ndarray) -> np.ndarray:
    """Per text (each opens with a separator token), a mix of its tokens and their order."""
    starts = np.flatnonzero(is_separator)
    position = np.arange(len(hashes)) - starts[np.cumsum(is_separator) - 1]
    summed = np.add.reduceat(hashes * _POSITION_MIX[position % 64], starts)
    summed ^= summed >> 31
    summed *= np.uint64(0x9E3779B97F4A7C15)
    return summed ^ (summed >> 29)


class HashTable:
    """Token hash -> word id: a direct-address table on the hash's top bits, and a small
    sorted overflow for the words whose slot was taken (a binary search over the whole
    vocabulary was a sixth of the encoding time)."""

    def __init__(self, hashes: np.ndarray, ids: np.ndarray, bits: int = 18) -> None:
        self._shift = np.uint64(64 - bits)
        slot = self._slot(hashes)
        _, owner = np.unique(slot, return_index=True)
        self._slot_hash = np.zeros(2**bits, np.uint64)
        self._slot_id = np.full(2**bits, -1, np.int64)
        self._slot_hash[slot[owner]], self._slot_id[slot[owner]] = hashes[owner], ids[owner]
        spilled = np.ones(len(hashes), bool)
        spilled[owner] = False
        order = np.argsort(hashes[spilled])
        self._spill_hash, self._spill_id = hashes[spilled][order], ids[spilled][order]

    def _slot(self, hashes: np.ndarray) -> np.ndarray:
        # the top bits of a polynomial hash of a short word are poorly mixed; multiplying by
        # an odd constant (Fibonacci hashing) spreads them
        return (hashes * np.uint64(0x9E3779B97F4A7C15)) >> self._shift

    def lookup(self, hashes: np.ndarray) -> np.ndarray:
        """The word id of each hash, -1 for words outside the vocabulary."""
        slot = self._slot(hashes)
        found = np.where(self._slot_hash[slot] == hashes, self._slot_id[slot], -1)
        missed = np.flatnonzero(found < 0)
        if len(missed) and len(self._spill_hash):
            at = np.minimum(
                np.searchsorted(self._spill_hash, hashes[missed]), len(self._spill_hash) - 1
            )
            hit = self._spill_hash[at] == hashes[missed]
            found[missed[hit]] = self._spill_id[at[hit]]
        return found
