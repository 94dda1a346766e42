"""Optimisation and scenarios over HTTP: who may do what, problem documents for bad
choices, and no response naming a flow its caller may not see."""

from __future__ import annotations

import pytest

from sidestream.optimise.metrics import METRIC_TOTALS
from tests.api.client import ApiClient
from tests.api.world import ROLES, World

API = "/api/v1/regions/rana"


def test_scenarios_over_http(client: ApiClient, world: World) -> None:
    facilitator = world.tokens["facilitator"]
    body = {"name": "scarce energy", "spec": {"factors": {"price.electricity": 2.0}}}
    assert client.post(f"{API}/scenarios", json=body, token=world.tokens["anonymous"]).status_code == 401
    assert client.post(f"{API}/scenarios", json=body, token=world.tokens["member_owner"]).status_code == 403
    bad = client.post(
        f"{API}/scenarios", json={"name": "x", "spec": {"factors": {"no.such": 2}}}, token=facilitator
    )
    assert bad.status_code == 201  # unknown keys are found when the scenario runs ...
    ran_bad = client.post(f"{API}/scenarios/{bad.json()['id']}/run", token=facilitator)
    assert ran_bad.status_code == 422 and "unknown parameter no.such" in ran_bad.json()["detail"]
    created = client.post(f"{API}/scenarios", json=body, token=facilitator)
    assert created.status_code == 201 and created.json()["result"] is None
    assert client.post(f"{API}/scenarios", json=body, token=facilitator).status_code == 409
    base = client.post(f"{API}/scenarios", json={"name": "base"}, token=facilitator).json()
    for scenario in (created.json(), base):
        ran = client.post(f"{API}/scenarios/{scenario['id']}/run", token=facilitator)
        assert ran.status_code == 200, ran.text
        assert ran.json()["result"]["termination"] == "optimal"
    for role in ROLES:
        token = world.tokens[role]
        one = client.get(f"{API}/scenarios/{base['id']}", token=token)
        listed = client.get(f"{API}/scenarios", token=token)
        compared = client.get(f"{API}/scenarios/compare", params={"ids": [base["id"], created.json()["id"]]},
                              token=token)  # fmt: skip
        if role == "anonymous":
            assert one.status_code == 401 and listed.status_code == 401
            continue
        if role == "admin":  # an instance admin acts as the region's admin
            assert one.status_code == 200
        for response in (one, listed, compared):
            assert response.status_code == 200, (role, response.text)
            for marker in world.hidden_markers(role):
                assert marker not in response.text, (role, marker)
        rows = compared.json()
        assert [r["name"] for r in rows] == ["base", "scarce energy"]
        assert rows[0]["added"] == [] and rows[0]["removed"] == []
        result = one.json()["result"]
        for name in METRIC_TOTALS:  # the metric set, over the links this caller sees in full
            full = [link[name] for link in result["links"] if not link["anonymised"]]
            assert result[name] == pytest.approx(sum(full)), (role, name)
            assert rows[0][name] == pytest.approx(result[name]), (role, name)
    assert client.delete(f"{API}/scenarios/{base['id']}", token=world.tokens["viewer"]).status_code == 403
    assert client.delete(f"{API}/scenarios/{base['id']}", token=facilitator).status_code == 204
    assert client.get(f"{API}/scenarios/{base['id']}", token=facilitator).status_code == 404


def test_optimise_now(client: ApiClient, world: World) -> None:
    facilitator = world.tokens["facilitator"]
    assert client.post(f"{API}/optimise", json={}, token=world.tokens["member_owner"]).status_code == 403
    doc = client.post(f"{API}/optimise", json={"objective": "co2e"}, token=facilitator)
    assert doc.status_code == 200, doc.text
    for marker in world.hidden_markers("facilitator"):
        assert marker not in doc.text
    for link in doc.json()["links"]:
        assert link["quantity_unit"] in {"MWh/yr", "t/yr", "m3/yr", "Nm3/yr"}
    body = doc.json()
    assert all(isinstance(body[name], float) and body[name] >= 0 for name in METRIC_TOTALS)
    assert body["energy_delivered_mwh_per_yr"] > 0  # precondition: Rana's network delivers heat
    bad = client.post(f"{API}/optimise", json={"include": ["no-such-link"]}, token=facilitator)
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    assert "unknown link id" in bad.json()["detail"]
    weird = client.post(f"{API}/optimise", json={"weight": 3}, token=facilitator)
    assert weird.status_code == 422
