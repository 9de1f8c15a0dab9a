"""The retrieval backends against a brute-force oracle written here, and the exact backend
as the oracle for the approximate ones, on seeded topic-structured vectors."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embeddings import VectorIndexError
from embeddings.ann import (
    AnnBackend,
    ExactBackend,
    HnswBackend,
    HnswParams,
    IvfPqBackend,
    IvfPqParams,
    factory,
)
from embeddings.ann.slots import SlotTable
from embeddings.ann.store import ScalarStore

DIM = 64
Data = tuple[np.ndarray, np.ndarray, np.ndarray]  # ids, vectors, queries
Pair = tuple[AnnBackend, AnnBackend]  # an approximate backend and the exact one
APPROXIMATE = ("hnsw", "ivfpq")
# measured on these data: 1.0 for both kinds, with removals, filters, after compaction;
# starved parameters (see test_starved_parameters_fall_below_the_recall_bar) give 0.34-0.68
MIN_RECALL = 0.9


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def structured(count: int, seed: int, topics: int = 40) -> np.ndarray:
    """Topic centroids sharing a common direction, plus noise: same-topic cosines 0.53-0.82,
    cross-topic 0.15-0.50 (5th-95th percentiles), clustered as text embeddings are
    (uniformly random vectors are a worst case for approximate search, unlike text)."""
    centroids = np.random.default_rng(0).normal(size=(topics, DIM)) + 1.0
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(count, DIM)) * rng.uniform(0.05, 0.12, (count, 1))
    return unit(unit(centroids)[rng.integers(0, topics, count)] + noise)


def oracle(
    stored: dict[int, np.ndarray], queries: np.ndarray, k: int, allowed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Score every stored vector in float64 and sort: the obviously correct answer."""
    ok = [allowed is None or (i < len(allowed) and allowed[i]) for i in sorted(stored)]
    ids = np.array(sorted(stored), dtype=np.int64)[np.array(ok, dtype=bool)]
    matrix = np.array([stored[i] for i in ids], dtype=np.float64).reshape(-1, DIM)
    scores = np.full((len(queries), k), -np.inf)
    found = np.full((len(queries), k), -1, dtype=np.int64)
    for row, query in enumerate(queries.astype(np.float64)):
        row_scores = matrix @ query
        order = np.argsort(-row_scores, kind="stable")[:k]
        scores[row, : len(order)], found[row, : len(order)] = row_scores[order], ids[order]
    return scores, found


def assert_matches(result: tuple[np.ndarray, ...], expected: tuple[np.ndarray, ...]) -> None:
    np.testing.assert_array_equal(result[1], expected[1])
    np.testing.assert_allclose(result[0], expected[0], atol=1e-5)


def recall_at_10(found: np.ndarray, truth: np.ndarray) -> float:
    pairs = zip(found, truth, strict=True)
    return float(np.mean([len(np.intersect1d(f[:10], t[:10])) / 10 for f, t in pairs]))


@pytest.fixture(scope="module")
def data() -> Data:
    """4,000 vectors under gapped ids (3, 6, 9, ...), and 30 queries."""
    vectors = structured(4000, seed=1)
    return 3 * np.arange(1, 4001, dtype=np.int64), vectors, structured(30, seed=2)


def built(kind: str, ids: np.ndarray, vectors: np.ndarray, **changes: Any) -> AnnBackend:
    params = factory.params_for(len(ids), DIM, kind)
    return factory.build(ids, vectors, kind, replace(params, **changes) if changes else params)


# --------------------------------------------------------------------------- exact backend
def exact_with_removals(
    data: Data, removed: int = 700
) -> tuple[ExactBackend, dict[int, np.ndarray]]:
    ids, vectors, _ = data
    backend = ExactBackend(DIM)
    backend.add(ids[:2500], vectors[:2500])
    backend.add(ids[2500:], vectors[2500:])  # a second add beyond the first capacity
    gone = np.random.default_rng(3).choice(ids, removed, replace=False)
    backend.remove(np.concatenate([gone, [10**9, -5], gone[:10]]))  # unknown, repeated: ignored
    dead = set(gone.tolist())
    stored = {int(i): v for i, v in zip(ids, vectors, strict=True) if i not in dead}
    return backend, stored


