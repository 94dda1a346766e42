"""Data versions: a stamp per scope that changes whenever that scope's rows change.

Caches in the API (a region's matches, pages of its flow list, who a token belongs
to) live in each worker process. They stay correct across processes by keying every
entry with the stamps of what it was computed from, read from ``data_versions`` in
one small query per request: a write in any process changes the stamp in the same
transaction, so the next read anywhere misses and recomputes. Nothing is ever
invalidated by time.

Scopes:

- ``region:<id>`` — the region's organisations, sites and flows (and the region row);
- ``accounts`` — users, API tokens (revocation), memberships, their organisations and
  regions (slugs): everything that decides who a caller is;
- ``all`` — changed by writes whose region is not known (bulk ORM statements on
  tracked tables, a restore); every reader includes it in its key.

The stamps are changed by ORM events, like a trigger: every row the unit of work
inserts, updates or deletes records its scope, and just before the transaction commits, after the last
flush, the stamps are replaced by new random numbers (one statement; row locks taken
last and in sorted order, so writers never deadlock on them). Writes that bypass the
ORM session (Core statements on a bare connection, SQL in a migration) must call
:func:`bump` themselves; ``services.backup.restore`` does.

A stamp is random rather than a counter: equal stamps mean "unchanged", and a
database that is dropped and recreated under a running server cannot replay the
stamps of the old one. A scope that was never written has no row and reads as 0.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Engine, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, object_session

from sidestream.store.models import (
    ApiToken,
    DataVersion,
    Flow,
    Membership,
    MembershipOrganisation,
    Organisation,
    Region,
    Site,
    User,
)

ALL = "all"
ACCOUNTS = "accounts"
_PENDING = "sidestream.versions.pending"
_SITE_ORGANISATIONS = "sidestream.versions.site_organisations"
_READ = "sidestream.versions.read"
_TRACKED = (Flow, Organisation, Site, Region, User, ApiToken, Membership, MembershipOrganisation)
_TABLE = DataVersion.metadata.tables["data_versions"]
STAMPS_QUERY = select(DataVersion.scope, DataVersion.version)


def region_scope(region_id: int) -> str:
    """The scope of one region's data.

    >>> region_scope(3)
    'region:3'
    """
    return f"region:{region_id}"


def new_stamp() -> int:
    """A fresh random stamp (positive, fits a signed 64-bit column)."""
    return secrets.randbits(62) + 1


# --- reading -------------------------------------------------------------------------


def read_versions(session: Session) -> Mapping[str, int]:
    """Every scope's stamp (the table has one row per region plus two, so reading it
    whole is one cheap query), remembered until the session's transaction ends.

    The read takes a connection of its own for just this statement, so a request
    answered from caches never holds one of the session's: fifty concurrent requests
    would otherwise queue for the connection pool. Reading the stamps before the data
    is all that correctness needs (an entry may be newer than its key, never older).
    """
    cached: Mapping[str, int] | None = session.info.get(_READ)
    if cached is None:
        bind = session.get_bind()
        if isinstance(bind, Engine):
            cached = read_stamps(bind)
        else:  # a session bound to one connection (tests): read through it
            cached = {str(scope): int(version) for scope, version in session.execute(STAMPS_QUERY)}
        session.info[_READ] = cached
    return cached


def read_stamps(engine: Engine) -> dict[str, int]:
    """Every scope's stamp, on a connection held for this one statement."""
    with engine.connect() as connection:
        return {str(scope): int(version) for scope, version in connection.execute(STAMPS_QUERY)}


def seed_versions(session: Session, stamps: Mapping[str, int]) -> None:
    """Use stamps read just before (by the request's front cache) for this session's
    first transaction instead of reading them again."""
    session.info.setdefault(_READ, stamps)


def versions_if_read(session: Session) -> Mapping[str, int] | None:
    """The stamps if this transaction has read them already (no query), else None."""
    cached: Mapping[str, int] | None = session.info.get(_READ)
    return cached


def region_key(session: Session, region_id: int) -> tuple[int, int]:
    """The stamps a cache entry computed from a region's data must be keyed by."""
    versions = read_versions(session)
    return versions.get(ALL, 0), versions.get(region_scope(region_id), 0)


def accounts_key(session: Session) -> tuple[int, int]:
    """The stamps a cache entry about callers (tokens, users, memberships) is keyed by."""
    versions = read_versions(session)
    return versions.get(ALL, 0), versions.get(ACCOUNTS, 0)


