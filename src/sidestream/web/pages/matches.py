"""The matches of a region, best first, with score, distance, reasons and estimate;
filter by category, score and distance. htmx requests get ``_matches_list.html``;
``/regions/{slug}/matches.json`` is the twin.

The list is cut from the same (cached) run as the overview and the API's default, so
filtering costs no new matching; hidden sides stay anonymised stubs exactly as the
API shows them (:mod:`sidestream.services.matching`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from sidestream.api.deps import IdPath, MatchCacheDep, RegionDep, SessionDep, ViewerDep
from sidestream.config import Settings
from sidestream.domain.categories import Category
from sidestream.domain.visibility import Viewer
from sidestream.errors import NotFoundError
from sidestream.facilitation.experts import Needs
from sidestream.i18n import N_, Message, format_number, translate
from sidestream.matching import MatchParams
from sidestream.services.catalogue import done_before_for
from sidestream.services.experts import experts_for
from sidestream.services.matching import MatchCache, flow_matches, region_matches, visible_flow
from sidestream.services.overview import DEFAULT_TOP_K
from sidestream.store.models import Region, User
from sidestream.web.context import DataPage
from sidestream.web.deps import WebDep
from sidestream.web.errors import HtmlRoute
from sidestream.web.estimates import estimate_figures
from sidestream.web.filters import CategoryQuery, DistanceQuery, PageQuery, ScoreQuery, blank, distance_limit
from sidestream.web.labels import amount_text, category_colour, category_label
from sidestream.web.pages.flows import Option

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)
twins = APIRouter(include_in_schema=False)

PER_PAGE = 25
ESTIMATE = N_("about {amount} a year, in {months} months")


class MatchFilters(BaseModel):
    category: Category | None = None
    min_score: float = 0.0
    max_distance_km: float | None = None
    page: int = 1


class Side(BaseModel):
    anonymised: bool
    label: str  # the resource class
    category_label: str
    colour: str
    resource: str | None = None
    organisation: str | None = None
    site: str | None = None
    amount: str | None = None
    text: str | None = None  # what a stub says instead


class MatchItem(BaseModel):
    position: int
    ref: str  # the opaque match_ref: opens the match and saves it as a synergy
    supply_flow_id: int | None
    demand_flow_id: int | None
    score: float
    score_text: str
    distance_km: float | None
    distance_text: str
    supply: Side
    demand: Side
    reasons: list[str]
    estimate: str | None
    assumptions: list[str]
    figures: list[str] = []  # net benefit, NPV, payback, CO2e (web/estimates.py)
    done_before: list[Option] = []  # catalogue cases with the same classes: url, title
    experts: list[Option] = []  # experts for these classes (logged-in readers): url, name


class FlowRef(BaseModel):
    """The flow whose matches a page lists (None: the whole region)."""

    id: int
    key: str
    resource: str
    direction: str


class MatchesData(BaseModel):
    slug: str
    flow: FlowRef | None = None
    filters: MatchFilters
    items: list[MatchItem]
    total: int
    page: int
    pages: int
    per_page: int
    categories: list[Option]


def _side(side: Mapping[str, Any], lang: str) -> Side:
    category = side.get("category")
    common = {
        "label": str(side.get("class_label") or category_label(category, lang)),
        "category_label": category_label(category, lang),
        "colour": category_colour(category),
    }
    if side.get("anonymised"):
        return Side(anonymised=True, text=side.get("text"), **common)
    return Side(
        anonymised=False,
        resource=side.get("resource"),
        organisation=side.get("actor"),
        site=side.get("site"),
        amount=amount_text(side.get("quantity"), side.get("unit"), lang) or None,
        **common,
    )


def _estimate(record: Mapping[str, Any], lang: str) -> tuple[str | None, list[str]]:
    estimate = record.get("estimate")
    if not estimate or estimate.get("quantity") is None:
        return None, []
    text = Message(
        ESTIMATE, {"amount": amount_text(float(estimate["quantity"]), estimate.get("unit"), lang),
                   "months": estimate.get("months", 12)},
    ).render(lang)  # fmt: skip
    return text, [translate(str(a), lang) for a in estimate.get("assumptions") or []]


def matches_data(
    session: SessionDep,
    region: Region,
    viewer: Viewer,
    settings: Settings,
    cache: MatchCache,
    filters: MatchFilters,
    lang: str,
    per_page: int = PER_PAGE,
    user: User | None = None,
) -> MatchesData:
    """One page of the region's matches as ``viewer`` may see them, best first."""
    document = region_matches(
        session, region, viewer, MatchParams(top_k=DEFAULT_TOP_K), secret=settings.secret_key, lang=lang,
        cache=cache,
    )  # fmt: skip
    return document_page(session, document, region, filters, lang, per_page, user=user)


