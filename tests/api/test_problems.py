"""Every error is an RFC 9457 problem document — never a stack trace — and the app
refuses an unmigrated database."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from sidestream.api.app import create_app
from sidestream.config import Settings
from sidestream.errors import StoreError
from sidestream.store.db import make_engine
from tests.api.client import ApiClient

PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance"}


def assert_problem(r: httpx.Response, status: int) -> dict[str, object]:
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert set(body) >= PROBLEM_FIELDS
    assert body["status"] == status
    assert str(body["type"]).startswith("https://")
    assert body["instance"] == r.request.url.path
    assert "Traceback" not in r.text and 'File "' not in r.text
    return dict(body)


def test_unknown_route_and_method(client: ApiClient) -> None:
    assert_problem(client.get("/api/v1/no/such/thing"), 404)
    body = assert_problem(client.delete("/api/v1/health"), 405)
    assert "DELETE" in str(body["detail"])
    assert_problem(client.get("/api/v1/regions/nowhere"), 404)


def test_problem_detail_in_the_language_asked_for(client: ApiClient) -> None:
    """``detail`` stays English unless the client asks (``?lang=`` like the API's other
    endpoints, or ``Accept-Language``): clients that match on it keep working."""
    english = assert_problem(client.get("/api/v1/regions/nowhere"), 404)
    assert english["detail"] == "no region 'nowhere': create it first (or check the spelling)"
    assert english["title"] == "Not found"
    r = client.get("/api/v1/regions/nowhere", headers={"Accept-Language": "nb-NO,nb;q=0.9,en;q=0.5"})
    norwegian = assert_problem(r, 404)
    assert norwegian["detail"] == "ingen region 'nowhere': opprett den først (eller sjekk stavemåten)"
    assert norwegian["title"] == "Ikke funnet" and r.headers["content-language"] == "nb"
    asked = assert_problem(client.get("/api/v1/regions/nowhere", params={"lang": "nb"}), 404)
    assert asked["detail"] == norwegian["detail"]
    # ?lang= wins over the header, as on the other endpoints
    both = client.get("/api/v1/regions/nowhere", params={"lang": "en"}, headers={"Accept-Language": "nb"})
    assert assert_problem(both, 404)["detail"] == english["detail"]
    # an anonymous caller refused is told to log in, in the same language
    r = client.get("/api/v1/tokens", headers={"Accept-Language": "nb"})
    assert r.status_code == 401 and str(r.json()["detail"]).startswith("logg inn")


def test_validation_errors_never_echo_input(client: ApiClient, make_region: object) -> None:
    make_region("x")  # type: ignore[operator]
    r = client.post(
        "/api/v1/auth/login", json={"email": "x@example.org", "password": "hunter2-secret", "mode": "?"}
    )
    body = assert_problem(r, 422)
    assert body["errors"] and "hunter2-secret" not in r.text
    assert_problem(client.get("/api/v1/regions/x/flows", params={"per_page": 0}), 422)
    assert_problem(
        client.post("/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}),
        422,
    )


def test_bad_if_match_is_a_400_problem(client: ApiClient, make_region: object) -> None:
    make_region("rana")  # type: ignore[operator]
    r = client.patch("/api/v1/regions/rana/flows/1", json={"notes": "x"}, headers={"If-Match": "yesterday"})
    assert_problem(r, 400)


def test_unexpected_errors_are_a_plain_500(app: FastAPI) -> None:
    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    with ApiClient(app, raise_app_exceptions=False) as client:
        r = client.get("/api/v1/boom")
    body = assert_problem(r, 500)
    assert "hunter2" not in r.text and "RuntimeError" not in r.text
    assert body["reference"]


def test_openapi_and_docs(client: ApiClient) -> None:
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/regions/{slug}/flows",
        "/api/v1/regions/{slug}/flows/{flow_id}",
        "/api/v1/regions/{slug}/flows/import",
        "/api/v1/regions/{slug}/flows/export",
        "/api/v1/regions/{slug}/matches",
        "/api/v1/regions/{slug}/flows/{flow_id}/matches",
        "/api/v1/regions/{slug}/synergies",
        "/api/v1/auth/login",
        "/api/v1/tokens",
        "/api/v1/users",
        "/api/v1/regions/{slug}/memberships",
        "/api/v1/regions/{slug}/audit",
    ):
        assert path in paths, path
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_refuses_an_unmigrated_database(db_url: str) -> None:
    with pytest.raises(StoreError, match="sidestream db upgrade"):
        create_app(Settings(database_url=db_url, environment="test"))
    engine: Engine = make_engine(db_url)
    try:
        with pytest.raises(StoreError, match="not migrated"):
            create_app(Settings(database_url=db_url, environment="test"), engine=engine)
    finally:
        engine.dispose()
