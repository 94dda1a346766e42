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

from sidestream.errors import ConflictError, PermissionDeniedError
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

    full = scenarios.get_scenario(session, r, owner, created.id, secret=SECRET)
    (link,) = full["result"]["links"]
    assert link["demand"]["actor"] == "Hidden Heat Utility" and link["quantity"] == pytest.approx(20_000)
    assert full["result"]["partial"] is False
    assert full["result"]["net_benefit_eur_per_yr"] == pytest.approx(stored["net_benefit_eur_per_yr"])

    rows = scenarios.compare_scenarios(session, r, member, [created.id], secret=SECRET)
    assert rows[0]["name"] == "base" and "b-secret" not in json.dumps(rows)

    scenarios.delete_scenario(session, r, facilitator, created.id)
    assert session.scalar(select(Scenario).where(Scenario.id == created.id)) is None
