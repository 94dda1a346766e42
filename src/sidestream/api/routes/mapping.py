"""Hubs, regional potential and the region report — each cut to what the caller may see
(:mod:`sidestream.services.mapping`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from sidestream.api.deps import MatchCacheDep, RegionDep, SessionDep, SettingsDep, ViewerDep
from sidestream.api.schemas.mapping import FeatureCollection, HubsDocument, PotentialDocument
from sidestream.i18n import normalise_lang
from sidestream.mapping.hubs import hubs_geojson
from sidestream.reports.region import render_region_html, render_region_pdf
from sidestream.services.mapping import region_mapping
from sidestream.services.reports import region_report

router = APIRouter(prefix="/regions/{slug}", tags=["mapping"])
LangQuery = Annotated[str, Query(max_length=10, description="Language of labels and explanations: en or nb.")]


@router.get("/hubs", response_model=HubsDocument, summary="Potential hubs of the region")
def hubs(
    region: RegionDep, viewer: ViewerDep, session: SessionDep, settings: SettingsDep, cache: MatchCacheDep,
    lang: LangQuery = "en",
) -> HubsDocument:  # fmt: skip
    """Clusters of sites whose supplies and demands fit each other, with why."""
    lang = normalise_lang(lang)
    m = region_mapping(session, region, viewer, secret=settings.secret_key, lang=lang, cache=cache)
    return HubsDocument.model_validate(
        {"hubs": [h.to_json(lang) for h in m.hubs], "co2e_estimated": m.co2e_estimated}
    )


@router.get("/hubs.geojson", response_model=FeatureCollection, summary="Hub outlines as GeoJSON")
def hubs_outlines(
    region: RegionDep, viewer: ViewerDep, session: SessionDep, settings: SettingsDep, cache: MatchCacheDep,
    lang: LangQuery = "en",
) -> FeatureCollection:  # fmt: skip
    lang = normalise_lang(lang)
    m = region_mapping(session, region, viewer, secret=settings.secret_key, lang=lang, cache=cache)
    return FeatureCollection.model_validate(hubs_geojson(m.hubs, lang))


@router.get("/potential", response_model=PotentialDocument, summary="Regional potential")
def potential(
    region: RegionDep, viewer: ViewerDep, session: SessionDep, settings: SettingsDep, cache: MatchCacheDep,
    lang: LangQuery = "en",
) -> PotentialDocument:  # fmt: skip
    """Surplus heat by temperature band, materials by kind, water, by municipality, and a
    Sankey of source class → use class → sink."""
    lang = normalise_lang(lang)
    m = region_mapping(session, region, viewer, secret=settings.secret_key, lang=lang, cache=cache)
    return PotentialDocument.model_validate(m.potential.to_json())


@router.get(
    "/potential.geojson", response_model=FeatureCollection, summary="Regional potential on h3 hexagons"
)
def potential_hexagons(
    region: RegionDep, viewer: ViewerDep, session: SessionDep, settings: SettingsDep, cache: MatchCacheDep,
) -> FeatureCollection:  # fmt: skip
    """A choropleth-ready GeoJSON: h3 cells (resolution 5, about 10 km) with counts and sums."""
    m = region_mapping(session, region, viewer, secret=settings.secret_key, cache=cache)
    return FeatureCollection.model_validate(m.potential.hexagons)


@router.get(
    "/report",
    response_class=Response,
    summary="Region report (HTML or PDF)",
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
def report(
    region: RegionDep, viewer: ViewerDep, session: SessionDep, settings: SettingsDep, cache: MatchCacheDep,
    lang: LangQuery = "en",
    format: Annotated[Literal["html", "pdf"], Query(description="html or pdf")] = "html",
) -> Response:  # fmt: skip
    """Map, hubs, potential and top synergies, as the caller may see them."""
    lang = normalise_lang(lang)
    data = region_report(session, region, viewer, secret=settings.secret_key, lang=lang, cache=cache)
    if format == "pdf":
        filename = f"sidestream-{region.slug}-{lang}.pdf"
        return Response(
            render_region_pdf(data, lang),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return HTMLResponse(render_region_html(data, lang))
