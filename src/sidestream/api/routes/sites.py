"""Sites: where an organisation's flows are (WGS84 coordinates)."""

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
from sidestream.api.schemas.common import MAX_ID, Page
from sidestream.api.schemas.flows import SiteCreate, SitePublic, SiteUpdate
from sidestream.services import flows as service

router = APIRouter(prefix="/regions/{slug}/sites", tags=["sites"])


@router.get("", response_model=Page[SitePublic], summary="Sites you may see")
def list_sites(
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    page: PageDep,
    organisation_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only this organisation's sites.")
    ] = None,
) -> Page[SitePublic]:
    result = service.list_sites(
        session, region, viewer, organisation_id=organisation_id, page=page.page, per_page=page.per_page
    )
    items = [SitePublic.model_validate(s) for s in result.items]
    return Page(items=items, page=result.page, per_page=result.per_page, total=result.total)


@router.post("", response_model=SitePublic, status_code=status.HTTP_201_CREATED, summary="Add a site")
def create_site(
    body: SiteCreate, region: RegionDep, viewer: ViewerDep, session: SessionDep, response: Response
) -> SitePublic:
    site = service.create_site(session, region, viewer, body)
    response.headers["ETag"] = etag(site.version)
    return SitePublic.model_validate(site)


@router.get("/{site_id}", response_model=SitePublic, summary="One site")
def get_site(
    site_id: IdPath, region: RegionDep, viewer: ViewerDep, session: SessionDep, response: Response
) -> SitePublic:
    site = service.get_site(session, region, viewer, site_id)
    response.headers["ETag"] = etag(site.version)
    return SitePublic.model_validate(site)


@router.patch("/{site_id}", response_model=SitePublic, summary="Change a site")
def update_site(
    site_id: IdPath,
    body: SiteUpdate,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> SitePublic:
    changes = service.SiteChanges(**body.model_dump(exclude_unset=True, exclude={"version"}))
    site = service.update_site(
        session, region, viewer, site_id, changes, expected_version=expected_version(if_match, body.version)
    )
    response.headers["ETag"] = etag(site.version)
    return SitePublic.model_validate(site)


@router.delete("/{site_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a site and its flows")
def delete_site(
    site_id: IdPath, region: RegionDep, viewer: ViewerDep, session: SessionDep, if_match: IfMatchDep
) -> None:
    service.delete_site(session, region, viewer, site_id, expected_version=if_match)
