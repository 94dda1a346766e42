"""The flows of a region: a searchable, filterable, sortable table. htmx requests get
only the table (``_flows_table.html``); ``/regions/{slug}/flows.json`` is the twin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from sidestream.api.deps import RegionDep, SessionDep, ViewerDep
from sidestream.domain.categories import Category, Direction
from sidestream.domain.months import format_months
from sidestream.domain.visibility import Viewer
from sidestream.i18n import format_date, format_number
from sidestream.services import flows as flow_service
from sidestream.store.models import Region
from sidestream.web.context import DataPage
from sidestream.web.deps import WebDep
from sidestream.web.errors import HtmlRoute
from sidestream.web.filters import CategoryQuery, DirectionQuery, PageQuery, SearchQuery, blank
from sidestream.web.labels import (
    amount_text,
    category_colour,
    category_label,
    direction_label,
    visibility_label,
)

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)
twins = APIRouter(include_in_schema=False)

SORT_KEYS = ("key", "resource", "category", "direction", "organisation", "quantity", "updated")
PER_PAGE = 50


class FlowFilters(BaseModel):
    q: str = ""
    direction: Direction | None = None
    category: Category | None = None
    sort: str = "key"
    page: int = 1


class FlowRow(BaseModel):
    id: int
    key: str
    organisation: str
    site: str
    direction: str
    direction_label: str
    resource: str
    category: str | None
    category_label: str
    colour: str
    amount: str
    temperature: str
    months: str
    visibility: str
    visibility_label: str
    updated: str


class Option(BaseModel):
    value: str
    label: str


class FlowsData(BaseModel):
    slug: str
    filters: FlowFilters
    rows: list[FlowRow]
    total: int
    page: int
    pages: int
    per_page: int
    directions: list[Option]
    categories: list[Option]


def flows_data(
    session: SessionDep,
    region: Region,
    viewer: Viewer,
    filters: FlowFilters,
    lang: str,
    per_page: int = PER_PAGE,
) -> FlowsData:
    """One page of the flows ``viewer`` may see, filtered and sorted."""
    result = flow_service.list_flows(
        session, region, viewer, direction=filters.direction, category=filters.category,
        q=filters.q.strip() or None, sort=filters.sort, page=filters.page, per_page=per_page,
    )  # fmt: skip
    rows = [
        FlowRow(
            id=f.id, key=f.key, organisation=f.organisation.name, site=f.site.name, direction=f.direction,
            direction_label=direction_label(f.direction, lang), resource=f.resource, category=f.category,
            category_label=category_label(f.category, lang), colour=category_colour(f.category),
            amount=amount_text(f.quantity, f.unit, lang),
            temperature="" if f.temperature_c is None else f"{format_number(f.temperature_c, lang, 0)} °C",
            months=format_months(f.months_mask), visibility=f.visibility,
            visibility_label=visibility_label(f.visibility, lang), updated=format_date(f.updated_at, lang),
        )
        for f in result.items
    ]  # fmt: skip
    return FlowsData(
        slug=region.slug,
        filters=filters,
        rows=rows,
        total=result.total,
        page=result.page,
        pages=result.pages,
        per_page=result.per_page,
        directions=[Option(value=d.value, label=direction_label(d.value, lang)) for d in Direction],
        categories=[Option(value=c.value, label=category_label(c.value, lang)) for c in Category],
    )


def _filters(
    q: SearchQuery = "",
    direction: DirectionQuery = None,
    category: CategoryQuery = None,
    sort: Annotated[str, Query(pattern=r"^-?(" + "|".join(SORT_KEYS) + ")$")] = "key",
    page: PageQuery = 1,
) -> FlowFilters:
    return FlowFilters(q=q, direction=blank(direction), category=blank(category), sort=sort, page=page)


FiltersDep = Annotated[FlowFilters, Depends(_filters)]


@router.get("/regions/{slug}/flows", response_class=HTMLResponse)
def flows_page(
    web: WebDep,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    filters: FiltersDep,
) -> HTMLResponse:
    data = flows_data(session, region, viewer, filters, web.lang)
    template = "_flows_table.html" if web.is_htmx else "flows.html"
    chrome = web.chrome(region.name, nav="flows", region=region)
    return web.render(template, DataPage(data), chrome)


@twins.get("/regions/{slug}/flows.json", response_model=FlowsData)
def flows_json(
    web: WebDep,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    filters: FiltersDep,
) -> FlowsData:
    return flows_data(session, region, viewer, filters, web.lang)
