"""Workshops through the API on SQLite and PostgreSQL: create, join without an
account, the guest's limits, flows, ideas, comments, votes within the budget,
placements, merging, phases and the outcome report."""

from __future__ import annotations

from typing import Any

from tests.api.client import ApiClient
from tests.api.world import World

W = "/api/v1/workshops"


def create(client: ApiClient, world: World, **fields: Any) -> dict[str, Any]:
    body = {"title": "Rana workshop", "place": "Mo i Rana", "lat": 66.31, "lon": 14.14, "language": "en",
            "groups": ["Table 1", "Table 2"], "agenda": [{"starts_at": "09:00", "title": "Welcome"}],
            "vote_budget": 3, **fields}  # fmt: skip
    r = client.post("/api/v1/regions/rana/workshops", json=body, token=world.tokens["facilitator"])
    assert r.status_code == 201, r.text
    return r.json()


def join(client: ApiClient, code: str, name: str, org: str) -> dict[str, Any]:
    r = client.post(f"{W}/join", json={"code": code, "name": name, "organisation": org})
    assert r.status_code == 201, r.text
    return r.json()


def guest(token: str) -> dict[str, str]:
    return {"X-Guest-Token": token}


def test_create_join_and_guest_limits(client: ApiClient, world: World) -> None:
    ws = create(client, world)
    assert len(ws["join_code"]) == 7 and ws["join_code"][3] == "-"
    assert ws["join_url"].endswith(f"/join?code={ws['join_code'].replace('-', '')}")
    assert [g["name"] for g in ws["groups"]] == ["Table 1", "Table 2"]
    # Members may not create workshops.
    r = client.post("/api/v1/regions/rana/workshops", json={"title": "x"}, token=world.tokens["member_owner"])
    assert r.status_code == 403
    a = join(client, ws["join_code"].lower(), "Ada", "New Fish AS")
    b = join(client, ws["join_code"], "Bo", "Owner AS")  # an existing organisation: not verified
    assert a["participant"]["verified"] is True and b["participant"]["verified"] is False
    assert a["participant"]["group_id"] != b["participant"]["group_id"]  # balanced over the tables
    assert (
        client.post(f"{W}/join", json={"code": "ZZZZZZ", "name": "x", "organisation": "y"}).status_code == 404
    )
    assert (
        client.post(f"{W}/join", json={"code": "O0I1L", "name": "x", "organisation": "y"}).status_code == 422
    )
    # The guest token opens this workshop only; elsewhere the guest is anonymous.
    other = create(client, world, title="Other")
    assert client.get(f"{W}/{ws['id']}", headers=guest(b["token"])).status_code == 200
    assert client.get(f"{W}/{other['id']}", headers=guest(b["token"])).status_code == 404
    flows = client.get(
        "/api/v1/regions/rana/flows", headers=guest(b["token"]), params={"per_page": 100}
    ).json()
    assert {f["visibility"] for f in flows["items"]} == {"public"}
    assert client.get("/api/v1/regions/rana/synergies", headers=guest(b["token"])).status_code == 401
    # Guests do not change the phase.
    assert (
        client.patch(f"{W}/{ws['id']}", json={"phase": "closed"}, headers=guest(a["token"])).status_code
        == 403
    )
    # A cookie guest must send the CSRF token with writes.
    client.cookies.clear()
    r = client.post(f"{W}/join", json={"code": ws["join_code"], "name": "Cy", "organisation": "Cy AS"})
    cookie_guest = r.json()
    r = client.post(f"{W}/{ws['id']}/ideas", json={"title": "no csrf"})
    assert r.status_code == 403
    r = client.post(f"{W}/{ws['id']}/ideas", json={"title": "with csrf"},
                    headers={"X-CSRF-Token": cookie_guest["csrf_token"]})  # fmt: skip
    assert r.status_code == 201, r.text
    client.cookies.clear()


