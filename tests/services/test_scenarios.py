"""Scenarios as use cases: facilitators write (audited), members read, and nobody sees
a flow in a result that they may not see."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.dbfixtures import viewer_of

from sidestream.domain.visibility import Role, Viewer
from sidestream.errors import ConflictError, PermissionDeniedError
from sidestream.optimise.metrics import METRIC_TOTALS
from sidestream.services import scenarios
from sidestream.store.models import AuditEvent, Region, Scenario

SECRET = "test-secret"


@pytest.fixture
def region(session: Session, make_region: Callable[..., Region], make_organisation: Callable[..., Any],
           make_site: Callable[..., Any], make_flow: Callable[..., Any]) -> dict[str, Any]:  # fmt: skip
    region = make_region("net", "Net")
    smelter = make_organisation(region, "Smelter")
    utility = make_organisation(region, "Hidden Heat Utility")
    make_site(smelter, lat=66.32, lon=14.13)
    make_site(utility, lat=66.315, lon=14.14)
    heat = {"category": "heat", "unit": "GWh/yr", "annual_unit": "MWh/yr"}
    make_flow(smelter, key="a-heat", direction="supply", resource="surplus heat from flue gas 90 °C",
              quantity=20, annual_quantity=20_000, temperature_c=90, visibility="public", **heat)  # fmt: skip
    make_flow(utility, key="b-secret", direction="demand", resource="district heating",
              quantity=30, annual_quantity=30_000, temperature_c=80, visibility="private", **heat)  # fmt: skip
    return {"region": region, "utility": utility}


def test_facilitators_write_members_read_and_private_flows_stay_hidden(
    session: Session, region: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    r: Region = region["region"]
    facilitator = viewer_of(session, make_user("facilitator", r), r)
    member = viewer_of(session, make_user("member", r), r)
    owner = viewer_of(session, make_user("member", r, [region["utility"].id]), r)

    with pytest.raises(PermissionDeniedError):
        scenarios.create_scenario(session, r, member, "base", {})
    created = scenarios.create_scenario(session, r, facilitator, "base", {"description": "as it is"})
    with pytest.raises(ConflictError):
        scenarios.create_scenario(session, r, facilitator, "base", {})
    with pytest.raises(PermissionDeniedError):
        scenarios.run_saved(session, r, member, created.id)
    ran = scenarios.run_saved(session, r, facilitator, created.id)
    stored = ran.result
    assert stored is not None
    # precondition: the best network sends the smelter's heat to the private demand
    assert [link["link_id"] for link in stored["links"]] == ["a-heat→b-secret"]

    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "scenario")).all()
    assert sorted(actions) == ["create", "run"]

    for viewer in (member, facilitator):  # private: not even the facilitator sees it
        view = scenarios.get_scenario(session, r, viewer, created.id, secret=SECRET)
        text = json.dumps(view, ensure_ascii=False)
        assert "b-secret" not in text and "Hidden Heat Utility" not in text
        (link,) = view["result"]["links"]
        assert link["anonymised"] == "demand" and link["quantity"] is None
        assert link["supply"]["actor"] == "Smelter"
        assert view["result"]["partial"] is True and view["result"]["objective_value"] is None
        assert view["result"]["net_benefit_eur_per_yr"] == 0.0  # nothing shown in full
        # the metric set is cut the same way: the hidden side's link measures nothing,
        # and the totals are over links shown in full (none)
        assert all(link[name] is None for name in METRIC_TOTALS)
        assert all(view["result"][name] == 0.0 for name in METRIC_TOTALS)

    full = scenarios.get_scenario(session, r, owner, created.id, secret=SECRET)
    (link,) = full["result"]["links"]
    assert link["demand"]["actor"] == "Hidden Heat Utility" and link["quantity"] == pytest.approx(20_000)
    assert full["result"]["partial"] is False
    assert full["result"]["net_benefit_eur_per_yr"] == pytest.approx(stored["net_benefit_eur_per_yr"])
    # the owner sees the whole network: its metric totals, and the heat it delivers
    assert {n: full["result"][n] for n in METRIC_TOTALS} == {n: stored[n] for n in METRIC_TOTALS}
    assert stored["energy_delivered_mwh_per_yr"] > 0.9 * link["quantity"]  # 90 °C heat, no heat pump
    assert link["energy_delivered_mwh_per_yr"] == pytest.approx(stored["energy_delivered_mwh_per_yr"])

    rows = scenarios.compare_scenarios(session, r, member, [created.id], secret=SECRET)
    assert rows[0]["name"] == "base" and "b-secret" not in json.dumps(rows)
    assert rows[0]["energy_delivered_mwh_per_yr"] == 0.0  # the member's cut, not the network's
    owner_rows = scenarios.compare_scenarios(session, r, owner, [created.id], secret=SECRET)
    assert owner_rows[0]["energy_delivered_mwh_per_yr"] == pytest.approx(
        stored["energy_delivered_mwh_per_yr"]
    )

    scenarios.delete_scenario(session, r, facilitator, created.id)
    assert session.scalar(select(Scenario).where(Scenario.id == created.id)) is None


def _doc(*links: dict[str, Any]) -> dict[str, Any]:
    return {"objective_value": 1.0, "net_benefit_eur_per_yr": 1.0, "co2e_t_per_yr": 1.0, "capex_eur": 0.0,
            "links": list(links), "trunks": []}  # fmt: skip


def _link(link_id: str, supply: str, demand: str, **metrics: float | None) -> dict[str, Any]:
    return {"link_id": link_id, "supply_id": supply, "demand_id": demand, "quantity": 10.0,
            "quantity_unit": "t/yr", "mode": "direct", "trunk_id": None, "net_benefit_eur_per_yr": 1.0,
            "co2e_t_per_yr": 1.0, "capex_eur": 0.0, "distance_km": 1.0, "category": "waste", **metrics}  # fmt: skip


def test_metric_totals_count_only_links_seen_in_full() -> None:
    """Two waste links, one to a private demand of another organisation: the member's
    totals are the public link's alone; a result stored before the metric set (no such
    fields) gives unknown totals rather than zeros."""
    facts = {
        key: scenarios.FlowFacts(i, key, vis, org, f"org{org}", "slag", "waste", 66.0, 14.0)
        for i, (key, vis, org) in enumerate([("s1", "public", 1), ("d1", "public", 1),
                                              ("s2", "public", 1), ("d2", "private", 2)])
    }  # fmt: skip
    member = Viewer(user_id=7, role=Role.MEMBER, organisation_ids=frozenset({1}))
    owner = Viewer(user_id=8, role=Role.MEMBER, organisation_ids=frozenset({1, 2}))
    metrics = dict.fromkeys(METRIC_TOTALS, 0.0)
    doc = _doc(
        _link(
            "s1→d1", "s1", "d1", **{**metrics, "diverted_t_per_yr": 10.0, "hazardous_avoided_t_per_yr": 4.0}
        ),
        _link(
            "s2→d2", "s2", "d2", **{**metrics, "diverted_t_per_yr": 3.0, "hazardous_avoided_t_per_yr": 3.0}
        ),
    )
    doc.update(diverted_t_per_yr=13.0, hazardous_avoided_t_per_yr=7.0, virgin_material_saved_t_per_yr=0.0,
               water_saved_m3_per_yr=0.0, energy_delivered_mwh_per_yr=0.0)  # fmt: skip
    cut = scenarios.filter_result(doc, facts, member, secret=SECRET, region_id=1, lang="en")
    assert cut["partial"] is True
    assert cut["diverted_t_per_yr"] == 10.0 and cut["hazardous_avoided_t_per_yr"] == 4.0
    (hidden,) = [link for link in cut["links"] if link["anonymised"]]
    assert all(hidden[name] is None for name in METRIC_TOTALS)
    whole = scenarios.filter_result(doc, facts, owner, secret=SECRET, region_id=1, lang="en")
    assert whole["partial"] is False and whole["diverted_t_per_yr"] == 13.0
    old = _doc(_link("s1→d1", "s1", "d1"), _link("s2→d2", "s2", "d2"))
    for viewer in (member, owner):
        stale = scenarios.filter_result(old, facts, viewer, secret=SECRET, region_id=1, lang="en")
        assert all(stale[name] is None for name in METRIC_TOTALS)
