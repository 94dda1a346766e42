"""Database fixtures shared by store, services and API tests (SQLite and PostgreSQL).

Registered from ``tests/conftest.py``; the names below are stable (the API tests use
them too). Every test that asks for a database runs twice, once per backend, each
time on a fresh database of its own:

``db_backend``
    ``"sqlite"`` or ``"postgresql"`` (the parameter; test ids end in ``[sqlite]`` /
    ``[postgresql]``).
``db_url``
    URL of a fresh, EMPTY database (no tables) — for migration tests.
``migrated_url``
    URL of a fresh database at the newest migration (cloned from a template that is
    migrated once per test session, so it costs a file copy or a CREATE DATABASE).
``migrated_engine``
    An ``Engine`` (``sidestream.store.db.make_engine``) on ``migrated_url``.
``session``
    A ``Session`` on ``migrated_engine`` (``expire_on_commit=False``, like the app).
``make_region(slug="test", name=None, **fields) -> Region``
``make_organisation(region, name="Org", *, actor_type="company", nace=None) -> Organisation``
``make_site(organisation, name=None, *, lat=66.3, lon=14.1) -> Site``
``make_flow(organisation, site=None, *, key=None, visibility="public", direction="supply",
resource="surplus heat 60 °C", category="heat", **fields) -> Flow``
    Straight into the table (no service, no audit event), for arranging a test.
``make_user(role="member", region=None, organisation_ids=(), *, email=None,
is_admin=False, password=None, name="") -> User``
    ``role`` is a :class:`~sidestream.domain.visibility.Role` or its value; with a
    ``region`` the user gets a membership there with that role and the given
    organisations. ``password`` (hashed with the accounts service) is optional:
    hashing is slow on purpose, so users without one get an unusable hash.
``viewer_of(session, user, region) -> Viewer`` (plain function)
    The viewer a user is in a region, read from their membership (instance admins act
    as region admins), for calling services directly.

PostgreSQL is reached at ``SIDESTREAM_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``). Each test gets a database named
``sidestream_test_<hex>`` created through an autocommit connection and dropped
``WITH (FORCE)`` afterwards, both on a background thread so that tests do not wait
for PostgreSQL's disk syncs (a database is never given to two tests). If the server
cannot be reached, the PostgreSQL half of the tests is skipped with the reason.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from sidestream.domain.visibility import ANONYMOUS, Role, Viewer
from sidestream.services.jobs import wait_for_jobs
from sidestream.store.db import make_engine, session_factory, upgrade
from sidestream.store.models import Flow, Membership, MembershipOrganisation, Organisation, Region, Site, User

POSTGRES_ADMIN_URL = os.environ.get(
    "SIDESTREAM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]
UNUSABLE_PASSWORD_HASH = "!unusable"


# --- PostgreSQL server ---------------------------------------------------------------


def _admin_conninfo() -> str:
    return make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)


def _database_url(name: str) -> str:
    url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


def _admin(statement: sql.Composable) -> None:
    with psycopg.connect(_admin_conninfo(), autocommit=True, connect_timeout=5) as connection:
        connection.execute(statement)


def _create_database(name: str, template: str | None = None) -> None:
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)
        )
    _admin(statement)


def _drop_database(name: str) -> None:
    _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def _postgres_available() -> str | None:
    """None if the PostgreSQL test server answers, else why not."""
    try:
        _admin(sql.SQL("SELECT 1"))
    except psycopg.Error as exc:
        return f"PostgreSQL test server at {POSTGRES_ADMIN_URL} unavailable: {exc}".splitlines()[0]
    return None


class _DatabasePool:
    """Fresh PostgreSQL databases made ahead of time, and used ones dropped in the
    background: CREATE and DROP DATABASE each wait for disk syncs, and a test should
    not wait for them. Every database is still used by one test only."""

    def __init__(self, template: str | None) -> None:
        self.template = template
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pgpool")
        self.ready: deque[Future[str]] = deque()
        self.pending: list[Future[None]] = []

    def _create(self) -> str:
        name = f"sidestream_test_{uuid.uuid4().hex[:16]}"
        _create_database(name, self.template)
        return name

    def take(self) -> str:
        if not self.ready:
            self.ready.append(self.executor.submit(self._create))
        name = self.ready.popleft().result()
        self.ready.append(self.executor.submit(self._create))
        return name

    def give_back(self, name: str) -> None:
        self.pending.append(self.executor.submit(_drop_database, name))

    def close(self) -> None:
        for future in self.ready:
            self.pending.append(self.executor.submit(_drop_database, future.result()))
        for future in self.pending:
            future.result()
        self.executor.shutdown()


@contextmanager
def _pool(template: str | None) -> Iterator[_DatabasePool]:
    pool = _DatabasePool(template)
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="session")
def _postgres_template(_postgres_available: str | None) -> Iterator[str]:
    """A migrated database that per-test databases are cloned from."""
    if _postgres_available is not None:
        pytest.skip(_postgres_available)
    name = f"sidestream_template_{uuid.uuid4().hex[:12]}"
    _create_database(name)
    try:
        upgrade(_database_url(name))  # disposes its engine: a template must have no sessions
        yield name
    finally:
        _drop_database(name)


@pytest.fixture(scope="session")
def _postgres_empty_pool(_postgres_available: str | None) -> Iterator[_DatabasePool]:
    if _postgres_available is not None:
        pytest.skip(_postgres_available)
    with _pool(None) as pool:
        yield pool


@pytest.fixture(scope="session")
def _postgres_migrated_pool(_postgres_template: str) -> Iterator[_DatabasePool]:
    with _pool(_postgres_template) as pool:
        yield pool


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite"
    upgrade(f"sqlite:///{path}")  # the last connection closing checkpoints the WAL into the file
    return path


# --- per-test databases --------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    if backend == "postgresql":
        reason = request.getfixturevalue("_postgres_available")
        if reason is not None:
            pytest.skip(reason)
    return backend


@pytest.fixture
def db_url(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database of the backend."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    pool: _DatabasePool = request.getfixturevalue("_postgres_empty_pool")
    name = pool.take()
    try:
        yield _database_url(name)
    finally:
        wait_for_jobs()  # a background job of the test must not outlive its database
        pool.give_back(name)


@pytest.fixture
def migrated_url(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database at the newest migration."""
    if db_backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "migrated.sqlite"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    pool: _DatabasePool = request.getfixturevalue("_postgres_migrated_pool")
    name = pool.take()
    try:
        yield _database_url(name)
    finally:
        wait_for_jobs()  # a background job of the test must not outlive its database
        pool.give_back(name)


