"""The web pages' dependencies: the API's (session, settings, who is calling, the
region and the viewer in it) plus the page's language and a renderer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse

from sidestream.api.deps import AuthDep, SessionDep, SettingsDep
from sidestream.api.security import csrf_token_for_request, read_session_cookie
from sidestream.config import Settings
from sidestream.i18n import LANGS, N_
from sidestream.services.accounts import user_for_token
from sidestream.store.models import Region, User
from sidestream.web.context import Chrome, LangLink, NavLink
from sidestream.web.language import LANG_NAMES, choose_lang, remember_lang
from sidestream.web.security import content_security_policy
from sidestream.web.templating import Templates

HX_REQUEST = "hx-request"


def templates_of(request: Request) -> Templates:
    templates: Templates = request.app.state.web_templates
    return templates


def url_with(request: Request, **changes: str | int | None) -> str:
    """The current path with some query parameters changed (None removes one)."""
    query = {k: v for k, v in request.query_params.items() if k not in changes}
    query.update({k: str(v) for k, v in changes.items() if v is not None and v != ""})
    return request.url.path + (f"?{urlencode(query)}" if query else "")


def security_headers(settings: Settings) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }


@dataclass(frozen=True)
class Web:
    """One page request: who, in which language, and how to render."""

    request: Request
    settings: Settings
    lang: str
    user: User | None

    @property
    def is_htmx(self) -> bool:
        return self.request.headers.get(HX_REQUEST) == "true"

    def chrome(self, title: str, nav: str, region: Region | None = None) -> Chrome:
        links = [
            LangLink(code, LANG_NAMES[code], url_with(self.request, lang=code), code == self.lang)
            for code in LANGS
        ]
        nav_links = [NavLink("home", N_("Regions"), "/")]
        if region is not None:
            base = f"/regions/{region.slug}"
            nav_links += [
                NavLink("overview", N_("Overview"), base),
                NavLink("flows", N_("Flows"), f"{base}/flows"),
                NavLink("matches", N_("Matches"), f"{base}/matches"),
                NavLink("workshops", N_("Workshops"), f"{base}/workshops"),
            ]
        here = self.request.url.path + (f"?{self.request.url.query}" if self.request.url.query else "")
        return Chrome(
            lang=self.lang,
            title=title,
            nav=nav,
            lang_links=links,
            nav_links=nav_links,
            login_url="/login?" + urlencode({"next": here}),
            user_email=self.user.email if self.user is not None else None,
            csrf_token=csrf_token_for_request(self.request, self.settings) if self.user else None,
            region_slug=region.slug if region is not None else None,
            region_name=region.name if region is not None else None,
        )

    def render(
        self,
        template: str,
        page: Any,
        chrome: Chrome | None,
        *,
        status_code: int = 200,
        cookies: Response | None = None,
    ) -> HTMLResponse:
        """The page as HTML with the security headers; ``cookies`` carries cookies
        set while building the page (e.g. the login form's CSRF cookie)."""
        html = templates_of(self.request).render(template, self.lang, {"chrome": chrome, "page": page})
        out = HTMLResponse(html, status_code=status_code, headers=security_headers(self.settings))
        out.headers["Vary"] = "Cookie, Accept-Language, HX-Request"
        if cookies is not None:
            for key, value in cookies.raw_headers:
                if key.lower() == b"set-cookie":
                    out.headers.append("set-cookie", value.decode("latin-1"))
        remember_lang(self.request, out, self.settings)
        return out


def get_web(request: Request, settings: SettingsDep, auth: AuthDep) -> Web:
    return Web(request, settings, choose_lang(request, settings), auth.user)


WebDep = Annotated[Web, Depends(get_web)]


def get_form_web(request: Request, settings: SettingsDep, session: SessionDep) -> Web:
    """For form posts that check their own CSRF field: the cookie's user, without the
    API's header check (an HTML form cannot send ``X-CSRF-Token``)."""
    token = read_session_cookie(request, settings)
    user = (
        user_for_token(session, token, session_max_age_seconds=settings.session_max_age_seconds)
        if token
        else None
    )
    return Web(request, settings, choose_lang(request, settings), user)


FormWebDep = Annotated[Web, Depends(get_form_web)]
