from __future__ import annotations

import sqlite3
from functools import partial
from pathlib import Path

import numpy as np

from embeddings import CachedEncoder, EmbeddingCache
from embeddings.parallel import ParallelEncoder
from tests.conftest import HashingEncoder


def test_each_text_is_encoded_once_across_runs(tmp_path: Path) -> None:
    inner = HashingEncoder()
    first = CachedEncoder(inner, EmbeddingCache(tmp_path / "cache.sqlite"))
    a = first.encode(["heat pumps", "waste sorting", "heat pumps"])
    assert inner.calls == [2]  # the repeated text is encoded once
    first.cache.close()

    again = CachedEncoder(inner, EmbeddingCache(tmp_path / "cache.sqlite"))
    b = again.encode(["waste sorting", "heat pumps", "solar parks"])
    assert inner.calls == [2, 1]  # only the new text reaches the model
    assert np.allclose(b[0], a[1]) and np.allclose(b[1], a[0])
    assert again.hits == 2 and again.misses == 1


def test_cache_keys_include_the_model_and_the_role(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    one = CachedEncoder(HashingEncoder(model_id="m1"), cache)
    two_inner = HashingEncoder(model_id="m2")
    two = CachedEncoder(two_inner, cache)
    one.encode(["district heating"])
    two.encode(["district heating"])
    two.encode(["district heating"], role="query")
    assert two_inner.calls == [1, 1]
    assert cache.count("m1") == 1 and cache.count("m2") == 2


def test_empty_input_gives_an_empty_matrix(tmp_path: Path) -> None:
    encoder = CachedEncoder(HashingEncoder(dimension=8), EmbeddingCache(None))
    assert encoder.encode([]).shape == (0, 8)


def test_bulk_encoding_on_every_core_equals_encoding_in_process() -> None:
    texts = [f"district heating network number {i} with heat pumps" for i in range(300)]
    parallel = ParallelEncoder(HashingEncoder(), partial(HashingEncoder), workers=2)
    in_process = HashingEncoder()
    assert np.array_equal(parallel.encode(texts), in_process.encode(texts))
    assert parallel.inner.calls == []  # the workers did the encoding, not this process
    parallel.encode(texts[:1], role="query")  # a short query stays in process
    assert parallel.inner.calls == [1]


def test_a_damaged_cache_file_is_moved_aside_and_started_afresh(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    first = CachedEncoder(HashingEncoder(), EmbeddingCache(path))
    first.encode(["heat pumps"])
    first.cache.close()
    path.write_bytes(b"garbage, not a database" * 200)
    inner = HashingEncoder()
    cache = EmbeddingCache(path)
    again = CachedEncoder(inner, cache)
    assert np.allclose(again.encode(["heat pumps"]), first.encode(["heat pumps"]))
    assert inner.calls == [1] and len(cache.notes) == 1 and "moved to" in cache.notes[0]
    assert list(tmp_path.glob("cache.sqlite.damaged-*"))


def test_a_damaged_vector_is_encoded_again_never_returned(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    encoder = CachedEncoder(HashingEncoder(), EmbeddingCache(path))
    good = encoder.encode(["heat pumps", "waste sorting"])
    encoder.cache.close()
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE embeddings SET vector = ? WHERE rowid = 1", (b"\x00\x00\x80\x7f" * 64,))
        db.execute("UPDATE embeddings SET vector = ? WHERE rowid = 2", (b"\x01\x02\x03",))
    db.close()
    inner = HashingEncoder()
    again = CachedEncoder(inner, EmbeddingCache(path))
    assert np.allclose(again.encode(["heat pumps", "waste sorting"]), good)
    assert inner.calls == [2] and again.repaired == 2


def test_a_cache_that_fails_while_running_is_bypassed_and_reported(tmp_path: Path) -> None:
    encoder = CachedEncoder(HashingEncoder(), EmbeddingCache(tmp_path / "cache.sqlite"))
    encoder.cache.close()  # every later read and write fails as a damaged file would
    vectors = encoder.encode(["district heating"])
    assert vectors.shape == (1, 64) and encoder.problem and "encoded without it" in encoder.problem


def test_a_query_never_waits_behind_a_bulk_call() -> None:
    """One worker busy with an import's batches: a long query text goes before the batches
    still waiting, and a short one is answered in process at once."""
    import threading
    import time

    from tests.conftest import SlowHashingEncoder

    encoder = ParallelEncoder(HashingEncoder(), partial(SlowHashingEncoder, 0.02), workers=1)
    try:
        encoder.encode(["x" * 1_500])  # start the worker (its start-up is not the test)
        done: dict[str, float] = {}
        bulk = [f"heat pump retrofit number {i} " * 4 for i in range(240)]  # 4+ batches

        def run_bulk() -> None:
            encoder.encode(bulk)
            done["bulk"] = time.monotonic()

        thread = threading.Thread(target=run_bulk)
        started = time.monotonic()
        thread.start()
        time.sleep(0.3)  # the first batch is running, the others wait
        encoder.encode(["district heating"], role="query")
        done["short"] = time.monotonic()
        encoder.encode(["solar modules " * 100], role="query")
        done["long"] = time.monotonic()
        thread.join()
        assert done["short"] - started < 0.5
        assert done["long"] < done["bulk"] - 0.5
    finally:
        encoder.close()
