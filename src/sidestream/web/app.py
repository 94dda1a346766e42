"""Mount the web pages on the API's FastAPI app.

``mount_web(app, settings)`` adds the pages, their JSON twins and ``/static`` to an
app built by :func:`sidestream.api.app.create_app`; ``create_web_app`` does both, and
``web_app_from_env`` is the factory for uvicorn::

    uvicorn --factory sidestream.web.app:web_app_from_env
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from sidestream.config import Settings, get_settings
from sidestream.web.pages import (  # facilitation (issue 7)
    account,
    accounts,
    benchmarking,
    cases,
    catalogue,
    engagement,
    evaluation,
    experts,
    flows,
    home,
    imports,
    jobs,
    matches,
    network,
    organisations,
    overview,
    potential,
    synergies,
    workshops,
)
from sidestream.web.templating import STATIC_DIR, Templates

STATIC_PATH = "/static"


def mount_web(app: FastAPI, settings: Settings | None = None) -> FastAPI:
    """Add the web pages to ``app`` (idempotent); returns ``app``."""
    if getattr(app.state, "web_templates", None) is not None:
        return app
    if settings is not None and getattr(app.state, "settings", None) is None:
        app.state.settings = settings
    app.state.web_templates = Templates()
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    for router in (
        home.router,
        accounts.router,
        overview.router,
        overview.twins,
        flows.router,
        flows.twins,
        matches.router,
        matches.twins,
        evaluation.router,
        evaluation.twins,
        network.router,
        network.twins,
        potential.router,
        potential.twins,
        cases.twins,  # before the pages: /cases/{id}.json must not be read as case id "3.json"
        cases.router,
        engagement.router,
        catalogue.router,
        catalogue.twins,
        experts.router,
        benchmarking.router,
        organisations.router,
        imports.router,
        jobs.router,
        synergies.router,
        account.router,
        workshops.router,
    ):
        app.include_router(router)
    return app


def create_web_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The API with the web pages mounted."""
    from sidestream.api.app import create_app

    settings = settings or get_settings()
    return mount_web(create_app(settings, engine=engine), settings)


def web_app_from_env() -> FastAPI:
    """The app configured from ``SIDESTREAM_*`` (for ``uvicorn --factory``)."""
    return create_web_app(get_settings())
