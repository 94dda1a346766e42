"""Accounts: passwords, login with rate limiting and no user enumeration, tokens,
memberships and viewers — on SQLite and PostgreSQL."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.api.world import PASSWORD, make_account

from sidestream.domain.visibility import ANONYMOUS, Role, Viewer
from sidestream.errors import ConflictError, InvalidDataError, NotFoundError, PermissionDeniedError
from sidestream.services import accounts, flows, regions
from sidestream.services.accounts import AuthenticationError, RateLimitedError, TokenKind
from sidestream.services.flows import NewOrganisation
from sidestream.store.models import ApiToken, LoginAttempt, Region, User

CLIENT = "198.51.100.4"


@pytest.fixture
def user(session: Session) -> User:
    return make_account(session, "kari@example.org")


@pytest.fixture
def region(session: Session) -> Region:
    return regions.create_region(session, "rana", "Rana")


def login(session: Session, email: str, password: str, client: str = CLIENT) -> User:
    return accounts.authenticate(session, email, password, client, max_failures=3, window_seconds=600)


def test_passwords_are_argon2id_and_salted() -> None:
    a, b = accounts.hash_password("s3cret-words"), accounts.hash_password("s3cret-words")
    assert a.startswith("$argon2id$") and a != b
    assert accounts.verify_password("s3cret-words", a)
    assert not accounts.verify_password("s3cret-word", a)
    assert not accounts.verify_password("anything", "not-a-hash")


def test_create_user_normalises_and_checks(session: Session) -> None:
    u = accounts.create_user(session, "  Ola.Nordmann@Example.NO ", "long enough", name="Ola")
    assert u.email == "ola.nordmann@example.no"
    assert u.password_hash.startswith("$argon2id$")
    with pytest.raises(ConflictError, match="already exists"):
        accounts.create_user(session, "ola.nordmann@example.no", "long enough")
    with pytest.raises(InvalidDataError, match="at least 8"):
        accounts.create_user(session, "new@example.no", "short")
    with pytest.raises(InvalidDataError, match="not an e-mail"):
        accounts.create_user(session, "no-at-sign", "long enough")


def test_authenticate_accepts_the_right_password(session: Session, user: User) -> None:
    assert login(session, "KARI@example.org ", PASSWORD).id == user.id


def test_unknown_email_and_wrong_password_are_indistinguishable(session: Session, user: User) -> None:
    with pytest.raises(AuthenticationError) as wrong:
        login(session, user.email, "wrong password", client="a")
    with pytest.raises(AuthenticationError) as unknown:
        login(session, "nobody@example.org", "wrong password", client="b")
    assert str(wrong.value) == str(unknown.value)

    def timed(email: str, client: str) -> float:
        started = time.perf_counter()
        with pytest.raises(AuthenticationError):
            login(session, email, "wrong password", client=client)
        return time.perf_counter() - started

    known = statistics.median(timed(user.email, f"k{i}") for i in range(3))
    missing = statistics.median(timed("nobody@example.org", f"m{i}") for i in range(3))
    # Both run one argon2 verification; without the dummy hash the unknown case would
    # be ~100× faster.
    assert 0.4 < missing / known < 2.5, (known, missing)


def test_inactive_user_cannot_log_in_with_the_same_error(session: Session, user: User) -> None:
    accounts.update_user(session, user, is_active=False)
    with pytest.raises(AuthenticationError, match="e-mail address or the password is wrong"):
        login(session, user.email, PASSWORD)


def test_rate_limit_blocks_even_the_right_password_then_expires(session: Session, user: User) -> None:
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            login(session, user.email, "wrong password")
    with pytest.raises(RateLimitedError) as blocked:
        login(session, user.email, PASSWORD)
    assert 1 <= blocked.value.retry_after_seconds <= 601
    # the same account from another client is not blocked
    assert login(session, user.email, PASSWORD, client="192.0.2.9").id == user.id
    # the window passes: move the failures into the past
    for attempt in session.scalars(select(LoginAttempt)):
        attempt.at = datetime.now(UTC) - timedelta(seconds=601)
    session.commit()
    assert login(session, user.email, PASSWORD).id == user.id


def test_rate_limit_is_the_same_for_unknown_addresses(session: Session, user: User) -> None:
    for email in (user.email, "nobody@example.org"):
        for _ in range(3):
            with pytest.raises(AuthenticationError):
                login(session, email, "wrong password", client=f"c-{email}")
        with pytest.raises(RateLimitedError):
            login(session, email, "wrong password", client=f"c-{email}")


def test_success_clears_the_failures(session: Session, user: User) -> None:
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            login(session, user.email, "wrong password")
    login(session, user.email, PASSWORD)
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            login(session, user.email, "wrong password")
    assert login(session, user.email, PASSWORD).id == user.id


def test_tokens_store_only_a_hash(session: Session, user: User) -> None:
    issued = accounts.create_token(session, user, "import script")
    assert issued.plaintext.startswith("sst_") and len(issued.plaintext) > 40
    row = session.get(ApiToken, issued.token.id)
    assert row is not None
    assert row.token_hash == accounts.token_hash(issued.plaintext) != issued.plaintext
    assert row.prefix == issued.plaintext[:12]
    assert issued.plaintext not in {row.name, row.prefix, row.token_hash}
    assert accounts.user_for_token(session, issued.plaintext) == user
    assert row.last_used_at is not None
    assert accounts.user_for_token(session, issued.plaintext + "x") is None
    assert accounts.user_for_token(session, "") is None


def test_revoke_and_list_tokens(session: Session, user: User) -> None:
    other = make_account(session, "other@example.org")
    mine = accounts.create_token(session, user, "mine")
    theirs = accounts.create_token(session, other, "theirs")
    accounts.start_session(session, user)  # a login session is not listed as a token
    assert [t.name for t in accounts.list_tokens(session, user)] == ["mine"]
    with pytest.raises(NotFoundError):
        accounts.revoke_token(session, user, theirs.token.id)
    accounts.revoke_token(session, user, mine.token.id)
    accounts.revoke_token(session, user, mine.token.id)  # idempotent
    assert accounts.user_for_token(session, mine.plaintext) is None
    assert accounts.user_for_token(session, theirs.plaintext) == other


def test_sessions_expire_and_end(session: Session, user: User) -> None:
    token = accounts.start_session(session, user)
    assert token.startswith(TokenKind.SESSION.value)
    assert accounts.user_for_token(session, token) == user
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == accounts.token_hash(token)))
    assert row is not None
    row.created_at = datetime.now(UTC) - timedelta(days=30)
    session.commit()
    assert accounts.user_for_token(session, token, session_max_age_seconds=3600) is None
    fresh = accounts.start_session(session, user)
    accounts.end_session(session, fresh)
    assert accounts.user_for_token(session, fresh) is None


def test_password_change_ends_sessions_but_keeps_api_tokens(session: Session, user: User) -> None:
    login_session = accounts.start_session(session, user)
    api = accounts.create_token(session, user, "script")
    accounts.update_user(session, user, password="a brand new password")
    assert accounts.user_for_token(session, login_session) is None
    assert accounts.user_for_token(session, api.plaintext) == user


def test_memberships_and_viewers(session: Session, user: User, region: Region) -> None:
    boss = Viewer(role=Role.ADMIN)
    org = flows.create_organisation(session, region, boss, NewOrganisation(name="Elkem Rana"))
    elsewhere = regions.create_region(session, "kalundborg")
    foreign = flows.create_organisation(session, elsewhere, boss, NewOrganisation(name="Novo"))

    assert accounts.viewer_for(session, None, region) == ANONYMOUS
    outsider = accounts.viewer_for(session, user, region)
    assert outsider.user_id == user.id and outsider.role is None and not outsider.organisation_ids

    accounts.add_membership(session, user, region, "member", [org.id])
    assert accounts.viewer_for(session, user, region) == Viewer(user.id, Role.MEMBER, frozenset({org.id}))
    accounts.add_membership(session, user, region, Role.FACILITATOR)  # replaces role and organisations
    assert accounts.viewer_for(session, user, region) == Viewer(user.id, Role.FACILITATOR, frozenset())
    assert accounts.viewer_for(session, user, elsewhere).role is None

    with pytest.raises(NotFoundError, match="no organisation"):
        accounts.add_membership(session, user, region, "member", [foreign.id])
    with pytest.raises(InvalidDataError, match="unknown role"):
        accounts.add_membership(session, user, region, "owner")

    accounts.remove_membership(session, user, region)
    assert accounts.viewer_for(session, user, region).role is None
    with pytest.raises(NotFoundError):
        accounts.remove_membership(session, user, region)


def test_instance_admins_are_region_admins_everywhere(session: Session, region: Region) -> None:
    admin = make_account(session, "root@example.org", is_admin=True)
    viewer = accounts.viewer_for(session, admin, region)
    assert viewer.role is Role.ADMIN and viewer.manages_region


def test_require_role(session: Session) -> None:
    with pytest.raises(AuthenticationError, match="log in"):
        accounts.require_role(ANONYMOUS, Role.VIEWER, "see this")
    with pytest.raises(PermissionDeniedError, match="member"):
        accounts.require_role(Viewer(1, Role.VIEWER), Role.MEMBER, "save")
    accounts.require_role(Viewer(1, Role.ADMIN), Role.FACILITATOR, "manage")
