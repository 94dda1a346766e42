"""The case pipeline: cases of a region, their parts and history, the public page.

Every write takes the version the caller read (``If-Match`` or ``version`` in the
body); a stale one gives 409. Reads show flows and partners only as far as the caller
may see them (hidden ones are stubs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
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


@dataclass(frozen=True)
class CaseRef:
    """A case of the region, loaded as the caller may see it ("not found" otherwise)."""

    session: Session
    region: Region
    viewer: Viewer
    case: Case


def case_ref(case_id: IdPath, region: RegionDep, viewer: ViewerDep, session: SessionDep) -> CaseRef:
    return CaseRef(session, region, viewer, service.get_case(session, region, viewer, case_id))


CaseRefDep = Annotated[CaseRef, Depends(case_ref)]


@dataclass(frozen=True)
class CaseCall(CaseRef):
    """A write to a case: the case, the version the caller read and the response that
    gets the new ETag — what every write route of this module shares."""

    response: Response
    if_match: int | None

    def version(self, body_version: int | None) -> int | None:
        return expected_version(self.if_match, body_version)

    def render(self) -> CasePublic:
        return _render(self.session, self.case, self.viewer, self.response)


def case_call(ref: CaseRefDep, response: Response, if_match: IfMatchDep) -> CaseCall:
    return CaseCall(ref.session, ref.region, ref.viewer, ref.case, response, if_match)


CaseCallDep = Annotated[CaseCall, Depends(case_call)]


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
def get_case(ref: CaseRefDep, response: Response) -> CasePublic:
    return _render(ref.session, ref.case, ref.viewer, response)


@router.patch(ONE, response_model=CasePublic, summary="Change a case's title, text, owner or visibility")
def update_case(
    body: CaseUpdate,
    call: CaseCallDep,
) -> CasePublic:
    service.update_case(
        call.session, call.case, call.viewer, expected_version=call.version(body.version), title=body.title,
        description=body.description, owner_user_id=body.owner_user_id, visibility=body.visibility,
    )  # fmt: skip
    return call.render()


@router.post(ONE + "/stage", response_model=CasePublic, summary="Move a case to another stage")
def move_case(
    body: StageMove,
    call: CaseCallDep,
) -> CasePublic:
    service.move_case(
        call.session, call.case, call.viewer, body.stage, expected_version=call.version(body.version)
    )
    return call.render()


@router.post(ONE + "/partners", response_model=CasePublic, summary="Add a partner organisation")
def add_partner(
    body: PartnerAdd,
    call: CaseCallDep,
) -> CasePublic:
    service.add_partner(
        call.session, call.region, call.case, call.viewer, body.organisation_id, body.role,
        expected_version=call.version(body.version),
    )  # fmt: skip
    return call.render()


@router.delete(ONE + "/partners/{organisation_id}", response_model=CasePublic, summary="Remove a partner")
def remove_partner(
    organisation_id: IdPath,
    call: CaseCallDep,
) -> CasePublic:
    service.remove_partner(
        call.session, call.case, call.viewer, organisation_id, expected_version=call.if_match
    )
    return call.render()


@router.post(ONE + "/flows", response_model=CasePublic, summary="Add a flow to a case")
def add_flow(
    body: FlowAdd,
    call: CaseCallDep,
) -> CasePublic:
    service.add_flow(
        call.session,
        call.region,
        call.case,
        call.viewer,
        body.flow_id,
        expected_version=call.version(body.version),
    )
    return call.render()


@router.delete(ONE + "/flows/{flow_id}", response_model=CasePublic, summary="Remove a flow from a case")
def remove_flow(
    flow_id: IdPath,
    call: CaseCallDep,
) -> CasePublic:
    service.remove_flow(call.session, call.case, call.viewer, flow_id, expected_version=call.if_match)
    return call.render()


@router.put(ONE + "/barriers/{barrier}", response_model=CasePublic, summary="Add or change a barrier")
def set_barrier(
    barrier: Barrier,
    body: BarrierSet,
    call: CaseCallDep,
) -> CasePublic:
    service.set_barrier(
        call.session, call.case, call.viewer, barrier.value, note=body.note, resolved=body.resolved,
        expected_version=call.version(body.version),
    )  # fmt: skip
    return call.render()


@router.delete(ONE + "/barriers/{barrier}", response_model=CasePublic, summary="Remove a barrier")
def remove_barrier(
    barrier: Barrier,
    call: CaseCallDep,
) -> CasePublic:
    service.remove_barrier(
        call.session, call.case, call.viewer, barrier.value, expected_version=call.if_match
    )
    return call.render()


@router.post(
    ONE + "/steps", response_model=CasePublic, status_code=status.HTTP_201_CREATED, summary="Add a next step"
)
def add_step(
    body: StepCreate,
    call: CaseCallDep,
) -> CasePublic:
    service.add_step(
        call.session, call.case, call.viewer, text=body.text, due=body.due, owner=body.owner,
        expected_version=call.version(body.version),
    )  # fmt: skip
    return call.render()


@router.patch(
    ONE + "/steps/{step_id}", response_model=CasePublic, summary="Change a next step (or mark it done)"
)
def update_step(
    step_id: IdPath,
    body: StepUpdate,
    call: CaseCallDep,
) -> CasePublic:
    service.update_step(
        call.session, call.case, call.viewer, step_id,
        text=body.text, due=body.due, owner=body.owner, done=body.done,
        expected_version=call.version(body.version),
    )  # fmt: skip
    return call.render()


@router.delete(ONE + "/steps/{step_id}", response_model=CasePublic, summary="Remove a next step")
def remove_step(
    step_id: IdPath,
    call: CaseCallDep,
) -> CasePublic:
    service.remove_step(call.session, call.case, call.viewer, step_id, expected_version=call.if_match)
    return call.render()


@router.post(
    ONE + "/links",
    response_model=CasePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a document link",
)
def add_link(
    body: LinkCreate,
    call: CaseCallDep,
) -> CasePublic:
    service.add_link(
        call.session,
        call.case,
        call.viewer,
        title=body.title,
        url=body.url,
        expected_version=call.version(body.version),
    )
    return call.render()


@router.delete(ONE + "/links/{link_id}", response_model=CasePublic, summary="Remove a document link")
def remove_link(
    link_id: IdPath,
    call: CaseCallDep,
) -> CasePublic:
    service.remove_link(call.session, call.case, call.viewer, link_id, expected_version=call.if_match)
    return call.render()


@router.put(ONE + "/figures", response_model=CasePublic, summary="Record an expected or realised figure")
def set_figure(
    body: FigureSet,
    call: CaseCallDep,
) -> CasePublic:
    """Realised figures need the year, the method and the evidence."""
    service.set_figure(
        call.session, call.case, call.viewer,
        kind=body.kind, metric=body.metric, value=body.value, unit=body.unit,
        year=body.year, method=body.method, evidence=body.evidence,
        expected_version=call.version(body.version),
    )  # fmt: skip
    return call.render()


@router.delete(ONE + "/figures/{figure_id}", response_model=CasePublic, summary="Remove a figure")
def remove_figure(
    figure_id: IdPath,
    call: CaseCallDep,
) -> CasePublic:
    service.remove_figure(call.session, call.case, call.viewer, figure_id, expected_version=call.if_match)
    return call.render()


@router.put(ONE + "/readiness", response_model=CasePublic, summary="Set the readiness criteria met")
def set_readiness(
    body: ReadinessSet,
    call: CaseCallDep,
) -> CasePublic:
    service.set_readiness(
        call.session, call.case, call.viewer, body.met, expected_version=call.version(body.version)
    )
    return call.render()


@router.get(ONE + "/history", response_model=list[HistoryPublic], summary="Every change to a case")
def case_history(ref: CaseRefDep) -> list[HistoryPublic]:
    return [HistoryPublic(**e.__dict__) for e in service.history(ref.session, ref.case, ref.viewer)]


@router.put(
    ONE + "/public", response_model=CasePublic, summary="Open or close the case's public page (owner)"
)
def set_public(
    body: PublicSet,
    call: CaseCallDep,
) -> CasePublic:
    service.set_public(
        call.session, call.case, call.viewer,
        is_public=body.is_public, summary=body.summary, place=body.place, why=body.why,
        expected_version=call.version(body.version),
    )  # fmt: skip
    return call.render()


def _feedback_public(f: object) -> FeedbackPublic:
    return FeedbackPublic.model_validate(f, from_attributes=True)


@router.get(ONE + "/feedback", response_model=list[FeedbackPublic], summary="Residents' feedback (case team)")
def case_feedback(ref: CaseRefDep) -> list[FeedbackPublic]:
    return [_feedback_public(f) for f in engagement.team_feedback(ref.session, ref.case)]


@router.post(
    ONE + "/feedback/{feedback_id}", response_model=FeedbackPublic, summary="Answer or hide feedback"
)
def answer_feedback(
    feedback_id: IdPath,
    body: FeedbackAnswer,
    ref: CaseRefDep,
) -> FeedbackPublic:
    return _feedback_public(
        engagement.answer_feedback(
            ref.session, ref.case, ref.viewer, feedback_id, body.answer, hidden=body.hidden
        )
    )


@router.get(
    ONE + "/funding", response_model=list[ProgrammePublic], summary="Funding programmes that fit the case"
)
def case_funding(ref: CaseRefDep, lang: LangQuery = "en") -> list[ProgrammePublic]:
    region, case = ref.region, ref.case
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
def case_experts(ref: CaseRefDep, auth: AuthDep) -> list[ExpertSuggestion]:
    from sidestream.api.routes.experts import expert_public

    needs = service.expert_needs(ref.session, ref.case, ref.viewer)
    return [
        ExpertSuggestion(expert=expert_public(s.expert, auth.user), score=s.score)
        for s in expert_service.experts_for(ref.session, auth.user, needs)
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
