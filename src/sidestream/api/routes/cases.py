"""The case pipeline: cases of a region, their parts and history, the public page.

Every write takes the version the caller read (``If-Match`` or ``version`` in the
body); a stale one gives 409. Reads show flows and partners only as far as the caller
may see them (hidden ones are stubs).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from sqlalchemy.orm import Session

from sidestream.api.deps import (
    AuthDep,
    IdPath,
    IfMatchDep,
    RegionDep,
    SessionDep,
    SettingsDep,
    ViewerDep,
    etag,
    expected_version,
)
from sidestream.api.schemas.cases import (
    BarrierSet,
    CaseCreate,
    CasePublic,
    CaseUpdate,
    FeedbackAnswer,
    FeedbackCreate,
    FeedbackPublic,
    FigureSet,
    FlowAdd,
    FlowRefPublic,
    HistoryPublic,
    LinkCreate,
    PartnerAdd,
    PartnerPublic,
    PublicCasePage,
    PublicSet,
    ReadinessLevel,
    ReadinessSet,
    StageMove,
    StepCreate,
    StepUpdate,
)
from sidestream.api.schemas.facilitation import ExpertSuggestion, ProgrammePublic
from sidestream.domain.visibility import Viewer
from sidestream.errors import InvalidDataError
from sidestream.facilitation import readiness
from sidestream.facilitation.cases import Barrier, CaseAccess, CaseStage
from sidestream.facilitation.funding import Programme, for_case, programmes
from sidestream.i18n import N_, normalise_lang
from sidestream.services import cases as service
from sidestream.services import engagement
from sidestream.services import experts as expert_service
from sidestream.store.models import Case, Region

router = APIRouter(tags=["cases"])
CASES = "/regions/{slug}/cases"
ONE = CASES + "/{case_id}"
LangQuery = Annotated[str, Query(max_length=10, description="Language: en or nb.")]
PublicSlug = Annotated[str, Path(max_length=40, description="The public page's address")]


def case_public(view: service.CaseView) -> CasePublic:
    return CasePublic(
        id=view.id,
        region_id=view.region_id,
        title=view.title,
        description=view.description,
        stage=CaseStage(view.stage),
        paused_from=view.paused_from,
        visibility=CaseAccess(view.visibility),
        owner_user_id=view.owner_user_id,
        owner_name=view.owner_name,
        synergy_id=view.synergy_id,
        origin=view.origin,
        is_public=view.is_public,
        public_slug=view.public_slug,
        created_at=view.created_at,
        updated_at=view.updated_at,
        version=view.version,
        can_edit=view.can_edit,
        partners=[PartnerPublic(**p.__dict__) for p in view.partners],
        flows=[FlowRefPublic(**f.__dict__) for f in view.flows],
        barriers=view.barriers,
        steps=view.steps,
        links=view.links,
        figures=view.figures,
        readiness=[
            ReadinessLevel(
                perspective=p.value,
                level=view.readiness_levels[p.value],
                max_level=len(readiness.CRITERIA[p]),
                met=view.readiness.get(p.value, []),
            )
            for p in readiness.Perspective
        ],
        classes=view.classes,
    )


def _render(session: Session, case: Case, viewer: Viewer, response: Response) -> CasePublic:
    response.headers["ETag"] = etag(case.version)
    return case_public(service.case_view(session, case, viewer))


def _case(session: Session, region: Region, viewer: Viewer, case_id: int) -> Case:
    return service.get_case(session, region, viewer, case_id)


@router.get(CASES, response_model=list[CasePublic], summary="Cases you may see (the board)")
def list_cases(
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    stage: Annotated[CaseStage | None, Query(description="Only this stage.")] = None,
    barrier: Annotated[Barrier | None, Query(description="Only cases with this open barrier.")] = None,
    owner: Annotated[int | None, Query(ge=1, le=2_147_483_647, description="Owner's user id.")] = None,
    category: Annotated[str | None, Query(max_length=20, description="Resource category of a flow.")] = None,
) -> list[CasePublic]:
    filters = service.BoardFilters(
        stage=stage.value if stage else None, barrier=barrier.value if barrier else None,
        owner_user_id=owner, category=category,
    )  # fmt: skip
    return [
        case_public(service.case_view(session, c, viewer))
        for c in service.board(session, region, viewer, filters)
    ]


@router.post(CASES, response_model=CasePublic, status_code=status.HTTP_201_CREATED, summary="Open a case")
def create_case(
    body: CaseCreate, region: RegionDep, viewer: ViewerDep, session: SessionDep, response: Response
) -> CasePublic:
    """With ``synergy_id``, a saved synergy is developed as this case ("develop as case")."""
    case = service.create_case(
        session, region, viewer, title=body.title, description=body.description,
        organisation_ids=body.organisation_ids, flow_ids=body.flow_ids, synergy_id=body.synergy_id,
        origin=body.origin, visibility=body.visibility,
    )  # fmt: skip
    return _render(session, case, viewer, response)


@router.get(ONE, response_model=CasePublic, summary="One case")
def get_case(
    case_id: IdPath, region: RegionDep, viewer: ViewerDep, session: SessionDep, response: Response
) -> CasePublic:
    return _render(session, _case(session, region, viewer, case_id), viewer, response)


@router.patch(ONE, response_model=CasePublic, summary="Change a case's title, text, owner or visibility")
def update_case(
    case_id: IdPath,
    body: CaseUpdate,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    case = _case(session, region, viewer, case_id)
    service.update_case(
        session, case, viewer, expected_version=expected_version(if_match, body.version), title=body.title,
        description=body.description, owner_user_id=body.owner_user_id, visibility=body.visibility,
    )  # fmt: skip
    return _render(session, case, viewer, response)


@router.post(ONE + "/stage", response_model=CasePublic, summary="Move a case to another stage")
def move_case(
    case_id: IdPath,
    body: StageMove,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    case = _case(session, region, viewer, case_id)
    service.move_case(
        session, case, viewer, body.stage, expected_version=expected_version(if_match, body.version)
    )
    return _render(session, case, viewer, response)


@router.post(ONE + "/partners", response_model=CasePublic, summary="Add a partner organisation")
def add_partner(
    case_id: IdPath,
    body: PartnerAdd,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    case = _case(session, region, viewer, case_id)
    service.add_partner(
        session, region, case, viewer, body.organisation_id, body.role,
        expected_version=expected_version(if_match, body.version),
    )  # fmt: skip
    return _render(session, case, viewer, response)


@router.delete(ONE + "/partners/{organisation_id}", response_model=CasePublic, summary="Remove a partner")
def remove_partner(
    case_id: IdPath,
    organisation_id: IdPath,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    case = _case(session, region, viewer, case_id)
    service.remove_partner(session, case, viewer, organisation_id, expected_version=if_match)
    return _render(session, case, viewer, response)


@router.post(ONE + "/flows", response_model=CasePublic, summary="Add a flow to a case")
def add_flow(
    case_id: IdPath,
    body: FlowAdd,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    case = _case(session, region, viewer, case_id)
    service.add_flow(
        session, region, case, viewer, body.flow_id, expected_version=expected_version(if_match, body.version)
    )
    return _render(session, case, viewer, response)


@router.delete(ONE + "/flows/{flow_id}", response_model=CasePublic, summary="Remove a flow from a case")
def remove_flow(
    case_id: IdPath,
    flow_id: IdPath,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    case = _case(session, region, viewer, case_id)
    service.remove_flow(session, case, viewer, flow_id, expected_version=if_match)
    return _render(session, case, viewer, response)


@router.put(ONE + "/barriers/{barrier}", response_model=CasePublic, summary="Add or change a barrier")
def set_barrier(
    case_id: IdPath,
    barrier: Barrier,
    body: BarrierSet,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    case = _case(session, region, viewer, case_id)
    service.set_barrier(
        session, case, viewer, barrier.value, note=body.note, resolved=body.resolved,
        expected_version=expected_version(if_match, body.version),
    )  # fmt: skip
    return _render(session, case, viewer, response)


@router.delete(ONE + "/barriers/{barrier}", response_model=CasePublic, summary="Remove a barrier")
def remove_barrier(
    case_id: IdPath,
    barrier: Barrier,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    case = _case(session, region, viewer, case_id)
    service.remove_barrier(session, case, viewer, barrier.value, expected_version=if_match)
    return _render(session, case, viewer, response)


@router.post(
    ONE + "/steps", response_model=CasePublic, status_code=status.HTTP_201_CREATED, summary="Add a next step"
)
def add_step(
    case_id: IdPath,
    body: StepCreate,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    case = _case(session, region, viewer, case_id)
    service.add_step(
        session, case, viewer, text=body.text, due=body.due, owner=body.owner,
        expected_version=expected_version(if_match, body.version),
    )  # fmt: skip
    return _render(session, case, viewer, response)


@router.patch(
    ONE + "/steps/{step_id}", response_model=CasePublic, summary="Change a next step (or mark it done)"
)
def update_step(
    case_id: IdPath,
    step_id: IdPath,
    body: StepUpdate,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    case = _case(session, region, viewer, case_id)
    service.update_step(
        session, case, viewer, step_id, text=body.text, due=body.due, owner=body.owner, done=body.done,
        expected_version=expected_version(if_match, body.version),
    )  # fmt: skip
    return _render(session, case, viewer, response)


@router.delete(ONE + "/steps/{step_id}", response_model=CasePublic, summary="Remove a next step")
def remove_step(
    case_id: IdPath,
    step_id: IdPath,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    case = _case(session, region, viewer, case_id)
    service.remove_step(session, case, viewer, step_id, expected_version=if_match)
    return _render(session, case, viewer, response)


@router.post(
    ONE + "/links",
    response_model=CasePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a document link",
)
def add_link(
    case_id: IdPath,
    body: LinkCreate,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    case = _case(session, region, viewer, case_id)
    service.add_link(
        session,
        case,
        viewer,
        title=body.title,
        url=body.url,
        expected_version=expected_version(if_match, body.version),
    )
    return _render(session, case, viewer, response)


@router.delete(ONE + "/links/{link_id}", response_model=CasePublic, summary="Remove a document link")
def remove_link(
    case_id: IdPath,
    link_id: IdPath,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    case = _case(session, region, viewer, case_id)
    service.remove_link(session, case, viewer, link_id, expected_version=if_match)
    return _render(session, case, viewer, response)


@router.put(ONE + "/figures", response_model=CasePublic, summary="Record an expected or realised figure")
def set_figure(
    case_id: IdPath,
    body: FigureSet,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    """Realised figures need the year, the method and the evidence."""
    case = _case(session, region, viewer, case_id)
    service.set_figure(
        session, case, viewer, kind=body.kind, metric=body.metric, value=body.value, unit=body.unit,
        year=body.year, method=body.method, evidence=body.evidence,
        expected_version=expected_version(if_match, body.version),
    )  # fmt: skip
    return _render(session, case, viewer, response)


@router.delete(ONE + "/figures/{figure_id}", response_model=CasePublic, summary="Remove a figure")
def remove_figure(
    case_id: IdPath,
    figure_id: IdPath,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    case = _case(session, region, viewer, case_id)
    service.remove_figure(session, case, viewer, figure_id, expected_version=if_match)
    return _render(session, case, viewer, response)


@router.put(ONE + "/readiness", response_model=CasePublic, summary="Set the readiness criteria met")
def set_readiness(
    case_id: IdPath,
    body: ReadinessSet,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    case = _case(session, region, viewer, case_id)
    service.set_readiness(
        session, case, viewer, body.met, expected_version=expected_version(if_match, body.version)
    )
    return _render(session, case, viewer, response)


@router.get(ONE + "/history", response_model=list[HistoryPublic], summary="Every change to a case")
def case_history(
    case_id: IdPath, region: RegionDep, viewer: ViewerDep, session: SessionDep
) -> list[HistoryPublic]:
    case = _case(session, region, viewer, case_id)
    return [HistoryPublic(**e.__dict__) for e in service.history(session, case, viewer)]


@router.put(
    ONE + "/public", response_model=CasePublic, summary="Open or close the case's public page (owner)"
)
def set_public(
    case_id: IdPath,
    body: PublicSet,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> CasePublic:
    case = _case(session, region, viewer, case_id)
    service.set_public(
        session, case, viewer, is_public=body.is_public, summary=body.summary, place=body.place, why=body.why,
        expected_version=expected_version(if_match, body.version),
    )  # fmt: skip
    return _render(session, case, viewer, response)


def _feedback_public(f: object) -> FeedbackPublic:
    return FeedbackPublic.model_validate(f, from_attributes=True)


@router.get(ONE + "/feedback", response_model=list[FeedbackPublic], summary="Residents' feedback (case team)")
def case_feedback(
    case_id: IdPath, region: RegionDep, viewer: ViewerDep, session: SessionDep
) -> list[FeedbackPublic]:
    case = _case(session, region, viewer, case_id)
    return [_feedback_public(f) for f in engagement.team_feedback(session, case)]


@router.post(
    ONE + "/feedback/{feedback_id}", response_model=FeedbackPublic, summary="Answer or hide feedback"
)
def answer_feedback(
    case_id: IdPath,
    feedback_id: IdPath,
    body: FeedbackAnswer,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
) -> FeedbackPublic:
    case = _case(session, region, viewer, case_id)
    return _feedback_public(
        engagement.answer_feedback(session, case, viewer, feedback_id, body.answer, hidden=body.hidden)
    )


@router.get(
    ONE + "/funding", response_model=list[ProgrammePublic], summary="Funding programmes that fit the case"
)
def case_funding(
    case_id: IdPath, region: RegionDep, viewer: ViewerDep, session: SessionDep, lang: LangQuery = "en"
) -> list[ProgrammePublic]:
    case = _case(session, region, viewer, case_id)
    stage = service.resume_stage(case) if case.stage == CaseStage.PAUSED.value else CaseStage(case.stage)
    if stage is CaseStage.STOPPED:
        return []
    return [programme_public(p, lang) for p in for_case(programmes(), country=region.country, stage=stage)]


def programme_public(p: Programme, lang: str) -> ProgrammePublic:
    lang = normalise_lang(lang)
    return ProgrammePublic(
        id=p.id,
        name=p.name,
        funder=p.funder,
        countries=p.countries,
        url=str(p.url),
        applicants=list(p.applicants),
        stages=[s.value for s in p.stages],
        funds=p.funds.localise(lang),
        typical=p.typical.localise(lang),
    )


@router.get(ONE + "/experts", response_model=list[ExpertSuggestion], summary="Experts for the case's needs")
def case_experts(
    case_id: IdPath, region: RegionDep, viewer: ViewerDep, session: SessionDep, auth: AuthDep
) -> list[ExpertSuggestion]:
    from sidestream.api.routes.experts import expert_public

    case = _case(session, region, viewer, case_id)
    needs = service.expert_needs(session, case, viewer)
    return [
        ExpertSuggestion(expert=expert_public(s.expert, auth.user), score=s.score)
        for s in expert_service.experts_for(session, auth.user, needs)
    ]


# --- the public page (no login) --------------------------------------------------------


@router.get(
    "/public/cases/{public_slug}",
    response_model=PublicCasePage,
    tags=["public"],
    summary="A case's public page",
)
def public_page(public_slug: PublicSlug, session: SessionDep) -> PublicCasePage:
    view = engagement.public_view(session, engagement.public_case(session, public_slug))
    return PublicCasePage.model_validate(view, from_attributes=True)


@router.post(
    "/public/cases/{public_slug}/feedback",
    response_model=FeedbackPublic,
    status_code=status.HTTP_201_CREATED,
    tags=["public"],
    summary="Ask a question or comment on a public case (no login)",
)
def post_feedback(
    public_slug: PublicSlug,
    body: FeedbackCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> FeedbackPublic:
    if body.website:
        raise InvalidDataError(N_("leave the website field empty"))
    case = engagement.public_case(session, public_slug)
    address = request.client.host if request.client else "unknown"
    row = engagement.post_feedback(
        session,
        case,
        name=body.name,
        text=body.text,
        client=engagement.client_key(address, settings.secret_key),
    )
    return _feedback_public(row)
