"""Loading files: every kind of bad input gets a clear error by row and column."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from matcher import ConfigError, DataValidationError, load_cluster, load_taxonomy
from matcher.loading import parse_organisations, read_table, records_of

TAXONOMY = load_taxonomy()
GOOD_ORG = {
    "id": "fi-1",
    "name": "Lämpö Oy",
    "kind": "sme",
    "country": "FI",
    "city": "Espoo",
    "description": "Heat pumps for apartment blocks.",
    "offers": ["Ground-source heat pumps", "Retrofit design"],
    "seeks": ["Housing associations in St. Petersburg"],
    "areas": ["energy_efficiency"],
    "stage": "growth",
    "founded": 2010,
}


def write_folder(folder: Path, orgs: list[dict], needs=None, links=None) -> Path:  # type: ignore[no-untyped-def]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "organisations.json").write_text(json.dumps(orgs), encoding="utf-8")
    if needs is not None:
        (folder / "needs.json").write_text(json.dumps(needs), encoding="utf-8")
    if links is not None:
        (folder / "partnerships.json").write_text(json.dumps(links), encoding="utf-8")
    return folder


def problems_of(
    exc: pytest.ExceptionInfo[DataValidationError],
) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.column) for p in exc.value.problems}


def test_good_folder_loads_with_lists_and_types(tmp_path: Path) -> None:
    second = {**GOOD_ORG, "id": "ru-1", "name": "ООО «Тепло»", "country": "RU", "stage": None}
    folder = write_folder(
        tmp_path,
        [GOOD_ORG, second],
        needs=[{"id": "n1", "title": "Retrofit", "owner_id": "ru-1", "deadline": "2027-01-31"}],
        links=[{"a": "fi-1", "b": "ru-1", "since": 2020}],
    )
    cluster = load_cluster(folder, TAXONOMY).cluster
    org = cluster.organisation("fi-1")
    assert org.offers == ("Ground-source heat pumps", "Retrofit design")
    assert org.stage is not None and org.stage.value == "growth" and org.founded == 2010
    assert cluster.need("n1").deadline is not None and cluster.partners_of("ru-1") == {"fi-1"}


def test_every_problem_is_reported_with_row_and_column(tmp_path: Path) -> None:
    bad = [
        GOOD_ORG,
        {**GOOD_ORG, "id": "fi-2", "kind": "startup"},
        {**GOOD_ORG, "id": "fi-3", "country": "XX", "areas": ["space_travel"]},
        {**GOOD_ORG, "id": "fi-1"},
        {**GOOD_ORG, "id": "fi-5", "founded": "long ago", "name": ""},
    ]
    with pytest.raises(DataValidationError) as exc:
        load_cluster(write_folder(tmp_path, bad), TAXONOMY)
    assert problems_of(exc) == {
        (2, "kind"),
        (3, "country"),
        (3, "areas"),
        (4, "id"),
        (5, "founded"),
        (5, "name"),
    }
    assert "organisations.json, row 2, column kind: 'startup' is not one of" in str(exc.value)


def test_references_must_resolve(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path,
        [GOOD_ORG],
        needs=[{"id": "n1", "title": "T", "owner_id": "ghost"}],
        links=[{"a": "fi-1", "b": "ghost"}, {"a": "fi-1", "b": "fi-1"}],
    )
    with pytest.raises(DataValidationError) as exc:
        load_cluster(folder, TAXONOMY)
    found = {(p.source, p.row, p.column) for p in exc.value.problems}
    assert found == {
        ("needs.json", 1, "owner_id"),
        ("partnerships.json", 1, "b"),
        ("partnerships.json", 2, "b"),
    }


def test_csv_with_list_cells_and_unknown_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        [{**GOOD_ORG, "offers": "Heat pumps | Retrofits", "areas": "energy_efficiency", "fax": "x"}]
    )
    folder = tmp_path / "d"
    folder.mkdir()
    frame.to_csv(folder / "organisations.csv", index=False)
    loaded = load_cluster(folder, TAXONOMY)
    assert loaded.cluster.organisation("fi-1").offers == ("Heat pumps", "Retrofits")
    assert loaded.warnings == ("organisations.csv: unknown columns ignored: fax",)


def test_excel_is_read_like_csv(tmp_path: Path) -> None:
    path = tmp_path / "organisations.xlsx"
    pd.DataFrame([{**GOOD_ORG, "offers": '["A", "B"]', "areas": ""}]).to_excel(path, index=False)
    orgs, problems = parse_organisations(records_of(read_table(path)), TAXONOMY)
    assert not problems and orgs[0].offers == ("A", "B") and orgs[0].founded == 2010


def test_malformed_json_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "organisations.json").write_text('[{"id": "a", ', encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"organisations.json: cannot be read"):
        load_cluster(folder, TAXONOMY)


def test_missing_required_columns_are_named_on_every_row(tmp_path: Path) -> None:
    rows = [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]
    with pytest.raises(DataValidationError) as exc:
        load_cluster(write_folder(tmp_path, rows), TAXONOMY)
    assert {(1, "kind"), (1, "country"), (2, "kind"), (2, "description")} <= problems_of(exc)


def test_stage_only_for_companies_and_ticket_order(tmp_path: Path) -> None:
    rows = [
        {**GOOD_ORG, "kind": "university"},
        {
            **GOOD_ORG,
            "id": "i",
            "kind": "investor",
            "stage": None,
            "ticket_min_eur": 5e6,
            "ticket_max_eur": 1e5,
        },
    ]
    with pytest.raises(DataValidationError) as exc:
        load_cluster(write_folder(tmp_path, rows), TAXONOMY)
    assert problems_of(exc) == {(1, "stage"), (2, "ticket_min_eur")}


def test_missing_folder_and_unsupported_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="data folder not found"):
        load_cluster(tmp_path / "nope", TAXONOMY)
    (tmp_path / "organisations.txt").write_text("x")
    with pytest.raises(ConfigError, match="no organisations file"):
        load_cluster(tmp_path, TAXONOMY)


def test_ids_unique_across_files(tmp_path: Path) -> None:
    folder = write_folder(tmp_path, [GOOD_ORG])
    (folder / "organisations_more.json").write_text(json.dumps([GOOD_ORG]), encoding="utf-8")
    with pytest.raises(
        DataValidationError, match="row 1, column id: id 'fi-1' is already used in another file"
    ):
        load_cluster(folder, TAXONOMY)
