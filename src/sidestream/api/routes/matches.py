"""Match results for a region or one flow, cut to what the caller may see."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from sidestream.api.deps import (
    IdPath,
    MatchCacheDep,
    RegionDep,
    ResponseCacheDep,
    SessionDep,
    SettingsDep,
    ViewerDep,
)
from sidestream.api.responses import NOT_MODIFIED, IfNoneMatchHeader
from sidestream.api.schemas.matches import MatchDocument
from sidestream.domain.categories import Category
from sidestream.i18n import normalise_lang
from sidestream.matching import MatchParams
from sidestream.services import matching
from sidestream.store.versions import region_key

router = APIRouter(prefix="/regions/{slug}", tags=["matches"])


async def match_params(
    top_k: Annotated[int, Query(ge=1, le=100, description="Best K demands per supply.")] = 5,
    radius_km: Annotated[
        float, Query(gt=0, le=1000, description="Base search radius (scaled per category).")
    ] = 50.0,
    min_score: Annotated[float, Query(ge=0, le=1, description="Drop matches scoring below this.")] = 0.0,
    category: Annotated[Category | None, Query(description="Only flows of this category.")] = None,
    include_suggestions: Annotated[bool, Query(description="Add urban-sink and case suggestions.")] = False,
) -> MatchParams:
    return MatchParams(
        top_k=top_k,
        radius_km=radius_km,
        min_score=min_score,
        category=category.value if category else None,
        include_suggestions=include_suggestions,
    )


ParamsDep = Annotated[MatchParams, Depends(match_params)]
LangQuery = Annotated[str, Query(max_length=10, description="Language of reasons: en or nb.")]


@router.get(
    "/matches",
    response_model=MatchDocument,
    response_model_exclude_none=True,
    summary="Matches in the region",
    responses=NOT_MODIFIED,
)
async def region_matches(
    request: Request,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    cache: MatchCacheDep,
    bodies: ResponseCacheDep,
    params: ParamsDep,
    lang: LangQuery = "en",
    if_none_match: IfNoneMatchHeader = None,
) -> Response:
    """For each supply its best demands, searched among all flows of the region;
    a side you may not see is an anonymised stub, and counts count what is shown.
    The engine runs once per change of the region's data; the document cut to you is
    cached for you alone until then (send its ETag in ``If-None-Match`` for a 304)."""
    lang = normalise_lang(lang)

    def key() -> Hashable:
        return ("matches", region.id, region_key(session, region.id), viewer, params.model_dump_json(), lang)

    def build() -> bytes:
        doc = matching.region_matches(
            session, region, viewer, params, secret=settings.secret_key, lang=lang, cache=cache
        )
        return _document_json(doc)

    return await bodies.respond(request, session, key, build, if_none_match)


@router.get(
    "/flows/{flow_id}/matches",
    response_model=MatchDocument,
    response_model_exclude_none=True,
    summary="Matches of one flow",
    responses=NOT_MODIFIED,
)
async def flow_matches(
    request: Request,
    flow_id: IdPath,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    cache: MatchCacheDep,
    bodies: ResponseCacheDep,
    params: ParamsDep,
    lang: LangQuery = "en",
    if_none_match: IfNoneMatchHeader = None,
) -> Response:
    """A supply's best demands, or a demand's best supplies."""
    lang = normalise_lang(lang)

    def key() -> Hashable:
        return ("flow-matches", region.id, region_key(session, region.id), viewer, flow_id,
                params.model_dump_json(), lang)  # fmt: skip

    def build() -> bytes:
        doc = matching.flow_matches(
            session, region, viewer, flow_id, params, secret=settings.secret_key, lang=lang, cache=cache
        )
        return _document_json(doc)

    return await bodies.respond(request, session, key, build, if_none_match)


def _document_json(doc: dict[str, Any]) -> bytes:
    """The document as FastAPI would send it for ``response_model=MatchDocument`` with
    ``response_model_exclude_none``: validated, by alias, without nulls."""
    return MatchDocument.model_validate(doc).model_dump_json(by_alias=True, exclude_none=True).encode()
