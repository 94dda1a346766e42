"""The pages in a real browser (Debian's chromium through playwright) against a real
server: the map and the Sankey draw, the language switch, htmx filtering, login and
logout, confidentiality, no request to another origin, axe-core, and a phone."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.web.conftest import PASSWORD, REGION, TIMEOUT_MS, Demo, Visit
from tests.web.visibility import leaks

BASE = f"/regions/{REGION}"
PAGES = ("/", BASE, f"{BASE}/flows", f"{BASE}/matches", "/login")
AXE = "/static/build/axe.min.js"  # from npm (axe-core), bundled by `npm run build`


def wait_for_map(visit: Visit) -> None:
    visit.page.wait_for_selector("#map[data-ready='true']")
    visit.page.wait_for_selector("path.flow-marker")
    # The offline basemap (world-atlas TopoJSON, served by us) is drawn under the flows.
    visit.page.wait_for_selector(".leaflet-basemap-pane path", state="attached")


def marker_count(visit: Visit) -> int:
    return visit.page.locator("path.flow-marker").count()


def run_axe(visit: Visit) -> list[dict[str, Any]]:
    visit.page.add_script_tag(url=AXE)
    result: dict[str, Any] = visit.page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def log_in(visit: Visit, email: str, password: str = PASSWORD) -> None:
    visit.goto(f"/login?next={BASE}/flows")
    visit.page.fill("#email", email)
    visit.page.fill("#password", password)
    with visit.page.expect_navigation():
        visit.page.click("form.login-form button[type=submit]")


def test_overview_draws_map_markers_lines_and_sankey(visit: Visit, server: str) -> None:
    data = httpx.get(f"{server}{BASE}/overview.json?lang=en", timeout=120).json()  # the first run matches
    visit.goto(f"{BASE}?lang=en")
    wait_for_map(visit)
    assert marker_count(visit) == len(data["points"]) > 0
    assert visit.page.locator("path.match-line").count() == len(data["lines"]) > 0
    visit.page.wait_for_selector("#sankey svg.sankey-svg path.sankey-link")
    assert visit.page.locator("#sankey .sankey-node rect").count() == len(data["sankey"]["nodes"])
    assert visit.page.locator("[data-count='flows']").inner_text() == str(data["counts"]["flows"])
    # Layer toggles: switching a category off removes its markers, on brings them back.
    layer = data["layers"][0]
    toggle = visit.page.locator(f"input[data-layer-category='{layer['value']}']")
    toggle.uncheck()
    assert marker_count(visit) == len(data["points"]) - layer["count"]
    toggle.check()
    visit.page.locator("input[data-layer-direction='demand']").uncheck()
    supplies = sum(1 for p in data["points"] if p["direction"] == "supply")
    assert marker_count(visit) == supplies
    visit.page.locator("input[data-layer-lines]").uncheck()
    assert visit.page.locator("path.match-line").count() == 0
    assert not visit.console_errors, visit.console_errors


def test_language_switch_changes_strings_and_numbers(visit: Visit) -> None:
    visit.goto(f"{BASE}?lang=en")
    page = visit.page
    page.wait_for_selector("text=Totals by category")
    english_totals = page.locator("table.totals tbody").inner_text()
    assert re.search(r"\d,\d{3} (MWh|t)/yr", english_totals), english_totals
    with page.expect_navigation():
        page.click(".lang-switch a[hreflang='nb']")
    page.wait_for_selector("text=Summer per kategori")
    assert page.locator("html").get_attribute("lang") == "nb"
    norwegian_totals = page.locator("table.totals tbody").inner_text()
    assert re.search(r"\d\s\d{3} (MWh|t)/år", norwegian_totals), norwegian_totals
    # The choice is remembered: the next page, without ?lang=, is Norwegian too.
    visit.goto(f"{BASE}/matches")
    page.wait_for_selector("text=Laveste poengsum")
    distances = page.locator(".distance").all_inner_texts()
    assert any(re.fullmatch(r"\d+,\d km", d) for d in distances), distances
    assert not any(re.fullmatch(r"\d+\.\d km", d) for d in distances), distances
    with page.expect_navigation():
        page.click(".lang-switch a[hreflang='en']")
    page.wait_for_selector("text=Lowest score")
    distances = page.locator(".distance").all_inner_texts()
    assert any(re.fullmatch(r"\d+\.\d km", d) for d in distances), distances


def test_flows_table_filters_and_sorts_with_htmx(visit: Visit, server: str) -> None:
    visit.goto(f"{BASE}/flows?lang=en")
    page = visit.page
    total = int(page.locator("#flows-table .result-count").get_attribute("data-total") or 0)
    page.evaluate("window.__sameDocument = true")
    expected = httpx.get(f"{server}{BASE}/flows.json", params={"q": "slagg"}).json()
    assert 0 < expected["total"] < total
    with page.expect_response(lambda r: "/flows?" in r.url and "q=slagg" in r.url):
        page.fill("#flow-q", "slagg")
    page.wait_for_selector(f"#flows-table .result-count[data-total='{expected['total']}']")
    keys = page.locator("#flows-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.flowKey)")
    assert keys == [row["key"] for row in expected["rows"]]
    assert "q=slagg" in page.url  # pushed into the address bar
    page.select_option("#flow-category", "by-product")
    page.wait_for_function(
        """() => {
            const cells = [...document.querySelectorAll('#flows-table tbody td:nth-child(5)')];
            return cells.length > 0 && cells.every((c) => c.textContent.trim() === 'by-product');
        }"""
    )
    assert "category=by-product" in page.url
    # Sorting by a column is an htmx request too, and says so to screen readers.
    page.fill("#flow-q", "")
    page.select_option("#flow-category", "")
    page.wait_for_selector(f"#flows-table .result-count[data-total='{total}']")
    page.click("#flows-table th a:has-text('Resource')")
    page.wait_for_selector("#flows-table th[aria-sort='ascending'] a:has-text('Resource')")
    assert page.evaluate("window.__sameDocument") is True  # never a full page load


def test_login_and_logout(visit: Visit, demo: Demo, server: str) -> None:
    anonymous_total = httpx.get(f"{server}{BASE}/flows.json").json()["total"]
    page = visit.page
    log_in(visit, demo.facilitator, "not the password")
    page.wait_for_selector("#login-error")
    log_in(visit, demo.facilitator)
    assert page.url.endswith(f"{BASE}/flows")
    page.wait_for_selector(f".account-user:has-text('{demo.facilitator}')")
    total = int(page.locator("#flows-table .result-count").get_attribute("data-total") or 0)
    assert total > anonymous_total
    cookie = next(c for c in visit.context.cookies() if c["name"] == "sidestream_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    with page.expect_navigation():
        page.click(".logout-form button")
    page.wait_for_selector("a.login-link")
    visit.goto(f"{BASE}/flows")
    assert int(page.locator("#flows-table .result-count").get_attribute("data-total") or 0) == anonymous_total


def test_anonymous_never_sees_hidden_flows(visit: Visit, demo: Demo) -> None:
    bodies: list[tuple[str, str]] = []

    def keep(response: Any) -> None:
        kind = response.headers.get("content-type", "")
        if response.status == 200 and ("html" in kind or "json" in kind):
            bodies.append((response.url, response.text()))

    visit.page.on("response", keep)
    visit.goto(BASE)
    wait_for_map(visit)
    visit.goto(f"{BASE}/flows")
    visit.page.fill("#flow-q", "a")
    visit.page.wait_for_selector("#flows-table")
    visit.goto(f"{BASE}/matches")
    visit.page.select_option("#match-min-score", "0.5")
    visit.page.wait_for_function("() => new URL(location.href).searchParams.get('min_score') === '0.5'")
    # What the page's scripts could ask the API for, with the page's own cookies.
    for path in (f"/api/v1/regions/{REGION}/flows?per_page=500", f"/api/v1/regions/{REGION}/matches"):
        text = visit.page.evaluate("async (url) => (await fetch(url)).text()", path)
        bodies.append((path, text))
    visible = visit.page.evaluate(
        "async (url) => (await (await fetch(url)).json()).total",
        f"/api/v1/regions/{REGION}/flows?per_page=500",
    )
    assert visible == len(demo.public())
    assert len(bodies) >= 6
    for url, body in bodies:
        assert not leaks(demo, body), (url, leaks(demo, body))


def test_pages_request_nothing_outside_their_origin(visit: Visit, server: str) -> None:
    visit.goto(BASE)
    wait_for_map(visit)
    visit.page.locator(".leaflet-control-zoom-in").click()
    visit.page.wait_for_timeout(500)
    for path in PAGES[2:]:
        visit.goto(path)
    visit.page.fill("#email", "someone@example.org")
    foreign = [url for url in visit.requests if not url.startswith(server + "/")]
    assert not foreign, foreign
    assert any(url.endswith("countries-10m.json") for url in visit.requests)


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_no_serious_accessibility_violations(visit: Visit, lang: str) -> None:
    for path in PAGES:
        visit.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        if path == BASE:
            wait_for_map(visit)
            visit.page.wait_for_selector("#sankey svg")
        violations = run_axe(visit)
        assert not violations, (
            path,
            [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in violations],
        )


def test_layout_works_on_a_phone(phone: Visit) -> None:
    for path in PAGES:
        phone.goto(path)
        if path == BASE:
            wait_for_map(phone)
        width = phone.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
    phone.goto(BASE)
    wait_for_map(phone)
    map_box = phone.page.locator("#map").bounding_box()
    panel_box = phone.page.locator(".side-panel").bounding_box()
    assert map_box and panel_box
    assert map_box["width"] <= 375 and map_box["height"] >= 300
    assert panel_box["y"] >= map_box["y"] + map_box["height"]  # stacked under the map
    nav = phone.page.locator(".site-nav a", has_text="Flows")
    nav.scroll_into_view_if_needed()
    with phone.page.expect_navigation(timeout=TIMEOUT_MS):
        nav.click()
    phone.page.wait_for_selector("#flows-table")
