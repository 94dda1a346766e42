"""Case stages, transitions and who sees a case (pure)."""

from __future__ import annotations

import pytest

from sidestream.domain.visibility import Role, Viewer
from sidestream.errors import InvalidDataError
from sidestream.facilitation.cases import (
    BOARD_COLUMNS,
    PIPELINE,
    Barrier,
    CaseStage,
    can_move,
    can_see_case,
    check_transition,
    parse_barrier,
)


def test_the_pipeline_and_the_fixed_barrier_list() -> None:
    assert [s.value for s in PIPELINE] == ["idea", "explored", "feasibility", "agreement", "running"]
    assert [s.value for s in BOARD_COLUMNS][-2:] == ["paused", "stopped"]
    assert len(Barrier) == 10
    assert parse_barrier("public-acceptance").label == "Public acceptance"
    with pytest.raises(InvalidDataError, match="use one of"):
        parse_barrier("weather")


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        ("idea", "explored", True),
        ("explored", "idea", True),  # one step back when a study fails
        ("idea", "feasibility", False),  # no skipping
        ("agreement", "running", True),
        ("running", "agreement", True),
        ("running", "idea", False),
        ("feasibility", "paused", True),
        ("paused", "agreement", True),  # resume anywhere on the ladder
        ("paused", "stopped", True),
        ("stopped", "idea", True),  # reopened as a new idea
        ("stopped", "running", False),
        ("idea", "idea", False),
    ],
)
def test_transitions(source: str, target: str, allowed: bool) -> None:
    assert can_move(CaseStage(source), CaseStage(target)) is allowed
    if allowed:
        assert check_transition(source, target) is CaseStage(target)
    else:
        with pytest.raises(InvalidDataError, match=f"from {source} to {target}"):
            check_transition(source, target)


def test_who_sees_a_case() -> None:
    facilitator = Viewer(1, Role.FACILITATOR)
    member = Viewer(2, Role.MEMBER, frozenset({7}))
    partner = Viewer(3, Role.VIEWER, frozenset({9}))
    outsider = Viewer(4, None)

    def sees(v: Viewer, access: str) -> bool:
        return can_see_case(v, access, owner_user_id=5, created_by=5, partner_ids=[9])

    assert [sees(v, "network") for v in (facilitator, member, partner, outsider)] == [True, True, True, False]
    assert [sees(v, "facilitator") for v in (facilitator, member, partner, outsider)] == [
        True,
        False,
        True,
        False,
    ]
    assert [sees(v, "team") for v in (facilitator, member, partner, outsider)] == [False, False, True, False]
    owner = Viewer(5, Role.MEMBER)
    assert sees(owner, "team")
