"""The workbench in a real browser: every role's jobs, done as a person would do them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from tests.browser.conftest import Demo
from tests.browser.demo_server import MEMBER_ORG, OTHER_MEMBER_ORG
from tests.browser.pages import Workbench, wait_for_file

pytestmark = pytest.mark.browser


@pytest.fixture
def wb(browser: WebDriver, demo: Demo, artifacts: Path) -> Workbench:
    browser.set_window_size(1280, 900)
    return Workbench(browser, demo.base, demo.keys, artifacts)


def test_sign_in_as_each_role_shows_that_roles_pages(wb: Workbench) -> None:
    wb.driver.delete_all_cookies()
    wb.open("/")
    assert wb.one("#key").get_attribute("type") == "password"
    wb.shot("signin")
    wb.one("#key").send_keys("cm_nope_nope", Keys.ENTER)  # the keyboard alone signs in
    wb.wait(lambda d: d.find_elements(By.ID, "signin-error"))
    expected = {
        "staff": {"/consortium", "/shortlist", "/duplicates", "/import", "/audit", "/needs"},
        "member": {"/needs", f"/organisations/{MEMBER_ORG}"},
        "investor": {"/search", "/organisations"},
    }
    staff_only = {"/consortium", "/shortlist", "/duplicates", "/import", "/audit"}
    for role, links in expected.items():
        wb.sign_in(role)
        nav = {a.get_attribute("href").removeprefix(wb.base) for a in wb.all("nav a")}
        assert links <= nav, (role, nav)
        if role != "staff":
            assert not nav & staff_only, (role, nav)
        if role == "investor":
            assert "/needs" not in nav
        assert wb.one(".signed-in").get_attribute("data-role") == role
        wb.shot(f"home-{role}")
    wb.one("#signout").click()
    wb.wait(lambda d: d.find_elements(By.ID, "key"))
    wb.open("/search")
    assert wb.all("#key"), "a signed-out visitor is sent to the sign-in page"


def test_search_with_a_filter_exports_exactly_what_is_shown(wb: Workbench, downloads: Path) -> None:
    wb.sign_in("investor")
    wb.open("/search")
    wb.one("#text").send_keys("solar modules rooftop installation")
    wb.one("#country").send_keys("FI, NO")
    wb.one("input[name=kind][value=sme]").click()
    wb.one("#search-submit").click()
    wb.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results .result"))
    shown = wb.ids("#search-results .result")
    metas = wb.texts("#search-results .result .meta")
    assert shown and all(" FI" in m or " NO" in m for m in metas), metas
    assert all(m.startswith("SME") for m in metas), metas
    assert wb.all("#search-results mark"), "the matching words are highlighted"
    assert wb.all("#search-results .components dd"), "each result shows its score components"
    wb.shot("search")
    for old in downloads.glob("*.csv"):
        old.unlink()
    wb.one("#export-csv").click()
    rows = list(csv.DictReader(io.StringIO(wait_for_file(downloads, ".csv").read_text("utf-8"))))
    assert [r["id"] for r in rows] == shown
    assert {r["country"] for r in rows} <= {"FI", "NO"} and {r["kind"] for r in rows} == {"sme"}


def test_results_follow_the_text_as_it_is_typed(wb: Workbench) -> None:
    wb.sign_in("staff")
    wb.open("/search")
    wb.one("#text").send_keys("optical waste sorting")
    wb.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results .result"))
    first = wb.ids("#search-results .result")
    assert "text=optical" in wb.driver.current_url  # the address follows, for a reload
    wb.one("#text").send_keys(Keys.CONTROL, "a")
    wb.one("#text").send_keys("electric buses depot charging")
    wb.wait(lambda d: wb.ids("#search-results .result") not in ([], first))


def test_russian_interface_formats_numbers_the_russian_way(wb: Workbench) -> None:
    wb.sign_in("staff")
    wb.open("/search?text=solar+modules")
    wb.one("a[lang=ru]").click()
    wb.wait(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru")
    assert wb.heading() == "Поиск кандидатов"
    scores = wb.texts("#search-results .score")
    assert scores and all("," in s for s in scores if s not in ("0", "1")), scores
    wb.shot("search-ru")
    wb.one("a[lang=en]").click()
    wb.wait(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")


def test_a_rejected_suggestion_is_gone_and_stays_gone(wb: Workbench) -> None:
    wb.sign_in("member")
    wb.one(f"nav a[href='/organisations/{MEMBER_ORG}']").click()
    wb.wait_for_page(f"/organisations/{MEMBER_ORG}")
    before = wb.ids("#suggestions .suggestion")
    assert len(before) >= 3
    assert wb.all("#suggestions .suggestion .pair"), (
        "each suggestion says which seek meets which offer"
    )
    wb.shot("organisation")
    rejected = before[0]
    wb.one(f"#suggestions .suggestion[data-id='{rejected}'] button[data-verdict=reject]").click()
    wb.wait(lambda d: d.find_elements(By.ID, "notice"))
    assert rejected not in wb.ids("#suggestions .suggestion")
    wb.driver.refresh()
    wb.wait(lambda d: d.find_elements(By.ID, "suggestions"))
    after = wb.ids("#suggestions .suggestion")
    assert rejected not in after and after[0] == before[1]


def test_a_member_edits_its_own_profile_and_nothing_else(wb: Workbench, demo: Demo) -> None:
    wb.sign_in("member")
    wb.open(f"/organisations/{MEMBER_ORG}")
    wb.one("#edit-profile").click()
    wb.wait_for_page(f"/organisations/{MEMBER_ORG}/edit")
    wb.one("#f-country").clear()
    wb.one("#f-country").send_keys("XX")
    wb.one("#save-profile").click()
    wb.wait(lambda d: d.find_elements(By.ID, "problems"))
    assert "country" in wb.one("#problems").text
    wb.shot("organisation-edit-error")
    wb.one("#f-country").clear()
    wb.one("#f-country").send_keys("RU")
    wb.one("#f-description").send_keys(" A second sorting line opens in 2027.")
    wb.one("#save-profile").click()
    wb.wait(lambda d: d.find_elements(By.ID, "notice"))
    assert "second sorting line opens in 2027" in wb.one(".description").text

    wb.open("/organisations")
    wb.shot("organisations")
    wb.one(f"#org-table a[href='/organisations/{OTHER_MEMBER_ORG}']").click()
    wb.wait_for_page(f"/organisations/{OTHER_MEMBER_ORG}")  # by link: no edit, no suggestions
    assert not wb.all("#edit-profile") and not wb.all("#suggestions")
    for typed in (
        f"/organisations/{OTHER_MEMBER_ORG}/edit",
        "/consortium",
        "/shortlist",
        "/duplicates",
        "/import",
        "/audit",
        "/merges",
    ):
        wb.open(typed)
        assert wb.one("#error-title").text == "Not allowed for your key", typed
    wb.shot("forbidden")
    staff = {"X-API-Key": demo.keys["staff"]}
    audit = httpx.get(f"{demo.base}/v1/audit?limit=5", headers=staff).json()
    saved = next(e for e in audit if e["entity_id"] == MEMBER_ORG)
    assert "second sorting line" in saved["after"]["description"]
    assert "second sorting line" not in saved["before"]["description"]
    assert saved["actor"].startswith("key:")


def test_a_consortium_member_swapped_changes_the_coverage_table(wb: Workbench) -> None:
    wb.sign_in("staff")
    wb.open("/consortium")
    Select(wb.one("#need_id")).select_by_value("need-011")
    wb.one("#max_size").clear()
    wb.one("#max_size").send_keys("4")
    wb.one("#build").click()
    wb.wait(lambda d: d.find_elements(By.ID, "coverage"))
    members = wb.ids("#members tbody tr")
    coverage = [c.text for c in wb.all("#coverage td")]
    assert 3 <= len(members) <= 4 and coverage
    assert wb.all("#alternatives .team-card"), "alternatives are shown side by side"
    wb.shot("consortium")
    out = next(m for m in members if wb.all(f"#members tr[data-id='{m}'] form.swap"))
    swap = wb.one(f"#members tr[data-id='{out}'] form.swap")
    incoming = Select(swap.find_element(By.TAG_NAME, "select")).first_selected_option
    incoming_id = incoming.get_attribute("value")
    swap.find_element(By.CSS_SELECTOR, "button").click()
    wb.wait(lambda d: wb.ids("#members tbody tr") != members)
    after = wb.ids("#members tbody tr")
    assert out not in after and incoming_id in after
    assert [c.text for c in wb.all("#coverage td")] != coverage
    assert wb.all("#team .delta") or wb.one("#team-score").text, "the change is shown"
    assert f"exclude={out}" in wb.driver.current_url.replace("%2C", ",")
    wb.shot("consortium-swapped")
    wb.one(f"#members tr[data-id='{incoming_id}'] a[data-action=unlock]").click()
    wb.wait(lambda d: d.find_elements(By.ID, "coverage"))
    assert wb.all("#export-csv") and wb.all("#export-json")


def test_the_award_shortlist_shows_evidence_per_pick(wb: Workbench, downloads: Path) -> None:
    wb.sign_in("staff")
    wb.open("/shortlist")
    wb.one("#per_category").clear()
    wb.one("#per_category").send_keys("3")
    wb.one("#shortlist-submit").click()
    wb.wait(lambda d: d.find_elements(By.CSS_SELECTOR, ".category .pick"))
    picks = wb.all(".category .pick")
    assert all(p.find_elements(By.CSS_SELECTOR, ".evidence li") for p in picks)
    ids = wb.ids(".category .pick")
    assert len(ids) == len(set(ids))  # one category per company
    wb.shot("shortlist")
    for old in downloads.glob("*.csv"):
        old.unlink()
    wb.one("#export-csv").click()
    rows = list(csv.DictReader(io.StringIO(wait_for_file(downloads, ".csv").read_text("utf-8"))))
    assert [r["org_id"] for r in rows] == ids


DUPLICATES = (
    "id,name,kind,country,city,description,website\n"
    "no-nordlys,Nordlys Energi AS,sme,NO,Tromsø,Heat pumps for Arctic homes,https://nordlys.example\n"
    "no-nordlys2,Nordlys Energi,sme,NO,Tromsø,Heat pump installation in Tromsø,https://nordlys.example\n"
)


def test_merge_two_duplicates_with_a_chosen_field_and_undo(wb: Workbench, tmp_path: Path) -> None:
    wb.sign_in("staff")
    upload = tmp_path / "nordlys.csv"
    upload.write_text(DUPLICATES, encoding="utf-8")
    wb.open("/import")
    wb.one("#file").send_keys(str(upload))
    wb.one("#import-submit").click()
    wb.wait(lambda d: d.find_elements(By.ID, "import-report"))
    assert "2 created" in wb.one("#import-report").text
    wb.shot("import")
    wb.one("#import-report a[href='/duplicates']").click()
    pair = wb.wait(
        lambda d: d.find_element(By.CSS_SELECTOR, "section[data-pair='no-nordlys|no-nordlys2']")
    )
    wb.shot("duplicates")
    pair.find_element(By.CSS_SELECTOR, "input[name=choose_description][value=no-nordlys2]").click()
    pair.find_element(By.CSS_SELECTOR, "button.merge").click()
    wb.wait_for_page("/merges")
    wb.open("/organisations/no-nordlys2")
    assert wb.one("#error-title").text == "Not found"
    wb.open("/organisations/no-nordlys")
    assert "Tromsø" in wb.one(".description").text  # the chosen field came from the other
    wb.open("/merges")
    row = wb.one("#merge-history tbody tr")
    row.find_element(By.CSS_SELECTOR, "button.undo").click()
    wb.wait(lambda d: d.find_elements(By.ID, "notice"))
    assert "undone" in wb.one("#merge-history tbody tr").text
    wb.shot("merges")
    wb.open("/organisations/no-nordlys2")
    assert wb.one("#org-name").text == "Nordlys Energi"


def test_an_import_with_a_bad_row_shows_row_and_column_and_changes_nothing(
    wb: Workbench, demo: Demo, tmp_path: Path
) -> None:
    wb.sign_in("staff")
    before = httpx.get(f"{demo.base}/health").json()["organisations"]
    upload = tmp_path / "orgs.csv"
    upload.write_text(
        "id,name,kind,country,description\n"
        "fi-good,Hyvä Oy,sme,FI,Heat recovery units\n"
        "fi-bad,Huono Oy,spaceship,FI,Batteries\n",
        encoding="utf-8",
    )
    wb.open("/import")
    wb.one("#file").send_keys(str(upload))
    wb.one("#import-submit").click()
    wb.wait(lambda d: d.find_elements(By.ID, "import-failed"))
    bad = wb.one("#import-rows tr[data-row='2'] td.bad")
    assert bad.get_attribute("data-column") == "kind" and "row 2, column kind" in bad.text
    assert not wb.all("#import-rows tr[data-row='1'] td.bad")
    assert "Nothing was imported" in wb.one("#import-failed").text
    wb.shot("import-error")
    assert httpx.get(f"{demo.base}/health").json()["organisations"] == before
    wb.open("/organisations/fi-good")
    assert wb.one("#error-title").text == "Not found"


def test_needs_local_producers_and_the_audit_log(wb: Workbench) -> None:
    wb.sign_in("staff")
    wb.open("/needs")
    wb.shot("needs")
    wb.one("#needs-table a[href='/needs/need-019']").click()
    wb.wait_for_page("/needs/need-019")
    everywhere = wb.ids("#need-matches .result")
    wb.one("label[for=local]").click()  # the switch submits itself
    wb.wait(lambda d: "local=1" in d.current_url)
    local = wb.all("#need-matches .result")
    assert local and {r.get_attribute("data-city") for r in local} == {"Saint Petersburg"}
    assert wb.ids("#need-matches .result") != everywhere
    wb.shot("need")
    wb.open("/audit?action=import")
    assert wb.texts("#audit-table tbody tr td:nth-child(3)") and set(
        wb.texts("#audit-table tbody tr td:nth-child(3)")
    ) == {"import"}
    wb.shot("audit")


def test_keyboard_focus_and_phone_width(wb: Workbench) -> None:
    wb.sign_in("staff")
    wb.open("/search?text=heat+pumps")
    body = wb.one("body")
    body.send_keys(Keys.TAB)
    focused = wb.driver.switch_to.active_element
    assert focused.get_attribute("class") == "skip"
    outline = wb.driver.execute_script(
        "return getComputedStyle(arguments[0]).outlineStyle", focused
    )
    assert outline != "none", "the focused control is visibly marked"
    unlabeled = wb.driver.execute_script(
        """return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter(e => !e.labels.length && !e.getAttribute('aria-label')).map(e => e.name)"""
    )
    assert unlabeled == []
    wb.driver.set_window_size(390, 844)
    for path in ("/search?text=heat+pumps", "/consortium?need_id=need-011", "/organisations"):
        wb.open(path)
        overflow = wb.driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 1, (path, overflow)
    wb.shot("search-phone")
