"""Cached JSON bodies for the hot read endpoints (flow lists, match documents).

A body is cached under a key that names everything it was computed from: the
endpoint, the region, the region's data stamp (:mod:`sidestream.store.versions`), the
query parameters and the **viewer itself** (user id, role and organisations) — so an
entry is reused only by the same viewer asking the same question of the same data,
and a view computed for one viewer is never served to another. Any write to the
region changes the stamp, and the next request in any worker recomputes.

Each body carries an ETag (a hash of its bytes); a request whose ``If-None-Match``
names it gets ``304 Not Modified`` without a body. Responses are marked
``Cache-Control: private, no-cache`` and vary by ``Authorization`` and ``Cookie``:
what a viewer sees must never be kept by a shared cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sidestream.services.cache import LRUCache
from sidestream.store.versions import versions_if_read

CACHE_SIZE = 512
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the ETag sent in If-None-Match is current."}
}
PRIVATE_HEADERS = {"Cache-Control": "private, no-cache", "Vary": "Authorization, Cookie"}


@dataclass(frozen=True)
class CachedBody:
    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> CachedBody:
        return cls(body, f'W/"{hashlib.sha256(body).hexdigest()[:32]}"')


class ResponseCache:
    """JSON bodies by key; one per application; thread-safe; at most ``size`` bodies."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._bodies: LRUCache[Hashable, CachedBody] = LRUCache(size)

    def get(self, key: Hashable) -> CachedBody | None:
        return self._bodies.get(key)

    def get_or_build(self, key: Hashable, build: Callable[[], bytes]) -> CachedBody:
        return self._bodies.get_or_compute(key, lambda: CachedBody.of(build()))

    async def respond(
        self,
        session: Session,
        key: Callable[[], Hashable],
        build: Callable[[], bytes],
        if_none_match: str | None,
    ) -> Response:
        """The cached body for ``key()`` (built on a miss), as a response.

        A hit whose data stamps were read earlier in the request needs no I/O and is
        answered on the event loop; anything that may query the database (reading the
        stamps, building the body) runs on the thread pool, like a plain ``def`` route.
        """
        cached = self.get(key()) if versions_if_read(session) is not None else None
        if cached is None:
            cached = await run_in_threadpool(lambda: self.get_or_build(key(), build))
        return json_response(cached, if_none_match)

    def clear(self) -> None:
        self._bodies.clear()


def get_response_cache(request: Request) -> ResponseCache:
    cache: ResponseCache = request.app.state.response_cache
    return cache


IfNoneMatchHeader = Annotated[
    str | None,
    Header(max_length=2000, description="An ETag of an earlier response: 304 if it is still current."),
]


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, RFC 9110 §13.1.2).

    >>> etag_matches('W/"ab", W/"cd"', 'W/"cd"'), etag_matches('"cd"', 'W/"cd"'), etag_matches("*", 'W/"x"')
    (True, True, True)
    >>> etag_matches(None, 'W/"cd"'), etag_matches('W/"c"', 'W/"cd"')
    (False, False)
    """
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))


def json_response(cached: CachedBody, if_none_match: str | None) -> Response:
    """The cached body as a JSON response, or 304 when the client has it already."""
    headers = {"ETag": cached.etag, **PRIVATE_HEADERS}
    if etag_matches(if_none_match, cached.etag):
        return Response(status_code=304, headers=headers)
    return Response(cached.body, media_type="application/json", headers=headers)
