"""Saved synergies: "save as synergy" from a match, the synergy page with its status
and comments, and the region's list — all through :mod:`sidestream.services.synergies`,
which shows a side the viewer may not see as the same anonymised stub as matches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from sidestream.api.deps import IdPath, RegionDep, SessionDep, ViewerDep
from sidestream.domain.synergies import SynergyStatus
from sidestream.domain.visibility import Viewer
from sidestream.errors import ConflictError, InvalidDataError, StaleWriteError
from sidestream.i18n import N_, format_date, format_number, translate
from sidestream.services import synergies as synergy_service
from sidestream.services.synergies import SynergyView
from sidestream.store.models import Region, Synergy, User
from sidestream.web.context import DataPage
from sidestream.web.deps import FormViewerDep, FormWebDep, Web, WebDep, check_form
from sidestream.web.errors import HtmlRoute
from sidestream.web.filters import PageQuery
from sidestream.web.labels import amount_text, category_colour, category_label
from sidestream.web.pages.flows import Option

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

PER_PAGE = 25
TITLE = N_("Synergies")
STATUS_LABELS = {
    SynergyStatus.PROPOSED: N_("proposed"),
    SynergyStatus.CONTACTED: N_("contacted"),
    SynergyStatus.EVALUATING: N_("evaluating"),
    SynergyStatus.AGREED: N_("agreed"),
    SynergyStatus.DECLINED: N_("declined"),
}
ALREADY_SAVED = N_("This pair is already saved as a synergy.")
STALE = N_(
    "Someone changed this synergy while you were looking at it. The page now shows the current state:"
    " check it and make your change again."
)
COMMENT_INVALID = N_("Write a comment of 1 to 5000 characters.")
STATUS_SAVED = N_("Status changed.")
COMMENT_SAVED = N_("Comment added.")


def status_label(value: str, lang: str) -> str:
    return translate(STATUS_LABELS[SynergyStatus(value)], lang)


class SideOut(BaseModel):
    anonymised: bool
    label: str
    category_label: str
    colour: str
    resource: str | None = None
    organisation: str | None = None
    site: str | None = None
    amount: str | None = None
    text: str | None = None


class CommentOut(BaseModel):
    author: str
    text: str
    when: str


class SynergyOut(BaseModel):
    id: int
    status: str
    status_label: str
    score_text: str
    supply: SideOut
    demand: SideOut
    reasons: list[str]
    created: str
    version: int
    comments: list[CommentOut]


class SynergyPage(BaseModel):
    slug: str
    synergy: SynergyOut
    statuses: list[Option]
    may_comment: bool
    notice: str | None = None
    error: str | None = None


class SynergyList(BaseModel):
    slug: str
    items: list[SynergyOut]
    total: int
    page: int
    pages: int
    status: str | None
    statuses: list[Option]


def _side(side: dict[str, Any], lang: str, matched: dict[str, Any] | None = None) -> SideOut:
    """One side as the viewer may see it; a visible side's kind of resource comes from
    the match record saved with the synergy (the classifier's reading of its text)."""
    matched = matched or {}
    category = side.get("category") or matched.get("category")
    common = {"category_label": category_label(category, lang), "colour": category_colour(category)}
    if side.get("anonymised"):
        label = str(side.get("class_label") or category_label(category, lang))
        return SideOut(anonymised=True, label=label, text=side.get("text"), **common)
    return SideOut(
        anonymised=False, label=str(matched.get("class_label") or side.get("resource") or ""),
        resource=side.get("resource"), organisation=side.get("actor"), site=side.get("site"),
        amount=amount_text(side.get("quantity"), side.get("unit"), lang) or None, **common,
    )  # fmt: skip


def _author(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return (user.name or user.email) if user is not None else "—"


def synergy_out(
    session: Session, view: SynergyView, lang: str, record: dict[str, Any] | None = None
) -> SynergyOut:
    return SynergyOut(
        id=view.id, status=view.status, status_label=status_label(view.status, lang),
        score_text="" if view.score is None else format_number(view.score, lang, 2),
        supply=_side(view.supply, lang, (record or {}).get("supply")),
        demand=_side(view.demand, lang, (record or {}).get("demand")), reasons=list(view.reasons),
        created=format_date(view.created_at, lang), version=view.version,
        comments=[CommentOut(author=_author(session, c.user_id), text=c.text,
                             when=format_date(c.created_at, lang))
                  for c in view.comments],
    )  # fmt: skip


def _statuses(lang: str) -> list[Option]:
    return [Option(value=s.value, label=status_label(s.value, lang)) for s in SynergyStatus]


def _render_synergy(
    web: Web, session: Session, region: Region, viewer: Viewer, synergy: Synergy, *,
    notice: str | None = None, error: str | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    view = synergy_service.synergy_view(session, synergy, viewer, web.lang)
    page = SynergyPage(
        slug=region.slug, synergy=synergy_out(session, view, web.lang, synergy.match),
        statuses=_statuses(web.lang),
        may_comment=viewer.role is not None and viewer.role.value != "viewer",
        notice=translate(notice, web.lang) if notice else None, error=error,
    )  # fmt: skip
    chrome = web.chrome(translate(TITLE, web.lang), nav="synergies", region=region)
    return web.render("synergy.html", DataPage(page), chrome, status_code=status_code)


@router.get("/regions/{slug}/synergies", response_class=HTMLResponse)
def synergies_page(
    web: WebDep,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    page: PageQuery = 1,
    status: Annotated[SynergyStatus | None, Query()] = None,
) -> HTMLResponse:
    rows, total = synergy_service.list_synergies(
        session, region, viewer, status=status, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
    )
    views = [(synergy_service.synergy_view(session, s, viewer, web.lang), s.match) for s in rows]
    items = [synergy_out(session, view, web.lang, record) for view, record in views]
    data = SynergyList(
        slug=region.slug, items=items, total=total, page=page, pages=max(1, -(-total // PER_PAGE)),
        status=status.value if status else None, statuses=_statuses(web.lang),
    )  # fmt: skip
    chrome = web.chrome(translate(TITLE, web.lang), nav="synergies", region=region)
    return web.render("synergies.html", DataPage(data), chrome)


@router.post("/regions/{slug}/synergies", response_model=None)
def save(
    web: FormWebDep,
    region: RegionDep,
    viewer: FormViewerDep,
    session: SessionDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    ref: Annotated[str, Form(max_length=100)] = "",
    supply_flow_id: Annotated[int | None, Form()] = None,
    demand_flow_id: Annotated[int | None, Form()] = None,
) -> Response:
    """Save a match as a synergy and open its page (an existing one opens too)."""
    check_form(web, csrf_token)
    try:
        synergy = synergy_service.save_synergy(
            session, region, viewer, secret=web.settings.secret_key, supply_flow_id=supply_flow_id,
            demand_flow_id=demand_flow_id, ref=ref or None, lang=web.lang,
        )  # fmt: skip
    except ConflictError:
        rows, _ = synergy_service.list_synergies(session, region, viewer, limit=10_000)
        same = [s for s in rows if (supply_flow_id in (None, s.supply_flow_id))
                and (demand_flow_id in (None, s.demand_flow_id))]  # fmt: skip
        if len(same) == 1:
            return _render_synergy(web, session, region, viewer, same[0], notice=ALREADY_SAVED)
        raise
    return RedirectResponse(f"/regions/{region.slug}/synergies/{synergy.id}", status_code=303)


@router.get("/regions/{slug}/synergies/{synergy_id}", response_class=HTMLResponse)
def synergy_page(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, synergy_id: IdPath
) -> HTMLResponse:
    synergy = synergy_service.get_synergy(session, region, viewer, synergy_id)
    return _render_synergy(web, session, region, viewer, synergy)


@router.post("/regions/{slug}/synergies/{synergy_id}/status", response_class=HTMLResponse)
def change_status(
    web: FormWebDep,
    region: RegionDep,
    viewer: FormViewerDep,
    session: SessionDep,
    synergy_id: IdPath,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    status: Annotated[str, Form(max_length=20)] = "",
    version: Annotated[int | None, Form()] = None,
) -> HTMLResponse:
    check_form(web, csrf_token)
    synergy = synergy_service.get_synergy(session, region, viewer, synergy_id)
    try:
        synergy_service.set_status(session, synergy, viewer, status, expected_version=version)
    except StaleWriteError:
        session.refresh(synergy)
        return _render_synergy(web, session, region, viewer, synergy, error=translate(STALE, web.lang),
                               status_code=409)  # fmt: skip
    except InvalidDataError as exc:
        return _render_synergy(
            web, session, region, viewer, synergy, error=exc.render(web.lang), status_code=422
        )
    return _render_synergy(web, session, region, viewer, synergy, notice=STATUS_SAVED)


@router.post("/regions/{slug}/synergies/{synergy_id}/comments", response_class=HTMLResponse)
def comment(
    web: FormWebDep,
    region: RegionDep,
    viewer: FormViewerDep,
    session: SessionDep,
    synergy_id: IdPath,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    text: Annotated[str, Form(max_length=20_000)] = "",
) -> HTMLResponse:
    check_form(web, csrf_token)
    synergy = synergy_service.get_synergy(session, region, viewer, synergy_id)
    try:
        synergy_service.add_comment(session, synergy, viewer, text)
    except InvalidDataError:
        return _render_synergy(web, session, region, viewer, synergy,
                               error=translate(COMMENT_INVALID, web.lang), status_code=422)  # fmt: skip
    return _render_synergy(web, session, region, viewer, synergy, notice=COMMENT_SAVED)
