"""Backup and restore: one gzip JSON file holding a whole instance or one region.

The file is plain data, readable without Sidestream, and portable between SQLite and
PostgreSQL (back up a SQLite pilot, restore it into PostgreSQL for production). Rows
keep their ids, so links between tables, URLs and audit entries survive a restore.

A whole-instance backup holds every table except ``login_attempts`` (a rate-limit
window, worthless later). A region backup holds the region, its organisations, sites,
flows, synergies, comments and audit events, but no users: it may be handed to
someone who must not get password hashes and tokens, so the user references in it
(who created a synergy, wrote a comment, made a change) are left empty.

Restore goes into an empty database migrated to the same revision as the backup, in
one transaction, so a failed restore leaves the database empty.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, Engine, Select, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.types import DateTime, TypeDecorator

from sidestream import __version__
from sidestream.errors import StoreError
from sidestream.i18n import N_
from sidestream.services.regions import get_region
from sidestream.store import versions
from sidestream.store.db import check_migrated, current_revision
from sidestream.store.models import Base, Organisation, Region, Synergy

FORMAT = "sidestream-backup"
FORMAT_VERSION = 1
# Not data: a rate-limit window (worthless later) and cache stamps (store/versions.py;
# a restore stamps everything anew).
SKIPPED_TABLES = frozenset({"login_attempts", "data_versions"})
# Columns pointing at users, emptied in a region backup (see the module docstring).
USER_REFERENCES = {"synergies": "created_by", "synergy_comments": "user_id", "audit_events": "user_id"}
INSERT_CHUNK = 1000


@dataclass(frozen=True)
class BackupSummary:
    """What a backup wrote or a restore read: rows per table."""

    path: Path
    scope: str  # "instance" or "region"
    region: str | None
    revision: str
    rows: dict[str, int] = field(default_factory=dict)


# --- backup --------------------------------------------------------------------------


def backup(source: Session | Engine, path: str | Path, region: str | Region | None = None) -> BackupSummary:
    """Write the whole instance, or one region (by slug or row), to ``path``.

    The tables are read in one transaction; on PostgreSQL that is one snapshot, so a
    backup taken while people work is still consistent.
    """
    path = Path(path)
    with _connection(source) as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
        if revision is None:
            raise StoreError(N_("the database is empty (never migrated): there is nothing to back up"))
        region_row = _region(source, region)
        queries = _instance_queries() if region_row is None else _region_queries(region_row.id)
        tables: dict[str, dict[str, Any]] = {}
        for name, statement in queries.items():
            table = Base.metadata.tables[name]
            columns = [c.name for c in table.columns]
            rows = [[_encode(row[c]) for c in columns] for row in connection.execute(statement).mappings()]
            if region_row is not None and name in USER_REFERENCES:
                index = columns.index(USER_REFERENCES[name])
                for values in rows:
                    values[index] = None
            tables[name] = {"columns": columns, "rows": rows}
    doc = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "sidestream": __version__,
        "revision": revision,
        "created_at": datetime.now(UTC).isoformat(),
        "scope": "instance" if region_row is None else "region",
        "region": None if region_row is None else region_row.slug,
        "tables": tables,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, separators=(",", ":"))
    return _summary(path, doc)


@contextmanager
def _connection(source: Session | Engine) -> Iterator[Connection]:
    if isinstance(source, Session):
        yield source.connection()
        return
    with source.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection


def _region(source: Session | Engine, region: str | Region | None) -> Region | None:
    if region is None or isinstance(region, Region):
        return region
    if isinstance(source, Session):
        return get_region(source, region)
    with Session(source) as session:
        return get_region(session, region)


def _instance_queries() -> dict[str, Select[Any]]:
    return {
        table.name: select(table).order_by(*table.primary_key.columns)
        for table in Base.metadata.sorted_tables
        if table.name not in SKIPPED_TABLES
    }


def _region_queries(region_id: int) -> dict[str, Select[Any]]:
    t = Base.metadata.tables
    organisations = select(Organisation.id).where(Organisation.region_id == region_id)
    synergies = select(Synergy.id).where(Synergy.region_id == region_id)
    filters = {
        "regions": t["regions"].c.id == region_id,
        "organisations": t["organisations"].c.region_id == region_id,
        "sites": t["sites"].c.organisation_id.in_(organisations),
        "flows": t["flows"].c.region_id == region_id,
        "synergies": t["synergies"].c.region_id == region_id,
        "synergy_comments": t["synergy_comments"].c.synergy_id.in_(synergies),
        "audit_events": t["audit_events"].c.region_id == region_id,
    }
    return {
        name: select(t[name]).where(condition).order_by(*t[name].primary_key.columns)
        for name, condition in filters.items()
    }


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


# --- restore -------------------------------------------------------------------------


def read_backup(path: str | Path) -> dict[str, Any]:
    """The document in a backup file, checked for format and version."""
    path = Path(path)
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            doc = json.load(fh)
    except FileNotFoundError:
        raise StoreError(N_("no backup file {path}"), path=path) from None
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(
            N_("{path} is not a Sidestream backup (gzip JSON): {reason}"), path=path, reason=exc
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise StoreError(
            N_("{path} is not a Sidestream backup (no '{format}' marker)"), path=path, format=FORMAT
        )
    if doc.get("version") != FORMAT_VERSION:
        raise StoreError(
            N_(
                "{path} is backup format version {version}; this Sidestream reads version "
                "{format_version}: restore it with the Sidestream version that wrote it"
            ),
            path=path,
            version=doc.get("version"),
            format_version=FORMAT_VERSION,
        )
    return doc


def restore(engine: Engine, path: str | Path) -> BackupSummary:
    """Load a backup into an empty database at the backup's revision, ids and all."""
    path = Path(path)
    doc = read_backup(path)
    check_migrated(engine)
    revision = current_revision(engine)
    if doc["revision"] != revision:
        raise StoreError(
            N_(
                "the backup was taken at schema revision {backup_revision} and the database is at "
                "{revision}: restore into a database migrated to {backup_revision} (`sidestream db "
                "upgrade {backup_revision}`), then upgrade it"
            ),
            backup_revision=doc["revision"],
            revision=revision,
        )
    with engine.begin() as connection:
        _require_empty(connection)
        for table in Base.metadata.sorted_tables:
            data = doc["tables"].get(table.name)
            if not data or not data["rows"]:
                continue
            unknown = [c for c in data["columns"] if c not in table.c]
            if unknown:
                raise StoreError(
                    N_("the backup's table {table} has unknown columns: {unknown}"),
                    table=table.name,
                    unknown=", ".join(unknown),
                )
            decoders = [_decoder(table.c[c]) for c in data["columns"]]
            rows = [
                {c: decode(v) for c, decode, v in zip(data["columns"], decoders, values, strict=True)}
                for values in data["rows"]
            ]
            for start in range(0, len(rows), INSERT_CHUNK):
                connection.execute(table.insert(), rows[start : start + INSERT_CHUNK])
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection)
        # Core inserts bypass the session events: outdate every cache explicitly.
        versions.bump(connection, {versions.ALL, versions.ACCOUNTS})
    return _summary(path, doc)


