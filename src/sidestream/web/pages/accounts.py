"""Log in and log out with the accounts service and the API's signed session cookie.

The login form is protected by a double-submit CSRF token and an origin check
(:mod:`sidestream.web.security`); logging out needs the session's own CSRF token.
A failed login says the same thing whether the e-mail is unknown or the password
wrong, exactly like the API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from sidestream.api.deps import SessionDep
from sidestream.api.security import clear_session_cookie, csrf_valid, read_session_cookie, set_session_cookie
from sidestream.errors import PermissionDeniedError
from sidestream.i18n import N_, translate
from sidestream.services import accounts
from sidestream.services.accounts import AuthenticationError, RateLimitedError
from sidestream.web.context import LoginPage
from sidestream.web.deps import FormWebDep, Web, WebDep
from sidestream.web.errors import HtmlRoute
from sidestream.web.security import (
    clear_login_csrf,
    login_csrf_token,
    login_csrf_valid,
    safe_next,
    same_origin,
)

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

LOGIN_FAILED = N_("The e-mail address or the password is wrong.")
RATE_LIMITED = N_("Too many failed attempts: wait a few minutes and try again.")
FORM_EXPIRED = N_("The form has expired: please try again.")
LOGOUT_REFUSED = N_("Logging out needs the form of this site: reload the page and try again.")


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_form(
    web: Web, next_url: str, *, email: str = "", error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    cookies = Response()
    token = login_csrf_token(web.request, cookies, web.settings)
    page = LoginPage(
        csrf_token=token,
        next_url=next_url,
        email=email,
        error=translate(error, web.lang) if error else None,
        logged_in_as=web.user.email if web.user is not None else None,
    )
    chrome = web.chrome(translate("Log in", web.lang), nav="login")
    return web.render("login.html", page, chrome, status_code=status_code, cookies=cookies)


@router.get("/login", response_class=HTMLResponse)
def login_page(web: WebDep, next: Annotated[str, Query(max_length=2000)] = "/") -> HTMLResponse:
    return _login_form(web, safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    web: FormWebDep,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    target = safe_next(next)
    if not same_origin(web.request) or not login_csrf_valid(web.request, web.settings, csrf_token):
        return _login_form(web, target, email=email, error=FORM_EXPIRED, status_code=403)
    try:
        user = accounts.authenticate(
            session, email, password, _client(web.request),
            max_failures=web.settings.login_max_failures, window_seconds=web.settings.login_window_seconds,
        )  # fmt: skip
    except RateLimitedError as exc:
        response = _login_form(web, target, email=email, error=RATE_LIMITED, status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    except AuthenticationError:
        return _login_form(web, target, email=email, error=LOGIN_FAILED, status_code=401)
    redirect = RedirectResponse(target, status_code=303)
    set_session_cookie(redirect, web.settings, accounts.start_session(session, user))
    clear_login_csrf(redirect, web.settings)
    return redirect


@router.post("/logout")
def logout(
    web: FormWebDep, session: SessionDep, csrf_token: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    token = read_session_cookie(web.request, web.settings)
    if token is not None:
        if not same_origin(web.request) or not csrf_valid(web.settings, token, csrf_token):
            raise PermissionDeniedError(translate(LOGOUT_REFUSED, web.lang))
        accounts.end_session(session, token)
    redirect = RedirectResponse("/", status_code=303)
    clear_session_cookie(redirect, web.settings)
    return redirect
