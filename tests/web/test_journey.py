"""The new pages in a real browser (Debian's chromium) against a real server: a
facilitator's whole journey — log in, import a file with one bad row and see the
error, fix it, see the flows on the map, run matching, open a match, save it as a
synergy, switch to Norwegian, log out — a viewer who never sees a hidden flow, axe
on every new page in both languages, a phone's width, and no request off the origin.

The imported flows are visible to facilitators only, so the shared demo database's
public and network flows (which other tests count) stay as they were.
"""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import REGION, Demo, Visit
from tests.web.test_browser import log_in, run_axe, wait_for_map
from tests.web.visibility import leaks_to_viewer

BASE = f"/regions/{REGION}"
JOB_TIMEOUT_MS = 90_000
HEADER = "id,actor,site,lat,lon,direction,resource,category,quantity,unit,temperature_c,months,visibility\n"
GOOD = "e2e-1,E2E Fjordfisk AS,Settefiskanlegg,66.3301,14.1502,demand,varmt vann til settefisk,heat,4,GWh/yr,30,1-12,facilitator\n"
BAD = "e2e-2,E2E Fjordfisk AS,Settefiskanlegg,166.3301,14.1502,supply,fiskeslam fra settefisk,by-product,90,t/yr,,1-12,facilitator\n"
FIXED = BAD.replace("166.3301", "66.3301")


def choose_file(visit: Visit, body: str, name: str = "helgeland-e2e.csv") -> None:
    visit.page.set_input_files(
        "#import-file", files=[{"name": name, "mimeType": "text/csv", "buffer": body.encode()}]
    )
    with visit.page.expect_navigation():
        visit.page.click(".upload-form button[type=submit]")


def test_facilitator_journey(visit: Visit, demo: Demo, server: str) -> None:
    page = visit.page
    log_in(visit, demo.facilitator)
    visit.goto(f"{BASE}/import?lang=en")
    # 1. Upload with one bad row: the preview names row 3 (the header is row 1), column lat.
    choose_file(visit, HEADER + GOOD + BAD)
    page.wait_for_selector("tr.problem-error[data-row='3'][data-column='lat']", timeout=JOB_TIMEOUT_MS)
    assert "Preview only" in page.locator("#import-summary").inner_text()
    assert page.locator("table.mapping").inner_text().count("resource") >= 2
    # 2. Fix it and upload again: no problems; commit in one step.
    with page.expect_navigation():
        page.click("text=Fix the file and upload it again")
    choose_file(visit, HEADER + GOOD + FIXED)
    page.wait_for_selector("#no-problems", timeout=JOB_TIMEOUT_MS)
    with page.expect_navigation():
        page.click("#commit-import")
    page.wait_for_selector("#import-summary:has-text('Imported.')", timeout=JOB_TIMEOUT_MS)
    # 3. The flows are on the map.
    with page.expect_navigation():
        page.click("text=See the flows on the map")
    wait_for_map(visit)
    data = page.evaluate("async (u) => (await fetch(u)).json()", f"{BASE}/overview.json")
    keys = {p["key"] for p in data["points"]}
    assert {"e2e-1", "e2e-2"} <= keys
    assert page.locator("path.flow-marker").count() == len(data["points"])
    # 4. Run matching in the background; the page follows when it is done.
    visit.goto(f"{BASE}/matches")
    with page.expect_navigation(timeout=JOB_TIMEOUT_MS):
        page.click("#match-run button[type=submit]")
    page.wait_for_selector("ol.matches li.match")
    # 5. Open a match and save it as a synergy.
    with page.expect_navigation():
        page.locator("a.open-match").first.click()
    page.wait_for_selector("article.match-detail meter")
    with page.expect_navigation():
        page.click("article.match-detail button:has-text('Save as synergy')")
    page.wait_for_selector("article.synergy[data-status]")
    # 6. Norwegian, then log out.
    with page.expect_navigation():
        page.click(".lang-switch a[hreflang='nb']")
    page.wait_for_selector("h2:has-text('Kommentarer')")
    assert page.locator("html").get_attribute("lang") == "nb"
    with page.expect_navigation():
        page.click(".logout-form button")
    page.wait_for_selector("a.login-link")
    foreign = [url for url in visit.requests if not url.startswith(server + "/")]
    assert not foreign, foreign
    assert not visit.console_errors, visit.console_errors


