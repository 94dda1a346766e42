"""Guest credentials of workshop participants (no account): a random token, sent as
the ``X-Guest-Token`` header by API clients or carried in a signed, HttpOnly cookie by
browsers. Cookie-authenticated writes need the guest's CSRF token (``X-CSRF-Token``),
exactly like a logged-in session; a header token needs none (a browser never adds it).

The token opens one workshop only (``services.workshops.actor_for``): for every other
route a guest is anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from sidestream.api.deps import AuthDep, SessionDep, SettingsDep
from sidestream.api.schemas.common import MAX_ID
from sidestream.api.security import CSRF_HEADER, SAFE_METHODS
from sidestream.config import Settings
from sidestream.errors import PermissionDeniedError
from sidestream.i18n import N_
from sidestream.services import workshops as service
from sidestream.store.models import Participant

GUEST_COOKIE = "sidestream_guest"
GUEST_HEADER = "X-Guest-Token"
GUEST_MAX_AGE_SECONDS = 3 * 24 * 3600  # a workshop lasts a day; the report is read after


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="sidestream.workshop-guest")


def set_guest_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        GUEST_COOKIE,
        _serializer(settings).dumps({"g": token}),
        max_age=GUEST_MAX_AGE_SECONDS,
        path="/",
        secure=settings.session_cookie_secure,
        httponly=True,
        samesite="lax",
    )


def guest_cookie_token(request: Request, settings: Settings) -> str | None:
    raw = request.cookies.get(GUEST_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(settings).loads(raw, max_age=GUEST_MAX_AGE_SECONDS)
    except BadSignature:
        return None
    token = data.get("g") if isinstance(data, dict) else None
    return token if isinstance(token, str) else None


@dataclass(frozen=True)
class Guest:
    participant: Participant | None
    token: str | None
    via: str  # header | cookie | none


def guest_of(request: Request, session: Session, settings: Settings) -> Guest:
    """The guest of the request; a cookie guest's write must carry the CSRF token."""
    header = request.headers.get(GUEST_HEADER)
    if header:
        return Guest(service.guest_for_token(session, header.strip()), header.strip(), "header")
    token = guest_cookie_token(request, settings)
    if token is None or request.headers.get("authorization"):  # a bearer caller is not the cookie's guest
        return Guest(None, None, "none")
    participant = service.guest_for_token(session, token)
    if participant is not None:
        request.state.user_id = f"guest:{participant.id}"  # a 403 is then "forbidden", not "log in"
    if participant is not None and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or ""
        if not _same(service.guest_csrf(settings.secret_key, token), sent):
            raise PermissionDeniedError(
                N_("missing or wrong CSRF token: send the {csrf_header} header"), csrf_header=CSRF_HEADER
            )
    return Guest(participant, token, "cookie")


def _same(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a, b)


def get_guest(request: Request, session: SessionDep, settings: SettingsDep) -> Guest:
    return guest_of(request, session, settings)


GuestDep = Annotated[Guest, Depends(get_guest)]
WorkshopIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The workshop's id.")]


def get_actor(
    workshop_id: WorkshopIdPath, request: Request, session: SessionDep, auth: AuthDep, guest: GuestDep
) -> service.Actor:
    if guest.participant is not None:
        request.state.user_id = f"guest:{guest.participant.id}"  # a 403 is then "forbidden", not "log in"
    return service.actor_for(session, workshop_id, participant=guest.participant, user=auth.user)


ActorDep = Annotated[service.Actor, Depends(get_actor)]
