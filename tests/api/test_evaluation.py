"""Evaluation over HTTP: parameters (facilitators change them, audited), a synergy's
evaluation, a region's — and no hidden quantity leaks through an estimate."""

from __future__ import annotations

import pytest

from tests.api.client import ApiClient
from tests.api.world import World

API = "/api/v1/regions/rana"


def _by_key(doc: dict[str, object]) -> dict[str, dict[str, object]]:
    return {p["key"]: p for p in doc["parameters"]}  # type: ignore[index, union-attr]


def test_read_and_replace_region_parameters(client: ApiClient, world: World) -> None:
    doc = client.get(f"{API}/parameters").json()
    params = _by_key(doc)
    assert params["grid.country"]["value"] == "NO" and params["grid.country"]["origin"] == "default"
    assert params["tax.incineration"]["source"]["url"].startswith("https://")
    body = {"overrides": {"price.heat": {"value": 930, "unit": "NOK/MWh"}, "grid.country": {"value": "SE"}}}
    assert client.put(f"{API}/parameters", json=body).status_code == 401
    assert client.put(f"{API}/parameters", json=body, token=world.tokens["member_owner"]).status_code == 403
    r = client.put(f"{API}/parameters", json=body, token=world.tokens["facilitator"])
    assert r.status_code == 200
    params = _by_key(r.json())
    assert params["price.heat"]["origin"] == "region"
    # 930 NOK/MWh at the file's 11.63 NOK/EUR
    assert params["price.heat"]["value"] == pytest.approx(930 / 11.63)
    assert params["grid.country"]["value"] == "SE"
    assert r.json()["overrides"]["price.heat"] == {"value": 930.0, "unit": "NOK/MWh", "note": ""}
    audit = client.get(
        f"{API}/audit", params={"entity": "region_parameters"}, token=world.tokens["facilitator"]
    )
    assert audit.json()["items"][0]["after"]["overrides"]["grid.country"]["value"] == "SE"


@pytest.mark.parametrize(
    ("override", "word"),
    [
        ({"no.such": {"value": 1}}, "no.such"),
        ({"price.heat": {"value": 5, "unit": "t/yr"}}, "price.heat"),
        ({"grid.country": {"value": "XX"}}, "grid.country"),
    ],
)
def test_a_bad_override_is_a_problem_and_nothing_is_written(
    client: ApiClient, world: World, override: dict[str, object], word: str
) -> None:
    token = world.tokens["facilitator"]
    ok = {"overrides": {"finance.discount_rate": {"value": 0.06}}}
    assert client.put(f"{API}/parameters", json=ok, token=token).status_code == 200
    r = client.put(f"{API}/parameters", json={"overrides": {**ok["overrides"], **override}}, token=token)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert word in r.text
    assert client.get(f"{API}/parameters").json()["overrides"] == {
        "finance.discount_rate": {"value": 0.06, "unit": "", "note": ""}
    }


def test_synergy_evaluation_in_full(client: ApiClient, world: World) -> None:
    sid = world.synergies["public-supply x B-demand"]
    r = client.get(
        f"{API}/synergies/{sid}/evaluation", params={"tornado": "true"}, token=world.tokens["facilitator"]
    )
    assert r.status_code == 200
    doc = r.json()
    assert doc.get("anonymised") is None
    ev = doc["evaluations"][0]
    # A's public supply: 11 GWh/yr of 90 °C heat for B's 60 GWh/yr need at 85 °C: the supply binds.
    assert ev["physical"]["quantity"] == {"value": 11000.0, "unit": "MWh/yr"}
    assert ev["physical"]["cop"] is None  # direct heat, no pump
    assert ev["economic"]["npv"]["unit"] == "EUR"
    assert ev["environmental"]["co2e_avoided"]["unit"] == "t/yr"
    keys = {p["key"] for p in doc["parameters"]}
    assert {"price.heat", "finance.discount_rate", "ef.heat.district_heating"} <= keys
    swings = [
        abs(row["delta_npv_high"]["value"] - row["delta_npv_low"]["value"]) for row in doc["tornado"]["rows"]
    ]
    assert swings == sorted(swings, reverse=True) and swings[0] > 0
    nok = client.get(
        f"{API}/synergies/{sid}/evaluation", params={"currency": "NOK"}, token=world.tokens["facilitator"]
    )
    assert nok.json()["evaluations"][0]["economic"]["npv"]["unit"] == "NOK"


