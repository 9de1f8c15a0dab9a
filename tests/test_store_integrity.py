"""The store's file and records: damage is one clear error naming the file or the record;
a write lands whole or not at all; unchanged records are not written again; concurrent
writers wait for each other instead of failing."""

from __future__ import annotations

import json
import math
import shutil
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from matcher import load_taxonomy
from matcher.cli import main
from matcher.errors import StoreError
from matcher.model import InvestorFocus, Organisation, OrgKind
from matcher.sources import load_cluster
from matcher.store import Store, sqlite_url
from tests.api_fixtures import MINI

TAXONOMY = load_taxonomy()


def seeded(folder: Path, url: str | None = None) -> Store:
    """The mini cluster in a store: a SQLite file in `folder`, or the database at `url`."""
    store = Store(url or sqlite_url(folder / "store.sqlite"))
    cluster = load_cluster(MINI, TAXONOMY).cluster
    store.write_batch("seed", list(cluster.organisations.values()), list(cluster.needs.values()))
    return store


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_store_file_is_one_clear_error(tmp_path: Path, damage: str) -> None:
    store = seeded(tmp_path)
    store.engine.dispose()
    path = tmp_path / "store.sqlite"
    data = path.read_bytes()
    path.write_bytes(b"\x00garbage" * 512 if damage == "garbage" else data[: len(data) // 2])
    with pytest.raises(StoreError) as caught:
        Store(sqlite_url(path)).verify()
    message = str(caught.value)
    assert str(path) in message and "\n" not in message
    assert "damaged" in message or "cannot be opened" in message


def test_the_command_line_says_so_in_one_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "store.sqlite").write_bytes(b"not a database at all" * 100)
    assert main(["keys", "list", "--store", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: the store at ") and "Traceback" not in err[0]


def test_a_record_with_broken_json_is_named(tmp_path: Path) -> None:
    store = seeded(tmp_path)
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE organisations SET record = '{\"id\": \"ru-waste\", ' WHERE id = 'ru-waste'"
            )
        )
        conn.execute(text("UPDATE needs SET record = '[1, 2' WHERE id = 'n-meters'"))
    with pytest.raises(StoreError) as caught:
        store.load_cluster(TAXONOMY)
    assert "'ru-waste'" in str(caught.value)
    with pytest.raises(StoreError, match="'n-meters'"):
        store.needs(TAXONOMY)


def test_a_record_that_is_not_a_valid_organisation_is_named(tmp_path: Path, store_url: str) -> None:
    store = seeded(tmp_path, store_url)
    record = store.org_record("fi-heat") | {"country": "XX"}
    with store.engine.begin() as conn:
        conn.execute(
            text("UPDATE organisations SET record = :r WHERE id = 'fi-heat'"),
            {"r": json.dumps(record)},
        )
    with pytest.raises(StoreError, match=r"organisations record 'fi-heat' \(.*XX"):
        store.load_cluster(TAXONOMY)


def test_writing_a_record_again_unchanged_writes_nothing(tmp_path: Path, store_url: str) -> None:
    store = seeded(tmp_path, store_url)
    org = store.organisations(["fi-heat"], TAXONOMY)["fi-heat"]
    before = store.counts()["audit_log"], store.last_seq()
    summary = store.write_batch("test", orgs=[org])
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 1)
    assert (store.counts()["audit_log"], store.last_seq()) == before


def test_a_non_finite_number_never_reaches_the_stored_json(tmp_path: Path, store_url: str) -> None:
    store = seeded(tmp_path, store_url)
    fund = Organisation("no-inf", "Inf Fund", OrgKind.INVESTOR, "NO", description="x",
                        investor=InvestorFocus(ticket_min_eur=math.inf))  # fmt: skip
    counts = store.counts()
    with pytest.raises(Exception, match=r"not JSON compliant|Out of range float"):
        store.write_batch("test", orgs=[fund])
    assert store.counts() == counts


def test_concurrent_writers_wait_for_each_other(tmp_path: Path, store_url: str) -> None:
    store = seeded(tmp_path, store_url)
    orgs = list(store.organisations(["fi-heat", "ru-waste"], TAXONOMY).values())
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                store.add_feedback("fi-heat", "ru-waste", "accept", "partners", f"{n}-{i}", "t")
                store.write_batch(f"w{n}", orgs=[_renamed(orgs[i % 2], f"{n}-{i}")])
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert store.counts()["feedback"] == 90
    # serialised writers: the change log's numbers were handed out in commit order, one
    # per change, none reused
    seqs = [c.seq for c in store.changes_since(0)]
    assert seqs == sorted(set(seqs)) and len(seqs) >= 2 + 90


def test_a_copy_of_a_sound_store_passes_the_check(tmp_path: Path) -> None:
    store = seeded(tmp_path / "a")
    store.engine.dispose()
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    assert Store(sqlite_url(tmp_path / "b" / "store.sqlite")).check() == []


def _renamed(org: Organisation, suffix: str) -> Organisation:
    from dataclasses import replace

    return replace(org, description=f"{org.description} {suffix}")


def test_a_member_key_for_an_unknown_organisation_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded(tmp_path).engine.dispose()
    argv = ["keys", "create", "--store", str(tmp_path), "--name", "m", "--role", "member"]
    assert main([*argv, "--org", "no-such-org"]) == 2
    assert "unknown organisation 'no-such-org'" in capsys.readouterr().err
    assert main([*argv, "--org", "fi-heat"]) == 0


def test_a_postgresql_store_missing_a_table_is_one_clear_error(postgres_url: str) -> None:
    Store(postgres_url).engine.dispose()
    store = Store(postgres_url)
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE needs"))
    with pytest.raises(StoreError) as caught:
        Store(postgres_url).verify()
    message = str(caught.value)
    assert "table 'needs' is missing" in message and "\n" not in message
    assert message.startswith("the store at postgresql+psycopg://")


def test_a_follower_reading_during_concurrent_writes_misses_no_change(
    tmp_path: Path, store_url: str
) -> None:
    """Change numbers follow commit order: a reader that keeps reading the changes after
    the last one it saw, while six writers commit, ends up with every change."""
    store = seeded(tmp_path, store_url)
    orgs = list(store.organisations(["fi-heat", "ru-waste"], TAXONOMY).values())
    seen: set[int] = set()
    done = threading.Event()

    def follow() -> None:
        last = store.last_seq()
        while not done.is_set():
            for change in store.changes_since(last):
                seen.add(change.seq)
                last = max(last, change.seq)

    def writer(n: int) -> None:
        for i in range(20):
            store.write_batch(f"w{n}", orgs=[_renamed(orgs[i % 2], f"{n}-{i}")])

    start = store.last_seq()
    follower = threading.Thread(target=follow)
    follower.start()
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    time.sleep(0.2)  # the follower's last round
    done.set()
    follower.join()
    assert seen == {c.seq for c in store.changes_since(start)}
