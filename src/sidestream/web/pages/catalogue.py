"""The best-case catalogue and the funding programmes as pages (public, no login).

``/catalogue`` searches and filters by resource class, sector (NACE) and country;
``/catalogue.json`` is its twin. Each case page shows its figures with units, its
lessons and its sources.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from sidestream.api.deps import SessionDep
from sidestream.facilitation.cases import PIPELINE, CaseStage
from sidestream.facilitation.catalogue import CatalogueCase, facets
from sidestream.facilitation.funding import for_case, programmes
from sidestream.i18n import N_, translate
from sidestream.knowledge.base import default_knowledge_base
from sidestream.services import catalogue as service
from sidestream.web.context import DataPage
from sidestream.web.deps import WebDep
from sidestream.web.errors import HtmlRoute
from sidestream.web.pages.flows import Option

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)
twins = APIRouter(include_in_schema=False)


class CatalogueFilters(BaseModel):
    q: str = ""
    resource_class: str = ""
    sector: str = ""
    country: str = ""


class CatalogueItem(BaseModel):
    id: str
    title: str
    place: str
    country: str
    year: int | None
    status: str
    supply: list[str]
    demand: list[str]
    url: str


class CatalogueData(BaseModel):
    filters: CatalogueFilters
    items: list[CatalogueItem]
    classes: list[Option]
    sectors: list[Option]
    countries: list[Option]


def class_label(class_id: str, lang: str) -> str:
    rc = default_knowledge_base().classes.get(class_id)
    if rc is None:
        return class_id
    return str(rc.labels.get("nb" if lang == "nb" else "en") or class_id)


def catalogue_data(session: SessionDep, filters: CatalogueFilters, lang: str) -> CatalogueData:
    everything = service.all_cases(session)
    found = service.search_catalogue(
        session,
        filters.q,
        resource_class=filters.resource_class or None,
        sector=filters.sector or None,
        country=filters.country or None,
    )
    f = facets(everything)
    return CatalogueData(
        filters=filters,
        items=[
            CatalogueItem(
                id=c.id,
                title=c.title.localise(lang),
                place=c.place,
                country=c.country,
                year=c.year,
                status=c.status,
                supply=[class_label(x, lang) for x in c.supply],
                demand=[class_label(x, lang) for x in c.demand],
                url=f"/catalogue/{c.id}",
            )
            for c in found
        ],
        classes=sorted(
            (Option(value=c, label=class_label(c, lang)) for c in f["classes"]), key=lambda o: o.label.lower()
        ),
        sectors=[Option(value=s, label=s) for s in f["sectors"]],
        countries=[Option(value=c, label=c) for c in f["countries"]],
    )


def _filters(
    q: Annotated[str, Query(max_length=200)] = "",
    resource_class: Annotated[str, Query(max_length=60)] = "",
    sector: Annotated[str, Query(max_length=10)] = "",
    country: Annotated[str, Query(max_length=2)] = "",
) -> CatalogueFilters:
    return CatalogueFilters(q=q, resource_class=resource_class, sector=sector, country=country)


FiltersDep = Annotated[CatalogueFilters, Depends(_filters)]


@router.get("/catalogue", response_class=HTMLResponse)
def catalogue_page(web: WebDep, session: SessionDep, filters: FiltersDep) -> HTMLResponse:
    data = catalogue_data(session, filters, web.lang)
    return web.render(
        "catalogue.html", DataPage(data), web.chrome(translate(N_("Catalogue"), web.lang), nav="catalogue")
    )


@twins.get("/catalogue.json", response_model=CatalogueData)
def catalogue_json(web: WebDep, session: SessionDep, filters: FiltersDep) -> CatalogueData:
    return catalogue_data(session, filters, web.lang)


class CatalogueCasePage(BaseModel):
    case: CatalogueCase
    title: str
    lessons: str
    supply: list[str]
    demand: list[str]
    figures: list[str]


@router.get("/catalogue/{case_id}", response_class=HTMLResponse)
def catalogue_case_page(
    web: WebDep, session: SessionDep, case_id: Annotated[str, Path(max_length=80)]
) -> HTMLResponse:
    case = service.get_catalogue_case(session, case_id)
    page = CatalogueCasePage(
        case=case,
        title=case.title.localise(web.lang),
        lessons=case.lessons.localise(web.lang),
        supply=[class_label(x, web.lang) for x in case.supply],
        demand=[class_label(x, web.lang) for x in case.demand],
        figures=[f"{f.value:,.0f} {f.unit} — {f.what.localise(web.lang)}" for f in case.figures],
    )
    return web.render("catalogue_case.html", page, web.chrome(page.title, nav="catalogue"))


class FundingData(BaseModel):
    country: str
    stage: str
    items: list[dict[str, str]]
    stages: list[Option]


@router.get("/funding", response_class=HTMLResponse)
def funding_page(
    web: WebDep,
    country: Annotated[str, Query(max_length=2)] = "",
    stage: Annotated[CaseStage | None, Query()] = None,
) -> HTMLResponse:
    items = list(programmes())
    if stage is not None and stage in PIPELINE:
        items = for_case(items, country=country or None, stage=stage)
    elif country:
        items = [p for p in items if p.open_to(country)]
    data = FundingData(
        country=country.upper(),
        stage=stage.value if stage else "",
        items=[
            {
                "name": p.name,
                "funder": p.funder,
                "url": str(p.url),
                "funds": p.funds.localise(web.lang),
                "typical": p.typical.localise(web.lang),
                "countries": ", ".join(p.countries),
            }
            for p in items
        ],
        stages=[Option(value=s.value, label=translate(s.label, web.lang)) for s in PIPELINE],
    )
    return web.render(
        "funding.html", DataPage(data), web.chrome(translate(N_("Funding"), web.lang), nav="catalogue")
    )