@pytest.mark.parametrize("k", [1, 10, 57])
def test_exact_search_equals_the_oracle_with_removals(data: Data, k: int) -> None:
    backend, stored = exact_with_removals(data)
    queries = data[2]
    assert backend.live_count == len(stored) and backend.dead_count == 700
    assert_matches(backend.search(queries, k), oracle(stored, queries, k))
    assert_matches(backend.search(queries[:1], k), oracle(stored, queries[:1], k))


@pytest.mark.parametrize("share", [0.02, 0.6])  # gathered rows, and a mask over all rows
def test_exact_search_with_allowed_equals_the_oracle(data: Data, share: float) -> None:
    backend, stored = exact_with_removals(data)
    ids, _, queries = data
    allowed = np.random.default_rng(4).random(ids[-1] - 100) < share  # shorter than max id
    assert_matches(backend.search(queries, 20, allowed), oracle(stored, queries, 20, allowed))


def test_exact_pads_when_fewer_than_k_are_live_and_allowed(data: Data) -> None:
    backend, stored = exact_with_removals(data)
    allowed = np.zeros(50, dtype=bool)
    allowed[[3, 6, 9, 12, 48]] = True
    live_allowed = [i for i in (3, 6, 9, 12, 48) if i in stored]
    scores, found = backend.search(data[2], 8, allowed)
    assert (found >= 0).sum(axis=1).tolist() == [len(live_allowed)] * len(found)
    assert np.all(found[:, len(live_allowed) :] == -1)
    assert np.all(scores[:, len(live_allowed) :] == -np.inf)
    assert_matches((scores, found), oracle(stored, data[2], 8, allowed))
    none_live = backend.search(data[2][:2], 3, np.isin(np.arange(50), [1, 2]))
    assert none_live[1].tolist() == [[-1] * 3] * 2
    empty = ExactBackend(DIM).search(data[2][:2], 3)
    assert empty[1].tolist() == [[-1] * 3] * 2 and backend.search(data[2], 0)[1].shape == (30, 0)


def test_exact_compaction_keeps_ids_and_answers(data: Data) -> None:
    backend, stored = exact_with_removals(data)
    fresh = backend.compacted()
    assert (fresh.live_count, fresh.dead_count) == (len(stored), 0)
    assert_matches(fresh.search(data[2], 15), oracle(stored, data[2], 15))
    assert_matches(backend.search(data[2], 15), oracle(stored, data[2], 15))  # old still usable


@pytest.mark.parametrize("mmap", [False, True])
def test_exact_save_and_load(data: Data, tmp_path: Path, mmap: bool) -> None:
    backend, stored = exact_with_removals(data)
    backend.save(tmp_path)
    loaded = factory.load(tmp_path, mmap=mmap)
    assert isinstance(loaded, ExactBackend) and loaded.dead_count == 700
    assert_matches(loaded.search(data[2], 12), oracle(stored, data[2], 12))
    extra = structured(3, seed=9)
    loaded.add(np.array([20_000, 20_001, 20_005]), extra)  # past a mapped array's capacity
    loaded.remove(np.array([3, 6]))
    np.testing.assert_array_equal(loaded.vectors(np.array([20_005])), extra[2:])
    assert factory.load(tmp_path, mmap=True).live_count == len(stored)  # the save is intact


