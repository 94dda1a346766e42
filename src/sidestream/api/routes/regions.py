"""Regions: open to read, created by instance administrators."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from sidestream.api.deps import AdminDep, RegionDep, SessionDep, ViewerDep, etag
from sidestream.api.schemas.regions import RegionCreate, RegionPublic, RegionSummary
from sidestream.services import regions as service
from sidestream.services.summaries import region_summary

router = APIRouter(prefix="/regions", tags=["regions"])


@router.get("", response_model=list[RegionPublic], summary="All regions")
def list_regions(session: SessionDep) -> list[RegionPublic]:
    return [RegionPublic.model_validate(r) for r in service.list_regions(session)]


@router.post(
    "", response_model=RegionPublic, status_code=status.HTTP_201_CREATED, summary="Create a region (admin)"
)
def create_region(
    body: RegionCreate, admin: AdminDep, session: SessionDep, response: Response
) -> RegionPublic:
    region = service.create_region(
        session, body.slug, body.name, country=body.country, description=body.description, user_id=admin.id
    )
    response.headers["ETag"] = etag(region.version)
    return RegionPublic.model_validate(region)


@router.get("/{slug}", response_model=RegionPublic, summary="One region")
def get_region(region: RegionDep, response: Response) -> RegionPublic:
    response.headers["ETag"] = etag(region.version)
    return RegionPublic.model_validate(region)


@router.get("/{slug}/summary", response_model=RegionSummary, summary="Counts of the flows you may see")
def get_summary(region: RegionDep, viewer: ViewerDep, session: SessionDep) -> RegionSummary:
    s = region_summary(session, region, viewer)
    return RegionSummary(
        region=s.region, flows=s.flows, supplies=s.supplies, demands=s.demands, by_category=s.by_category
    )
