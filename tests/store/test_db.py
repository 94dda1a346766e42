"""Engines and the migration check: the same settings on every path into the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from sidestream.errors import StoreError
from sidestream.store.db import (
    check_migrated,
    current,
    downgrade,
    head_revision,
    make_engine,
    normalise_url,
    upgrade,
)


def test_postgresql_urls_use_psycopg_3() -> None:
    assert normalise_url("postgresql://u:p@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"


def test_sqlite_engine_settings(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "s.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
        assert path.parent.is_dir()  # the folder of the default var/sidestream.sqlite is created
    finally:
        engine.dispose()


def test_unmigrated_database_is_refused(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with pytest.raises(StoreError, match=r"^database is not migrated: run `sidestream db upgrade`"):
            check_migrated(engine)
        upgrade(db_url)
        check_migrated(engine)
        downgrade(db_url, "base")
        with pytest.raises(StoreError, match="not migrated"):
            check_migrated(engine)
    finally:
        engine.dispose()


def test_database_from_a_newer_sidestream_is_refused(migrated_engine: Engine) -> None:
    with migrated_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    with pytest.raises(StoreError, match="does not know"):
        check_migrated(migrated_engine)


def test_current_reports_the_revision(db_url: str) -> None:
    assert current(db_url) is None
    upgrade(db_url)
    assert current(db_url) == head_revision()


@pytest.mark.parametrize(
    "module",
    [
        "sidestream.store.db",
        "sidestream.services.audit",
        "sidestream.services.flows",
        "sidestream.services.pagination",
        "sidestream.services.regions",
    ],
)
def test_docstring_examples(module: str) -> None:
    """The ``>>>`` examples in the store and service modules run (testpaths is tests/)."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0
