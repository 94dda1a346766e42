"""Catalogue, funding, experts and benchmarking over HTTP."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidestream.store.models import AuditEvent, Expert
from tests.api.client import ApiClient
from tests.api.world import World

EXPERT = {
    "name": "Kari Nordmann",
    "organisation": "Mo Industripark",
    "country": "no",
    "email": "Kari@Example.org",
    "classes": ["steel_slag"],
    "sectors": ["24"],
    "topics": ["regulation"],
    "languages": ["nb", "EN"],
    "consent": True,
}


def test_catalogue_search_and_done_before(client: ApiClient, world: World) -> None:
    everything = client.get("/api/v1/catalogue").json()
    assert len(everything) >= 25
    assert all(c["sources"] and c["sources"][0]["url"].startswith("http") for c in everything)
    found = client.get("/api/v1/catalogue", params={"q": "Händelö"}).json()
    assert found and all("Händelö" in c["place"] for c in found)
    gypsum = client.get("/api/v1/catalogue", params={"resource_class": "fgd_gypsum"}).json()
    assert [c["id"] for c in gypsum] == ["kalundborg-fgd-gypsum"]
    steel = client.get("/api/v1/catalogue", params={"sector": "24"}).json()
    assert {"mo-fjernvarme-elkem", "mo-co-gas", "sunndal-hydro-heat"} <= {c["id"] for c in steel}
    before = client.get("/api/v1/catalogue/done-before", params={"supply_class": "flue_gas_heat", "demand_class": "district_heating"})
    assert [c["id"] for c in before.json()] == ["mo-fjernvarme-elkem"]
    assert client.get("/api/v1/catalogue/nowhere").status_code == 404


def test_regions_add_their_own_cases(client: ApiClient, world: World) -> None:
    body = {
        "id": "slag-roads",
        "title": {"en": "Slag in forest roads", "nb": "Slagg i skogsbilveier"},
        "place": "Mo i Rana", "country": "NO", "supply": ["steel_slag"], "demand": ["aggregates"],
        "sectors": ["24.10"], "lessons": {"en": "Leaching tests first."},
        "sources": [{"title": "Our report", "url": "https://example.org/report"}],
    }  # fmt: skip
    url = "/api/v1/regions/rana/catalogue"
    assert client.post(url, json=body, token=world.tokens["member_owner"]).status_code == 403
    r = client.post(url, json=body, token=world.tokens["facilitator"])
    assert r.status_code == 201 and r.json()["id"] == "rana-slag-roads" and r.json()["region"] == "rana"
    assert client.post(url, json=body, token=world.tokens["facilitator"]).status_code == 409
    found = client.get("/api/v1/catalogue", params={"resource_class": "steel_slag"}).json()
    assert "rana-slag-roads" in {c["id"] for c in found}
    bad = dict(body, id="x", supply=["unobtainium"])
    assert client.post(url, json=bad, token=world.tokens["facilitator"]).status_code == 422
    assert client.delete(f"{url}/rana-slag-roads", token=world.tokens["facilitator"]).status_code == 204
    assert client.get("/api/v1/catalogue/rana-slag-roads").status_code == 404


def test_funding_list(client: ApiClient) -> None:
    all_programmes = client.get("/api/v1/funding").json()
    names = {p["funder"] for p in all_programmes}
    for funder in ("Innovation Norway", "Enova SF", "The Research Council of Norway", "Nordic Council of Ministers",
                   "Business Finland", "Vinnova", "Danish Energy Agency"):  # fmt: skip
        assert funder in names
    danish = {p["id"] for p in client.get("/api/v1/funding", params={"country": "DK"}).json()}
    assert "eudp" in danish and "enova-industry" not in danish and "eu-life" in danish


def test_expert_directory_consent_edit_and_real_deletion(
    client: ApiClient, world: World, session: Session
) -> None:
    url = "/api/v1/experts"
    assert client.get(url, token=world.tokens["anonymous"]).status_code == 401
    no_consent = dict(EXPERT, consent=False)
    assert client.post(url, json=no_consent, token=world.tokens["member_owner"]).status_code == 422
    r = client.post(url, json=EXPERT, token=world.tokens["member_owner"])
    assert r.status_code == 201
    entry = r.json()
    assert entry["email"] == "kari@example.org" and entry["country"] == "NO" and entry["languages"] == ["en", "nb"]
    assert client.post(url, json=EXPERT, token=world.tokens["member_owner"]).status_code == 409
    # searchable by class, sector prefix, topic and language
    for params in ({"resource_class": "steel_slag"}, {"sector": "24.10"}, {"topic": "regulation"},
                   {"language": "nb"}, {"q": "kari"}):  # fmt: skip
        assert [e["id"] for e in client.get(url, params=params, token=world.tokens["viewer"]).json()] == [entry["id"]]
    assert client.get(url, params={"topic": "funding"}, token=world.tokens["viewer"]).json() == []
    # only the person and admins may change or delete it
    one = f"{url}/{entry['id']}"
    changed = dict(EXPERT, phone="+47 000 00 000")
    assert client.put(one, json=changed, token=world.tokens["facilitator"]).status_code == 403
    assert client.delete(one, token=world.tokens["member_other"]).status_code == 403
    r = client.put(one, json=changed, token=world.tokens["member_owner"])
    assert r.status_code == 200 and r.json()["phone"] == "+47 000 00 000"
    assert client.delete(one, token=world.tokens["member_owner"]).status_code == 204
    session.expire_all()
    assert session.get(Expert, entry["id"]) is None
    assert session.scalars(select(Expert)).all() == []
    # the audit trail keeps that an entry was deleted, not who it was
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "expert")).all()
    assert all("Kari" not in str(e.before) + str(e.after) for e in events)
    # an admin adds a contact point for someone who consented, and may delete it
    r = client.post(url, params={"on_behalf": True}, json=dict(EXPERT, contact_point=True), token=world.tokens["admin"])
    assert r.status_code == 201 and r.json()["user_id"] is None
    assert client.post(url, params={"on_behalf": True}, json=EXPERT, token=world.tokens["facilitator"]).status_code == 403
    assert client.delete(f"{url}/{r.json()['id']}", token=world.tokens["admin"]).status_code == 204


def test_experts_next_to_a_case(client: ApiClient, world: World) -> None:
    heat = dict(EXPERT, name="Heat Expert", classes=["heat_90_150c"], sectors=[], topics=[])
    money = dict(EXPERT, name="Funding Expert", classes=[], sectors=[], topics=["funding"])
    client.post("/api/v1/experts", json=heat, token=world.tokens["viewer"])
    client.post("/api/v1/experts", json=money, token=world.tokens["member_other"])
    case = client.post(
        "/api/v1/regions/rana/cases", json={"title": "Heat", "flow_ids": [world.b_supply]}, token=world.tokens["member_owner"]
    ).json()
    url = f"/api/v1/regions/rana/cases/{case['id']}"
    # B's supply "overskuddsvarme 95 °C" is heat at 90-150 °C: the heat expert fits
    names = lambda: [(s["expert"]["name"], s["score"]) for s in client.get(f"{url}/experts", token=world.tokens["member_owner"]).json()]  # noqa: E731
    assert names() == [("Heat Expert", 1.0)]
    client.put(f"{url}/barriers/funding", json={}, token=world.tokens["member_owner"])
    # an open funding barrier weighs 2 (topics count double)
    assert names() == [("Funding Expert", 2.0), ("Heat Expert", 1.0)]


def test_benchmarking_counts_only_what_the_caller_may_see(client: ApiClient, world: World) -> None:
    # A has one supply and one demand at each of four levels, B one of each (public):
    # 10 flows in all. Who sees how many follows SEES in tests/api/world.py.
    expected_flows = {"anonymous": 4, "viewer": 6, "member_other": 6, "facilitator": 8, "member_owner": 10}
    for role, n in expected_flows.items():
        doc = client.get("/api/v1/benchmarking", params={"region": "rana"}, token=world.tokens[role]).json()
        values = {i["id"]: i["values"]["rana"] for i in doc["indicators"]}
        assert values["flows"] == n, role
        assert values["actors"] == 2
        assert values["flows.heat"] == n
    csv_text = client.get("/api/v1/benchmarking", params={"region": "rana", "format": "csv"}, token=world.tokens["facilitator"]).text
    rows = {r["indicator"]: r for r in csv.DictReader(io.StringIO(csv_text))}
    assert float(rows["flows"]["rana"]) == 8 and rows["supply_matched_share"]["unit"] == "%"
    assert client.get("/api/v1/benchmarking").status_code == 422
    assert client.get("/api/v1/benchmarking", params={"region": "nowhere"}).status_code == 404
