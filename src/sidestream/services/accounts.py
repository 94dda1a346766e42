"""Accounts: users, passwords, login, personal API tokens, web sessions, memberships
and the :class:`~sidestream.domain.visibility.Viewer` every read path filters by.

Passwords are hashed with argon2id (pwdlib). Tokens are random; only their SHA-256
hash and a short display prefix are stored, so a database dump cannot be replayed.
Login never tells whether an e-mail address is registered: an unknown address and a
wrong password give the same error after the same argon2 work, and both count
towards the same rate limit (kept in ``login_attempts`` so that it holds across
processes).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from sidestream.domain.visibility import ANONYMOUS, Role, Viewer
from sidestream.errors import (
    ConflictError,
    InvalidDataError,
    NotFoundError,
    PermissionDeniedError,
    SidestreamError,
)
from sidestream.i18n import N_, Message
from sidestream.services import audit
from sidestream.store.models import (
    ApiToken,
    LoginAttempt,
    Membership,
    MembershipOrganisation,
    Organisation,
    Region,
    User,
)

MIN_PASSWORD_LENGTH = 8
SESSION_MAX_AGE_SECONDS = 14 * 24 * 3600
# Touch ``last_used_at`` at most this often: a write per request would make every
# authenticated read a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# One client address may fail this many times more often than one address+e-mail
# pair before it is blocked too (credential stuffing across many accounts).
CLIENT_FAILURE_FACTOR = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ROLE_RANK = {Role.VIEWER: 1, Role.MEMBER: 2, Role.FACILITATOR: 3, Role.ADMIN: 4}


class TokenKind(StrEnum):
    """Personal API tokens (``sst_…``) and web/login sessions (``ses_…``)."""

    API = "sst_"
    SESSION = "ses_"


class AuthenticationError(SidestreamError):
    """Login failed or a credential is invalid; never says which part was wrong."""


class RateLimitedError(SidestreamError):
    """Too many failed logins from this client for this account."""

    def __init__(self, message: str | Message, /, retry_after_seconds: int, **params: object) -> None:
        super().__init__(message, **params)
        self.retry_after_seconds = retry_after_seconds


LOGIN_FAILED = N_("the e-mail address or the password is wrong")


# --- passwords -----------------------------------------------------------------------


@cache
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the e-mail is unknown, so both paths cost the same."""
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (with its parameters and salt)."""
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher().verify(password, password_hash)
    except Exception:  # a malformed stored hash is a failed login, not a crash
        return False


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidDataError(
            N_("the password must have at least {min_password_length} characters"),
            min_password_length=MIN_PASSWORD_LENGTH,
        )


def normalise_email(email: str) -> str:
    """Lower-case and strip an e-mail address; refuse what is not one.

    >>> normalise_email("  Ola.Nordmann@Example.NO ")
    'ola.nordmann@example.no'
    """
    value = email.strip().lower()
    if not _EMAIL.match(value) or len(value) > 254:
        raise InvalidDataError(
            N_("{email!r} is not an e-mail address (expected name@example.org)"), email=email.strip()
        )
    return value


# --- users ---------------------------------------------------------------------------


def create_user(
    session: Session,
    email: str,
    password: str,
    *,
    name: str = "",
    is_admin: bool = False,
    language: str = "nb",
) -> User:
    """Register a user; the e-mail must be new. Commits."""
    address = normalise_email(email)
    check_password(password)
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise ConflictError(N_("a user with e-mail {address} already exists"), address=address)
    user = User(
        email=address, name=name, password_hash=hash_password(password), is_admin=is_admin, language=language
    )
    session.add(user)
    session.commit()
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(N_("no user with id {user_id}"), user_id=user_id)
    return user


def user_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFoundError(N_("no user with e-mail {email}"), email=email.strip())
    return user


def list_users(session: Session, *, offset: int = 0, limit: int = 50) -> tuple[list[User], int]:
    """Users ordered by id, and how many there are in all."""
    total = session.scalar(select(func.count()).select_from(User)) or 0
    rows = session.scalars(select(User).order_by(User.id).offset(offset).limit(limit)).all()
    return list(rows), total


def update_user(
    session: Session,
    user: User,
    *,
    name: str | None = None,
    password: str | None = None,
    is_admin: bool | None = None,
    is_active: bool | None = None,
    language: str | None = None,
) -> User:
    """Change the given fields. Deactivating a user or changing the password ends
    their sessions (API tokens stay until revoked, unless deactivated). Commits."""
    if name is not None:
        user.name = name
    if language is not None:
        user.language = language
    if is_admin is not None:
        user.is_admin = is_admin
    if password is not None:
        check_password(password)
        user.password_hash = hash_password(password)
        _revoke_all(session, user, TokenKind.SESSION)
    if is_active is not None:
        user.is_active = is_active
        if not is_active:
            _revoke_all(session, user, None)
    session.commit()
    return user


# --- login ---------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _attempt_keys(email: str, client_key: str) -> tuple[str, str]:
    client = client_key.strip()[:40] or "unknown"
    return f"login:{email.strip().lower()[:254]}|{client}", f"client:{client}"


def authenticate(
    session: Session,
    email: str,
    password: str,
    client_key: str,
    *,
    max_failures: int = 5,
    window_seconds: int = 900,
) -> User:
    """The active user with this e-mail and password, or :class:`AuthenticationError`.

    ``client_key`` identifies the caller (its address). After ``max_failures`` failed
    attempts for one e-mail from one client within ``window_seconds`` — or ten times
    as many from one client across e-mails — every attempt is refused with
    :class:`RateLimitedError` until the window has passed, right password or not.
    Unknown e-mails and wrong passwords are indistinguishable: same message, same
    argon2 verification, same counting.
    """
    pair_key, client_key_ = _attempt_keys(email, client_key)
    now = _now()
    since = now - timedelta(seconds=window_seconds)
    for key, limit in ((pair_key, max_failures), (client_key_, max_failures * CLIENT_FAILURE_FACTOR)):
        failures = session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.key == key, LoginAttempt.at >= since)
        )
        if (failures or 0) >= limit:
            oldest = session.scalar(
                select(func.min(LoginAttempt.at)).where(LoginAttempt.key == key, LoginAttempt.at >= since)
            )
            retry = window_seconds if oldest is None else (aware(oldest) - since).total_seconds()
            raise RateLimitedError(
                N_(
                    "too many failed logins: wait a while before trying again, or ask an "
                    "administrator to reset the password"
                ),
                retry_after_seconds=max(1, int(retry) + 1),
            )
    address = email.strip().lower()
    user = session.scalar(select(User).where(User.email == address)) if _EMAIL.match(address) else None
    ok = verify_password(password, user.password_hash if user is not None else _dummy_hash())
    if user is None or not ok or not user.is_active:
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < since))
        session.add_all([LoginAttempt(key=pair_key, at=now), LoginAttempt(key=client_key_, at=now)])
        session.commit()
        raise AuthenticationError(LOGIN_FAILED)
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == pair_key))
    session.commit()
    return user


# --- tokens and sessions -------------------------------------------------------------


def token_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A token just created: ``plaintext`` is shown once and never stored."""

    token: ApiToken
    plaintext: str


