"""The case pipeline over HTTP: create, read as every role, change with history and
optimistic locking, develop a synergy as a case, funding, experts, public page."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sidestream.store.models import CaseFeedback
from tests.api.client import ApiClient
from tests.api.world import LEVELS, ROLES, SEES, World

API = "/api/v1/regions/rana/cases"


def _create(client: ApiClient, world: World, role: str = "member_owner", **extra: Any) -> dict[str, Any]:
    body = {
        "title": "Heat from A to B",
        "flow_ids": [world.flow_ids[(lvl, "supply")] for lvl in LEVELS] + [world.b_demand],
        "organisation_ids": [world.org_a, world.org_b],
        **extra,
    }
    r = client.post(API, json=body, token=world.tokens[role])
    assert r.status_code == 201, r.text
    return r.json()


def test_each_role_sees_only_the_case_flows_it_may_see(client: ApiClient, world: World) -> None:
    case = _create(client, world)
    assert case["stage"] == "idea" and case["version"] >= 1
    for role in ROLES:
        r = client.get(f"{API}/{case['id']}", token=world.tokens[role])
        if role == "anonymous":
            assert r.status_code in (401, 404)  # cases are for the region's members
            continue
        assert r.status_code == 200, (role, r.text)
        doc = r.json()
        shown = {f["id"] for f in doc["flows"] if not f["hidden"]}
        expected = {world.flow_ids[(lvl, "supply")] for lvl in SEES[role]} | {world.b_demand}
        assert shown == expected, role
        # hidden flows are stubs: no resource, no organisation, no amount
        for f in doc["flows"]:
            if f["hidden"]:
                assert f["id"] is None and f["resource"] is None and f["quantity"] is None
        # the history never names a hidden flow either
        history = client.get(f"{API}/{case['id']}/history", token=world.tokens[role]).json()
        named = set(history[0]["after"]["flow_ids"])
        assert named == expected, role


def test_private_flow_cannot_be_attached_by_who_cannot_see_it(client: ApiClient, world: World) -> None:
    private = world.flow_ids[("private", "supply")]
    for role in ("facilitator", "member_other"):
        r = client.post(API, json={"title": "x", "flow_ids": [private]}, token=world.tokens[role])
        assert r.status_code == 404, role
    assert client.post(API, json={"title": "x"}, token=world.tokens["viewer"]).status_code == 403
    assert client.post(API, json={"title": "x"}, token=world.tokens["anonymous"]).status_code == 401


def test_team_only_case_is_invisible_to_others(client: ApiClient, world: World) -> None:
    case = _create(client, world, visibility="team", organisation_ids=[world.org_a], flow_ids=[])
    assert client.get(f"{API}/{case['id']}", token=world.tokens["member_other"]).status_code == 404
    assert client.get(f"{API}/{case['id']}", token=world.tokens["viewer"]).status_code == 404
    assert case["id"] not in {c["id"] for c in client.get(API, token=world.tokens["facilitator"]).json()}
    assert client.get(f"{API}/{case['id']}", token=world.tokens["member_owner"]).status_code == 200


def test_stage_moves_history_and_stale_writes(client: ApiClient, world: World) -> None:
    case = _create(client, world)
    url, token = f"{API}/{case['id']}", world.tokens["member_owner"]
    etag = client.get(url, token=token).headers["etag"]
    moved = client.post(f"{url}/stage", json={"stage": "explored"}, headers={"If-Match": etag}, token=token)
    assert moved.status_code == 200 and moved.json()["stage"] == "explored"
    stale = client.post(
        f"{url}/stage", json={"stage": "feasibility"}, headers={"If-Match": etag}, token=token
    )
    assert stale.status_code == 409
    assert stale.headers["content-type"].startswith("application/problem+json")
    skip = client.post(f"{url}/stage", json={"stage": "running"}, token=token)
    assert skip.status_code == 422 and "explored" in skip.json()["detail"]
    # B's member is a partner (org B), so part of the team and may move it on
    other = client.post(f"{url}/stage", json={"stage": "feasibility"}, token=world.tokens["member_other"])
    assert other.status_code == 200
    assert (
        client.post(f"{url}/stage", json={"stage": "agreement"}, token=world.tokens["viewer"]).status_code
        == 403
    )
    paused = client.post(f"{url}/stage", json={"stage": "paused"}, token=token).json()
    assert paused["paused_from"] == "feasibility"
    history = client.get(f"{url}/history", token=token).json()
    moves = [(h["before"]["stage"], h["after"]["stage"]) for h in history if h["action"] == "move"]
    assert moves == [("idea", "explored"), ("explored", "feasibility"), ("feasibility", "paused")]
    assert history[1]["user"] == "member_owner" and history[2]["user"] == "member_other"


def test_parts_of_a_case(client: ApiClient, world: World) -> None:
    case = _create(client, world)
    url, token = f"{API}/{case['id']}", world.tokens["member_owner"]
    r = client.put(f"{url}/barriers/regulation", json={"note": "end-of-waste status unclear"}, token=token)
    assert r.status_code == 200 and r.json()["barriers"] == [
        {"barrier": "regulation", "note": "end-of-waste status unclear", "resolved": False}
    ]
    assert client.put(f"{url}/barriers/weather", json={}, token=token).status_code == 422
    r = client.post(
        f"{url}/steps", json={"text": "Call the county", "due": "2027-01-15", "owner": "Kari"}, token=token
    )
    step = r.json()["steps"][0]
    assert step["due"] == "2027-01-15" and step["done"] is False
    r = client.patch(f"{url}/steps/{step['id']}", json={"done": True}, token=token)
    assert r.json()["steps"][0]["done"] is True
    r = client.post(
        f"{url}/links", json={"title": "Study", "url": "https://example.org/study.pdf"}, token=token
    )
    assert r.json()["links"][0]["url"] == "https://example.org/study.pdf"
    assert (
        client.post(
            f"{url}/links", json={"title": "x", "url": "javascript:alert(1)"}, token=token
        ).status_code
        == 422
    )
    r = client.put(
        f"{url}/figures",
        json={"kind": "expected", "metric": "energy_exchanged", "value": 12, "unit": "GWh/yr"},
        token=token,
    )
    fig = r.json()["figures"][0]
    assert fig["canonical_value"] == 12000 and fig["canonical_unit"] == "MWh/yr"  # 12 GWh = 12 000 MWh
    bad = client.put(
        f"{url}/figures",
        json={"kind": "expected", "metric": "energy_exchanged", "value": 1, "unit": "t/yr"},
        token=token,
    )
    assert bad.status_code == 422 and "MWh/yr" in bad.json()["detail"]
    # realised figures: only for running cases, with year, method and evidence
    realised = {
        "kind": "realised",
        "metric": "co2e_avoided",
        "value": 1.5,
        "unit": "kt CO2e/yr",
        "year": 2025,
        "method": "metered heat × grid factor",
        "evidence": "annual report 2025",
    }
    assert client.put(f"{url}/figures", json=realised, token=token).status_code == 422
    r = client.put(
        f"{url}/readiness", json={"met": {"technical": ["t1", "t2", "t4"], "legal": ["l1"]}}, token=token
    )
    levels = {x["perspective"]: x["level"] for x in r.json()["readiness"]}
    assert levels["technical"] == 2 and levels["legal"] == 1 and levels["business"] == 0
    assert client.put(f"{url}/readiness", json={"met": {"technical": ["x9"]}}, token=token).status_code == 422
    history = [h["action"] for h in client.get(f"{url}/history", token=token).json()]
    assert history == [
        "create",
        "set_barrier",
        "add_step",
        "update_step",
        "add_link",
        "set_figure",
        "readiness",
    ]


def test_realised_benefits_of_a_running_case(client: ApiClient, world: World) -> None:
    case = _create(client, world, role="facilitator", flow_ids=[world.b_demand])
    url, token = f"{API}/{case['id']}", world.tokens["facilitator"]
    for stage in ("explored", "feasibility", "agreement", "running"):
        assert client.post(f"{url}/stage", json={"stage": stage}, token=token).status_code == 200
    realised = {
        "kind": "realised",
        "metric": "co2e_avoided",
        "value": 1.5,
        "unit": "kt CO2e/yr",
        "year": 2025,
        "method": "metered heat × grid factor",
        "evidence": "",
    }
    assert client.put(f"{url}/figures", json=realised, token=token).status_code == 422  # evidence missing
    realised["evidence"] = "annual report 2025"
    r = client.put(f"{url}/figures", json=realised, token=token)
    assert r.status_code == 200
    fig = next(f for f in r.json()["figures"] if f["metric"] == "co2e_avoided")
    assert fig["canonical_value"] == 1500 and fig["year"] == 2025 and fig["evidence"] == "annual report 2025"
    jobs = {
        "kind": "realised",
        "metric": "jobs",
        "value": 3,
        "unit": "jobs",
        "year": 2025,
        "method": "payroll",
        "evidence": "HR records",
    }
    assert client.put(f"{url}/figures", json=jobs, token=token).status_code == 200


def test_develop_a_saved_synergy_as_a_case(client: ApiClient, world: World) -> None:
    synergy = world.synergies["private-supply x B-demand"]
    r = client.post(API, json={"title": "Develop", "synergy_id": synergy}, token=world.tokens["member_other"])
    assert r.status_code == 201
    doc = r.json()
    # B's member sees only B's demand: A's private supply stays out of the case
    assert [f["id"] for f in doc["flows"]] == [world.b_demand]
    assert doc["synergy_id"] == synergy and doc["origin"] == "synergy"
    r = client.post(API, json={"title": "Develop", "synergy_id": synergy}, token=world.tokens["member_owner"])
    assert sorted(f["id"] for f in r.json()["flows"]) == sorted(
        [world.flow_ids[("private", "supply")], world.b_demand]
    )


def test_board_filters(client: ApiClient, world: World) -> None:
    a = _create(client, world)
    b = _create(client, world, flow_ids=[world.b_demand])
    token = world.tokens["member_owner"]
    client.put(f"{API}/{b['id']}/barriers/funding", json={"note": "no budget"}, token=token)
    client.post(f"{API}/{a['id']}/stage", json={"stage": "explored"}, token=token)
    ids = lambda params: [c["id"] for c in client.get(API, params=params, token=token).json()]  # noqa: E731
    assert ids({"stage": "explored"}) == [a["id"]]
    assert ids({"barrier": "funding"}) == [b["id"]]
    assert ids({"category": "heat"}) == [a["id"], b["id"]]
    assert ids({"category": "water"}) == []
    assert client.get(API, params={"stage": "nowhere"}, token=token).status_code == 422


def test_funding_for_a_feasibility_case(client: ApiClient, world: World, session: Session) -> None:
    world.region.country = "NO"
    session.commit()
    case = _create(client, world)
    token = world.tokens["member_owner"]
    for stage in ("explored", "feasibility"):
        client.post(f"{API}/{case['id']}/stage", json={"stage": stage}, token=token)
    programmes = client.get(f"{API}/{case['id']}/funding", token=token).json()
    ids = {p["id"] for p in programmes}
    assert {"enova-industry", "eu-life", "innovation-norway-environmental-technology"} <= ids
    assert "vinnova" not in ids and "eudp" not in ids  # Swedish and Danish programmes
    nb = client.get(f"{API}/{case['id']}/funding", params={"lang": "nb"}, token=token).json()
    life = next(p for p in nb if p["id"] == "eu-life")
    assert "60 %" in life["typical"] and "medfinansiering" in life["typical"].lower()


@pytest.mark.parametrize("role", ["member_other", "facilitator"])
def test_only_the_owner_opens_the_public_page(client: ApiClient, world: World, role: str) -> None:
    case = _create(client, world)
    body = {"is_public": True, "summary": "Surplus heat for a new fish farm", "place": "Mo industrial park"}
    assert client.put(f"{API}/{case['id']}/public", json=body, token=world.tokens[role]).status_code == 403


def test_public_page_and_feedback(client: ApiClient, world: World, session: Session) -> None:
    case = _create(client, world)
    url, owner = f"{API}/{case['id']}", world.tokens["member_owner"]
    assert client.put(f"{url}/public", json={"is_public": True}, token=owner).status_code == 422  # no summary
    body = {
        "is_public": True,
        "summary": "Surplus heat for a new fish farm",
        "place": "Mo industrial park",
        "why": "to use heat that is now lost",
    }
    opened = client.put(f"{url}/public", json=body, token=owner).json()
    slug = opened["public_slug"]
    page = client.get(f"/api/v1/public/cases/{slug}")
    assert page.status_code == 200
    assert page.json()["summary"] == "Surplus heat for a new fish farm"
    # nothing of the flows or partners leaks onto the public page
    text = page.text
    for marker in ("A-private", "NOTE-", "overskuddsvarme", "Owner AS", "Other AS", "GWh"):
        assert marker not in text
    assert set(page.json()) == {"slug", "title", "stage", "summary", "place", "why", "updated_at", "feedback"}
    # residents ask without logging in; a robot that fills the trap field is refused
    assert (
        client.post(
            f"/api/v1/public/cases/{slug}/feedback", json={"text": "spam", "website": "x"}
        ).status_code
        == 422
    )
    asked = client.post(
        f"/api/v1/public/cases/{slug}/feedback", json={"name": "Ola", "text": "Will it smell?"}
    )
    assert asked.status_code == 201
    for _ in range(2):
        assert (
            client.post(f"/api/v1/public/cases/{slug}/feedback", json={"text": "Noise at night?"}).status_code
            == 201
        )
    limited = client.post(f"/api/v1/public/cases/{slug}/feedback", json={"text": "And traffic?"})
    assert limited.status_code == 429 and "retry-after" in {k.lower() for k in limited.headers}
    assert session.scalar(select(CaseFeedback.id).where(CaseFeedback.text == "And traffic?")) is None
    # the team answers; the answer is public
    fid = asked.json()["id"]
    answered = client.post(f"{url}/feedback/{fid}", json={"answer": "No: it is a closed pipe."}, token=owner)
    assert answered.status_code == 200
    assert (
        client.get(f"/api/v1/public/cases/{slug}").json()["feedback"][0]["answer"]
        == "No: it is a closed pipe."
    )
    assert (
        client.post(f"{url}/feedback/{fid}", json={"answer": "x"}, token=world.tokens["viewer"]).status_code
        == 403
    )
    # closing the page makes it disappear
    client.put(f"{url}/public", json={"is_public": False}, token=owner)
    assert client.get(f"/api/v1/public/cases/{slug}").status_code == 404
