"""Shared fixtures: a deterministic test encoder, the real model loaded once, and the
store's URL on each database (SQLite always; PostgreSQL when MATCHER_TEST_DATABASE_URL
names a server, read here only: the tests' edge)."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine, make_url

from embeddings import normalise_rows
from embeddings.encoders import TextRole
from matcher.store import sqlite_url

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


# --- the store on each database -----------------------------------------------------------
ENV_TEST_DATABASE = "MATCHER_TEST_DATABASE_URL"
NO_POSTGRES = (
    f"no PostgreSQL server: set {ENV_TEST_DATABASE} (e.g. "
    "postgresql+psycopg://postgres@127.0.0.1:5432/test); the tests create a database of "
    "their own on it and drop it at the end"
)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A database of this test run's own on the server, dropped at the end (None: none)."""
    server = os.environ.get(ENV_TEST_DATABASE)
    if not server:
        yield None
        return
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"matcher_test_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def empty_postgres(request: pytest.FixtureRequest) -> str:
    """The run's PostgreSQL database, emptied (skips the test when there is no server)."""
    url = request.getfixturevalue("postgres_database")
    if url is None:
        pytest.skip(NO_POSTGRES)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return str(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store's URL: a file of the test's own, or the emptied PostgreSQL database."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "store" / "store.sqlite")
    return empty_postgres(request)


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> str:
    return empty_postgres(request)
