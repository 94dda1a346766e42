"""The case pipeline in the browser: a kanban board per region and a page per case.

The board has one column per stage; every card a case the viewer may edit carries a
small form (a select of the stages it may move to and a button), so moving works with
the keyboard and without JavaScript — no drag-only interaction. Filters by stage,
open barrier, owner and resource category. ``/regions/{slug}/cases.json`` is the
board's twin. The case page shows the case as the viewer may see it (hidden flows
are stubs), with forms for its parts, the readiness chart and the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from sidestream.api.deps import AuthDep, IdPath, RegionDep, SessionDep, ViewerDep
from sidestream.domain.categories import Category
from sidestream.domain.visibility import Role, Viewer
from sidestream.errors import InvalidDataError
from sidestream.facilitation import readiness
from sidestream.facilitation.benefits import METRICS, REALISED_METRICS, Metric
from sidestream.facilitation.cases import (
    BOARD_COLUMNS,
    TRANSITIONS,
    Barrier,
    CaseAccess,
    CaseStage,
    PartnerRole,
)
from sidestream.facilitation.funding import for_case, programmes
from sidestream.i18n import N_, translate
from sidestream.services import cases as service
from sidestream.services import catalogue as catalogue_service
from sidestream.services import engagement
from sidestream.services import experts as expert_service
from sidestream.services.accounts import has_role, list_memberships
from sidestream.services.flows import list_organisations, visible_flows
from sidestream.services.synergies import list_synergies
from sidestream.store.models import Case, Flow, Organisation, Region, User
from sidestream.web.context import DataPage
from sidestream.web.deps import FormWebDep, WebDep
from sidestream.web.errors import HtmlRoute
from sidestream.web.forms import form_viewer
from sidestream.web.labels import category_label
from sidestream.web.pages.flows import Option

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)
twins = APIRouter(include_in_schema=False)

ACCESS_LABELS = {
    CaseAccess.NETWORK: N_("Every member of the region"),
    CaseAccess.FACILITATOR: N_("Facilitators and the case team"),
    CaseAccess.TEAM: N_("Only the case team"),
}
ROLE_LABELS = {
    PartnerRole.SUPPLIER: N_("supplier"),
    PartnerRole.RECEIVER: N_("receiver"),
    PartnerRole.MUNICIPALITY: N_("municipality"),
    PartnerRole.OPERATOR: N_("operator"),
    PartnerRole.INVESTOR: N_("investor"),
    PartnerRole.ADVISOR: N_("advisor"),
    PartnerRole.OTHER: N_("other"),
}


def stage_label(stage: str, lang: str) -> str:
    return translate(CaseStage(stage).label, lang)


def barrier_label(barrier: str, lang: str) -> str:
    return translate(Barrier(barrier).label, lang)


# --- the board ---------------------------------------------------------------------------


class BoardFilters(BaseModel):
    stage: str = ""
    barrier: str = ""
    owner: int | None = None
    category: str = ""


class CaseCard(BaseModel):
    id: int
    title: str
    stage: str
    owner: str | None
    barriers: list[str]
    moves: list[Option]
    version: int
    can_edit: bool
    url: str


class BoardColumn(BaseModel):
    stage: str
    label: str
    cards: list[CaseCard]


class BoardData(BaseModel):
    slug: str
    columns: list[BoardColumn]
    filters: BoardFilters
    stages: list[Option]
    barriers: list[Option]
    owners: list[Option]
    categories: list[Option]
    can_create: bool
    synergies: list[Option]
    access: list[Option]
    total: int


def _owner_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {u.id: (u.name or u.email) for u in session.scalars(select(User).where(User.id.in_(sorted(ids))))}


def board_data(
    session: Session, region: Region, viewer: Viewer, filters: BoardFilters, lang: str
) -> BoardData:
    """The region's board as ``viewer`` may see it (the data of the page and its twin)."""
    rows = service.board(
        session,
        region,
        viewer,
        service.BoardFilters(
            stage=filters.stage or None,
            barrier=filters.barrier or None,
            owner_user_id=filters.owner,
            category=filters.category or None,
        ),
    )
    everyone = service.list_cases(session, region, viewer)
    names = _owner_names(session, {c.owner_user_id for c in everyone if c.owner_user_id})
    columns = []
    for stage in BOARD_COLUMNS:
        cards = []
        for c in rows:
            if c.stage != stage.value:
                continue
            moves = [
                Option(value=t.value, label=stage_label(t.value, lang))
                for t in BOARD_COLUMNS
                if t in TRANSITIONS[stage]
            ]
            cards.append(
                CaseCard(
                    id=c.id,
                    title=c.title,
                    stage=c.stage,
                    owner=names.get(c.owner_user_id or 0),
                    barriers=[barrier_label(b.barrier, lang) for b in c.barriers if not b.resolved],
                    moves=moves,
                    version=c.version,
                    can_edit=service.can_edit_case(viewer, c),
                    url=f"/regions/{region.slug}/cases/{c.id}",
                )
            )
        columns.append(BoardColumn(stage=stage.value, label=stage_label(stage.value, lang), cards=cards))
    synergies: list[Option] = []
    if viewer.role is not None:
        saved, _ = list_synergies(session, region, viewer, limit=200)
        synergies = [Option(value=str(s.id), label=f"#{s.id} ({s.status})") for s in saved]
    return BoardData(
        slug=region.slug,
        columns=columns,
        filters=filters,
        stages=[Option(value=s.value, label=stage_label(s.value, lang)) for s in BOARD_COLUMNS],
        barriers=[Option(value=b.value, label=barrier_label(b.value, lang)) for b in Barrier],
        owners=[Option(value=str(i), label=n) for i, n in sorted(names.items(), key=lambda x: x[1])],
        categories=[Option(value=c.value, label=category_label(c.value, lang)) for c in Category],
        can_create=has_role(viewer, Role.MEMBER),
        synergies=synergies,
        access=[Option(value=a.value, label=translate(ACCESS_LABELS[a], lang)) for a in CaseAccess],
        total=len(rows),
    )


