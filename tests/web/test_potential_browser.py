"""The Potential page in a real browser: the h3 choropleth and the hub outlines draw
on the offline map, the colour choice and the hub toggle work, nothing leaves the origin."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from tests.web.conftest import REGION, Visit

BASE = f"/regions/{REGION}"
SHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "potential.png"


def test_potential_map_draws_hexagons_and_hubs(visit: Visit, server: str) -> None:
    data = httpx.get(f"{server}{BASE}/potential.json?lang=en", timeout=120).json()
    requests: list[str] = []
    visit.page.on("request", lambda r: requests.append(r.url))
    visit.goto(f"{BASE}/potential?lang=en")
    visit.page.wait_for_selector("#map[data-ready='true']")
    visit.page.wait_for_selector("path.hexagon")
    assert visit.page.locator("path.hexagon").count() == len(data["hexagons"]["features"]) > 0
    hubs = len(data["hub_outlines"]["features"])
    assert visit.page.locator("path.hub-outline").count() == hubs > 0
    fills = visit.page.eval_on_selector_all("path.hexagon", "ps => ps.map(p => p.getAttribute('fill'))")
    visit.page.select_option("select[data-choropleth]", "flows")
    after = visit.page.eval_on_selector_all("path.hexagon", "ps => ps.map(p => p.getAttribute('fill'))")
    assert fills != after  # heat and flow counts shade the hexagons differently
    visit.page.uncheck("input[data-layer-hubs]")
    assert visit.page.locator("path.hub-outline").count() == 0
    visit.page.check("input[data-layer-hubs]")
    assert visit.page.locator("path.hub-outline").count() == hubs
    assert all(url.startswith((server, "data:")) for url in requests)
    if os.environ.get("SIDESTREAM_WRITE_SCREENSHOTS"):  # refresh the docs' picture on purpose only
        SHOT.parent.mkdir(parents=True, exist_ok=True)
        visit.page.screenshot(path=str(SHOT), full_page=True)
