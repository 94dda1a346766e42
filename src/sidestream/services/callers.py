"""Who is calling, resolved once per accounts stamp instead of once per request.

Every API request used to look up its token (by SHA-256 hash), the token's user, the
region of the URL and the user's membership there: four queries before any work.
:class:`CallerCache` remembers those answers per process, keyed by the ``accounts``
stamp of :mod:`sidestream.store.versions` (read in one small query per request), so:

- revoking a token, deactivating a user, changing a password, a role or the
  organisations of a membership, deleting an organisation or renaming a region takes
  effect on the very next request, in every worker — there is no TTL;
- an unknown or revoked token is never cached (a guess costs the same query as before);
- a login session's age is checked on every request against the cached creation time;
- entries hold column values, never live ORM objects: each request gets its own
  instance, attached to its own session without a query (``merge(load=False)``).

Tokens are looked up by their hash, as in the database; plaintexts are not kept.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from sidestream.domain.visibility import ANONYMOUS, Viewer
from sidestream.errors import NotFoundError
from sidestream.i18n import N_
from sidestream.services import accounts
from sidestream.services.cache import LRUCache
from sidestream.store.models import Base, Region, User
from sidestream.store.versions import accounts_key, versions_if_read

CACHE_SIZE = 4096


@dataclass(frozen=True)
class _Row:
    """The column values of one row, to rebuild a detached instance from."""

    cls: type[Base]
    values: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, obj: Base) -> _Row:
        mapper = inspect(type(obj))
        return cls(type(obj), tuple((c.key, getattr(obj, c.key)) for c in mapper.column_attrs))

    def attach(self, session: Session) -> Any:
        """An instance in ``session`` with these values, without a query."""
        obj = self.cls(**dict(self.values))
        make_transient_to_detached(obj)
        return session.merge(obj, load=False)


@dataclass(frozen=True)
class _Token:
    user: _Row
    token_id: int
    is_session: bool
    created_at: datetime


class CallerCache:
    """Tokens, regions and viewers by accounts stamp. One per application; thread-safe."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._entries: LRUCache[Hashable, Any] = LRUCache(size)
        self._touched: LRUCache[int, datetime] = LRUCache(size)

    def clear(self) -> None:
        self._entries.clear()
        self._touched.clear()

    def user_for_token(
        self,
        session: Session,
        plaintext: str,
        *,
        session_max_age_seconds: int = accounts.SESSION_MAX_AGE_SECONDS,
    ) -> User | None:
        """What :func:`sidestream.services.accounts.user_for_token` answers, from the
        cache when the accounts stamp has not moved."""
        if not plaintext or len(plaintext) > 200:
            return None
        key = ("token", accounts.token_hash(plaintext), accounts_key(session))
        entry: _Token | None = self._entries.get(key)
        if entry is None:
            found = accounts.token_and_user(
                session, plaintext, session_max_age_seconds=session_max_age_seconds
            )
            if found is None:
                return None
            token, user = found
            entry = _Token(
                _Row.of(user),
                token.id,
                token.prefix.startswith(accounts.TokenKind.SESSION.value),
                accounts.aware(token.created_at),
            )
            self._entries.put(key, entry)
            self._touched.put(token.id, datetime.now(UTC))
            return user
        now = datetime.now(UTC)
        if entry.is_session and now - entry.created_at > timedelta(seconds=session_max_age_seconds):
            return None
        self._touch(session, entry.token_id, now)
        user = entry.user.attach(session)
        return user if isinstance(user, User) else None

    def _touch(self, session: Session, token_id: int, now: datetime) -> None:
        """Record ``last_used_at`` at most once a minute per token and process (a bare
        statement: it changes nothing a cache depends on, so it bumps no stamp)."""
        last = self._touched.get(token_id)
        if last is not None and now - last <= accounts.LAST_USED_RESOLUTION:
            return
        self._touched.put(token_id, now)
        tokens = Base.metadata.tables["api_tokens"]
        session.connection().execute(update(tokens).where(tokens.c.id == token_id).values(last_used_at=now))
        session.commit()

    def region(self, session: Session, slug: str) -> Region:
        """The region with ``slug`` (``NotFoundError`` as the regions service gives)."""
        key = ("region", slug, accounts_key(session))
        row: _Row | None = self._entries.get(key)
        if row is None:
            region = session.scalar(select(Region).where(Region.slug == slug))
            if region is None:
                raise NotFoundError(
                    N_("no region {slug!r}: create it first (or check the spelling)"), slug=slug
                )
            self._entries.put(key, _Row.of(region))
            return region
        region = row.attach(session)
        if not isinstance(region, Region):  # pragma: no cover - the key says region
            raise TypeError("cache entry of the wrong kind")
        return region

    def cached_region(self, session: Session, slug: str) -> Region | None:
        """The region from the cache if that needs no query at all (the stamps were read
        in this transaction and the entry is there), else None."""
        if versions_if_read(session) is None:
            return None
        row: _Row | None = self._entries.get(("region", slug, accounts_key(session)))
        region = row.attach(session) if row is not None else None
        return region if isinstance(region, Region) else None

    def cached_viewer(self, session: Session, user: User | None, region: Region) -> Viewer | None:
        """The viewer from the cache if that needs no query at all, else None."""
        if user is None or not user.is_active:
            return ANONYMOUS
        if versions_if_read(session) is None:
            return None
        viewer: Viewer | None = self._entries.get(("viewer", user.id, region.id, accounts_key(session)))
        return viewer

    def viewer(self, session: Session, user: User | None, region: Region) -> Viewer:
        """What :func:`sidestream.services.accounts.viewer_for` answers."""
        if user is None or not user.is_active:
            return ANONYMOUS
        key = ("viewer", user.id, region.id, accounts_key(session))
        viewer: Viewer | None = self._entries.get(key)
        if viewer is None:
            viewer = self._entries.put(key, accounts.viewer_for(session, user, region))
        return viewer
