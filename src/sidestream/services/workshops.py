"""Workshops as use cases: create, join with a code, the live board, prioritising,
facilitating and the outcome.

**Who acts.** A facilitator (a user who manages the workshop's region) or a guest
(a participant who joined with the code; no account). A guest's token is random and
stored only as a hash; it opens this one workshop and nothing else: for every other
read path a guest is anonymous. On the board a guest reads flows as an anonymous
visitor would (public flows), plus the flows they entered themselves, plus — once the
facilitator has *verified* them — their organisation's flows. Matches are cut to that
view with the same filter as :mod:`sidestream.services.matching` (hidden sides become
anonymised stubs).

**State lives in the database**, so any number of server processes serve one board:
every write bumps ``workshops.board_version`` as its last statement, and boards poll
small fragments whose ETag includes that number.

**Votes** are concurrency-safe without a lock table: spending a dot is the
conditional ``UPDATE workshop_participants SET votes_used = votes_used + 1 WHERE id
= :p AND votes_used < vote_budget`` — the row lock serialises one participant's
clicks, different participants never wait for each other, and a check constraint
backs the budget. An idea's total is a ``SUM`` over its vote rows (no hot counter
row). Locks are always taken in the order idea → participant → workshop, in votes and
in merges alike, so they cannot deadlock.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, Select, Subquery, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sidestream.domain.categories import ActorType, Direction, Visibility
from sidestream.domain.geo import haversine_km
from sidestream.domain.visibility import Role, Viewer, can_see
from sidestream.errors import ConflictError, InvalidDataError, NotFoundError, PermissionDeniedError
from sidestream.facilitation import workshops as rules
from sidestream.facilitation.workshops import Action, Phase, Stake, VoteRules
from sidestream.i18n import N_, Message, normalise_lang
from sidestream.matching import MatchParams
from sidestream.services import audit
from sidestream.services import flows as flow_service
from sidestream.services.accounts import AuthenticationError, viewer_for
from sidestream.services.cases import classifier
from sidestream.services.confidentiality import flow_visible
from sidestream.services.matching import (
    FlowAccess,
    MatchCache,
    RegionRun,
    distance_bound_km,
    filter_document,
    match_ref,
    run_region,
)
from sidestream.services.pagination import Page, check_paging
from sidestream.store.models import (
    AgendaItem,
    Flow,
    Idea,
    IdeaComment,
    IdeaPlacement,
    IdeaVote,
    Organisation,
    Participant,
    Region,
    Site,
    User,
    Workshop,
    WorkshopFlow,
    WorkshopGroup,
)

GUEST_TOKEN_PREFIX = "wsg_"
MAX_COMMENT_CHARS = 2000
SUGGESTION_TOP_K = 5
# Flows a guest entered are "theirs" for reading; the filter knows owners by id, so
# they are given this owner id (no organisation has it) in the guest's own copy.
_OWN = -1

# --- inputs --------------------------------------------------------------------------


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AgendaEntry(_Input):
    starts_at: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM")
    title: str = Field(min_length=1, max_length=200)


class NewWorkshop(_Input):
    title: str = Field(min_length=1, max_length=200)
    held_on: date | None = None
    place: str = Field(default="", max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90, description="WGS84 latitude of the venue")
    lon: float | None = Field(default=None, ge=-180, le=180, description="WGS84 longitude of the venue")
    language: str = Field(default="nb", pattern="^(en|nb)$")
    groups: list[str] = Field(default_factory=list, max_length=50)
    agenda: list[AgendaEntry] = Field(default_factory=list, max_length=50)
    vote_budget: int = Field(default=5, ge=1, le=100)
    max_votes_per_idea: int = Field(default=1, ge=1, le=100)


class WorkshopFlowInput(_Input):
    """A side stream or need entered on the board; a new site needs name and coordinates."""

    direction: Direction
    resource: str = Field(min_length=1, max_length=500)
    quantity: float | None = Field(default=None, ge=0)
    unit: str | None = Field(default=None, max_length=30)
    temperature_c: float | None = Field(default=None, ge=-273.15, le=2000)
    months: str | None = None
    visibility: Visibility = Visibility.FACILITATOR
    site_id: int | None = None
    site_name: str | None = Field(default=None, max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    organisation_id: int | None = Field(
        default=None, description="facilitators only; guests add to their own"
    )
    notes: str = Field(default="", max_length=2000)


class NewIdea(_Input):
    title: str = Field(default="", max_length=300)
    description: str = Field(default="", max_length=5000)
    supply_flow_id: int | None = None
    demand_flow_id: int | None = None
    match_ref: str | None = Field(default=None, max_length=64)


class IdeaChanges(_Input):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    chosen: bool | None = None
    next_steps: str | None = Field(default=None, max_length=5000)
    owner: str | None = Field(default=None, max_length=200)


# --- who acts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who acts on a workshop: a guest (``participant``) or a facilitator (``user``)."""

    workshop: Workshop
    region: Region
    viewer: Viewer
    participant: Participant | None = None
    user: User | None = None
    own_flow_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_facilitator(self) -> bool:
        return self.participant is None and self.viewer.manages_region

    @property
    def name(self) -> str:
        if self.participant is not None:
            return f"{self.participant.name} ({self.participant.organisation_name})"
        assert self.user is not None
        return self.user.name or self.user.email

    def sees(self, visibility: str, organisation_id: int, flow_id: int) -> bool:
        return flow_id in self.own_flow_ids or can_see(self.viewer, visibility, organisation_id)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def guest_viewer(participant: Participant) -> Viewer:
    """What a guest may read: public flows, and their organisation's once verified."""
    orgs = (
        frozenset({participant.organisation_id})
        if participant.verified and participant.organisation_id is not None
        else frozenset()
    )
    return Viewer(user_id=None, role=None, organisation_ids=orgs)


def guest_for_token(session: Session, token: str | None) -> Participant | None:
    if not token or not token.startswith(GUEST_TOKEN_PREFIX):
        return None
    return session.scalar(select(Participant).where(Participant.token_hash == token_hash(token)))


def guest_csrf(secret: str, token: str) -> str:
    """The CSRF token bound to a guest token (for cookie-authenticated writes)."""
    key = hashlib.sha256(secret.encode()).digest()
    return hmac.new(key, b"guest-csrf:" + token.encode(), hashlib.sha256).hexdigest()


def _missing(workshop_id: int) -> NotFoundError:
    return NotFoundError(f"no workshop {workshop_id}, or not one you may see: join it with its code")


def get_workshop(session: Session, workshop_id: int) -> Workshop:
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise _missing(workshop_id)
    return workshop


