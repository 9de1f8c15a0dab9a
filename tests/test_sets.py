"""The query path's distinct and union against numpy's own, the oracle."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.sets import distinct, union


@pytest.mark.parametrize("size", [0, 1, 2, 7, 5000])
def test_distinct_and_union_equal_numpys(size: int) -> None:
    rng = np.random.default_rng(size)
    a, b = rng.integers(-50, 400, size), rng.integers(0, 900, size // 2 + 1)
    assert distinct(a).tolist() == np.unique(a).tolist()
    assert distinct(a).dtype == a.dtype
    assert union(a, b).tolist() == np.union1d(a, b).tolist()
    assert (
        union(a.reshape(-1, 1), b, np.zeros(0, dtype=a.dtype)).tolist() == np.union1d(a, b).tolist()
    )
