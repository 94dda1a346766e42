"""The Potential page and its JSON twin, the hubs layer on the overview, and the nav
link — with nothing an anonymous visitor may not see."""

from __future__ import annotations

import html
import json
import re

from sidestream.web.pages.potential import PotentialData
from tests.api.client import ApiClient
from tests.web.conftest import REGION, Demo
from tests.web.visibility import leaks

BASE = f"/regions/{REGION}"


def test_potential_page_and_twin_agree(client: ApiClient) -> None:
    data = PotentialData.model_validate(client.get(f"{BASE}/potential.json?lang=en").json())
    assert [r.label for r in data.heat_bands][:5] == ["below 25 °C", "25–40 °C", "40–60 °C", "60–90 °C",
                                                      "90 °C and above"]  # fmt: skip
    assert data.hexagons["features"] and data.hub_outlines["type"] == "FeatureCollection"
    page = client.get(f"{BASE}/potential?lang=en")
    assert page.status_code == 200
    for row in data.heat_bands:
        assert row.supply.replace("\xa0", "&nbsp;") in page.text or row.supply in page.text
    payload = json.loads(re.search(r'id="overview-data">(.*?)</script>', page.text, re.S).group(1))  # type: ignore[union-attr]
    assert payload["hexagons"]["features"] and "hubs" in payload
    assert html.escape(data.report_pdf_url) in page.text and data.geojson_url in page.text


def test_anonymous_potential_leaks_nothing(client: ApiClient, demo: Demo) -> None:
    for path in (f"{BASE}/potential", f"{BASE}/potential.json", f"/api/v1{BASE}/hubs",
                 f"/api/v1{BASE}/potential.geojson", BASE):  # fmt: skip
        body = client.get(path).text
        assert leaks(demo, body) == [], path


def test_nav_has_potential_in_both_languages(client: ApiClient) -> None:
    assert f'href="{BASE}/potential"' in client.get(f"{BASE}?lang=en").text
    nb = client.get(f"{BASE}/potential?lang=nb").text
    assert ">Potensial</a>" in nb


def test_overview_has_the_hubs_layer(client: ApiClient) -> None:
    page = client.get(f"{BASE}?lang=en").text
    payload = json.loads(re.search(r'id="overview-data">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert payload["hubs"]["type"] == "FeatureCollection"
    if payload["hubs"]["features"]:
        assert "data-layer-hubs" in page