def document_page(
    session: Session,
    document: Mapping[str, Any],
    region: Region,
    filters: MatchFilters,
    lang: str,
    per_page: int = PER_PAGE,
    flow: FlowRef | None = None,
    user: User | None = None,
) -> MatchesData:
    """Filter, rank and cut one page of a match document (already cut to the viewer)."""
    records = [
        r
        for r in document["matches"]
        if float(r["score"]) >= filters.min_score
        and (filters.category is None or filters.category.value in {r["supply"].get("category"),
                                                                    r["demand"].get("category")})
        and (filters.max_distance_km is None or (r.get("distance_km") is not None
                                                 and float(r["distance_km"]) <= filters.max_distance_km))
    ]  # fmt: skip
    records.sort(key=lambda r: -float(r["score"]))
    total = len(records)
    pages = max(1, -(-total // per_page))
    page = min(filters.page, pages)
    start = (page - 1) * per_page
    items = []
    for position, r in enumerate(records[start : start + per_page], start=start + 1):
        estimate, assumptions = _estimate(r, lang)
        distance = float(r["distance_km"]) if r.get("distance_km") is not None else None
        items.append(
            MatchItem(
                position=position, ref=str(r["match_ref"]), score=float(r["score"]), distance_km=distance,
                supply_flow_id=r["supply"].get("flow_id"), demand_flow_id=r["demand"].get("flow_id"),
                score_text=format_number(float(r["score"]), lang, 2),
                distance_text="" if distance is None else f"{format_number(distance, lang, 1)} km",
                supply=_side(r["supply"], lang), demand=_side(r["demand"], lang),
                reasons=[str(x) for x in r.get("reasons") or []], estimate=estimate, assumptions=assumptions,
                figures=estimate_figures(r.get("estimate"), lang),
                done_before=done_before(session, r, lang), experts=experts_near(session, user, r),
            )
        )  # fmt: skip
    return MatchesData(
        slug=region.slug,
        flow=flow,
        filters=filters,
        items=items,
        total=total,
        page=page,
        pages=pages,
        per_page=per_page,
        categories=[Option(value=c.value, label=category_label(c.value, lang)) for c in Category],
    )


def done_before(session: Session, record: Mapping[str, Any], lang: str) -> list[Option]:
    """ "This has been done before": catalogue cases with the match's supply and demand classes."""
    supply, demand = record["supply"].get("class"), record["demand"].get("class")
    if not supply or not demand:
        return []
    return [
        Option(value=f"/catalogue/{c.id}", label=f"{c.title.localise(lang)} ({c.place})")
        for c in done_before_for(session, supply, demand)[:3]
    ]


def experts_near(session: Session, user: User | None, record: Mapping[str, Any]) -> list[Option]:
    classes = [c for c in (record["supply"].get("class"), record["demand"].get("class")) if c]
    return [
        Option(value=f"/experts#expert-{s.expert.id}", label=s.expert.name)
        for s in experts_for(session, user, Needs.of(classes), limit=3)
    ]


def _filters(
    category: CategoryQuery = None,
    min_score: ScoreQuery = 0.0,
    max_distance_km: DistanceQuery = None,
    page: PageQuery = 1,
) -> MatchFilters:
    return MatchFilters(
        category=blank(category),
        min_score=min_score,
        max_distance_km=distance_limit(max_distance_km),
        page=page,
    )


FiltersDep = Annotated[MatchFilters, Depends(_filters)]


@router.get("/regions/{slug}/matches", response_class=HTMLResponse)
def matches_page(
    web: WebDep,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    cache: MatchCacheDep,
    filters: FiltersDep,
) -> HTMLResponse:
    data = matches_data(session, region, viewer, web.settings, cache, filters, web.lang, user=web.user)
    template = "_matches_list.html" if web.is_htmx else "matches.html"
    chrome = web.chrome(region.name, nav="matches", region=region)
    return web.render(template, DataPage(data), chrome)


@twins.get("/regions/{slug}/matches.json", response_model=MatchesData)
def matches_json(
    web: WebDep,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    cache: MatchCacheDep,
    filters: FiltersDep,
) -> MatchesData:
    return matches_data(session, region, viewer, web.settings, cache, filters, web.lang)


def _flow_document(
    session: SessionDep, region: Region, viewer: Viewer, settings: Settings, cache: MatchCache, flow_id: int,
    lang: str,
) -> tuple[dict[str, Any], FlowRef]:  # fmt: skip
    flow = visible_flow(session, region, viewer, flow_id)
    document = flow_matches(
        session, region, viewer, flow_id, MatchParams(top_k=DEFAULT_TOP_K), secret=settings.secret_key,
        lang=lang, cache=cache,
    )  # fmt: skip
    return document, FlowRef(id=flow.id, key=flow.key, resource=flow.resource, direction=flow.direction)


@router.get("/regions/{slug}/flows/{flow_id}/matches", response_class=HTMLResponse)
def flow_matches_page(
    web: WebDep,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    cache: MatchCacheDep,
    filters: FiltersDep,
    flow_id: IdPath,
) -> HTMLResponse:
    """The best partners of one flow, with the same filters as the region's list."""
    document, ref = _flow_document(session, region, viewer, web.settings, cache, flow_id, web.lang)
    data = document_page(session, document, region, filters, web.lang, flow=ref, user=web.user)
    template = "_matches_list.html" if web.is_htmx else "matches.html"
    chrome = web.chrome(region.name, nav="matches", region=region)
    return web.render(template, DataPage(data), chrome)


@router.get("/regions/{slug}/matches/{ref}", response_class=HTMLResponse)
def match_page(
    web: WebDep,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    cache: MatchCacheDep,
    ref: Annotated[str, Path(max_length=100, pattern=r"^[A-Za-z0-9_-]+$")],
) -> HTMLResponse:
    """One match, opened from a list: everything the viewer may see of it, and the
    button that saves it as a synergy."""
    document = region_matches(
        session, region, viewer, MatchParams(top_k=DEFAULT_TOP_K), secret=web.settings.secret_key,
        lang=web.lang, cache=cache,
    )  # fmt: skip
    found = [r for r in document["matches"] if r.get("match_ref") == ref]
    if not found:
        raise NotFoundError(N_("no match {ref} in region {region}"), ref=ref, region=region.slug)
    data = document_page(
        session, {"matches": found}, region, MatchFilters(), web.lang, per_page=1, user=web.user
    )
    chrome = web.chrome(region.name, nav="matches", region=region)
    return web.render("match.html", DataPage(data), chrome)
