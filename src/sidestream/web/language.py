"""Which language a page is in: ``?lang=`` (remembered in the ``lang`` cookie), else
the cookie, else the browser's ``Accept-Language``, else the instance default."""

from __future__ import annotations

from fastapi import Request, Response

from sidestream.config import Settings
from sidestream.i18n import LANGS, negotiate_lang, normalise_lang

LANG_COOKIE = "lang"
LANG_NAMES = {"en": "English", "nb": "Norsk bokmål"}
LANG_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600


def asked_lang(request: Request) -> str | None:
    """The language named in ``?lang=``, if it is one we have."""
    value = request.query_params.get("lang")
    if not value:
        return None
    code = value.strip().lower()
    return normalise_lang(code) if code.split("-")[0] in {*LANGS, "no", "nn"} else None


def choose_lang(request: Request, settings: Settings) -> str:
    for candidate in (asked_lang(request), request.cookies.get(LANG_COOKIE)):
        if candidate and candidate in LANGS:
            return candidate
    return negotiate_lang(request.headers.get("accept-language")) or settings.default_language


def remember_lang(request: Request, response: Response, settings: Settings) -> None:
    """Keep a language chosen with ``?lang=`` for the next pages."""
    lang = asked_lang(request)
    if lang is not None and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=LANG_COOKIE_MAX_AGE_SECONDS,
            path="/",
            secure=settings.session_cookie_secure,
            httponly=True,
            samesite="lax",
        )
