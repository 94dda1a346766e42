"""The region overview: map, totals, Sankey and counts — and its JSON twin
``/regions/{slug}/overview.json``, built by the same :func:`overview_data`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from sidestream.api.deps import MatchCacheDep, RegionDep, SessionDep, ViewerDep
from sidestream.config import Settings
from sidestream.domain.categories import Category, Direction
from sidestream.domain.visibility import Viewer
from sidestream.i18n import N_, Message, format_number
from sidestream.mapping.hubs import hubs_geojson
from sidestream.services.mapping import region_hubs
from sidestream.services.matching import MatchCache
from sidestream.services.overview import region_overview
from sidestream.store.models import Region
from sidestream.web.context import DataPage
from sidestream.web.deps import WebDep
from sidestream.web.errors import HtmlRoute
from sidestream.web.labels import amount_text, category_colour, category_label, direction_label

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)
twins = APIRouter(include_in_schema=False)


class Counts(BaseModel):
    actors: int
    flows: int
    supplies: int
    demands: int
    matches: int


class TotalRow(BaseModel):
    """One category's summed amounts, one line per canonical unit and direction."""

    category: str | None
    label: str
    colour: str
    supply: list[str]
    demand: list[str]


class Layer(BaseModel):
    value: str
    label: str
    colour: str
    count: int


class Point(BaseModel):
    flow_id: int
    key: str
    lat: float
    lon: float
    direction: str
    direction_label: str
    category: str
    category_label: str
    colour: str
    resource: str
    organisation: str
    site: str
    amount: str
    size: float


class Line(BaseModel):
    supply: tuple[float, float]
    demand: tuple[float, float]
    score: float
    label: str


class SankeyNodeOut(BaseModel):
    name: str
    side: str
    colour: str


class SankeyLinkOut(BaseModel):
    source: int
    target: int
    value: int


class SankeyOut(BaseModel):
    nodes: list[SankeyNodeOut]
    links: list[SankeyLinkOut]
    total: int


class OverviewData(BaseModel):
    slug: str
    name: str
    lang: str
    counts: Counts
    totals: list[TotalRow]
    layers: list[Layer]
    points: list[Point]
    lines: list[Line]
    sankey: SankeyOut
    tile_url: str | None


UNCLASSIFIED_LAYER = "unclassified"
LINE_LABEL = N_("{supply} → {demand}: score {score}, {distance} km")


def overview_data(
    session: SessionDep,
    region: Region,
    viewer: Viewer,
    settings: Settings,
    cache: MatchCache,
    lang: str,
) -> OverviewData:
    """The overview as ``viewer`` may see it, labelled in ``lang``."""
    o = region_overview(session, region, viewer, secret=settings.secret_key, lang=lang, cache=cache)
    rows: dict[str | None, TotalRow] = {}
    for t in o.totals:
        row = rows.setdefault(
            t.category,
            TotalRow(
                category=t.category,
                label=category_label(t.category, lang),
                colour=category_colour(t.category),
                supply=[],
                demand=[],
            ),
        )
        if t.amount is not None and t.unit is not None:
            (row.supply if t.direction == Direction.SUPPLY.value else row.demand).append(
                amount_text(t.amount, t.unit, lang)
            )
    counts: dict[str, int] = {}
    for p in o.points:
        key = p.category or UNCLASSIFIED_LAYER
        counts[key] = counts.get(key, 0) + 1
    order = [c.value for c in Category] + [UNCLASSIFIED_LAYER]
    layers = [
        Layer(
            value=key,
            label=category_label(None if key == UNCLASSIFIED_LAYER else key, lang),
            colour=category_colour(None if key == UNCLASSIFIED_LAYER else key),
            count=counts[key],
        )
        for key in order
        if key in counts
    ]
    points = [
        Point(
            flow_id=p.flow_id, key=p.key, lat=p.lat, lon=p.lon, direction=p.direction,
            direction_label=direction_label(p.direction, lang),
            category=p.category or UNCLASSIFIED_LAYER, category_label=category_label(p.category, lang),
            colour=category_colour(p.category), resource=p.resource, organisation=p.organisation,
            site=p.site, amount=amount_text(p.quantity, p.unit, lang), size=p.size,
        )
        for p in o.points
    ]  # fmt: skip
    lines = [
        Line(
            supply=(ln.supply_lat, ln.supply_lon),
            demand=(ln.demand_lat, ln.demand_lon),
            score=ln.score,
            label=Message(
                LINE_LABEL,
                {
                    "supply": ln.supply_label,
                    "demand": ln.demand_label,
                    "score": format_number(ln.score, lang, 2),
                    "distance": ln.distance_km,
                },
            ).render(lang),
        )
        for ln in o.lines
    ]
    sankey = SankeyOut(
        nodes=[
            SankeyNodeOut(name=n.name, side=n.side, colour=category_colour(n.category))
            for n in o.sankey.nodes
        ],
        links=[SankeyLinkOut(source=k.source, target=k.target, value=k.value) for k in o.sankey.links],
        total=o.sankey.total,
    )
    return OverviewData(
        slug=o.slug,
        name=o.name,
        lang=lang,
        counts=Counts(
            actors=o.actors, flows=o.flows, supplies=o.supplies, demands=o.demands, matches=o.matches
        ),
        totals=list(rows.values()),
        layers=layers,
        points=points,
        lines=lines,
        sankey=sankey,
        tile_url=settings.tile_url,
    )


def map_payload(data: OverviewData) -> dict[str, Any]:
    """What the map and the Sankey scripts read from the page."""
    return data.model_dump(mode="json", include={"slug", "lang", "points", "lines", "sankey", "tile_url"})


@router.get("/regions/{slug}", response_class=HTMLResponse)
def overview_page(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, cache: MatchCacheDep
) -> HTMLResponse:
    data = overview_data(session, region, viewer, web.settings, cache, web.lang)
    chrome = web.chrome(region.name, nav="overview", region=region)
    payload = map_payload(data)
    # The hub outlines layer (issue 8's mapping), cut to the viewer like everything else.
    hubs = region_hubs(session, region, viewer, secret=web.settings.secret_key, lang=web.lang, cache=cache)
    payload["hubs"] = hubs_geojson(hubs, web.lang)
    return web.render("overview.html", DataPage(data, payload), chrome)


@twins.get("/regions/{slug}/overview.json", response_model=OverviewData)
def overview_json(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, cache: MatchCacheDep
) -> OverviewData:
    return overview_data(session, region, viewer, web.settings, cache, web.lang)
