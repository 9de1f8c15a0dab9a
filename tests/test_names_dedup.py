"""Deduplication at import (blocking, report) and the undoable merge history."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.names import (
    MergeConflictError,
    MergeLog,
    NameRecord,
    find_duplicates,
    merge_records,
    undo_merge,
)
from matcher.names.blocking import BlockingConfig

EXISTING = [
    NameRecord("e1", 'ООО "Энергосервис"', "RU", "Москва"),
    NameRecord("e2", "Helen Oy", "FI", "Helsinki"),
    NameRecord("e3", "Statkraft AS", "NO", "Oslo"),
    NameRecord("e4", "HELEN OY AB", "FI", "Helsinki"),  # a duplicate already in the store
]
IMPORTED = [
    NameRecord("n1", "Energoservis LLC", "RU", "Moscow"),
    NameRecord("n2", "STATKRAFT ENERGI AS", "NO", "Oslo"),
    NameRecord("n3", "Kipinä Systems Oy", "FI", "Tampere"),
    NameRecord("n4", "Kipina Systems Oy", "FI", "Tampere"),
    NameRecord("n5", "Polarlys Hydrogen AS", "NO", identifiers=("NO-ORGNR:923609016",)),
    NameRecord("n6", "Vestkyst Fornybar AS", "NO", identifiers=("NO-ORGNR:923609016",)),
]


def test_import_reports_duplicates_of_existing_records_and_of_each_other() -> None:
    report = find_duplicates(IMPORTED, EXISTING)
    found = {(p.left_id, p.right_id): p for p in report.pairs}
    assert found[("n1", "e1")].decision == "match" and found[("n1", "e1")].against_existing
    assert found[("n3", "n4")].decision == "match" and not found[("n3", "n4")].against_existing
    assert found[("n5", "n6")].decision == "match"  # same orgnr, renamed firm
    assert found[("n2", "e3")].decision == "review"  # group entity: a person decides
    assert ("e2", "e4") not in found and ("e4", "e2") not in found  # store is not re-deduped
    assert [p.score for p in report.pairs] == sorted((p.score for p in report.pairs), reverse=True)
    assert report.clusters() == [("e1", "n1"), ("n3", "n4"), ("n5", "n6")]
    assert report.to_dict()["pairs"][0]["decision"] == "match"


def test_non_matches_are_left_out_unless_asked_for() -> None:
    records = [
        NameRecord("a", "Nordic Energy Oy", "FI"),
        NameRecord("b", "Nordic Energy Trading Oy", "FI"),
    ]
    assert all(p.decision != "non_match" for p in find_duplicates(records).pairs)
    everything = find_duplicates(records, include_non_match=True)
    assert len(everything.pairs) >= 1


def _synthetic(n: int, seed: int = 1) -> list[NameRecord]:
    rng = random.Random(seed)
    syllables = "kar vik sol lys tun dra ber gen hav fjel ran mo ilm var sei tor ek lin".split()
    names = {"".join(rng.choice(syllables) for _ in range(4)).capitalize() for _ in range(n * 2)}
    return [
        NameRecord(f"r{i}", f"{name} Energi AS", "NO") for i, name in enumerate(sorted(names)[:n])
    ]


def test_blocking_compares_a_small_fraction_of_all_pairs() -> None:
    records = _synthetic(3000)
    records.append(NameRecord("dup", records[1234].name.upper(), "NO"))
    report = find_duplicates(records)
    all_pairs = len(records) * (len(records) - 1) // 2
    assert report.blocking.compared < all_pairs / 100
    assert ("dup", "r1234") in {(p.left_id, p.right_id) for p in report.by_decision("match")} | {
        (p.right_id, p.left_id) for p in report.by_decision("match")
    }


def test_blocking_meets_cyrillic_and_latin_spellings_among_many() -> None:
    records = [*_synthetic(500), NameRecord("cyr", "ООО «Ладожская биоэнергия»", "RU")]
    latin = NameRecord("lat", "Ladozhskaya Bioenergiya LLC", "RU")
    report = find_duplicates([latin], records, config=BlockingConfig(window=1))
    assert [(p.left_id, p.right_id, p.decision) for p in report.pairs] == [("lat", "cyr", "match")]


A = {"id": "a", "name": "ООО «Энергосервис»", "city": "Москва", "phone": "", "tags": ["heat"]}
B = {"id": "b", "name": "Energoservis LLC", "city": "Moscow", "phone": "+7 495 000", "web": "x.ru"}


def test_merge_keeps_survivor_values_fills_gaps_and_records_choices() -> None:
    merged, entry = merge_records([A, B], "a", actor="anna", timestamp="2024-05-01T10:00:00Z")
    assert merged == {
        "id": "a",
        "name": A["name"],
        "city": "Москва",
        "phone": "+7 495 000",
        "tags": ["heat"],
        "web": "x.ru",
    }
    assert dict(entry.chosen) == {"name": "a", "city": "a", "phone": "b", "tags": "a", "web": "b"}
    assert entry.merged_ids == ("a", "b") and entry.survivor_id == "a"
    assert (entry.actor, entry.timestamp) == ("anna", "2024-05-01T10:00:00Z")


def test_merge_with_explicit_choices_and_survivor() -> None:
    merged, entry = merge_records([A, B], "b", choose={"city": "a"})
    assert merged["id"] == "b" and merged["city"] == "Москва" and merged["name"] == B["name"]
    assert entry.merged_ids == ("b", "a")
    with pytest.raises(ValueError, match="not being merged"):
        merge_records([A, B], choose={"city": "zzz"})
    with pytest.raises(ValueError, match="at least two"):
        merge_records([A])
    with pytest.raises(ValueError, match="survivor"):
        merge_records([A, B], "c")


def test_undo_restores_the_originals_exactly() -> None:
    merged, entry = merge_records([A, B])
    merged["tags"].append("changed-after-merge")  # the caller's copy must not reach history
    restored = undo_merge(entry)
    assert restored == [A, B]
    restored[0]["tags"].append("x")
    assert undo_merge(entry)[0]["tags"] == ["heat"]


def test_undo_refuses_to_drop_later_edits_unless_forced() -> None:
    merged, entry = merge_records([A, B])
    edited = {**merged, "city": "Санкт-Петербург"}
    with pytest.raises(MergeConflictError):
        undo_merge(entry, current=edited)
    assert undo_merge(entry, current=edited, force=True) == [A, B]
    assert undo_merge(entry, current=merged) == [A, B]


def test_merge_log_history_serialises_and_undoes_in_order() -> None:
    c = {"id": "c", "name": "Energoservice"}
    ab, first = merge_records([A, B], timestamp="t1")
    _, second = merge_records([ab, c], timestamp="t2")
    log = MergeLog().add(first).add(second)
    assert [e.merge_id for e in log.lineage("a")] == [first.merge_id, second.merge_id]
    with pytest.raises(MergeConflictError, match="first"):
        log.undo(first.merge_id)
    log, restored = log.undo(second.merge_id, actor="anna", timestamp="t3")
    assert restored == [ab, c]
    log, restored = log.undo(first.merge_id)
    assert restored == [A, B]
    again = MergeLog.from_json(log.to_json())
    assert again == log
    assert json.loads(log.to_json())["undone"][0] == [second.merge_id, "anna", "t3"]
    with pytest.raises(MergeConflictError, match="already undone"):
        again.undo(first.merge_id)


_VALUES = st.one_of(
    st.none(), st.text(max_size=5), st.integers(), st.lists(st.integers(), max_size=3)
)
_RECORD = st.dictionaries(st.sampled_from(["name", "city", "phone", "web"]), _VALUES)


@settings(max_examples=100, deadline=None)
@given(st.lists(_RECORD, min_size=2, max_size=4), st.data())
def test_merge_then_undo_is_identity(records: list[dict], data: st.DataObject) -> None:
    originals = [{"id": f"r{i}", **r} for i, r in enumerate(records)]
    survivor = data.draw(st.sampled_from([r["id"] for r in originals]))
    merged, entry = merge_records(originals, survivor)
    assert merged["id"] == survivor
    assert set(merged) == set().union(*originals)
    restored = undo_merge(MergeLog.from_json(MergeLog().add(entry).to_json()).entries[0])
    assert sorted(restored, key=lambda r: r["id"]) == originals
