"""The confidentiality matrix: every caller × every visibility level × every endpoint
that returns flows. Nothing leaks — not in items, totals, counts, exports, match
results, synergies, error messages, nor in a 404-versus-403 difference.

The expected visibility is the hand-written table ``SEES`` in ``world.py``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.api.client import ApiClient
from tests.api.world import LEVELS, ROLES, SEES, World

API = "/api/v1/regions/rana"
STUB_KEYS = {"anonymised", "direction", "category", "class", "class_label", "within_km", "text"}
BANDED_KEYS = {"banded", "assumptions", "net_annual", "npv", "co2e_avoided"}
MISSING_ID = 987_654


def assert_no_leak(response: httpx.Response, world: World, role: str, where: str) -> None:
    body = response.content.decode("utf-8", errors="replace")
    for marker in world.hidden_markers(role):
        assert marker not in body, f"{role} sees {marker} through {where}"


def normalised_problem(response: httpx.Response, flow_id: int) -> dict[str, Any]:
    """A problem document with the requested id blanked out, for comparing the
    answer about a hidden record with the answer about a missing one."""
    doc = response.json()
    return {k: re.sub(rf"\b{flow_id}\b", "<id>", str(v)) for k, v in doc.items()}


@pytest.fixture(params=ROLES)
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_flow_list_search_filter_and_summary(client: ApiClient, world: World, role: str) -> None:
    token = world.tokens[role]
    visible = world.visible_keys(role)
    r = client.get(f"{API}/flows", params={"per_page": 500}, token=token)
    assert r.status_code == 200
    assert {f["key"] for f in r.json()["items"]} == visible
    assert r.json()["total"] == len(visible)
    assert_no_leak(r, world, role, "GET /flows")

    # search and filters count only visible rows
    r = client.get(f"{API}/flows", params={"q": "NOTE-"}, token=token)
    assert r.json()["total"] == 2 * len(SEES[role])
    assert_no_leak(r, world, role, "GET /flows?q=")
    for level in LEVELS:
        r = client.get(f"{API}/flows", params={"q": f"NOTE-{level}-supply"}, token=token)
        assert r.json()["total"] == (1 if level in SEES[role] else 0), level
    r = client.get(
        f"{API}/flows", params={"direction": "supply", "category": "heat", "sort": "-quantity"}, token=token
    )
    assert r.json()["total"] == len(SEES[role]) + 1
    assert_no_leak(r, world, role, "GET /flows?direction=&category=")

    r = client.get(f"{API}/summary", token=token)
    assert r.status_code == 200
    assert r.json()["flows"] == len(visible)
    assert r.json()["supplies"] == r.json()["demands"] == len(visible) // 2
    assert r.json()["by_category"] == {"heat": len(visible)}


def test_flow_detail_and_writes_do_not_reveal_hidden_flows(
    client: ApiClient, world: World, role: str
) -> None:
    token = world.tokens[role]
    missing_get = client.get(f"{API}/flows/{MISSING_ID}", token=token)
    missing_patch = client.patch(
        f"{API}/flows/{MISSING_ID}", json={"notes": "x"}, headers={"If-Match": 'W/"999"'}, token=token
    )
    missing_matches = client.get(f"{API}/flows/{MISSING_ID}/matches", token=token)
    assert missing_get.status_code == missing_patch.status_code == missing_matches.status_code == 404
    for level in LEVELS:
        for direction in ("supply", "demand"):
            flow_id = world.flow_ids[(level, direction)]
            where = f"{level} {direction}"
            get = client.get(f"{API}/flows/{flow_id}", token=token)
            patch = client.patch(
                f"{API}/flows/{flow_id}", json={"notes": "x"}, headers={"If-Match": 'W/"999"'}, token=token
            )
            delete = client.delete(f"{API}/flows/{flow_id}", headers={"If-Match": 'W/"999"'}, token=token)
            matches = client.get(f"{API}/flows/{flow_id}/matches", token=token)
            if level in SEES[role]:
                assert get.status_code == 200, where
                assert get.json()["key"] == world.key(level, direction)
                assert get.headers["etag"] == f'W/"{get.json()["version"]}"'
                # seen but not editable: 403 (log in: 401); editable: the stale If-Match gives 409
                editable = role in ("member_owner", "facilitator", "admin")
                expected = 409 if editable else (401 if role == "anonymous" else 403)
                assert patch.status_code == expected, where
                assert delete.status_code == expected, where
                assert matches.status_code == 200, where
                assert_no_leak(matches, world, role, f"GET /flows/{{id}}/matches ({where})")
            else:
                for r, missing in ((get, missing_get), (patch, missing_patch), (matches, missing_matches)):
                    assert r.status_code == 404, where
                    assert r.headers["content-type"] == "application/problem+json"
                    assert normalised_problem(r, flow_id) == normalised_problem(missing, MISSING_ID), where
                assert delete.status_code == 404, where
            for r in (get, patch, delete, matches):
                assert_no_leak(r, world, role, f"flow endpoints ({where})")


def test_exports_in_three_formats(client: ApiClient, world: World, role: str) -> None:
    for fmt in ("csv", "xlsx", "geojson"):
        r = client.get(f"{API}/flows/export", params={"format": fmt}, token=world.tokens[role])
        assert r.status_code == 200
        if fmt == "csv":
            keys = {row["id"] for row in csv.DictReader(io.StringIO(r.text))}
            assert_no_leak(r, world, role, "export csv")
        elif fmt == "geojson":
            keys = {f["properties"]["id"] for f in r.json()["features"]}
            assert_no_leak(r, world, role, "export geojson")
        else:
            sheet = load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0]
            rows = list(sheet.iter_rows(values_only=True))
            text = json.dumps([[str(c) for c in row] for row in rows])
            keys = {row[0] for row in rows[1:]}
            for marker in world.hidden_markers(role):
                assert marker not in text, f"{role} sees {marker} in the xlsx export"
        assert keys == world.visible_keys(role), fmt


def test_region_matches(client: ApiClient, world: World, role: str) -> None:
    r = client.get(f"{API}/matches", params={"top_k": 20}, token=world.tokens[role])
    assert r.status_code == 200
    assert_no_leak(r, world, role, "GET /matches")
    doc = r.json()
    visible = world.visible_keys(role)
    assert doc["stats"]["matches"] == len(doc["matches"])
    assert doc["stats"]["anonymised"] == sum(1 for m in doc["matches"] if m["anonymised"])
    seen_pairs = set()
    for m in doc["matches"]:
        sides = {"supply": m["supply"], "demand": m["demand"]}
        shown = [s for s in sides.values() if not s.get("anonymised")]
        assert shown, "a pair with no visible side must be dropped"
        for side in shown:
            assert side["id"] in visible
        for name, side in sides.items():
            if side.get("anonymised"):
                assert m["anonymised"] == name
                assert set(side) == STUB_KEYS, "a stub carries only class-level facts"
                assert side["within_km"] in (5, 10, 25, 50, 100)
                assert m["parts"] == {}
                # only decade bands of value, NPV and CO2e: nothing that measures the hidden side
                assert set(m["estimate"] or {}) <= BANDED_KEYS
        seen_pairs.add((m["supply"].get("id"), m["demand"].get("id")))
    # every visible A supply reaches B's public demand, in full
    for level in SEES[role]:
        assert (world.key(level, "supply"), "B-demand") in seen_pairs
    # hidden A supplies reach B's demand too — as anonymised stubs
    hidden_supplies = [
        m for m in doc["matches"] if m["anonymised"] == "supply" and m["demand"]["id"] == "B-demand"
    ]
    assert len(hidden_supplies) == len(set(LEVELS) - SEES[role])
    # ranks are renumbered among what is shown: no gaps that count hidden demands
    by_supply: dict[str, list[int]] = {}
    for m in doc["matches"]:
        if not m["supply"].get("anonymised"):
            by_supply.setdefault(m["supply"]["id"], []).append(m["rank"])
    for ranks in by_supply.values():
        assert ranks == list(range(1, len(ranks) + 1))
    stub_ranks = [m["rank"] for m in doc["matches"] if m["supply"].get("anonymised")]
    assert all(1 <= r <= len(stub_ranks) for r in stub_ranks)


def test_synergies(client: ApiClient, world: World, role: str) -> None:
    token = world.tokens[role]
    r = client.get(f"{API}/synergies", token=token)
    if role == "anonymous":
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
        return
    assert r.status_code == 200
    assert_no_leak(r, world, role, "GET /synergies")
    page = r.json()
    # four synergies with B's public demand; the private×private one only for A's members
    expected = 4 + (1 if "private" in SEES[role] else 0)
    assert page["total"] == len(page["items"]) == expected
    for item in page["items"]:
        for side in ("supply", "demand"):
            if item[side].get("anonymised"):
                assert set(item[side]) == STUB_KEYS
    private_pair = world.synergies["private x private"]
    detail = client.get(f"{API}/synergies/{private_pair}", token=token)
    missing = client.get(f"{API}/synergies/{MISSING_ID}", token=token)
    if "private" in SEES[role]:
        assert detail.status_code == 200
    else:
        assert detail.status_code == missing.status_code == 404
        assert normalised_problem(detail, private_pair) == normalised_problem(missing, MISSING_ID)
    for level in LEVELS:
        sid = world.synergies[f"{level}-supply x B-demand"]
        one = client.get(f"{API}/synergies/{sid}", token=token)
        assert one.status_code == 200
        assert_no_leak(one, world, role, f"GET /synergies/{{id}} ({level})")
        assert (one.json()["anonymised"] == "supply") == (level not in SEES[role])


def test_audit_trail(client: ApiClient, world: World, role: str) -> None:
    r = client.get(f"{API}/audit", params={"per_page": 500}, token=world.tokens[role])
    if role in ("facilitator", "admin"):
        assert r.status_code == 200
        assert_no_leak(r, world, role, "GET /audit")
    else:
        assert r.status_code == (401 if role == "anonymous" else 403)
        assert_no_leak(r, world, role, "GET /audit")