def test_ids_must_grow_across_adds_and_lengths_must_match() -> None:
    backend = ExactBackend(DIM)
    vectors = structured(4, seed=5)
    backend.add(np.array([4, 9]), vectors[:2])
    for bad in ([9, 10], [3, 12], [12, 11], [11, 11]):
        with pytest.raises(VectorIndexError, match="strictly increasing"):
            backend.add(np.array(bad), vectors[2:])
    with pytest.raises(VectorIndexError, match="2 ids but 1 vectors"):
        backend.add(np.array([20, 21]), vectors[:1])
    with pytest.raises(VectorIndexError, match="shape"):
        backend.search(np.ones((1, DIM + 1), dtype=np.float32), 3)
    with pytest.raises(VectorIndexError, match="boolean"):
        backend.search(vectors[:1], 3, np.ones(10, dtype=np.int64))
    assert backend.live_count == 2


@pytest.mark.parametrize("kind", ["exact", *APPROXIMATE])
def test_vectors_are_the_stored_ones_and_unknown_ids_are_refused(data: Data, kind: str) -> None:
    ids, vectors, _ = data
    backend = built(kind, ids[:1000], vectors[:1000])
    backend.remove(ids[:5])
    tolerance = 2e-3 if kind == "ivfpq" else 0  # IVF-PQ keeps an 8-bit copy
    np.testing.assert_allclose(backend.vectors(ids[[5, 9, 7]]), vectors[[5, 9, 7]], atol=tolerance)
    for missing in (ids[2], ids[999] + 3, 1):  # removed, never added
        with pytest.raises(VectorIndexError, match="no live vector"):
            backend.vectors(np.array([ids[6], missing]))


# --------------------------------------------------------------------- approximate backends
@pytest.fixture(scope="module", params=APPROXIMATE)
def approximate(request: pytest.FixtureRequest, data: Data) -> Pair:
    """Each approximate kind built on the data, beside the exact backend as its oracle."""
    ids, vectors, _ = data
    return built(request.param, ids, vectors), factory.build(ids, vectors, "exact")


def test_approximate_recall_and_exact_scores(approximate: Pair, data: Data) -> None:
    backend, exact = approximate
    queries = data[2]
    scores, found = backend.search(queries, 10)
    assert recall_at_10(found, exact.search(queries, 10)[1]) >= MIN_RECALL
    # what is returned carries its true score, best first
    rescored = np.einsum("qkd,qd->qk", backend.vectors(found.ravel()).reshape(30, 10, DIM), queries)
    np.testing.assert_allclose(scores, rescored, atol=1e-5)
    original = {int(i): v for i, v in zip(data[0], data[1], strict=True)}
    pairs = zip(found, queries, strict=True)
    truth = np.array([[original[int(i)] @ query for i in row] for row, query in pairs])
    # IVF-PQ re-scores from 8-bit copies: a step is 1/255 of a dimension's range, which at
    # 16 dimensions (wide ranges) is worth up to ~3e-3 of cosine; at 384, ~1e-3
    np.testing.assert_allclose(scores, truth, atol=5e-3 if backend.kind == "ivfpq" else 1e-5)
    assert np.all(np.diff(scores, axis=1) <= 0)
    single = backend.search(queries[3:4], 10)
    np.testing.assert_array_equal(single[1], found[3:4])
    _, every = backend.search(queries[:2], 4100)  # more than there are: padded at the end
    for row in every:
        valid = row[row >= 0]
        assert len(set(valid.tolist())) == len(valid) and np.all(row[len(valid) :] == -1)


