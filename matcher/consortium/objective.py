"""The team objective: coverage of the need's competences and areas, relevance, redundancy.

    F(T) = w_cov * sum_c v_c * f(max_{m in T} cover[m, c]) / sum_c v_c
         + w_rel * sum_{m in T} relevance[m] / max_size
         + w_area * (required areas held by some member) / (required areas)
         - w_red * sum_{m < n in T} duplicate[m, n] / (max_size * (max_size - 1) / 2)
         + w_team * sum_{m < n in T} closeness[m, n] / (max_size * (max_size - 1) / 2)

A competence counts once, through the member who covers it best (facility location), and f
is concave, so a second strong member for the same competence adds nothing and lifting a
weak competence is worth more than polishing a strong one. Coverage and areas are
submodular, relevance is modular and the pairwise redundancy penalty keeps the sum
submodular, so marginal gains only shrink as the team grows: what lazy greedy relies on.

duplicate[m, n] says whether two members do the same thing: the share of the smaller one's
coverage that the other also covers (overlap coefficient), counted only above
DUPLICATE_SHARE and scaled to [0, 1]. Two heat-pump makers for a need with six competences
share one competence, yet each is entirely the other: the share says so, a plain overlap
(1/6) would not. The hinge leaves members who merely work in the same field alone.

closeness[m, n] says how near two members already are in the record of joint work (past
joint projects, shared partners; matcher.ranking.pairwise.team_closeness): the set-aware
part of the objective. A member is valued for how it fits the coordinator AND the members
already chosen, as real consortia are built around a core that has worked together. It
rewards pairs, so the objective is no longer submodular: the builder then runs plain
greedy (every gain recomputed at each step, vectorised) instead of lazy greedy.

The penalty is the mean over the full team's pairs, so a member pays about
2 * duplicate / max_size, the order of its relevance (relevance / max_size) at any team
size. A sum divided by max_size - 1 outgrew relevance in large teams, and the builder filled
forced seats with candidates that cover nothing (on CORDIS consortia of 11+ members that cut
the real partners found from 15% to 6%).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Relevance scores are spread over at least this much before scaling to [0, 1].
MIN_SPREAD = 0.05
# Two members are duplicates to the extent that more than this share of the smaller one's
# coverage is also the other's.
DUPLICATE_SHARE = 0.5


@dataclass(frozen=True)
class ObjectiveSettings:
    """The objective's weights, and the cosine lead that counts as covering a competence.

    `min_lead`: a candidate covers a competence fully when its cosine leads the pool's
    median by the pool's best lead, but never by less than this. Without the floor the best
    of sixty unrelated candidates would always "cover" a competence nobody in the pool
    works on. The default suits multilingual-e5-small in the engine's language-centred
    space (embeddings/centering.py): on the demo cluster real competences (metering, depot
    charging, heat pumps, sorting, biogas, LED lighting, rooftop solar; English and Russian)
    lead the median organisation by 0.28-0.56, nonsense ones (tokamaks, ballet, crypto
    mining, wedding photography) by 0.16-0.18, one outlier (fishing trawlers) by 0.33.

    `team` and `redundancy` were chosen on the tune half of real H2020 consortia
    (benchmarks/QUALITY.md, consortium builder): the closeness of the members to each other
    found the most real partners at 0.25, and the redundancy penalty cost real partners in
    every measurement (real consortia hold several members doing similar work); a request
    that wants no near-duplicates sets `redundancy` itself. These defaults serve a pool
    ranked without the record of joint work; a pool from the learned need ranker gets
    RELEVANCE_LED (`default_objective`).
    """

    coverage: float = 1.0
    relevance: float = 0.5
    areas: float = 0.3
    redundancy: float = 0.0
    min_lead: float = 0.3
    team: float = 0.25  # closeness of the members to each other (the set-aware part)

    def weights(self) -> dict[str, float]:
        return {
            "coverage": self.coverage,
            "relevance": self.relevance,
            "areas": self.areas,
            "redundancy": -self.redundancy,
            "team": self.team,
        }

    @property
    def submodular(self) -> bool:
        return self.team <= 0


# The default for a pool ranked by the learned need ranker. That ranker already reads the
# asker's record of joint work, kinds and countries, and on real H2020 consortia no team term
# found more partners than its plain top: not closeness to the chosen members (in either
# sign), not even to a partner known to be real, nor a learned model of the team's country
# and kind mix (benchmarks/QUALITY.md, consortium builder). The objective then follows the
# ranking and covers the competences second; the set-aware default stays for rankings that
# know nothing of the record (a text search), where closeness to the team finds more.
RELEVANCE_LED = ObjectiveSettings(coverage=0.5, relevance=2.0, team=0.0)


def default_objective(learned_ranking: bool) -> ObjectiveSettings:
    """The objective for a request that sets none, by what ranked its pool."""
    return RELEVANCE_LED if learned_ranking else ObjectiveSettings()


def concave(x: np.ndarray) -> np.ndarray:
    return np.sqrt(np.clip(x, 0.0, 1.0))


def relative_scores(raw: np.ndarray, min_spread: float = MIN_SPREAD) -> np.ndarray:
    """Raw cosines -> [0, 1] per column: 0 at the pool's median, 1 at its best.

    Absolute cosines drift with the encoder (multilingual models put unrelated texts at
    0.7); the lead over the pool's typical candidate does not.
    """
    raw = np.atleast_2d(raw)
    if raw.shape[0] == 0:
        return raw.copy()
    low = np.median(raw, axis=0)
    spread = np.maximum(raw.max(axis=0) - low, min_spread)
    return np.clip((raw - low) / spread, 0.0, 1.0)


@dataclass(frozen=True)
class TeamProblem:
    """Everything the builder needs, as arrays over the candidate pool (rows)."""

    cover: np.ndarray  # (n, c) how well candidate m covers competence c, in [0, 1]
    weights: np.ndarray  # (c,) competence weights
    relevance: np.ndarray  # (n,) fit to the need as a whole, in [0, 1]
    area_hits: np.ndarray  # (n, a) bool: candidate holds required area a
    max_size: int
    objective: ObjectiveSettings = ObjectiveSettings()
    closeness: np.ndarray | None = None  # (n, n) in [0, 1], symmetric; None: no record

    @property
    def size(self) -> int:
        return int(self.cover.shape[0])

    def overlap(self) -> np.ndarray:
        """(n, n) how far each pair does the same thing, in [0, 1] (see the module doc)."""
        w = self.weights / max(float(self.weights.sum()), 1e-12)
        shared = (np.minimum(self.cover[:, None, :], self.cover[None, :, :]) * w).sum(axis=2)
        own = (self.cover * w).sum(axis=1)
        smaller = np.minimum(own[:, None], own[None, :])
        share = np.divide(shared, smaller, out=np.zeros_like(shared), where=smaller > 1e-9)
        out: np.ndarray = np.clip((share - DUPLICATE_SHARE) / (1 - DUPLICATE_SHARE), 0.0, 1.0)
        np.fill_diagonal(out, 0.0)
        return out


def _zero_diagonal(matrix: np.ndarray) -> np.ndarray:
    out = np.clip(np.asarray(matrix, dtype=np.float64), 0.0, 1.0).copy()
    np.fill_diagonal(out, 0.0)
    return out


def make_problem(
    raw_cover: np.ndarray,
    raw_relevance: np.ndarray,
    max_size: int,
    area_hits: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    objective: ObjectiveSettings = ObjectiveSettings(),
    closeness: np.ndarray | None = None,
) -> TeamProblem:
    """A problem from raw cosines (candidates x competences, and candidates x need)."""
    n, c = raw_cover.shape
    return TeamProblem(
        cover=relative_scores(raw_cover, objective.min_lead),
        weights=np.ones(c) if weights is None else np.asarray(weights, dtype=float),
        relevance=relative_scores(np.asarray(raw_relevance, dtype=float).reshape(-1, 1))[:, 0],
        area_hits=np.zeros((n, 0), bool) if area_hits is None else area_hits.astype(bool),
        max_size=max_size,
        objective=objective,
        closeness=closeness,
    )


class Scorer:
    """Evaluates F and marginal gains on one problem; the overlap matrix is computed once."""

    def __init__(self, problem: TeamProblem) -> None:
        self.p = problem
        self._overlap = problem.overlap()
        n = problem.size
        self._close = (
            np.zeros((n, n)) if problem.closeness is None else _zero_diagonal(problem.closeness)
        )
        self._wsum = max(float(problem.weights.sum()), 1e-12)
        self._pairs_norm = max(problem.max_size * (problem.max_size - 1) / 2, 1)

    def components(self, team: Sequence[int]) -> dict[str, float]:
        p, idx = self.p, list(team)
        if not idx:
            return {"coverage": 0.0, "relevance": 0.0, "areas": 0.0, "redundancy": 0.0, "team": 0.0}
        best = p.cover[idx].max(axis=0)
        areas = p.area_hits[idx].any(axis=0)
        pairs = self._overlap[np.ix_(idx, idx)].sum() / 2.0
        return {
            "coverage": float((p.weights * concave(best)).sum() / self._wsum),
            "relevance": float(p.relevance[idx].sum() / p.max_size),
            "areas": float(areas.mean()) if areas.size else 0.0,
            "redundancy": float(pairs / self._pairs_norm),
            "team": float(self._close[np.ix_(idx, idx)].sum() / 2.0 / self._pairs_norm),
        }

    def value(self, team: Sequence[int]) -> float:
        return self.total(self.components(team))

    def total(self, parts: dict[str, float]) -> float:
        o = self.p.objective
        return (
            o.coverage * parts["coverage"]
            + o.relevance * parts["relevance"]
            + o.areas * parts["areas"]
            - o.redundancy * parts["redundancy"]
            + o.team * parts.get("team", 0.0)
        )

    def gain(
        self, candidate: int, team: Sequence[int], best: np.ndarray, held: np.ndarray
    ) -> float:
        """F(team + candidate) - F(team), given the team's best coverage and held areas."""
        p, o = self.p, self.p.objective
        lifted = np.maximum(best, p.cover[candidate])
        cov = float((p.weights * (concave(lifted) - concave(best))).sum() / self._wsum)
        n_areas = held.size
        new_areas = float((p.area_hits[candidate] & ~held).sum() / n_areas) if n_areas else 0.0
        red = float(self._overlap[candidate, list(team)].sum()) / self._pairs_norm if team else 0.0
        rel = float(p.relevance[candidate]) / p.max_size
        team_gain = (
            float(self._close[candidate, list(team)].sum()) / self._pairs_norm if team else 0.0
        )
        value = o.coverage * cov + o.relevance * rel + o.areas * new_areas - o.redundancy * red
        return value + o.team * team_gain

    def values_with(self, team: Sequence[int]) -> np.ndarray:
        """F(team + j) for every candidate j at once (meaningless for j already in team)."""
        p, o, idx = self.p, self.p.objective, list(team)
        best, held = self.state(idx)
        lifted = np.maximum(best[None, :], p.cover)
        cov = (concave(lifted) * p.weights).sum(axis=1) / self._wsum
        rel = (p.relevance[idx].sum() + p.relevance) / p.max_size
        areas = (held[None, :] | p.area_hits).mean(axis=1) if held.size else np.zeros(p.size)
        pairs = self._overlap[np.ix_(idx, idx)].sum() / 2.0 + self._overlap[:, idx].sum(axis=1)
        red = pairs / self._pairs_norm
        close = self._close[np.ix_(idx, idx)].sum() / 2.0 + self._close[:, idx].sum(axis=1)
        out: np.ndarray = o.coverage * cov + o.relevance * rel + o.areas * areas
        return out - o.redundancy * red + o.team * close / self._pairs_norm

    def state(self, team: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """The team's best coverage per competence and its held areas (for `gain`)."""
        p, idx = self.p, list(team)
        if not idx:
            return np.zeros(p.cover.shape[1]), np.zeros(p.area_hits.shape[1], bool)
        held = np.asarray(p.area_hits[idx].any(axis=0), dtype=bool)
        return p.cover[idx].max(axis=0), held
