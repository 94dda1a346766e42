"""Saving matches as synergies, moving their status and commenting, over HTTP."""

from __future__ import annotations

from tests.api.client import ApiClient
from tests.api.world import World

API = "/api/v1/regions/rana"


def test_save_a_match_whose_other_side_is_hidden(client: ApiClient, world: World) -> None:
    token = world.tokens["member_other"]  # sees B's flows and A's public and network flows
    doc = client.get(f"{API}/flows/{world.b_supply}/matches", params={"top_k": 10}, token=token).json()
    stubbed = [m for m in doc["matches"] if m["anonymised"] == "demand"]
    assert len(stubbed) == 2, "A's facilitator and private demands reach B's supply as stubs"
    ref = stubbed[0]["match_ref"]
    # without the match_ref, naming a hidden flow is "not found"
    hidden = world.flow_ids[("private", "demand")]
    r = client.post(
        f"{API}/synergies", json={"supply_flow_id": world.b_supply, "demand_flow_id": hidden}, token=token
    )
    assert r.status_code == 404
    r = client.post(
        f"{API}/synergies", json={"supply_flow_id": world.b_supply, "match_ref": "0" * 32}, token=token
    )
    assert r.status_code == 404
    # with it, the pair is saved; the hidden side stays a stub
    r = client.post(
        f"{API}/synergies", json={"supply_flow_id": world.b_supply, "match_ref": ref}, token=token
    )
    assert r.status_code == 201
    assert r.json()["anonymised"] == "demand"
    assert set(r.json()["demand"]) >= {"anonymised", "within_km"} and "id" not in r.json()["demand"]
    assert "A-private" not in r.text and "A-facilitator" not in r.text and "NOTE-" not in r.text
    # the facilitator brokering it sees its facilitator-level side in full
    one = client.get(f"{API}/synergies/{r.json()['id']}", token=world.tokens["facilitator"]).json()
    assert one["anonymised"] in (None, "demand")


def test_new_synergy_status_and_comments(client: ApiClient, world: World) -> None:
    owner = world.tokens["member_owner"]
    body = {"supply_flow_id": world.b_supply, "demand_flow_id": world.flow_ids[("private", "demand")]}
    assert client.post(f"{API}/synergies", json=body, token=world.tokens["anonymous"]).status_code == 401
    assert client.post(f"{API}/synergies", json=body, token=world.tokens["viewer"]).status_code in (403, 404)
    created = client.post(f"{API}/synergies", json=body, token=owner)
    assert created.status_code == 201
    synergy = created.json()
    assert synergy["status"] == "proposed" and synergy["anonymised"] is None
    assert created.headers["etag"] == f'W/"{synergy["version"]}"'
    assert client.post(f"{API}/synergies", json=body, token=owner).status_code == 409

    url = f"{API}/synergies/{synergy['id']}"
    moved = client.patch(
        url, json={"status": "contacted"}, headers={"If-Match": created.headers["etag"]}, token=owner
    )
    assert moved.status_code == 200 and moved.json()["status"] == "contacted"
    stale = client.patch(
        url, json={"status": "agreed"}, headers={"If-Match": created.headers["etag"]}, token=owner
    )
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"
    stale_body = client.patch(url, json={"status": "agreed", "version": synergy["version"]}, token=owner)
    assert stale_body.status_code == 409
    # B's member sees the synergy through B's supply; A's private demand is a stub
    other = world.tokens["member_other"]
    seen = client.get(url, token=other)
    assert seen.status_code == 200 and seen.json()["anonymised"] == "demand"
    assert "NOTE-private" not in seen.text and "A-private" not in seen.text
    comment = client.post(f"{url}/comments", json={"text": "Vi tar kontakt"}, token=other)
    assert comment.status_code == 201
    assert client.get(url, token=owner).json()["comments"][0]["text"] == "Vi tar kontakt"
    # a viewer may read but not comment, nor move the status
    assert client.post(f"{url}/comments", json={"text": "x"}, token=world.tokens["viewer"]).status_code == 403
    assert client.patch(url, json={"status": "declined"}, token=world.tokens["viewer"]).status_code == 403
    listed = client.get(f"{API}/synergies", params={"status": "contacted"}, token=owner).json()
    assert [s["id"] for s in listed["items"]] == [synergy["id"]] and listed["total"] == 1
    bad = client.patch(url, json={"status": "won"}, token=owner)
    assert bad.status_code == 422