# --- writing -------------------------------------------------------------------------


def bump(connection: Connection, scopes: Iterable[str]) -> None:
    """Give each scope a new stamp (an upsert, in the caller's transaction)."""
    names = sorted(set(scopes))
    if not names:
        return
    values = [{"scope": name, "version": new_stamp()} for name in names]
    dialect = connection.dialect.name
    if dialect in ("postgresql", "sqlite"):
        module: Any = postgresql if dialect == "postgresql" else sqlite
        statement = module.insert(_TABLE).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=[_TABLE.c.scope], set_={"version": statement.excluded.version}
        )
        connection.execute(statement)
        return
    for value in values:  # pragma: no cover - only SQLite and PostgreSQL are supported
        updated = connection.execute(
            _TABLE.update().where(_TABLE.c.scope == value["scope"]).values(version=value["version"])
        )
        if not updated.rowcount:
            connection.execute(_TABLE.insert().values(value))


def _pending(session: Session) -> set[str]:
    pending: set[str] = session.info.setdefault(_PENDING, set())
    return pending


def _old_and_new(obj: Any, attribute: str) -> set[int]:
    """The attribute's current value and, if it changed in this flush, the old one."""
    history = inspect(obj).attrs[attribute].history
    values = {getattr(obj, attribute)}
    values.update(history.deleted or ())
    return {int(v) for v in values if v is not None}


def _scopes_of(session: Session, obj: Any, *, deleted: bool) -> set[str]:
    if isinstance(obj, Flow | Organisation):
        scopes = {region_scope(r) for r in _old_and_new(obj, "region_id")}
        if isinstance(obj, Organisation) and deleted:
            scopes.add(ACCOUNTS)  # deleting one drops it from memberships (cascade)
        return scopes
    if isinstance(obj, Site):
        organisations: set[int] = session.info.setdefault(_SITE_ORGANISATIONS, set())
        organisations.update(_old_and_new(obj, "organisation_id"))
        return set()
    if isinstance(obj, Region):
        return {region_scope(obj.id), ACCOUNTS}
    if isinstance(obj, ApiToken):
        # A new token is in no cache yet, and ``last_used_at`` says nothing about who
        # the caller is; revoking, moving or deleting a token does.
        state = inspect(obj)
        if state.attrs.revoked_at.history.has_changes() or state.attrs.user_id.history.has_changes():
            return {ACCOUNTS}
        return {ACCOUNTS} if deleted else set()
    return {ACCOUNTS}  # users, memberships and their organisations


def _on_write(deleted: bool, new: bool = False) -> Any:
    def record(_mapper: Mapper[Any], _connection: Connection, target: Any) -> None:
        session = object_session(target)
        if session is None:  # pragma: no cover - the unit of work always has one
            return
        if new and isinstance(target, ApiToken | User):
            return  # a new token or user is in no cache yet
        _pending(session).update(_scopes_of(session, target, deleted=deleted))

    return record


# Mapper events see every row the unit of work writes, including cascades and
# orphans deleted from a collection (which ``Session.deleted`` does not list).
for _cls in _TRACKED:
    event.listen(_cls, "after_insert", _on_write(deleted=False, new=True))
    event.listen(_cls, "after_update", _on_write(deleted=False))
    event.listen(_cls, "after_delete", _on_write(deleted=True))


@event.listens_for(Session, "do_orm_execute")
def _record_bulk(state: ORMExecuteState) -> None:
    """A bulk INSERT/UPDATE/DELETE through the session: which region it touched is
    not known, so every cache is outdated."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is not None and issubclass(mapper.class_, _TRACKED):
        _pending(state.session).add(ALL)


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    session.flush()  # the commit's own flush would come after this hook
    pending = session.info.pop(_PENDING, set())
    organisations = session.info.pop(_SITE_ORGANISATIONS, set())
    if organisations:
        rows = session.execute(
            select(Organisation.region_id).where(Organisation.id.in_(sorted(organisations)))
        )
        pending |= {region_scope(int(r)) for r in rows.scalars()}
    if pending:
        bump(session.connection(), pending)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    """A new transaction reads the stamps afresh; a rolled-back one bumps nothing."""
    if transaction.parent is None:
        session.info.pop(_READ, None)
        session.info.pop(_PENDING, None)
        session.info.pop(_SITE_ORGANISATIONS, None)
