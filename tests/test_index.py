"""The chunk index (catalogue + backend) against a brute-force oracle on hand-made vectors:
slots and owners, in-place changes, compaction while writes go on, versioned saves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings import (
    ChunkIndex,
    ChunkSpec,
    IndexMismatchError,
    OwnerChunks,
    VectorIndexError,
    normalise_rows,
)
from embeddings.ann import factory
from embeddings.persistence import current_version, load_index, saving

DIM = 16
FIELDS = ("description", "offer", "seek", "evidence")
Owners = dict[str, tuple[list[ChunkSpec], np.ndarray]]


def make_owner(rng: np.random.Generator, i: int, chunks: int | None = None):  # type: ignore[no-untyped-def]
    n = chunks if chunks is not None else int(rng.integers(1, 6))
    specs = [ChunkSpec(FIELDS[j % 4], f"p{i % 3}" if j % 4 == 3 else "", "en") for j in range(n)]
    return f"org-{i}", specs, normalise_rows(rng.normal(size=(n, DIM)))


def build(rng: np.random.Generator, owners: int = 40) -> tuple[ChunkIndex, Owners]:
    table: Owners = {}
    for i in range(owners):
        owner, specs, vectors = make_owner(rng, i)
        table[owner] = (specs, vectors)
    parts = [OwnerChunks(o, specs) for o, (specs, _) in table.items()]
    vectors = np.concatenate([v for _, v in table.values()])
    return ChunkIndex.build(DIM, "test-model", parts, vectors), table


def oracle(table: Owners, query: np.ndarray, n: int) -> list[tuple[str, float]]:
    """The n nearest chunks as (owner, cosine), by brute force."""
    scored = [(o, float(v @ query)) for o, (_, vs) in table.items() for v in vs]
    return sorted(scored, key=lambda p: -p[1])[:n]


def nearest(index: ChunkIndex, query: np.ndarray, n: int) -> list[tuple[str, float]]:
    scores, slots = index.search(query, n)
    owners = index.catalog.rows_of_slots(slots[0][slots[0] >= 0])
    return [(index.catalog.ids[o], float(s)) for o, s in zip(owners, scores[0], strict=False)]


def assert_same(got: list[tuple[str, float]], want: list[tuple[str, float]]) -> None:
    assert [o for o, _ in got] == [o for o, _ in want]
    assert np.allclose([s for _, s in got], [s for _, s in want], atol=1e-5)


def test_search_equals_the_oracle_and_slots_lead_to_their_owner_and_field() -> None:
    rng = np.random.default_rng(7)
    index, table = build(rng)
    for query in normalise_rows(rng.normal(size=(5, DIM))):
        assert_same(nearest(index, query, 12), oracle(table, query, 12))
    row = index.catalog.row("org-3")
    slots, _ = index.catalog.slots_of_rows(np.asarray([row]))
    specs, vectors = table["org-3"]
    assert [index.catalog.fields.value(int(c)) for c in index.catalog.field.view[slots]] == [
        s.field for s in specs
    ]
    assert np.allclose(index.vectors(slots), vectors, atol=1e-6)


def test_changes_in_place_equal_a_fresh_build() -> None:
    rng = np.random.default_rng(11)
    index, table = build(rng, owners=20)
    owner, specs, vectors = make_owner(rng, 5, chunks=3)
    dead = index.put([OwnerChunks(owner, specs)], vectors)
    table[owner] = (specs, vectors)
    assert len(dead) > 0 and not index.catalog.alive.view[dead].any()
    index.remove("org-7")
    del table["org-7"]
    assert index.owner_count == 19 and "org-7" not in index and "org-5" in index
    assert index.vector_count == sum(len(v) for _, v in table.values())
    for query in normalise_rows(rng.normal(size=(5, DIM))):
        assert_same(nearest(index, query, 30), oracle(table, query, 30))


def test_a_removed_owner_that_returns_keeps_its_row() -> None:
    rng = np.random.default_rng(2)
    index, _ = build(rng, owners=3)
    row = index.catalog.row("org-1")
    index.remove("org-1")
    assert len(index.remove("org-1")) == 0 and "org-1" not in index  # a second remove: no-op
    _, specs, vectors = make_owner(rng, 1, chunks=2)
    index.put([OwnerChunks("org-1", specs)], vectors)
    assert index.catalog.row("org-1") == row


def test_put_rejects_mismatched_vectors() -> None:
    index = ChunkIndex(DIM, "m")
    with pytest.raises(VectorIndexError, match="2 chunks but 1 vectors"):
        index.put([OwnerChunks("a", [ChunkSpec("offer"), ChunkSpec("offer")])], np.ones((1, DIM)))


def test_compaction_replays_the_writes_made_while_it_ran() -> None:
    rng = np.random.default_rng(4)
    index, table = build(rng, owners=30)
    snapshot = index.snapshot()
    # writes land after the snapshot, while the new backend is being built
    index.remove("org-2")
    del table["org-2"]
    owner, specs, vectors = make_owner(rng, 8, chunks=4)
    index.put([OwnerChunks(owner, specs)], vectors)
    table[owner] = (specs, vectors)
    died_meanwhile = int((~index.catalog.alive.view[snapshot.slots]).sum())
    index.adopt(index.rebuilt(snapshot), snapshot)
    assert died_meanwhile > 0 and index.backend.dead_count == died_meanwhile  # no older ones
    assert index.vector_count == sum(len(v) for _, v in table.values())
    for query in normalise_rows(rng.normal(size=(4, DIM))):
        assert_same(nearest(index, query, 25), oracle(table, query, 25))


def test_compaction_is_due_when_tombstones_pile_up_or_the_size_calls_for_another_kind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(6)
    index, _ = build(rng, owners=10)
    assert not index.needs_compaction()
    monkeypatch.setattr(factory, "EXACT_LIMIT", 5)
    assert index.needs_compaction()  # grown past the exact backend's range


def test_saves_are_versioned_and_load_back_the_same_answers(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    index, _ = build(rng)
    with saving(index, tmp_path, {"seq": 3}) as folder:
        (folder / "extra.txt").write_text("kept beside the index")
    first = current_version(tmp_path)
    loaded, manifest, version = load_index(tmp_path, "test-model", DIM)
    assert manifest.source == {"seq": 3} and version == first
    assert (version / "extra.txt").read_text() == "kept beside the index"
    query = normalise_rows(rng.normal(size=(1, DIM)))[0]
    assert nearest(loaded, query, 9) == nearest(index, query, 9)
    # slots keep counting after a load: a new owner never reuses a removed owner's slots
    owner, specs, vectors = make_owner(rng, 99)
    loaded.put([OwnerChunks(owner, specs)], vectors)
    assert nearest(loaded, vectors[0], 1)[0][0] == owner
    with saving(loaded, tmp_path, {"seq": 4}):
        pass
    assert current_version(tmp_path) != first and first is not None and not first.exists()


def test_a_failed_save_leaves_the_previous_version_current(tmp_path: Path) -> None:
    index, _ = build(np.random.default_rng(5), owners=3)
    with saving(index, tmp_path, {"seq": 1}):
        pass
    before = current_version(tmp_path)
    with pytest.raises(RuntimeError), saving(index, tmp_path, {"seq": 2}):
        raise RuntimeError("disk full")
    assert current_version(tmp_path) == before
    assert load_index(tmp_path, "test-model", DIM)[1].source == {"seq": 1}


def test_another_model_and_tampered_files_are_refused(tmp_path: Path) -> None:
    index, _ = build(np.random.default_rng(5), owners=3)
    with saving(index, tmp_path, {}) as folder:
        pass
    with pytest.raises(IndexMismatchError, match="built with model 'test-model'"):
        load_index(tmp_path, "other-model", DIM)
    with pytest.raises(IndexMismatchError):
        load_index(tmp_path, "test-model", DIM + 1)
    (folder / "catalog.json").write_text('{"ids": []}')
    with pytest.raises(VectorIndexError, match=r"catalog\.json .* does not match its manifest"):
        load_index(tmp_path, "test-model", DIM)


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(VectorIndexError, match="no index at"):
        load_index(tmp_path / "nowhere", "test-model", DIM)