@pytest.mark.parametrize("kind", ["exact", *APPROXIMATE])
def test_candidates_hold_the_nearest_with_scores_near_the_true_ones(data: Data, kind: str) -> None:
    """A pool that scores its own candidates asks for them unscored: every backend returns
    at least the k nearest (recall against the oracle), IVF-PQ its codes' wider list with
    their estimates, never a removed or disallowed id."""
    ids, vectors, queries = data
    # through FAISS's selector, not the exact scan of a narrow filter
    backend = built(kind, ids, vectors, **({} if kind == "exact" else {"exact_filter_limit": 0}))
    gone = ids[::5]
    backend.remove(gone)
    allowed = np.random.default_rng(9).random(ids[-1] + 1) < 0.7
    exact = factory.build(ids, vectors, "exact")
    exact.remove(gone)
    truth = exact.search(queries, 10, allowed)[1]
    scores, found = backend.candidates(queries, 10, allowed)
    params = backend.params
    wanted = 10
    if isinstance(params, IvfPqParams):
        wanted = max(10 * params.rerank_factor, params.min_candidates)
    assert found.shape == (len(queries), wanted)
    assert np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=True)]) >= 0.97
    returned = found[found >= 0]
    assert not np.isin(returned, gone).any() and allowed[returned].all()
    true_scores = np.einsum(
        "qkd,qd->qk",
        exact.vectors(np.maximum(found, 0).ravel()).reshape(*found.shape, DIM),
        queries,
    )
    error = np.abs(scores - true_scores)[found >= 0]
    if kind == "ivfpq":  # 4-bit codes of 4 dimensions: estimates, a few hundredths off
        assert error.mean() < 0.05
    else:
        assert error.max() < 1e-5


def test_approximate_never_returns_removed_or_disallowed_ids(data: Data) -> None:
    """With the exact-filter limit at 0, filters go through FAISS's selector."""
    ids, vectors, queries = data
    allowed = np.random.default_rng(6).random(ids[-1] + 1) < 0.3
    gone = ids[::4]
    exact = factory.build(ids, vectors, "exact")
    exact.remove(gone)
    for kind in APPROXIMATE:
        backend = built(kind, ids, vectors, exact_filter_limit=0)
        backend.remove(gone)
        _, found = backend.search(queries, 10, allowed)
        returned = found[found >= 0]
        assert not np.isin(returned, gone).any() and allowed[returned].all()
        assert recall_at_10(found, exact.search(queries, 10, allowed)[1]) >= MIN_RECALL
        _, found = backend.search(queries, 10)
        assert not np.isin(found, gone).any()
        assert recall_at_10(found, exact.search(queries, 10)[1]) >= MIN_RECALL


def test_approximate_compaction_keeps_recall_and_the_old_backend(data: Data) -> None:
    """Also: a filter leaving few vectors is answered exactly, by a scan of those alone."""
    ids, vectors, queries = data
    gone = np.random.default_rng(7).choice(ids, 1500, replace=False)
    allowed = np.random.default_rng(8).random(ids[-1] + 1) < 0.2
    exact = factory.build(ids, vectors, "exact")
    exact.remove(gone)
    truth = exact.search(queries, 10)[1]
    for kind in APPROXIMATE:
        backend = built(kind, ids, vectors)
        backend.remove(gone)
        filtered = backend.search(queries, 10, allowed)[1]
        exactly = exact.search(queries, 10, allowed)[1]
        if kind == "ivfpq":  # exact over its 8-bit copies: near ties may swap
            assert recall_at_10(filtered, exactly) >= 0.97
        else:
            np.testing.assert_array_equal(filtered, exactly)
        before = backend.search(queries, 10)
        fresh = backend.compacted()
        assert (fresh.kind, fresh.params, fresh.dead_count) == (kind, backend.params, 0)
        assert fresh.live_count == len(ids) - 1500
        assert recall_at_10(fresh.search(queries, 10)[1], truth) >= MIN_RECALL
        np.testing.assert_array_equal(fresh.search(queries, 10, allowed)[1], filtered)
        np.testing.assert_array_equal(backend.search(queries, 10)[1], before[1])
        fresh.add(np.array([ids[-1] + 1]), queries[:1])  # ids stay ordered after compaction
        assert fresh.search(queries[:1], 1)[1][0, 0] == ids[-1] + 1


