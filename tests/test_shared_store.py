"""Two services on one store, as two server processes would be (each its own index folder,
engine and threads; one database): each follows the other's writes from the change log,
a write never skips a change another wrote before it, the watcher hears changes by itself
(NOTIFY on PostgreSQL, polling on SQLite) and again after its connection was cut, and one
holder at a time saves an index folder."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from matcher.filters import Filters
from matcher.upkeep import SaveLease
from tests.api_fixtures import Api, make_api
from tests.test_write_path import NEW, TWIN

BOUND = 10.0  # seconds; generous for a busy machine (benchmarks/multiprocess_bench.py)


@pytest.fixture
def pair(tmp_path: Path, store_url: str) -> Iterator[tuple[Api, Api]]:
    one = make_api(tmp_path / "one", database_url=store_url)
    other = make_api(tmp_path / "other", database_url=store_url)
    yield one, other
    for api in (one, other):
        api.service.close()


def ids(api: Api) -> set[str]:
    return {o.id for o in api.service.organisations(Filters())}


def within(check: Callable[[], bool], seconds: float = BOUND) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if check():
            return time.monotonic() - start
        time.sleep(0.02)
    raise AssertionError(f"not within {seconds} s")


def test_a_service_follows_the_writes_of_another(pair: tuple[Api, Api]) -> None:
    one, other = pair
    one.service.put_organisation(NEW, "test")
    assert "fi-twin" not in ids(other)  # nothing told it yet
    other.service.follow_store()
    assert "fi-twin" in ids(other)
    found = other.service.search(TWIN["text"], 3, Filters())  # the index too, not only records
    assert "fi-twin" in [m.org_id for m in found.matches]
    one.service.delete_organisation("fi-twin", "test")
    other.service.follow_store()
    assert "fi-twin" not in ids(other)
    assert other.service.health().applied_seq == one.service.store.last_seq()


def test_a_write_after_another_services_write_does_not_skip_it(pair: tuple[Api, Api]) -> None:
    one, other = pair
    one.service.put_organisation(NEW, "test")
    # the other has not followed yet: its own write finds a change it lacks before its own
    other.service.put_organisation({**NEW, "id": "fi-twin-2", "name": "Toinen Twin Oy"}, "test")
    assert {"fi-twin", "fi-twin-2"} <= ids(other)
    assert other.service.health().applied_seq == other.service.store.last_seq()
    one.service.follow_store()
    assert ids(one) == ids(other)


def test_the_watcher_follows_by_itself(pair: tuple[Api, Api]) -> None:
    one, other = pair
    other.service.start_following()
    one.service.put_organisation(NEW, "test")
    within(lambda: "fi-twin" in ids(other))
    renamed = {**NEW, "name": "Verkko Twin Renamed Oy"}
    one.service.put_organisation(renamed, "test")
    within(lambda: other.service.organisation("fi-twin").name == renamed["name"])


def test_the_listener_catches_up_after_its_connection_was_cut(
    tmp_path: Path, postgres_url: str
) -> None:
    one = make_api(tmp_path / "one", database_url=postgres_url)
    other = make_api(tmp_path / "other", database_url=postgres_url)
    try:
        other.service.start_following()
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        listening = text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
        )
        with admin.connect() as conn:
            within(lambda: bool(conn.execute(listening).all()))  # cut it once it listens
        one.service.put_organisation(NEW, "test")  # while nobody listens
        within(lambda: "fi-twin" in ids(other))
        admin.dispose()
    finally:
        one.service.close()
        other.service.close()


def test_one_holder_at_a_time_saves_an_index_folder(tmp_path: Path) -> None:
    first, second = SaveLease(tmp_path / "index"), SaveLease(tmp_path / "index")
    assert first.held() and not second.held()
    assert first.held()  # kept
    first.release()
    assert second.held() and not first.held()
    second.release()
