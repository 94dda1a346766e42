"""The expert directory as a page (logged-in users): search, add yourself, edit or
delete your own entry (admins any). Contacts are shown only for entries whose person
consented — every entry, since none is stored without consent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from sidestream.api.deps import IdPath, SessionDep
from sidestream.facilitation.experts import Topic
from sidestream.i18n import N_, translate
from sidestream.services import experts as service
from sidestream.services.accounts import AuthenticationError
from sidestream.services.experts import ExpertData
from sidestream.store.models import Expert
from sidestream.web.context import DataPage
from sidestream.web.deps import FormWebDep, WebDep
from sidestream.web.errors import HtmlRoute
from sidestream.web.forms import LOGIN_FIRST, check_form
from sidestream.web.pages.catalogue import class_label
from sidestream.web.pages.flows import Option

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)


class ExpertFilters(BaseModel):
    q: str = ""
    topic: str = ""
    country: str = ""
    language: str = ""
    contact_points: bool = False


class ExpertItem(BaseModel):
    id: int
    name: str
    organisation: str
    country: str
    email: str
    phone: str
    network: str
    contact_point: bool
    classes: list[str]
    sectors: list[str]
    topics: list[str]
    languages: list[str]
    can_edit: bool


class ExpertsData(BaseModel):
    filters: ExpertFilters
    items: list[ExpertItem]
    topics: list[Option]
    mine: ExpertItem | None
    mine_raw: dict[str, str]


def _item(e: Expert, can_edit: bool, lang: str) -> ExpertItem:
    ex = e.expertise or {}
    return ExpertItem(
        id=e.id,
        name=e.name,
        organisation=e.organisation,
        country=e.country,
        email=e.email,
        phone=e.phone,
        network=e.network,
        contact_point=e.contact_point,
        classes=[class_label(c, lang) for c in ex.get("classes", [])],
        sectors=list(ex.get("sectors", [])),
        topics=[translate(Topic(t).label, lang) for t in ex.get("topics", [])],
        languages=list(e.languages or []),
        can_edit=can_edit,
    )


def _filters(
    q: Annotated[str, Query(max_length=200)] = "",
    topic: Annotated[str, Query(max_length=20)] = "",
    country: Annotated[str, Query(max_length=2)] = "",
    language: Annotated[str, Query(max_length=2)] = "",
    contact_points: bool = False,
) -> ExpertFilters:
    return ExpertFilters(q=q, topic=topic, country=country, language=language, contact_points=contact_points)


@router.get("/experts", response_class=HTMLResponse)
def experts_page(
    web: WebDep, session: SessionDep, filters: Annotated[ExpertFilters, Depends(_filters)]
) -> HTMLResponse:
    if web.user is None:
        raise AuthenticationError(translate(LOGIN_FIRST, web.lang))
    rows = service.search_experts(
        session,
        web.user,
        filters.q,
        topic=filters.topic or None,
        country=filters.country or None,
        language=filters.language or None,
        contact_points=filters.contact_points,
    )
    mine = next(iter(session.query(Expert).filter(Expert.user_id == web.user.id)), None)
    raw: dict[str, str] = {}
    if mine is not None:
        ex = mine.expertise or {}
        raw = {
            "classes": ", ".join(ex.get("classes", [])),
            "sectors": ", ".join(ex.get("sectors", [])),
            "topics": ", ".join(ex.get("topics", [])),
            "languages": ", ".join(mine.languages or []),
        }
    data = ExpertsData(
        filters=filters,
        items=[_item(e, service.can_manage(web.user, e), web.lang) for e in rows],
        topics=[Option(value=t.value, label=translate(t.label, web.lang)) for t in Topic],
        mine=_item(mine, True, web.lang) if mine is not None else None,
        mine_raw=raw,
    )
    return web.render(
        "experts.html", DataPage(data), web.chrome(translate(N_("Experts"), web.lang), nav="experts")
    )


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


def _data(
    name: str,
    organisation: str,
    country: str,
    email: str,
    phone: str,
    network: str,
    classes: str,
    sectors: str,
    topics: str,
    languages: str,
    consent: bool,
) -> ExpertData:
    return ExpertData(
        name=name,
        organisation=organisation,
        country=country,
        email=email,
        phone=phone,
        network=network,
        classes=_split(classes),
        sectors=_split(sectors),
        topics=_split(topics),
        languages=_split(languages),
        consent=consent,
    )


@router.post("/experts")
def save_expert(
    web: FormWebDep,
    session: SessionDep,
    name: Annotated[str, Form(max_length=200)],
    country: Annotated[str, Form(max_length=2)],
    organisation: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    network: Annotated[str, Form(max_length=200)] = "",
    classes: Annotated[str, Form(max_length=2000)] = "",
    sectors: Annotated[str, Form(max_length=500)] = "",
    topics: Annotated[str, Form(max_length=500)] = "",
    languages: Annotated[str, Form(max_length=100)] = "",
    consent: Annotated[bool, Form()] = False,
    expert_id: Annotated[str, Form(max_length=12)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> RedirectResponse:
    """Create your own entry, or update it (``expert_id``)."""
    check_form(web, csrf_token)
    data = _data(
        name, organisation, country, email, phone, network, classes, sectors, topics, languages, consent
    )
    if expert_id.isdigit():
        service.update_expert(session, web.user, int(expert_id), data)
    else:
        service.create_expert(session, web.user, data)
    return RedirectResponse("/experts", status_code=303)


@router.post("/experts/{expert_id}/delete")
def delete_expert(
    web: FormWebDep,
    session: SessionDep,
    expert_id: IdPath,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> RedirectResponse:
    check_form(web, csrf_token)
    service.delete_expert(session, web.user, expert_id)
    return RedirectResponse("/experts", status_code=303)
