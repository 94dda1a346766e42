"""Typed dependencies: settings, a database session per request, who is calling,
the region of the path and the viewer in it, paging and optimistic-locking headers.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Header, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from sidestream.api.problems import HTTPProblemError
from sidestream.api.responses import STAMPS_STATE_KEY, ResponseCache, get_response_cache
from sidestream.api.schemas.common import MAX_ID
from sidestream.api.security import SAFE_METHODS, csrf_valid, read_session_cookie
from sidestream.config import Settings
from sidestream.domain.visibility import Role, Viewer
from sidestream.errors import PermissionDeniedError
from sidestream.i18n import N_
from sidestream.services.accounts import AuthenticationError, require_role
from sidestream.services.callers import CallerCache
from sidestream.services.matching import MatchCache
from sidestream.store.models import Region, User
from sidestream.store.versions import seed_versions

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]

_bearer = HTTPBearer(auto_error=False, description="A personal API token (sst_…) or a login token (ses_…).")


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` one on
# the thread pool, and each such hop costs more than the work itself.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, closed (and rolled back if uncommitted) at the end.

    Making a session does no I/O (it connects on first use), so it is made on the event
    loop; closing one that used a connection runs on the thread pool."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    session = factory()
    stamps = request.scope.get("state", {}).get(STAMPS_STATE_KEY)
    if stamps is not None:  # read by the front cache a moment ago
        seed_versions(session, stamps)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


async def get_match_cache(request: Request) -> MatchCache:
    cache: MatchCache = request.app.state.match_cache
    return cache


async def get_caller_cache(request: Request) -> CallerCache:
    cache: CallerCache = request.app.state.caller_cache
    return cache


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
MatchCacheDep = Annotated[MatchCache, Depends(get_match_cache)]
CallerCacheDep = Annotated[CallerCache, Depends(get_caller_cache)]
ResponseCacheDep = Annotated[ResponseCache, Depends(get_response_cache)]


@dataclass(frozen=True)
class Auth:
    """How the caller authenticated: a bearer token, the session cookie, or not at all."""

    user: User | None
    via: Literal["token", "cookie", "none"]
    token: str | None = None


def get_auth(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    callers: CallerCacheDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Auth:
    """The caller. A bad bearer token is an error (401); a bad or expired cookie is
    simply no session. Cookie-authenticated writes must carry the CSRF token."""
    if request.headers.get("authorization"):
        if credentials is None or not credentials.credentials:
            raise AuthenticationError(N_("send the token as `Authorization: Bearer <token>`"))
        token = credentials.credentials.strip()
        user = callers.user_for_token(
            session, token, session_max_age_seconds=settings.session_max_age_seconds
        )
        if user is None:
            raise AuthenticationError(
                N_("the token is unknown, revoked or expired: log in again or create a token")
            )
        request.state.user_id = user.id
        return Auth(user, "token", token)
    cookie_token = read_session_cookie(request, settings)
    if cookie_token:
        user = callers.user_for_token(
            session, cookie_token, session_max_age_seconds=settings.session_max_age_seconds
        )
        if user is not None:
            request.state.user_id = user.id
            if request.method not in SAFE_METHODS and not csrf_valid(
                settings, cookie_token, request.headers.get("x-csrf-token")
            ):
                raise PermissionDeniedError(
                    N_("missing or wrong CSRF token: send the X-CSRF-Token header given at login")
                )
            return Auth(user, "cookie", cookie_token)
    return Auth(None, "none")


AuthDep = Annotated[Auth, Depends(get_auth)]


async def get_user(auth: AuthDep) -> User:
    """The logged-in user, or 401."""
    if auth.user is None:
        raise AuthenticationError(N_("log in first (a bearer token or the session cookie)"))
    return auth.user


UserDep = Annotated[User, Depends(get_user)]


async def get_admin(user: UserDep) -> User:
    if not user.is_admin:
        raise PermissionDeniedError(N_("only instance administrators may do this"))
    return user


AdminDep = Annotated[User, Depends(get_admin)]


async def get_region(
    session: SessionDep,
    callers: CallerCacheDep,
    slug: Annotated[str, Path(description="The region's slug, e.g. helgeland.", max_length=80)],
) -> Region:
    """The region of the path: from the caller cache without I/O when it can be, else
    looked up on the thread pool."""
    region = callers.cached_region(session, slug)
    if region is None:
        region = await run_in_threadpool(callers.region, session, slug)
    return region


RegionDep = Annotated[Region, Depends(get_region)]


async def get_viewer(
    session: SessionDep, region: RegionDep, auth: AuthDep, callers: CallerCacheDep
) -> Viewer:
    viewer = callers.cached_viewer(session, auth.user, region)
    if viewer is None:
        viewer = await run_in_threadpool(callers.viewer, session, auth.user, region)
    return viewer


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


async def get_facilitator(viewer: ViewerDep) -> Viewer:
    require_role(viewer, Role.FACILITATOR, N_("manage this region"))
    return viewer


FacilitatorDep = Annotated[Viewer, Depends(get_facilitator)]


@dataclass(frozen=True)
class PageParams:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


async def get_page(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1.")] = 1,
    per_page: Annotated[int, Query(ge=1, le=500, description="Items per page.")] = 50,
) -> PageParams:
    return PageParams(page, per_page)


PageDep = Annotated[PageParams, Depends(get_page)]

_ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,10})"\s*$')


def etag(version: int) -> str:
    """The weak ETag of a versioned record."""
    return f'W/"{version}"'


def parse_if_match(value: str | None) -> int | None:
    """The version an ``If-Match`` header asks for (None for absent or ``*``).

    >>> parse_if_match('W/"3"'), parse_if_match('"12"'), parse_if_match("*"), parse_if_match(None)
    (3, 12, None, None)
    """
    if value is None or value.strip() == "*":
        return None
    m = _ETAG.match(value)
    if not m:
        raise HTTPProblemError(
            400, 'If-Match must be an ETag from a response, e.g. W/"3"', slug="bad-if-match"
        )
    return int(m.group(1))


async def get_if_match(
    if_match: Annotated[
        str | None, Header(description='The ETag you read (W/"<version>"); a stale one gives 409.')
    ] = None,
) -> int | None:
    return parse_if_match(if_match)


IfMatchDep = Annotated[int | None, Depends(get_if_match)]


def expected_version(if_match: int | None, body_version: int | None) -> int | None:
    """The version a write expects: from If-Match or the body's ``version`` field."""
    if if_match is not None and body_version is not None and if_match != body_version:
        raise HTTPProblemError(400, "If-Match and the body's version disagree", slug="bad-if-match")
    return if_match if if_match is not None else body_version
