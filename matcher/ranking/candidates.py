"""Stage one of the learned ranking: a few hundred candidates out of the scored pool.

The union of the best rows by each cheap signal the pool already carries: the semantic
and the lexical match, the linear hybrid score, the match with the asker's own projects,
the asker's past partners and the rows sharing most partners with it, and the best-known
rows of the countries the asker works with most. The learned model then scores only
these, so its costlier features (graph walks, per-document history) are computed for a
few hundred rows whatever the cluster's size. Everything here is a vectorised top-n over
the pool's arrays.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from embeddings.sets import union
from matcher.ranking.components import combine
from matcher.ranking.graph import Group
from matcher.ranking.hybrid import TextSignals
from matcher.ranking.state import RankingState
from matcher.settings import CandidateSettings

PARTNER_COUNTRIES = 3  # the asker's most frequent partner countries


def candidate_positions(
    state: RankingState,
    signals: TextSignals,
    weights: Mapping[str, float],
    asker: int | None,
    held: Group,
    settings: CandidateSettings,
) -> np.ndarray:
    """Sorted pool positions of the learned ranker's candidates."""
    usable = signals.candidates
    c = signals.components
    picks = [
        _top(c["semantic_mass"], usable, settings.semantic),
        _top(c["lexical_mass"], usable, settings.lexical),
        _top(combine(c, weights), usable, settings.linear),
        _top(c["joint"], usable, settings.joint),
    ]
    if asker is not None:
        picks.append(np.flatnonzero(usable & (c["ties"] > 0)))
        picks.append(_top(c["graph"], usable & (c["graph"] > 0), settings.graph))
        picks.append(_countries(state, signals, asker, held, settings.countries))
    return union(*picks).astype(np.int64)


def _top(values: np.ndarray, mask: np.ndarray, count: int) -> np.ndarray:
    at = np.flatnonzero(mask)
    if len(at) <= count:
        return at
    return at[np.argpartition(-values[at], count - 1)[:count]]


def _countries(
    state: RankingState, signals: TextSignals, asker: int, held: Group, count: int
) -> np.ndarray:
    """The most linked rows of the asker's most frequent partner countries."""
    partners = state.graph.partners(asker, held)
    if len(partners) == 0 or count <= 0:
        return np.zeros(0, dtype=np.int64)
    countries = state.facts.country.view[partners]
    counts = np.bincount(countries[countries >= 0])
    frequent = np.argsort(-counts)[:PARTNER_COUNTRIES]
    mask = signals.candidates & np.isin(state.facts.country.view[signals.rows], frequent)
    return _top(signals.components["popularity"], mask, count)
