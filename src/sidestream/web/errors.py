"""Errors on web pages are pages: the same domain errors as the API, shown as HTML in
the reader's language (the JSON twins keep the API's problem documents)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from sidestream.config import Settings
from sidestream.errors import (
    ConflictError,
    InvalidDataError,
    NotFoundError,
    PermissionDeniedError,
    SidestreamError,
)
from sidestream.i18n import N_, translate
from sidestream.services.accounts import AuthenticationError, RateLimitedError
from sidestream.web.context import ErrorPage
from sidestream.web.deps import Web

HEADINGS = {
    400: N_("This request cannot be answered"),
    403: N_("You may not do this"),
    404: N_("Not found"),
    409: N_("This clashes with a change made meanwhile"),
    422: N_("Some of the input is not valid"),
    429: N_("Too many attempts"),
}
NOT_FOUND_DETAIL = N_("There is nothing here, or nothing you may see. Check the address, or log in.")


def status_of(exc: Exception) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, RateLimitedError):
        return 429
    if isinstance(exc, RequestValidationError | InvalidDataError | ValueError):
        return 422
    return 400


def error_response(request: Request, exc: Exception) -> Response:
    """The HTML answer to a domain or validation error on a page."""
    settings: Settings = request.app.state.settings
    from sidestream.web.language import choose_lang

    web = Web(request, settings, choose_lang(request, settings), None)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    login_url = "/login?" + urlencode({"next": here})
    if isinstance(exc, AuthenticationError) and request.method == "GET":
        return RedirectResponse(login_url, status_code=303)
    status = 401 if isinstance(exc, AuthenticationError) else status_of(exc)
    if status == 404:
        detail = translate(NOT_FOUND_DETAIL, web.lang)
    elif isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x not in ("query", "body"))
        detail = f"{where}: {first.get('msg', '')}" if where else str(first.get("msg", ""))
    elif isinstance(exc, SidestreamError):
        detail = exc.render(web.lang)
    else:
        detail = str(exc)
    heading = translate(HEADINGS.get(status, HEADINGS[400]), web.lang)
    page = ErrorPage(status=status, heading=heading, detail=detail, login_url=login_url)
    chrome = web.chrome(heading, nav="")
    return web.render("error.html", page, chrome, status_code=status)


class HtmlRoute(APIRoute):
    """A route whose domain and validation errors are rendered as error pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except (SidestreamError, RequestValidationError) as exc:
                return error_response(request, exc)

        return handle
