"""Log in (bearer token or session cookie), log out, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from sidestream.api.deps import AuthDep, SessionDep, SettingsDep, UserDep
from sidestream.api.schemas.accounts import LoginRequest, LoginResponse, MembershipBrief, MeResponse
from sidestream.api.security import clear_session_cookie, csrf_token, set_session_cookie
from sidestream.domain.visibility import Role
from sidestream.services import accounts

router = APIRouter(prefix="/auth", tags=["auth"])


def client_key(request: Request) -> str:
    """The caller's address, for login rate limiting."""
    return request.client.host if request.client else "unknown"


@router.post("/login", response_model=LoginResponse, summary="Log in with e-mail and password")
def login(
    body: LoginRequest, request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> LoginResponse:
    """Unknown e-mail and wrong password give the same 401; repeated failures give 429."""
    user = accounts.authenticate(
        session,
        body.email,
        body.password,
        client_key(request),
        max_failures=settings.login_max_failures,
        window_seconds=settings.login_window_seconds,
    )
    session_token = accounts.start_session(session, user)
    if body.mode == "cookie":
        set_session_cookie(response, settings, session_token)
        return LoginResponse(
            user_id=user.id,
            token_type="cookie",
            csrf_token=csrf_token(settings, session_token),
            expires_in=settings.session_max_age_seconds,
        )
    return LoginResponse(
        user_id=user.id,
        token_type="bearer",
        access_token=session_token,
        expires_in=settings.session_max_age_seconds,
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="End this login session")
def logout(auth: AuthDep, session: SessionDep, settings: SettingsDep) -> Response:
    """Revokes the session server-side (cookie or login token) and clears the cookie.
    A personal API token is not revoked here: use DELETE /tokens/{id}."""
    if auth.token is not None and auth.token.startswith(accounts.TokenKind.SESSION.value):
        accounts.end_session(session, auth.token)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookie(response, settings)
    return response


@router.get("/me", response_model=MeResponse, summary="The logged-in user and their memberships")
def me(user: UserDep, session: SessionDep) -> MeResponse:
    memberships = [
        MembershipBrief(
            region_id=m.region_id,
            role=Role(m.role),
            organisation_ids=sorted(o.organisation_id for o in m.organisations),
        )
        for m in user.memberships
    ]
    return MeResponse(
        id=user.id,
        email=user.email,
        name=user.name,
        is_admin=user.is_admin,
        is_active=user.is_active,
        language=user.language,
        created_at=user.created_at,
        memberships=memberships,
    )
