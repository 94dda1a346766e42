"""Account pages: your memberships and your API tokens; and, for a region's
facilitators, its users and roles and its audit log.

A new token's secret is shown once, in the answer to the form that created it (never
in a URL, a redirect or a later page): only its hash is stored. Role changes follow
the API's rule — facilitators give viewer, member and facilitator roles; only admins
make admins — and are written to the audit log by the accounts service.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy import select

from sidestream.api.deps import IdPath, RegionDep, SessionDep, ViewerDep
from sidestream.domain.visibility import Role, Viewer
from sidestream.errors import InvalidDataError, NotFoundError, PermissionDeniedError
from sidestream.i18n import N_, format_date, translate
from sidestream.services import accounts
from sidestream.services.accounts import AuthenticationError, require_role
from sidestream.services.audit import list_events
from sidestream.store.models import Organisation, Region, User
from sidestream.web.context import DataPage
from sidestream.web.deps import FormViewerDep, FormWebDep, Web, WebDep, check_form
from sidestream.web.errors import HtmlRoute
from sidestream.web.filters import PageQuery
from sidestream.web.pages.flows import Option

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

ROLE_LABELS = {
    Role.ADMIN: N_("admin"),
    Role.FACILITATOR: N_("facilitator"),
    Role.MEMBER: N_("member"),
    Role.VIEWER: N_("viewer"),
}
ENTITY_LABELS = {
    "organisation": N_("organisation"),
    "site": N_("site"),
    "flow": N_("flow"),
    "synergy": N_("synergy"),
    "membership": N_("membership"),
}
ACTION_LABELS = {
    "create": N_("created"),
    "update": N_("changed"),
    "delete": N_("deleted"),
    "import": N_("imported"),
}
TOKEN_NAME_INVALID = N_("Give the token a name of 1 to 100 characters, e.g. “laptop script”.")
TOKEN_REVOKED = N_("The token is revoked: it no longer works.")
NO_SUCH_USER = N_("There is no account with this e-mail address: an administrator creates accounts first.")
ONLY_ADMIN_MAKES_ADMIN = N_("Only a region admin may make someone an admin.")
ROLE_SAVED = N_("The role is saved.")
MEMBER_REMOVED = N_("The user no longer has a role in this region.")
AUDIT_PER_PAGE = 50
OPERATOR = N_("command line (operator)")


def role_label(value: str, lang: str) -> str:
    return translate(ROLE_LABELS[Role(value)], lang)


def _require_user(web: Web) -> User:
    if web.user is None:
        raise AuthenticationError(N_("log in to see your account"))
    return web.user


# --- your account --------------------------------------------------------------------


class MembershipRow(BaseModel):
    region: str
    region_url: str
    role: str
    organisations: list[str]


class AccountPage(BaseModel):
    email: str
    name: str
    memberships: list[MembershipRow]


@router.get("/account", response_class=HTMLResponse)
def account_page(web: WebDep, session: SessionDep) -> HTMLResponse:
    user = _require_user(web)
    rows = []
    for m in sorted(user.memberships, key=lambda m: m.region_id):
        region = session.get(Region, m.region_id)
        if region is None:
            continue
        names = [
            o.name for o in (session.get(Organisation, mo.organisation_id) for mo in m.organisations) if o
        ]
        rows.append(MembershipRow(region=region.name, region_url=f"/regions/{region.slug}",
                                  role=role_label(m.role, web.lang),
                                  organisations=sorted(names)))  # fmt: skip
    page = AccountPage(email=user.email, name=user.name, memberships=rows)
    return web.render(
        "account.html", DataPage(page), web.chrome(translate(N_("Account"), web.lang), nav="account")
    )


# --- API tokens ----------------------------------------------------------------------


class TokenRow(BaseModel):
    id: int
    name: str
    prefix: str
    created: str
    last_used: str
    revoked: bool


class TokensPage(BaseModel):
    tokens: list[TokenRow]
    secret: str | None = None  # the new token, shown this once
    secret_name: str | None = None
    error: str | None = None
    notice: str | None = None
    name: str = ""


def _tokens_page(
    web: Web, session: SessionDep, user: User, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    rows = [
        TokenRow(id=t.id, name=t.name, prefix=t.prefix, created=format_date(t.created_at, web.lang),
                 last_used=format_date(t.last_used_at, web.lang) if t.last_used_at else "",
                 revoked=t.revoked_at is not None)
        for t in accounts.list_tokens(session, user)
    ]  # fmt: skip
    page = TokensPage(tokens=rows, **extra)
    chrome = web.chrome(translate(N_("API tokens"), web.lang), nav="tokens")
    response = web.render("tokens.html", DataPage(page), chrome, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # the page may hold a secret
    return response


@router.get("/account/tokens", response_class=HTMLResponse)
def tokens_page(web: WebDep, session: SessionDep) -> HTMLResponse:
    return _tokens_page(web, session, _require_user(web))


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(
    web: FormWebDep,
    session: SessionDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    name: Annotated[str, Form(max_length=1000)] = "",
) -> HTMLResponse:
    check_form(web, csrf_token)
    user = _require_user(web)
    try:
        issued = accounts.create_token(session, user, name)
    except InvalidDataError:
        return _tokens_page(web, session, user, status_code=422, name=name,
                            error=translate(TOKEN_NAME_INVALID, web.lang))  # fmt: skip
    return _tokens_page(web, session, user, secret=issued.plaintext, secret_name=issued.token.name)


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(
    web: FormWebDep,
    session: SessionDep,
    token_id: IdPath,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    check_form(web, csrf_token)
    user = _require_user(web)
    accounts.revoke_token(session, user, token_id)
    return _tokens_page(web, session, user, notice=translate(TOKEN_REVOKED, web.lang))


# --- users and roles of a region (facilitators) --------------------------------------


class MemberRow(BaseModel):
    user_id: int
    email: str
    name: str
    role: str
    role_label: str
    organisations: list[str]


class UsersPage(BaseModel):
    slug: str
    members: list[MemberRow]
    roles: list[Option]
    may_make_admin: bool
    notice: str | None = None
    error: str | None = None
    email: str = ""


def _users_page(
    web: Web, session: SessionDep, region: Region, viewer: Viewer, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    require_role(viewer, Role.FACILITATOR, N_("manage the region's users"))
    orgs = {
        o.id: o.name for o in session.scalars(select(Organisation).where(Organisation.region_id == region.id))
    }
    members = [
        MemberRow(user_id=m.user_id, email=m.user.email, name=m.user.name, role=m.role,
                  role_label=role_label(m.role, web.lang),
                  organisations=sorted(orgs.get(o.organisation_id, "?") for o in m.organisations))
        for m in accounts.list_memberships(session, region)
    ]  # fmt: skip
    may_admin = viewer.role is Role.ADMIN
    roles = [
        Option(value=r.value, label=role_label(r.value, web.lang))
        for r in Role
        if may_admin or r is not Role.ADMIN
    ]
    page = UsersPage(slug=region.slug, members=members, roles=roles, may_make_admin=may_admin, **extra)
    chrome = web.chrome(translate(N_("Users and roles"), web.lang), nav="users", region=region)
    return web.render("users.html", DataPage(page), chrome, status_code=status_code)


@router.get("/regions/{slug}/users", response_class=HTMLResponse)
def users_page(web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep) -> HTMLResponse:
    return _users_page(web, session, region, viewer)


@router.post("/regions/{slug}/users", response_class=HTMLResponse)
def set_role(
    web: FormWebDep,
    region: RegionDep,
    viewer: FormViewerDep,
    session: SessionDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
) -> HTMLResponse:
    """Give a user (by e-mail) a role in the region; their organisations are kept."""
    check_form(web, csrf_token)
    require_role(viewer, Role.FACILITATOR, N_("manage the region's users"))
    try:
        new_role = accounts.parse_role(role)
        if new_role is Role.ADMIN and viewer.role is not Role.ADMIN:
            raise PermissionDeniedError(translate(ONLY_ADMIN_MAKES_ADMIN, web.lang))
        user = accounts.user_by_email(session, email)
    except NotFoundError:
        return _users_page(web, session, region, viewer, status_code=422, email=email,
                           error=translate(NO_SUCH_USER, web.lang))  # fmt: skip
    except InvalidDataError as exc:
        return _users_page(
            web, session, region, viewer, status_code=422, email=email, error=exc.render(web.lang)
        )
    current = next((m for m in user.memberships if m.region_id == region.id), None)
    orgs = [o.organisation_id for o in current.organisations] if current else []
    accounts.add_membership(session, user, region, new_role, orgs, actor_id=viewer.user_id)
    return _users_page(web, session, region, viewer, notice=translate(ROLE_SAVED, web.lang))


@router.post("/regions/{slug}/users/{user_id}/remove", response_class=HTMLResponse)
def remove_member(
    web: FormWebDep,
    region: RegionDep,
    viewer: FormViewerDep,
    session: SessionDep,
    user_id: IdPath,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    check_form(web, csrf_token)
    require_role(viewer, Role.FACILITATOR, N_("manage the region's users"))
    accounts.remove_membership(session, accounts.get_user(session, user_id), region, actor_id=viewer.user_id)
    return _users_page(web, session, region, viewer, notice=translate(MEMBER_REMOVED, web.lang))


# --- audit log -----------------------------------------------------------------------


class EventRow(BaseModel):
    when: str
    who: str
    action: str
    entity: str
    entity_id: str
    changed: list[str]
    new: bool  # a created or imported record: every field is new


class AuditPage(BaseModel):
    slug: str
    events: list[EventRow]
    total: int
    page: int
    pages: int
    entity: str | None
    entities: list[Option]


def _changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """The names of the fields an event changed (values stay in the JSON API)."""
    before, after = before or {}, after or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k) and k != "version")


@router.get("/regions/{slug}/audit", response_class=HTMLResponse)
def audit_page(
    web: WebDep,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    page: PageQuery = 1,
    entity: Annotated[str, Query(max_length=40, pattern=r"^[a-z]*$")] = "",
) -> HTMLResponse:
    """The region's audit trail, newest first; events on flows the viewer may not see
    are left out by the service, as everywhere else."""
    result = list_events(session, region, viewer, entity=entity or None, page=page, per_page=AUDIT_PER_PAGE)
    users = {u.id: u.email for u in session.scalars(select(User).where(
        User.id.in_({e.user_id for e in result.items if e.user_id is not None})))}  # fmt: skip
    lang = web.lang
    events = [
        EventRow(
            when=format_date(e.at, lang, "short") + " " + e.at.strftime("%H:%M"),
            who=users.get(e.user_id, "—") if e.user_id is not None else translate(OPERATOR, lang),
            action=translate(ACTION_LABELS.get(e.action, e.action), lang),
            entity=translate(ENTITY_LABELS.get(e.entity, e.entity), lang), entity_id=e.entity_id or "",
            changed=_changed(e.before, e.after), new=e.before is None and e.after is not None,
        )
        for e in result.items
    ]  # fmt: skip
    data = AuditPage(
        slug=region.slug, events=events, total=result.total, page=result.page, pages=result.pages,
        entity=entity or None,
        entities=[Option(value=k, label=translate(v, lang)) for k, v in ENTITY_LABELS.items()],
    )  # fmt: skip
    chrome = web.chrome(translate(N_("Audit log"), lang), nav="audit", region=region)
    return web.render("audit.html", DataPage(data), chrome)
