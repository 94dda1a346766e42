"""The application factory: ``create_app(settings)`` builds the JSON API under
``/api/v1`` with its OpenAPI document at ``/api/openapi.json`` and docs at
``/api/docs``. No module-level app and no globals: each call gets its own engine,
session factory and caches (matches, callers, response bodies) on ``app.state``.

For uvicorn: ``uvicorn --factory sidestream.api.app:app_from_env``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy import Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from sidestream import __version__
from sidestream.api.problems import document_problems, install_problem_handlers
from sidestream.api.responses import FrontCache, FrontCacheMiddleware, ResponseCache
from sidestream.api.routes import (  # facilitation (issue 7)
    audit,
    auth,
    benchmarking,
    cases,
    catalogue,
    evaluation,
    experts,
    flows,
    health,
    mapping,
    matches,
    memberships,
    optimise,
    organisations,
    regions,
    sites,
    synergies,
    tokens,
    users,
    workshops,
)
from sidestream.api.stamps import StampReader
from sidestream.config import Settings, get_settings
from sidestream.services.callers import CallerCache
from sidestream.services.jobs import wait_for_jobs
from sidestream.services.matching import MatchCache
from sidestream.store.db import check_migrated, make_engine, session_factory

API_PREFIX = "/api/v1"
DESCRIPTION = """\
Sidestream's JSON API: regions, organisations, sites and flows (the flow registry),
matches and saved synergies, accounts and tokens.

Authenticate with `Authorization: Bearer <token>` (create a personal token under
`/tokens`, or log in with `/auth/login`). Every error is an RFC 9457 problem document
(`application/problem+json`). Single records carry an `ETag`; send it back in
`If-Match` when you change them, and a stale write is refused with 409.
"""


class SharedStateMiddleware:
    """Give every request its ``state`` dict up front, so that what a dependency puts
    there (who the caller is) is seen by the exception handlers too: routing copies
    the scope, and a dict created later would live in the copy only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the API. Refuses an unmigrated database with the message from
    :func:`~sidestream.store.db.check_migrated` (raises ``StoreError``)."""
    settings = settings or get_settings()
    owns_engine = engine is None
    engine = engine or make_engine(settings.database_url)
    try:
        check_migrated(engine)
    except Exception:
        if owns_engine:
            engine.dispose()
        raise

    stamp_reader = StampReader(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(wait_for_jobs)
        stamp_reader.close()
        if owns_engine:
            engine.dispose()

    app = FastAPI(
        title="Sidestream API",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    app.state.match_cache = MatchCache()
    app.state.caller_cache = CallerCache()
    app.state.response_cache = ResponseCache()
    app.state.front_cache = FrontCache()
    app.state.stamp_reader = stamp_reader
    install_problem_handlers(app)
    app.add_middleware(SharedStateMiddleware)
    app.add_middleware(FrontCacheMiddleware)  # outermost: a hit skips routing altogether
    for module in (
        health,
        auth,
        users,
        tokens,
        regions,
        organisations,
        sites,
        flows,
        matches,
        mapping,
        synergies,
        memberships,
        audit,
        evaluation,
        optimise,
        cases,
        catalogue,
        experts,
        benchmarking,
        workshops,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
    _document_problems(app)
    return app


def _document_problems(app: FastAPI) -> None:
    """Generate the OpenAPI document once, with every error as a problem document."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            app.openapi_schema = document_problems(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """The app configured from ``SIDESTREAM_*`` (for ``uvicorn --factory``)."""
    return create_app(get_settings())
