"""A case's public page for residents: no login, read what is planned, ask a question.

The form carries a double-submit token (a random value in the form and, signed, in a
cookie — the login form's scheme), must come from our own origin, has a hidden trap
field that people leave empty and robots fill, and posting is rate-limited by the
service. The page shows only :class:`~sidestream.services.engagement.PublicCase`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from sidestream.api.deps import SessionDep
from sidestream.errors import InvalidDataError, PermissionDeniedError
from sidestream.i18n import N_, translate
from sidestream.services import engagement
from sidestream.web.context import DataPage
from sidestream.web.deps import WebDep
from sidestream.web.errors import HtmlRoute
from sidestream.web.forms import FORM_REFUSED
from sidestream.web.pages.cases import stage_label
from sidestream.web.security import login_csrf_token, login_csrf_valid, same_origin

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)
PublicSlug = Annotated[str, Path(max_length=40)]
TRAP_FILLED = N_("Leave the last field empty.")


class PublicPageData(BaseModel):
    slug: str
    title: str
    stage: str
    stage_label: str
    summary: str
    place: str
    why: str
    feedback: list[dict[str, str]]
    csrf_token: str
    sent: bool


@router.get("/public/cases/{public_slug}", response_class=HTMLResponse)
def public_page(
    web: WebDep, session: SessionDep, public_slug: PublicSlug, sent: bool = False
) -> HTMLResponse:
    view = engagement.public_view(session, engagement.public_case(session, public_slug))
    cookies = Response()
    data = PublicPageData(
        slug=view.slug,
        title=view.title,
        stage=view.stage,
        stage_label=stage_label(view.stage, web.lang),
        summary=view.summary,
        place=view.place,
        why=view.why,
        feedback=[
            {"name": f.name, "text": f.text, "answer": f.answer, "date": f.created_at.date().isoformat()}
            for f in view.feedback
        ],
        csrf_token=login_csrf_token(web.request, cookies, web.settings),
        sent=sent,
    )
    chrome = web.chrome(view.title, nav="public")
    return web.render("public_case.html", DataPage(data), chrome, cookies=cookies)


@router.post("/public/cases/{public_slug}/feedback")
def post_feedback(
    web: WebDep,
    session: SessionDep,
    public_slug: PublicSlug,
    text: Annotated[str, Form(max_length=2000)],
    name: Annotated[str, Form(max_length=100)] = "",
    website: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> RedirectResponse:
    if not same_origin(web.request) or not login_csrf_valid(web.request, web.settings, csrf_token):
        raise PermissionDeniedError(translate(FORM_REFUSED, web.lang))
    if website:
        raise InvalidDataError(translate(TRAP_FILLED, web.lang))
    case = engagement.public_case(session, public_slug)
    address = web.request.client.host if web.request.client else "unknown"
    engagement.post_feedback(
        session, case, name=name, text=text, client=engagement.client_key(address, web.settings.secret_key)
    )
    return RedirectResponse(f"/public/cases/{public_slug}?sent=1#feedback", status_code=303)
