"""Saved synergies: save a match, move its status, discuss it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.orm import Session

from sidestream.api.deps import (
    IdPath,
    IfMatchDep,
    PageDep,
    RegionDep,
    SessionDep,
    SettingsDep,
    ViewerDep,
    etag,
    expected_version,
)
from sidestream.api.schemas.common import Page
from sidestream.api.schemas.matches import (
    CommentCreate,
    CommentPublic,
    SynergyCreate,
    SynergyPublic,
    SynergyStatusUpdate,
)
from sidestream.domain.synergies import SynergyStatus
from sidestream.domain.visibility import Viewer
from sidestream.i18n import normalise_lang
from sidestream.services import synergies as service
from sidestream.services.synergies import SynergyView
from sidestream.store.models import Synergy

router = APIRouter(prefix="/regions/{slug}/synergies", tags=["synergies"])
LangQuery = Annotated[str, Query(max_length=10, description="Language: en or nb.")]


def _public(view: SynergyView) -> SynergyPublic:
    return SynergyPublic(
        id=view.id,
        region_id=view.region_id,
        status=SynergyStatus(view.status),
        score=view.score,
        anonymised=view.anonymised,
        supply=view.supply,
        demand=view.demand,
        reasons=view.reasons,
        created_by=view.created_by,
        created_at=view.created_at,
        version=view.version,
        comments=[
            CommentPublic(id=c.id, user_id=c.user_id, text=c.text, created_at=c.created_at)
            for c in view.comments
        ],
    )


def _render(
    session: Session, synergy: Synergy, viewer: Viewer, lang: str, response: Response
) -> SynergyPublic:
    response.headers["ETag"] = etag(synergy.version)
    return _public(service.synergy_view(session, synergy, viewer, normalise_lang(lang)))


@router.get("", response_model=Page[SynergyPublic], summary="Saved synergies you may see")
def list_synergies(
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    page: PageDep,
    status_: Annotated[SynergyStatus | None, Query(alias="status", description="Only this status.")] = None,
    lang: LangQuery = "en",
) -> Page[SynergyPublic]:
    rows, total = service.list_synergies(
        session, region, viewer, status=status_, offset=page.offset, limit=page.per_page
    )
    items = [_public(service.synergy_view(session, s, viewer, normalise_lang(lang))) for s in rows]
    return Page(items=items, page=page.page, per_page=page.per_page, total=total)


@router.post("", response_model=SynergyPublic, status_code=status.HTTP_201_CREATED, summary="Save a match")
def create_synergy(
    body: SynergyCreate,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    lang: LangQuery = "en",
) -> SynergyPublic:
    synergy = service.save_synergy(
        session,
        region,
        viewer,
        secret=settings.secret_key,
        supply_flow_id=body.supply_flow_id,
        demand_flow_id=body.demand_flow_id,
        ref=body.match_ref,
        lang=normalise_lang(lang),
    )
    return _render(session, synergy, viewer, lang, response)


@router.get("/{synergy_id}", response_model=SynergyPublic, summary="One saved synergy")
def get_synergy(
    synergy_id: IdPath,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    lang: LangQuery = "en",
) -> SynergyPublic:
    synergy = service.get_synergy(session, region, viewer, synergy_id)
    return _render(session, synergy, viewer, lang, response)


@router.patch("/{synergy_id}", response_model=SynergyPublic, summary="Change a synergy's status")
def update_synergy(
    synergy_id: IdPath,
    body: SynergyStatusUpdate,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
    lang: LangQuery = "en",
) -> SynergyPublic:
    """Send the version you read (If-Match or ``version``): a stale one gives 409."""
    synergy = service.get_synergy(session, region, viewer, synergy_id)
    service.set_status(
        session, synergy, viewer, body.status, expected_version=expected_version(if_match, body.version)
    )
    return _render(session, synergy, viewer, lang, response)


@router.post(
    "/{synergy_id}/comments",
    response_model=CommentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Comment on a synergy",
)
def add_comment(
    synergy_id: IdPath, body: CommentCreate, region: RegionDep, viewer: ViewerDep, session: SessionDep
) -> CommentPublic:
    synergy = service.get_synergy(session, region, viewer, synergy_id)
    c = service.add_comment(session, synergy, viewer, body.text)
    return CommentPublic(id=c.id, user_id=c.user_id, text=c.text, created_at=c.created_at)
