"""Workshops: create and list (facilitators of the region), join with a code (no
account), the live board, flows, ideas, comments, votes, placements, facilitator
actions and the outcome report."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import HTMLResponse

from sidestream.api.deps import (
    FacilitatorDep,
    IdPath,
    MatchCacheDep,
    RegionDep,
    SessionDep,
    SettingsDep,
    ViewerDep,
)
from sidestream.api.guests import ActorDep, set_guest_cookie
from sidestream.api.schemas.common import Page
from sidestream.api.schemas.workshops import (
    AgendaItemPublic,
    BoardPublic,
    BoardStatusPublic,
    CaseCreated,
    CommentCreate,
    CommentPublic,
    FlowRowPublic,
    GroupCreate,
    GroupPublic,
    IdeaCreate,
    IdeaPublic,
    IdeaSidePublic,
    IdeaUpdate,
    JoinRequest,
    JoinResponse,
    MergeRequest,
    ParticipantPublic,
    ParticipantUpdate,
    PlacementPublic,
    PlacementRequest,
    VoteRequest,
    VoteResult,
    WorkshopPublic,
    WorkshopUpdate,
)
from sidestream.facilitation.workshops import Phase, format_join_code, join_qr_svg
from sidestream.i18n import normalise_lang
from sidestream.services import workshops as service
from sidestream.services.workshops import (
    IdeaChanges,
    IdeaQuery,
    IdeaView,
    NewIdea,
    NewWorkshop,
    WorkshopFlowInput,
)
from sidestream.store.models import IdeaComment, Participant, Workshop

router = APIRouter(tags=["workshops"])
LangQuery = Annotated[str | None, Query(max_length=10, description="en or nb (default: the workshop's).")]


def join_url(request: Request, workshop: Workshop) -> str:
    """Where the QR code points: the join page with the code filled in."""
    return str(request.base_url).rstrip("/") + f"/join?code={workshop.join_code}"


def workshop_public(
    request: Request, session: SessionDep, workshop: Workshop, region_slug: str
) -> WorkshopPublic:
    return WorkshopPublic(
        id=workshop.id, region=region_slug, title=workshop.title, held_on=workshop.held_on,
        place=workshop.place, lat=workshop.lat, lon=workshop.lon, language=workshop.language,
        join_code=format_join_code(workshop.join_code), join_url=join_url(request, workshop),
        phase=Phase(workshop.phase), locked=workshop.locked, vote_budget=workshop.vote_budget,
        max_votes_per_idea=workshop.max_votes_per_idea,
        groups=[GroupPublic(id=g.id, name=g.name) for g in service.groups(session, workshop)],
        agenda=[AgendaItemPublic(starts_at=a.starts_at, title=a.title)
                for a in service.agenda(session, workshop)],
        created_at=workshop.created_at, closed_at=workshop.closed_at,
    )  # fmt: skip


def participant_public(p: Participant) -> ParticipantPublic:
    return ParticipantPublic(
        id=p.id, name=p.name, organisation=p.organisation_name, organisation_id=p.organisation_id,
        group_id=p.group_id, verified=p.verified, votes_left=p.vote_budget - p.votes_used,
    )  # fmt: skip


def idea_public(view: IdeaView) -> IdeaPublic:
    data = dataclasses.asdict(view)
    for side in ("supply", "demand"):
        if data[side] is not None:
            data[side] = IdeaSidePublic(**data[side])
    return IdeaPublic(**data)


# --- region-level ------------------------------------------------------------------


@router.post(
    "/regions/{slug}/workshops",
    response_model=WorkshopPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create a workshop (facilitators)",
)
def create_workshop(
    body: NewWorkshop, request: Request, region: RegionDep, viewer: FacilitatorDep, session: SessionDep
) -> WorkshopPublic:
    workshop = service.create_workshop(session, region, viewer, body)
    return workshop_public(request, session, workshop, region.slug)


@router.get(
    "/regions/{slug}/workshops", response_model=list[WorkshopPublic], summary="The region's workshops"
)
def list_workshops(
    request: Request, region: RegionDep, viewer: ViewerDep, session: SessionDep
) -> list[WorkshopPublic]:
    return [
        workshop_public(request, session, w, region.slug)
        for w in service.list_workshops(session, region, viewer)
    ]


# --- joining -----------------------------------------------------------------------


@router.post(
    "/workshops/join",
    response_model=JoinResponse,
    status_code=status.HTTP_201_CREATED,
    summary="Join a workshop with its code (no account)",
)
def join(body: JoinRequest, session: SessionDep, settings: SettingsDep, response: Response) -> JoinResponse:
    """Gives a guest token for this workshop only (also set as a cookie for browsers)."""
    joined = service.join(session, body.code, body.name, body.organisation, actor_type=body.actor_type)
    set_guest_cookie(response, settings, joined.token)
    return JoinResponse(
        workshop_id=joined.participant.workshop_id,
        participant=participant_public(joined.participant),
        token=joined.token,
        csrf_token=service.guest_csrf(settings.secret_key, joined.token),
    )


# --- the workshop ------------------------------------------------------------------


@router.get("/workshops/{workshop_id}", response_model=WorkshopPublic, summary="A workshop")
def get_workshop(request: Request, actor: ActorDep, session: SessionDep) -> WorkshopPublic:
    return workshop_public(request, session, actor.workshop, actor.region.slug)


@router.patch(
    "/workshops/{workshop_id}", response_model=WorkshopPublic, summary="Change phase or lock (facilitators)"
)
def update_workshop(
    body: WorkshopUpdate, request: Request, actor: ActorDep, session: SessionDep
) -> WorkshopPublic:
    workshop = service.set_phase(
        session, actor, body.phase or Phase(actor.workshop.phase), locked=body.locked
    )
    return workshop_public(request, session, workshop, actor.region.slug)


@router.get(
    "/workshops/{workshop_id}/qr.svg",
    summary="The QR code of the join link (SVG)",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "An SVG image"}},
)
def qr_code(request: Request, actor: ActorDep) -> Response:
    return Response(join_qr_svg(join_url(request, actor.workshop)), media_type="image/svg+xml")


@router.get(
    "/workshops/{workshop_id}/board",
    response_model=BoardPublic,
    summary="The live board (ETag/304)",
    responses={304: {"description": "Not modified: the board is as in your ETag"}},
)
def board(
    request: Request,
    response: Response,
    actor: ActorDep,
    session: SessionDep,
    group_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[Literal["votes", "new", "priority"], Query()] = "votes",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 20,
) -> BoardPublic | Response:
    """Poll this: send the ETag back in ``If-None-Match`` and an unchanged board is a 304."""
    tag = service.board_etag(actor, "api-board", group_id, q, sort, page, per_page)
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})
    st = service.status(session, actor)
    ideas = service.list_ideas(session, actor, IdeaQuery(group_id, q, sort, page=page, per_page=per_page))
    response.headers["ETag"] = tag
    response.headers["Cache-Control"] = "no-cache"
    return BoardPublic(
        status=BoardStatusPublic(**dataclasses.asdict(st)),
        ideas=[idea_public(i) for i in ideas.items],
        total=ideas.total,
        page=ideas.page,
        per_page=ideas.per_page,
    )


@router.get(
    "/workshops/{workshop_id}/participants", response_model=list[ParticipantPublic], summary="Who takes part"
)
def list_participants(actor: ActorDep, session: SessionDep) -> list[ParticipantPublic]:
    return [participant_public(p) for p in service.participants(session, actor.workshop)]


@router.patch(
    "/workshops/{workshop_id}/participants/{participant_id}",
    response_model=ParticipantPublic,
    summary="Move a participant to a group, or verify them (facilitators)",
)
def update_participant(
    participant_id: IdPath, body: ParticipantUpdate, actor: ActorDep, session: SessionDep
) -> ParticipantPublic:
    p = service.update_participant(
        session, actor, participant_id, group_id=body.group_id, verified=body.verified
    )
    return participant_public(p)


@router.post(
    "/workshops/{workshop_id}/groups",
    response_model=GroupPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a group (facilitators)",
)
def add_group(body: GroupCreate, actor: ActorDep, session: SessionDep) -> GroupPublic:
    g = service.add_group(session, actor, body.name)
    return GroupPublic(id=g.id, name=g.name)


# --- flows and matches -------------------------------------------------------------


def _flow(row: service.FlowRow) -> FlowRowPublic:
    data = dataclasses.asdict(row)
    data.pop("organisation_id")
    return FlowRowPublic(**data)


@router.get("/workshops/{workshop_id}/flows", response_model=list[FlowRowPublic], summary="Your flows")
def my_flows(actor: ActorDep, session: SessionDep) -> list[FlowRowPublic]:
    """A guest: their organisation's flows they may see and what they entered. A
    facilitator: the flows added or confirmed in this workshop."""
    return [_flow(f) for f in service.my_flows(session, actor)]


@router.post(
    "/workshops/{workshop_id}/flows",
    response_model=FlowRowPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a side stream or need",
)
def add_flow(body: WorkshopFlowInput, actor: ActorDep, session: SessionDep) -> FlowRowPublic:
    flow = service.add_flow(session, actor, body)
    rows = {f.id: f for f in service.my_flows(session, actor)}
    return _flow(rows[flow.id])


@router.post(
    "/workshops/{workshop_id}/flows/{flow_id}/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Confirm a registry flow of your organisation",
)
def confirm_flow(flow_id: IdPath, actor: ActorDep, session: SessionDep) -> Response:
    service.confirm_flow(session, actor, flow_id)
    return Response(status_code=204)


@router.get("/workshops/{workshop_id}/suggestions", summary="Match suggestions for your flows")
def suggestions(
    actor: ActorDep, session: SessionDep, settings: SettingsDep, cache: MatchCacheDep, lang: LangQuery = None
) -> dict[str, object]:
    code = normalise_lang(lang or actor.workshop.language)
    items = service.suggestions(session, actor, secret=settings.secret_key, lang=code, cache=cache)
    return {"matches": items}


# --- ideas -------------------------------------------------------------------------


@router.get("/workshops/{workshop_id}/ideas", response_model=Page[IdeaPublic], summary="Ideas, paged")
def list_ideas(
    actor: ActorDep,
    session: SessionDep,
    group_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[Literal["votes", "new", "priority"], Query()] = "votes",
    mine: bool = False,
    chosen: bool = False,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 20,
) -> Page[IdeaPublic]:
    result = service.list_ideas(session, actor, IdeaQuery(group_id, q, sort, mine, chosen, page, per_page))
    return Page(
        items=[idea_public(i) for i in result.items], page=page, per_page=per_page, total=result.total
    )


def _one(session: SessionDep, actor: service.Actor, idea_id: int) -> IdeaPublic:
    views = service.idea_views_by_id(session, actor, [idea_id])
    return idea_public(views[0])


@router.post(
    "/workshops/{workshop_id}/ideas",
    response_model=IdeaPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Propose an idea (free text or from a match)",
)
def propose(body: IdeaCreate, actor: ActorDep, session: SessionDep, settings: SettingsDep) -> IdeaPublic:
    idea = service.propose(session, actor, NewIdea(**body.model_dump()), secret=settings.secret_key)
    return _one(session, actor, idea.id)


@router.patch("/workshops/{workshop_id}/ideas/{idea_id}", response_model=IdeaPublic, summary="Change an idea")
def update_idea(idea_id: IdPath, body: IdeaUpdate, actor: ActorDep, session: SessionDep) -> IdeaPublic:
    changes = IdeaChanges(**body.model_dump(exclude_unset=True))
    service.update_idea(session, actor, idea_id, changes)
    return _one(session, actor, idea_id)


@router.get(
    "/workshops/{workshop_id}/ideas/{idea_id}/comments",
    response_model=list[CommentPublic],
    summary="Comments",
)
def comments(idea_id: IdPath, actor: ActorDep, session: SessionDep) -> list[CommentPublic]:
    _one(session, actor, idea_id)
    rows = service.idea_comments(session, actor, [idea_id]).get(idea_id, [])
    return [_comment(c) for c in rows]


def _comment(c: IdeaComment) -> CommentPublic:
    return CommentPublic(
        id=c.id, idea_id=c.idea_id, author=c.author_name, text=c.text, created_at=c.created_at
    )


@router.post(
    "/workshops/{workshop_id}/ideas/{idea_id}/comments",
    response_model=CommentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Comment on an idea",
)
def add_comment(idea_id: IdPath, body: CommentCreate, actor: ActorDep, session: SessionDep) -> CommentPublic:
    c = service.comment(session, actor, idea_id, body.text)
    return CommentPublic(
        id=c.id, idea_id=c.idea_id, author=c.author_name, text=c.text, created_at=c.created_at
    )


@router.post(
    "/workshops/{workshop_id}/ideas/{idea_id}/votes", response_model=VoteResult, summary="Give or take a dot"
)
def vote(idea_id: IdPath, body: VoteRequest, actor: ActorDep, session: SessionDep) -> VoteResult:
    """Over the budget or the per-idea cap is a 409; nothing is lost or double counted."""
    left = service.vote(session, actor, idea_id, body.delta)
    return VoteResult(idea_id=idea_id, votes_left=left)


@router.put(
    "/workshops/{workshop_id}/ideas/{idea_id}/placement",
    response_model=PlacementPublic,
    summary="Place an idea on the impact × effort grid",
)
def place(idea_id: IdPath, body: PlacementRequest, actor: ActorDep, session: SessionDep) -> PlacementPublic:
    row = service.place(session, actor, idea_id, body.impact, body.effort)
    return PlacementPublic(idea_id=row.idea_id, impact=row.impact, effort=row.effort)


@router.post(
    "/workshops/{workshop_id}/ideas/{idea_id}/merge",
    response_model=IdeaPublic,
    summary="Merge duplicates into this idea (facilitators)",
)
def merge(idea_id: IdPath, body: MergeRequest, actor: ActorDep, session: SessionDep) -> IdeaPublic:
    service.merge(session, actor, idea_id, body.duplicate_ids)
    return _one(session, actor, idea_id)


@router.post(
    "/workshops/{workshop_id}/ideas/{idea_id}/case",
    response_model=CaseCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Turn an idea into a case (facilitators)",
)
def idea_to_case(idea_id: IdPath, actor: ActorDep, session: SessionDep) -> CaseCreated:
    """One click: the case pipeline gets the idea's title, text, flows and partners."""
    return CaseCreated(idea_id=idea_id, case_id=service.idea_to_case(session, actor, idea_id))


# --- the outcome -------------------------------------------------------------------


@router.get(
    "/workshops/{workshop_id}/report",
    summary="The outcome report (HTML or PDF)",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
def report(
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
    cache: MatchCacheDep,
    format: Annotated[Literal["html", "pdf"], Query()] = "html",
    lang: LangQuery = None,
) -> Response:
    from sidestream.reports import workshop as report_module

    code = normalise_lang(lang or actor.workshop.language)
    data = service.outcome(session, actor, secret=settings.secret_key, lang=code, cache=cache)
    if format == "pdf":
        name = f"workshop-{actor.workshop.id}-{code}.pdf"
        return Response(
            report_module.render_pdf(data, code),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return HTMLResponse(report_module.render_html(data, code))