def actor_for(
    session: Session, workshop_id: int, *, participant: Participant | None, user: User | None
) -> Actor:
    """The actor on workshop ``workshop_id``: its guest, or a facilitator of its region.

    Anyone else gets the same not-found as for a workshop that does not exist (an
    anonymous caller is asked to log in or join)."""
    workshop = session.get(Workshop, workshop_id)
    if workshop is not None:
        region = session.get(Region, workshop.region_id)
        assert region is not None
        if participant is not None and participant.workshop_id == workshop.id:
            own = frozenset(
                session.scalars(
                    select(WorkshopFlow.flow_id).where(
                        WorkshopFlow.participant_id == participant.id, WorkshopFlow.action == "added"
                    )
                )
            )
            return Actor(
                workshop, region, guest_viewer(participant), participant=participant, own_flow_ids=own
            )
        if user is not None:
            viewer = viewer_for(session, user, region)
            if viewer.manages_region:
                return Actor(workshop, region, viewer, user=user)
    if participant is None and user is None:
        raise AuthenticationError(N_("join the workshop with its code, or log in as a facilitator"))
    raise _missing(workshop_id)


def _require(actor: Actor, action: Action) -> None:
    rules.require(Phase(actor.workshop.phase), action, locked=actor.workshop.locked)


def _require_facilitator(actor: Actor, what: str) -> None:
    if not actor.is_facilitator:
        raise PermissionDeniedError(N_("only the workshop's facilitators may {what}"), what=Message(what))


def _touch(session: Session, workshop: Workshop) -> None:
    """Bump the board version; the last statement of every write transaction."""
    session.execute(
        update(Workshop)
        .where(Workshop.id == workshop.id)
        .values(board_version=Workshop.board_version + 1)
        .execution_options(synchronize_session=False)
    )


def _commit(session: Session, workshop: Workshop) -> None:
    _touch(session, workshop)
    session.commit()
    session.refresh(workshop)


# --- creating and joining ------------------------------------------------------------


def create_workshop(
    session: Session, region: Region, viewer: Viewer, data: NewWorkshop, *, user_id: int | None = None
) -> Workshop:
    """A workshop with its groups, agenda and a fresh join code. Facilitators only."""
    if not viewer.manages_region:
        raise PermissionDeniedError(N_("only the region's facilitators and admins may create workshops"))
    rules.VoteRules(data.vote_budget, data.max_votes_per_idea)  # checks the pair
    names = [g for g in (n.strip() for n in data.groups) if g]
    if len(set(names)) != len(names):
        raise InvalidDataError(N_("two groups have the same name: give each table its own"))

    def taken(code: str) -> bool:
        return session.scalar(select(Workshop.id).where(Workshop.join_code == code)) is not None

    workshop = Workshop(
        region_id=region.id, title=data.title, held_on=data.held_on, place=data.place, lat=data.lat,
        lon=data.lon, language=data.language, join_code=rules.unique_join_code(taken),
        phase=Phase.FLOWS.value, vote_budget=data.vote_budget, max_votes_per_idea=data.max_votes_per_idea,
        created_by=user_id if user_id is not None else viewer.user_id,
    )  # fmt: skip
    session.add(workshop)
    session.flush()
    for i, name in enumerate(names or ["1"]):
        session.add(WorkshopGroup(workshop_id=workshop.id, name=name, position=i))
    for i, item in enumerate(data.agenda):
        session.add(
            AgendaItem(workshop_id=workshop.id, position=i, starts_at=item.starts_at, title=item.title)
        )
    audit.record(
        session, action="create", entity="workshop", entity_id=workshop.id, region_id=region.id,
        user_id=viewer.user_id, after=audit.snapshot(workshop),
    )  # fmt: skip
    try:
        session.commit()
    except IntegrityError:  # the unique index caught a code taken meanwhile
        session.rollback()
        raise ConflictError(N_("the join code was taken meanwhile: try again")) from None
    return workshop


def list_workshops(session: Session, region: Region, viewer: Viewer) -> list[Workshop]:
    """The region's workshops, newest first (any member of the region may list them)."""
    if viewer.role is None:
        if viewer.anonymous:
            raise AuthenticationError(N_("log in to see the region's workshops"))
        raise PermissionDeniedError(N_("only members of the region may see its workshops"))
    rows = session.scalars(
        select(Workshop).where(Workshop.region_id == region.id).order_by(Workshop.id.desc())
    ).all()
    return list(rows)


def groups(session: Session, workshop: Workshop) -> list[WorkshopGroup]:
    return list(
        session.scalars(
            select(WorkshopGroup)
            .where(WorkshopGroup.workshop_id == workshop.id)
            .order_by(WorkshopGroup.position, WorkshopGroup.id)
        )
    )


def agenda(session: Session, workshop: Workshop) -> list[AgendaItem]:
    return list(
        session.scalars(
            select(AgendaItem).where(AgendaItem.workshop_id == workshop.id).order_by(AgendaItem.position)
        )
    )


def participants(session: Session, workshop: Workshop) -> list[Participant]:
    return list(
        session.scalars(
            select(Participant).where(Participant.workshop_id == workshop.id).order_by(Participant.id)
        )
    )


@dataclass(frozen=True)
class Joined:
    participant: Participant
    token: str  # shown once: the guest's credential


def join(session: Session, code: str, name: str, organisation: str, *, actor_type: str = "company") -> Joined:
    """Join the workshop with ``code`` as a guest. The organisation is found in the
    region by name (case-insensitive) or created; a guest who created it is its only
    representative so far and counts as verified, one who names an existing
    organisation is not until the facilitator says so."""
    clean_name, clean_org = name.strip(), organisation.strip()
    if not clean_name or len(clean_name) > 200:
        raise InvalidDataError(N_("give your name (1 to 200 characters)"))
    if not clean_org or len(clean_org) > 200:
        raise InvalidDataError(N_("give your organisation (1 to 200 characters)"))
    try:
        kind = ActorType(actor_type)
    except ValueError:
        choices = ", ".join(a.value for a in ActorType)
        raise InvalidDataError(
            N_("unknown kind of organisation {actor_type!r}: use one of {choices}"),
            actor_type=actor_type,
            choices=choices,
        ) from None
    workshop = session.scalar(select(Workshop).where(Workshop.join_code == rules.check_join_code(code)))
    if workshop is None:
        raise NotFoundError(N_("no workshop has this code: check the code on the screen"))
    if workshop.phase == Phase.CLOSED.value:
        raise ConflictError(N_("this workshop is closed: ask the facilitator for the outcome report"))
    org = session.scalar(
        select(Organisation).where(
            Organisation.region_id == workshop.region_id, func.lower(Organisation.name) == clean_org.lower()
        )
    )
    verified = False
    if org is None:
        org = Organisation(region_id=workshop.region_id, name=clean_org, actor_type=kind.value)
        session.add(org)
        session.flush()
        audit.record(
            session, action="create", entity="organisation", entity_id=org.id, region_id=workshop.region_id,
            user_id=None, after=audit.snapshot(org),
        )  # fmt: skip
        verified = True
    token = GUEST_TOKEN_PREFIX + secrets.token_urlsafe(24)
    participant = Participant(
        workshop_id=workshop.id, group_id=_smallest_group(session, workshop), name=clean_name,
        organisation_name=org.name, organisation_id=org.id, verified=verified, token_hash=token_hash(token),
        vote_budget=workshop.vote_budget, votes_used=0,
    )  # fmt: skip
    session.add(participant)
    session.flush()
    _commit(session, workshop)
    return Joined(participant, token)


