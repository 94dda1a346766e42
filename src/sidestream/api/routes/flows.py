"""Flows: list, search, read, write, bulk import and export — always cut to what the
caller may see."""

from __future__ import annotations

import tempfile
from collections.abc import Hashable
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, Response, UploadFile, status
from pydantic import TypeAdapter

from sidestream.api.deps import (
    FacilitatorDep,
    IdPath,
    IfMatchDep,
    PageDep,
    RegionDep,
    ResponseCacheDep,
    SessionDep,
    SettingsDep,
    ViewerDep,
    etag,
    expected_version,
)
from sidestream.api.problems import HTTPProblemError
from sidestream.api.responses import NOT_MODIFIED, IfNoneMatchHeader
from sidestream.api.schemas.common import Page
from sidestream.api.schemas.flows import FlowCreate, FlowPublic, FlowUpdate
from sidestream.api.schemas.imports import ImportReportPublic
from sidestream.domain.categories import Category, Direction, Visibility
from sidestream.domain.months import format_months
from sidestream.io import read_flow_table
from sidestream.services import exports, imports
from sidestream.services import flows as service
from sidestream.store.models import Flow
from sidestream.store.versions import region_key

router = APIRouter(prefix="/regions/{slug}/flows", tags=["flows"])

SortQuery = Annotated[
    str,
    Query(
        max_length=20,
        pattern=r"^-?(key|resource|category|direction|organisation|quantity|temperature|updated|created)$",
        description="Sort key, '-' in front for descending.",
    ),
]
ExportFormat = Literal["csv", "xlsx", "geojson"]
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}


def flow_public(flow: Flow) -> FlowPublic:
    return FlowPublic(
        id=flow.id,
        key=flow.key,
        region_id=flow.region_id,
        organisation_id=flow.organisation_id,
        organisation=flow.organisation.name,
        actor_type=flow.organisation.actor_type,
        site_id=flow.site_id,
        site=flow.site.name,
        lat=flow.site.lat,
        lon=flow.site.lon,
        direction=Direction(flow.direction),
        resource=flow.resource,
        category=Category(flow.category) if flow.category else None,
        ewc=flow.ewc,
        hazardous=flow.hazardous,
        quantity=flow.quantity,
        unit=flow.unit,
        annual_quantity=flow.annual_quantity,
        annual_unit=flow.annual_unit,
        temperature_c=flow.temperature_c,
        months=format_months(flow.months_mask),
        visibility=Visibility(flow.visibility),
        notes=flow.notes,
        source=flow.source,
        created_at=flow.created_at,
        updated_at=flow.updated_at,
        version=flow.version,
    )


@router.get(
    "",
    response_model=Page[FlowPublic],
    summary="Flows you may see (filter, search, sort)",
    responses=NOT_MODIFIED,
)
async def list_flows(
    request: Request,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    page: PageDep,
    cache: ResponseCacheDep,
    direction: Annotated[Direction | None, Query(description="supply or demand")] = None,
    category: Annotated[Category | None, Query(description="Only this category.")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Search resource, notes and organisation.")
    ] = None,
    sort: SortQuery = "key",
    if_none_match: IfNoneMatchHeader = None,
) -> Response:
    """``total`` counts only the flows you may see. The page is cached per viewer until
    the region's data changes; send its ETag in ``If-None-Match`` to get a 304."""

    def key() -> Hashable:
        return ("flows", region.id, region_key(session, region.id), viewer, direction, category, q, sort,
                page.page, page.per_page)  # fmt: skip

    def build() -> bytes:
        result = service.list_flows(
            session,
            region,
            viewer,
            direction=direction,
            category=category,
            q=q,
            sort=sort,
            page=page.page,
            per_page=page.per_page,
        )
        body = Page[FlowPublic](
            items=[flow_public(f) for f in result.items],
            page=result.page,
            per_page=result.per_page,
            total=result.total,
        )
        return _PAGE.dump_json(body, by_alias=True)

    return await cache.respond(request, session, key, build, if_none_match)


_PAGE: TypeAdapter[Page[FlowPublic]] = TypeAdapter(Page[FlowPublic])


@router.post("", response_model=FlowPublic, status_code=status.HTTP_201_CREATED, summary="Add a flow")
def create_flow(
    body: FlowCreate, region: RegionDep, viewer: ViewerDep, session: SessionDep, response: Response
) -> FlowPublic:
    flow = service.create_flow(session, region, viewer, body)
    response.headers["ETag"] = etag(flow.version)
    return flow_public(flow)


@router.get(
    "/export",
    summary="Download the flows you may see (csv, xlsx or geojson)",
    responses={200: {"content": {t: {} for t in EXPORT_TYPES.values()}, "description": "The flow table."}},
    response_class=Response,
)
def export_flows(
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    fmt: Annotated[ExportFormat, Query(alias="format", description="File format.")] = "csv",
) -> Response:
    with tempfile.TemporaryDirectory(prefix="sidestream-export-") as folder:
        path = Path(folder) / f"flows.{fmt}"
        exports.export_flows(session, region, viewer, path, fmt)
        data = path.read_bytes()
    filename = f"{region.slug}-flows.{fmt}"
    return Response(
        content=data,
        media_type=EXPORT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post(
    "/import", response_model=ImportReportPublic, summary="Bulk import a flow table (CSV/XLSX/GeoJSON)"
)
def import_flows(
    region: RegionDep,
    viewer: FacilitatorDep,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="The flow table file.")],
    dry_run: Annotated[bool, Query(description="Validate and report only; change nothing.")] = False,
    strict: Annotated[bool, Query(description="Apply nothing if any row is invalid.")] = False,
) -> ImportReportPublic:
    """Every valid row is applied in one transaction (or none with ``strict``); the
    report lists each invalid row with its row number, column and reason."""
    data = file.file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise HTTPProblemError(413, f"the file is larger than {settings.max_upload_bytes} bytes")
    table = read_flow_table(data, name=file.filename or "flows.csv")
    report = imports.import_flow_table(session, region, table, viewer=viewer, dry_run=dry_run, strict=strict)
    return ImportReportPublic.from_report(report)


@router.get("/{flow_id}", response_model=FlowPublic, summary="One flow")
def get_flow(
    flow_id: IdPath, region: RegionDep, viewer: ViewerDep, session: SessionDep, response: Response
) -> FlowPublic:
    flow = service.get_flow(session, region, viewer, flow_id)
    response.headers["ETag"] = etag(flow.version)
    return flow_public(flow)


@router.patch("/{flow_id}", response_model=FlowPublic, summary="Change a flow")
def update_flow(
    flow_id: IdPath,
    body: FlowUpdate,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatchDep,
) -> FlowPublic:
    """Send the version you read (If-Match or ``version``): a stale one gives 409."""
    changes = service.FlowChanges(**body.model_dump(exclude_unset=True, exclude={"version"}))
    flow = service.update_flow(
        session, region, viewer, flow_id, changes, expected_version=expected_version(if_match, body.version)
    )
    response.headers["ETag"] = etag(flow.version)
    return flow_public(flow)


@router.delete("/{flow_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a flow")
def delete_flow(
    flow_id: IdPath, region: RegionDep, viewer: ViewerDep, session: SessionDep, if_match: IfMatchDep
) -> None:
    service.delete_flow(session, region, viewer, flow_id, expected_version=if_match)
