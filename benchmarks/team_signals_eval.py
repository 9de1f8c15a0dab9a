"""Does anything about the team already chosen predict the next real partner better than the
learned need ranking alone? Real H2020 consortia (CORDIS cleantech), leave-one-project-out.

For each of the 801 query projects the pool is the coordinator plus the learned ranking's
top 100 (the project held out in every feature, as in consortium_eval.py), and a team of the
project's real size is built greedily, one member at a time, by:

- `plain top`: the ranking's order (the baseline);
- `closeness B`: the ranking's score plus B times the summed closeness of the candidate to
  the members chosen so far (past joint projects, shared partners; the held-out project's
  links out: matcher.ranking.pairwise.team_closeness), B of either sign;
- `conditional model`: LightGBM LambdaRank over the candidate's score gap and rank, the step
  and the seats left, its closeness to the coordinator and to the chosen members, and the
  team's country and kind mix against the candidate's; trained on teams grown in the
  ranking's order. On the report half it is cross-fitted (two folds by project hash: each
  project is built by a model that never saw it), since the tune half's learned scores are
  those the ranker was trained on;
- `oracle`: one real partner (the best-ranked one) is revealed, and the others ranked by
  score plus B times closeness to it, or B for any direct joint project with it: how much a
  certainly right member says about the rest.

    python benchmarks/team_signals_eval.py   # -> benchmarks/results/team_signals_eval.json

Vectors come from var/cordis/embeddings.sqlite (shared with the other CORDIS benchmarks).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import consortium_eval as ce  # noqa: E402
from embeddings.factory import DEFAULT_ENCODER  # noqa: E402
from matcher.evaluation.protocol import half_of  # noqa: E402
from matcher.ranking.graph import Group  # noqa: E402
from matcher.ranking.state import RankingState  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "team_signals_eval.json"
POOL = 100
BETAS = (-0.25, -0.1, 0.1, 0.25, 0.5)
KINDS = ("REC", "PRC", "HES", "PUB", "OTH")


@dataclass(frozen=True)
class Pool:
    project: str
    half: str
    size: int  # the real consortium's size, coordinator included
    wanted: int  # real partners (targets)
    scores: np.ndarray  # learned score per pool member; the coordinator (0) gets -inf
    target: np.ndarray  # bool
    close: np.ndarray  # (n, n) team closeness
    joint: np.ndarray  # (n, n) joint projects of each two members (direct joint work only)
    country: np.ndarray
    kind: np.ndarray


def pools(corpus: ce.Corpus, engine: ce.Engine) -> list[Pool]:
    orgs = {r["org_id"]: r for r in ce._rows("organizations.csv")}
    index = {o: i for i, o in enumerate(corpus.orgs)}
    out = []
    for q in corpus.queries:
        me = index[q.coordinator]
        scores = ce.learned_scores(engine, corpus, q)
        scores[me] = -np.inf
        ranked = [int(i) for i in np.argsort(-scores, kind="stable") if np.isfinite(scores[i])]
        members = [me, *ranked[:POOL]]
        ids = [corpus.orgs[m] for m in members]
        out.append(
            Pool(
                corpus.ids[q.project], half_of(corpus.ids[q.project]), q.size, len(q.targets),
                scores[members], np.array([o in q.targets for o in ids]),
                ce.closeness_of(engine, corpus, q, members),
                ce.closeness_of(engine, corpus, q, members, joint_projects),
                np.array([orgs.get(o, {}).get("country", "") for o in ids]),
                np.array([orgs.get(o, {}).get("type", "") for o in ids]),
            )
        )  # fmt: skip
    return out


def joint_projects(state: RankingState, rows: np.ndarray, held: Group) -> np.ndarray:
    """(n, n) joint projects of each two of `rows`: direct joint work only."""
    return np.stack([state.graph.ties(int(row), rows, held) for row in rows.tolist()])


Picker = Callable[[Pool, list[int]], np.ndarray]


def grown(p: Pool, pick: Picker) -> int:
    """Real partners in the team grown greedily by `pick` (higher is taken first)."""
    team = [0]
    usable = np.isfinite(p.scores)
    while len(team) < min(p.size, int(usable.sum()) + 1):
        values = np.where(usable, pick(p, team), -np.inf)
        values[team] = -np.inf
        team.append(int(np.argmax(values)))
    return int(p.target[team[1:]].sum())


def plain(p: Pool, team: list[int]) -> np.ndarray:
    return p.scores


def with_closeness(beta: float) -> Picker:
    def pick(p: Pool, team: list[int]) -> np.ndarray:
        return p.scores + beta * p.close[:, team[1:]].sum(axis=1)

    return pick


def features(p: Pool, team: list[int]) -> np.ndarray:
    n, chosen = len(p.scores), team[1:]
    free = np.isfinite(p.scores)
    free[team] = False
    best = p.scores[free].max() if free.any() else 0.0
    rank = np.empty(n)
    rank[np.argsort(-p.scores, kind="stable")] = np.arange(n)
    close = p.close[:, chosen]
    in_team = [p.country[team], p.kind[team]]
    columns = [
        p.scores - best, np.log1p(rank), np.full(n, len(chosen)), np.full(n, p.size - len(team)),
        p.close[:, 0], close.sum(axis=1), close.max(axis=1) if chosen else np.zeros(n),
        p.country == p.country[0], np.full(n, len(set(in_team[0]))), p.kind == p.kind[0],
        *[np.array([(held == x).sum() for x in mine]) / len(team)
          for held, mine in zip(in_team, (p.country, p.kind), strict=True)],
        *[p.kind == k for k in KINDS], *[np.full(n, (in_team[1] == k).sum()) for k in KINDS],
    ]  # fmt: skip
    return np.column_stack(columns).astype(np.float64)


def train(chosen: list[Pool]) -> lgb.LGBMRanker:
    """LambdaRank over every step of teams grown in the ranking's order."""
    x, y, groups = [], [], []
    for p in chosen:
        order = [int(i) for i in np.argsort(-p.scores, kind="stable") if np.isfinite(p.scores[i])]
        team = [0]
        for step in range(min(p.size, len(order) + 1) - 1):
            free = np.isfinite(p.scores)
            free[team] = False
            if p.target[free].any():
                x.append(features(p, team)[free])
                y.append(p.target[free].astype(int))
                groups.append(int(free.sum()))
            team.append(order[step])
    model = lgb.LGBMRanker(
        n_estimators=150, learning_rate=0.05, num_leaves=7, min_child_samples=100,
        subsample=0.8, subsample_freq=1, colsample_bytree=0.8, random_state=0,
        deterministic=True, verbose=-1,
    )  # fmt: skip
    model.fit(np.vstack(x), np.concatenate(y), group=groups)
    return model