def _smallest_group(session: Session, workshop: Workshop) -> int | None:
    counts = dict(
        session.execute(
            select(Participant.group_id, func.count())
            .where(Participant.workshop_id == workshop.id)
            .group_by(Participant.group_id)
        ).all()
    )
    options = groups(session, workshop)
    if not options:
        return None
    return min(options, key=lambda g: (counts.get(g.id, 0), g.position, g.id)).id


# --- facilitating --------------------------------------------------------------------


def set_phase(session: Session, actor: Actor, phase: Phase | str, *, locked: bool | None = None) -> Workshop:
    """Move to ``phase`` (forward locks the earlier work, back reopens it); closing
    stamps ``closed_at``. ``locked`` freezes the board without changing the phase."""
    _require_facilitator(actor, N_("change the phase"))
    workshop = actor.workshop
    new = rules.parse_phase(phase)
    before = {"phase": workshop.phase, "locked": workshop.locked}
    workshop.phase = new.value
    if locked is not None:
        workshop.locked = locked
    workshop.closed_at = datetime.now(UTC) if new is Phase.CLOSED else None
    audit.record(
        session, action="update", entity="workshop", entity_id=workshop.id, region_id=workshop.region_id,
        user_id=actor.viewer.user_id, before=before,
        after={"phase": workshop.phase, "locked": workshop.locked},
    )  # fmt: skip
    _commit(session, workshop)
    return workshop


def add_group(session: Session, actor: Actor, name: str) -> WorkshopGroup:
    _require_facilitator(actor, N_("add groups"))
    clean = name.strip()
    if not clean or len(clean) > 100:
        raise InvalidDataError(N_("a group needs a name of 1 to 100 characters"))
    existing = groups(session, actor.workshop)
    if any(g.name == clean for g in existing):
        raise ConflictError(N_("there is already a group named {clean!r}"), clean=clean)
    group = WorkshopGroup(workshop_id=actor.workshop.id, name=clean, position=len(existing))
    session.add(group)
    session.flush()
    _commit(session, actor.workshop)
    return group


def _participant(session: Session, actor: Actor, participant_id: int) -> Participant:
    p = session.get(Participant, participant_id)
    if p is None or p.workshop_id != actor.workshop.id:
        raise NotFoundError(
            N_("no participant {participant_id} in this workshop"), participant_id=participant_id
        )
    return p


def update_participant(
    session: Session,
    actor: Actor,
    participant_id: int,
    *,
    group_id: int | None = None,
    verified: bool | None = None,
) -> Participant:
    """Move a participant to another group, or verify who they are (facilitators)."""
    _require_facilitator(actor, N_("move or verify participants"))
    p = _participant(session, actor, participant_id)
    if group_id is not None:
        group = session.get(WorkshopGroup, group_id)
        if group is None or group.workshop_id != actor.workshop.id:
            raise NotFoundError(N_("no group {group_id} in this workshop"), group_id=group_id)
        p.group_id = group.id
    if verified is not None:
        p.verified = verified
    _commit(session, actor.workshop)
    return p


# --- flows on the board --------------------------------------------------------------


def _writer(actor: Actor, organisation_id: int) -> Viewer:
    """The viewer that writes a guest's flow: a member of their own organisation only."""
    if actor.participant is None:
        return actor.viewer
    return Viewer(user_id=None, role=Role.MEMBER, organisation_ids=frozenset({organisation_id}))


def add_flow(session: Session, actor: Actor, data: WorkshopFlowInput) -> Flow:
    """A new flow in the region, at the visibility its owner chose, through the flow
    registry's own service (validation, units, audit)."""
    _require(actor, Action.ADD_FLOW)
    if actor.participant is not None:
        org_id = actor.participant.organisation_id
        if org_id is None:
            raise ConflictError(N_("your organisation was removed from the region: ask the facilitator"))
    else:
        if data.organisation_id is None:
            raise InvalidDataError(N_("give organisation_id: which organisation the flow belongs to"))
        org_id = data.organisation_id
    writer = _writer(actor, org_id)
    workshop = actor.workshop
    if data.site_id is not None:
        site = session.get(Site, data.site_id)
        if site is None or site.organisation_id != org_id:
            raise NotFoundError(N_("your organisation has no site {site_id}"), site_id=data.site_id)
        site_id = site.id
    else:
        lat = data.lat if data.lat is not None else workshop.lat
        lon = data.lon if data.lon is not None else workshop.lon
        if lat is None or lon is None:
            raise InvalidDataError(
                N_("give the site's latitude and longitude (WGS84 degrees), e.g. 66.31, 14.14")
            )
        site_name = data.site_name or (actor.participant.organisation_name if actor.participant else "site")
        found = session.scalar(select(Site).where(Site.organisation_id == org_id, Site.name == site_name))
        if found is None:
            new_site = flow_service.NewSite(organisation_id=org_id, name=site_name, lat=lat, lon=lon)
            found = flow_service.create_site(session, actor.region, writer, new_site)
        site_id = found.id
    source = f"workshop {workshop.id}: {workshop.title} ({actor.name})"
    # People at a table type "varme 30 °C til settefisk", not a category: the
    # classifier names it, so the flow shows up on the map and in matching by kind.
    found_class = classifier().classify(data.resource, direction=data.direction.value)
    flow = flow_service.create_flow(
        session, actor.region, writer,
        flow_service.NewFlow(
            organisation_id=org_id, site_id=site_id, direction=data.direction, resource=data.resource,
            category=found_class.category, quantity=data.quantity,
            unit=data.unit, temperature_c=data.temperature_c, months=data.months,
            visibility=data.visibility, notes=data.notes, source=source[:500],
        ),
    )  # fmt: skip
    session.add(
        WorkshopFlow(
            workshop_id=workshop.id,
            participant_id=actor.participant.id if actor.participant else None,
            flow_id=flow.id,
            action="added",
        )
    )
    _commit(session, workshop)
    return flow


def confirm_flow(session: Session, actor: Actor, flow_id: int) -> WorkshopFlow:
    """A guest confirms that a registry flow of their organisation is still right."""
    _require(actor, Action.ADD_FLOW)
    flow = session.get(Flow, flow_id)
    if (
        flow is None
        or flow.region_id != actor.region.id
        or not actor.sees(flow.visibility, flow.organisation_id, flow.id)
    ):
        raise NotFoundError(N_("no flow {flow_id} you may see"), flow_id=flow_id)
    if actor.participant is not None and flow.organisation_id != actor.participant.organisation_id:
        raise PermissionDeniedError(N_("you may confirm your own organisation's flows only"))
    existing = session.scalar(
        select(WorkshopFlow).where(
            WorkshopFlow.workshop_id == actor.workshop.id, WorkshopFlow.flow_id == flow.id
        )
    )
    if existing is not None:
        return existing
    row = WorkshopFlow(
        workshop_id=actor.workshop.id,
        participant_id=actor.participant.id if actor.participant else None,
        flow_id=flow.id,
        action="confirmed",
    )
    session.add(row)
    session.flush()
    _commit(session, actor.workshop)
    return row


