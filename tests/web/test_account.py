"""Account pages in process (SQLite and PostgreSQL): API tokens (the secret shown
once, revoking), memberships; the facilitators' users-and-roles page and audit log."""

from __future__ import annotations

import re

from sqlalchemy import select

from sidestream.store.models import ApiToken, Membership
from tests.web.conftest import Rana


def test_token_secret_is_shown_once_and_works_until_revoked(rana: Rana) -> None:
    with rana.login("member_owner") as (client, csrf):
        page = client.get("/account/tokens")
        assert page.status_code == 200 and "no-store" in page.headers["cache-control"]
        created = client.post("/account/tokens", data={"csrf_token": csrf, "name": "laptop script"})
        secret = re.search(
            r'id="new-token" class="secret" type="text" readonly value="(sst_[^"]+)"', created.text
        )
        assert secret, created.text
        token = secret.group(1)
        assert token not in client.get("/account/tokens").text  # never again
        api = client.get(
            f"/api/v1/regions/{rana.world.slug}/flows", headers={"Authorization": f"Bearer {token}"}
        )
        assert api.status_code == 200
        row = rana.session.scalar(select(ApiToken).where(ApiToken.name == "laptop script"))
        assert row is not None and token not in (row.token_hash, row.prefix)
        revoked = client.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": csrf})
        assert revoked.status_code == 200 and "no longer works" in revoked.text
        api = client.get(
            f"/api/v1/regions/{rana.world.slug}/flows", headers={"Authorization": f"Bearer {token}"}
        )
        assert api.status_code == 401
        nameless = client.post("/account/tokens", data={"csrf_token": csrf, "name": " "})
        assert nameless.status_code == 422 and 'id="token-error"' in nameless.text
        assert client.post("/account/tokens", data={"name": "forged"}).status_code == 403


def test_another_users_token_cannot_be_revoked(rana: Rana) -> None:
    other = rana.session.scalar(select(ApiToken).where(ApiToken.user_id == rana.world.users["viewer"].id))
    assert other is not None
    with rana.login("member_owner") as (client, csrf):
        assert client.post(f"/account/tokens/{other.id}/revoke", data={"csrf_token": csrf}).status_code == 404
    rana.session.refresh(other)
    assert other.revoked_at is None


def test_account_lists_memberships(rana: Rana) -> None:
    with rana.login("member_owner") as (client, _):
        html = client.get("/account").text
        assert "Rana" in html and "member" in html and "Owner AS" in html
    with rana.login("anonymous") as (client, _):
        assert client.get("/account").status_code == 303


def test_facilitator_gives_and_removes_roles(rana: Rana) -> None:
    viewer = rana.world.users["viewer"]
    with rana.login("facilitator") as (client, csrf):
        page = client.get(f"{rana.base}/users")
        assert page.status_code == 200 and viewer.email in page.text
        assert '<option value="admin"' not in page.text  # facilitators cannot make admins
        promoted = client.post(
            f"{rana.base}/users", data={"csrf_token": csrf, "email": viewer.email, "role": "member"}
        )
        assert promoted.status_code == 200 and "The role is saved." in promoted.text
        admin = client.post(
            f"{rana.base}/users", data={"csrf_token": csrf, "email": viewer.email, "role": "admin"}
        )
        assert admin.status_code == 403
        unknown = client.post(f"{rana.base}/users",
                              data={"csrf_token": csrf, "email": "nobody@x.example", "role": "viewer"})  # fmt: skip
        assert unknown.status_code == 422 and "no account with this e-mail" in unknown.text
        removed = client.post(f"{rana.base}/users/{viewer.id}/remove", data={"csrf_token": csrf})
        assert removed.status_code == 200
        assert (
            client.post(f"{rana.base}/users", data={"email": viewer.email, "role": "member"}).status_code
            == 403
        )
    rana.session.expire_all()
    assert rana.session.scalar(select(Membership).where(Membership.user_id == viewer.id)) is None


def test_member_keeps_organisations_when_the_role_changes(rana: Rana) -> None:
    owner = rana.world.users["member_owner"]
    with rana.login("facilitator") as (client, csrf):
        client.post(f"{rana.base}/users", data={"csrf_token": csrf, "email": owner.email, "role": "viewer"})
    rana.session.expire_all()
    membership = rana.session.scalar(select(Membership).where(Membership.user_id == owner.id))
    assert membership is not None and membership.role == "viewer"
    assert [o.organisation_id for o in membership.organisations] == [rana.world.org_a]


def test_users_and_audit_are_for_facilitators(rana: Rana) -> None:
    for role in ("viewer", "member_owner"):
        with rana.login(role) as (client, _):
            assert client.get(f"{rana.base}/users").status_code == 403
            assert client.get(f"{rana.base}/audit").status_code == 403


def test_audit_log_pages_and_filters(rana: Rana) -> None:
    with rana.login("facilitator") as (client, _):
        page = client.get(f"{rana.base}/audit")
        assert page.status_code == 200
        total = int(re.search(r'data-total="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
        # build_world: the region, 2 organisations, 5 sites, 10 flows, 4 memberships and
        # 5 synergies — minus the private flows' events, which a facilitator may not see (2).
        assert total == 1 + 2 + 5 + 10 + 4 + 5 - 2
        assert "Page 1 of 1" not in page.text or total <= 50
        flows_only = client.get(f"{rana.base}/audit", params={"entity": "flow"})
        assert 'data-total="8"' in flows_only.text
        assert "A-private" not in page.text and "NOTE-private" not in page.text
        assert client.get(f"{rana.base}/audit", params={"entity": "DROP TABLE"}).status_code == 422
