"""Flows over HTTP: create, optimistic concurrency with ETag / If-Match, bulk import
of CSV and XLSX with its row report and dry run, exports, paging and sorting."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from openpyxl import Workbook
from sqlalchemy.orm import Session

from sidestream.services.accounts import create_token
from sidestream.store.models import Region
from tests.api.client import ApiClient
from tests.api.world import make_account
from tests.conftest import HEADER

API = "/api/v1/regions/rana"
ROWS = [
    "s1,Elkem Rana,company,24.10,Mo Industripark,66.3167,14.1300,supply,overskuddsvarme 90 °C,heat,,150,GWh/yr,90,1-12,public,",
    "d1,Mo Fjernvarme,utility,35.30,Mo i Rana,66.3130,14.1420,demand,fjernvarme 80 °C,heat,,120,GWh/yr,80,1-12,public,",
    "bad,Nobody,company,,Nowhere,99,14.1,supply,slag,by-product,,10,t/yr,,1-12,public,",
    "d2,Rana kommune,municipality,84.11,Mo i Rana,66.3120,14.1600,demand,pukk og grus,material,,40000,t/yr,,4-10,private,",
]


@pytest.fixture
def facilitator(session: Session, make_region: Callable[..., Region]) -> str:
    from sidestream.services.accounts import add_membership

    region = make_region("rana")
    user = make_account(session, "fasilitator@example.org")
    add_membership(session, user, region, "facilitator")
    return create_token(session, user, "tests").plaintext


def csv_bytes(rows: list[str]) -> bytes:
    return (HEADER + "\n" + "\n".join(rows) + "\n").encode()


def test_import_dry_run_then_apply(client: ApiClient, facilitator: str) -> None:
    files = {"file": ("flows.csv", csv_bytes(ROWS), "text/csv")}
    dry = client.post(f"{API}/flows/import", params={"dry_run": True}, files=files, token=facilitator)
    assert dry.status_code == 200
    report = dry.json()
    assert report["dry_run"] and not report["applied"]
    assert report["created"] == 3 and report["skipped"] == 1 and report["errors"] >= 1
    problem = next(p for p in report["problems"] if p["severity"] == "error")
    assert problem["row"] == 4 and problem["column"] == "lat"
    assert client.get(f"{API}/flows", token=facilitator).json()["total"] == 0

    strict = client.post(f"{API}/flows/import", params={"strict": True}, files=files, token=facilitator)
    assert strict.json()["applied"] is False
    assert client.get(f"{API}/flows", token=facilitator).json()["total"] == 0

    applied = client.post(f"{API}/flows/import", files=files, token=facilitator)
    assert applied.json()["applied"] and applied.json()["created"] == 3
    # the facilitator does not see the municipality's private flow, in the list or its count
    listed = client.get(f"{API}/flows", params={"sort": "-key"}, token=facilitator).json()
    assert [f["key"] for f in listed["items"]] == ["s1", "d1"] and listed["total"] == 2
    assert (
        client.get(f"{API}/flows", params={"per_page": 1, "page": 2}, token=facilitator).json()["items"][0][
            "key"
        ]
        == "s1"
    )


def test_import_xlsx_and_permissions(client: ApiClient, facilitator: str, session: Session) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER.split(","))
    for row in ROWS[:2]:
        ws.append([float(c) if c.replace(".", "").isdigit() and "." in c else c for c in row.split(",")])
    buffer = io.BytesIO()
    wb.save(buffer)
    xlsx = (
        "flows.xlsx",
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    r = client.post(f"{API}/flows/import", files={"file": xlsx}, token=facilitator)
    assert r.status_code == 200 and r.json()["created"] == 2, r.json()["problems"]
    member = create_token(session, make_account(session, "member@example.org"), "t").plaintext
    assert client.post(f"{API}/flows/import", files={"file": xlsx}, token=member).status_code == 403
    assert client.post(f"{API}/flows/import", files={"file": xlsx}).status_code == 401


def test_export_download_headers(client: ApiClient, facilitator: str) -> None:
    client.post(
        f"{API}/flows/import", files={"file": ("f.csv", csv_bytes(ROWS), "text/csv")}, token=facilitator
    )
    for fmt, media in (
        ("csv", "text/csv"),
        ("xlsx", "application/vnd.openxml"),
        ("geojson", "application/geo+json"),
    ):
        r = client.get(f"{API}/flows/export", params={"format": fmt}, token=facilitator)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith(media)
        assert r.headers["content-disposition"] == f'attachment; filename="rana-flows.{fmt}"'
    assert client.get(f"{API}/flows/export", params={"format": "pdf"}, token=facilitator).status_code == 422


def test_create_update_with_etag_and_version(client: ApiClient, facilitator: str) -> None:
    org = client.post(f"{API}/organisations", json={"name": "Celsa"}, token=facilitator)
    assert org.status_code == 201 and org.headers["etag"] == 'W/"1"'
    site = client.post(
        f"{API}/sites",
        json={"organisation_id": org.json()["id"], "name": "Mo", "lat": 66.3, "lon": 14.1},
        token=facilitator,
    )
    assert site.status_code == 201
    flow = client.post(
        f"{API}/flows",
        json={"organisation_id": org.json()["id"], "site_id": site.json()["id"], "direction": "supply",
              "resource": "stålslagg", "category": "by-product", "quantity": 60000, "unit": "t/yr",
              "visibility": "network"},
        token=facilitator,
    )  # fmt: skip
    assert flow.status_code == 201, flow.json()
    url = f"{API}/flows/{flow.json()['id']}"
    etag = client.get(url, token=facilitator).headers["etag"]
    assert etag == 'W/"1"'
    first = client.patch(url, json={"notes": "first"}, headers={"If-Match": etag}, token=facilitator)
    assert first.status_code == 200 and first.headers["etag"] == 'W/"2"'
    second = client.patch(url, json={"notes": "second"}, headers={"If-Match": etag}, token=facilitator)
    assert second.status_code == 409
    assert second.json()["type"].endswith("/stale-write")
    by_body = client.patch(url, json={"notes": "third", "version": 2}, token=facilitator)
    assert by_body.status_code == 200 and by_body.json()["notes"] == "third"
    assert (
        client.patch(
            url, json={"notes": "x", "version": 1}, headers={"If-Match": 'W/"3"'}, token=facilitator
        ).status_code
        == 400
    )
    assert client.delete(url, headers={"If-Match": 'W/"1"'}, token=facilitator).status_code == 409
    assert client.delete(url, headers={"If-Match": 'W/"3"'}, token=facilitator).status_code == 204
    assert client.get(url, token=facilitator).status_code == 404
