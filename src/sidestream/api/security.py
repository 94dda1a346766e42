"""Signed session cookies and CSRF tokens (for the JSON API and the web pages).

A login session is a revocable server-side token (``services.accounts``); the cookie
carries it signed with ``secret_key`` (itsdangerous), so a tampered or expired cookie
is simply not a session. Cookies are HttpOnly, SameSite=Lax and Secure (switchable
off for plain-http development on localhost).

CSRF: a request authenticated by the cookie that changes something must send the
session's CSRF token — in the ``X-CSRF-Token`` header (API, htmx) or a ``csrf_token``
form field (HTML forms). Requests authenticated with a bearer token need none:
a browser never adds that header by itself.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from sidestream.config import Settings

CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="sidestream.session")


def sign_session(settings: Settings, session_token: str) -> str:
    """The cookie value for a session token."""
    return _serializer(settings).dumps({"t": session_token})


def read_session_cookie(request: Request, settings: Settings) -> str | None:
    """The session token from a valid, unexpired signed cookie, or None."""
    raw = request.cookies.get(settings.session_cookie_name)
    if not raw:
        return None
    try:
        data = _serializer(settings).loads(raw, max_age=settings.session_max_age_seconds)
    except BadSignature:
        return None
    token = data.get("t") if isinstance(data, dict) else None
    return token if isinstance(token, str) else None


def set_session_cookie(response: Response, settings: Settings, session_token: str) -> None:
    response.set_cookie(
        settings.session_cookie_name,
        sign_session(settings, session_token),
        max_age=settings.session_max_age_seconds,
        path="/",
        secure=settings.session_cookie_secure,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        settings.session_cookie_name,
        path="/",
        secure=settings.session_cookie_secure,
        httponly=True,
        samesite="lax",
    )


def csrf_token(settings: Settings, session_token: str) -> str:
    """The CSRF token bound to one session: put it in forms and htmx headers."""
    key = hashlib.sha256(settings.secret_key.encode()).digest()
    return hmac.new(key, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def csrf_valid(settings: Settings, session_token: str, token: str | None) -> bool:
    return token is not None and hmac.compare_digest(csrf_token(settings, session_token), token)


def csrf_token_for_request(request: Request, settings: Settings) -> str | None:
    """The CSRF token for the request's cookie session (None when not logged in by cookie)."""
    session_token = read_session_cookie(request, settings)
    return csrf_token(settings, session_token) if session_token else None