def _visible_clause(actor: Actor) -> ColumnElement[bool]:
    clause = flow_visible(actor.viewer)
    if actor.own_flow_ids:
        clause = or_(clause, Flow.id.in_(sorted(actor.own_flow_ids)))
    return clause


@dataclass(frozen=True)
class FlowRow:
    id: int
    key: str
    direction: str
    resource: str
    category: str | None
    quantity: float | None
    unit: str | None
    visibility: str
    organisation: str
    organisation_id: int
    site: str
    lat: float
    lon: float
    status: str | None  # added | confirmed | None (in the registry, not yet confirmed)


def my_flows(session: Session, actor: Actor) -> list[FlowRow]:
    """A guest's organisation's flows they may see, and the flows they entered; for a
    facilitator, the flows added or confirmed in this workshop."""
    marks = dict(
        session.execute(
            select(WorkshopFlow.flow_id, WorkshopFlow.action).where(
                WorkshopFlow.workshop_id == actor.workshop.id
            )
        ).all()
    )
    statement = _flow_rows().where(Flow.region_id == actor.region.id, _visible_clause(actor))
    if actor.participant is not None:
        mine: list[ColumnElement[bool]] = (
            [Flow.id.in_(sorted(actor.own_flow_ids))] if actor.own_flow_ids else []
        )
        if actor.participant.organisation_id is not None:
            mine.append(Flow.organisation_id == actor.participant.organisation_id)
        if not mine:
            return []
        statement = statement.where(or_(*mine))
    else:
        if not marks:
            return []
        statement = statement.where(Flow.id.in_(sorted(marks)))
    return [_flow_row(r, marks.get(r[0])) for r in session.execute(statement.order_by(Flow.id))]


def _flow_rows() -> Select[*tuple[Any, ...]]:
    statement: Select[*tuple[Any, ...]] = (
        select(
            Flow.id, Flow.key, Flow.direction, Flow.resource, Flow.category, Flow.quantity, Flow.unit,
            Flow.visibility, Organisation.name, Flow.organisation_id, Site.name, Site.lat, Site.lon,
        )
        .join(Organisation, Organisation.id == Flow.organisation_id)
        .join(Site, Site.id == Flow.site_id)
    )  # fmt: skip
    return statement


def _flow_row(r: Any, status: str | None) -> FlowRow:
    return FlowRow(
        id=r[0], key=r[1], direction=r[2], resource=r[3], category=r[4], quantity=r[5], unit=r[6],
        visibility=r[7], organisation=r[8], organisation_id=r[9], site=r[10], lat=r[11], lon=r[12],
        status=status,
    )  # fmt: skip


def workshop_flows(session: Session, actor: Actor) -> list[FlowRow]:
    """The flows of every organisation taking part, as the actor may see them (map)."""
    orgs = workshop_organisation_ids(session, actor.workshop)
    if not orgs and not actor.own_flow_ids:
        return []
    marks = dict(
        session.execute(
            select(WorkshopFlow.flow_id, WorkshopFlow.action).where(
                WorkshopFlow.workshop_id == actor.workshop.id
            )
        ).all()
    )
    statement = _flow_rows().where(
        Flow.region_id == actor.region.id,
        _visible_clause(actor),
        or_(Flow.organisation_id.in_(sorted(orgs)), Flow.id.in_(sorted(actor.own_flow_ids))),
    )
    return [_flow_row(r, marks.get(r[0])) for r in session.execute(statement.order_by(Flow.id))]


def workshop_organisation_ids(session: Session, workshop: Workshop) -> set[int]:
    return {
        int(o or 0)
        for o in session.scalars(
            select(Participant.organisation_id).where(
                Participant.workshop_id == workshop.id, Participant.organisation_id.is_not(None)
            )
        )
    }


# --- matches as the actor may see them -----------------------------------------------


def _actor_run(run: RegionRun, actor: Actor) -> tuple[RegionRun, Viewer]:
    """The run with the guest's own flows marked as theirs, and the viewer to filter by."""
    if not actor.own_flow_ids:
        return run, actor.viewer
    flows = {
        key: FlowAccess(f.pk, f.key, f.direction, f.visibility, _OWN) if f.pk in actor.own_flow_ids else f
        for key, f in run.flows.items()
    }
    viewer = Viewer(actor.viewer.user_id, actor.viewer.role, actor.viewer.organisation_ids | {_OWN})
    return RegionRun(run.document, flows), viewer


def visible_matches(
    session: Session, actor: Actor, *, secret: str, lang: str = "en", cache: MatchCache | None = None
) -> list[dict[str, Any]]:
    """Every match of the region, cut to what the actor may see (anonymised sides)."""
    run = run_region(session, actor.region, MatchParams(top_k=SUGGESTION_TOP_K), normalise_lang(lang), cache)
    run, viewer = _actor_run(run, actor)
    records: list[dict[str, Any]] = filter_document(run, viewer, secret, actor.region.id, lang)["matches"]
    return records


