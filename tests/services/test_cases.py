"""The case pipeline service: creating, reading as each role, changing with history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.dbfixtures import viewer_of

from sidestream.errors import InvalidDataError, NotFoundError, PermissionDeniedError
from sidestream.services import cases
from sidestream.services.accounts import AuthenticationError
from sidestream.store.models import AuditEvent, CaseHistory, Region

Make = Callable[..., Any]


@pytest.fixture
def rana(
    session: Session, make_region: Make, make_organisation: Make, make_flow: Make, make_user: Make
) -> dict[str, Any]:
    region: Region = make_region("rana")
    a = make_organisation(region, "Owner AS")
    b = make_organisation(region, "Other AS")
    flows = {
        "a_private": make_flow(a, visibility="private", resource="PRIVATE-HEAT"),
        "a_public": make_flow(a, visibility="public", direction="demand", resource="public need"),
        "b_network": make_flow(b, visibility="network", resource="slag"),
    }
    users = {
        "facilitator": make_user("facilitator", region),
        "member_a": make_user("member", region, [a.id]),
        "member_b": make_user("member", region, [b.id]),
        "viewer": make_user("viewer", region),
        "outsider": make_user("member"),
    }
    viewers = {name: viewer_of(session, user, region) for name, user in users.items()}
    return {"region": region, "a": a, "b": b, "flows": flows, "users": users, "viewers": viewers}


def test_create_case_records_history_and_audit(session: Session, rana: dict[str, Any]) -> None:
    region, v = rana["region"], rana["viewers"]
    case = cases.create_case(
        session, region, v["member_a"], title="  Heat to the fish farm ", description="30 °C water",
        organisation_ids=[rana["a"].id, rana["b"].id], flow_ids=[rana["flows"]["a_private"].id],
        origin="workshop:3",
    )  # fmt: skip
    assert case.id is not None and case.title == "Heat to the fish farm"
    assert case.stage == "idea" and case.owner_user_id == rana["users"]["member_a"].id
    assert case.origin == "workshop:3"
    assert sorted(p.organisation_id for p in case.partners) == sorted([rana["a"].id, rana["b"].id])
    history = session.scalars(select(CaseHistory).where(CaseHistory.case_id == case.id)).all()
    assert [h.action for h in history] == ["create"]
    assert history[0].before is None and history[0].after is not None
    assert history[0].after["title"] == "Heat to the fish farm"
    assert history[0].user_id == rana["users"]["member_a"].id
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "case")).all()
    assert [(e.action, e.entity_id) for e in events] == [("create", str(case.id))]


def test_create_case_needs_a_member_and_visible_flows(session: Session, rana: dict[str, Any]) -> None:
    region, v, flows = rana["region"], rana["viewers"], rana["flows"]
    with pytest.raises(PermissionDeniedError):
        cases.create_case(session, region, v["viewer"], title="x")
    with pytest.raises(AuthenticationError):
        cases.create_case(session, region, viewer_of(session, None, region), title="x")
    with pytest.raises(InvalidDataError):
        cases.create_case(session, region, v["facilitator"], title="   ")
    # B's member may not see A's private flow: naming it is "not found", like a missing one
    with pytest.raises(NotFoundError) as hidden:
        cases.create_case(session, region, v["member_b"], title="x", flow_ids=[flows["a_private"].id])
    with pytest.raises(NotFoundError) as missing:
        cases.create_case(session, region, v["member_b"], title="x", flow_ids=[999_999])
    assert str(hidden.value).replace(str(flows["a_private"].id), "N") == str(missing.value).replace(
        "999999", "N"
    )
    # a facilitator does not see private flows either
    with pytest.raises(NotFoundError):
        cases.create_case(session, region, v["facilitator"], title="x", flow_ids=[flows["a_private"].id])
