"""Login, sessions, cookies, CSRF, tokens and rate limiting over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from sidestream.api.app import create_app
from sidestream.config import Settings
from sidestream.store.models import User
from tests.api.client import ApiClient
from tests.api.world import PASSWORD, make_account

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
TOKENS = "/api/v1/tokens"


@pytest.fixture
def kari(session: Session) -> User:
    return make_account(session, "kari@example.org")


def login(client: ApiClient, email: str, password: str, mode: str = "token") -> object:
    return client.post(LOGIN, json={"email": email, "password": password, "mode": mode})


def test_login_with_token(client: ApiClient, kari: User) -> None:
    r = client.post(LOGIN, json={"email": "Kari@Example.org", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["access_token"].startswith("ses_")
    assert "set-cookie" not in r.headers
    me = client.get(ME, token=body["access_token"])
    assert me.status_code == 200 and me.json()["email"] == "kari@example.org"
    # logging out revokes the login token server-side
    assert client.post("/api/v1/auth/logout", token=body["access_token"]).status_code == 204
    again = client.get(ME, token=body["access_token"])
    assert again.status_code == 401
    assert again.headers["www-authenticate"].startswith("Bearer")


def test_no_user_enumeration(client: ApiClient, kari: User) -> None:
    wrong = client.post(LOGIN, json={"email": "kari@example.org", "password": "not it at all"})
    unknown = client.post(LOGIN, json={"email": "nobody@example.org", "password": "not it at all"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["content-type"] == unknown.headers["content-type"] == "application/problem+json"


def test_login_rate_limit(client: ApiClient, kari: User) -> None:
    for _ in range(3):  # settings.login_max_failures = 3 in the test app
        assert client.post(LOGIN, json={"email": kari.email, "password": "guess"}).status_code == 401
    blocked = client.post(LOGIN, json={"email": kari.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.headers["content-type"] == "application/problem+json"
    assert int(blocked.headers["retry-after"]) >= 1
    # unknown addresses are limited the same way, so 429 reveals nothing either
    for _ in range(3):
        client.post(LOGIN, json={"email": "nobody@example.org", "password": "guess"})
    assert client.post(LOGIN, json={"email": "nobody@example.org", "password": "guess"}).status_code == 429


def test_cookie_login_flags_csrf_and_logout(app: FastAPI, kari: User) -> None:
    with ApiClient(app) as client:
        r = client.post(LOGIN, json={"email": kari.email, "password": PASSWORD, "mode": "cookie"})
        assert r.status_code == 200
        assert r.json()["access_token"] is None and r.json()["csrf_token"]
        csrf = r.json()["csrf_token"]
        raw = r.headers["set-cookie"]
        cookie = SimpleCookie()
        cookie.load(raw)
        morsel = cookie["sidestream_session"]
        assert morsel["httponly"] and morsel["secure"]
        assert morsel["samesite"].lower() == "lax" and morsel["path"] == "/"
        assert "ses_" not in morsel.value  # signed and encoded, not the bare token

        assert client.get(ME).json()["email"] == kari.email
        # a cookie-authenticated write needs the CSRF token
        no_csrf = client.post(TOKENS, json={"name": "x"})
        assert no_csrf.status_code == 403 and "CSRF" in no_csrf.json()["detail"]
        bad_csrf = client.post(TOKENS, json={"name": "x"}, headers={"X-CSRF-Token": "0" * 64})
        assert bad_csrf.status_code == 403
        ok = client.post(TOKENS, json={"name": "x"}, headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 201

        stolen = client.cookies.get("sidestream_session")
        assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert client.get(ME).status_code == 401
    # replaying the old cookie after logout: the session is revoked server-side
    with ApiClient(app) as replay:
        assert replay.get(ME, headers={"Cookie": f"sidestream_session={stolen}"}).status_code == 401


def test_tampered_cookie_is_no_session(client: ApiClient, kari: User) -> None:
    client.post(LOGIN, json={"email": kari.email, "password": PASSWORD, "mode": "cookie"})
    value = client.cookies.get("sidestream_session") or ""
    assert client.get(ME).status_code == 200
    client.cookies.clear()
    assert client.get(ME, headers={"Cookie": f"sidestream_session={value[:-2]}xx"}).status_code == 401
    assert client.get(ME, headers={"Cookie": f"sidestream_session={value}"}).status_code == 200


def test_cookie_secure_flag_is_configurable(settings: Settings, migrated_engine: object, kari: User) -> None:
    local = settings.model_copy(update={"session_cookie_secure": False})
    app = create_app(local, engine=migrated_engine)  # type: ignore[arg-type]
    with ApiClient(app, base_url="http://localhost") as client:
        r = client.post(LOGIN, json={"email": kari.email, "password": PASSWORD, "mode": "cookie"})
        assert "secure" not in r.headers["set-cookie"].lower()
        assert client.get(ME).status_code == 200


def test_personal_tokens(client: ApiClient, session: Session, kari: User) -> None:
    token = client.post(LOGIN, json={"email": kari.email, "password": PASSWORD}).json()["access_token"]
    created = client.post(TOKENS, json={"name": "import script"}, token=token)
    assert created.status_code == 201
    plaintext = created.json()["token"]
    assert plaintext.startswith("sst_") and created.json()["prefix"] == plaintext[:12]
    listed = client.get(TOKENS, token=plaintext).json()
    assert [t["name"] for t in listed] == ["import script"]
    assert "token" not in listed[0]
    assert client.delete(f"{TOKENS}/{created.json()['id']}", token=token).status_code == 204
    assert client.get(ME, token=plaintext).status_code == 401
    # someone else's token is "not found", like a token that does not exist
    other = make_account(session, "other@example.org")
    from sidestream.services.accounts import create_token

    theirs = create_token(session, other, "theirs")
    r = client.delete(f"{TOKENS}/{theirs.token.id}", token=token)
    assert r.status_code == 404
    assert client.get(ME, token=theirs.plaintext).status_code == 200


def test_bad_credentials_are_401_problems(client: ApiClient) -> None:
    for headers in ({"Authorization": "Bearer nope"}, {"Authorization": "Basic a2FyaTpwdw=="}):
        r = client.get(ME, headers=headers)
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
    assert client.get(ME).status_code == 401
    assert client.get(TOKENS).status_code == 401


def test_admin_manages_users_and_memberships(
    client: ApiClient, session: Session, make_region: Callable[..., object]
) -> None:
    admin = make_account(session, "root@example.org", is_admin=True)
    from sidestream.services.accounts import create_token

    root = create_token(session, admin, "admin").plaintext
    make_region("rana")
    created = client.post(
        "/api/v1/users", json={"email": "new@example.org", "password": "long password"}, token=root
    )
    assert created.status_code == 201
    new_id = created.json()["id"]
    assert "password" not in created.text and "hash" not in created.text
    assert client.get("/api/v1/users", token=root).json()["total"] == 2
    put = client.put(
        "/api/v1/regions/rana/memberships", json={"user_id": new_id, "role": "facilitator"}, token=root
    )
    assert put.status_code == 200 and put.json()["role"] == "facilitator"
    user_token = client.post(LOGIN, json={"email": "new@example.org", "password": "long password"}).json()[
        "access_token"
    ]
    # a facilitator manages memberships but may not make admins, nor manage users
    assert client.get("/api/v1/regions/rana/memberships", token=user_token).status_code == 200
    r = client.put(
        "/api/v1/regions/rana/memberships", json={"user_id": new_id, "role": "admin"}, token=user_token
    )
    assert r.status_code == 403
    assert client.get("/api/v1/users", token=user_token).status_code == 403
    assert client.get("/api/v1/auth/me", token=user_token).json()["memberships"][0]["role"] == "facilitator"
    deactivated = client.patch(f"/api/v1/users/{new_id}", json={"is_active": False}, token=root)
    assert deactivated.status_code == 200
    assert client.get(ME, token=user_token).status_code == 401
