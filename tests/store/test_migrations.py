"""Migrations run up, down and up again on both databases, and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from sidestream.store.db import current, downgrade, head_revision, make_engine, upgrade
from sidestream.store.models import Base, Region

TABLES = set(Base.metadata.tables)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_up_down_up(db_url: str) -> None:
    assert _tables(db_url) == set()
    upgrade(db_url)
    assert _tables(db_url) == TABLES
    assert current(db_url) == head_revision()
    downgrade(db_url, "base")
    assert _tables(db_url) == set()
    assert current(db_url) is None
    upgrade(db_url)
    assert _tables(db_url) == TABLES


def test_models_and_migrations_agree(migrated_engine: Engine) -> None:
    """Fails when a model changed without a migration (run autogenerate, see README)."""
    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_foreign_keys_are_enforced_after_migrating(migrated_engine: Engine) -> None:
    """SQLite migrations switch foreign keys off; they must be back on afterwards."""
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import Session

    from sidestream.store.models import Organisation

    with Session(migrated_engine) as session:
        session.add(Organisation(region_id=12345, name="Nowhere"))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
        else:  # pragma: no cover - the assertion below explains
            raise AssertionError("an organisation of a missing region was accepted")
        assert session.query(Region).count() == 0