def test_guest_sees_no_confidential_flow_in_flows_suggestions_or_ideas(
    client: ApiClient, world: World
) -> None:
    ws = create(client, world)
    g = join(client, ws["join_code"], "Bo", "Owner AS")  # claims Owner AS, not verified
    mine = client.get(f"{W}/{ws['id']}/flows", headers=guest(g["token"])).json()
    assert {f["key"] for f in mine} == {"A-public-supply", "A-public-demand"}
    sugg = client.get(f"{W}/{ws['id']}/suggestions", headers=guest(g["token"])).json()["matches"]
    text = repr(sugg)
    for marker in world.hidden_markers("anonymous"):
        assert marker not in text
    # A facilitator proposes an idea from a facilitator-level pair: the guest sees stubs.
    fac = world.tokens["facilitator"]
    r = client.post(f"{W}/{ws['id']}/ideas", token=fac, json={
        "title": "Heat to district heating", "supply_flow_id": world.flow_ids[("facilitator", "supply")],
        "demand_flow_id": world.b_demand})  # fmt: skip
    assert r.status_code == 201, r.text
    idea = client.get(f"{W}/{ws['id']}/ideas", headers=guest(g["token"])).json()["items"][0]
    assert idea["supply"]["visible"] is False and idea["supply"]["resource"] is None
    assert idea["supply"]["organisation"] is None and idea["demand"]["visible"] is True
    # A guest cannot name a hidden pair without the match reference.
    r = client.post(f"{W}/{ws['id']}/ideas", headers=guest(g["token"]), json={
        "title": "x", "supply_flow_id": world.flow_ids[("private", "supply")], "demand_flow_id": world.b_demand})  # fmt: skip
    assert r.status_code == 404
    # Once the facilitator verifies them, the guest sees their organisation's flows.
    r = client.patch(
        f"{W}/{ws['id']}/participants/{g['participant']['id']}", json={"verified": True}, token=fac
    )
    assert r.status_code == 200
    mine = client.get(f"{W}/{ws['id']}/flows", headers=guest(g["token"])).json()
    assert len(mine) == 8  # four levels × supply and demand, all Owner AS's


def test_board_flow_votes_placements_merge_and_report(client: ApiClient, world: World) -> None:
    fac = world.tokens["facilitator"]
    ws = create(client, world, max_votes_per_idea=1)
    wid = ws["id"]
    a = join(client, ws["join_code"], "Ada", "New Fish AS")
    b = join(client, ws["join_code"], "Bo", "Other AS")
    ha, hb = guest(a["token"]), guest(b["token"])
    # Flows phase: Ada adds a private need; the registry gets it at that visibility.
    r = client.post(f"{W}/{wid}/flows", headers=ha, json={
        "direction": "demand", "resource": "varme 30 °C til settefisk", "quantity": 4, "unit": "GWh/yr",
        "visibility": "private", "site_name": "Hatchery", "lat": 66.30, "lon": 14.12})  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "added" and r.json()["visibility"] == "private"
    private_flow = r.json()["id"]
    # Nobody else sees it: not Bo, not the facilitator (private means the owner only).
    assert private_flow not in {f["id"] for f in client.get(f"{W}/{wid}/flows", headers=hb).json()}
    assert client.get(f"/api/v1/regions/rana/flows/{private_flow}", token=fac).status_code == 404
    # Bo confirms his organisation's public supply.
    r = client.post(f"{W}/{wid}/flows/{world.b_supply}/confirm", headers=hb)
    assert r.status_code == 204
    # Voting is not open yet.
    r = client.post(f"{W}/{wid}/ideas", headers=ha, json={"title": "Heat for the hatchery"})
    i1 = r.json()["id"]
    assert client.post(f"{W}/{wid}/ideas/{i1}/votes", headers=ha, json={}).status_code == 409
    i2 = client.post(f"{W}/{wid}/ideas", headers=hb, json={"title": "Hatchery heat (dup)"}).json()["id"]
    i3 = client.post(f"{W}/{wid}/ideas", headers=hb, json={"title": "Slag to roads"}).json()["id"]
    c = client.post(f"{W}/{wid}/ideas/{i2}/comments", headers=ha, json={"text": "Same as mine"})
    assert c.status_code == 201
    assert client.patch(f"{W}/{wid}", json={"phase": "voting"}, token=fac).json()["phase"] == "voting"
    # Proposing is closed while voting.
    assert client.post(f"{W}/{wid}/ideas", headers=ha, json={"title": "late"}).status_code == 409
    for idea in (i1, i2, i3):
        assert client.post(f"{W}/{wid}/ideas/{idea}/votes", headers=ha, json={}).status_code == 200
    r = client.post(f"{W}/{wid}/ideas/{i1}/votes", headers=hb, json={})
    assert r.json()["votes_left"] == 2
    # Ada's budget of 3 is spent; the cap is one dot per idea.
    r = client.post(f"{W}/{wid}/ideas/{i3}/votes", headers=ha, json={})
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert client.post(f"{W}/{wid}/ideas/{i1}/votes", headers=hb, json={}).status_code == 409
    # Facilitators do not vote.
    assert client.post(f"{W}/{wid}/ideas/{i1}/votes", token=fac, json={}).status_code == 403
    # Placements: Ada (5, 1) and Bo (3, 3) on idea 1 → mean impact 4, effort 2.
    assert (
        client.put(f"{W}/{wid}/ideas/{i1}/placement", headers=ha, json={"impact": 5, "effort": 1}).status_code
        == 200
    )
    assert (
        client.put(f"{W}/{wid}/ideas/{i1}/placement", headers=hb, json={"impact": 3, "effort": 3}).status_code
        == 200
    )
    assert (
        client.put(f"{W}/{wid}/ideas/{i3}/placement", headers=hb, json={"impact": 6, "effort": 1}).status_code
        == 422
    )
    # Board with ETag: an unchanged board is a 304.
    board = client.get(f"{W}/{wid}/board", headers=ha)
    assert board.status_code == 200
    assert [i["id"] for i in board.json()["ideas"]][:1] == [i1]  # 2 dots, then 1 and 1
    again = client.get(f"{W}/{wid}/board", headers={**ha, "If-None-Match": board.headers["etag"]})
    assert again.status_code == 304
    # Merge idea 2 into idea 1: Ada had a dot on both, the cap is 1 → one refunded.
    r = client.post(f"{W}/{wid}/ideas/{i1}/merge", json={"duplicate_ids": [i2]}, token=fac)
    assert r.status_code == 200, r.text
    merged = r.json()
    assert merged["votes"] == 2 and merged["voters"] == 2 and merged["merged_from"] == [i2]
    assert merged["comments"] == 1
    assert (
        client.get(f"{W}/{wid}/board", headers={**ha, "If-None-Match": board.headers["etag"]}).status_code
        == 200
    )
    me = [
        p
        for p in client.get(f"{W}/{wid}/participants", token=fac).json()
        if p["id"] == a["participant"]["id"]
    ]
    assert me[0]["votes_left"] == 1  # 3 - (1 on idea 1, 1 on idea 3)
    assert client.post(f"{W}/{wid}/ideas/{i2}/votes", headers=ha, json={}).status_code == 409  # merged away
    # Choose, give next steps and an owner, close.
    r = client.patch(f"{W}/{wid}/ideas/{i1}", token=fac,
                     json={"chosen": True, "next_steps": "Site visit in March", "owner": "Ada"})  # fmt: skip
    assert r.status_code == 200 and r.json()["chosen"] is True
    assert client.patch(f"{W}/{wid}/ideas/{i1}", headers=hb, json={"chosen": False}).status_code == 403
    assert client.patch(f"{W}/{wid}", json={"phase": "closed"}, token=fac).json()["closed_at"] is not None
    assert client.post(f"{W}/{wid}/ideas/{i3}/votes", headers=hb, json={}).status_code == 409
    assert (
        client.post(
            f"{W}/join", json={"code": ws["join_code"], "name": "Late", "organisation": "x"}
        ).status_code
        == 409
    )
    html = client.get(f"{W}/{wid}/report", token=fac, params={"lang": "en"})
    assert html.status_code == 200 and "Heat for the hatchery" in html.text
    assert "Site visit in March" in html.text and "varme 30 °C til settefisk" not in html.text  # private
    nb = client.get(f"{W}/{wid}/report", token=fac, params={"lang": "nb"})
    assert "Neste steg" in nb.text
    # The guest who entered the private flow sees it in their own copy of the report.
    assert "varme 30 °C til settefisk" in client.get(f"{W}/{wid}/report", headers=ha).text


