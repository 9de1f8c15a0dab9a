"""Every workbench page with every role: what each may open, what it sees, what it may do,
and that pages show and export exactly what the API does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from embeddings.language import detect_language
from tests.api_fixtures import Api, make_api
from tests.test_gloss import needs_voikko
from tests.web_fixtures import csrf_of, visitor

TEAM_TEXT = "Heat pumps for apartment blocks. Optical sorting of waste. Solar modules."
ROLES = ("staff", "member", "investor")
EVERYONE, STAFF_MEMBER, STAFF = set(ROLES), {"staff", "member"}, {"staff"}
# the member key belongs to ru-housing
PAGES = [
    ("/", EVERYONE),
    ("/search", EVERYONE),
    ("/search?text=solar+modules&country=FI", EVERYONE),
    ("/search?text=solar&fragment=1", EVERYONE),
    ("/search.csv?text=solar", EVERYONE),
    ("/organisations", EVERYONE),
    ("/organisations/ru-waste", EVERYONE),
    ("/organisations/ru-housing/edit", STAFF_MEMBER),
    ("/organisations/ru-waste/edit", STAFF),
    ("/needs", STAFF_MEMBER),
    ("/needs/n-modules?local=1", STAFF_MEMBER),
    ("/needs/n-modules/matches.csv", STAFF_MEMBER),
    ("/consortium", STAFF),
    (f"/consortium?text={TEAM_TEXT}", STAFF),
    (f"/consortium.csv?text={TEAM_TEXT}", STAFF),
    (f"/consortium.json?text={TEAM_TEXT}", STAFF),
    ("/shortlist", STAFF),
    ("/shortlist?run=1&per_category=2", STAFF),
    ("/shortlist.csv?per_category=2", STAFF),
    ("/duplicates", STAFF),
    ("/merges", STAFF),
    ("/import", STAFF),
    ("/audit", STAFF),
    ("/audit?action=seed", STAFF),
]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    """One service for the read-only checks (tests that write make their own)."""
    return make_api(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def clients(api: Api) -> dict[str, TestClient]:
    return {role: visitor(api, role) for role in ROLES}


@pytest.fixture
def fresh(tmp_path: Path) -> Api:
    return make_api(tmp_path)


@pytest.mark.parametrize(("path", "allowed"), PAGES)
@pytest.mark.parametrize("role", [*ROLES, None])
def test_pages_by_role(
    api: Api, clients: dict[str, TestClient], path: str, allowed: set[str], role: str | None
) -> None:
    client = clients[role] if role else visitor(api, None)
    response = client.get(path, follow_redirects=False)
    if role is None and path != "/":
        assert response.status_code == 303
        assert response.headers["location"].startswith("/?next=/")
    elif role is None or role in allowed:
        assert response.status_code == 200, (path, response.text[:500])
    else:
        assert response.status_code == 403
        assert "Not allowed for your key" in response.text and "<html" in response.text


# (path, form, roles allowed); every form carries the session's CSRF token
POSTS = [
    (
        "/organisations/ru-housing/feedback",
        {"candidate_id": "fi-heat", "verdict": "reject"},
        STAFF_MEMBER,
    ),
    ("/organisations/ru-waste/feedback", {"candidate_id": "no-sort", "verdict": "accept"}, STAFF),
    ("/duplicates/merge", {"ids": ["fi-solar", "ru-solar"], "survivor_id": "ru-solar"}, STAFF),
    ("/merges/merge-unknown/undo", {}, set()),  # staff: 404, unknown merge
    ("/import", {"entity": "organisations"}, set()),  # staff: 422, no file
]


@pytest.mark.parametrize(("path", "form", "allowed"), POSTS)
@pytest.mark.parametrize("role", ROLES)
def test_forms_by_role(
    fresh: Api, path: str, form: dict[str, object], allowed: set[str], role: str
) -> None:
    client = visitor(fresh, role)
    data = {**form, "csrf": csrf_of(client)}
    response = client.post(path, data=data, follow_redirects=False)
    if role in allowed:
        assert response.status_code == 303, response.text[:500]
    elif role == "staff":
        assert response.status_code in (404, 422)
    else:
        assert response.status_code == 403


def _ids(html: str, css_class: str = "result") -> list[str]:
    return re.findall(rf'<li class="{css_class}[^"]*" data-id="([^"]+)"', html)


def test_search_page_shows_and_exports_what_the_api_answers(
    api: Api, clients: dict[str, TestClient]
) -> None:
    query = {"text": "solar modules", "country": ["FI", "RU"], "kind": ["sme", "company"], "k": 5}
    answer = api.client.post("/v1/search", json=query, headers=api.as_role("investor")).json()
    page = clients["investor"].get(
        "/search?text=solar+modules&country=FI,RU&kind=sme&kind=company&k=5"
    )
    assert _ids(page.text) == [m["id"] for m in answer["matches"]] and answer["matches"]
    assert "<mark>solar</mark>" in page.text.lower() or "<mark>Solar</mark>" in page.text
    exported = clients["investor"].get(
        "/search.csv?text=solar+modules&country=FI,RU&kind=sme&kind=company&k=5"
    )
    api_csv = api.client.post("/v1/search?format=csv", json=query, headers=api.as_role("investor"))
    assert exported.text == api_csv.text and exported.headers["content-type"].startswith("text/csv")


@needs_voikko
def test_a_finnish_search_says_what_it_was_also_read_as(tmp_path: Path) -> None:
    api = make_api(tmp_path, detect_language=detect_language)
    staff = api.as_role("staff")
    answer = api.client.post(
        "/v1/search", json={"text": "Jätteen kierrätys ja lajittelu"}, headers=staff
    )
    gloss = answer.json()["gloss"]
    assert "recycling" in gloss.split()
    english = {"text": "waste recycling and sorting"}
    assert api.client.post("/v1/search", json=english, headers=staff).json()["gloss"] == ""
    page = visitor(api, "staff").get("/search?text=J%C3%A4tteen+kierr%C3%A4tys+ja+lajittelu")
    shown = re.search(r'<p class="gloss" id="gloss">([^<]*)</p>', page.text)
    assert shown is not None and gloss in shown.group(1)


@pytest.mark.skipif(
    not Path("/usr/share/dictd/mueller7.index").exists(), reason="no English-Russian dictionary"
)
def test_an_english_search_naming_st_petersburg_says_it_was_also_read_in_russian(
    tmp_path: Path,
) -> None:
    api = make_api(tmp_path, detect_language=detect_language)
    text = "Circulation pumps and heat meters made near St. Petersburg"
    answer = api.client.post("/v1/search", json={"text": text}, headers=api.as_role("staff"))
    assert answer.json()["gloss_language"] == "ru" and "насос" in answer.json()["gloss"].split()
    page = visitor(api, "staff").get("/search", params={"text": text})
    shown = re.search(r'<p class="gloss" id="gloss">([^<]*)</p>', page.text)
    assert shown is not None and shown.group(1).startswith("Also read as, in Russian:")


def test_a_bad_filter_is_named_next_to_its_field(clients: dict[str, TestClient]) -> None:
    page = clients["staff"].get("/search?text=solar&founded_from=1066")
    assert 'id="err-founded_from"' in page.text and _ids(page.text) == []


def test_investors_see_the_public_profile_only(api: Api, clients: dict[str, TestClient]) -> None:
    investor = clients["investor"].get("/organisations/no-fund").text
    staff = clients["staff"].get("/organisations/no-fund").text
    assert "100,000" in staff and "100,000" not in investor  # the ticket is not public
    assert 'id="suggestions"' not in investor and 'id="known-partners"' not in investor
    assert 'id="known-partners"' in staff and "/organisations/ru-solar" in staff
    assert 'id="edit-profile"' not in investor


def test_a_member_gets_suggestions_and_an_edit_button_for_its_own_organisation_only(
    clients: dict[str, TestClient],
) -> None:
    own = clients["member"].get("/organisations/ru-housing").text
    other = clients["member"].get("/organisations/ru-waste").text
    assert 'id="suggestions"' in own and 'id="edit-profile"' in own
    assert 'id="suggestions"' not in other and 'id="edit-profile"' not in other
    assert 'href="/consortium"' not in own  # no staff links in the member's menu
    assert 'class="pair"' in own  # which of our seeks meets which of their offers


def test_a_rejected_suggestion_leaves_the_page_for_good(fresh: Api) -> None:
    member = visitor(fresh, "member")
    before = _ids(member.get("/organisations/ru-housing").text, "result suggestion")
    form = {"csrf": csrf_of(member), "candidate_id": before[0], "verdict": "reject"}
    response = member.post("/organisations/ru-housing/feedback", data=form)
    assert response.status_code == 200 and "will not be suggested again" in response.text
    after = _ids(member.get("/organisations/ru-housing").text, "result suggestion")
    assert before[0] not in after and after[0] == before[1]
    assert fresh.service.store.rejected_for("ru-housing") == {before[0]}


def _value(html: str, pattern: str) -> str:
    found = re.search(pattern, html)
    assert found, pattern
    return found.group(1)


def _profile_form(client: TestClient, org_id: str) -> dict[str, object]:
    """The edit form as the page fills it, with a new description."""
    html = client.get(f"/organisations/{org_id}/edit").text
    return {
        "csrf": csrf_of(client),
        **{
            f: _value(html, rf'name="{f}"[^>]*value="([^"]*)"') for f in ("name", "country", "city")
        },
        "kind": _value(html, r'<option value="([a-z_]+)" selected'),
        "description": "Housing association; 12 blocks to retrofit.",
        "offers": "Pilot sites in apartment blocks",
        "seeks": "Heating retrofits with heat pumps for apartment blocks",
        "areas": ["energy_efficiency", "green_buildings"],
    }


def test_a_member_saves_its_profile_through_the_api_rules_and_audit(fresh: Api) -> None:
    member = visitor(fresh, "member")
    form = _profile_form(member, "ru-housing")
    response = member.post("/organisations/ru-housing/edit", data=form, follow_redirects=False)
    assert response.status_code == 303
    entry = fresh.service.audit_rows(1, 0)[0]
    assert entry["entity_id"] == "ru-housing" and entry["actor"].startswith("key:")
    assert entry["before"]["description"] == "Housing association of Soviet-era apartment blocks."
    assert entry["after"]["description"] == "Housing association; 12 blocks to retrofit."
    assert "12 blocks to retrofit" in member.get("/organisations/ru-housing").text


def test_an_invalid_profile_is_refused_field_by_field_and_nothing_changes(fresh: Api) -> None:
    member = visitor(fresh, "member")
    audit_rows = fresh.service.store.counts()["audit_log"]
    form = {**_profile_form(member, "ru-housing"), "country": "XX", "areas": ["moon"]}
    response = member.post("/organisations/ru-housing/edit", data=form)
    assert response.status_code == 422
    assert 'id="problems"' in response.text and "country" in response.text
    assert fresh.service.store.counts()["audit_log"] == audit_rows
    assert fresh.service.organisation("ru-housing").country == "RU"
    wrong = {**_profile_form(member, "ru-housing"), "name": ""}
    assert member.post("/organisations/ru-housing/edit", data=wrong).status_code == 422
    other = member.post("/organisations/ru-waste/edit", data=form, follow_redirects=False)
    assert other.status_code == 403


def test_local_producers_switch(clients: dict[str, TestClient]) -> None:
    page = clients["member"].get("/needs/n-modules?local=1").text
    cities = set(re.findall(r'data-city="([^"]*)"', page))
    assert cities == {"Saint Petersburg"}
    assert _ids(page)[0] == "ru-solar"


def test_consortium_page_and_exports_follow_the_api(
    api: Api, clients: dict[str, TestClient]
) -> None:
    body = {"text": TEAM_TEXT, "min_size": 3, "max_size": 4}
    answer = api.client.post("/v1/consortia", json=body, headers=api.as_role("staff")).json()
    path = f"text={TEAM_TEXT}&min_size=3&max_size=4"
    page = clients["staff"].get(f"/consortium?{path}").text
    members = re.findall(r'<tr data-id="([^"]+)">', page.split('id="coverage"')[0])
    assert members == [m["org_id"] for m in answer["best"]["members"]]
    rows = re.findall(r'<tr data-id="([^"]+)" data-coverage="([^"]+)"', page)
    assert rows == [(r["id"], str(r["coverage"])) for r in answer["best"]["coverage"]]
    assert clients["staff"].get(f"/consortium.json?{path}").json() == answer
    csv_lines = clients["staff"].get(f"/consortium.csv?{path}").text.splitlines()
    assert csv_lines[0].startswith("team,team_score,org_id") and "cover:c1" in csv_lines[0]
    assert len(csv_lines) - 1 == sum(
        len(t["members"]) for t in [answer["best"], *answer["alternatives"]]
    )


def test_consortium_swap_keeps_the_old_score_to_show_the_change(
    clients: dict[str, TestClient],
) -> None:
    staff = clients["staff"]
    page = staff.get(f"/consortium?text={TEAM_TEXT}&max_size=4").text
    first = re.findall(r'<tr data-id="([^"]+)">', page.split('id="coverage"')[0])
    incoming = re.search(r'<select id="swap-[^"]+" name="with"><option value="([^"]+)"', page)
    assert incoming
    swapped = staff.get(
        f"/consortium/change?text={TEAM_TEXT}&max_size=4&action=swap&org={first[0]}"
        f"&with={incoming.group(1)}&was_score=9.5&was_cov=c1:0.1",
    )
    assert swapped.status_code == 200
    after = re.findall(r'<tr data-id="([^"]+)">', swapped.text.split('id="coverage"')[0])
    assert first[0] not in after and incoming.group(1) in after
    assert 'class="delta down"' in swapped.text  # against the score passed along
    assert f"exclude={first[0]}" in str(swapped.url)


def test_an_impossible_consortium_names_the_rule(clients: dict[str, TestClient]) -> None:
    page = clients["staff"].get(f"/consortium?text={TEAM_TEXT}&country0=SE&country0_min=2")
    assert page.status_code == 200 and 'id="problems"' in page.text and "SE" in page.text


def test_shortlist_page_and_csv_follow_the_api(api: Api, clients: dict[str, TestClient]) -> None:
    body = {
        "categories": [
            {"name": "Solar", "description": "solar modules and installation"},
            {"name": "Waste", "description": "waste sorting"},
        ],
        "per_category": 2,
    }
    answer = api.client.post("/v1/shortlists", json=body, headers=api.as_role("staff")).json()
    query = "categories=Solar: solar modules and installation%0AWaste: waste sorting&per_category=2"
    page = clients["staff"].get(f"/shortlist?run=1&{query}").text
    picked = [p["org_id"] for c in answer["categories"] for p in c["picks"]]
    assert _ids(page, "result pick") == picked and picked
    assert page.count('<ul class="evidence">') == len(picked)
    api_csv = api.client.post("/v1/shortlists?format=csv", json=body, headers=api.as_role("staff"))
    assert clients["staff"].get(f"/shortlist.csv?{query}").text == api_csv.text


DUPLICATES = (
    "id,name,kind,country,city,description,website\n"
    "no-nordlys,Nordlys Energi AS,sme,NO,Tromsø,Heat pumps for Arctic homes,https://nordlys.example\n"
    "no-nordlys2,Nordlys Energi,sme,NO,Tromsø,Heat pump installation,https://nordlys.example\n"
)


def _upload(client: TestClient, content: str, entity: str = "organisations") -> object:
    files = {"file": ("orgs.csv", content, "text/csv")}
    data = {"csrf": csrf_of(client, "/import"), "entity": entity}
    return client.post("/import", data=data, files=files)


def test_import_merge_with_a_chosen_field_and_undo(fresh: Api) -> None:
    staff = visitor(fresh, "staff")
    report = _upload(staff, DUPLICATES)
    assert report.status_code == 200 and "2 created" in report.text  # type: ignore[attr-defined]
    queue = staff.get("/duplicates").text
    assert 'data-pair="no-nordlys|no-nordlys2"' in queue
    form = {
        "csrf": csrf_of(staff),
        "ids": ["no-nordlys", "no-nordlys2"],
        "survivor_id": "no-nordlys",
        "choose_description": "no-nordlys2",
    }
    merged = staff.post("/duplicates/merge", data=form)
    assert merged.status_code == 200 and "The records are merged" in merged.text
    assert not fresh.service.has_organisation("no-nordlys2")
    assert fresh.service.organisation("no-nordlys").description == "Heat pump installation"
    merge_id = fresh.service.merge_history()[0]["merge_id"]
    undone = staff.post(f"/merges/{merge_id}/undo", data={"csrf": csrf_of(staff)})
    assert undone.status_code == 200 and "The merge is undone" in undone.text
    assert fresh.service.organisation("no-nordlys2").name == "Nordlys Energi"
    assert fresh.service.organisation("no-nordlys").description == "Heat pumps for Arctic homes"


def test_an_import_with_bad_rows_marks_them_and_changes_nothing(fresh: Api) -> None:
    staff = visitor(fresh, "staff")
    counts = fresh.service.store.counts()
    bad = (
        "id,name,kind,country,description\n"
        "fi-a,Alpha Oy,sme,FI,Heat recovery units\n"
        "fi-b,Beta Oy,spaceship,FI,Batteries\n"
        "fi-c,Gamma Oy,sme,ZZ,Wind blades\n"
    )
    response = _upload(staff, bad)
    html = response.text  # type: ignore[attr-defined]
    assert response.status_code == 422  # type: ignore[attr-defined]
    marked = re.findall(r'<tr data-row="(\d+)" class="bad-row">', html)
    cells = re.findall(r'<td class="bad" data-column="([a-z_]+)">', html)
    assert marked == ["2", "3"] and cells == ["kind", "country"]
    assert "row 2, column kind" in html and "Nothing was imported" in html
    assert fresh.service.store.counts() == counts and not fresh.service.has_organisation("fi-a")


def test_audit_log_filters(fresh: Api) -> None:
    member = visitor(fresh, "member")
    form = {"csrf": csrf_of(member), "candidate_id": "fi-heat", "verdict": "reject"}
    member.post("/organisations/ru-housing/feedback", data=form)
    staff = visitor(fresh, "staff")
    page = staff.get("/audit?action=feedback").text
    assert re.findall(r'data-action="([a-z]+)"', page) == ["feedback"]
    assert "ru-housing-&gt;fi-heat" in page
    assert 'data-action="seed"' in staff.get("/audit?action=seed&entity=organisations").text
    assert staff.get("/audit?actor=nobody").text.count("data-action=") == 0


def test_russian_text_dates_and_numbers(api: Api, clients: dict[str, TestClient]) -> None:
    client = visitor(api, "staff")
    english = client.get("/search?text=solar+modules").text
    client.get("/language/ru?next=/search", follow_redirects=False)
    russian = client.get("/search?text=solar+modules").text
    assert "Search candidates" in english and "Поиск кандидатов" in russian
    assert '<html lang="ru">' in russian
    english_scores = re.findall(r'<span class="score"[^>]*>([^<]+)<', english)
    russian_scores = re.findall(r'<span class="score"[^>]*>([^<]+)<', russian)
    assert russian_scores == [s.replace(".", ",") for s in english_scores] and english_scores
    audit = client.get("/audit").text
    assert re.search(r"\d{1,2} [а-я]{3,4}\.? \d{4}", audit), "a Russian date"
    browser_ru = TestClient(api.client.app, headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert "Вход" in browser_ru.get("/").text
    assert (
        clients["staff"]
        .get("/language/xx?next=https://evil.example", follow_redirects=False)
        .headers["location"]
        == "/"
    )


def test_a_refusal_is_a_page_with_the_visitors_own_menu(clients: dict[str, TestClient]) -> None:
    refused = clients["member"].get("/audit")
    assert refused.status_code == 403 and 'href="/organisations/ru-housing"' in refused.text
    assert 'href="/audit"' not in refused.text
    missing = clients["investor"].get("/organisations/nope")
    assert missing.status_code == 404 and "Not found" in missing.text