def create_token(session: Session, user: User, name: str, *, kind: TokenKind = TokenKind.API) -> IssuedToken:
    """A new random token for ``user``; store only its hash. Commits."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidDataError(N_("a token needs a name of 1 to 100 characters, e.g. 'laptop script'"))
    plaintext = kind.value + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=plaintext[:12], token_hash=token_hash(plaintext))
    session.add(token)
    session.commit()
    return IssuedToken(token, plaintext)


def user_for_token(
    session: Session, plaintext: str, *, session_max_age_seconds: int = SESSION_MAX_AGE_SECONDS
) -> User | None:
    """The active user a token belongs to, or None (unknown, revoked, expired session)."""
    found = token_and_user(session, plaintext, session_max_age_seconds=session_max_age_seconds)
    return found[1] if found is not None else None


def token_and_user(
    session: Session, plaintext: str, *, session_max_age_seconds: int = SESSION_MAX_AGE_SECONDS
) -> tuple[ApiToken, User] | None:
    """The valid token with this plaintext and its active user, or None. Records when
    the token was last used (at most once a minute, so reads stay reads)."""
    if not plaintext or len(plaintext) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(plaintext)))
    if token is None or token.revoked_at is not None:
        return None
    now = _now()
    if token.prefix.startswith(TokenKind.SESSION.value) and (
        now - aware(token.created_at) > timedelta(seconds=session_max_age_seconds)
    ):
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    if token.last_used_at is None or now - aware(token.last_used_at) > LAST_USED_RESOLUTION:
        token.last_used_at = now
        session.commit()
    return token, user


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's personal API tokens (not their login sessions), newest first."""
    rows = session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.prefix.startswith(TokenKind.API.value))
        .order_by(ApiToken.id.desc())
    ).all()
    return list(rows)


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (idempotent). Another user's token is not
    found, whoever asks. Commits."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFoundError(N_("no token with id {token_id}"), token_id=token_id)
    if token.revoked_at is None:
        token.revoked_at = _now()
        session.commit()
    return token


def start_session(session: Session, user: User) -> str:
    """A login session for ``user``: the plaintext goes into a signed cookie or is
    handed out as a bearer token, and ``end_session`` revokes it server-side."""
    return create_token(session, user, "login session", kind=TokenKind.SESSION).plaintext


