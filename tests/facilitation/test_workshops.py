"""The pure workshop rules: join codes, phases, vote counting, merging, the grid."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sidestream.errors import ConflictError, InvalidDataError
from sidestream.facilitation.workshops import (
    JOIN_ALPHABET,
    Action,
    Phase,
    Placement,
    Stake,
    Tally,
    VoteRules,
    check_join_code,
    check_votes,
    grid_scores,
    merge_votes,
    priority,
    rank_by_grid,
    rank_by_votes,
    require,
    tally,
    unique_join_code,
)


def test_alphabet_has_no_look_alikes() -> None:
    assert not set("01OIL") & set(JOIN_ALPHABET)


def test_unique_join_code_skips_taken_codes() -> None:
    seen: list[str] = []

    def taken(code: str) -> bool:
        seen.append(code)
        return len(seen) < 3  # the first two are taken

    code = unique_join_code(taken)
    assert code == seen[2] and len(seen) == 3
    with pytest.raises(ConflictError):
        unique_join_code(lambda _c: True, attempts=3)


@pytest.mark.parametrize("bad", ["", "ABC", "ABCDEFG", "ABC0EF", "abc-1ef"])
def test_bad_codes_are_refused(bad: str) -> None:
    with pytest.raises(InvalidDataError):
        check_join_code(bad)


def test_phases_open_the_right_actions() -> None:
    require(Phase.FLOWS, Action.ADD_FLOW)
    require(Phase.VOTING, Action.VOTE)
    with pytest.raises(ConflictError, match="voting"):
        require(Phase.IDEAS, Action.VOTE)
    with pytest.raises(ConflictError, match="locked"):
        require(Phase.VOTING, Action.VOTE, locked=True)
    for action in Action:
        with pytest.raises(ConflictError):
            require(Phase.CLOSED, action)


def test_priority_by_hand() -> None:
    # impact 4, effort 2: 4 × (6 − 2) / 25 = 0.64
    assert priority(4, 2) == 0.64
    scores = grid_scores([Placement(1, 7, 5, 1), Placement(2, 7, 3, 3), Placement(1, 8, 2, 5)])
    assert (scores[7].impact, scores[7].effort, scores[7].placements) == (4.0, 2.0, 2)
    assert rank_by_grid([8, 7, 9], scores, {}) == [7, 8, 9]


def test_rank_by_votes_breaks_ties_by_voters_then_age() -> None:
    assert rank_by_votes([1, 2, 3, 4], {1: Tally(2, 1), 2: Tally(2, 2), 4: Tally(5, 3)}) == [4, 2, 1, 3]


# --- properties ----------------------------------------------------------------------

PARTICIPANTS = st.integers(min_value=1, max_value=6)
IDEAS = st.integers(min_value=1, max_value=8)


@st.composite
def voting(draw: st.DrawFn) -> tuple[VoteRules, list[Stake]]:
    """A legal state reached by clicks: each click spends a dot if the rules allow."""
    budget = draw(st.integers(min_value=1, max_value=6))
    cap = draw(st.integers(min_value=1, max_value=budget))
    rules = VoteRules(budget, cap)
    spent: dict[int, int] = {}
    dots: dict[tuple[int, int], int] = {}
    for p, i in draw(st.lists(st.tuples(PARTICIPANTS, IDEAS), max_size=60)):
        if spent.get(p, 0) < budget and dots.get((p, i), 0) < cap:
            spent[p] = spent.get(p, 0) + 1
            dots[(p, i)] = dots.get((p, i), 0) + 1
    return rules, [Stake(p, i, d) for (p, i), d in dots.items()]


@given(voting())
@settings(max_examples=200, deadline=None)
def test_tally_counts_every_dot_once(state: tuple[VoteRules, list[Stake]]) -> None:
    rules, stakes = state
    check_votes(stakes, rules)
    totals = tally(stakes)
    assert sum(t.dots for t in totals.values()) == sum(s.dots for s in stakes)
    for idea, t in totals.items():
        assert t.voters == len({s.participant for s in stakes if s.idea == idea and s.dots})


@given(voting(), IDEAS, st.sets(IDEAS, max_size=4))
@settings(max_examples=300, deadline=None)
def test_merge_keeps_the_budget_and_counts_no_one_twice(
    state: tuple[VoteRules, list[Stake]], keep: int, duplicates: set[int]
) -> None:
    rules, stakes = state
    merged = merge_votes(stakes, keep, duplicates, rules)
    check_votes(merged.stakes, rules)  # the budget and the cap still hold
    before: dict[int, int] = {}
    after: dict[int, int] = {}
    for s in stakes:
        before[s.participant] = before.get(s.participant, 0) + s.dots
    for s in merged.stakes:
        after[s.participant] = after.get(s.participant, 0) + s.dots
    for p, dots in before.items():  # dots after + refund = dots before, for everyone
        assert after.get(p, 0) + merged.refunds.get(p, 0) == dots
    gone = duplicates - {keep}
    assert not [s for s in merged.stakes if s.idea in gone]
    pairs = [(s.participant, s.idea) for s in merged.stakes]
    assert len(pairs) == len(set(pairs))  # one stake per participant and idea
    # The merged idea counts each participant once, with at most the cap.
    on_keep = {s.participant: s.dots for s in merged.stakes if s.idea == keep}
    for p in on_keep:
        wanted = sum(s.dots for s in stakes if s.participant == p and (s.idea == keep or s.idea in gone))
        assert on_keep[p] == min(wanted, rules.max_per_idea)
    # Ideas not involved are untouched.
    untouched = sorted(
        (s.participant, s.idea, s.dots) for s in stakes if s.idea != keep and s.idea not in gone
    )
    assert sorted((s.participant, s.idea, s.dots) for s in merged.stakes if s.idea != keep) == untouched
