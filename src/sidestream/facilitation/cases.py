"""The kinds of a case (a synergy being developed): stages, transitions and barriers.

Defined once here (STYLE §4) and imported by the store, services, API, CLI and web.
A case moves forward one stage at a time, may step back one stage when a partner
pulls out or a study fails, may be paused from any active stage and resumed where it
was, and may be stopped from anywhere; a stopped case can be reopened as an idea.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sidestream.domain.visibility import Viewer
from sidestream.errors import InvalidDataError
from sidestream.i18n import N_


class CaseStage(StrEnum):
    """Where a case stands, from first idea to a running exchange (or its end)."""

    IDEA = "idea"
    EXPLORED = "explored"
    FEASIBILITY = "feasibility"
    AGREEMENT = "agreement"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]

    @property
    def active(self) -> bool:
        """Whether work is going on (not paused, not stopped)."""
        return self not in (CaseStage.PAUSED, CaseStage.STOPPED)


STAGE_LABELS: dict[CaseStage, str] = {
    CaseStage.IDEA: N_("Idea"),
    CaseStage.EXPLORED: N_("Explored"),
    CaseStage.FEASIBILITY: N_("Feasibility"),
    CaseStage.AGREEMENT: N_("Agreement"),
    CaseStage.RUNNING: N_("Running"),
    CaseStage.PAUSED: N_("Paused"),
    CaseStage.STOPPED: N_("Stopped"),
}

# The ladder of active stages, in order (the kanban columns before paused/stopped).
PIPELINE: tuple[CaseStage, ...] = (
    CaseStage.IDEA,
    CaseStage.EXPLORED,
    CaseStage.FEASIBILITY,
    CaseStage.AGREEMENT,
    CaseStage.RUNNING,
)
BOARD_COLUMNS: tuple[CaseStage, ...] = (*PIPELINE, CaseStage.PAUSED, CaseStage.STOPPED)


def _allowed() -> dict[CaseStage, frozenset[CaseStage]]:
    allowed: dict[CaseStage, set[CaseStage]] = {stage: set() for stage in CaseStage}
    for i, stage in enumerate(PIPELINE):
        if i + 1 < len(PIPELINE):
            allowed[stage].add(PIPELINE[i + 1])
        if i > 0:
            allowed[stage].add(PIPELINE[i - 1])
        allowed[stage] |= {CaseStage.PAUSED, CaseStage.STOPPED}
    # A paused case resumes at any active stage (the service suggests the one it left);
    # a stopped one is reopened as an idea (it must be argued for again).
    allowed[CaseStage.PAUSED] = {*PIPELINE, CaseStage.STOPPED}
    allowed[CaseStage.STOPPED] = {CaseStage.IDEA}
    return {stage: frozenset(targets) for stage, targets in allowed.items()}


TRANSITIONS: dict[CaseStage, frozenset[CaseStage]] = _allowed()


def parse_stage(value: str | CaseStage) -> CaseStage:
    """A stage from its value, with an error that lists the choices.

    >>> parse_stage("feasibility")
    <CaseStage.FEASIBILITY: 'feasibility'>
    """
    try:
        return CaseStage(value)
    except ValueError:
        choices = ", ".join(s.value for s in CaseStage)
        raise InvalidDataError(
            N_("unknown case stage {value!r}: use one of {choices}"), value=value, choices=choices
        ) from None


def can_move(source: CaseStage, target: CaseStage) -> bool:
    """Whether a case may move from ``source`` to ``target``.

    >>> can_move(CaseStage.IDEA, CaseStage.EXPLORED), can_move(CaseStage.IDEA, CaseStage.RUNNING)
    (True, False)
    >>> can_move(CaseStage.STOPPED, CaseStage.IDEA), can_move(CaseStage.PAUSED, CaseStage.AGREEMENT)
    (True, True)
    """
    return target in TRANSITIONS[source]


def check_transition(source: CaseStage | str, target: CaseStage | str) -> CaseStage:
    """The target stage if the move is allowed; else :class:`InvalidDataError` naming
    the stages that are allowed from ``source``."""
    src, dst = parse_stage(source), parse_stage(target)
    if not can_move(src, dst):
        choices = ", ".join(s.value for s in BOARD_COLUMNS if s in TRANSITIONS[src])
        raise InvalidDataError(
            N_("a case cannot move from {src} to {dst}: from {src} go to {choices}"),
            src=src.value,
            dst=dst.value,
            choices=choices,
        )
    return dst


class Barrier(StrEnum):
    """What holds a case back — the fixed list of issue 7, from IS practice."""

    REGULATION = "regulation"
    EU_LAW_TIMING = "eu-law-timing"
    FUNDING = "funding"
    SKILLS = "skills"
    ENERGY = "energy"
    TRUST = "trust"
    PUBLIC_ACCEPTANCE = "public-acceptance"
    LOGISTICS = "logistics"
    TECHNOLOGY = "technology"
    ECONOMICS = "economics"

    @property
    def label(self) -> str:
        return BARRIER_LABELS[self]


BARRIER_LABELS: dict[Barrier, str] = {
    Barrier.REGULATION: N_("Regulation and permits"),
    Barrier.EU_LAW_TIMING: N_("EEA/EU law timing"),
    Barrier.FUNDING: N_("Funding"),
    Barrier.SKILLS: N_("Skills and capacity"),
    Barrier.ENERGY: N_("Energy availability"),
    Barrier.TRUST: N_("Trust and confidentiality"),
    Barrier.PUBLIC_ACCEPTANCE: N_("Public acceptance"),
    Barrier.LOGISTICS: N_("Logistics"),
    Barrier.TECHNOLOGY: N_("Technology"),
    Barrier.ECONOMICS: N_("Economics"),
}


def parse_barrier(value: str | Barrier) -> Barrier:
    """A barrier from its value, with an error that lists the choices.

    >>> parse_barrier("funding").label
    'Funding'
    """
    try:
        return Barrier(value)
    except ValueError:
        choices = ", ".join(b.value for b in Barrier)
        raise InvalidDataError(
            N_("unknown barrier {value!r}: use one of {choices}"), value=value, choices=choices
        ) from None


class PartnerRole(StrEnum):
    """What an organisation does in a case."""

    SUPPLIER = "supplier"
    RECEIVER = "receiver"
    MUNICIPALITY = "municipality"
    OPERATOR = "operator"
    INVESTOR = "investor"
    ADVISOR = "advisor"
    OTHER = "other"


class FigureKind(StrEnum):
    """Expected (planned) or realised (measured in a year of operation)."""

    EXPECTED = "expected"
    REALISED = "realised"


class CaseAccess(StrEnum):
    """Who in the region sees a case (its public page is a separate, explicit choice).

    ``network``: every member of the region; ``facilitator``: facilitators and admins;
    ``team``: only the case team. The case team — its owner, its creator and members
    of its partner organisations — always sees it.
    """

    NETWORK = "network"
    FACILITATOR = "facilitator"
    TEAM = "team"


def parse_access(value: str | CaseAccess) -> CaseAccess:
    try:
        return CaseAccess(value)
    except ValueError:
        choices = ", ".join(a.value for a in CaseAccess)
        raise InvalidDataError(
            N_("unknown case visibility {value!r}: use one of {choices}"), value=value, choices=choices
        ) from None


def in_team(
    viewer: Viewer, *, owner_user_id: int | None, created_by: int | None, partner_ids: Iterable[int]
) -> bool:
    """Whether the viewer belongs to the case team."""
    if viewer.user_id is not None and viewer.user_id in (owner_user_id, created_by):
        return True
    return any(p in viewer.organisation_ids for p in partner_ids)


def can_see_case(
    viewer: Viewer,
    access: CaseAccess | str,
    *,
    owner_user_id: int | None,
    created_by: int | None,
    partner_ids: Iterable[int],
) -> bool:
    """Whether ``viewer`` may read a case (not its flows: those follow their own levels).

    >>> from sidestream.domain.visibility import Role
    >>> member = Viewer(5, Role.MEMBER, frozenset({3}))
    >>> can_see_case(member, "network", owner_user_id=None, created_by=None, partner_ids=[])
    True
    >>> can_see_case(member, "facilitator", owner_user_id=None, created_by=None, partner_ids=[])
    False
    >>> can_see_case(member, "team", owner_user_id=None, created_by=None, partner_ids=[3])
    True
    """
    if viewer.role is None:
        return False
    if in_team(viewer, owner_user_id=owner_user_id, created_by=created_by, partner_ids=partner_ids):
        return True
    level = parse_access(access)
    if level is CaseAccess.NETWORK:
        return True
    if level is CaseAccess.FACILITATOR:
        return viewer.manages_region
    return False
