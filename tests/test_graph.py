"""The co-participation graph filled at once (a build, an open: numpy arrays) answers as one
linked a pair at a time (dicts), before and after later changes."""

from __future__ import annotations

import numpy as np

from matcher.ranking.graph import CoParticipation

ROWS = 25


def links(seed: int, count: int = 400) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, ROWS, count), rng.integers(0, ROWS, count)
    years = np.where(rng.random(count) < 0.2, -1, rng.integers(2014, 2020, count))
    return a, b, years


def one_at_a_time(a: np.ndarray, b: np.ndarray, years: np.ndarray, times: int) -> CoParticipation:
    graph = CoParticipation()
    for x, y, year in zip(a.tolist(), b.tolist(), years.tolist(), strict=True):
        graph.link(x, y, times, None if year < 0 else year)
    return graph


def assert_same(got: CoParticipation, want: CoParticipation) -> None:
    for row in range(ROWS):
        for part, expected in zip(got.neighbours(row), want.neighbours(row), strict=True):
            assert part.tolist() == expected.tolist()
        for other in range(row + 1, ROWS):
            assert got.years.of(row, other) == want.years.of(row, other)
    assert got.degree.view.tolist() == want.degree.view.tolist()
    assert got.pairs() == want.pairs()


def test_a_graph_filled_at_once_equals_one_linked_a_pair_at_a_time() -> None:
    a, b, years = links(1)
    filled = CoParticipation()
    filled.link_many(a, b, 1, years)
    stepwise = one_at_a_time(a, b, years, 1)
    assert_same(filled, stepwise)
    assert any(filled.years.of(x, y) for x, y, _ in filled.pairs())  # years were counted
    # later changes land on the filled arrays: more links, then links taken away
    more_a, more_b, more_years = links(2, 60)
    for graph in (filled, stepwise):
        graph.link_many(more_a, more_b, 1, more_years)
        graph.link_many(a[:150], b[:150], -1, years[:150])
        graph.link_many(a[150:], b[150:], -1)  # taken away with no year known
    assert_same(filled, stepwise)


def test_a_pair_whose_links_are_all_taken_away_forgets_its_years() -> None:
    graph = CoParticipation()
    graph.link_many(np.asarray([0, 0, 1]), np.asarray([1, 1, 2]), 1, np.asarray([2015, 2017, 2016]))
    assert graph.years.of(0, 1) == {2015: 1, 2017: 1}
    graph.link_many(np.asarray([0]), np.asarray([1]), -2)
    assert graph.years.of(0, 1) == {} and graph.neighbours(0)[0].tolist() == []
    assert graph.years.of(1, 2) == {2016: 1}