@pytest.mark.parametrize("mmap", [False, True])
def test_approximate_save_load_answers_alike_and_grows(
    approximate: Pair, data: Data, tmp_path: Path, mmap: bool
) -> None:
    backend, _ = approximate
    queries = data[2]
    backend.save(tmp_path)
    loaded = factory.load(tmp_path, mmap=mmap)
    assert type(loaded) is type(backend) and loaded.params == backend.params
    for got, want in zip(loaded.search(queries, 10), backend.search(queries, 10), strict=True):
        np.testing.assert_array_equal(got, want)
    loaded.add(np.array([10**6]), queries[:1])  # a mapped index first becomes its own copy
    loaded.remove(data[0][:100])
    assert loaded.search(queries[:1], 1)[1][0, 0] == 10**6
    assert factory.load(tmp_path, mmap=True).live_count == backend.live_count


def test_concurrent_searches_agree_with_serial_ones(approximate: Pair, data: Data) -> None:
    backend, _ = approximate
    queries = data[2]
    serial = [backend.search(queries[i : i + 1], 10)[1] for i in range(len(queries))]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda i: backend.search(queries[i : i + 1], 10)[1], range(30)))
    for got, want in zip(threaded, serial, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    ("kind", "starved"),
    [
        ("hnsw", {"m": 4, "ef_construction": 8, "ef_search": 1}),
        ("ivfpq", {"nprobe": 1, "min_candidates": 10, "rerank_factor": 1}),
    ],
)
def test_starved_parameters_fall_below_the_recall_bar(data: Data, kind: str, starved: dict) -> None:
    """The recall checks above can fail: these data are not so easy that anything passes."""
    ids, vectors, queries = data
    truth = factory.build(ids, vectors, "exact").search(queries, 10)[1]
    assert recall_at_10(built(kind, ids, vectors, **starved).search(queries, 10)[1], truth) < 0.8


def test_ivfpq_with_a_graph_coarse_quantiser(data: Data) -> None:
    ids, vectors, queries = data
    backend = built("ivfpq", ids, vectors, coarse_hnsw=True)
    truth = factory.build(ids, vectors, "exact").search(queries, 10)[1]
    assert recall_at_10(backend.search(queries, 10)[1], truth) >= MIN_RECALL


def test_the_8_bit_copy_decodes_within_a_step_and_never_writes_its_save(
    data: Data, tmp_path: Path
) -> None:
    vectors = data[1]
    store = ScalarStore.fitted(vectors[:500])
    store.append(vectors)
    width = store.ranges[1]
    positions = np.array([[3, 600], [1999, 0]])
    decoded = store.gather(positions)
    assert decoded.shape == (2, 2, vectors.shape[1])
    inside = np.all(
        (vectors[positions] >= store.ranges[0]) & (vectors[positions] <= width + store.ranges[0]),
        axis=-1,
    )
    error = np.abs(decoded - vectors[positions])[inside]
    assert error.max() <= width.max() / 255  # half a step each side, and float rounding
    far = np.full((1, vectors.shape[1]), 10.0, dtype=np.float32)  # beyond every range: clamped
    store.append(far)
    np.testing.assert_allclose(
        store.gather(np.array([store.rows - 1]))[0], store.ranges.sum(0), rtol=1e-2
    )
    store.save(tmp_path / "v.npy")
    before = (tmp_path / "v.npy").read_bytes()
    opened = ScalarStore.open_saved(tmp_path / "v.npy", mmap=True, workdir=tmp_path)
    np.testing.assert_array_equal(opened.gather(positions), decoded)
    opened.append(vectors[:10])
    assert opened.rows == store.rows + 10 and (tmp_path / "v.npy").read_bytes() == before