def end_session(session: Session, plaintext: str) -> None:
    """Revoke the session (or token) with this plaintext, if any. Commits."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(plaintext)))
    if token is not None and token.revoked_at is None:
        token.revoked_at = _now()
        session.commit()


def _revoke_all(session: Session, user: User, kind: TokenKind | None) -> None:
    query = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if kind is not None:
        query = query.where(ApiToken.prefix.startswith(kind.value))
    now = _now()
    for token in session.scalars(query):
        token.revoked_at = now


# --- memberships and viewers ---------------------------------------------------------


def parse_role(role: str | Role) -> Role:
    try:
        return Role(str(role).strip().lower())
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InvalidDataError(
            N_("unknown role {role!r}: use one of {choices}"), role=role, choices=choices
        ) from None


def add_membership(
    session: Session,
    user: User,
    region: Region,
    role: Role | str,
    organisation_ids: Iterable[int] = (),
    *,
    actor_id: int | None = None,
) -> Membership:
    """Give ``user`` a role in ``region`` (replacing an earlier one) and the
    organisations of that region they belong to. Commits."""
    role_ = parse_role(role)
    org_ids = sorted(set(organisation_ids))
    if org_ids:
        found = set(
            session.scalars(
                select(Organisation.id).where(
                    Organisation.id.in_(org_ids), Organisation.region_id == region.id
                )
            )
        )
        missing = [i for i in org_ids if i not in found]
        if missing:
            raise NotFoundError(
                N_("no organisation with id {missing} in region {region}"),
                missing=", ".join(map(str, missing)),
                region=region.slug,
            )
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.region_id == region.id)
    )
    before = None
    if membership is None:
        membership = Membership(user_id=user.id, region_id=region.id, role=role_.value)
        session.add(membership)
    else:
        before = _membership_state(membership)
        membership.role = role_.value
        membership.organisations.clear()
        session.flush()
    membership.organisations.extend(MembershipOrganisation(organisation_id=i) for i in org_ids)
    session.flush()
    audit.record(
        session, action="create" if before is None else "update", entity="membership",
        entity_id=membership.id, region_id=region.id, user_id=actor_id, before=before,
        after=_membership_state(membership),
    )  # fmt: skip
    session.commit()
    return membership


def _membership_state(m: Membership) -> dict[str, object]:
    return {
        "user_id": m.user_id,
        "role": m.role,
        "organisation_ids": sorted(o.organisation_id for o in m.organisations),
    }


def remove_membership(session: Session, user: User, region: Region, *, actor_id: int | None = None) -> None:
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.region_id == region.id)
    )
    if membership is None:
        raise NotFoundError(
            N_("user {user_id} has no membership in region {region}"), user_id=user.id, region=region.slug
        )
    audit.record(
        session, action="delete", entity="membership", entity_id=membership.id, region_id=region.id,
        user_id=actor_id, before=_membership_state(membership),
    )  # fmt: skip
    session.delete(membership)
    session.commit()


def list_memberships(session: Session, region: Region) -> Sequence[Membership]:
    return session.scalars(
        select(Membership)
        .where(Membership.region_id == region.id)
        .options(selectinload(Membership.organisations), selectinload(Membership.user))
        .order_by(Membership.id)
    ).all()


def viewer_for(session: Session, user: User | None, region: Region) -> Viewer:
    """Who ``user`` is in ``region``: anonymous, a logged-in non-member (no role: sees
    what anonymous sees), or a member with a role and organisations. Instance admins
    act as region admin everywhere."""
    if user is None or not user.is_active:
        return ANONYMOUS
    membership = session.scalar(
        select(Membership)
        .where(Membership.user_id == user.id, Membership.region_id == region.id)
        .options(selectinload(Membership.organisations))
    )
    orgs = frozenset(o.organisation_id for o in membership.organisations) if membership else frozenset()
    role: Role | None = parse_role(membership.role) if membership else None
    if user.is_admin:
        role = Role.ADMIN
    return Viewer(user_id=user.id, role=role, organisation_ids=orgs)


def has_role(viewer: Viewer, minimum: Role) -> bool:
    """Whether the viewer's role in the region is at least ``minimum``.

    >>> has_role(Viewer(1, Role.FACILITATOR), Role.MEMBER), has_role(ANONYMOUS, Role.VIEWER)
    (True, False)
    """
    return viewer.role is not None and ROLE_RANK[viewer.role] >= ROLE_RANK[minimum]


def require_role(viewer: Viewer, minimum: Role, action: str) -> None:
    """Raise unless the viewer may ``action``: :class:`AuthenticationError` for
    anonymous callers (log in first), :class:`PermissionDeniedError` for the rest.
    ``action`` is a catalog message (``N_("save a synergy")``), shown translated."""
    if has_role(viewer, minimum):
        return
    if viewer.anonymous:
        raise AuthenticationError(N_("log in to {action}"), action=Message(action))
    raise PermissionDeniedError(
        N_("to {action} you need to be a {minimum} of this region (or higher)"),
        action=Message(action),
        minimum=Message(minimum.value),
    )
