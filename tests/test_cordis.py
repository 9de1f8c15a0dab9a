"""The CORDIS loader: any export in the cleantech folder's format becomes organisations with
their projects as evidence (ref = project id), kinds, ISO countries and one partnership per
pair per project; the real folder loads with the sizes its README states."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from matcher.cordis import load_cordis
from matcher.errors import DataValidationError
from matcher.model import OrgKind

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "cordis-cleantech"

PROJECTS = [
    {"project_id": "p1", "rcn": "11", "acronym": "HEAT", "title": "Heat pumps",
     "objective": "District heating with large heat pumps.", "programme_part": "SC3",
     "start_year": "2015", "coordinator_org_id": "o1"},
    {"project_id": "p2", "rcn": "12", "acronym": "SUN", "title": "Solar roofs.",
     "objective": "Rooftop photovoltaics for apartment blocks.", "programme_part": "SC3;LEIT",
     "start_year": "2018", "coordinator_org_id": "o2"},
]  # fmt: skip
ORGS = [
    {"org_id": "o1", "pic": "901", "name": "Lämpö Oy", "type": "PRC", "country": "FI"},
    {"org_id": "o2", "pic": "902", "name": "NTNU", "type": "HES", "country": "NO"},
    {"org_id": "o3", "pic": "903", "name": "Athens Energy Lab", "type": "REC", "country": "EL"},
    {"org_id": "NAME:x", "pic": "", "name": "Solar Works Ltd", "type": "", "country": "UK"},
]
PARTICIPATION = [
    {"project_id": "p1", "org_id": "o1", "role": "coordinator"},
    {"project_id": "p1", "org_id": "o2", "role": "participant"},
    {"project_id": "p1", "org_id": "o3", "role": "participant"},
    {"project_id": "p2", "org_id": "o2", "role": "coordinator"},
    {"project_id": "p2", "org_id": "NAME:x", "role": "participant"},
]
GRAPH = [  # p1 again (rcn 11) and a project without a text (rcn 99) in 2016
    {"rcn": "11", "pic": "901", "start_year": "2015"},
    {"rcn": "99", "pic": "901", "start_year": "2016"},
    {"rcn": "99", "pic": "903", "start_year": "2016"},
    {"rcn": "99", "pic": "777", "start_year": "2016"},  # not an organisation we know
]


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", newline="", encoding="utf-8") as f:  # type: ignore[operator]
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    _write(tmp_path / "projects.csv", PROJECTS)
    _write(tmp_path / "organizations.csv", ORGS)
    _write(tmp_path / "participation.csv", PARTICIPATION)
    _write(tmp_path / "h2020_all_participation_graph.csv.gz", GRAPH)
    return tmp_path


def test_organisations_get_their_projects_as_evidence_with_the_project_id_as_ref(
    folder: Path,
) -> None:
    cluster = load_cordis(folder).cluster()
    ntnu = cluster.organisation("o2")
    assert [d.ref for d in ntnu.evidence] == ["p1", "p2"]
    assert ntnu.evidence[0].title == "Heat pumps" and ntnu.evidence[0].year == 2015
    assert ntnu.kind is OrgKind.UNIVERSITY and ntnu.country == "NO" and ntnu.language == "en"
    assert cluster.organisation("o1").identifiers == ("PIC:901",)


def test_kinds_and_countries_follow_cordis_codes_and_names(folder: Path) -> None:
    cluster = load_cordis(folder).cluster()
    assert cluster.organisation("o1").kind is OrgKind.COMPANY
    assert cluster.organisation("o3").kind is OrgKind.RESEARCH
    assert cluster.organisation("o3").country == "GR"  # CORDIS EL
    untyped = cluster.organisation("NAME:x")
    assert untyped.kind is OrgKind.COMPANY and untyped.country == "GB"  # "Ltd"; CORDIS UK


def test_one_partnership_per_pair_per_project_including_projects_without_text(
    folder: Path,
) -> None:
    cluster = load_cordis(folder).cluster()
    pairs = [frozenset((p.a, p.b)) for p in cluster.partnerships]
    assert pairs.count(frozenset(("o1", "o3"))) == 2  # p1 and the graph's rcn 99
    assert pairs.count(frozenset(("o2", "NAME:x"))) == 1
    assert len(pairs) == 5  # p1: 3 pairs, p2: 1, rcn 99: 1 (pic 777 is unknown)
    assert cluster.organisation("o3").evidence[0].ref == "p1"  # no evidence from rcn 99
    assert load_cordis(folder).consortium("p1") == ("o1", "o2", "o3")


def test_the_graph_file_is_optional(folder: Path) -> None:
    (folder / "h2020_all_participation_graph.csv.gz").unlink()
    assert len(load_cordis(folder).cluster().partnerships) == 4
    _write(folder / "h2020_all_participation_graph.csv.gz", GRAPH)
    assert len(load_cordis(folder, with_graph=False).cluster().partnerships) == 4


def test_a_profile_cut_off_keeps_only_earlier_projects_and_links(folder: Path) -> None:
    cluster = load_cordis(folder).cluster(until_year=2016)
    assert set(cluster.organisations) == {"o1", "o2", "o3"}  # NAME:x only took part in 2018
    assert [d.ref for d in cluster.organisation("o2").evidence] == ["p1"]
    assert all(p.since is not None and p.since <= 2016 for p in cluster.partnerships)


def test_a_missing_column_or_file_is_a_clear_error(folder: Path) -> None:
    _write(folder / "organizations.csv", [{"org_id": "o1", "name": "x", "type": "PRC"}])
    with pytest.raises(DataValidationError, match="column country"):
        load_cordis(folder)
    (folder / "projects.csv").unlink()
    with pytest.raises(DataValidationError, match="file not found"):
        load_cordis(folder)


@pytest.mark.skipif(not REAL.exists(), reason="the CORDIS cleantech folder is not present")
def test_the_real_cleantech_folder_loads_with_the_sizes_its_readme_states() -> None:
    data = load_cordis(REAL)
    assert len(data.projects) == 1732 and len(data.participants) == 5691
    cluster = data.cluster()
    assert len(cluster.organisations) == 5691
    assert sum(len(o.evidence) for o in cluster.organisations.values()) == 10868