# ---------------------------------------------------------------------------------- factory
def test_the_factory_chooses_the_kind_by_size(monkeypatch: pytest.MonkeyPatch, data: Data) -> None:
    assert [factory.kind_for(n) for n in (0, 49_999, 50_000, 1_000_000, 1_000_001)] == [
        "exact", "exact", "hnsw", "hnsw", "ivfpq",
    ]  # fmt: skip
    ids, vectors = data[0][:1500], data[1][:1500]
    assert factory.build(ids, vectors).kind == "exact"
    monkeypatch.setattr(factory, "EXACT_LIMIT", 1_000)  # e.g. to test HNSW on little data
    backend = factory.build(ids, vectors)
    assert isinstance(backend, HnswBackend) and backend.params == factory.hnsw_params(1500)
    monkeypatch.setattr(factory, "HNSW_LIMIT", 1_200)
    assert isinstance(factory.build(ids, vectors), IvfPqBackend)


def test_the_factory_derives_parameters_from_the_size() -> None:
    small, large = factory.params_for(100_000, 384), factory.params_for(400_000, 384)
    assert isinstance(small, HnswParams) and isinstance(large, HnswParams)
    assert large.m > small.m and large.ef_search >= small.ef_search >= 100
    at_8m = factory.params_for(8_000_000, 384)
    assert isinstance(at_8m, IvfPqParams)
    assert (at_8m.nlist, at_8m.sub_quantizers, at_8m.coarse_hnsw) == (2048, 96, False)
    assert at_8m.nprobe < at_8m.nlist and at_8m.train_size >= 39 * at_8m.nlist
    huge = factory.params_for(200_000_000, 384)
    assert isinstance(huge, IvfPqParams) and huge.nlist == 16_384 and huge.coarse_hnsw
    tiny = factory.params_for(1_000, 10, "ivfpq")  # a forced IVF on little data: few lists
    assert isinstance(tiny, IvfPqParams) and tiny.nlist == 16 and 10 % tiny.sub_quantizers == 0


def test_the_factory_refuses_unknown_kinds_params_and_formats(data: Data, tmp_path: Path) -> None:
    ids, vectors, _ = data
    with pytest.raises(VectorIndexError, match="unknown retrieval backend kind"):
        factory.build(ids, vectors, kind="annoy")
    with pytest.raises(VectorIndexError, match="trained"):
        factory.empty("ivfpq", DIM)
    with pytest.raises(VectorIndexError, match="HnswParams"):
        factory.empty("exact", DIM, HnswParams())
    with pytest.raises(VectorIndexError, match="IvfPqParams"):
        factory.build(ids, vectors, kind="ivfpq", params=HnswParams())
    with pytest.raises(VectorIndexError, match="no readable"):
        factory.load(tmp_path)
    factory.build(ids[:10], vectors[:10]).save(tmp_path)
    meta = json.loads((tmp_path / "ann.json").read_text())
    for change in ({"format": 99}, {"kind": "annoy"}):
        (tmp_path / "ann.json").write_text(json.dumps({**meta, **change}))
        with pytest.raises(VectorIndexError, match=r"format|kind"):
            factory.load(tmp_path)
    (tmp_path / "ann.json").write_text(json.dumps({**meta, "kind": "hnsw"}))
    with pytest.raises(VectorIndexError):
        factory.load(tmp_path)  # the files of an exact backend are no HNSW index


@pytest.mark.parametrize(
    "stored",
    [np.arange(50), 3 * np.arange(1, 51), np.r_[np.arange(20), np.arange(40, 70, 2)]],
    ids=["at-their-positions", "gapped", "at-their-positions-then-gapped"],
)
def test_slot_positions_equal_a_lookup_table(stored: np.ndarray) -> None:
    """Ids at their own positions are read directly, the others by binary search: both
    agree with a plain lookup table, and an id never added is -1."""
    table = SlotTable()
    table.append(stored.astype(np.int64))
    where = {int(i): p for p, i in enumerate(stored)}
    asked = np.random.default_rng(4).integers(-2, int(stored.max()) + 5, 300)
    expected = [where.get(int(i), -1) for i in asked]
    assert table.positions(asked).tolist() == expected
