"""Accepted and rejected suggestions as extra training groups for the learned ranker.

For each organisation with feedback, each of its needs (or, with none, its own profile)
is ranked as the engine ranks it, and its learned candidates become one group: accepted
candidates labelled 2, rejected ones 0, the rest 1 (they were shown and not objected to).
The group repeats FEEDBACK_REPEAT times, so that a few judgements a member took the time
to give weigh like a real consortium. Judged candidates outside the learned candidates
join the group, so every judgement is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from matcher.evaluation.training import Groups
from matcher.ranking.candidates import candidate_positions
from matcher.ranking.features import FeatureInput, feature_matrix
from matcher.ranking.hybrid import NO_HOLDOUT, TextQueryArrays, text_signals
from matcher.ranking.state import RankingState
from matcher.ranking.text import EncodedText, text_pool

FEEDBACK_REPEAT = 5
LABELS = {"accept": 2.0, "reject": 0.0}
UNJUDGED = 1.0


def latest_verdicts(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """asker -> candidate -> its latest verdict (a later accept lifts a reject)."""
    out: dict[str, dict[str, str]] = {}
    for row in sorted(rows, key=lambda r: int(r.get("id") or 0)):
        if row.get("verdict") in LABELS:
            out.setdefault(str(row["org_id"]), {})[str(row["candidate_id"])] = str(row["verdict"])
    return out


def feedback_groups(
    state: RankingState, rows: Iterable[Mapping[str, Any]], repeat: int = FEEDBACK_REPEAT
) -> Groups:
    parts = []
    for asker_id, judged in latest_verdicts(rows).items():
        if asker_id not in state.organisations:
            continue
        known = {c: v for c, v in judged.items() if c in state.organisations and c != asker_id}
        if not known:
            continue
        for text in _query_texts(state, asker_id):
            group = _group(state, text, asker_id, known)
            if group is not None:
                parts += [group] * repeat
    return Groups.join(parts)


def _query_texts(state: RankingState, asker_id: str) -> list[str]:
    needs = sorted((n for n in state.needs.values() if n.owner_id == asker_id), key=lambda n: n.id)
    return [n.text() for n in needs] or [state.organisation(asker_id).profile_text()]


def _group(
    state: RankingState, text: str, asker_id: str, judged: Mapping[str, str]
) -> Groups | None:
    encoded = EncodedText.of(state, text[:5000])
    asker = state.row(asker_id)
    terms = state.lexicon.query_terms(encoded.words)
    query = TextQueryArrays(encoded.text, encoded.vector, terms, language=encoded.language)
    admitted = state.facts.alive.view.copy()
    admitted[asker] = False
    stats = state.lexicon.statistics(terms)
    pool = text_pool(state, query, admitted, asker, stats)
    signals = text_signals(state, query, pool, stats, asker)
    weights = state.settings.need_weights
    positions = candidate_positions(
        state, signals, weights, asker, NO_HOLDOUT.group, state.settings.candidates
    )
    ids = state.index.catalog.ids
    labels_by_row = {state.row(c): LABELS[v] for c, v in judged.items()}
    judged_rows = np.asarray(sorted(labels_by_row), dtype=np.int64)
    at = np.flatnonzero(np.isin(signals.rows, judged_rows) & signals.candidates)
    positions = np.union1d(positions, at)
    if not len(at):
        return None
    given = FeatureInput(state, query, signals, asker, NO_HOLDOUT, state.walk)
    matrix = feature_matrix(given, positions)
    labels = np.asarray(
        [labels_by_row.get(int(r), UNJUDGED) for r in signals.rows[positions]], dtype=np.float64
    )
    name = f"feedback:{asker_id}:{ids[asker]}"
    return Groups(matrix, labels, np.asarray([len(positions)]), (name,))
