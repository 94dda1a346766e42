"""The landing page: the regions of this instance."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from sidestream.api.deps import SessionDep
from sidestream.services import regions as region_service
from sidestream.web.context import HomePage, RegionLink
from sidestream.web.deps import WebDep
from sidestream.web.errors import HtmlRoute

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(web: WebDep, session: SessionDep) -> HTMLResponse:
    regions = [
        RegionLink(slug=r.slug, name=r.name, url=f"/regions/{r.slug}", country=r.country)
        for r in region_service.list_regions(session)
    ]
    return web.render("home.html", HomePage(regions), web.chrome("Sidestream", nav="home"))
