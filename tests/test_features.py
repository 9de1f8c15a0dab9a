"""Every feature of the learned ranker is leak-free: computed with a project held out, it
equals the same feature computed on a cluster rebuilt without that project, for every
query and every candidate. Plus the pairwise graph scores against brute-force oracles."""

from __future__ import annotations

import csv
import math
from dataclasses import replace
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from matcher.cordis import CordisData, load_cordis
from matcher.evaluation.harness import Setup, _cases, query_arrays, signals_of
from matcher.evaluation.protocol import Case, Protocol, read_queries
from matcher.ranking.build import build_state
from matcher.ranking.features import FEATURES, FeatureInput, feature_matrix
from matcher.ranking.graph import CoParticipation, Group
from matcher.ranking.hybrid import NO_HOLDOUT, text_signals
from matcher.ranking.pairwise import WalkMatrix, personalised_pagerank, two_hop
from matcher.ranking.pool import Pool
from matcher.settings import RankingSettings
from matcher.taxonomy import load_taxonomy
from tests.conftest import HashingEncoder

TEXTS = {
    "heat": "District heating networks with large heat pumps and thermal storage",
    "solar": "Rooftop photovoltaic modules and inverters for apartment buildings",
    "wind": "Offshore wind turbine blades, floating foundations and inspection drones",
    "waste": "Sorting municipal plastic waste and recycling it into new packaging",
}
PARTS = ("SC3", "SC3;LEIT", "SC5", "MSCA")
SCHEMES = ("RIA", "IA", "CSA")


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sixteen projects over six years: overlapping consortia, shared members across
    topics, programmes and schemes, some organisations with a single project."""
    path = tmp_path_factory.mktemp("cordis")
    projects, participation, queries = [], [], []
    for t, (topic, text) in enumerate(TEXTS.items()):
        for n in range(4):
            pid = f"{topic}-{n}"
            members = [f"o{t}{m}" for m in range(5) if m != n]
            members += [f"x{t}{n}", f"o{(t + 1) % 4}{n}"] + [f"y{t}"] * (n % 2)
            projects.append({
                "project_id": pid, "title": f"{topic} project {n}", "objective": f"{text} {n}",
                "start_year": str(2014 + n + t % 2), "programme_part": PARTS[(t + n) % 4],
                "funding_scheme": SCHEMES[n % 3],
            })  # fmt: skip
            participation += [{"project_id": pid, "org_id": m} for m in members]
            lead = members[n] if n < 3 else f"y{t}"  # y: in two projects only
            targets = ";".join(m for m in members if m != lead)
            queries.append({"project_id": pid, "coordinator_org_id": lead,
                            "target_org_ids": targets})  # fmt: skip
    orgs = sorted({r["org_id"] for r in participation})
    _write(path / "projects.csv", projects)
    _write(path / "participation.csv", participation)
    _write(path / "organizations.csv", [
        {"org_id": o, "name": o, "type": ("PRC", "REC", "HES")[int(o[-1]) % 3],
         "country": ("FI", "NO", "DE")[int(o[1]) % 3]}
        for o in orgs
    ])  # fmt: skip
    _write(path / "queries.csv", queries)
    return path


def _setup(data: CordisData, cases: list[Case] | None, queries_file: Path) -> Setup:
    # no language centring: its means are fitted on every chunk, held-out ones included
    state = build_state(
        data.cluster(), HashingEncoder(), load_taxonomy(), RankingSettings(), center_languages=False
    )
    protocol = Protocol()
    if cases is None:
        cases = list(_cases(data, state, protocol, read_queries(queries_file)))
    vectors = state.query_vectors([c.text for c in cases])
    return Setup(data, protocol, state, tuple(cases), vectors)


def _without(data: CordisData, project: str) -> CordisData:
    projects = {k: v for k, v in data.projects.items() if k != project}
    events = {k: v for k, v in data.events.items() if k != project}
    return CordisData(projects, data.participants, events)


def _features(setup: Setup, i: int) -> dict[str, np.ndarray]:
    """Features of every candidate of query i, by organisation id."""
    case, state = setup.cases[i], setup.state
    signals = signals_of(setup, i)
    positions = np.flatnonzero(signals.candidates)
    given = FeatureInput(
        state, query_arrays(setup, i), signals, case.asker, case.holdout, state.walk
    )
    matrix = feature_matrix(given, positions)
    ids = state.index.catalog.ids
    return {ids[int(r)]: matrix[j] for j, r in enumerate(signals.rows[positions])}


@pytest.fixture(scope="module")
def both(folder: Path) -> list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]:
    """Per query: features with the project held out, and on the rebuilt cluster."""
    data = load_cordis(folder)
    full = _setup(data, None, folder / "queries.csv")
    out = []
    for i, case in enumerate(full.cases):
        rebuilt_data = _without(data, case.query.project_id)
        rebuilt = _setup(rebuilt_data, [], folder / "queries.csv")
        row_of = rebuilt.state.index.catalog.row_of
        assert case.query.coordinator in row_of  # every coordinator has another project
        moved = replace(case, asker=row_of[case.query.coordinator], holdout=NO_HOLDOUT)
        vectors = rebuilt.state.query_vectors([case.text])
        alone = replace(rebuilt, cases=(moved,), vectors=vectors)
        out.append((_features(full, i), _features(alone, 0)))
    return out


@pytest.mark.parametrize("feature", FEATURES)
def test_each_feature_with_the_project_held_out_equals_a_rebuild_without_it(
    both: list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]], feature: str
) -> None:
    j = FEATURES.index(feature)
    seen = []
    for held, rebuilt in both:
        assert set(held) == set(rebuilt)
        ids = sorted(held)
        left = np.asarray([held[o][j] for o in ids])
        right = np.asarray([rebuilt[o][j] for o in ids])
        np.testing.assert_allclose(left, right, rtol=1e-6, atol=1e-6, err_msg=feature)
        seen.append(left[np.isfinite(left)])
    values = np.concatenate(seen)
    if feature not in ("areas", "preferred_country", "location"):  # absent from CORDIS
        assert len(values) and values.max() > values.min(), f"{feature} never varies"


# --- the pairwise scores against plain oracles ------------------------------------------
GROUPS = [[0, 1, 2], [0, 1, 3], [1, 4, 5], [2, 5, 6], [0, 6, 7], [3, 4], [2, 3, 7]]


def _graph(groups: list[list[int]]) -> CoParticipation:
    graph = CoParticipation()
    graph.grow(8)
    for year, g in enumerate(groups):
        for i, a in enumerate(g):
            for b in g[i + 1 :]:
                graph.link(a, b, 1, 2015 + year)
    return graph


def test_two_hop_scores_match_networkx() -> None:
    graph = _graph(GROUPS)
    simple = nx.Graph([(a, b) for a, b, _ in graph.pairs()])
    rows = np.arange(8)
    for asker in range(8):
        hop = two_hop(graph, asker, rows)
        for other in range(8):
            if other == asker:
                continue
            shared = list(nx.common_neighbors(simple, asker, other))
            assert hop.common[other] == len(shared)
            aa = sum(1 / math.log(max(simple.degree(z), 2)) for z in shared)
            assert hop.adamic_adar[other] == pytest.approx(aa)
            ra = sum(1 / simple.degree(z) for z in shared)
            assert hop.resource_allocation[other] == pytest.approx(ra)


def test_personalised_pagerank_matches_networkx_and_holds_a_project_out() -> None:
    graph = _graph(GROUPS)
    weighted = nx.Graph()
    weighted.add_weighted_edges_from(graph.pairs())
    walk = WalkMatrix()
    ours = personalised_pagerank(walk, graph, 0) / 8
    theirs = nx.pagerank(weighted, alpha=0.8, personalization={0: 1.0}, tol=1e-12)
    assert ours == pytest.approx([theirs[i] for i in range(8)], abs=5e-3)
    held = Group(np.asarray(GROUPS[1]), 2016)
    rebuilt = _graph([g for g in GROUPS if g is not GROUPS[1]])
    assert personalised_pagerank(walk, graph, 0, held) == pytest.approx(
        personalised_pagerank(WalkMatrix(), rebuilt, 0), abs=1e-9
    )


def test_a_candidates_features_do_not_depend_on_the_other_rows_of_its_pool(folder: Path) -> None:
    """A pool's scales are read over its reference sample: two pools holding the same
    reference rows (and the rows that set each component's maximum) give a candidate in
    both the same features, however many other rows the larger one holds."""
    data = load_cordis(folder)
    setup = _setup(data, None, folder / "queries.csv")
    for i in range(0, len(setup.cases), 5):
        case = setup.cases[i]
        exact = signals_of(setup, i)
        usable = np.flatnonzero(exact.candidates)
        leaders = {int(usable[np.argmax(exact.components[name][usable])]) for name in
                   ("semantic", "lexical", "popularity", "track_record")}  # fmt: skip
        rng = np.random.default_rng(i)
        reference = rng.choice(usable, len(usable) // 3, replace=False)
        small = np.union1d(reference, [*leaders, *rng.choice(usable, 4, replace=False)])
        large = np.union1d(small, rng.choice(usable, len(usable) // 2, replace=False))
        features = [
            _pool_features(setup, i, exact.rows[rows], exact.rows[reference])
            for rows in (small, large)
        ]
        for org, values in features[0].items():
            np.testing.assert_allclose(
                values,
                features[1][org],
                rtol=1e-6,
                atol=1e-9,
                err_msg=f"{case.query.project_id} {org}",
            )


def _pool_features(
    setup: Setup, i: int, rows: np.ndarray, reference: np.ndarray
) -> dict[str, np.ndarray]:
    case, state = setup.cases[i], setup.state
    arrays = query_arrays(setup, i)
    stats = state.lexicon.statistics(
        arrays.terms, state.lexicon.hidden_texts(case.holdout.slots(state))
    )
    pool = Pool(rows, np.isin(rows, reference), False)
    signals = text_signals(state, arrays, pool, stats, case.asker, case.holdout)
    positions = np.flatnonzero(signals.candidates)
    given = FeatureInput(state, arrays, signals, case.asker, case.holdout, state.walk)
    matrix = feature_matrix(given, positions)
    ids = state.index.catalog.ids
    return {ids[int(r)]: matrix[j] for j, r in enumerate(signals.rows[positions])}
