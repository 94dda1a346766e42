"""A facilitator's scenario, start to end, in a real browser: create it on the Network
page from a preset (htmx fills the preset's factors), run it, watch the progress page
finish and land back on the page with the scenario in the comparison, then delete it
(the demo region is shared by the session's tests: it is left as it was found)."""

from __future__ import annotations

import re

import httpx

from tests.web.conftest import REGION, Demo, Visit
from tests.web.test_browser import log_in, run_axe

BASE = f"/regions/{REGION}"
NAME = "browser energy scarcity"


def test_facilitator_creates_runs_and_compares_a_scenario(visit: Visit, demo: Demo, server: str) -> None:
    page = visit.page
    log_in(visit, demo.facilitator)
    visit.goto(f"{BASE}/network?lang=en")
    assert not run_axe(visit)  # the forms are labelled and usable with assistive technology
    page.fill("#f-name", NAME)
    page.select_option("#f-preset", "energy-scarcity")
    # htmx swaps in the preset's factors and description
    page.wait_for_selector("input[name='factors_for'][value='energy-scarcity']", state="attached")
    assert page.input_value("#f-price\\.electricity") == "2"
    assert "electricity" in page.input_value("#f-description")
    page.fill("#f-price\\.electricity", "2,5")  # the Norwegian way of writing it is understood too
    page.fill("#f-budget_eur", "5000000")
    with page.expect_navigation():
        page.click("#scenario-form button[value='save']")
    assert "/network" in page.url
    row = page.locator("#scenario-comparison tr", has_text=NAME)
    assert "not run yet" in row.inner_text()

    with page.expect_navigation():
        row.locator("button", has_text="Run").click()
    assert re.search(r"/jobs/\d+$", page.url)
    assert page.locator("progress").count() == 1
    # htmx polls the job and, once done, takes the reader back to the network page
    page.wait_for_url(re.compile(rf"{re.escape(BASE)}/network\?scenario=\d+$"), timeout=120_000)
    selected = int(page.url.rsplit("=", 1)[1])
    row = page.locator(f"#scenario-comparison tr[data-scenario='{selected}']")
    assert row.get_attribute("aria-current") == "true"
    assert NAME in row.inner_text() and "not run yet" not in row.inner_text()

    # the row shows the totals the twin (the same data) has for it
    cookies = {c["name"]: c["value"] for c in visit.context.cookies()}
    twin = httpx.get(f"{server}{BASE}/network.json", params={"scenario": selected, "lang": "en"},
                     cookies=cookies, timeout=60).json()  # fmt: skip
    mine = next(s for s in twin["scenarios"] if s["id"] == selected)
    assert mine["run_at"] and mine["n_links"] > 0 and mine["capex_eur"] <= 5_000_000 + 1e-6
    cells = row.locator("td.num").all_inner_texts()
    assert cells[3] == str(mine["n_links"])
    shown = float(re.sub(r"[^\d.\-−]", "", cells[0].split("EUR")[0]).replace("−", "-"))
    assert abs(shown - mine["net_benefit_eur_per_yr"]) <= 1.0  # as the twin has it, to the euro
    assert page.locator("#network-metrics").count() == 1  # its network is the one on the map

    with page.expect_navigation():
        row.locator("a", has_text="Delete").click()
    with page.expect_navigation():
        page.click("#delete-scenario button[type=submit]")
    assert page.locator("#network-notice").inner_text().startswith("The scenario is deleted")
    assert page.locator("#scenario-comparison tr", has_text=NAME).count() == 0