@pytest.fixture
def migrated_engine(migrated_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def session(migrated_engine: Engine) -> Iterator[Session]:
    with session_factory(migrated_engine)() as s:
        yield s


# --- factories -----------------------------------------------------------------------


@pytest.fixture
def make_region(session: Session) -> Callable[..., Region]:
    def make(slug: str = "test", name: str | None = None, **fields: Any) -> Region:
        region = Region(slug=slug, name=name or slug.title(), **fields)
        session.add(region)
        session.commit()
        return region

    return make


@pytest.fixture
def make_organisation(session: Session) -> Callable[..., Organisation]:
    def make(
        region: Region, name: str = "Org", *, actor_type: str = "company", nace: str | None = None
    ) -> Organisation:
        organisation = Organisation(region_id=region.id, name=name, actor_type=actor_type, nace=nace)
        session.add(organisation)
        session.commit()
        return organisation

    return make


@pytest.fixture
def make_site(session: Session) -> Callable[..., Site]:
    def make(
        organisation: Organisation, name: str | None = None, *, lat: float = 66.3, lon: float = 14.1
    ) -> Site:
        site = Site(organisation_id=organisation.id, name=name or organisation.name, lat=lat, lon=lon)
        session.add(site)
        session.commit()
        return site

    return make


_keys = itertools.count(1)


@pytest.fixture
def make_flow(session: Session, make_site: Callable[..., Site]) -> Callable[..., Flow]:
    def make(
        organisation: Organisation,
        site: Site | None = None,
        *,
        key: str | None = None,
        visibility: str = "public",
        direction: str = "supply",
        resource: str = "surplus heat 60 °C",
        category: str | None = "heat",
        **fields: Any,
    ) -> Flow:
        if site is None:
            site = session.scalar(select(Site).where(Site.organisation_id == organisation.id)) or make_site(
                organisation
            )
        flow = Flow(
            region_id=organisation.region_id,
            key=key or f"t-{next(_keys)}",
            organisation_id=organisation.id,
            site_id=site.id,
            visibility=visibility,
            direction=direction,
            resource=resource,
            category=category,
            **fields,
        )
        session.add(flow)
        session.commit()
        return flow

    return make


_emails = itertools.count(1)


@pytest.fixture
def make_user(session: Session) -> Callable[..., User]:
    def make(
        role: Role | str = Role.MEMBER,
        region: Region | None = None,
        organisation_ids: tuple[int, ...] | list[int] | frozenset[int] = (),
        *,
        email: str | None = None,
        is_admin: bool = False,
        password: str | None = None,
        name: str = "",
    ) -> User:
        role = Role(role)
        if password is None:
            password_hash = UNUSABLE_PASSWORD_HASH
        else:
            from sidestream.services.accounts import hash_password

            password_hash = hash_password(password)
        user = User(
            email=email or f"{role.value}-{next(_emails)}@example.org",
            name=name,
            password_hash=password_hash,
            is_admin=is_admin,
        )
        session.add(user)
        session.flush()
        if region is not None:
            membership = Membership(user_id=user.id, region_id=region.id, role=role.value)
            session.add(membership)
            session.flush()
            for organisation_id in organisation_ids:
                session.add(
                    MembershipOrganisation(membership_id=membership.id, organisation_id=organisation_id)
                )
        session.commit()
        return user

    return make


def viewer_of(session: Session, user: User | None, region: Region) -> Viewer:
    """The viewer ``user`` is in ``region``, read from the database."""
    if user is None:
        return ANONYMOUS
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.region_id == region.id)
    )
    role = Role(membership.role) if membership is not None else None
    organisation_ids = frozenset(
        session.scalars(
            select(MembershipOrganisation.organisation_id).where(
                MembershipOrganisation.membership_id == (membership.id if membership else -1)
            )
        )
    )
    if user.is_admin:
        role = Role.ADMIN
    return Viewer(user_id=user.id, role=role, organisation_ids=organisation_ids)
