"""Matching as a service: the engine sees every flow, each viewer sees only their
part — full pairs, anonymised stubs, or nothing — and saved synergies follow suit."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.api.world import LEVELS, SECRET, SEES, World, build_world, viewer_of

from sidestream.domain.visibility import ANONYMOUS, Role, Viewer
from sidestream.errors import ConflictError, NotFoundError, PermissionDeniedError, StaleWriteError
from sidestream.matching import MatchParams
from sidestream.services import matching, synergies
from sidestream.services.accounts import AuthenticationError
from sidestream.services.matching import FlowAccess, MatchCache, distance_bound_km, filter_record, stub
from sidestream.store.models import Flow, Organisation, Region

STUB_KEYS = {"anonymised", "direction", "category", "class", "class_label", "within_km", "text"}


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def run(session: Session, world: World, viewer: Viewer, **params: Any) -> dict[str, Any]:
    return matching.region_matches(
        session, world.region, viewer, MatchParams(top_k=20, **params), secret=SECRET
    )


# --- pure filtering ------------------------------------------------------------------


RECORD: dict[str, Any] = {
    "kind": "match",
    "supply": {"id": "s", "actor": "Elkem", "site": "Mo", "lat": 66.3, "lon": 14.1, "quantity": 150.0,
               "category": "heat", "class": "surplus_heat", "class_label": "Surplus heat"},
    "demand": {"id": "d", "actor": "Secret AS", "site": "Hidden", "lat": 66.31, "lon": 14.2, "quantity": 9.0,
               "category": "heat", "class": "district_heating", "class_label": "District heating"},
    "rank": 3, "score": 0.8765, "distance_km": 7.31, "parts": {"quantity": 0.5}, "rule": {"id": "heat-dh"},
    "family": None, "future_field": {"demand_quantity": 9.0},
    "reasons": ["Surplus heat can supply District heating", "7.3 km by pipe", "covers 40 % (150 vs 9)"],
    "estimate": {"quantity": 9.0},
}  # fmt: skip
S = FlowAccess(1, "s", "supply", "public", 10)
D = FlowAccess(2, "d", "demand", "private", 20)


def test_filter_record_full_stub_or_nothing() -> None:
    owner_of_d = Viewer(1, Role.MEMBER, frozenset({20}))
    full = filter_record(RECORD, S, D, owner_of_d, "en", "ref")
    assert full is not None and full["anonymised"] is None
    assert full["demand"]["actor"] == "Secret AS" and full["demand"]["flow_id"] == 2

    partial = filter_record(RECORD, S, D, ANONYMOUS, "en", "ref")
    assert partial is not None and partial["anonymised"] == "demand"
    assert set(partial["demand"]) == STUB_KEYS
    assert partial["demand"]["within_km"] == 10 and partial["distance_km"] == 10.0
    # the estimate keeps only decade bands of money and CO2e: this one has none, and no quantity
    assert partial["estimate"] == {"banded": True, "assumptions": []} and partial["parts"] == {}
    assert partial["score"] == 0.88 and partial["match_ref"] == "ref"
    text = json.dumps(partial)
    for secret in ("Secret AS", "Hidden", "14.2", "9.0", "7.31", "vs 9"):
        assert secret not in text, secret
    assert partial["reasons"][0] == "Surplus heat can supply District heating"
    assert "future_field" not in partial  # unknown fields are left out, not copied
    no_rule = filter_record({**RECORD, "rule": None}, S, D, ANONYMOUS, "en", "ref")
    assert no_rule is not None and len(no_rule["reasons"]) == 1 and "km" not in no_rule["reasons"][0]

    both_hidden = FlowAccess(1, "s", "supply", "private", 10)
    assert filter_record(RECORD, both_hidden, D, ANONYMOUS, "en", "ref") is None


def test_stub_text_in_both_languages() -> None:
    assert (
        stub({"category": "heat"}, "demand", 3.0, "en")["text"]
        == "an organisation within 5 km has a matching need"
    )
    assert stub({}, "supply", None, "en")["within_km"] is None
    assert distance_bound_km(100.0) == 100 and distance_bound_km(100.1) == 200


def test_match_ref_is_opaque_and_bound_to_the_secret() -> None:
    ref = matching.match_ref(SECRET, 1, 10, 20)
    assert ref == matching.match_ref(SECRET, 1, 10, 20)
    assert ref != matching.match_ref("other secret", 1, 10, 20) != matching.match_ref(SECRET, 1, 10, 21)
    assert "10" not in ref[:2] and len(ref) == 32


# --- region and flow matches ---------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "member_other", "member_owner", "facilitator"])
def test_region_matches_per_viewer(session: Session, world: World, role: str) -> None:
    viewer = viewer_of(session, world, role)
    doc = run(session, world, viewer)
    text = json.dumps(doc, ensure_ascii=False)
    for marker in world.hidden_markers(role):
        assert marker not in text
    assert doc["stats"] == {
        "matches": len(doc["matches"]),
        "anonymised": sum(1 for m in doc["matches"] if m["anonymised"]),
    }
    for m in doc["matches"]:
        for side in ("supply", "demand"):
            if m[side].get("anonymised"):
                assert set(m[side]) == STUB_KEYS
            else:
                assert m[side]["visibility"] in SEES[role] or m[side]["id"].startswith("B-")
    # the engine matched across confidentiality: B's public demand is reached by every
    # A supply, in full where visible and as a stub where not
    to_b = [m for m in doc["matches"] if m["demand"].get("id") == "B-demand"]
    assert len(to_b) == len(LEVELS)
    assert sum(1 for m in to_b if m["anonymised"] == "supply") == len(set(LEVELS) - SEES[role])


def test_empty_and_all_hidden_regions_look_alike(
    session: Session, make_region: Callable[..., Region], make_organisation: Callable[..., Organisation],
    make_flow: Callable[..., Flow],
) -> None:  # fmt: skip
    empty = make_region("empty")
    hidden = make_region("hidden")
    org = make_organisation(hidden)
    make_flow(org, visibility="private", direction="supply", resource="overskuddsvarme 90 °C")
    make_flow(org, visibility="private", direction="demand", resource="fjernvarme 80 °C")
    params = MatchParams()
    a = matching.region_matches(session, empty, ANONYMOUS, params, secret=SECRET)
    b = matching.region_matches(session, hidden, ANONYMOUS, params, secret=SECRET)
    assert a == b
    assert a["matches"] == [] and a["stats"] == {"matches": 0, "anonymised": 0}


def test_flow_matches_for_a_demand_rank_its_suppliers(session: Session, world: World) -> None:
    owner = viewer_of(session, world, "member_owner")
    doc = matching.flow_matches(
        session, world.region, owner, world.b_demand, MatchParams(top_k=3), secret=SECRET
    )
    assert len(doc["matches"]) == 3 and doc["params"]["top_k"] == 3
    assert [m["rank"] for m in doc["matches"]] == [1, 2, 3]
    scores = [m["score"] for m in doc["matches"]]
    assert scores == sorted(scores, reverse=True)
    assert {m["demand"]["id"] for m in doc["matches"]} == {"B-demand"}


def test_flow_matches_of_a_hidden_flow_are_not_found(session: Session, world: World) -> None:
    hidden = world.flow_ids[("private", "supply")]
    with pytest.raises(NotFoundError):
        matching.flow_matches(session, world.region, ANONYMOUS, hidden, MatchParams(), secret=SECRET)


def test_cache_reuses_runs_and_sees_changes(session: Session, world: World) -> None:
    cache = MatchCache(size=2)
    owner = viewer_of(session, world, "member_owner")
    params = MatchParams(top_k=20)
    first = matching.region_matches(session, world.region, owner, params, secret=SECRET, cache=cache)
    again = matching.region_matches(session, world.region, owner, params, secret=SECRET, cache=cache)
    assert first == again and len(cache._items) == 1
    flow = session.get(Flow, world.b_demand)
    assert flow is not None
    flow.visibility = "private"  # B's demand disappears for A's member
    session.commit()
    changed = matching.region_matches(session, world.region, owner, params, secret=SECRET, cache=cache)
    assert all(
        m["demand"].get("id") != "B-demand" for m in changed["matches"] if not m["demand"].get("anonymised")
    )
    assert len(cache._items) == 2


# --- synergies -----------------------------------------------------------------------


def test_saving_needs_a_member_who_sees_a_side(session: Session, world: World) -> None:
    pair = {"supply_flow_id": world.b_supply, "demand_flow_id": world.flow_ids[("public", "demand")]}
    with pytest.raises(AuthenticationError):
        synergies.save_synergy(session, world.region, ANONYMOUS, secret=SECRET, **pair)
    with pytest.raises(PermissionDeniedError):
        synergies.save_synergy(
            session, world.region, viewer_of(session, world, "viewer"), secret=SECRET, **pair
        )
    other = viewer_of(session, world, "member_other")
    saved = synergies.save_synergy(session, world.region, other, secret=SECRET, **pair)
    assert saved.status == "proposed" and saved.score and saved.match["supply"]["id"] == "B-supply"
    with pytest.raises(ConflictError):
        synergies.save_synergy(session, world.region, other, secret=SECRET, **pair)
    hidden = {"supply_flow_id": world.b_supply, "demand_flow_id": world.flow_ids[("private", "demand")]}
    with pytest.raises(NotFoundError):
        synergies.save_synergy(session, world.region, other, secret=SECRET, **hidden)
    ref = matching.match_ref(SECRET, world.region.id, world.b_supply, world.flow_ids[("private", "demand")])
    via_ref = synergies.save_synergy(
        session, world.region, other, secret=SECRET, supply_flow_id=world.b_supply, ref=ref
    )
    assert via_ref.demand_flow_id == world.flow_ids[("private", "demand")]
    view = synergies.synergy_view(session, via_ref, other)
    assert view.anonymised == "demand" and set(view.demand) == STUB_KEYS


def test_status_changes_and_comments(session: Session, world: World) -> None:
    owner = viewer_of(session, world, "member_owner")
    synergy = synergies.get_synergy(session, world.region, owner, world.synergies["public-supply x B-demand"])
    version = synergy.version
    synergies.set_status(session, synergy, owner, "contacted", expected_version=version)
    with pytest.raises(StaleWriteError):
        synergies.set_status(session, synergy, owner, "agreed", expected_version=version)
    with pytest.raises(PermissionDeniedError):
        synergies.set_status(session, synergy, viewer_of(session, world, "viewer"), "declined")
    facilitator = viewer_of(session, world, "facilitator")
    synergies.set_status(session, synergy, facilitator, "evaluating")
    synergies.add_comment(session, synergy, facilitator, "  Møte avtalt  ")
    assert [c.text for c in synergies.comments(session, synergy)] == ["Møte avtalt"]
    rows, total = synergies.list_synergies(session, world.region, facilitator, status=None)
    assert total == 4 and len(rows) == 4  # the private×private pair is hidden from facilitators
