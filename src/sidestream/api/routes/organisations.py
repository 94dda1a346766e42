"""Organisations of a region (the actors owning sites and flows)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from sidestream.api.deps import (
    IdPath,
    IfMatchDep,
    PageDep,
    RegionDep,
    SessionDep,
    ViewerDep,
    etag,
    expected_version,
)
from sidestream.api.schemas.common import Page
from sidestream.api.schemas.flows import OrganisationCreate, OrganisationPublic, OrganisationUpdate
from sidestream.services import flows as service

router = APIRouter(prefix="/regions/{slug}/organisations", tags=["organisations"])


@router.get("", response_model=Page[OrganisationPublic], summary="Organisations you may see")
def list_organisations(
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name.")] = None,
) -> Page[OrganisationPublic]:
    result = service.list_organisations(session, region, viewer, q=q, page=page.page, per_page=page.per_page)
    items = [OrganisationPublic.model_validate(o) for o in result.items]
    return Page(items=items, page=result.page, per_page=result.per_page, total=result.total)


@router.post(
    "", response_model=OrganisationPublic, status_code=status.HTTP_201_CREATED, summary="Add an organisation"
)
def create_organisation(
    body: OrganisationCreate, region: RegionDep, viewer: ViewerDep, session: SessionDep, response: Response
) -> OrganisationPublic:
    organisation = service.create_organisation(session, region, viewer, body)
    response.headers["ETag"] = etag(organisation.version)
    return OrganisationPublic.model_validate(organisation)


@router.get("/{organisation_id}", response_model=OrganisationPublic, summary="One organisation")
def get_organisation(
    organisation_id: IdPath, region: RegionDep, viewer: ViewerDep, session: SessionDep, response: Response
) -> OrganisationPublic:
    organisation = service.get_organisation(session, region, viewer, organisation_id)
    response.headers["ETag"] = etag(organisation.version)
    return OrganisationPublic.model_validate(organisation)


@router.patch("/{organisation_id}", response_model=OrganisationPublic, summary="Change an organisation")
def update_organisation(
    organisation_id: IdPath,
    body: OrganisationUpdate,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> OrganisationPublic:
    changes = service.OrganisationChanges(**body.model_dump(exclude_unset=True, exclude={"version"}))
    organisation = service.update_organisation(
        session,
        region,
        viewer,
        organisation_id,
        changes,
        expected_version=expected_version(if_match, body.version),
    )
    response.headers["ETag"] = etag(organisation.version)
    return OrganisationPublic.model_validate(organisation)


@router.delete("/{organisation_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove an organisation")
def delete_organisation(
    organisation_id: IdPath, region: RegionDep, viewer: ViewerDep, session: SessionDep, if_match: IfMatchDep
) -> None:
    service.delete_organisation(session, region, viewer, organisation_id, expected_version=if_match)
