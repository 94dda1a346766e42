"""The "Potential" page: what there is to use in the region — surplus heat by
temperature, materials, water, municipalities, the h3 choropleth and the hubs on the
map, downloads of the GeoJSON and the report — and its JSON twin
``/regions/{slug}/potential.json``, built by the same :func:`potential_data`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from sidestream.api.deps import MatchCacheDep, RegionDep, SessionDep, ViewerDep
from sidestream.config import Settings
from sidestream.domain.visibility import Viewer
from sidestream.i18n import N_, translate
from sidestream.mapping.hubs import hubs_geojson
from sidestream.mapping.potential import Row
from sidestream.services.mapping import region_mapping
from sidestream.services.matching import MatchCache
from sidestream.store.models import Region
from sidestream.web.context import DataPage
from sidestream.web.deps import WebDep
from sidestream.web.errors import HtmlRoute
from sidestream.web.labels import amount_text

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)
twins = APIRouter(include_in_schema=False)

CHOROPLETH = [
    ("heat_supply_mwh_per_yr", N_("Surplus heat (MWh/yr)")),
    ("material_supply_t_per_yr", N_("Materials offered (t/yr)")),
    ("water_supply_m3_per_yr", N_("Water offered (m³/yr)")),
    ("flows", N_("Flows")),
]


class RowOut(BaseModel):
    label: str
    supplies: int
    supply: str
    demands: int
    demand: str
    supply_share: float  # 0..1 of the table's biggest amount, for bars
    demand_share: float
    unsummed: int


class MunicipalityOut(BaseModel):
    municipality: str
    flows: int
    supplies: int
    demands: int
    heat: str
    material: str
    water: str


class HubOut(BaseModel):
    rank: int
    name: str
    municipality: str | None
    sites: int
    matches: int
    potential: list[str]
    co2e: str | None
    why: list[str]
    actors: list[str]


class Choice(BaseModel):
    key: str
    label: str


class PotentialData(BaseModel):
    slug: str
    name: str
    lang: str
    heat_bands: list[RowOut]
    materials: list[RowOut]
    water: list[RowOut]
    municipalities: list[MunicipalityOut]
    hubs: list[HubOut]
    choropleth: list[Choice]
    hexagons: dict[str, Any]
    hub_outlines: dict[str, Any]
    geojson_url: str
    report_pdf_url: str
    report_html_url: str
    tile_url: str | None


def _rows(rows: list[Row], lang: str) -> list[RowOut]:
    peak = max([max(r.supply_amount, r.demand_amount) for r in rows] + [1e-9])
    return [
        RowOut(label=r.label, supplies=r.supplies, supply=amount_text(r.supply_amount, r.unit, lang),
               demands=r.demands, demand=amount_text(r.demand_amount, r.unit, lang),
               supply_share=round(r.supply_amount / peak, 4), demand_share=round(r.demand_amount / peak, 4),
               unsummed=r.unsummed)
        for r in rows
    ]  # fmt: skip


def potential_data(
    session: SessionDep, region: Region, viewer: Viewer, settings: Settings, cache: MatchCache, lang: str
) -> PotentialData:
    """The page as ``viewer`` may see it, labelled in ``lang``."""
    m = region_mapping(session, region, viewer, secret=settings.secret_key, lang=lang, cache=cache)
    p = m.potential
    api = f"/api/v1/regions/{region.slug}"
    return PotentialData(
        slug=region.slug,
        name=region.name,
        lang=lang,
        heat_bands=_rows(p.heat_bands, lang),
        materials=_rows(p.materials[:25], lang),
        water=_rows(p.water, lang),
        municipalities=[
            MunicipalityOut(
                municipality=x.municipality,
                flows=x.flows,
                supplies=x.supplies,
                demands=x.demands,
                heat=amount_text(x.heat_supply_mwh_per_yr, "MWh/yr", lang),
                material=amount_text(x.material_supply_t_per_yr, "t/yr", lang),
                water=amount_text(x.water_supply_m3_per_yr, "m3/yr", lang),
            )
            for x in p.municipalities
        ],
        hubs=[
            HubOut(
                rank=h.rank,
                name=h.name,
                municipality=h.municipality,
                sites=len(h.members),
                matches=h.matches,
                potential=[amount_text(v, u, lang) for u, v in h.potential.items()],
                co2e=amount_text(h.co2e_t_per_yr, "t/yr", lang) if h.co2e_t_per_yr is not None else None,
                why=h.explain(lang),
                actors=h.actors,
            )
            for h in m.hubs
        ],
        choropleth=[Choice(key=k, label=translate(label, lang)) for k, label in CHOROPLETH],
        hexagons=p.hexagons,
        hub_outlines=hubs_geojson(m.hubs, lang),
        geojson_url=f"{api}/potential.geojson",
        report_pdf_url=f"{api}/report?format=pdf&lang={lang}",
        report_html_url=f"{api}/report?format=html&lang={lang}",
        tile_url=settings.tile_url,
    )


def map_payload(data: PotentialData) -> dict[str, Any]:
    """What the map script reads: no flow points, the hexagons and the hub outlines."""
    return {
        "slug": data.slug, "lang": data.lang, "points": [], "lines": [], "tile_url": data.tile_url,
        "hexagons": data.hexagons, "hubs": data.hub_outlines,
        "choropleth": [c.model_dump() for c in data.choropleth],
        "sankey": {"nodes": [], "links": [], "total": 0},
    }  # fmt: skip


@router.get("/regions/{slug}/potential", response_class=HTMLResponse)
def potential_page(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, cache: MatchCacheDep
) -> HTMLResponse:
    data = potential_data(session, region, viewer, web.settings, cache, web.lang)
    chrome = web.chrome(region.name, nav="potential", region=region)
    return web.render("potential.html", DataPage(data, map_payload(data)), chrome)


@twins.get("/regions/{slug}/potential.json", response_model=PotentialData)
def potential_json(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, cache: MatchCacheDep
) -> PotentialData:
    return potential_data(session, region, viewer, web.settings, cache, web.lang)
