"""Confidentiality, end to end: every role against every visibility level, through the
list (and its totals), the detail read, the export, the directory and the audit log.

The expected sets are written out by hand from the policy in DESIGN §5 / issue 5, not
computed with ``can_see``, so the policy itself is under test too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.dbfixtures import viewer_of

from sidestream.domain.visibility import ANONYMOUS, Role, Viewer
from sidestream.errors import NotFoundError
from sidestream.io import read_flow_table
from sidestream.services import audit, exports, flows
from sidestream.services.flows import FlowChanges
from sidestream.store.models import AuditEvent, Flow, Organisation, Region, User

# Organisation A owns one flow per level; organisation B one private flow.
FLOWS = {
    "a-public": ("A", "public"),
    "a-network": ("A", "network"),
    "a-facilitator": ("A", "facilitator"),
    "a-private": ("A", "private"),
    "b-private": ("B", "private"),
}
EXPECTED_FLOWS = {
    "anonymous": {"a-public"},
    "logged-in non-member": {"a-public"},
    "viewer": {"a-public", "a-network"},
    "member of owner": {"a-public", "a-network", "a-facilitator", "a-private"},
    "member of other": {"a-public", "a-network", "b-private"},
    "facilitator": {"a-public", "a-network", "a-facilitator"},
    "admin": {"a-public", "a-network", "a-facilitator"},
    "instance admin": {"a-public", "a-network", "a-facilitator"},
}
EXPECTED_ORGANISATIONS = {
    "anonymous": {"A"},
    "logged-in non-member": {"A"},
    "viewer": {"A"},
    "member of owner": {"A"},
    "member of other": {"A", "B"},
    "facilitator": {"A", "B"},
    "admin": {"A", "B"},
    "instance admin": {"A", "B"},
}
ROLES = list(EXPECTED_FLOWS)
Arranged = tuple[Region, dict[str, Flow], dict[str, Viewer]]


@pytest.fixture
def arranged(
    session: Session,
    make_region: Callable[..., Region],
    make_organisation: Callable[..., Organisation],
    make_flow: Callable[..., Flow],
    make_user: Callable[..., User],
) -> Arranged:
    region = make_region("rana")
    orgs = {"A": make_organisation(region, "A"), "B": make_organisation(region, "B")}
    created = {
        key: make_flow(orgs[owner], key=key, visibility=level, resource=f"{key} heat")
        for key, (owner, level) in FLOWS.items()
    }
    users: dict[str, User | None] = {
        "anonymous": None,
        "logged-in non-member": make_user(Role.VIEWER),
        "viewer": make_user(Role.VIEWER, region),
        "member of owner": make_user(Role.MEMBER, region, (orgs["A"].id,)),
        "member of other": make_user(Role.MEMBER, region, (orgs["B"].id,)),
        "facilitator": make_user(Role.FACILITATOR, region),
        "admin": make_user(Role.ADMIN, region),
        "instance admin": make_user(Role.VIEWER, is_admin=True),
    }
    viewers = {name: viewer_of(session, user, region) for name, user in users.items()}
    assert viewers["anonymous"] == ANONYMOUS and viewers["logged-in non-member"].role is None
    return region, created, viewers


def test_list_and_totals(session: Session, arranged: Arranged) -> None:
    region, _created, viewers = arranged
    for role in ROLES:
        _check_list(session, region, viewers[role], EXPECTED_FLOWS[role])


def _check_list(session: Session, region: Region, viewer: Viewer, expected: set[str]) -> None:
    page = flows.list_flows(session, region, viewer)
    assert {f.key for f in page.items} == expected
    assert page.total == len(expected)
    one = flows.list_flows(session, region, viewer, per_page=1)  # the total is not the page size
    assert (len(one.items), one.total, one.pages) == (1, len(expected), len(expected))
    assert flows.list_flows(session, region, viewer, q="private").total == len(
        expected & {"a-private", "b-private"}
    )
    assert flows.list_flows(session, region, viewer, direction="supply").total == len(expected)


def test_detail_reads_hide_invisible_flows_like_missing_ones(session: Session, arranged: Arranged) -> None:
    region, created, viewers = arranged
    for role in ROLES:
        _check_detail(session, region, created, viewers[role], EXPECTED_FLOWS[role])


def _check_detail(
    session: Session, region: Region, created: dict[str, Flow], viewer: Viewer, expected: set[str]
) -> None:
    missing_id = max(f.id for f in created.values()) + 1000
    with pytest.raises(NotFoundError) as missing:
        flows.get_flow(session, region, viewer, missing_id)
    for key, flow in created.items():
        if key in expected:
            assert flows.get_flow(session, region, viewer, flow.id).key == key
            assert flows.get_flow_by_key(session, region, viewer, key).id == flow.id
            continue
        with pytest.raises(NotFoundError) as hidden:
            flows.get_flow(session, region, viewer, flow.id)
        # the same sentence as for an id that does not exist, only the id differs
        assert str(hidden.value) == str(missing.value).replace(str(missing_id), str(flow.id))
        # ... in Norwegian as well
        nb = missing.value.render("nb").replace(str(missing_id), str(flow.id))
        assert hidden.value.render("nb") == nb == f"ingen strøm {flow.id} i regionen rana"
        with pytest.raises(NotFoundError) as hidden_key:
            flows.get_flow_by_key(session, region, viewer, key)
        assert str(hidden_key.value) == f"no flow {key!r} in region rana"
        # nor can it be changed or deleted: the same not-found, not a permission error
        with pytest.raises(NotFoundError):
            flows.update_flow(session, region, viewer, flow.id, FlowChanges(notes="x"), expected_version=1)
        with pytest.raises(NotFoundError):
            flows.delete_flow(session, region, viewer, flow.id)


def test_export_contains_only_visible_flows(session: Session, arranged: Arranged, tmp_path: Path) -> None:
    region, _created, viewers = arranged
    for role in ROLES:
        result = exports.export_flows(session, region, viewers[role], tmp_path / "out.csv")
        table = read_flow_table(result.path)
        assert set(table.frame["id"]) == EXPECTED_FLOWS[role], role
        assert result.flows == len(EXPECTED_FLOWS[role]), role


def test_directory_hides_organisations_with_only_hidden_flows(session: Session, arranged: Arranged) -> None:
    region, created, viewers = arranged
    for role in ROLES:
        _check_directory(session, region, created["b-private"], viewers[role], EXPECTED_ORGANISATIONS[role])


def _check_directory(session: Session, region: Region, b: Flow, viewer: Viewer, expected: set[str]) -> None:
    page = flows.list_organisations(session, region, viewer)
    assert {o.name for o in page.items} == expected, viewer
    assert page.total == len(expected)
    sites = flows.list_sites(session, region, viewer)
    assert {s.organisation.name for s in sites.items} == expected, viewer
    if "B" in expected:
        assert flows.get_organisation(session, region, viewer, b.organisation_id).name == "B"
        assert flows.get_site(session, region, viewer, b.site_id).organisation_id == b.organisation_id
    else:
        with pytest.raises(NotFoundError, match=f"no organisation {b.organisation_id} in region rana"):
            flows.get_organisation(session, region, viewer, b.organisation_id)
        with pytest.raises(NotFoundError):
            flows.get_site(session, region, viewer, b.site_id)


def test_audit_log_leaves_out_flows_the_manager_cannot_see(session: Session, arranged: Arranged) -> None:
    region, created, viewers = arranged
    owner = viewers["member of owner"]
    for key in ("a-public", "a-private"):
        flows.update_flow(
            session, region, owner, created[key].id, FlowChanges(notes="edited"), expected_version=1
        )
    # made public from facilitator-only: the "before" state was not public, but the
    # facilitator could see it then too, so the event stays visible to them
    flows.update_flow(
        session,
        region,
        owner,
        created["a-facilitator"].id,
        FlowChanges(visibility="public"),
        expected_version=1,
    )
    # made public from private: the event carries the private "before" state
    flows.update_flow(
        session, region, viewers["member of other"], created["b-private"].id,
        FlowChanges(visibility="public"), expected_version=1,
    )  # fmt: skip
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 4
    for role in ("facilitator", "admin"):
        page = audit.list_events(session, region, viewers[role], entity="flow")
        seen = {event.entity_id for event in page.items}
        assert seen == {str(created["a-public"].id), str(created["a-facilitator"].id)}
        assert page.total == 2
