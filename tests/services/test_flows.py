"""Flows, organisations and sites through the services: CRUD, roles, versions, audit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests.dbfixtures import viewer_of

from sidestream.domain.visibility import ANONYMOUS, Role, Viewer
from sidestream.errors import (
    ConflictError,
    InvalidDataError,
    NotFoundError,
    PermissionDeniedError,
    StaleWriteError,
)
from sidestream.services import audit, flows
from sidestream.services.flows import (
    FlowChanges,
    NewFlow,
    NewOrganisation,
    NewSite,
    OrganisationChanges,
    SiteChanges,
)
from sidestream.store.db import session_factory
from sidestream.store.models import AuditEvent, Flow, Organisation, Region, Site, User


@pytest.fixture
def world(
    session: Session,
    make_region: Callable[..., Region],
    make_user: Callable[..., User],
) -> dict[str, object]:
    """A region with two organisations (each with a site) and a user per role."""
    region = make_region("rana")
    boss = Viewer(user_id=None, role=Role.FACILITATOR)
    a = flows.create_organisation(session, region, boss, NewOrganisation(name="Elkem Rana", nace="24.10"))
    b = flows.create_organisation(
        session, region, boss, NewOrganisation(name="Mo Fjernvarme", actor_type="utility")
    )
    site_a = flows.create_site(
        session, region, boss, NewSite(organisation_id=a.id, name="MIP", lat=66.32, lon=14.13)
    )
    site_b = flows.create_site(
        session, region, boss, NewSite(organisation_id=b.id, name="Mo", lat=66.31, lon=14.14)
    )
    users = {
        "facilitator": make_user(Role.FACILITATOR, region),
        "member_a": make_user(Role.MEMBER, region, (a.id,)),
        "member_b": make_user(Role.MEMBER, region, (b.id,)),
        "viewer": make_user(Role.VIEWER, region, (a.id,)),
    }
    viewers = {name: viewer_of(session, user, region) for name, user in users.items()}
    return {"region": region, "a": a, "b": b, "site_a": site_a, "site_b": site_b, **viewers}


def _new(world: dict[str, object], **fields: object) -> NewFlow:
    a, site_a = world["a"], world["site_a"]
    assert isinstance(a, Organisation) and isinstance(site_a, Site)
    base: dict[str, object] = {
        "organisation_id": a.id,
        "site_id": site_a.id,
        "direction": "supply",
        "resource": "overskuddsvarme 90 °C",
        "category": "heat",
        "quantity": 150,
        "unit": "GWh/yr",
        "temperature_c": 90,
        "visibility": "network",
    }
    return NewFlow.model_validate({**base, **fields})


def test_create_derives_canonical_values_and_audits(session: Session, world: dict[str, object]) -> None:
    region = world["region"]
    assert isinstance(region, Region)
    member = world["member_a"]
    assert isinstance(member, Viewer)
    flow = flows.create_flow(session, region, member, _new(world, ewc="100202*", months="5-9", key="s1"))
    assert (flow.key, flow.annual_quantity, flow.annual_unit) == ("s1", 150_000.0, "MWh/yr")
    assert (flow.ewc, flow.hazardous, flow.months_mask) == ("10 02 02", False, 0b000111110000)
    assert flow.organisation.name == "Elkem Rana" and flow.site.name == "MIP" and flow.version == 1
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "flow")).one()
    assert (event.action, event.user_id, event.entity_id, event.before) == (
        "create",
        member.user_id,
        str(flow.id),
        None,
    )
    assert event.after is not None and event.after["key"] == "s1" and event.after["quantity"] == 150


def test_create_generates_a_key_and_refuses_a_used_one(session: Session, world: dict[str, object]) -> None:
    region, boss = world["region"], world["facilitator"]
    assert isinstance(region, Region) and isinstance(boss, Viewer)
    first = flows.create_flow(session, region, boss, _new(world))
    assert first.key.startswith("f-")
    with pytest.raises(ConflictError, match="already used"):
        flows.create_flow(session, region, boss, _new(world, key=first.key))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ewc": "99 99 99"}, "not an entry of the EU List of Waste"),
        ({"unit": None}, "needs a unit"),
        ({"unit": "bananas"}, "unit: "),
        ({"months": "13"}, "month"),
    ],
)
def test_create_rejects_bad_values(
    session: Session, world: dict[str, object], fields: dict[str, object], message: str
) -> None:
    region, boss = world["region"], world["facilitator"]
    assert isinstance(region, Region) and isinstance(boss, Viewer)
    with pytest.raises(InvalidDataError, match=message):
        flows.create_flow(session, region, boss, _new(world, **fields))
    assert session.scalar(select(Flow.id)) is None


def test_who_may_create_and_edit(session: Session, world: dict[str, object]) -> None:
    region, a, b = world["region"], world["a"], world["b"]
    assert isinstance(region, Region) and isinstance(a, Organisation) and isinstance(b, Organisation)
    member_a, member_b, viewer = world["member_a"], world["member_b"], world["viewer"]
    assert isinstance(member_a, Viewer) and isinstance(member_b, Viewer) and isinstance(viewer, Viewer)
    for outsider in (member_b, viewer, ANONYMOUS):
        with pytest.raises(PermissionDeniedError):
            flows.create_flow(session, region, outsider, _new(world))
    flow = flows.create_flow(session, region, member_a, _new(world, visibility="public"))
    with pytest.raises(PermissionDeniedError):
        flows.update_flow(session, region, member_b, flow.id, FlowChanges(notes="x"), expected_version=1)
    with pytest.raises(PermissionDeniedError):
        flows.delete_flow(session, region, viewer, flow.id)
    # a member cannot move their flow to an organisation they do not belong to
    site_b = world["site_b"]
    assert isinstance(site_b, Site)
    move = FlowChanges(organisation_id=b.id, site_id=site_b.id)
    with pytest.raises(PermissionDeniedError):
        flows.update_flow(session, region, member_a, flow.id, move, expected_version=1)
    facilitator = world["facilitator"]
    assert isinstance(facilitator, Viewer)
    moved = flows.update_flow(session, region, facilitator, flow.id, move, expected_version=1)
    assert moved.organisation.name == "Mo Fjernvarme" and moved.version == 2


def test_update_changes_what_is_given_and_audits_before_and_after(
    session: Session, world: dict[str, object]
) -> None:
    region, member, boss = world["region"], world["member_a"], world["facilitator"]
    assert isinstance(region, Region) and isinstance(member, Viewer) and isinstance(boss, Viewer)
    flow = flows.create_flow(session, region, member, _new(world, ewc="10 02 02"))
    changed = flows.update_flow(
        session, region, member, flow.id, FlowChanges(quantity=200, category=None), expected_version=1
    )
    assert (changed.quantity, changed.unit, changed.annual_quantity) == (200, "GWh/yr", 200_000.0)
    assert changed.category is None and changed.ewc == "10 02 02" and changed.version == 2
    same = flows.update_flow(session, region, member, flow.id, FlowChanges(quantity=200), expected_version=2)
    assert same.version == 2  # nothing changed, nothing written
    events = audit.list_events(session, region, boss, entity="flow", entity_id=flow.id).items
    assert [e.action for e in events] == ["update", "create"]
    update = events[0]
    assert update.before is not None and update.after is not None
    assert (update.before["quantity"], update.after["quantity"]) == (150, 200)
    assert (update.before["category"], update.after["category"]) == ("heat", None)
    assert (update.before["version"], update.after["version"]) == (1, 2)
    assert update.user_id == member.user_id
    with pytest.raises(InvalidDataError, match="resource cannot be empty"):
        flows.update_flow(session, region, member, flow.id, FlowChanges(resource=None), expected_version=2)


def test_stale_version_is_refused(session: Session, world: dict[str, object]) -> None:
    region, member = world["region"], world["member_a"]
    assert isinstance(region, Region) and isinstance(member, Viewer)
    flow = flows.create_flow(session, region, member, _new(world))
    flows.update_flow(session, region, member, flow.id, FlowChanges(notes="first"), expected_version=1)
    with pytest.raises(StaleWriteError, match="version 2, not 1"):
        flows.update_flow(session, region, member, flow.id, FlowChanges(notes="second"), expected_version=1)
    with pytest.raises(StaleWriteError):
        flows.delete_flow(session, region, member, flow.id, expected_version=1)
    assert flows.get_flow(session, region, member, flow.id).notes == "first"


def test_concurrent_writers_lose_the_race_cleanly(
    session: Session, world: dict[str, object], migrated_engine: Engine
) -> None:
    """Two sessions read version 1; the second commit is refused, not applied."""
    region, member = world["region"], world["member_a"]
    assert isinstance(region, Region) and isinstance(member, Viewer)
    flow_id = flows.create_flow(session, region, member, _new(world)).id
    factory = session_factory(migrated_engine)
    with factory() as first, factory() as second:
        region_1, region_2 = first.get(Region, region.id), second.get(Region, region.id)
        assert region_1 is not None and region_2 is not None
        # second reads version 1 (kept referenced: the identity map holds rows weakly) ...
        stale = flows.get_flow(second, region_2, member, flow_id)
        flows.update_flow(first, region_1, member, flow_id, FlowChanges(notes="first"), expected_version=1)
        with pytest.raises(StaleWriteError, match="changed by someone else"):  # ... and writes after first
            flows.update_flow(
                second, region_2, member, flow_id, FlowChanges(notes="second"), expected_version=1
            )
        assert (stale.version, stale.notes) == (2, "first")
    session.expire_all()
    assert flows.get_flow(session, region, member, flow_id).notes == "first"


def test_delete_flow(session: Session, world: dict[str, object]) -> None:
    region, member, boss = world["region"], world["member_a"], world["facilitator"]
    assert isinstance(region, Region) and isinstance(member, Viewer) and isinstance(boss, Viewer)
    flow = flows.create_flow(session, region, member, _new(world))
    flows.delete_flow(session, region, member, flow.id, expected_version=1)
    with pytest.raises(NotFoundError):
        flows.get_flow(session, region, member, flow.id)
    event = audit.list_events(session, region, boss, entity="flow").items[0]
    assert event.action == "delete" and event.after is None and event.before is not None


def test_list_filters_sorts_and_pages(session: Session, world: dict[str, object]) -> None:
    region, boss, b, site_b = world["region"], world["facilitator"], world["b"], world["site_b"]
    assert isinstance(region, Region) and isinstance(boss, Viewer)
    assert isinstance(b, Organisation) and isinstance(site_b, Site)
    flows.create_flow(session, region, boss, _new(world, key="k3", quantity=10))
    flows.create_flow(
        session, region, boss, _new(world, key="k1", resource="fly ash", category="waste", unit="t/yr")
    )
    flows.create_flow(
        session, region, boss,
        _new(world, key="k2", organisation_id=b.id, site_id=site_b.id, direction="demand", resource="fjernvarme"),
    )  # fmt: skip
    keys = lambda page: [f.key for f in page.items]  # noqa: E731
    assert keys(flows.list_flows(session, region, boss)) == ["k1", "k2", "k3"]
    assert keys(flows.list_flows(session, region, boss, sort="-key")) == ["k3", "k2", "k1"]
    assert keys(flows.list_flows(session, region, boss, sort="quantity")) == ["k1", "k3", "k2"]
    assert keys(flows.list_flows(session, region, boss, direction="demand")) == ["k2"]
    assert keys(flows.list_flows(session, region, boss, category="waste")) == ["k1"]
    assert keys(flows.list_flows(session, region, boss, q="FJERNVARME")) == ["k2"]  # organisation name too
    assert keys(flows.list_flows(session, region, boss, q="ash")) == ["k1"]
    assert keys(flows.list_flows(session, region, boss, q="100%")) == []  # LIKE wildcards are literal
    page = flows.list_flows(session, region, boss, page=2, per_page=2)
    assert (keys(page), page.total, page.pages) == (["k3"], 3, 2)
    with pytest.raises(InvalidDataError, match="cannot sort by 'colour'"):
        flows.list_flows(session, region, boss, sort="colour")
    with pytest.raises(InvalidDataError, match="unknown direction"):
        flows.list_flows(session, region, boss, direction="sideways")
    with pytest.raises(InvalidDataError, match="pages start at 1"):
        flows.list_flows(session, region, boss, page=0)


def test_flows_of_another_region_are_not_found(
    session: Session, world: dict[str, object], make_region: Callable[..., Region]
) -> None:
    region, boss = world["region"], world["facilitator"]
    assert isinstance(region, Region) and isinstance(boss, Viewer)
    flow = flows.create_flow(session, region, boss, _new(world, visibility="public"))
    other = make_region("kalundborg")
    with pytest.raises(NotFoundError, match=f"no flow {flow.id} in region kalundborg"):
        flows.get_flow(session, other, boss, flow.id)
    assert flows.list_flows(session, other, boss).total == 0


# --- organisations and sites ---------------------------------------------------------


def test_organisation_crud(session: Session, world: dict[str, object]) -> None:
    region, boss, member_a, member_b, a = (
        world[k] for k in ("region", "facilitator", "member_a", "member_b", "a")
    )
    assert isinstance(region, Region) and isinstance(a, Organisation)
    assert isinstance(boss, Viewer) and isinstance(member_a, Viewer) and isinstance(member_b, Viewer)
    with pytest.raises(PermissionDeniedError):
        flows.create_organisation(session, region, member_a, NewOrganisation(name="New AS"))
    with pytest.raises(ConflictError, match="already exists"):
        flows.create_organisation(session, region, boss, NewOrganisation(name="Elkem Rana"))
    renamed = flows.update_organisation(
        session,
        region,
        member_a,
        a.id,
        OrganisationChanges(name="Elkem Rana AS", nace="C 24.10"),
        expected_version=1,
    )
    assert (renamed.name, renamed.nace, renamed.version) == ("Elkem Rana AS", "24.10", 2)
    with pytest.raises(StaleWriteError):
        flows.update_organisation(
            session, region, boss, a.id, OrganisationChanges(name="X"), expected_version=1
        )
    with pytest.raises(PermissionDeniedError):
        flows.delete_organisation(session, region, member_a, a.id)
    flows.create_flow(session, region, member_a, _new(world))
    flows.delete_organisation(session, region, boss, a.id)
    assert session.scalar(select(Flow.id)) is None and session.get(Site, world["site_a"].id) is None  # type: ignore[attr-defined]
    actions = [(e.entity, e.action) for e in audit.list_events(session, region, boss, per_page=3).items]
    assert actions == [("organisation", "delete"), ("site", "delete"), ("flow", "delete")]


def test_site_crud(session: Session, world: dict[str, object]) -> None:
    region, boss, member_a, member_b, a = (
        world[k] for k in ("region", "facilitator", "member_a", "member_b", "a")
    )
    assert isinstance(region, Region) and isinstance(a, Organisation)
    assert isinstance(boss, Viewer) and isinstance(member_a, Viewer) and isinstance(member_b, Viewer)
    with pytest.raises(PermissionDeniedError):
        flows.create_site(
            session, region, member_b, NewSite(organisation_id=a.id, name="Other", lat=66, lon=14)
        )
    site = flows.create_site(
        session, region, member_a, NewSite(organisation_id=a.id, name="Smelter", lat=66, lon=14)
    )
    with pytest.raises(ConflictError):
        flows.create_site(
            session, region, member_a, NewSite(organisation_id=a.id, name="Smelter", lat=66, lon=14)
        )
    moved = flows.update_site(session, region, member_a, site.id, SiteChanges(lat=66.5), expected_version=1)
    assert (moved.lat, moved.lon, moved.version) == (66.5, 14, 2)
    flow = flows.create_flow(session, region, member_a, _new(world, site_id=site.id))
    flows.delete_site(session, region, member_a, site.id, expected_version=2)
    with pytest.raises(NotFoundError):
        flows.get_flow(session, region, member_a, flow.id)
    with pytest.raises(NotFoundError, match=f"no site {site.id}"):
        flows.get_site(session, region, boss, site.id)


def test_audit_trail_is_for_managers(session: Session, world: dict[str, object]) -> None:
    region, member_a = world["region"], world["member_a"]
    assert isinstance(region, Region) and isinstance(member_a, Viewer)
    with pytest.raises(PermissionDeniedError):
        audit.list_events(session, region, member_a)
