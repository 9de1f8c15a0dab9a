"""Score components as vectors over a pool's organisations, and their weighted combination.

These are the only places where a component's value is defined: the engine's searches and
the evaluation harness both call them, the engine on its live state, the harness with a
held-out project masked, so what is measured is what runs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

# Several matching documents say more than one: the evidence "mass" is a soft maximum
# (log-sum-exp) at this temperature, so a second document as good as the best adds
# TAU * log 2, and weaker ones add almost nothing.
MASS_TEMPERATURE = 0.05
# Link counts and track records saturate: ten joint projects are a strong tie, and the
# hundredth project says little more than the tenth.
TIES_SCALE = 10.0


def per_owner_max(values: np.ndarray, owner: np.ndarray, size: int) -> np.ndarray:
    """Each owner's best chunk value; -inf for owners without an unmasked chunk.

    `owner` is ascending (chunks are gathered owner by owner), so each owner's chunks are
    one run and a segmented maximum over the runs does it in one pass."""
    out = np.full(size, -np.inf)
    if len(values):
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        out[owner[starts]] = np.maximum.reduceat(values, starts)
    return out


def per_owner_argmax(values: np.ndarray, owner: np.ndarray, size: int) -> np.ndarray:
    """The chunk (row) that holds each owner's best value; -1 for owners without one."""
    best = per_owner_max(values, owner, size)
    out = np.full(size, -1, dtype=np.int64)
    hit = np.flatnonzero(np.isfinite(values) & (values == best[owner]))
    out[owner[hit[::-1]]] = hit[::-1]  # the first chunk wins a tie
    return out


def per_owner_mass(values: np.ndarray, owner: np.ndarray, size: int) -> np.ndarray:
    """Soft maximum over each owner's chunks (log-sum-exp); -inf without a chunk."""
    best = per_owner_max(values, owner, size)
    shifted = values - np.where(np.isfinite(best), best, 0.0)[owner]  # <= 0: exp cannot overflow
    weights = np.exp(np.where(np.isfinite(values), shifted, -np.inf) / MASS_TEMPERATURE)
    total = np.bincount(owner, weights=weights, minlength=size)
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(best), best + MASS_TEMPERATURE * np.log(total), -np.inf)


def min_max(
    values: np.ndarray,
    candidates: np.ndarray,
    reference: np.ndarray | None = None,
    min_spread: float = 0.02,
) -> np.ndarray:
    """Min-max over the candidates: the best candidate becomes 1 and the lowest candidate of
    the `reference` rows (the pool's fixed sample; every candidate when None) 0, so the scale
    does not depend on which other rows joined a pool. A component whose spread is below
    `min_spread` is left as it is (blowing noise up to [0, 1] would make it a full-weight
    signal). Non-finite values become 0."""
    finite = candidates & np.isfinite(values)
    pool = values[finite]
    sample = values[finite & reference] if reference is not None else pool
    clean = np.where(np.isfinite(values), values, 0.0)
    if len(pool) < 2 or len(sample) == 0 or float(pool.max() - sample.min()) < min_spread:
        return np.clip(clean, 0.0, None)
    low, high = float(sample.min()), float(pool.max())
    return np.clip((np.where(np.isfinite(values), values, low) - low) / (high - low), 0.0, 1.0)


def saturating(counts: np.ndarray, scale: float = TIES_SCALE) -> np.ndarray:
    """log(1 + n) / log(1 + scale), capped at 1: the first joint projects count most."""
    return np.minimum(np.log1p(np.maximum(counts, 0.0)) / np.log1p(scale), 1.0)


def log_share(counts: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """log(1 + n) / log(1 + the candidates' largest n): a popularity prior in [0, 1]."""
    pool = counts[candidates]
    top = float(pool.max()) if len(pool) else 0.0
    if top <= 0:
        return np.zeros_like(counts)
    return np.log1p(np.maximum(counts, 0.0)) / np.log1p(top)


def combine(components: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """The weighted sum of the components; a component without a weight counts 0."""
    total: np.ndarray | None = None
    for name, values in components.items():
        weight = weights.get(name, 0.0)
        if weight:
            total = weight * values if total is None else total + weight * values
    if total is None:
        size = len(next(iter(components.values()))) if components else 0
        return np.zeros(size)
    return total
