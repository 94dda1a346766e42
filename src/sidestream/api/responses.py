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

A body is also kept gzip-compressed, made once when it is cached, and sent to
clients that accept gzip (every browser, httpx, curl ``--compressed``): a region's
match document is ~800 KB of JSON and ~10× smaller compressed, and moving the
uncompressed bytes cost more than everything else in a cached answer. Compressing
once per cached body instead of per response (a ``GZipMiddleware``) keeps a cache
hit free of compression work.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from sidestream.api.stamps import StampReader
from sidestream.services.cache import LRUCache
from sidestream.store.versions import versions_if_read

CACHE_SIZE = 512
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the ETag sent in If-None-Match is current."}
}
PRIVATE_HEADERS = {"Cache-Control": "private, no-cache", "Vary": "Authorization, Cookie, Accept-Encoding"}
# Smaller bodies gain little from compression (a page of the flow list is ~35 KB).
GZIP_MIN_BYTES = 1024
# Level 6 (zlib's default) compresses a match document ~10×; higher levels cost
# several times the CPU for a few per cent.
GZIP_LEVEL = 6


@dataclass(frozen=True)
class CachedBody:
    body: bytes
    etag: str
    gzipped: bytes | None = None  # the same body gzip-compressed, if worth sending

    @classmethod
    def of(cls, body: bytes) -> CachedBody:
        packed = gzip.compress(body, GZIP_LEVEL, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
        if packed is not None and len(packed) >= len(body):
            packed = None
        return cls(body, f'W/"{hashlib.sha256(body).hexdigest()[:32]}"', packed)


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
        request: Request,
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
        store_front(request.scope.get("state", {}), getattr(request.app.state, "front_cache", None), cached)
        return json_response(cached, if_none_match, request.headers.get("accept-encoding"))

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


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether ``Accept-Encoding`` admits gzip (RFC 9110 §12.5.3; ``q=0`` refuses).

    >>> accepts_gzip("gzip, deflate, br"), accepts_gzip("br;q=1.0, gzip;q=0.5"), accepts_gzip("*")
    (True, True, True)
    >>> accepts_gzip(None), accepts_gzip("identity"), accepts_gzip("gzip;q=0"), accepts_gzip("gzip;q=0.0, *")
    (False, False, False, False)
    """
    if not accept_encoding:
        return False
    star = False
    for item in accept_encoding.split(","):
        coding, _, params = item.partition(";")
        coding = coding.strip().lower()
        quality = 1.0
        name, _, value = params.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                quality = 0.0
        if coding in ("gzip", "x-gzip"):
            return quality > 0
        if coding == "*":
            star = quality > 0
    return star


def json_response(
    cached: CachedBody, if_none_match: str | None, accept_encoding: str | None = None
) -> Response:
    """The cached body as a JSON response (gzip-compressed if the client accepts it), or
    304 when the client has it already.

    Both encodings carry the same weak ETag: they are the same document, which is what
    a weak validator promises (RFC 9110 §8.8.1)."""
    headers = {"ETag": cached.etag, **PRIVATE_HEADERS}
    if etag_matches(if_none_match, cached.etag):
        return Response(status_code=304, headers=headers)
    if cached.gzipped is not None and accepts_gzip(accept_encoding):
        headers["Content-Encoding"] = "gzip"
        return Response(cached.gzipped, media_type="application/json", headers=headers)
    return Response(cached.body, media_type="application/json", headers=headers)


# --- the front cache: answering repeated GETs before routing -------------------------


FRONT_CACHE_SIZE = 1024
FRONT_STATE_KEY = "sidestream.front_key"
STAMPS_STATE_KEY = "sidestream.stamps"
# The full path (with its token check and ``last_used_at``) runs at least this often
# per entry; in between, the front cache answers.
FRONT_REFRESH_SECONDS = 60.0
_API_TOKEN_PREFIX = "sst_"
# The routes that store what they answer (through ResponseCache.respond): only these
# pay for reading the stamps up front.
FRONT_PATHS = re.compile(r"^/api/v1/regions/[^/]+/(?:flows|matches|flows/[0-9]+/matches)$")


@dataclass(frozen=True)
class FrontEntry:
    cached: CachedBody
    stored_at: float


class FrontCache:
    """Bodies of cacheable GETs by (path, query, credential hash, every data stamp).

    Only requests that carry a personal API token (``Bearer sst_…``, which does not
    expire by time) or no credential at all (no Authorization, no Cookie) qualify; web
    sessions always take the full path. The key holds a hash of the credential, so a
    body is only ever served again to the same credential; it holds every stamp, so
    revoking the token, changing the caller's membership or any region's data makes
    every entry unreachable at once. Entries are stored by the routes that answered the
    same request in full (:meth:`ResponseCache.respond`), never by this class.
    """

    def __init__(self, size: int = FRONT_CACHE_SIZE) -> None:
        self._entries: LRUCache[Hashable, FrontEntry] = LRUCache(size)

    def get(self, key: Hashable, now: float) -> CachedBody | None:
        entry = self._entries.get(key)
        if entry is None or now - entry.stored_at > FRONT_REFRESH_SECONDS:
            return None
        return entry.cached

    def put(self, key: Hashable, cached: CachedBody, now: float) -> None:
        self._entries.put(key, FrontEntry(cached, now))

    def clear(self) -> None:
        self._entries.clear()


def front_credential(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The hash naming the caller for the front cache, or None if the request must take
    the full path (a cookie, a login-session token, anything but one API token).

    >>> front_credential([]), front_credential([(b"cookie", b"s=1")])
    ('anonymous', None)
    >>> front_credential([(b"authorization", b"Bearer sst_abc")]).startswith("sha256:")
    True
    >>> front_credential([(b"authorization", b"Bearer ses_abc")]) is None
    True
    """
    authorization: bytes | None = None
    for name, value in headers:
        if name == b"cookie":
            return None
        if name == b"authorization":
            if authorization is not None:
                return None
            authorization = value
    if authorization is None:
        return "anonymous"
    scheme, _, token = authorization.decode("latin-1").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(_API_TOKEN_PREFIX) or len(token) > 200:
        return None
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


class FrontCacheMiddleware:
    """Answer a repeated GET from the :class:`FrontCache` without routing it.

    For a qualifying request it reads the data stamps (:class:`StampReader`: one small
    query shared by the requests that arrive together), and on a hit sends the stored
    body (or 304). On a miss the request goes on with the stamps and its front key in
    ``scope["state"]``, so the session reuses the stamps and the route can store what
    it answers.
    """

    def __init__(self, app: ASGIApp, paths: re.Pattern[str] = FRONT_PATHS) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not self.paths.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        credential = front_credential(scope["headers"])
        state = getattr(scope.get("app"), "state", None)
        front: FrontCache | None = getattr(state, "front_cache", None)
        reader: StampReader | None = getattr(state, "stamp_reader", None)
        if credential is None or front is None or reader is None:
            await self.app(scope, receive, send)
            return
        stamps = await reader.read()
        key = (scope["path"], scope.get("query_string", b""), credential, frozenset(stamps.items()))
        cached = front.get(key, time.monotonic())
        if cached is None:
            request_state = scope.setdefault("state", {})
            request_state[FRONT_STATE_KEY] = key
            request_state[STAMPS_STATE_KEY] = stamps
            await self.app(scope, receive, send)
            return
        if_none_match = accept_encoding = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value.decode("latin-1")
            elif name == b"accept-encoding":
                accept_encoding = value.decode("latin-1")
        await json_response(cached, if_none_match, accept_encoding)(scope, receive, send)


def store_front(request_state: Mapping[str, Any], front: FrontCache | None, cached: CachedBody) -> None:
    """Keep a body the route just answered in full for the front cache, if the request
    qualified (its key was set by :class:`FrontCacheMiddleware`)."""
    key = request_state.get(FRONT_STATE_KEY)
    if key is not None and front is not None:
        front.put(key, cached, time.monotonic())
