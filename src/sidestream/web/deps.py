"""The web pages' dependencies: the API's (session, settings, who is calling, the
region and the viewer in it) plus the page's language and a renderer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse

from sidestream.api.deps import AuthDep, RegionDep, SessionDep, SettingsDep
from sidestream.api.security import csrf_token_for_request, csrf_valid, read_session_cookie
from sidestream.config import Settings
from sidestream.domain.visibility import Role, Viewer
from sidestream.errors import PermissionDeniedError
from sidestream.i18n import LANGS, N_
from sidestream.services.accounts import user_for_token, viewer_for
from sidestream.store.models import Region, User
from sidestream.web.context import Chrome, LangLink, NavLink
from sidestream.web.language import LANG_NAMES, choose_lang, remember_lang
from sidestream.web.security import content_security_policy, same_origin
from sidestream.web.templating import Templates

HX_REQUEST = "hx-request"
MANAGER_ROLES = frozenset({Role.FACILITATOR.value, Role.ADMIN.value})


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
                NavLink("organisations", N_("Organisations"), f"{base}/organisations"),
                NavLink("synergies", N_("Synergies"), f"{base}/synergies"),
                NavLink("cases", N_("Cases"), f"{base}/cases"),
                NavLink("network", N_("Network"), f"{base}/network"),
                NavLink("potential", N_("Potential"), f"{base}/potential"),
                NavLink("workshops", N_("Workshops"), f"{base}/workshops"),
            ]
            if self.manages(region):
                nav_links.append(NavLink("import", N_("Import"), f"{base}/import"))
        nav_links += [
            NavLink("catalogue", N_("Catalogue"), "/catalogue"),
            NavLink("experts", N_("Experts"), "/experts"),
            NavLink("benchmarking", N_("Benchmarking"), "/benchmarking"),
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
            account_links=self.account_links(region),
        )

    def manages(self, region: Region) -> bool:
        """Whether the user is a facilitator or admin of ``region`` (for the menu only:
        every page checks the rights again through the services)."""
        if self.user is None:
            return False
        return self.user.is_admin or any(
            m.region_id == region.id and m.role in MANAGER_ROLES for m in self.user.memberships
        )

    def account_links(self, region: Region | None) -> list[NavLink]:
        if self.user is None:
            return []
        links = [
            NavLink("account", N_("Account"), "/account"),
            NavLink("tokens", N_("API tokens"), "/account/tokens"),
        ]
        if region is not None and self.manages(region):
            base = f"/regions/{region.slug}"
            links += [NavLink("users", N_("Users and roles"), f"{base}/users"),
                      NavLink("audit", N_("Audit log"), f"{base}/audit")]  # fmt: skip
        return links

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


FORM_REFUSED = N_("This form has expired or did not come from this site: reload the page and try again.")


def check_form(web: Web, submitted: str | None) -> None:
    """Every logged-in form carries the session's CSRF token and comes from our own
    origin; anything else is refused before it changes anything."""
    from sidestream.i18n import translate

    token = read_session_cookie(web.request, web.settings)
    if token is None or not same_origin(web.request) or not csrf_valid(web.settings, token, submitted):
        raise PermissionDeniedError(translate(FORM_REFUSED, web.lang))


def get_form_viewer(session: SessionDep, region: RegionDep, web: FormWebDep) -> Viewer:
    """The viewer for a form post (the cookie's user, without the API's header check)."""
    return viewer_for(session, web.user, region)


FormViewerDep = Annotated[Viewer, Depends(get_form_viewer)]
