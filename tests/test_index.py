"""The chunk index against a brute-force numpy oracle, on small hand-made vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import embeddings.index as index_module
from embeddings import (
    Chunk,
    IndexMismatchError,
    SearchFilter,
    VectorIndex,
    VectorIndexError,
    load_index,
    normalise_rows,
    save_index,
)

DIM = 16
KINDS = ("sme", "company", "research")
COUNTRIES = ("RU", "FI", "NO")


def make_owner(rng: np.random.Generator, i: int, chunks: int | None = None):  # type: ignore[no-untyped-def]
    n = chunks if chunks is not None else int(rng.integers(1, 6))
    owner = f"org-{i}"
    fields = ["description", "offer", "seek", "evidence"]
    cs = [Chunk(f"{owner}/{j}", owner, fields[j % 4]) for j in range(n)]
    facets = {"kind": {KINDS[i % 3]}, "country": {COUNTRIES[(i // 3) % 3]}, "area": {f"a{i % 4}"}}
    return owner, cs, normalise_rows(rng.normal(size=(n, DIM))), facets


def build(rng: np.random.Generator, owners: int = 40) -> tuple[VectorIndex, dict]:  # type: ignore[type-arg]
    index = VectorIndex(DIM, "test-model")
    table = {}
    for i in range(owners):
        owner, cs, vecs, facets = make_owner(rng, i)
        index.add(owner, cs, vecs, facets)
        table[owner] = (cs, vecs, facets)
    return index, table


def oracle(table: dict, query: np.ndarray, k: int, flt: SearchFilter) -> list[tuple[str, float]]:  # type: ignore[type-arg]
    best: dict[str, float] = {}
    for owner, (cs, vecs, facets) in table.items():
        if owner in flt.exclude or (flt.owners is not None and owner not in flt.owners):
            continue
        if any(not set(facets.get(n, ())) & set(v) for n, v in flt.where.items()):
            continue
        for chunk, vec in zip(cs, vecs, strict=True):
            if flt.fields is None or chunk.field in flt.fields:
                best[owner] = max(best.get(owner, -9.0), float(vec @ query))
    return sorted(best.items(), key=lambda kv: -kv[1])[:k]


FILTERS = [
    SearchFilter(),
    SearchFilter(where={"kind": frozenset({"sme"})}),
    SearchFilter(where={"kind": frozenset({"sme", "research"}), "country": frozenset({"FI"})}),
    SearchFilter(where={"area": frozenset({"a1"})}, exclude=frozenset({"org-1", "org-5"})),
    SearchFilter(fields=frozenset({"offer"})),
    SearchFilter(owners=frozenset({"org-2", "org-3", "org-30"})),
]


@pytest.mark.parametrize("flt", FILTERS)
@pytest.mark.parametrize("k", [1, 5, 40])
def test_filtered_search_equals_oracle(flt: SearchFilter, k: int) -> None:
    rng = np.random.default_rng(7)
    index, table = build(rng)
    for query in normalise_rows(rng.normal(size=(5, DIM))):
        got = [(h.owner, h.score) for h in index.search(query, k, flt)]
        want = oracle(table, query, k, flt)
        assert [o for o, _ in got] == [o for o, _ in want]
        assert np.allclose([s for _, s in got], [s for _, s in want], atol=1e-5)


def test_returns_exactly_k_when_one_owner_has_many_close_chunks() -> None:
    rng = np.random.default_rng(3)
    index, _ = build(rng, owners=10)
    query = normalise_rows(rng.normal(size=(1, DIM)))[0]
    # 60 near-copies of the query under one owner crowd the first FAISS results
    crowd = normalise_rows(query + 0.01 * rng.normal(size=(60, DIM)))
    index.add("crowd", [Chunk(f"crowd/{j}", "crowd", "offer") for j in range(60)], crowd, {})
    hits = index.search(query, 8)
    assert len(hits) == 8 and len({h.owner for h in hits}) == 8
    assert hits[0].owner == "crowd"


def test_k_larger_than_available_returns_all_admitted() -> None:
    index, _ = build(np.random.default_rng(1), owners=12)
    hits = index.search(
        np.ones(DIM, np.float32) / 4, 50, SearchFilter(where={"kind": frozenset({"sme"})})
    )
    assert len(hits) == 4


def test_add_update_remove_match_a_fresh_build() -> None:
    rng = np.random.default_rng(11)
    index, table = build(rng, owners=20)
    _, cs, vecs, facets = make_owner(rng, 5, chunks=3)
    index.update("org-5", cs, vecs, facets)
    table["org-5"] = (cs, vecs, facets)
    index.remove("org-7")
    del table["org-7"]
    assert index.owner_count == 19 and "org-7" not in index
    assert index.vector_count == sum(len(v[0]) for v in table.values())
    for query in normalise_rows(rng.normal(size=(5, DIM))):
        got = [h.owner for h in index.search(query, 19)]
        assert got == [o for o, _ in oracle(table, query, 19, SearchFilter())]


def test_remove_unknown_owner_is_a_no_op() -> None:
    index, _ = build(np.random.default_rng(2), owners=3)
    assert index.remove("nobody") is False
    assert index.owner_count == 3


def test_add_rejects_mismatched_vectors() -> None:
    index = VectorIndex(DIM, "m")
    with pytest.raises(VectorIndexError, match="2 chunks but 1 vectors"):
        index.add("a", [Chunk("a/0", "a", "x"), Chunk("a/1", "a", "x")], np.ones((1, DIM)), {})


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    index, _ = build(rng)
    manifest = save_index(index, tmp_path, source_fingerprint="abc")
    loaded, read = load_index(tmp_path, "test-model", DIM)
    assert read == manifest and read.vector_count == index.vector_count
    query = normalise_rows(rng.normal(size=(1, DIM)))[0]
    flt = SearchFilter(where={"country": frozenset({"NO"})})
    assert loaded.search(query, 7, flt) == index.search(query, 7, flt)
    # ids keep counting after a load: a new owner must not reuse a removed owner's ids
    owner, cs, vecs, facets = make_owner(rng, 99)
    loaded.add(owner, cs, vecs, facets)
    assert loaded.search(vecs[0], 1)[0].owner == owner


def test_manifest_refuses_another_model(tmp_path: Path) -> None:
    index, _ = build(np.random.default_rng(5), owners=3)
    save_index(index, tmp_path)
    with pytest.raises(IndexMismatchError, match="built with model 'test-model'"):
        load_index(tmp_path, "other-model", DIM)
    with pytest.raises(IndexMismatchError):
        load_index(tmp_path, "test-model", DIM + 1)


def test_tampered_files_are_refused(tmp_path: Path) -> None:
    index, _ = build(np.random.default_rng(5), owners=3)
    save_index(index, tmp_path)
    (tmp_path / "chunks.json").write_text(
        '{"next_id": 0, "chunks": [], "facets": {}, "owners": {}}'
    )
    with pytest.raises(VectorIndexError, match="do not match their manifest"):
        load_index(tmp_path, "test-model", DIM)


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(VectorIndexError, match="no index at"):
        load_index(tmp_path / "nowhere", "test-model", DIM)


def test_large_collections_switch_to_ivf_and_filtered_search_stays_exact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(index_module, "EXACT_LIMIT", 50)
    rng = np.random.default_rng(9)
    index, table = build(rng, owners=60)
    rebuilt = index.rebuilt()
    assert "IVF" in type(rebuilt.faiss_index).__name__
    flt = SearchFilter(where={"kind": frozenset({"company"})})
    for query in normalise_rows(rng.normal(size=(3, DIM))):
        assert [h.owner for h in rebuilt.search(query, 10, flt)] == [
            o for o, _ in oracle(table, query, 10, flt)
        ]
    rebuilt.remove("org-1")
    assert "org-1" not in {h.owner for h in rebuilt.search(table["org-1"][1][0], 5)}
