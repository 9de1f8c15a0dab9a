"""Shared fixtures: a deterministic test encoder, and the real model loaded once."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from embeddings import normalise_rows
from embeddings.encoders import TextRole

REPO = Path(__file__).resolve().parents[1]
DEMO_DIR = REPO / "datasets" / "demo"
# Embeddings the real model computed for test texts, kept between runs (var/ is ignored by
# git): a fresh clone encodes the demo once, every later run reads it back.
TEST_CACHE = REPO / "var" / "test-cache" / "embeddings.sqlite"


class HashingEncoder:
    """Bag of words hashed into a small space: texts sharing words get similar vectors.

    A test double for retrieval logic: deterministic, instant, and transparent enough that
    a test can predict which texts are near.
    """

    def __init__(self, dimension: int = 64, model_id: str = "test/hashing-64") -> None:
        self._dimension = dimension
        self._model_id = model_id
        self.calls: list[int] = []

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def languages(self) -> frozenset[str] | None:
        return None

    def encode(
        self, texts: Sequence[str], role: TextRole = "passage", show_progress: bool = False
    ) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.md5(word.encode()).digest()
                out[row, int.from_bytes(digest[:4], "little") % self._dimension] += 1.0
        out[:, 0] += 1e-3  # no all-zero rows: every text has some direction
        return normalise_rows(out)


@pytest.fixture
def hashing_encoder() -> HashingEncoder:
    return HashingEncoder()


@pytest.fixture(scope="session")
def real_encoder():  # type: ignore[no-untyped-def]
    """The default model, loaded once per test session."""
    from embeddings.factory import create_encoder

    return create_encoder(workers=None)  # a fresh clone encodes the demo on every core


class SlowHashingEncoder(HashingEncoder):
    """The hashing encoder at a fixed cost per text: for tests of who waits for whom."""

    def __init__(self, seconds_per_text: float = 0.02) -> None:
        super().__init__()
        self.seconds_per_text = seconds_per_text

    def encode(
        self, texts: Sequence[str], role: TextRole = "passage", show_progress: bool = False
    ) -> np.ndarray:
        import time

        time.sleep(self.seconds_per_text * len(texts))
        return super().encode(texts, role, show_progress)