def _filters(
    stage: Annotated[CaseStage | None, Query()] = None,
    barrier: Annotated[Barrier | None, Query()] = None,
    owner: Annotated[str, Query(max_length=12)] = "",
    category: Annotated[Category | None, Query()] = None,
) -> BoardFilters:
    owner_id = int(owner) if owner.isdigit() else None
    return BoardFilters(
        stage=stage.value if stage else "",
        barrier=barrier.value if barrier else "",
        owner=owner_id,
        category=category.value if category else "",
    )


FiltersDep = Annotated[BoardFilters, Depends(_filters)]


@router.get("/regions/{slug}/cases", response_class=HTMLResponse)
def board_page(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, filters: FiltersDep
) -> HTMLResponse:
    data = board_data(session, region, viewer, filters, web.lang)
    chrome = web.chrome(translate(N_("Cases"), web.lang), nav="cases", region=region)
    return web.render("cases.html", DataPage(data), chrome)


@twins.get("/regions/{slug}/cases.json", response_model=BoardData)
def board_json(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, filters: FiltersDep
) -> BoardData:
    return board_data(session, region, viewer, filters, web.lang)


@router.post("/regions/{slug}/cases")
def create_case(
    web: FormWebDep,
    region: RegionDep,
    session: SessionDep,
    title: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=20_000)] = "",
    synergy_id: Annotated[str, Form(max_length=12)] = "",
    visibility: Annotated[CaseAccess, Form()] = CaseAccess.NETWORK,
) -> RedirectResponse:
    viewer = form_viewer(session, web, region, csrf_token)
    case = service.create_case(
        session,
        region,
        viewer,
        title=title,
        description=description,
        synergy_id=int(synergy_id) if synergy_id.isdigit() else None,
        visibility=visibility,
    )
    return RedirectResponse(f"/regions/{region.slug}/cases/{case.id}", status_code=303)