def test_qr_code_is_svg(client: ApiClient, world: World) -> None:
    ws = create(client, world)
    r = client.get(f"{W}/{ws['id']}/qr.svg", token=world.tokens["facilitator"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.startswith("<svg")


def test_chosen_idea_becomes_a_case_in_one_click(client: ApiClient, world: World) -> None:
    fac = world.tokens["facilitator"]
    ws = create(client, world)
    g = join(client, ws["join_code"], "Bo", "Other AS")
    r = client.post(f"{W}/{ws['id']}/ideas", token=fac, json={
        "title": "Owner heat to Other's district heating", "description": "Pipe of 3 km",
        "supply_flow_id": world.flow_ids[("private", "supply")], "demand_flow_id": world.b_demand,
    })  # fmt: skip
    assert r.status_code == 404  # the facilitator cannot see the private side: no such pair for them
    r = client.post(f"{W}/{ws['id']}/ideas", token=fac, json={
        "title": "Owner heat to Other's district heating", "description": "Pipe of 3 km",
        "supply_flow_id": world.flow_ids[("network", "supply")], "demand_flow_id": world.b_demand,
    })  # fmt: skip
    idea = r.json()["id"]
    client.patch(f"{W}/{ws['id']}/ideas/{idea}", token=fac, json={"next_steps": "Meet in May", "owner": "Bo"})
    assert client.post(f"{W}/{ws['id']}/ideas/{idea}/case", headers=guest(g["token"])).status_code == 403
    r = client.post(f"{W}/{ws['id']}/ideas/{idea}/case", token=fac)
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    case = client.get(f"/api/v1/regions/rana/cases/{case_id}", token=fac).json()
    assert case["title"] == "Owner heat to Other's district heating"
    assert "Meet in May" in case["description"] and case["stage"] == "idea"
    assert client.post(f"{W}/{ws['id']}/ideas/{idea}/case", token=fac).status_code == 409
    listed = client.get(f"{W}/{ws['id']}/ideas", token=fac).json()["items"][0]
    assert listed["case_id"] == case_id and listed["chosen"] is True
