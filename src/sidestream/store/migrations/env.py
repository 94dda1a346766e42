"""Alembic environment: metadata from :mod:`sidestream.store.models`, and the database
from the config's attributes (an engine or a URL, see ``store.db.alembic_config``),
falling back to ``Settings().database_url``.

Connections come from :func:`sidestream.store.db.make_engine`, so migrations see the
same drivers as the application. On SQLite, foreign keys are switched off while
migrating: batch migrations rebuild a table by copy-drop-rename, and with foreign keys
on, dropping the old table would cascade-delete the rows that point at it.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, Engine
from sqlalchemy.types import TypeDecorator

from sidestream.store.db import make_engine
from sidestream.store.models import Base

target_metadata = Base.metadata


def _render_item(type_: str, obj: Any, _autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our TypeDecorators as the plain SQL type they store.

    A migration must keep working after the Python class it was generated from is
    renamed or removed, so it should only name SQLAlchemy's own types.
    """
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
    )


def _run(engine: Engine) -> None:
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # else Alembic would join this transaction and never commit
        try:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (``alembic upgrade --sql``)."""
    url = context.config.attributes.get("url") or _settings_url()
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _settings_url() -> str:
    from sidestream.config import Settings

    return Settings().database_url


def run_migrations_online() -> None:
    attributes = context.config.attributes
    engine: Engine | None = attributes.get("engine")
    if engine is not None:
        _run(engine)
        return
    owned = make_engine(attributes.get("url") or _settings_url())
    try:
        _run(owned)
    finally:
        owned.dispose()


def _inside_alembic() -> bool:
    """Alembic sets up ``context`` before it runs this file; anything else importing it
    (a doctest collector walking the package) must not start a migration."""
    try:
        context.config  # noqa: B018
    except AttributeError:
        return False
    return True


if _inside_alembic():
    if context.is_offline_mode():
        run_migrations_offline()
    else:
        run_migrations_online()
