"""Workshops as pure rules: phases, join codes, dot votes, impact × effort and merging.

Nothing here touches a database: the service layer (``services/workshops.py``) keeps
the state in tables and asks these functions what is allowed and how to count, and
a notebook can replay a workshop from plain lists.

**Dot voting.** Every participant has a ``budget`` of dots and may put at most
``max_per_idea`` dots on one idea. The budget is never exceeded (the store enforces it
atomically; :func:`check_votes` states the rule).

**Merging duplicates.** When ideas B, C … are merged into A, each participant's dots
on A, B, C … become one stake on A of ``min(sum, max_per_idea)`` dots; the dots above
the per-idea cap go back to the participant's budget (they may spend them again).
So for every participant: dots after + dots refunded = dots before, the budget still
holds, and nobody is counted twice on the merged idea — a participant who voted for
two duplicates counts as one voter (:func:`merge_votes`).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sidestream.errors import ConflictError, InvalidDataError
from sidestream.i18n import N_

# --- phases --------------------------------------------------------------------------


class Phase(StrEnum):
    """The workshop's phases, in order. The facilitator moves between them freely
    (forward to lock the previous phase's work, back to reopen it)."""

    FLOWS = "flows"
    IDEAS = "ideas"
    VOTING = "voting"
    CLOSED = "closed"


class Action(StrEnum):
    """What a participant does on the board."""

    ADD_FLOW = "add_flow"
    PROPOSE = "propose"
    COMMENT = "comment"
    VOTE = "vote"
    PLACE = "place"


PHASE_LABELS: dict[Phase, str] = {
    Phase.FLOWS: N_("Add side streams and needs"),
    Phase.IDEAS: N_("Propose and discuss ideas"),
    Phase.VOTING: N_("Prioritise: vote and place ideas"),
    Phase.CLOSED: N_("Closed"),
}

# Which actions each phase opens. Ideas may be proposed while flows are still being
# added (a match seen early is worth writing down); discussion continues while voting.
ALLOWED: dict[Phase, frozenset[Action]] = {
    Phase.FLOWS: frozenset({Action.ADD_FLOW, Action.PROPOSE, Action.COMMENT}),
    Phase.IDEAS: frozenset({Action.ADD_FLOW, Action.PROPOSE, Action.COMMENT}),
    Phase.VOTING: frozenset({Action.COMMENT, Action.VOTE, Action.PLACE}),
    Phase.CLOSED: frozenset(),
}


def parse_phase(value: str | Phase) -> Phase:
    """A phase from its name.

    >>> parse_phase("voting")
    <Phase.VOTING: 'voting'>
    """
    try:
        return Phase(str(value).strip().lower())
    except ValueError:
        choices = ", ".join(p.value for p in Phase)
        raise InvalidDataError(
            N_("unknown workshop phase {value!r}: use one of {choices}"), value=value, choices=choices
        ) from None


def allowed(phase: Phase, action: Action, *, locked: bool = False) -> bool:
    """Whether ``action`` is open in ``phase`` (nothing is while the board is locked).

    >>> allowed(Phase.IDEAS, Action.PROPOSE), allowed(Phase.IDEAS, Action.VOTE)
    (True, False)
    >>> allowed(Phase.VOTING, Action.VOTE, locked=True)
    False
    """
    return not locked and action in ALLOWED[phase]


def require(phase: Phase, action: Action, *, locked: bool = False) -> None:
    """Raise :class:`ConflictError` with a message that names the phase that opens it."""
    if locked:
        raise ConflictError(N_("the facilitator has locked the board for now: wait until it is unlocked"))
    if action not in ALLOWED[phase]:
        opens = [p.value for p in Phase if action in ALLOWED[p]]
        raise ConflictError(
            N_("{value} is not open in the {phase} phase (it is open in: {opens})"),
            value=action.value.replace("_", " "),
            phase=phase.value,
            opens=", ".join(opens) or "no phase",
        )


# --- join codes ----------------------------------------------------------------------

# No 0/O, 1/I/L, and no U/V pair confusion on a projector: 29 symbols read aloud easily.
JOIN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
JOIN_CODE_LENGTH = 6


def new_join_code(choice: Callable[[str], str] = secrets.choice, length: int = JOIN_CODE_LENGTH) -> str:
    """A random code of ``length`` symbols from :data:`JOIN_ALPHABET`.

    >>> code = new_join_code()
    >>> len(code), set(code) <= set(JOIN_ALPHABET)
    (6, True)
    """
    return "".join(choice(JOIN_ALPHABET) for _ in range(length))


def unique_join_code(taken: Callable[[str], bool], *, attempts: int = 20) -> str:
    """A new code that ``taken`` says is free; with 29⁶ ≈ 6·10⁸ codes a collision is
    rare, but it is checked (and the store has a unique index as the last word)."""
    for _ in range(attempts):
        code = new_join_code()
        if not taken(code):
            return code
    raise ConflictError(N_("could not find a free join code: try again"))


def normalise_join_code(text: str) -> str:
    """What a person typed, as a code: upper case, spaces and dashes dropped.

    >>> normalise_join_code(" abc-d3f ")
    'ABCD3F'
    """
    return "".join(ch for ch in text.upper() if ch not in " -_.\t")


def check_join_code(text: str) -> str:
    """The normalised code, or :class:`InvalidDataError` saying what is wrong.

    >>> check_join_code("hjk-234")
    'HJK234'
    """
    code = normalise_join_code(text)
    bad = sorted({ch for ch in code if ch not in JOIN_ALPHABET})
    if len(code) != JOIN_CODE_LENGTH or bad:
        hint = f" ({', '.join(bad)} cannot occur in a code)" if bad else ""
        raise InvalidDataError(
            N_(
                "a join code has {join_code_length} letters and digits, e.g. HJK-234{hint}: "
                "check the code on the screen"
            ),
            join_code_length=JOIN_CODE_LENGTH,
            hint=hint,
        )
    return code


def format_join_code(code: str) -> str:
    """The code as shown: two groups of three.

    >>> format_join_code("HJK234")
    'HJK-234'
    """
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


# --- dot votes -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoteRules:
    """Dots per participant and the most one participant may put on one idea."""

    budget: int = 5
    max_per_idea: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.budget <= 100:
            raise InvalidDataError(N_("votes per participant must be between 1 and 100"))
        if not 1 <= self.max_per_idea <= self.budget:
            raise InvalidDataError(N_("votes per idea must be between 1 and the votes per participant"))


@dataclass(frozen=True, slots=True)
class Stake:
    """One participant's dots on one idea."""

    participant: int
    idea: int
    dots: int


def check_votes(stakes: Iterable[Stake], rules: VoteRules) -> None:
    """Raise unless every participant keeps to the budget and the per-idea cap.

    >>> check_votes([Stake(1, 10, 1), Stake(1, 11, 1)], VoteRules(budget=2))
    >>> check_votes([Stake(1, 10, 2)], VoteRules(budget=2))
    Traceback (most recent call last):
    ...
    sidestream.errors.InvalidDataError: participant 1 has 2 votes on idea 10; at most 1 per idea
    """
    spent: dict[int, int] = defaultdict(int)
    for s in stakes:
        if s.dots < 0:
            raise InvalidDataError(
                N_("participant {participant} has a negative vote on idea {idea}"),
                participant=s.participant,
                idea=s.idea,
            )
        if s.dots > rules.max_per_idea:
            raise InvalidDataError(
                N_(
                    "participant {participant} has {dots} votes on idea {idea}; at most "
                    "{max_per_idea} per idea"
                ),
                participant=s.participant,
                dots=s.dots,
                idea=s.idea,
                max_per_idea=rules.max_per_idea,
            )
        spent[s.participant] += s.dots
    for participant, dots in spent.items():
        if dots > rules.budget:
            raise InvalidDataError(
                N_("participant {participant} spent {dots} votes of {budget}"),
                participant=participant,
                dots=dots,
                budget=rules.budget,
            )


@dataclass(frozen=True, slots=True)
class Tally:
    """An idea's dots and how many different participants gave them."""

    dots: int
    voters: int


def tally(stakes: Iterable[Stake]) -> dict[int, Tally]:
    """Dots and distinct voters per idea (ideas with no dots are absent).

    >>> tally([Stake(1, 10, 2), Stake(2, 10, 1), Stake(2, 11, 0)])
    {10: Tally(dots=3, voters=2)}
    """
    dots: dict[int, int] = defaultdict(int)
    voters: dict[int, set[int]] = defaultdict(set)
    for s in stakes:
        if s.dots > 0:
            dots[s.idea] += s.dots
            voters[s.idea].add(s.participant)
    return {idea: Tally(dots[idea], len(voters[idea])) for idea in dots}


@dataclass(frozen=True, slots=True)
class Merge:
    """The stakes after merging and the dots each participant gets back."""

    stakes: list[Stake]
    refunds: dict[int, int]


def merge_votes(stakes: Iterable[Stake], keep: int, duplicates: Iterable[int], rules: VoteRules) -> Merge:
    """Move the duplicates' dots onto ``keep`` (see the module docstring for the rule).

    >>> m = merge_votes([Stake(1, 10, 1), Stake(1, 11, 1), Stake(2, 11, 1)], 10, [11], VoteRules(3, 1))
    >>> sorted((s.participant, s.idea, s.dots) for s in m.stakes), m.refunds
    ([(1, 10, 1), (2, 10, 1)], {1: 1})
    """
    gone = set(duplicates) - {keep}
    merged: dict[int, int] = defaultdict(int)
    out: list[Stake] = []
    for s in stakes:
        if s.idea == keep or s.idea in gone:
            merged[s.participant] += s.dots
        else:
            out.append(s)
    refunds: dict[int, int] = {}
    for participant, dots in merged.items():
        kept = min(dots, rules.max_per_idea)
        if kept > 0:
            out.append(Stake(participant, keep, kept))
        if dots > kept:
            refunds[participant] = dots - kept
    return Merge(out, refunds)


# --- impact × effort ------------------------------------------------------------------

SCALE_MIN, SCALE_MAX = 1, 5


class Quadrant(StrEnum):
    """Where an idea lands on the impact × effort grid (midpoint 3 on 1–5 scales)."""

    QUICK_WIN = "quick_win"  # high impact, low effort
    MAJOR_PROJECT = "major_project"  # high impact, high effort
    FILL_IN = "fill_in"  # low impact, low effort
    THANKLESS = "thankless"  # low impact, high effort


QUADRANT_LABELS: dict[Quadrant, str] = {
    Quadrant.QUICK_WIN: N_("quick win"),
    Quadrant.MAJOR_PROJECT: N_("major project"),
    Quadrant.FILL_IN: N_("fill-in"),
    Quadrant.THANKLESS: N_("thankless task"),
}


def check_scale(value: int, name: str) -> int:
    if not SCALE_MIN <= value <= SCALE_MAX:
        raise InvalidDataError(
            N_("{name} must be between {scale_min} (low) and {scale_max} (high), not {value}"),
            name=name,
            scale_min=SCALE_MIN,
            scale_max=SCALE_MAX,
            value=str(value),
        )
    return value


def priority(impact: float, effort: float) -> float:
    """Impact times ease on a 0–1 scale: ``impact × (6 − effort) / 25``.

    High impact for little effort comes first; the product (not a sum) keeps a
    high-impact idea that nobody can carry out from outranking a modest quick win.

    >>> priority(5, 1), priority(5, 5), priority(3, 3)
    (1.0, 0.2, 0.36)
    """
    return round(impact * (SCALE_MAX + 1 - effort) / (SCALE_MAX * SCALE_MAX), 4)


def quadrant(impact: float, effort: float) -> Quadrant:
    """The quadrant of a mean placement.

    >>> quadrant(4.5, 2), quadrant(2, 4)
    (<Quadrant.QUICK_WIN: 'quick_win'>, <Quadrant.THANKLESS: 'thankless'>)
    """
    mid = (SCALE_MIN + SCALE_MAX) / 2
    high_impact, high_effort = impact >= mid, effort > mid
    if high_impact:
        return Quadrant.MAJOR_PROJECT if high_effort else Quadrant.QUICK_WIN
    return Quadrant.THANKLESS if high_effort else Quadrant.FILL_IN


@dataclass(frozen=True, slots=True)
class Placement:
    participant: int
    idea: int
    impact: int
    effort: int


@dataclass(frozen=True, slots=True)
class GridScore:
    """The mean placement of an idea on the grid."""

    impact: float
    effort: float
    placements: int

    @property
    def priority(self) -> float:
        return priority(self.impact, self.effort)

    @property
    def quadrant(self) -> Quadrant:
        return quadrant(self.impact, self.effort)


def grid_scores(placements: Iterable[Placement]) -> dict[int, GridScore]:
    """Mean impact and effort per idea over everyone who placed it.

    >>> grid_scores([Placement(1, 7, 5, 1), Placement(2, 7, 3, 3)])
    {7: GridScore(impact=4.0, effort=2.0, placements=2)}
    """
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for p in placements:
        s = sums[p.idea]
        s[0] += p.impact
        s[1] += p.effort
        s[2] += 1
    return {idea: GridScore(i / n, e / n, n) for idea, (i, e, n) in sums.items()}


def rank_by_votes(ideas: Sequence[int], tallies: Mapping[int, Tally]) -> list[int]:
    """Ideas by dots, then distinct voters, then age (lower id first).

    >>> rank_by_votes([1, 2, 3], {2: Tally(3, 2), 3: Tally(3, 3)})
    [3, 2, 1]
    """
    zero = Tally(0, 0)
    return sorted(ideas, key=lambda i: (-tallies.get(i, zero).dots, -tallies.get(i, zero).voters, i))


def rank_by_grid(
    ideas: Sequence[int], scores: Mapping[int, GridScore], tallies: Mapping[int, Tally]
) -> list[int]:
    """Placed ideas by priority (impact × ease), ties by votes; unplaced ideas last.

    >>> rank_by_grid([1, 2, 3], {1: GridScore(3, 3, 1), 2: GridScore(5, 1, 2)}, {})
    [2, 1, 3]
    """
    zero = Tally(0, 0)

    def key(i: int) -> tuple[float, float, int, int]:
        s = scores.get(i)
        return (0 if s else 1, -(s.priority if s else 0.0), -tallies.get(i, zero).dots, i)

    return sorted(ideas, key=key)


def join_qr_svg(url: str, *, scale: int = 8) -> str:
    """An inline SVG QR code of the join link (segno, pure Python; no image files).

    >>> join_qr_svg("https://example.org/join?code=HJK234").startswith("<svg")
    True
    """
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, svgclass="qr", lineclass=None
    )
    return buffer.getvalue().decode("utf-8")
