"""Engines, sessions and schema migrations for the store.

One place decides how Sidestream talks to a database, so that the CLI, the API and
the tests all get the same SQLite pragmas, the same PostgreSQL driver and the same
"is this database migrated?" check. Alembic runs from the installed package (a
programmatic :class:`alembic.config.Config`), never from a repo-root ``alembic.ini``:
an operator who installed the wheel has no repository.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from sidestream.errors import StoreError
from sidestream.i18n import N_

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
NOT_MIGRATED = "database is not migrated: run `sidestream db upgrade`"


def normalise_url(url: str | URL) -> URL:
    """The URL with Sidestream's drivers: psycopg 3 for PostgreSQL.

    ``postgresql://`` (what most hosting panels print) would pick psycopg2, which is
    not installed, so it is rewritten; ``postgres://`` (Heroku style) too.

    >>> normalise_url("postgresql://u@db:5432/s").drivername
    'postgresql+psycopg'
    >>> normalise_url("sqlite:///var/s.sqlite").drivername
    'sqlite'
    """
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):  # URI filenames: leave them to the operator
        return None
    return Path(database)


PG_POOL_SIZE = 20
PG_POOL_OVERFLOW = 25


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url`` with Sidestream's connection settings.

    SQLite: foreign keys ON (off by default in SQLite, and the schema relies on
    ``ON DELETE CASCADE``), WAL so that readers do not block the writer, and a busy
    timeout so that two processes (CLI and server) wait instead of failing at once.
    The folder of a SQLite file is created, so the default ``var/sidestream.sqlite``
    works on a fresh checkout. PostgreSQL: psycopg 3.
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_file(parsed)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        engine = create_engine(parsed, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # FastAPI runs sync routes on a pool of 40 threads; SQLAlchemy's default of 5 + 10
    # connections made a burst of 60 workshop voters wait past the pool timeout.
    kwargs.setdefault("pool_size", PG_POOL_SIZE)
    kwargs.setdefault("max_overflow", PG_POOL_OVERFLOW)
    return create_engine(parsed, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster commits
    finally:
        cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit.

    Services commit before they return; ``expire_on_commit=False`` lets the caller
    render what was returned without a second round trip per attribute.
    """
    return sessionmaker(engine, expire_on_commit=False)


# --- migrations ----------------------------------------------------------------------


def alembic_config(url: str | URL | None = None, engine: Engine | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations.

    The URL (or an engine to reuse) travels in ``config.attributes`` rather than in
    ``sqlalchemy.url``: configparser would treat a ``%`` in a password as
    interpolation.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if engine is not None:
        config.attributes["engine"] = engine
    elif url is not None:
        config.attributes["url"] = str(url) if isinstance(url, str) else url.render_as_string(False)
    return config


def head_revision() -> str:
    """The newest migration this version of Sidestream knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise StoreError(N_("no migrations found in the installed package"))
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def check_migrated(engine: Engine) -> None:
    """Refuse a database whose schema is not this version's head revision.

    Called when the CLI or the server opens the store: a missing table would
    otherwise surface as an obscure SQL error on the first request.
    """
    revision = current_revision(engine)
    if revision == head_revision():
        return
    script = ScriptDirectory.from_config(alembic_config())
    known = revision is None or _known(script, revision)
    if not known:
        raise StoreError(
            N_(
                "database is at revision {revision}, which this version of Sidestream does not "
                "know: install the Sidestream version that migrated it (or newer)"
            ),
            revision=revision,
        )
    at = "empty" if revision is None else f"at revision {revision}"
    # For the operator starting the server or the CLI: stays English.
    raise StoreError(f"{NOT_MIGRATED} (it is {at}; the code needs {head_revision()})")


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


@contextmanager
def _engine_for(url: str | URL) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def upgrade(url: str | URL, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (default: the newest)."""
    with _engine_for(url) as engine:
        command.upgrade(alembic_config(engine=engine), revision)


def downgrade(url: str | URL, revision: str) -> None:
    """Migrate the database at ``url`` down to ``revision`` (``base`` empties it)."""
    with _engine_for(url) as engine:
        command.downgrade(alembic_config(engine=engine), revision)


def current(url: str | URL) -> str | None:
    """The revision of the database at ``url`` (``None`` when it was never migrated)."""
    with _engine_for(url) as engine:
        return current_revision(engine)