@router.post("/regions/{slug}/cases/{case_id}/stage")
def move_case(
    web: FormWebDep,
    region: RegionDep,
    session: SessionDep,
    case_id: IdPath,
    stage: Annotated[CaseStage, Form()],
    version: Annotated[int, Form(ge=1)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    back: Annotated[str, Form(max_length=10)] = "board",
) -> RedirectResponse:
    """Move from the board (back to the board, focused on the case) or the case page."""
    case, viewer = _case_for_form(session, web, region, case_id, csrf_token)
    service.move_case(session, case, viewer, stage, expected_version=version)
    if back == "case":
        return RedirectResponse(f"/regions/{region.slug}/cases/{case.id}", status_code=303)
    return RedirectResponse(f"/regions/{region.slug}/cases#case-{case.id}", status_code=303)


# --- one case ----------------------------------------------------------------------------


class Criterion(BaseModel):
    id: str
    text: str
    met: bool


class PerspectiveData(BaseModel):
    id: str
    label: str
    level: int
    max_level: int
    criteria: list[Criterion]


class LinkItem(BaseModel):
    title: str
    url: str
    detail: str = ""


class FeedbackItem(BaseModel):
    id: int
    name: str
    text: str
    created_at: str
    answer: str
    hidden: bool


class HistoryItem(BaseModel):
    at: str
    user: str | None
    action: str
    change: str


class FigureItem(BaseModel):
    id: int
    kind: str
    metric: str
    label: str
    year: int | None
    value: float
    unit: str
    canonical: str
    method: str
    evidence: str


class CaseData(BaseModel):
    slug: str
    case: dict[str, Any]
    stage_label: str
    moves: list[Option]
    access_label: str
    partners: list[dict[str, Any]]
    flows: list[dict[str, Any]]
    barriers: list[dict[str, Any]]
    figures: list[FigureItem]
    readiness: list[PerspectiveData]
    readiness_source: str
    history: list[HistoryItem]
    funding: list[LinkItem]
    done_before: list[LinkItem]
    experts: list[LinkItem]
    feedback: list[FeedbackItem]
    barrier_options: list[Option]
    metric_options: list[Option]
    realised_options: list[Option]
    organisation_options: list[Option]
    flow_options: list[Option]
    role_options: list[Option]
    owner_options: list[Option]
    is_owner: bool
    public_url: str | None
    public_summary: str
    public_place: str
    public_why: str


def _change_text(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    parts = []
    keys = list(dict.fromkeys([*(before or {}), *(after or {})]))
    for key in keys:
        b = (before or {}).get(key)
        a = (after or {}).get(key)
        if b != a or before is None:
            parts.append(
                f"{key}: {'' if b is None else b} → {'' if a is None else a}" if before else f"{key}: {a}"
            )
    return "; ".join(parts)[:600]


_NOT_IN_CASE = ("partners", "flows", "figures", "readiness", "readiness_levels")


def _owner_options(session: Session, region: Region, case: Case, viewer: Viewer) -> list[Option]:
    """The region's people a case can be handed to — offered to facilitators and the
    current owner only, since the list names every member of the region."""
    if not (viewer.manages_region or (viewer.user_id is not None and viewer.user_id == case.owner_user_id)):
        return []
    people = [(m.user.name or m.user.email, m.user.id) for m in list_memberships(session, region)]
    return [Option(value=str(uid), label=label) for label, uid in sorted(people, key=lambda p: p[0].lower())]


def case_data(
    session: Session, region: Region, case: Case, viewer: Viewer, user: User | None, lang: str
) -> CaseData:
    view = service.case_view(session, case, viewer)
    stage = CaseStage(view.stage)
    met = view.readiness
    perspectives = [
        PerspectiveData(
            id=p.value,
            label=translate(p.label, lang),
            level=view.readiness_levels[p.value],
            max_level=len(readiness.CRITERIA[p]),
            criteria=[
                Criterion(id=c.id, text=translate(c.text, lang), met=c.id in met.get(p.value, []))
                for c in readiness.CRITERIA[p]
            ],
        )
        for p in readiness.Perspective
    ]
    funding: list[LinkItem] = []
    funding_stage = service.resume_stage(case) if stage is CaseStage.PAUSED else stage
    if funding_stage in (CaseStage.EXPLORED, CaseStage.FEASIBILITY, CaseStage.AGREEMENT):
        funding = [
            LinkItem(
                title=p.name, url=str(p.url), detail=f"{p.funds.localise(lang)} {p.typical.localise(lang)}"
            )
            for p in for_case(programmes(), country=region.country, stage=funding_stage)
        ]
    classes = view.classes
    done: list[LinkItem] = []
    seen: set[str] = set()
    for s_cls in classes:
        for d_cls in [None, *classes]:
            for c in catalogue_service.done_before_for(session, s_cls, d_cls):
                if c.id not in seen and (d_cls is not None or len(classes) == 1):
                    seen.add(c.id)
                    done.append(
                        LinkItem(
                            title=c.title.localise(lang),
                            url=f"/catalogue/{c.id}",
                            detail=f"{c.place} ({c.country})",
                        )
                    )
    experts = [
        LinkItem(title=s.expert.name, url=f"/experts#expert-{s.expert.id}", detail=s.expert.organisation)
        for s in expert_service.experts_for(session, user, service.expert_needs(session, case, viewer))
    ]
    team_view = view.can_edit
    feedback = (
        [
            FeedbackItem(
                id=f.id,
                name=f.name,
                text=f.text,
                created_at=f.created_at.date().isoformat(),
                answer=f.answer,
                hidden=f.hidden,
            )
            for f in engagement.team_feedback(session, case)
        ]
        if team_view
        else []
    )
    orgs: list[Option] = []
    flow_opts: list[Option] = []
    if view.can_edit:
        orgs = [
            Option(value=str(o.id), label=o.name)
            for o in list_organisations(session, region, viewer, per_page=500).items
        ]
        flow_opts = [
            Option(value=str(f.id), label=f"{f.organisation.name}: {f.resource} ({f.direction})")
            for f in session.scalars(
                visible_flows(region, viewer).order_by(Organisation.name, Flow.id).limit(1000)
            )
        ]
    return CaseData(
        slug=region.slug,
        case={k: v for k, v in view.__dict__.items() if k not in _NOT_IN_CASE},
        stage_label=stage_label(view.stage, lang),
        moves=[
            Option(value=t.value, label=stage_label(t.value, lang))
            for t in BOARD_COLUMNS
            if t in TRANSITIONS[stage]
        ],
        access_label=translate(ACCESS_LABELS[CaseAccess(view.visibility)], lang),
        partners=[
            {**p.__dict__, "role_label": translate(ROLE_LABELS[PartnerRole(p.role)], lang)}
            for p in view.partners
        ],
        flows=[f.__dict__ for f in view.flows],
        barriers=[{**b, "label": barrier_label(b["barrier"], lang)} for b in view.barriers],
        figures=[
            FigureItem(
                id=f["id"],
                kind=f["kind"],
                metric=f["metric"],
                label=translate(METRICS[Metric(f["metric"])].label, lang),
                year=f["year"],
                value=f["value"],
                unit=f["unit"],
                canonical=f"{f['canonical_value']:,.4g} {f['canonical_unit']}",
                method=f["method"],
                evidence=f["evidence"],
            )
            for f in view.figures
        ],
        readiness=perspectives,
        readiness_source=readiness.SOURCE_URL,
        history=[
            HistoryItem(
                at=e.at.strftime("%Y-%m-%d %H:%M"),
                user=e.user,
                action=e.action,
                change=_change_text(e.before, e.after),
            )
            for e in service.history(session, case, viewer)
        ],
        funding=funding,
        done_before=done,
        experts=experts,
        feedback=feedback,
        barrier_options=[Option(value=b.value, label=barrier_label(b.value, lang)) for b in Barrier],
        metric_options=[
            Option(value=m.value, label=f"{translate(s.label, lang)} ({s.unit_label})")
            for m, s in METRICS.items()
        ],
        realised_options=[
            Option(value=m.value, label=f"{translate(METRICS[m].label, lang)} ({METRICS[m].unit_label})")
            for m in REALISED_METRICS
        ],
        organisation_options=orgs,
        flow_options=flow_opts,
        role_options=[Option(value=r.value, label=translate(ROLE_LABELS[r], lang)) for r in PartnerRole],
        owner_options=_owner_options(session, region, case, viewer),
        is_owner=viewer.user_id is not None and viewer.user_id == case.owner_user_id,
        public_url=f"/public/cases/{case.public_slug}" if case.is_public and case.public_slug else None,
        public_summary=case.public_summary,
        public_place=case.public_place,
        public_why=case.public_why,
    )


@router.get("/regions/{slug}/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, case_id: IdPath, auth: AuthDep
) -> HTMLResponse:
    case = service.get_case(session, region, viewer, case_id)
    data = case_data(session, region, case, viewer, auth.user, web.lang)
    chrome = web.chrome(case.title, nav="cases", region=region)
    return web.render("case.html", DataPage(data), chrome)


@twins.get("/regions/{slug}/cases/{case_id}.json", response_model=CaseData)
def case_json(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, case_id: IdPath, auth: AuthDep
) -> CaseData:
    case = service.get_case(session, region, viewer, case_id)
    return case_data(session, region, case, viewer, auth.user, web.lang)


# --- forms on the case page ----------------------------------------------------------------

CsrfForm = Annotated[str, Form(max_length=200)]
VersionForm = Annotated[int, Form(ge=1)]


def _back(region: Region, case: Case, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/regions/{region.slug}/cases/{case.id}{anchor}", status_code=303)


def _case_for_form(
    session: Session, web: Any, region: Region, case_id: int, csrf_token: str
) -> tuple[Case, Viewer]:
    viewer = form_viewer(session, web, region, csrf_token)
    return service.get_case(session, region, viewer, case_id), viewer


@dataclass(frozen=True)
class CaseForm:
    """A form posted on the case page: the caller's case (its form token checked) and
    the version the page showed, which every change must match."""

    session: Session
    region: Region
    viewer: Viewer
    case: Case
    version: int

    def back(self, anchor: str = "") -> RedirectResponse:
        return _back(self.region, self.case, anchor)


def case_form(
    web: FormWebDep,
    region: RegionDep,
    session: SessionDep,
    case_id: IdPath,
    version: VersionForm,
    csrf_token: CsrfForm = "",
) -> CaseForm:
    case, viewer = _case_for_form(session, web, region, case_id, csrf_token)
    return CaseForm(session, region, viewer, case, version)


CaseFormDep = Annotated[CaseForm, Depends(case_form)]


@router.post("/regions/{slug}/cases/{case_id}/edit")
def edit_case(
    form: CaseFormDep,
    title: Annotated[str, Form(max_length=200)],
    description: Annotated[str, Form(max_length=20_000)] = "",
    visibility: Annotated[CaseAccess, Form()] = CaseAccess.NETWORK,
    owner_user_id: Annotated[str, Form(max_length=20)] = "",
) -> RedirectResponse:
    """``owner_user_id`` comes from the owner list, which only facilitators and the
    current owner get; empty keeps the owner."""
    service.update_case(
        form.session,
        form.case,
        form.viewer,
        expected_version=form.version,
        title=title,
        description=description,
        visibility=visibility,
        owner_user_id=int(owner_user_id) if owner_user_id.isdigit() else None,
    )
    return form.back()


class Removable(StrEnum):
    """What the case page's "remove" buttons take away, with the section to go back to."""

    PARTNER = "partner"
    FLOW = "flow"
    BARRIER = "barrier"
    STEP = "step"
    LINK = "link"
    FIGURE = "figure"


def _remove(form: CaseForm, what: Removable, item: str) -> None:
    if what is Removable.BARRIER:
        service.remove_barrier(form.session, form.case, form.viewer, item, expected_version=form.version)
        return
    if not item.isdigit():
        raise InvalidDataError(N_("{what}: not an id: {item!r}"), what=what.value, item=item)
    remove = {
        Removable.PARTNER: service.remove_partner,
        Removable.FLOW: service.remove_flow,
        Removable.STEP: service.remove_step,
        Removable.LINK: service.remove_link,
        Removable.FIGURE: service.remove_figure,
    }[what]
    remove(form.session, form.case, form.viewer, int(item), expected_version=form.version)


@router.post("/regions/{slug}/cases/{case_id}/remove")
def remove_item(
    form: CaseFormDep,
    what: Annotated[Removable, Form()],
    item: Annotated[str, Form(max_length=100)],
) -> RedirectResponse:
    """Take a partner, flow, barrier, step, link or figure off the case (the API's
    DELETE routes, for a browser form)."""
    _remove(form, what, item)
    return form.back(f"#{what.value}s")


@router.post("/regions/{slug}/cases/{case_id}/partners")
def add_partner(
    form: CaseFormDep,
    organisation_id: Annotated[int, Form(ge=1)],
    role: Annotated[PartnerRole, Form()] = PartnerRole.OTHER,
) -> RedirectResponse:
    service.add_partner(
        form.session,
        form.region,
        form.case,
        form.viewer,
        organisation_id,
        role,
        expected_version=form.version,
    )
    return form.back("#partners")


@router.post("/regions/{slug}/cases/{case_id}/flows")
def add_flow(
    form: CaseFormDep,
    flow_id: Annotated[int, Form(ge=1)],
) -> RedirectResponse:
    service.add_flow(
        form.session, form.region, form.case, form.viewer, flow_id, expected_version=form.version
    )
    return form.back("#flows")


@router.post("/regions/{slug}/cases/{case_id}/barriers")
def set_barrier(
    form: CaseFormDep,
    barrier: Annotated[Barrier, Form()],
    note: Annotated[str, Form(max_length=20_000)] = "",
    resolved: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    service.set_barrier(
        form.session,
        form.case,
        form.viewer,
        barrier.value,
        note=note,
        resolved=resolved,
        expected_version=form.version,
    )
    return form.back("#barriers")


@router.post("/regions/{slug}/cases/{case_id}/steps")
def add_step(
    form: CaseFormDep,
    text: Annotated[str, Form(max_length=20_000)],
    due: Annotated[str, Form(max_length=10)] = "",
    owner: Annotated[str, Form(max_length=200)] = "",
) -> RedirectResponse:
    try:
        due_date = date.fromisoformat(due) if due else None
    except ValueError:
        raise InvalidDataError(N_("due: write the date as YYYY-MM-DD")) from None
    service.add_step(
        form.session,
        form.case,
        form.viewer,
        text=text,
        due=due_date,
        owner=owner,
        expected_version=form.version,
    )
    return form.back("#steps")


@router.post("/regions/{slug}/cases/{case_id}/steps/{step_id}/done")
def step_done(
    form: CaseFormDep,
    step_id: IdPath,
    done: Annotated[bool, Form()] = True,
) -> RedirectResponse:
    service.update_step(
        form.session, form.case, form.viewer, step_id, done=done, expected_version=form.version
    )
    return form.back("#steps")


@router.post("/regions/{slug}/cases/{case_id}/links")
def add_link(
    form: CaseFormDep,
    title: Annotated[str, Form(max_length=200)],
    url: Annotated[str, Form(max_length=2000)],
) -> RedirectResponse:
    service.add_link(
        form.session, form.case, form.viewer, title=title, url=url, expected_version=form.version
    )
    return form.back("#links")


@router.post("/regions/{slug}/cases/{case_id}/figures")
def set_figure(
    form: CaseFormDep,
    kind: Annotated[str, Form(max_length=10)],
    metric: Annotated[Metric, Form()],
    value: Annotated[float, Form()],
    unit: Annotated[str, Form(max_length=30)],
    year: Annotated[str, Form(max_length=4)] = "",
    method: Annotated[str, Form(max_length=20_000)] = "",
    evidence: Annotated[str, Form(max_length=20_000)] = "",
) -> RedirectResponse:
    service.set_figure(
        form.session,
        form.case,
        form.viewer,
        kind=kind,
        metric=metric,
        value=value,
        unit=unit,
        year=int(year) if year.isdigit() else None,
        method=method,
        evidence=evidence,
        expected_version=form.version,
    )
    return form.back("#figures")


@router.post("/regions/{slug}/cases/{case_id}/readiness")
def set_readiness(
    form: CaseFormDep,
    met: Annotated[list[str] | None, Form()] = None,
) -> RedirectResponse:
    """``met`` holds ``perspective:criterion`` values of the ticked boxes."""
    chosen: dict[str, list[str]] = {}
    for item in met or []:
        perspective, _, criterion = item.partition(":")
        chosen.setdefault(perspective, []).append(criterion)
    service.set_readiness(form.session, form.case, form.viewer, chosen, expected_version=form.version)
    return form.back("#readiness")


@router.post("/regions/{slug}/cases/{case_id}/public")
def set_public(
    form: CaseFormDep,
    is_public: Annotated[bool, Form()] = False,
    summary: Annotated[str, Form(max_length=20_000)] = "",
    place: Annotated[str, Form(max_length=200)] = "",
    why: Annotated[str, Form(max_length=20_000)] = "",
) -> RedirectResponse:
    service.set_public(
        form.session,
        form.case,
        form.viewer,
        is_public=is_public,
        summary=summary,
        place=place,
        why=why,
        expected_version=form.version,
    )
    return form.back("#public")


@router.post("/regions/{slug}/cases/{case_id}/feedback/{feedback_id}")
def answer_feedback(
    web: FormWebDep,
    region: RegionDep,
    session: SessionDep,
    case_id: IdPath,
    feedback_id: IdPath,
    answer: Annotated[str, Form(max_length=2000)] = "",
    hidden: Annotated[bool, Form()] = False,
    csrf_token: CsrfForm = "",
) -> RedirectResponse:
    case, viewer = _case_for_form(session, web, region, case_id, csrf_token)
    engagement.answer_feedback(session, case, viewer, feedback_id, answer, hidden=hidden)
    return _back(region, case, "#feedback")
