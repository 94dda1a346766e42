"""RFC 9457 problem details for every error the API returns — never a stack trace.

Each domain error type maps to one status and one problem ``type``; unknown
exceptions become a plain 500 whose detail says nothing about the code (the
traceback goes to the log, with the request id).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from sidestream.errors import (
    ConflictError,
    FlowTableError,
    MatchingError,
    NotFoundError,
    PermissionDeniedError,
    SidestreamError,
    StaleWriteError,
)
from sidestream.i18n import DEFAULT_LANG, N_, negotiate_lang, normalise_lang, translate
from sidestream.services.accounts import AuthenticationError, RateLimitedError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://sidestream.dev/problems/"
TITLES = {
    400: N_("Bad request"),
    401: N_("Authentication required"),
    403: N_("Forbidden"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    412: N_("Precondition failed"),
    413: N_("Content too large"),
    415: N_("Unsupported media type"),
    422: N_("Unprocessable content"),
    428: N_("Precondition required"),
    429: N_("Too many requests"),
    500: N_("Internal server error"),
}
LOG_IN_FIRST = N_("log in first: {reason}")


class Problem(BaseModel):
    """An RFC 9457 problem document (extension members allowed)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str


def problem_type(status: int, slug: str | None = None) -> str:
    return TYPE_BASE + (slug or TITLES.get(status, "error").lower().replace(" ", "-"))


class HTTPProblemError(Exception):
    """Raise from a route for an HTTP-level problem (e.g. a missing precondition)."""

    def __init__(
        self, status: int, detail: str, slug: str | None = None, headers: dict[str, str] | None = None
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug
        self.headers = headers or {}


def problem_lang(request: Request) -> str:
    """The language a client asked for: ``?lang=`` as on the API's other endpoints,
    else ``Accept-Language``; English when it asked for none (so that clients which
    match on ``detail`` keep working)."""
    asked = request.query_params.get("lang")
    if asked:
        return normalise_lang(asked[:10])
    return negotiate_lang(request.headers.get("accept-language")) or DEFAULT_LANG


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    headers: dict[str, str] | None = None,
    lang: str = DEFAULT_LANG,
    **extra: Any,
) -> JSONResponse:
    """A problem document; ``title`` in ``lang`` (``detail`` is given already rendered)."""
    if lang != DEFAULT_LANG:
        headers = {**(headers or {}), "Content-Language": lang}
    body = {
        "type": problem_type(status, slug),
        "title": translate(TITLES.get(status, "Error"), lang),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def status_for(exc: SidestreamError) -> tuple[int, str]:
    """The HTTP status and problem slug of a domain error."""
    if isinstance(exc, NotFoundError):
        return 404, "not-found"
    if isinstance(exc, AuthenticationError):
        return 401, "authentication-required"
    if isinstance(exc, PermissionDeniedError):
        return 403, "forbidden"
    if isinstance(exc, StaleWriteError):
        return 409, "stale-write"
    if isinstance(exc, ConflictError):
        return 409, "conflict"
    if isinstance(exc, RateLimitedError):
        return 429, "too-many-requests"
    if isinstance(exc, MatchingError | FlowTableError | ValueError):
        return 422, "invalid-input"
    return 400, "bad-request"


def _clean_errors(errors: Any) -> list[dict[str, Any]]:
    """Validation errors without the submitted values (which may be passwords)."""
    out = []
    for e in errors:
        out.append(
            {"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": e.get("type")}
        )
    return out


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error an ``application/problem+json`` response."""

    @app.exception_handler(SidestreamError)
    async def _domain(request: Request, exc: SidestreamError) -> JSONResponse:
        status, slug = status_for(exc)
        lang = problem_lang(request)
        detail = exc.render(lang)
        if status == 403 and getattr(request.state, "user_id", None) is None:
            # Not allowed as anonymous: the answer is "log in", not "forbidden".
            detail = translate(LOG_IN_FIRST, lang).format(reason=detail)
            status, slug = 401, "authentication-required"
        headers: dict[str, str] = {}
        if isinstance(exc, RateLimitedError):
            headers["Retry-After"] = str(exc.retry_after_seconds)
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="sidestream"'
        return problem_response(request, status, detail, slug=slug, headers=headers, lang=lang)

    @app.exception_handler(HTTPProblemError)
    async def _api(request: Request, exc: HTTPProblemError) -> JSONResponse:
        return problem_response(request, exc.status, exc.detail, slug=exc.slug, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _clean_errors(exc.errors())
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(first["loc"])
        detail = f"{where}: {first['msg']}" if where else str(first["msg"])
        return problem_response(request, 422, detail, slug="validation", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            detail = f"nothing at {request.url.path}: see /api/docs for the endpoints"
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        else:
            detail = str(exc.detail) if exc.detail else TITLES.get(exc.status_code, "error")
        return problem_response(request, exc.status_code, detail, headers=dict(exc.headers or {}))

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value the schema let through: text with NUL
        # characters (PostgreSQL), a number out of range. The client's input, not a bug.
        log.info("database refused a value on %s %s: %s", request.method, request.url.path, exc.orig)
        return problem_response(
            request,
            422,
            "a value cannot be stored: text must not contain NUL characters and numbers must be in range",
            slug="invalid-input",
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        reference = uuid.uuid4().hex[:12]
        log.exception("unhandled error %s on %s %s", reference, request.method, request.url.path)
        return problem_response(
            request,
            500,
            f"something went wrong on our side; the error is logged as {reference}",
            slug="internal",
            reference=reference,
        )


STANDARD_ERRORS = (400, 401, 403, 404, 422, 429, 500)
WRITE_ERRORS = (409,)
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem document; extension members may follow.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
    "additionalProperties": True,
}


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare every error response of every operation as ``application/problem+json``
    with the :data:`PROBLEM_SCHEMA` (FastAPI would document only its own 422)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            statuses = [
                *STANDARD_ERRORS,
                *(WRITE_ERRORS if method in ("post", "put", "patch", "delete") else ()),
            ]
            if method in ("post", "put"):
                statuses.append(413)
            for status in statuses:
                responses.setdefault(str(status), {"description": TITLES[status]})
            for code, response in responses.items():
                if code.startswith(("4", "5")):
                    response["content"] = content
                    response.setdefault("description", TITLES.get(int(code), "Error"))
    return schema
