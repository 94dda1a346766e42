"""Web-form protection on top of :mod:`sidestream.api.security`.

Logged-in forms carry the session's CSRF token (``api.security.csrf_token``). The
login form has no session yet, so it gets a double-submit token: a random value in
the form and the same value, signed, in a short-lived cookie; an attacker's page can
neither read the cookie nor forge its signature. Every form post must also come from
our own origin when the browser says where it comes from (``Origin``).

Every page is sent with a Content-Security-Policy that allows our own origin only
(plus the tile server, when one is configured), so a page cannot load anything from
elsewhere even by mistake.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from sidestream.config import Settings

LOGIN_CSRF_COOKIE = "sidestream_login_csrf"
LOGIN_CSRF_MAX_AGE_SECONDS = 2 * 3600


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="sidestream.login-csrf")


def _cookie_value(request: Request, settings: Settings) -> str | None:
    raw = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not raw:
        return None
    try:
        value = _serializer(settings).loads(raw, max_age=LOGIN_CSRF_MAX_AGE_SECONDS)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def login_csrf_token(request: Request, response: Response, settings: Settings) -> str:
    """The login form's token: the one in the cookie, or a new one set in ``response``."""
    token = _cookie_value(request, settings)
    if token is None:
        token = secrets.token_urlsafe(32)
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            _serializer(settings).dumps(token),
            max_age=LOGIN_CSRF_MAX_AGE_SECONDS,
            path="/",
            secure=settings.session_cookie_secure,
            httponly=True,
            samesite="strict",
        )
    return token


def login_csrf_valid(request: Request, settings: Settings, submitted: str | None) -> bool:
    expected = _cookie_value(request, settings)
    return bool(expected and submitted) and hmac.compare_digest(expected or "", submitted or "")


def clear_login_csrf(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        LOGIN_CSRF_COOKIE, path="/", secure=settings.session_cookie_secure, httponly=True, samesite="strict"
    )


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another origin."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    ours = f"{request.url.scheme}://{request.url.netloc}"
    return origin.rstrip("/") == ours


def content_security_policy(settings: Settings) -> str:
    """Our own origin only; the tile server's origin for images when configured."""
    images = "'self' data:"
    if settings.tile_url:
        parts = urlsplit(settings.tile_url.replace("{s}", "a"))
        if parts.scheme in {"http", "https"} and parts.netloc:
            host = settings.tile_url.split("://", 1)[1].split("/", 1)[0].replace("{s}", "*")
            images += f" {parts.scheme}://{host}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def safe_next(target: str | None, default: str = "/") -> str:
    """Where to go after login: a path on this site only (never ``//host`` or a URL).

    >>> safe_next("/regions/helgeland?lang=nb"), safe_next("https://evil.example/"), safe_next("//x")
    ('/regions/helgeland?lang=nb', '/', '/')
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
