"""The audit trail of a region (facilitators and admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sidestream.api.deps import PageDep, RegionDep, SessionDep, ViewerDep
from sidestream.api.schemas.audit import AuditEventPublic
from sidestream.api.schemas.common import Page
from sidestream.domain.visibility import Role
from sidestream.i18n import N_
from sidestream.services import audit as service
from sidestream.services.accounts import require_role

router = APIRouter(prefix="/regions/{slug}/audit", tags=["audit"])


@router.get("", response_model=Page[AuditEventPublic], summary="Who changed what (facilitator)")
def list_audit(
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    page: PageDep,
    entity: Annotated[str | None, Query(max_length=40, description="Only this kind, e.g. flow.")] = None,
    entity_id: Annotated[str | None, Query(max_length=100, description="Only this record.")] = None,
) -> Page[AuditEventPublic]:
    require_role(viewer, Role.FACILITATOR, N_("read the audit trail"))
    result = service.list_events(
        session, region, viewer, entity=entity, entity_id=entity_id, page=page.page, per_page=page.per_page
    )
    return Page(
        items=[AuditEventPublic.model_validate(e) for e in result.items],
        page=result.page,
        per_page=result.per_page,
        total=result.total,
    )
