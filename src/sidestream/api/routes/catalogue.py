"""The best-case catalogue and the funding programmes (public knowledge: no login)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from sidestream.api.deps import RegionDep, SessionDep, ViewerDep
from sidestream.api.routes.cases import LangQuery, programme_public
from sidestream.api.schemas.facilitation import ProgrammePublic
from sidestream.facilitation.cases import CaseStage
from sidestream.facilitation.catalogue import CatalogueCase
from sidestream.facilitation.funding import for_case, programmes
from sidestream.services import catalogue as service

router = APIRouter(tags=["catalogue"])
ClassQuery = Annotated[str | None, Query(max_length=60, description="A resource class id of the taxonomy")]


@router.get("/catalogue", response_model=list[CatalogueCase], summary="Search the best-case catalogue")
def search_catalogue(
    session: SessionDep,
    q: Annotated[str, Query(max_length=200, description="Words that must all occur")] = "",
    resource_class: ClassQuery = None,
    sector: Annotated[str | None, Query(max_length=10, description="NACE code or prefix, e.g. 24")] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
) -> list[CatalogueCase]:
    return service.search_catalogue(session, q, resource_class=resource_class, sector=sector, country=country)


@router.get(
    "/catalogue/done-before",
    response_model=list[CatalogueCase],
    summary="Has this exchange been done before?",
)
def done_before(
    session: SessionDep, supply_class: ClassQuery = None, demand_class: ClassQuery = None
) -> list[CatalogueCase]:
    """Catalogue cases with this supply class and demand class (as in a match)."""
    return service.done_before_for(session, supply_class, demand_class)


@router.get("/catalogue/{case_id}", response_model=CatalogueCase, summary="One catalogue case")
def get_catalogue_case(case_id: Annotated[str, Path(max_length=80)], session: SessionDep) -> CatalogueCase:
    return service.get_catalogue_case(session, case_id)


@router.post(
    "/regions/{slug}/catalogue",
    response_model=CatalogueCase,
    status_code=status.HTTP_201_CREATED,
    summary="Add the region's own best case (facilitators)",
)
def add_regional_case(
    body: dict[str, Any], region: RegionDep, viewer: ViewerDep, session: SessionDep
) -> CatalogueCase:
    """The body is a catalogue case (see GET /catalogue); its id gets the region's slug as prefix."""
    entry = service.add_regional_case(session, region, viewer, body)
    return CatalogueCase.model_validate(entry.data)


@router.delete(
    "/regions/{slug}/catalogue/{case_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a region's case",
)
def delete_regional_case(
    case_id: Annotated[str, Path(max_length=80)], region: RegionDep, viewer: ViewerDep, session: SessionDep
) -> Response:
    service.delete_regional_case(session, region, viewer, case_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/funding", response_model=list[ProgrammePublic], summary="Funding programmes for symbiosis projects"
)
def list_funding(
    country: Annotated[
        str | None, Query(max_length=2, description="Only programmes open to this country")
    ] = None,
    stage: Annotated[CaseStage | None, Query(description="Only programmes for this case stage")] = None,
    lang: LangQuery = "en",
) -> list[ProgrammePublic]:
    items = list(programmes())
    if stage is not None:
        items = for_case(items, country=country, stage=stage)
    elif country:
        items = [p for p in items if p.open_to(country)]
    return [programme_public(p, lang) for p in items]
