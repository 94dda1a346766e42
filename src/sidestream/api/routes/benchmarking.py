"""Regional benchmarking: indicators computed from the data, side by side, exportable."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from sidestream.api.deps import AuthDep, MatchCacheDep, RegionDep, SessionDep, SettingsDep
from sidestream.api.routes.cases import LangQuery
from sidestream.api.schemas.facilitation import BenchmarkDocument
from sidestream.errors import InvalidDataError
from sidestream.i18n import N_, normalise_lang
from sidestream.services import benchmarking as service
from sidestream.services import regions as region_service

router = APIRouter(tags=["benchmarking"])
MAX_REGIONS = 12


@router.get(
    "/benchmarking",
    response_model=BenchmarkDocument,
    summary="Indicators of several regions side by side (JSON, or CSV with format=csv)",
    responses={200: {"content": {"text/csv": {}}}},
)
def compare_regions(
    session: SessionDep,
    auth: AuthDep,
    settings: SettingsDep,
    cache: MatchCacheDep,
    region: Annotated[list[str], Query(max_length=MAX_REGIONS, description="Region slugs")],
    format: Annotated[Literal["json", "csv"], Query()] = "json",
    lang: LangQuery = "en",
) -> Response | BenchmarkDocument:
    """Each region as the caller may see it: private flows are never counted."""
    if not region:
        raise InvalidDataError(N_("name at least one region: ?region=a&region=b"))
    regions = [region_service.get_region(session, slug) for slug in dict.fromkeys(region)]
    comparison = service.compare_regions(
        session, regions, auth.user, secret=settings.secret_key, lang=normalise_lang(lang), cache=cache
    )
    if format == "csv":
        return Response(
            service.to_csv(comparison),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="benchmarking.csv"'},
        )
    return BenchmarkDocument.model_validate(service.to_json(comparison, normalise_lang(lang)))


@router.get(
    "/regions/{slug}/benchmarking", response_model=BenchmarkDocument, summary="One region's indicators"
)
def region_benchmark(
    region: RegionDep,
    session: SessionDep,
    auth: AuthDep,
    settings: SettingsDep,
    cache: MatchCacheDep,
    lang: LangQuery = "en",
) -> BenchmarkDocument:
    comparison = service.compare_regions(
        session, [region], auth.user, secret=settings.secret_key, lang=normalise_lang(lang), cache=cache
    )
    return BenchmarkDocument.model_validate(service.to_json(comparison, normalise_lang(lang)))
