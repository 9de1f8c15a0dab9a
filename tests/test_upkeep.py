"""The store is the truth, the index follows: saves are debounced, a crash between two saves
loses nothing (the next start replays the store's change log), a damaged index is rebuilt."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.config import AppSettings
from matcher.filters import Filters
from matcher.service import ClusterService
from matcher.store import Store
from matcher.upkeep import Upkeep
from tests.api_fixtures import MINI
from tests.conftest import HashingEncoder

NEW = {
    "id": "no-blade",
    "name": "Bladeworks AS",
    "kind": "sme",
    "country": "NO",
    "description": "Wind turbine blade inspection with drones",
}


def open_service(folder: Path) -> ClusterService:
    settings = AppSettings.for_store(folder, MINI)
    return ClusterService.open(
        settings.engine, Store(settings.database_url), MINI, encoder=HashingEncoder()
    )


def test_a_write_is_searchable_at_once_and_saved_on_close(tmp_path: Path) -> None:
    service = open_service(tmp_path)
    assert service.engine.index_status.startswith("rebuilt")
    service.put_organisation(NEW, "test")
    assert service.search("wind turbine blade drones", 1, Filters()).ids() == ["no-blade"]
    assert service.engine.dirty
    service.close()
    again = open_service(tmp_path)
    assert again.engine.index_status == "loaded, 0 change(s) replayed from the store"
    assert again.search("wind turbine blade drones", 1, Filters()).ids() == ["no-blade"]


def test_a_crash_between_saves_loses_nothing(tmp_path: Path) -> None:
    service = open_service(tmp_path)
    service.close()
    service = open_service(tmp_path)
    service.put_organisation(NEW, "test")
    service.delete_organisation("fi-solar", "test")
    # no close(): the process dies with the index on disk one save behind the store
    again = open_service(tmp_path)
    assert again.engine.index_status == "loaded, 2 change(s) replayed from the store"
    assert again.search("wind turbine blade drones", 1, Filters()).ids() == ["no-blade"]
    assert not again.has_organisation("fi-solar")
    assert "fi-solar" not in again.search("solar", 10, Filters()).ids()


def test_the_upkeep_saves_only_what_changed(tmp_path: Path) -> None:
    service = open_service(tmp_path)
    upkeep = Upkeep(service.engine, interval=3600)
    assert not service.engine.dirty
    service.put_organisation(NEW, "test")
    assert service.engine.dirty
    upkeep.tick()
    assert not service.engine.dirty
    assert open_service(tmp_path).engine.index_status.startswith("loaded, 0 change")


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


DAMAGE = {
    "catalog.json": lambda path: path.write_text("{}"),  # reading it raises
    "lexicon.posting_slots.npy": lambda path: path.write_bytes(path.read_bytes()[:100]),
    "history.year.npy": _flip_a_byte,  # reads back, wrongly: only the check can tell
}


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_a_damaged_index_is_rebuilt_from_the_store(tmp_path: Path, name: str) -> None:
    service = open_service(tmp_path)
    service.put_organisation(NEW, "test")
    service.close()
    found = list((tmp_path / "index").rglob(name))
    assert len(found) == 1  # one version kept; older ones are removed after the switch
    DAMAGE[name](found[0])
    again = open_service(tmp_path)
    assert again.engine.index_status.startswith("rebuilt at start-up (unusable")
    assert again.search("wind turbine blade drones", 1, Filters()).ids() == ["no-blade"]


def test_an_index_of_another_store_is_not_reused(tmp_path: Path) -> None:
    open_service(tmp_path).close()
    for file in tmp_path.glob("store.sqlite*"):  # the database and its write-ahead log
        file.unlink()
    again = open_service(tmp_path)  # a new store, seeded again, with its own identity
    assert again.engine.index_status == "rebuilt at start-up (built from another store)"
