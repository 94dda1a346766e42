"""The read caches (callers, flow pages, match documents, the front cache) never
serve something stale or someone else's: any write is seen by the very next request,
in this worker and in another one (a second app on the same database), and a view
computed for one caller is never given to another. Both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sidestream.api.app import create_app
from sidestream.config import Settings
from sidestream.services import accounts
from sidestream.store.models import ApiToken
from tests.api.client import ApiClient
from tests.api.world import ROLES, SEES, World

API = "/api/v1/regions/rana"
READS = (f"{API}/flows", f"{API}/matches?top_k=20")


@pytest.fixture
def other_worker(settings: Settings, migrated_engine: Engine) -> Iterator[ApiClient]:
    """A second application on the same database: another worker process, with caches
    of its own."""
    with ApiClient(create_app(settings, engine=migrated_engine)) as c:
        yield c


def keys_in_list(client: ApiClient, token: str | None) -> set[str]:
    r = client.get(f"{API}/flows", params={"per_page": 100}, token=token)
    assert r.status_code == 200, r.text
    return {item["key"] for item in r.json()["items"]}


def shown_in_matches(client: ApiClient, token: str | None) -> set[str]:
    r = client.get(f"{API}/matches", params={"top_k": 20}, token=token)
    assert r.status_code == 200, r.text
    return {
        side["id"]
        for m in r.json()["matches"]
        for side in (m["supply"], m["demand"])
        if not side.get("anonymised")
    }


def test_a_flow_edit_changes_the_next_list_and_matches(
    client: ApiClient, other_worker: ApiClient, world: World
) -> None:
    token = world.tokens["facilitator"]
    assert token is not None
    network_supply = world.flow_ids[("network", "supply")]
    for c in (client, other_worker):  # both workers cache the current state
        assert world.key("network", "supply") in keys_in_list(c, token)
        assert world.key("network", "supply") in shown_in_matches(c, token)

    # The owner makes the flow private: the facilitator may no longer see it.
    version = client.get(f"{API}/flows/{network_supply}", token=world.tokens["member_owner"]).json()[
        "version"
    ]
    r = client.patch(
        f"{API}/flows/{network_supply}",
        json={"visibility": "private", "notes": "now private", "version": version},
        token=world.tokens["member_owner"],
    )
    assert r.status_code == 200, r.text

    for c in (client, other_worker):
        assert world.key("network", "supply") not in keys_in_list(c, token)
        assert world.key("network", "supply") not in shown_in_matches(c, token)
        body = c.get(f"{API}/matches", params={"top_k": 20}, token=token).text
        assert "now private" not in body and "NOTE-network-supply" not in body
    # and the owner sees the edit at once
    r = other_worker.get(f"{API}/flows/{network_supply}", token=world.tokens["member_owner"])
    assert r.json()["notes"] == "now private"


def test_a_new_flow_appears_in_the_next_list_of_another_worker(
    client: ApiClient, other_worker: ApiClient, world: World
) -> None:
    token = world.tokens["facilitator"]
    before = keys_in_list(other_worker, token)
    site = client.get(f"{API}/sites", token=token).json()["items"][0]
    r = client.post(
        f"{API}/flows",
        json={"key": "NEW-1", "organisation_id": site["organisation_id"], "site_id": site["id"],
              "direction": "demand", "resource": "fjernvarme 70 °C", "category": "heat",
              "visibility": "public"},
        token=token,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    assert keys_in_list(other_worker, token) == before | {"NEW-1"}


@pytest.mark.parametrize("first", ["facilitator", "member_owner", "admin"])
def test_no_caller_gets_a_view_cached_for_another(client: ApiClient, world: World, first: str) -> None:
    """A privileged caller fills every cache first; then everyone else asks exactly
    the same URLs and must get only what they may see (the hand-written ``SEES``)."""
    for url in READS:
        assert client.get(url, token=world.tokens[first]).status_code == 200
    for role in ROLES:
        for url in READS:
            r = client.get(url, token=world.tokens[role])
            assert r.status_code == 200
            for marker in world.hidden_markers(role):
                assert marker not in r.text, f"{role} got {marker} from a view cached for {first}"
        a_keys = {k for k in keys_in_list(client, world.tokens[role]) if k.startswith("A-")}
        assert a_keys == {world.key(level, d) for level in SEES[role] for d in ("supply", "demand")}


def test_a_revoked_token_stops_working_at_once_in_every_worker(
    client: ApiClient, other_worker: ApiClient, world: World, session: Session
) -> None:
    user = world.users["viewer"]
    assert user is not None
    issued = accounts.create_token(session, user, "to revoke")
    for c in (client, other_worker):
        for url in READS:
            assert c.get(url, token=issued.plaintext).status_code == 200
            assert c.get(url, token=issued.plaintext).status_code == 200  # now from the caches
    r = client.delete(f"/api/v1/tokens/{issued.token.id}", token=issued.plaintext)
    assert r.status_code == 204
    for c in (other_worker, client):
        for url in READS:
            r = c.get(url, token=issued.plaintext)
            assert r.status_code == 401, f"{url} still answered a revoked token"
    # revoking straight in the database (an operator's script) is seen just the same
    second = accounts.create_token(session, user, "second")
    assert other_worker.get(READS[0], token=second.plaintext).status_code == 200
    token = session.get(ApiToken, second.token.id)
    assert token is not None
    accounts.revoke_token(session, user, token.id)
    assert other_worker.get(READS[0], token=second.plaintext).status_code == 401


def test_membership_changes_take_effect_on_the_next_request(
    client: ApiClient, other_worker: ApiClient, world: World, session: Session
) -> None:
    token = world.tokens["member_owner"]
    private = world.key("private", "supply")
    for c in (client, other_worker):
        assert private in keys_in_list(c, token)
    owner = world.users["member_owner"]
    assert owner is not None
    accounts.add_membership(session, owner, world.region, "member", [])  # no longer in A
    for c in (client, other_worker):
        assert private not in keys_in_list(c, token)
        assert "NOTE-private-supply" not in c.get(READS[1], token=token).text


def test_a_deactivated_user_is_refused_at_once(client: ApiClient, world: World, session: Session) -> None:
    token = world.tokens["facilitator"]
    assert client.get(READS[0], token=token).status_code == 200
    user = world.users["facilitator"]
    assert user is not None
    accounts.update_user(session, user, is_active=False)
    assert client.get(READS[0], token=token).status_code == 401


def test_etag_gives_304_until_the_data_changes(client: ApiClient, world: World) -> None:
    token = world.tokens["facilitator"]
    for url in READS:
        first = client.get(url, token=token)
        etag = first.headers["etag"]
        assert first.headers["cache-control"] == "private, no-cache"
        again = client.get(url, token=token, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        assert client.get(url, token=token, headers={"If-None-Match": 'W/"other"'}).status_code == 200
    # another caller's ETag for the same URL is not theirs to match
    anonymous = client.get(READS[0])
    assert anonymous.headers["etag"] != client.get(READS[0], token=token).headers["etag"]
    flow_id = world.b_supply
    version = client.get(f"{API}/flows/{flow_id}", token=token).json()["version"]
    etags = {url: client.get(url, token=token).headers["etag"] for url in READS}
    r = client.patch(f"{API}/flows/{flow_id}", json={"quantity": 51, "version": version}, token=token)
    assert r.status_code == 200, r.text
    for url in READS:
        after = client.get(url, token=token, headers={"If-None-Match": etags[url]})
        assert after.status_code == 200 and after.headers["etag"] != etags[url]


def test_cookie_and_session_callers_take_the_full_path(client: ApiClient, world: World, app: FastAPI) -> None:
    """Login sessions (cookie or ``ses_`` bearer) expire by time, so the front cache
    never answers them; what it holds comes only from API-token and anonymous reads."""
    login = {"email": "viewer@rana.example.org", "password": "correct horse battery"}
    r = client.post("/api/v1/auth/login", json={**login, "mode": "cookie"})
    assert r.status_code == 200, r.text
    assert "sidestream_session" in client.cookies
    session_token = client.post("/api/v1/auth/login", json=login).json()["access_token"]
    assert session_token.startswith("ses_")
    for url in READS:
        by_cookie = client.get(url)
        assert by_cookie.status_code == 200
        assert world.key("network", "supply") in by_cookie.text  # really logged in: a viewer's view
        assert client.get(url, token=session_token).status_code == 200
    assert len(app.state.front_cache._entries) == 0


def test_cached_bodies_are_gzipped_for_clients_that_accept_it(client: ApiClient, world: World) -> None:
    """The same document either way, on the full path (first request) and from the
    front cache (repeats); the caches vary by Accept-Encoding."""
    token = world.tokens["facilitator"]
    for url in READS:
        plain = [client.get(url, token=token, headers={"Accept-Encoding": "identity"}) for _ in range(2)]
        packed = [client.get(url, token=token, headers={"Accept-Encoding": "gzip"}) for _ in range(2)]
        refused = client.get(url, token=token, headers={"Accept-Encoding": "gzip;q=0, identity"})
        for r in (*plain, refused):
            assert r.status_code == 200 and "content-encoding" not in r.headers
        for r in packed:  # httpx decodes the body; the header says it came compressed
            assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
            assert int(r.headers["content-length"]) < len(plain[0].content)
        assert {r.content for r in (*plain, *packed, refused)} == {plain[0].content}
        assert {r.headers["etag"] for r in (*plain, *packed)} == {plain[0].headers["etag"]}
        assert "Accept-Encoding" in plain[0].headers["vary"] and "Authorization" in plain[0].headers["vary"]
        again = client.get(
            url, token=token, headers={"Accept-Encoding": "gzip", "If-None-Match": packed[0].headers["etag"]}
        )
        assert again.status_code == 304 and again.content == b""
