"""The API on a fresh, migrated database (SQLite and PostgreSQL, from
``tests/dbfixtures.py``), a client that speaks real HTTP to it, and the
confidential demo world."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sidestream.api.app import create_app
from sidestream.config import Settings
from tests.api.client import ApiClient
from tests.api.world import SECRET, World, build_world


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    return Settings(
        database_url=migrated_url,
        environment="test",
        secret_key=SECRET,
        login_max_failures=3,
        login_window_seconds=600,
    )


@pytest.fixture
def app(settings: Settings, migrated_engine: Engine) -> FastAPI:
    return create_app(settings, engine=migrated_engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[ApiClient]:
    with ApiClient(app) as c:
        yield c


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)