def by_model(model: lgb.LGBMRanker) -> Picker:
    return lambda p, team: np.asarray(model.predict(features(p, team)))


def fold(p: Pool) -> int:
    return int(hashlib.sha256(f"fold:{p.project}".encode()).hexdigest(), 16) % 2


def cross_fitted(chosen: list[Pool]) -> list[int]:
    found = [0] * len(chosen)
    for f in (0, 1):
        picker = by_model(train([p for p in chosen if fold(p) != f]))
        for i, p in enumerate(chosen):
            if fold(p) == f:
                found[i] = grown(p, picker)
    return found


def oracle(chosen: list[Pool], beta: float, relation: str = "closeness") -> float:
    """Recall of the other real partners, one real partner revealed and the others ranked
    by score plus `beta` times their relation to it: the team closeness, or direct joint
    work alone (any joint project, yes or no)."""
    hits = wanted = 0
    for p in chosen:
        real = [int(i) for i in np.argsort(-p.scores, kind="stable") if p.target[i] and i]
        if len(real) < 2:
            continue
        near = p.close if relation == "closeness" else (p.joint > 0).astype(np.float64)
        values = p.scores + beta * near[:, real[0]]
        values[[0, real[0]]] = -np.inf
        top = np.argsort(-values, kind="stable")[: p.size - 2]
        hits += int(p.target[top].sum())
        wanted += int(p.target[1:].sum()) - 1
    return round(hits / max(wanted, 1), 4)


def compared(chosen: list[Pool], found: list[int], base: list[int]) -> dict[str, object]:
    """Micro recall and the paired bootstrap against the plain top (consortium_eval's own)."""
    rows: list[dict[str, object]] = [
        {"found": f, "plain": b, "targets": p.wanted}
        for p, f, b in zip(chosen, found, base, strict=True)
    ]
    return {
        "found": ce._recall(rows, "found")["micro"],
        "vs plain top, 95% CI": ce._paired_ci(rows, "found", "plain"),
    }


def main() -> int:
    corpus = ce.load_corpus()
    engine = ce.harness(DEFAULT_ENCODER, corpus.queries, corpus)
    every = pools(corpus, engine)
    out: dict[str, object] = {"queries": len(every), "pool": POOL}
    tune = train([p for p in every if p.half == "tune"])
    for half in ("report", "tune"):
        chosen = [p for p in every if p.half == half]
        base = [grown(p, plain) for p in chosen]
        part: dict[str, object] = {"plain top": compared(chosen, base, base)}
        for beta in BETAS:
            found = [grown(p, with_closeness(beta)) for p in chosen]
            part[f"closeness {beta}"] = compared(chosen, found, base)
        found = [grown(p, by_model(tune)) for p in chosen]
        part["conditional model, trained on the tune half"] = compared(chosen, found, base)
        if half == "report":
            part["conditional model, cross-fitted"] = compared(chosen, cross_fitted(chosen), base)
        part["oracle: other real partners found, one revealed"] = {
            f"{relation} {beta}": oracle(chosen, beta, relation)
            for relation in ("closeness", "joint work")
            for beta in (0.0, *BETAS)
        }
        out[half] = part
    OUT.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
