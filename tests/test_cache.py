from __future__ import annotations

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
    parallel = ParallelEncoder(HashingEncoder(), partial(HashingEncoder), workers=2, min_chars=1)
    in_process = HashingEncoder()
    assert np.array_equal(parallel.encode(texts), in_process.encode(texts))
    assert parallel.inner.calls == []  # the workers did the encoding, not this process
    parallel.encode(texts[:1])  # a single text stays in process: no worker start-up
    assert parallel.inner.calls == [1]
