"""Workshop pages: the join page (no login), the live board for guests and
facilitators, the facilitator's console, the projector view and the region's list.

Live updates are htmx polling of small fragments every 2 s. The polled element sends
the ETag it was rendered with (``If-None-Match``); an unchanged board answers 204 to
htmx (nothing is swapped) and 304 to other clients, so polling forty phones costs two
tiny queries per poll. All state is in the database: any number of workers serve one
board.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from sidestream.api.deps import IdPath, MatchCacheDep, RegionDep, SessionDep, ViewerDep
from sidestream.api.guests import ActorDep, guest_cookie_token, set_guest_cookie
from sidestream.api.routes.workshops import join_url
from sidestream.api.security import csrf_valid, read_session_cookie
from sidestream.errors import InvalidDataError, PermissionDeniedError
from sidestream.facilitation.workshops import PHASE_LABELS, Phase, format_join_code, join_qr_svg
from sidestream.i18n import N_, format_number, translate
from sidestream.services import workshops as service
from sidestream.services.workshops import IdeaQuery, NewIdea, NewWorkshop, WorkshopFlowInput
from sidestream.web.deps import FormWebDep, Web, WebDep
from sidestream.web.errors import HtmlRoute
from sidestream.web.labels import amount_text, category_colour, category_label, direction_label
from sidestream.web.security import login_csrf_token, login_csrf_valid, same_origin

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)
FORM_EXPIRED = N_("The form has expired: please try again.")
POLL_SECONDS = 1


@dataclass
class BoardPage:
    actor: service.Actor
    status: service.BoardStatus
    ideas: Any
    query: IdeaQuery
    groups: list[Any]
    comments: dict[int, list[Any]]
    etag: str
    phases: list[tuple[str, str]]
    join_code: str
    qr_svg: str = ""
    flows: list[Any] = field(default_factory=list)
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    participants: list[Any] = field(default_factory=list)
    lang: str = "en"
    map_payload: dict[str, Any] = field(default_factory=dict)


def _query(group: int | None, q: str | None, sort: str, page: int, mine: bool = False) -> IdeaQuery:
    return IdeaQuery(group_id=group, q=q or None, sort=sort, mine=mine, page=page, per_page=20)


def _board(session: SessionDep, actor: service.Actor, query: IdeaQuery, lang: str) -> BoardPage:
    ideas = service.list_ideas(session, actor, query)
    return BoardPage(
        actor=actor,
        status=service.status(session, actor),
        ideas=ideas,
        query=query,
        groups=service.groups(session, actor.workshop),
        comments=service.idea_comments(session, actor, [i.id for i in ideas.items]),
        etag=service.board_etag(actor, "ideas", query, lang),
        phases=[(p.value, translate(PHASE_LABELS[p], lang)) for p in Phase],
        join_code=format_join_code(actor.workshop.join_code),
        lang=lang,
    )


def _chrome_for(web: Web, actor: service.Actor, title: str) -> Any:
    chrome = web.chrome(title, nav="workshops", region=actor.region)
    if actor.participant is not None:
        token = guest_cookie_token(web.request, web.settings)
        if token:
            from dataclasses import replace

            chrome = replace(chrome, csrf_token=service.guest_csrf(web.settings.secret_key, token))
    return chrome


def _unchanged(request: Request, etag: str) -> Response | None:
    if request.headers.get("if-none-match") != etag:
        return None
    status = 204 if request.headers.get("hx-request") == "true" else 304
    return Response(status_code=status, headers={"ETag": etag})


# --- joining -------------------------------------------------------------------------


@dataclass
class JoinPage:
    code: str
    csrf_token: str
    name: str = ""
    organisation: str = ""
    error: str | None = None


@router.get("/join", response_class=HTMLResponse)
def join_page(web: WebDep, code: Annotated[str, Query(max_length=20)] = "") -> HTMLResponse:
    cookies = Response()
    token = login_csrf_token(web.request, cookies, web.settings)
    page = JoinPage(code=format_join_code(code) if len(code) == 6 else code, csrf_token=token)
    chrome = web.chrome(translate("Join a workshop", web.lang), nav="join")
    return web.render("workshop_join.html", page, chrome, cookies=cookies)


@router.post("/join", response_class=HTMLResponse)
def join(
    web: FormWebDep,
    session: SessionDep,
    code: Annotated[str, Form(max_length=20)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    organisation: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if not same_origin(web.request) or not login_csrf_valid(web.request, web.settings, csrf_token):
        raise PermissionDeniedError(translate(FORM_EXPIRED, web.lang))
    joined = service.join(session, code, name, organisation)
    redirect = RedirectResponse(f"/workshops/{joined.participant.workshop_id}/board", status_code=303)
    set_guest_cookie(redirect, web.settings, joined.token)
    return redirect


# --- the board -----------------------------------------------------------------------


SortQuery = Annotated[Literal["votes", "new", "priority"], Query()]
GroupQuery = Annotated[int | None, Query(ge=1, le=2_147_483_647)]


@router.get("/workshops/{workshop_id}/board", response_class=HTMLResponse)
def board_page(
    web: WebDep,
    actor: ActorDep,
    session: SessionDep,
    cache: MatchCacheDep,
    group: GroupQuery = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: SortQuery = "votes",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    data = _board(session, actor, _query(group, q, sort, page), web.lang)
    data.flows = service.my_flows(session, actor)
    data.suggestions = service.suggestions(
        session, actor, secret=web.settings.secret_key, lang=web.lang, cache=cache
    )
    data.map_payload = map_payload(session, actor, web, cache)
    return web.render("workshop_board.html", data, _chrome_for(web, actor, actor.workshop.title))


@router.get("/workshops/{workshop_id}/board/ideas", response_class=HTMLResponse)
def ideas_fragment(
    web: WebDep,
    actor: ActorDep,
    session: SessionDep,
    group: GroupQuery = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: SortQuery = "votes",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    query = _query(group, q, sort, page)
    unchanged = _unchanged(web.request, service.board_etag(actor, "ideas", query, web.lang))
    if unchanged is not None:
        return unchanged
    data = _board(session, actor, query, web.lang)
    out = web.render("_workshop_ideas.html", data, _chrome_for(web, actor, actor.workshop.title))
    out.headers["ETag"] = data.etag
    return out


def _refresh(web: Web, session: SessionDep, actor: service.Actor) -> HTMLResponse:
    session.refresh(actor.workshop)
    if actor.participant is not None:
        session.refresh(actor.participant)  # votes were spent by a conditional UPDATE
    data = _board(session, actor, _query(None, None, "votes", 1), web.lang)
    return web.render("_workshop_ideas.html", data, _chrome_for(web, actor, actor.workshop.title))


@router.post("/workshops/{workshop_id}/board/ideas", response_class=HTMLResponse)
def propose_idea(
    web: WebDep,
    actor: ActorDep,
    session: SessionDep,
    title: Annotated[str, Form(max_length=300)] = "",
    description: Annotated[str, Form(max_length=5000)] = "",
    supply_flow_id: Annotated[int | None, Form()] = None,
    demand_flow_id: Annotated[int | None, Form()] = None,
    match_ref: Annotated[str | None, Form(max_length=64)] = None,
) -> HTMLResponse:
    data = NewIdea(title=title, description=description, supply_flow_id=supply_flow_id,
                   demand_flow_id=demand_flow_id, match_ref=match_ref or None)  # fmt: skip
    service.propose(session, actor, data, secret=web.settings.secret_key)
    return _refresh(web, session, actor)


@router.post("/workshops/{workshop_id}/board/ideas/{idea_id}/vote", response_class=HTMLResponse)
def vote(
    web: WebDep, actor: ActorDep, session: SessionDep, idea_id: IdPath,
    delta: Annotated[int, Query(ge=-1, le=1)] = 1,
) -> HTMLResponse:  # fmt: skip
    service.vote(session, actor, idea_id, delta)
    return _refresh(web, session, actor)


@router.post("/workshops/{workshop_id}/board/ideas/{idea_id}/place", response_class=HTMLResponse)
def place(
    web: WebDep, actor: ActorDep, session: SessionDep, idea_id: IdPath,
    impact: Annotated[int, Form(ge=1, le=5)], effort: Annotated[int, Form(ge=1, le=5)],
) -> HTMLResponse:  # fmt: skip
    service.place(session, actor, idea_id, impact, effort)
    return _refresh(web, session, actor)


@router.post("/workshops/{workshop_id}/board/ideas/{idea_id}/comments", response_class=HTMLResponse)
def add_comment(
    web: WebDep, actor: ActorDep, session: SessionDep, idea_id: IdPath,
    text: Annotated[str, Form(max_length=2000)] = "",
) -> HTMLResponse:  # fmt: skip
    service.comment(session, actor, idea_id, text)
    return _refresh(web, session, actor)


@router.post("/workshops/{workshop_id}/board/flows", response_class=HTMLResponse)
def add_flow(
    web: WebDep,
    actor: ActorDep,
    session: SessionDep,
    direction: Annotated[Literal["supply", "demand"], Form()],
    resource: Annotated[str, Form(max_length=500)],
    visibility: Annotated[Literal["public", "network", "facilitator", "private"], Form()] = "facilitator",
    quantity: Annotated[str, Form(max_length=30)] = "",
    unit: Annotated[str, Form(max_length=30)] = "",
    site_name: Annotated[str, Form(max_length=200)] = "",
    lat: Annotated[str, Form(max_length=30)] = "",
    lon: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    try:
        data = WorkshopFlowInput(
            direction=direction, resource=resource, visibility=visibility,
            quantity=float(quantity.replace(",", ".")) if quantity.strip() else None, unit=unit or None,
            site_name=site_name or None, lat=float(lat.replace(",", ".")) if lat.strip() else None,
            lon=float(lon.replace(",", ".")) if lon.strip() else None,
        )  # fmt: skip
    except ValueError as exc:
        raise InvalidDataError(N_("check the numbers: {reason}"), reason=exc) from None
    service.add_flow(session, actor, data)
    return Response(status_code=204, headers={"HX-Refresh": "true"})


@router.post("/workshops/{workshop_id}/board/flows/{flow_id}/confirm")
def confirm_flow(web: WebDep, actor: ActorDep, session: SessionDep, flow_id: IdPath) -> Response:
    service.confirm_flow(session, actor, flow_id)
    return Response(status_code=204, headers={"HX-Refresh": "true"})


def map_payload(session: SessionDep, actor: service.Actor, web: Web, cache: Any) -> dict[str, Any]:
    """The workshop's actors' flows and their matches, as the overview's map script
    (frontend/src/map.js) reads them: the same bundle draws both maps."""
    flows = service.workshop_flows(session, actor)
    by_id = {f.id: f for f in flows}
    lang = web.lang
    points = [
        {
            "flow_id": f.id, "key": f.key, "lat": f.lat, "lon": f.lon, "direction": f.direction,
            "direction_label": direction_label(f.direction, lang), "category": f.category or "unclassified",
            "category_label": category_label(f.category, lang), "colour": category_colour(f.category),
            "resource": f.resource, "organisation": f.organisation, "site": f.site,
            "amount": amount_text(f.quantity, f.unit, lang), "size": 0.3,
        }
        for f in flows
    ]  # fmt: skip
    lines = []
    for r in service.match_lines(session, actor, secret=web.settings.secret_key, lang=lang, cache=cache):
        s, d = by_id.get(r["supply"].get("flow_id")), by_id.get(r["demand"].get("flow_id"))
        if s is not None and d is not None:
            label = f"{s.organisation} → {d.organisation}: {format_number(float(r['score']), lang, 2)}"
            lines.append({"supply": [s.lat, s.lon], "demand": [d.lat, d.lon], "score": float(r["score"]),
                          "label": label})  # fmt: skip
    return {"points": points, "lines": lines, "tile_url": web.settings.tile_url, "lang": lang}


# --- facilitating --------------------------------------------------------------------


@router.get("/workshops/{workshop_id}", response_class=HTMLResponse)
def console(web: WebDep, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    if not actor.is_facilitator:
        return RedirectResponse(f"/workshops/{actor.workshop.id}/board", status_code=303)  # type: ignore[return-value]
    data = _board(session, actor, IdeaQuery(per_page=100), web.lang)
    data.qr_svg = join_qr_svg(join_url(web.request, actor.workshop))
    data.participants = service.participants(session, actor.workshop)
    return web.render("workshop_console.html", data, _chrome_for(web, actor, actor.workshop.title))


@router.post("/workshops/{workshop_id}/phase")
def change_phase(
    web: WebDep, actor: ActorDep, session: SessionDep,
    phase: Annotated[Literal["flows", "ideas", "voting", "closed"], Form()],
    locked: Annotated[bool, Form()] = False,
) -> Response:  # fmt: skip
    service.set_phase(session, actor, phase, locked=locked)
    return Response(status_code=204, headers={"HX-Refresh": "true"})


@router.post("/workshops/{workshop_id}/participants/{participant_id}")
def move_participant(
    web: WebDep, actor: ActorDep, session: SessionDep, participant_id: IdPath,
    group_id: Annotated[int | None, Form(ge=1, le=2_147_483_647)] = None,
    verified: Annotated[bool | None, Form()] = None,
) -> Response:  # fmt: skip
    service.update_participant(session, actor, participant_id, group_id=group_id, verified=verified)
    return Response(status_code=204)


@router.post("/workshops/{workshop_id}/merge")
def merge(
    web: WebDep, actor: ActorDep, session: SessionDep,
    keep: Annotated[int, Form(ge=1, le=2_147_483_647)],
    duplicates: Annotated[list[int], Form()],
) -> Response:  # fmt: skip
    service.merge(session, actor, keep, duplicates)
    return Response(status_code=204, headers={"HX-Refresh": "true"})


@router.post("/workshops/{workshop_id}/ideas/{idea_id}/case")
def idea_to_case(web: WebDep, actor: ActorDep, session: SessionDep, idea_id: IdPath) -> Response:
    case_id = service.idea_to_case(session, actor, idea_id)
    return Response(
        status_code=204, headers={"HX-Redirect": f"/api/v1/regions/{actor.region.slug}/cases/{case_id}"}
    )


@router.get("/workshops/{workshop_id}/present", response_class=HTMLResponse)
def present(web: WebDep, actor: ActorDep, session: SessionDep) -> Response:
    etag = service.board_etag(actor, "present", web.lang)
    unchanged = _unchanged(web.request, etag) if web.is_htmx else None
    if unchanged is not None:
        return unchanged
    data = _board(session, actor, IdeaQuery(per_page=10), web.lang)
    data.etag = etag
    data.qr_svg = join_qr_svg(join_url(web.request, actor.workshop))
    template = "_workshop_present.html" if web.is_htmx else "workshop_present.html"
    out = web.render(template, data, _chrome_for(web, actor, actor.workshop.title))
    out.headers["ETag"] = etag
    return out


# --- the region's workshops ----------------------------------------------------------


@dataclass
class ListPage:
    slug: str
    workshops: list[Any]
    csrf_token: str | None
    can_create: bool


@router.get("/regions/{slug}/workshops", response_class=HTMLResponse)
def list_page(web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep) -> HTMLResponse:
    rows = service.list_workshops(session, region, viewer)
    token = read_session_cookie(web.request, web.settings)
    from sidestream.api.security import csrf_token

    page = ListPage(
        region.slug, rows, csrf_token(web.settings, token) if token else None, viewer.manages_region
    )
    return web.render(
        "workshops.html", page, web.chrome(translate("Workshops", web.lang), "workshops", region)
    )


@router.post("/regions/{slug}/workshops")
def create(
    web: FormWebDep,
    region: RegionDep,
    session: SessionDep,
    title: Annotated[str, Form(max_length=200)],
    held_on: Annotated[str, Form(max_length=10)] = "",
    place: Annotated[str, Form(max_length=200)] = "",
    language: Annotated[Literal["en", "nb"], Form()] = "nb",
    groups: Annotated[str, Form(max_length=2000)] = "",
    agenda: Annotated[str, Form(max_length=5000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    from sidestream.services.accounts import viewer_for

    token = read_session_cookie(web.request, web.settings)
    if token is None or not same_origin(web.request) or not csrf_valid(web.settings, token, csrf_token):
        raise PermissionDeniedError(translate(FORM_EXPIRED, web.lang))
    viewer = viewer_for(session, web.user, region)
    items = []
    for line in agenda.splitlines():
        text = line.strip()
        if not text:
            continue
        head, _, rest = text.partition(" ")
        if len(head) == 5 and head[2] == ":" and rest:
            items.append({"starts_at": head, "title": rest.strip()})
        else:
            items.append({"title": text})
    data = NewWorkshop.model_validate({
        "title": title, "held_on": date.fromisoformat(held_on) if held_on else None, "place": place,
        "language": language, "groups": [g.strip() for g in groups.split(",") if g.strip()], "agenda": items,
    })  # fmt: skip
    workshop = service.create_workshop(session, region, viewer, data)
    return RedirectResponse(f"/workshops/{workshop.id}", status_code=303)
