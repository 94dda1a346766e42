"""Regional benchmarking as a page: pick regions, see the indicators side by side
(table and chart), export CSV or JSON for joint benchmarking. Every region is shown
as the reader may see it (:mod:`sidestream.services.benchmarking`)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from sidestream.api.deps import MatchCacheDep, SessionDep
from sidestream.i18n import N_, translate
from sidestream.services import benchmarking as service
from sidestream.services import regions as region_service
from sidestream.web.context import DataPage
from sidestream.web.deps import WebDep
from sidestream.web.errors import HtmlRoute
from sidestream.web.pages.flows import Option

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)
MAX_REGIONS = 12
CHART_GROUPS = ("mapping", "cases", "realised")
GROUP_LABELS = {
    "mapping": N_("Mapping"),
    "synergies": N_("Synergies"),
    "cases": N_("Cases by stage"),
    "realised": N_("Realised per year"),
    "barriers": N_("Cases held back by barriers"),
    "workshops": N_("Workshops"),
}


class Row(BaseModel):
    id: str
    label: str
    unit: str
    values: list[float | None]
    shares: list[float]  # value / the row's largest value, for the chart bars


class Group(BaseModel):
    id: str
    label: str
    rows: list[Row]


class BenchmarkData(BaseModel):
    regions: list[Option]
    selected: list[str]
    groups: list[Group]
    csv_url: str
    json_url: str


@router.get("/benchmarking", response_class=HTMLResponse)
def benchmarking_page(
    web: WebDep,
    session: SessionDep,
    cache: MatchCacheDep,
    region: Annotated[list[str] | None, Query(max_length=MAX_REGIONS)] = None,
) -> HTMLResponse:
    everyone = region_service.list_regions(session)
    chosen = [region_service.get_region(session, slug) for slug in dict.fromkeys(region or [])]
    if not chosen:
        chosen = list(everyone[:3])
    groups: list[Group] = []
    if chosen:
        comparison = service.compare_regions(
            session, chosen, web.user, secret=web.settings.secret_key, lang=web.lang, cache=cache
        )
        table = comparison.table
        by_group: dict[str, list[Row]] = {}
        for ind in table.index:
            values = [
                None if table.loc[ind, r.slug] != table.loc[ind, r.slug] else float(table.loc[ind, r.slug])
                for r in chosen
            ]
            top = max((v for v in values if v is not None), default=0.0)
            row = Row(
                id=str(ind),
                label=comparison.labels.get(str(ind), str(ind)),
                unit=str(table.loc[ind, "unit"]),
                values=values,
                shares=[(v or 0.0) / top if top else 0.0 for v in values],
            )
            by_group.setdefault(str(table.loc[ind, "group"]), []).append(row)
        groups = [
            Group(id=g, label=translate(GROUP_LABELS.get(g, g), web.lang), rows=rows)
            for g, rows in by_group.items()
        ]
    query = urlencode([("region", r.slug) for r in chosen] + [("lang", web.lang)])
    data = BenchmarkData(
        regions=[Option(value=r.slug, label=r.name) for r in everyone],
        selected=[r.slug for r in chosen],
        groups=groups,
        csv_url=f"/api/v1/benchmarking?{query}&format=csv",
        json_url=f"/api/v1/benchmarking?{query}&format=json",
    )
    chrome = web.chrome(translate(N_("Benchmarking"), web.lang), nav="benchmarking")
    return web.render("benchmarking.html", DataPage(data), chrome)
