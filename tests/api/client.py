"""A synchronous HTTP client for the ASGI app: real requests through httpx's ASGI
transport, run on a background event loop so that tests (and threads) stay plain."""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import partial
from typing import Any

import anyio.from_thread
import httpx
from anyio.from_thread import BlockingPortal
from fastapi import FastAPI

CLIENT_ADDRESS = ("203.0.113.7", 50000)


class ApiClient:
    """``client.get("/api/v1/...", token=...)`` returns an ``httpx.Response``."""

    def __init__(
        self,
        app: FastAPI,
        *,
        base_url: str = "https://testserver",
        client: tuple[str, int] = CLIENT_ADDRESS,
        raise_app_exceptions: bool = True,
    ) -> None:
        self.app = app
        self.base_url = base_url
        self.transport = httpx.ASGITransport(
            app=app, client=client, raise_app_exceptions=raise_app_exceptions
        )
        self._portal_cm: AbstractContextManager[BlockingPortal] | None = None
        self._portal: BlockingPortal | None = None
        self._client: httpx.AsyncClient | None = None

    def __enter__(self) -> ApiClient:
        self._portal_cm = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self._client = httpx.AsyncClient(transport=self.transport, base_url=self.base_url)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._portal is not None and self._client is not None and self._portal_cm is not None
        self._portal.call(self._client.aclose)
        self._portal_cm.__exit__(None, None, None)

    @property
    def cookies(self) -> httpx.Cookies:
        assert self._client is not None
        return self._client.cookies

    def request(self, method: str, url: str, *, token: str | None = None, **kwargs: Any) -> httpx.Response:
        assert self._portal is not None and self._client is not None
        headers = dict(kwargs.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        call = partial(self._client.request, method, url, headers=headers, **kwargs)
        return self._portal.call(call)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)