def test_a_synergy_override_is_used_and_reported(client: ApiClient, world: World) -> None:
    sid = world.synergies["public-supply x B-demand"]
    token = world.tokens["facilitator"]
    url = f"{API}/synergies/{sid}"
    before = client.get(f"{url}/evaluation", token=token).json()["evaluations"][0]
    body = {"overrides": {"heat.displaced": {"value": "oil"}}}
    assert client.put(f"{url}/parameters", json=body, token=world.tokens["member_owner"]).status_code == 403
    assert client.put(f"{url}/parameters", json=body, token=token).status_code == 200
    doc = client.get(f"{url}/evaluation", token=token).json()
    used = _by_key(doc)
    assert used["heat.displaced"]["origin"] == "synergy" and used["heat.displaced"]["value"] == "oil"
    # oil: 74.1 t/TJ / 0.9 = 0.2964 t/MWh against district heating's 0.04 t/MWh
    after = doc["evaluations"][0]["environmental"]["co2e_avoided"]["value"]
    assert after / before["environmental"]["co2e_avoided"]["value"] == pytest.approx(0.2964 / 0.04, rel=0.01)


def test_a_hidden_side_is_banded_never_exact(client: ApiClient, world: World) -> None:
    # B's member sees B's demand; A's facilitator-level supply (13 GWh/yr) is hidden.
    token = world.tokens["member_other"]
    sid = world.synergies["facilitator-supply x B-demand"]
    r = client.get(f"{API}/synergies/{sid}/evaluation", params={"tornado": "true"}, token=token)
    assert r.status_code == 200
    doc = r.json()
    assert doc["anonymised"] == "supply"
    assert "evaluations" not in doc and "tornado" not in doc
    assert doc["estimate"]["banded"] is True
    low, high = doc["estimate"]["npv"]["band"]
    assert high == 10 * low
    for leak in ("13000", "13 000", "13,000", "A-facilitator", "NOTE-facilitator", "DN"):
        assert leak not in r.text
    # the same pair for the facilitator, in full: the band contains the exact NPV
    full = client.get(f"{API}/synergies/{sid}/evaluation", token=world.tokens["facilitator"]).json()
    npv = full["evaluations"][0]["economic"]["npv"]["value"]
    assert low <= npv < high
    # a synergy the viewer may not see at all is not found
    hidden = world.synergies["private x private"]
    assert client.get(f"{API}/synergies/{hidden}/evaluation", token=token).status_code == 404


def test_match_estimates_are_banded_for_hidden_sides(client: ApiClient, world: World) -> None:
    doc = client.get(f"{API}/matches", params={"top_k": 10}, token=world.tokens["member_other"]).json()
    hidden = [m for m in doc["matches"] if m["anonymised"]]
    shown = [m for m in doc["matches"] if not m["anonymised"]]
    assert hidden and shown
    for m in hidden:
        assert set(m["estimate"]) <= {"banded", "assumptions", "net_annual", "npv", "co2e_avoided"}
    assert all("npv" in m["estimate"] and "quantity" in m["estimate"] for m in shown)


def test_region_evaluation_cut_to_the_viewer(client: ApiClient, world: World) -> None:
    token = world.tokens["member_other"]
    r = client.get(f"{API}/evaluation", params={"top_k": 10, "currency": "NOK"}, token=token)
    assert r.status_code == 200
    doc = r.json()
    assert doc["currency"] == "NOK" and doc["parameters"]
    full = [m for m in doc["matches"] if not m["anonymised"]]
    banded = [m for m in doc["matches"] if m["anonymised"]]
    assert full and banded
    assert all("evaluation" not in m and m["estimate"]["banded"] for m in banded)
    for marker in world.hidden_markers("member_other"):
        assert marker not in r.text
    npv = sum(m["evaluation"]["economic"]["npv"]["value"] for m in full)
    assert doc["totals"]["npv"]["value"] == pytest.approx(npv, rel=1e-3)
    assert doc["totals"]["synergies"] == len(full)
