"""Sorted distinct values of integer arrays, on the query path.

numpy 2.4's `np.unique` (and `np.union1d`, built on it) first de-duplicates through a
hash table, then sorts: 7.4 ms for 40,000 row ids here, against 0.6 ms for a sort and a
comparison with the neighbour. A partner query at a million organisations makes a dozen
such calls over tens of thousands of ids.
"""

from __future__ import annotations

import numpy as np


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending (what `np.unique` returns)."""
    ordered = np.sort(np.asarray(values).ravel())
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def union(*arrays: np.ndarray) -> np.ndarray:
    """The distinct values of all the arrays, ascending (what `np.union1d` returns)."""
    return distinct(np.concatenate([np.asarray(a).ravel() for a in arrays]))