def suggestions(
    session: Session,
    actor: Actor,
    *,
    secret: str,
    lang: str = "en",
    cache: MatchCache | None = None,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """Personal match suggestions: the best matches of the actor's own flows
    (their organisation's flows they may see and what they entered)."""
    mine = {f.id for f in my_flows(session, actor)} if actor.participant is not None else set()
    if not mine:
        return []
    out = [
        r
        for r in visible_matches(session, actor, secret=secret, lang=lang, cache=cache)
        if r["supply"].get("flow_id") in mine or r["demand"].get("flow_id") in mine
    ]
    out.sort(key=lambda r: -float(r["score"]))
    return out[:limit]


def match_lines(
    session: Session, actor: Actor, *, secret: str, lang: str = "en", cache: MatchCache | None = None
) -> list[dict[str, Any]]:
    """Matches with both sides visible and at least one among the workshop's flows."""
    shown = {f.id for f in workshop_flows(session, actor)}
    return [
        r
        for r in visible_matches(session, actor, secret=secret, lang=lang, cache=cache)
        if not r.get("anonymised")
        and (r["supply"].get("flow_id") in shown or r["demand"].get("flow_id") in shown)
    ]


# --- ideas ---------------------------------------------------------------------------


def _author(actor: Actor) -> dict[str, Any]:
    return {
        "participant_id": actor.participant.id if actor.participant else None,
        "user_id": actor.user.id if actor.user else None,
        "author_name": actor.name[:200],
    }


def propose(session: Session, actor: Actor, data: NewIdea, *, secret: str) -> Idea:
    """A new idea, free text or from a match. A match side the actor cannot see is
    accepted only with the match's ``match_ref`` (proof it came from a match they
    were shown), exactly like saving a synergy."""
    _require(actor, Action.PROPOSE)
    supply_id, demand_id = data.supply_flow_id, data.demand_flow_id
    if (supply_id is None) != (demand_id is None):
        raise InvalidDataError(N_("an idea from a match needs both supply_flow_id and demand_flow_id"))
    title = data.title
    if supply_id is not None and demand_id is not None:
        supply, demand = session.get(Flow, supply_id), session.get(Flow, demand_id)
        pair_ok = (
            supply is not None
            and demand is not None
            and supply.region_id == demand.region_id == actor.region.id
            and supply.direction == Direction.SUPPLY.value
            and demand.direction == Direction.DEMAND.value
        )
        if not pair_ok:
            raise NotFoundError(N_("no such supply and demand pair in this region"))
        assert supply is not None
        assert demand is not None
        see_s = actor.sees(supply.visibility, supply.organisation_id, supply.id)
        see_d = actor.sees(demand.visibility, demand.organisation_id, demand.id)
        proven = data.match_ref is not None and hmac.compare_digest(
            data.match_ref, match_ref(secret, actor.region.id, supply.id, demand.id)
        )
        if not (see_s or see_d) or (not (see_s and see_d) and not proven):
            raise NotFoundError(N_("no such supply and demand pair in this region"))
        if not title:  # the pages prefill one; kinds of resource only, never a hidden detail
            title = (
                f"{supply.category or Direction.SUPPLY.value} → {demand.category or Direction.DEMAND.value}"
            )
    if not title:
        raise InvalidDataError(N_("give the idea a title"))
    idea = Idea(
        workshop_id=actor.workshop.id,
        group_id=actor.participant.group_id if actor.participant else None,
        title=title[:300],
        description=data.description,
        supply_flow_id=supply_id,
        demand_flow_id=demand_id,
        **_author(actor),
    )
    session.add(idea)
    session.flush()
    _commit(session, actor.workshop)
    return idea


def _idea(session: Session, actor: Actor, idea_id: int, *, for_update: bool = False) -> Idea:
    statement = select(Idea).where(Idea.id == idea_id, Idea.workshop_id == actor.workshop.id)
    if for_update:
        # FOR SHARE on PostgreSQL: voters do not wait for each other, a merge (which
        # updates the idea) waits for them and they for it. SQLite ignores it.
        statement = statement.with_for_update(read=True)
    idea = session.scalar(statement.execution_options(populate_existing=True))
    if idea is None:
        raise NotFoundError(N_("no idea {idea_id} in this workshop"), idea_id=idea_id)
    if idea.merged_into_id is not None:
        raise ConflictError(
            N_("idea {idea_id} was merged into idea {merged_into_id}: use that one"),
            idea_id=idea_id,
            merged_into_id=idea.merged_into_id,
        )
    return idea


def comment(session: Session, actor: Actor, idea_id: int, text: str) -> IdeaComment:
    _require(actor, Action.COMMENT)
    body = text.strip()
    if not body or len(body) > MAX_COMMENT_CHARS:
        raise InvalidDataError(
            N_("a comment needs 1 to {max_comment_chars} characters"), max_comment_chars=MAX_COMMENT_CHARS
        )
    idea = _idea(session, actor, idea_id)
    row = IdeaComment(idea_id=idea.id, text=body, **_author(actor))
    session.add(row)
    session.flush()
    _commit(session, actor.workshop)
    return row


def update_idea(session: Session, actor: Actor, idea_id: int, changes: IdeaChanges) -> Idea:
    """Title and text (its author or a facilitator); chosen, next steps and owner
    (facilitators)."""
    idea = _idea(session, actor, idea_id)
    values = changes.model_dump(exclude_unset=True)
    if {"chosen", "next_steps", "owner"} & set(values):
        _require_facilitator(actor, N_("choose ideas and set next steps and owners"))
    is_author = actor.participant is not None and idea.participant_id == actor.participant.id
    if not (actor.is_facilitator or is_author):
        raise PermissionDeniedError(N_("only the idea's author and the facilitators may change it"))
    for name, value in values.items():
        if value is not None:
            setattr(idea, name, value)
    _commit(session, actor.workshop)
    return idea


# --- votes and placements ------------------------------------------------------------


def _voter(actor: Actor) -> Participant:
    if actor.participant is None:
        raise PermissionDeniedError(N_("facilitators do not vote: participants do"))
    return actor.participant


def vote(session: Session, actor: Actor, idea_id: int, delta: int = 1) -> int:
    """Give (``+1``) or take back (``-1``) one dot; returns the dots left.

    Concurrency-safe (see the module docstring): the budget check and the spend are
    one conditional UPDATE, so simultaneous clicks can neither lose a dot nor spend
    more than the budget."""
    if delta not in (1, -1):
        raise InvalidDataError(N_("a vote gives or takes back one dot: delta is 1 or -1"))
    _require(actor, Action.VOTE)
    voter = _voter(actor)
    workshop = actor.workshop
    try:
        idea = _idea(session, actor, idea_id, for_update=True)
        if delta == 1:
            used = session.scalar(
                update(Participant)
                .where(Participant.id == voter.id, Participant.votes_used < Participant.vote_budget)
                .values(votes_used=Participant.votes_used + 1)
                .returning(Participant.votes_used)
                .execution_options(synchronize_session=False)
            )
            if used is None:
                raise ConflictError(
                    N_("you have used all your {vote_budget} votes: take one back first"),
                    vote_budget=voter.vote_budget,
                )
            # The participant's row is locked now: their stake cannot change under us.
            dots = session.scalar(
                select(IdeaVote.dots).where(IdeaVote.idea_id == idea.id, IdeaVote.participant_id == voter.id)
            )
            if dots is not None and dots >= workshop.max_votes_per_idea:
                raise ConflictError(
                    N_("at most {max_votes_per_idea} votes per idea"),
                    max_votes_per_idea=workshop.max_votes_per_idea,
                )
            if dots is None:
                session.add(IdeaVote(idea_id=idea.id, participant_id=voter.id, dots=1))
                session.flush()
            else:
                session.execute(
                    update(IdeaVote)
                    .where(IdeaVote.idea_id == idea.id, IdeaVote.participant_id == voter.id)
                    .values(dots=IdeaVote.dots + 1)
                    .execution_options(synchronize_session=False)
                )
        else:
            taken = session.execute(
                update(IdeaVote)
                .where(IdeaVote.idea_id == idea.id, IdeaVote.participant_id == voter.id, IdeaVote.dots > 0)
                .values(dots=IdeaVote.dots - 1)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount == 0:  # type: ignore[attr-defined]
                raise ConflictError(N_("you have no vote on this idea to take back"))
            used = session.scalar(
                update(Participant)
                .where(Participant.id == voter.id, Participant.votes_used > 0)
                .values(votes_used=Participant.votes_used - 1)
                .returning(Participant.votes_used)
                .execution_options(synchronize_session=False)
            )
        _touch(session, workshop)
        session.commit()
    except Exception:
        session.rollback()
        raise
    # No query after the commit: the connection goes back to the pool at once (sixty
    # voters at a time must not wait for connections that idle until the request ends).
    return voter.vote_budget - int(used or 0)


def place(session: Session, actor: Actor, idea_id: int, impact: int, effort: int) -> IdeaPlacement:
    """Put an idea on the impact × effort grid (again: move it)."""
    _require(actor, Action.PLACE)
    voter = _voter(actor)
    rules.check_scale(impact, "impact")
    rules.check_scale(effort, "effort")
    idea = _idea(session, actor, idea_id)
    for _ in range(2):  # a double click may race its twin to the insert
        row = session.scalar(
            select(IdeaPlacement).where(
                IdeaPlacement.idea_id == idea.id, IdeaPlacement.participant_id == voter.id
            )
        )
        if row is None:
            row = IdeaPlacement(idea_id=idea.id, participant_id=voter.id, impact=impact, effort=effort)
            session.add(row)
        else:
            row.impact, row.effort = impact, effort
        try:
            session.flush()
            _commit(session, actor.workshop)
            return row
        except IntegrityError:
            session.rollback()
    raise ConflictError(N_("the placement changed meanwhile: try again"))


# --- merging -------------------------------------------------------------------------


def merge(session: Session, actor: Actor, keep_id: int, duplicate_ids: Sequence[int]) -> Idea:
    """Merge duplicates into ``keep_id``: votes by the rule of
    :func:`sidestream.facilitation.workshops.merge_votes` (refunds above the per-idea
    cap), comments moved, a participant's placement kept from ``keep`` or else taken
    from a duplicate. Duplicates stay as rows pointing at ``keep``."""
    _require_facilitator(actor, N_("merge ideas"))
    dups = sorted(set(duplicate_ids) - {keep_id})
    if not dups:
        raise InvalidDataError(N_("choose at least one other idea to merge into this one"))
    workshop = actor.workshop
    try:
        ids = [keep_id, *dups]
        rows = session.scalars(
            select(Idea)
            .where(Idea.id.in_(ids), Idea.workshop_id == workshop.id)
            .order_by(Idea.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        found = {r.id: r for r in rows}
        for i in ids:
            if i not in found:
                raise NotFoundError(N_("no idea {idea_id} in this workshop"), idea_id=i)
            if found[i].merged_into_id is not None:
                raise ConflictError(
                    N_("idea {idea_id} is already merged into idea {merged_into_id}"),
                    idea_id=i,
                    merged_into_id=found[i].merged_into_id,
                )
        keep = found[keep_id]
        stakes = [
            Stake(p, i, d)
            for p, i, d in session.execute(
                select(IdeaVote.participant_id, IdeaVote.idea_id, IdeaVote.dots).where(
                    IdeaVote.idea_id.in_(ids)
                )
            )
        ]
        outcome = rules.merge_votes(
            stakes, keep_id, dups, VoteRules(workshop.vote_budget, workshop.max_votes_per_idea)
        )
        session.execute(delete(IdeaVote).where(IdeaVote.idea_id.in_(ids)))
        for s in outcome.stakes:
            session.add(IdeaVote(idea_id=s.idea, participant_id=s.participant, dots=s.dots))
        for participant_id, refund in sorted(outcome.refunds.items()):
            session.execute(
                update(Participant)
                .where(Participant.id == participant_id)
                .values(votes_used=Participant.votes_used - refund)
                .execution_options(synchronize_session=False)
            )
        session.execute(
            update(IdeaComment).where(IdeaComment.idea_id.in_(dups)).values(idea_id=keep_id)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        placed = set(
            session.scalars(select(IdeaPlacement.participant_id).where(IdeaPlacement.idea_id == keep_id))
        )
        for placement in session.scalars(
            select(IdeaPlacement).where(IdeaPlacement.idea_id.in_(dups)).order_by(IdeaPlacement.id)
        ).all():
            if placement.participant_id in placed:
                session.delete(placement)
            else:
                placement.idea_id = keep_id
                placed.add(placement.participant_id)
        session.execute(
            update(Idea).where(Idea.merged_into_id.in_(dups)).values(merged_into_id=keep_id)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        for i in dups:
            found[i].merged_into_id = keep_id
            if found[i].chosen:
                keep.chosen = True
        audit.record(
            session, action="merge", entity="workshop_idea", entity_id=keep_id, region_id=workshop.region_id,
            user_id=actor.viewer.user_id, after={"kept": keep_id, "merged": dups, "refunds": outcome.refunds},
        )  # fmt: skip
        session.flush()
        _touch(session, workshop)
        session.commit()
    except Exception:
        session.rollback()
        raise
    session.refresh(workshop)
    return keep


# --- reading the board ---------------------------------------------------------------

IDEA_SORTS = ("votes", "new", "priority")


@dataclass(frozen=True)
class IdeaSide:
    visible: bool
    direction: str
    category: str | None
    resource: str | None = None
    organisation: str | None = None
    within_km: int | None = None


@dataclass(frozen=True)
class IdeaView:
    """An idea as one actor may see it (the data for JSON, HTML and the report)."""

    id: int
    title: str
    description: str
    author: str
    group_id: int | None
    created_at: datetime
    votes: int
    voters: int
    comments: int
    my_votes: int
    impact: float | None
    effort: float | None
    placements: int
    priority: float | None
    quadrant: str | None
    my_impact: int | None
    my_effort: int | None
    chosen: bool
    next_steps: str
    owner: str
    case_id: int | None
    supply: IdeaSide | None
    demand: IdeaSide | None
    merged_from: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class IdeaQuery:
    group_id: int | None = None
    q: str | None = None
    sort: str = "votes"
    mine: bool = False
    chosen: bool = False
    page: int = 1
    per_page: int = 20


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _idea_totals() -> tuple[Subquery, Subquery]:
    """Per idea: its dots and voters, and its mean place on the impact/effort grid —
    subqueries, so that lists sort and page on them in SQL."""
    votes = (
        select(IdeaVote.idea_id, func.sum(IdeaVote.dots).label("dots"), func.count().label("voters"))
        .where(IdeaVote.dots > 0)
        .group_by(IdeaVote.idea_id)
        .subquery()
    )
    grid = (
        select(
            IdeaPlacement.idea_id,
            func.avg(IdeaPlacement.impact).label("impact"),
            func.avg(IdeaPlacement.effort).label("effort"),
            func.count().label("n"),
        )
        .group_by(IdeaPlacement.idea_id)
        .subquery()
    )
    return votes, grid


def list_ideas(session: Session, actor: Actor, query: IdeaQuery | None = None) -> Page[IdeaView]:
    """One page of the workshop's ideas (merged duplicates left out), with totals
    computed in SQL so that 330 ideas stay cheap to sort and page."""
    query = query or IdeaQuery()
    check_paging(query.page, query.per_page)
    if query.sort not in IDEA_SORTS:
        raise InvalidDataError(
            N_("cannot sort ideas by {sort!r}: use one of {idea_sorts}"),
            sort=query.sort,
            idea_sorts=", ".join(IDEA_SORTS),
        )
    votes, grid = _idea_totals()
    dots = func.coalesce(votes.c.dots, 0)
    prio = grid.c.impact * (rules.SCALE_MAX + 1 - grid.c.effort)
    where: list[ColumnElement[bool]] = [Idea.workshop_id == actor.workshop.id, Idea.merged_into_id.is_(None)]
    if query.group_id is not None:
        where.append(Idea.group_id == query.group_id)
    if query.q:
        pattern = _like(query.q.strip())
        where.append(
            or_(Idea.title.ilike(pattern, escape="\\"), Idea.description.ilike(pattern, escape="\\"))
        )
    if query.mine and actor.participant is not None:
        where.append(Idea.participant_id == actor.participant.id)
    if query.chosen:
        where.append(Idea.chosen.is_(True))
    base = (
        select(
            Idea,
            dots,
            func.coalesce(votes.c.voters, 0),
            grid.c.impact,
            grid.c.effort,
            func.coalesce(grid.c.n, 0),
        )
        .outerjoin(votes, votes.c.idea_id == Idea.id)
        .outerjoin(grid, grid.c.idea_id == Idea.id)
        .where(*where)
    )
    total = session.scalar(select(func.count()).select_from(Idea).where(*where)) or 0
    order: list[Any]
    if query.sort == "votes":
        order = [dots.desc(), func.coalesce(votes.c.voters, 0).desc(), Idea.id]
    elif query.sort == "new":
        order = [Idea.id.desc()]
    else:
        order = [prio.desc().nulls_last(), dots.desc(), Idea.id]
    rows = session.execute(
        base.order_by(*order).limit(query.per_page).offset((query.page - 1) * query.per_page)
    ).all()
    items = _idea_views(session, actor, rows)
    return Page(items=items, total=total, page=query.page, per_page=query.per_page)


def _idea_views(session: Session, actor: Actor, rows: Sequence[Any]) -> list[IdeaView]:
    ids = [r[0].id for r in rows]
    if not ids:
        return []
    comment_counts = dict(
        session.execute(
            select(IdeaComment.idea_id, func.count())
            .where(IdeaComment.idea_id.in_(ids))
            .group_by(IdeaComment.idea_id)
        ).all()
    )
    merged_from: dict[int, list[int]] = defaultdict(list)
    for child, parent in session.execute(
        select(Idea.id, Idea.merged_into_id).where(Idea.merged_into_id.in_(ids))
    ):
        merged_from[int(parent or 0)].append(int(child))
    my_votes: dict[int, int] = {}
    my_place: dict[int, tuple[int, int]] = {}
    if actor.participant is not None:
        pid = actor.participant.id
        my_votes = dict(
            session.execute(
                select(IdeaVote.idea_id, IdeaVote.dots).where(
                    IdeaVote.idea_id.in_(ids), IdeaVote.participant_id == pid
                )
            ).all()
        )
        my_place = {
            int(i): (int(a), int(b))
            for i, a, b in session.execute(
                select(IdeaPlacement.idea_id, IdeaPlacement.impact, IdeaPlacement.effort).where(
                    IdeaPlacement.idea_id.in_(ids), IdeaPlacement.participant_id == pid
                )
            )
        }
    flow_ids = {f for r in rows for f in (r[0].supply_flow_id, r[0].demand_flow_id) if f is not None}
    sides = _flow_sides(session, flow_ids)
    out = []
    for idea, dots, voters, impact, effort, n in rows:
        impact_f = float(impact) if impact is not None else None
        effort_f = float(effort) if effort is not None else None
        supply = sides.get(idea.supply_flow_id) if idea.supply_flow_id else None
        demand = sides.get(idea.demand_flow_id) if idea.demand_flow_id else None
        distance = None
        if supply is not None and demand is not None:
            distance = float(haversine_km(supply.lat, supply.lon, demand.lat, demand.lon))
        mine = my_place.get(idea.id)
        out.append(
            IdeaView(
                id=idea.id, title=idea.title, description=idea.description, author=idea.author_name,
                group_id=idea.group_id, created_at=idea.created_at, votes=int(dots), voters=int(voters),
                comments=int(comment_counts.get(idea.id, 0)), my_votes=int(my_votes.get(idea.id, 0)),
                impact=impact_f, effort=effort_f, placements=int(n),
                priority=rules.priority(impact_f, effort_f) if impact_f and effort_f else None,
                quadrant=rules.quadrant(impact_f, effort_f).value if impact_f and effort_f else None,
                my_impact=mine[0] if mine else None, my_effort=mine[1] if mine else None,
                chosen=idea.chosen, next_steps=idea.next_steps, owner=idea.owner, case_id=idea.case_id,
                supply=_side(actor, supply, distance) if supply else None,
                demand=_side(actor, demand, distance) if demand else None,
                merged_from=sorted(merged_from.get(idea.id, [])),
            )
        )  # fmt: skip
    return out


def _flow_sides(session: Session, flow_ids: Iterable[int]) -> dict[int, FlowRow]:
    ids = sorted(set(flow_ids))
    if not ids:
        return {}
    return {r[0]: _flow_row(r, None) for r in session.execute(_flow_rows().where(Flow.id.in_(ids)))}


def _side(actor: Actor, flow: FlowRow, distance_km: float | None) -> IdeaSide:
    if actor.sees(flow.visibility, flow.organisation_id, flow.id):
        return IdeaSide(True, flow.direction, flow.category, flow.resource, flow.organisation)
    bound = distance_bound_km(distance_km) if distance_km is not None else None
    return IdeaSide(False, flow.direction, flow.category, within_km=bound)


def idea_comments(session: Session, actor: Actor, idea_ids: Sequence[int]) -> dict[int, list[IdeaComment]]:
    if not idea_ids:
        return {}
    out: dict[int, list[IdeaComment]] = defaultdict(list)
    for c in session.scalars(
        select(IdeaComment)
        .join(Idea, Idea.id == IdeaComment.idea_id)
        .where(IdeaComment.idea_id.in_(list(idea_ids)), Idea.workshop_id == actor.workshop.id)
        .order_by(IdeaComment.id)
    ):
        out[c.idea_id].append(c)
    return out


def all_ideas(session: Session, actor: Actor, sort: str = "votes") -> list[IdeaView]:
    """Every (unmerged) idea, for the report and the presentation."""
    first = list_ideas(session, actor, IdeaQuery(sort=sort, per_page=500))
    items = list(first.items)
    page = 2
    while len(items) < first.total:
        items += list(list_ideas(session, actor, IdeaQuery(sort=sort, per_page=500, page=page)).items)
        page += 1
    return items


@dataclass(frozen=True)
class BoardStatus:
    phase: str
    locked: bool
    participants: int
    ideas: int
    votes_cast: int
    votes_left: int | None
    board_version: int


def status(session: Session, actor: Actor) -> BoardStatus:
    w = actor.workshop
    n_participants = session.scalar(select(func.count()).where(Participant.workshop_id == w.id)) or 0
    n_ideas = (
        session.scalar(select(func.count()).where(Idea.workshop_id == w.id, Idea.merged_into_id.is_(None)))
        or 0
    )
    cast = (
        session.scalar(
            select(func.coalesce(func.sum(Participant.votes_used), 0)).where(Participant.workshop_id == w.id)
        )
        or 0
    )
    left = None
    if actor.participant is not None:
        p = actor.participant
        left = p.vote_budget - p.votes_used
    return BoardStatus(w.phase, w.locked, int(n_participants), int(n_ideas), int(cast), left, w.board_version)


def board_etag(actor: Actor, *parts: object) -> str:
    """A weak ETag for a board fragment: the board version, who asks and how."""
    who = f"p{actor.participant.id}" if actor.participant else f"u{actor.viewer.user_id}"
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:12]
    return f'W/"{actor.workshop.board_version}-{who}-{digest}"'


def votes_table(session: Session, workshop: Workshop) -> list[Stake]:
    """Every stake of the workshop (for checks and the report)."""
    return [
        Stake(int(p), int(i), int(d))
        for p, i, d in session.execute(
            select(IdeaVote.participant_id, IdeaVote.idea_id, IdeaVote.dots)
            .join(Idea, Idea.id == IdeaVote.idea_id)
            .where(Idea.workshop_id == workshop.id)
        )
    ]


# --- the outcome ---------------------------------------------------------------------

TOP_CASES = 5


@dataclass(frozen=True)
class Outcome:
    """Everything the outcome report shows, cut to one actor's view."""

    workshop: Workshop
    region_name: str
    participants: list[tuple[str, str, str]]  # name, organisation, group
    organisations: list[tuple[str, int]]  # name, participants from it
    flows: list[FlowRow]
    added: int
    confirmed: int
    ideas: int
    votes_cast: int
    by_votes: list[IdeaView]
    by_priority: list[IdeaView]
    top: list[IdeaView]
    points: list[FlowRow]
    lines: list[tuple[FlowRow, FlowRow, float]]


def outcome(
    session: Session, actor: Actor, *, secret: str, lang: str = "en", cache: MatchCache | None = None
) -> Outcome:
    """The outcome of the workshop: who came, which flows were mapped, the ideas ranked
    by votes and by impact × effort, and the top cases (the chosen ideas, or else the
    most voted) with their next steps and owners."""
    w = actor.workshop
    names = {g.id: g.name for g in groups(session, w)}
    people = participants(session, w)
    orgs: dict[str, int] = defaultdict(int)
    for p in people:
        orgs[p.organisation_name] += 1
    flows = _workshop_marked(session, actor)
    by_votes = all_ideas(session, actor, "votes")
    placed = [i for i in all_ideas(session, actor, "priority") if i.priority is not None]
    chosen = [i for i in by_votes if i.chosen]
    top = chosen if chosen else by_votes[:TOP_CASES]
    points = workshop_flows(session, actor)
    by_id = {f.id: f for f in points}
    lines = []
    for r in match_lines(session, actor, secret=secret, lang=lang, cache=cache):
        s, d = by_id.get(r["supply"].get("flow_id")), by_id.get(r["demand"].get("flow_id"))
        if s is not None and d is not None:
            lines.append((s, d, float(r["score"])))
    region = actor.region
    return Outcome(
        workshop=w, region_name=region.name,
        participants=[(p.name, p.organisation_name, names.get(p.group_id or 0, "")) for p in people],
        organisations=sorted(orgs.items(), key=lambda kv: (-kv[1], kv[0].lower())),
        flows=flows, added=sum(1 for f in flows if f.status == "added"),
        confirmed=sum(1 for f in flows if f.status == "confirmed"), ideas=len(by_votes),
        votes_cast=sum(i.votes for i in by_votes), by_votes=by_votes, by_priority=placed, top=top,
        points=points, lines=lines,
    )  # fmt: skip


def _workshop_marked(session: Session, actor: Actor) -> list[FlowRow]:
    """Flows added or confirmed in the workshop, as a guest may see them."""
    marks = dict(
        session.execute(
            select(WorkshopFlow.flow_id, WorkshopFlow.action).where(
                WorkshopFlow.workshop_id == actor.workshop.id
            )
        ).all()
    )
    if not marks:
        return []
    statement = _flow_rows().where(Flow.id.in_(sorted(marks)), _visible_clause(actor))
    return [_flow_row(r, marks.get(r[0])) for r in session.execute(statement.order_by(Flow.id))]


def idea_views_by_id(session: Session, actor: Actor, idea_ids: Sequence[int]) -> list[IdeaView]:
    """The ideas with these ids as the actor sees them (merged ones too)."""
    votes, grid = _idea_totals()
    rows = session.execute(
        select(
            Idea, func.coalesce(votes.c.dots, 0), func.coalesce(votes.c.voters, 0), grid.c.impact,
            grid.c.effort, func.coalesce(grid.c.n, 0),
        )
        .outerjoin(votes, votes.c.idea_id == Idea.id)
        .outerjoin(grid, grid.c.idea_id == Idea.id)
        .where(Idea.id.in_(list(idea_ids)), Idea.workshop_id == actor.workshop.id)
        .order_by(Idea.id)
    ).all()  # fmt: skip
    if len(rows) != len(set(idea_ids)):
        raise NotFoundError(N_("no such idea in this workshop"))
    return _idea_views(session, actor, rows)


# --- ideas become cases --------------------------------------------------------------


def idea_to_case(session: Session, actor: Actor, idea_id: int) -> int:
    """Open a case from a chosen idea in one click (facilitators); returns its id.

    The case gets the idea's title, text, next steps and owner, the idea's flows that
    the facilitator may see (a hidden side stays out of the case, as with synergies),
    their organisations and the proposer's, and the origin ``workshop:<id>``."""
    from sidestream.services.cases import create_case

    _require_facilitator(actor, N_("turn ideas into cases"))
    idea = _idea(session, actor, idea_id)
    if idea.case_id is not None:
        raise ConflictError(
            N_("idea {idea_id} is already case {case_id}"), idea_id=idea_id, case_id=idea.case_id
        )
    flows = [session.get(Flow, f) for f in (idea.supply_flow_id, idea.demand_flow_id) if f is not None]
    seen = [f for f in flows if f is not None and can_see(actor.viewer, f.visibility, f.organisation_id)]
    orgs = [f.organisation_id for f in seen]
    if idea.participant_id is not None:
        proposer = session.get(Participant, idea.participant_id)
        if proposer is not None and proposer.organisation_id is not None:
            orgs.append(proposer.organisation_id)
    parts = [idea.description.strip()]
    if idea.next_steps.strip():
        parts.append(f"Next steps: {idea.next_steps.strip()}")
    if idea.owner.strip():
        parts.append(f"Owner: {idea.owner.strip()}")
    parts.append(
        f"From workshop {actor.workshop.id}: {actor.workshop.title} (idea #{idea.id}, {idea.author_name})"
    )
    case = create_case(
        session, actor.region, actor.viewer, title=idea.title[:200],
        description="\n\n".join(p for p in parts if p),
        organisation_ids=list(dict.fromkeys(orgs)), flow_ids=[f.id for f in seen],
        origin=f"workshop:{actor.workshop.id}",
    )  # fmt: skip
    idea = _idea(session, actor, idea_id)
    idea.case_id = case.id
    idea.chosen = True
    _commit(session, actor.workshop)
    return case.id
