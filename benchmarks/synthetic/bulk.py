"""What every part of the generator shares: separate random streams, weighted draws, and
pausing the cycle collector while millions of objects are made."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Sequence

import numpy as np

# Separate random streams, so adding draws to one part does not change the others.
PLAN_STREAM, BLOCK_STREAM, NEEDS_STREAM, QUERY_STREAM, EDIT_STREAM = range(1, 6)


def draw(rng: np.random.Generator, weights: Sequence[float] | np.ndarray, size: int) -> np.ndarray:
    """Indices drawn with probability proportional to the weights."""
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum()).astype(np.int32)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Nothing generated refers back to anything, so the cycle collector would only rescan
    the growing heap again and again (a tenth of the time at a million organisations)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