def _require_empty(connection: Connection) -> None:
    for table in Base.metadata.sorted_tables:
        if table.name == "data_versions":
            continue
        count = connection.scalar(select(func.count()).select_from(table)) or 0
        if count:
            raise StoreError(
                N_(
                    "restore needs an empty database, and table {table} has {count} row(s): create a "
                    "new database, run `sidestream db upgrade`, and restore into that"
                ),
                table=table.name,
                count=count,
            )


def _decoder(column: Column[Any]) -> Any:
    kind = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(kind, DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    return lambda v: v


def _reset_sequences(connection: Connection) -> None:
    """Move each ``id`` sequence past the restored ids.

    Explicit ids do not advance PostgreSQL's sequences; without this the next insert
    would reuse id 1 and fail on the primary key.
    """
    quote = connection.dialect.identifier_preparer.quote
    for table in Base.metadata.sorted_tables:
        if "id" not in table.c or not table.c.id.primary_key or not table.c.id.autoincrement:
            continue
        name = quote(table.name)
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, 'id'),"
                f" COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            ),
            {"table": name},
        )


def _summary(path: Path, doc: dict[str, Any]) -> BackupSummary:
    return BackupSummary(
        path=path,
        scope=doc["scope"],
        region=doc.get("region"),
        revision=doc["revision"],
        rows={name: len(data["rows"]) for name, data in doc["tables"].items()},
    )
