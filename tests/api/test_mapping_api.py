"""Hubs, potential (JSON and GeoJSON) and the region report over HTTP: every role sees
only the flows it may open — a hidden flow's site and quantity are in none of them."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from sidestream.reports import pdf
from tests.api.client import ApiClient
from tests.api.world import LEVELS, SEES, World

API = "/api/v1/regions/rana"
# The world's supplies of A are 11, 12, 13 and 14 GWh/yr at levels public, network,
# facilitator and private; B's public supply is 50 GWh/yr (tests/api/world.py).
A_SUPPLY_MWH = dict(zip(LEVELS, (11000.0, 12000.0, 13000.0, 14000.0), strict=True))
B_SUPPLY_MWH = 50000.0


@pytest.mark.parametrize("role", ["anonymous", "viewer", "member_owner", "facilitator"])
def test_hubs_and_potential_follow_visibility(client: ApiClient, world: World, role: str) -> None:
    token = world.tokens[role]
    hidden_sites = [f"SITE-{lvl}" for lvl in LEVELS if lvl not in SEES[role]]
    for path in ("/hubs", "/hubs.geojson", "/potential", "/potential.geojson"):
        response = client.get(API + path, token=token)
        assert response.status_code == 200, response.text
        for site in hidden_sites:
            assert site not in response.text, (path, site)
    potential = client.get(API + "/potential", token=token).json()
    heat = sum(row["supply"]["quantity"] for row in potential["heat_bands"])
    expected = B_SUPPLY_MWH + sum(A_SUPPLY_MWH[lvl] for lvl in SEES[role])
    assert heat == pytest.approx(expected)
    hexes = client.get(API + "/potential.geojson", token=token).json()
    assert sum(f["properties"]["heat_supply_mwh_per_yr"] for f in hexes["features"]) == pytest.approx(
        expected
    )


def test_hubs_explain_themselves(client: ApiClient, world: World) -> None:
    doc = client.get(API + "/hubs", params={"lang": "nb"}, token=world.tokens["facilitator"]).json()
    assert doc["co2e_estimated"] in (True, False)
    for hub in doc["hubs"]:
        assert hub["why"] and hub["members"] and hub["potential"]
        assert all(a["unit"] in ("MWh/yr", "t/yr", "m3/yr") for a in hub["potential"])


def test_report_html_hides_private_sites(client: ApiClient, world: World) -> None:
    response = client.get(API + "/report", token=world.tokens["facilitator"])
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "SITE-private" not in response.text and "NOTE-private" not in response.text


def test_unknown_region_is_a_problem_document(client: ApiClient, world: World) -> None:
    response = client.get("/api/v1/regions/nowhere/hubs", token=world.tokens["admin"])
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.skipif(not pdf.CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_report_pdf_download(client: ApiClient, world: World) -> None:
    response = client.get(
        API + "/report", params={"format": "pdf", "lang": "nb"}, token=world.tokens["viewer"]
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Rana" in text and "SITE-facilitator" not in text and "SITE-private" not in text