def test_viewer_never_sees_a_hidden_flow_on_the_new_pages(visit: Visit, demo: Demo) -> None:
    bodies: list[tuple[str, str]] = []

    def keep(response: Any) -> None:
        kind = response.headers.get("content-type", "")
        if response.status == 200 and ("html" in kind or "json" in kind or "csv" in kind):
            bodies.append((response.url, response.text()))

    page = visit.page
    page.on("response", keep)
    log_in(visit, demo.viewer)
    visit.goto(f"{BASE}/organisations")
    org_links = page.locator("#organisations-table tbody a").evaluate_all("links => links.map(a => a.href)")
    assert org_links
    owner = page.locator(f"#organisations-table a:has-text('{demo.member_org}')")
    for url in [*org_links[:3], owner.get_attribute("href") if owner.count() else None]:
        if url:
            page.goto(url)
    visit.goto(f"{BASE}/matches")
    refs = page.locator("a.open-match").evaluate_all("links => links.map(a => a.href)")
    for url in refs[:3]:
        page.goto(url)
    visit.goto(f"{BASE}/synergies")
    for url in page.locator(".synergy-list a").evaluate_all("links => links.map(a => a.href)")[:5]:
        page.goto(url)
    for path in (f"{BASE}/export.csv", f"{BASE}/export.geojson", "/account", "/account/tokens"):
        bodies.append((path, page.evaluate("async (u) => (await fetch(u)).text()", path)))
    assert len(bodies) >= 8
    for url, body in bodies:
        assert not leaks_to_viewer(demo, body), (url, leaks_to_viewer(demo, body))


def new_pages(visit: Visit) -> list[str]:
    """The new pages as a facilitator reaches them (ids read from the pages)."""
    page = visit.page
    visit.goto(f"{BASE}/organisations")
    org = page.locator("#organisations-table tbody a").first.get_attribute("href")
    assert org
    visit.goto(org)
    flow_edit = page.locator("a[href$='/edit']").first.get_attribute("href")
    visit.goto(f"{BASE}/import")
    choose_file(visit, HEADER + BAD)
    page.wait_for_selector("tr.problem-error", timeout=JOB_TIMEOUT_MS)
    preview = page.url.replace(visit.origin, "")
    visit.goto(f"{BASE}/matches")
    match = page.locator("a.open-match").first.get_attribute("href")
    visit.goto(f"{BASE}/synergies")
    synergy = (
        page.locator(".synergy-list a").first.get_attribute("href")
        if page.locator(".synergy-list a").count()
        else None
    )
    pages = [f"{BASE}/organisations", org, f"{org}/sites/new", f"{org}/flows/new", flow_edit, f"{BASE}/import",
             preview, f"{BASE}/matches", match, f"{BASE}/synergies", synergy, "/account", "/account/tokens",
             f"{BASE}/users", f"{BASE}/audit"]  # fmt: skip
    return [p for p in pages if p]


def test_new_pages_pass_axe_in_both_languages(visit: Visit, demo: Demo, server: str) -> None:
    log_in(visit, demo.facilitator)
    pages = new_pages(visit)
    assert len(pages) >= 13
    for lang in ("en", "nb"):
        for path in pages:
            visit.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
            if "sites/new" in path:
                visit.page.wait_for_selector("#site-map[data-ready='true']")
            violations = run_axe(visit)
            assert not violations, (
                path, lang, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in violations],
            )  # fmt: skip
    foreign = [url for url in visit.requests if not url.startswith(server + "/")]
    assert not foreign, foreign


def test_new_pages_fit_a_phone(phone: Visit, demo: Demo) -> None:
    log_in(phone, demo.facilitator)
    for path in new_pages(phone):
        phone.goto(path)
        width = phone.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
    # The site form's map takes a click and fills in the coordinates.
    org = next(p for p in new_pages(phone) if re.search(r"/organisations/\d+$", p))
    phone.goto(f"{org}/sites/new")
    phone.page.wait_for_selector("#site-map[data-ready='true']")
    phone.page.locator("#site-map").click(position={"x": 120, "y": 120})
    assert re.fullmatch(r"-?\d+\.\d{5}", phone.page.input_value("#f-lat"))
    assert re.fullmatch(r"-?\d+\.\d{5}", phone.page.input_value("#f-lon"))
