"""The import wizard and the exports in process (SQLite and PostgreSQL): upload, a
dry-run preview with the column mapping and every row error, commit in one step as
background jobs; exports carry only what the viewer may see."""

from __future__ import annotations

import io
import json
import re
import time

import openpyxl
from sqlalchemy import func, select

from sidestream.store.models import Flow, Job
from tests.api.client import ApiClient
from tests.web.conftest import Rana

HEADER = "id,aktør,site,lat,lon,retning,resource,category,quantity,unit,months,visibility,colour\n"
GOOD = "imp-1,Nye Fisk AS,Kai,66.33,14.17,demand,varmt vann til settefisk,heat,3,GWh/yr,1-12,network,blue\n"
BAD = "imp-2,Nye Fisk AS,Kai,200,14.17,supply,fiskeslam,by-product,120,t/yr,1-12,network,red\n"
FIXED = BAD.replace(",200,", ",66.33,")


def wait_for_job(client: ApiClient, url: str, timeout_s: float = 60) -> str:
    """Follow a job page until it is no longer running; returns the final HTML."""
    deadline = time.monotonic() + timeout_s
    while True:
        html = client.get(url).text
        if 'data-status="queued"' not in html and 'data-status="running"' not in html:
            return html
        assert time.monotonic() < deadline, html
        time.sleep(0.1)


def upload(client: ApiClient, rana: Rana, csrf: str, body: str, name: str = "flows.csv") -> str:
    response = client.post(f"{rana.base}/import", data={"csrf_token": csrf},
                           files={"file": (name, body.encode(), "text/csv")})  # fmt: skip
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def imported(rana: Rana) -> int:
    rana.session.expire_all()
    return int(rana.session.scalar(select(func.count()).select_from(Flow).where(Flow.key.like("imp-%"))) or 0)


def test_preview_shows_mapping_and_every_row_error_then_commit(rana: Rana) -> None:
    with rana.login("facilitator") as (client, csrf):
        assert client.get(f"{rana.base}/import").status_code == 200
        url = upload(client, rana, csrf, HEADER + GOOD + BAD)
        html = wait_for_job(client, url)
        # The mapping: Norwegian "aktør"/"retning" read as actor/direction, "colour" kept as an extra.
        assert re.search(r"<td>aktør</td><td><code>actor</code>", html)
        assert re.search(r"<td>retning</td><td><code>direction</code>", html)
        assert re.search(r"<td>colour</td><td><span", html)
        # The bad row: row 3 of the file (the header is row 1), column lat.
        assert re.search(r'<tr class="problem-error" data-row="3" data-column="lat">', html), html
        assert "Preview only" in html
        assert imported(rana) == 0  # nothing saved by the preview
        job_id = int(url.rsplit("/", 1)[1])
        commit = client.post(f"{rana.base}/import/{job_id}/commit", data={"csrf_token": csrf})
        assert commit.status_code == 303
        done = wait_for_job(client, commit.headers["location"])
        assert "Imported." in done
        assert imported(rana) == 1  # the valid row only
        # Fixed and uploaded again: no problems, and the commit adds the second row.
        url = upload(client, rana, csrf, HEADER + GOOD + FIXED)
        html = wait_for_job(client, url)
        assert 'id="no-problems"' in html
        commit = client.post(f"{rana.base}/import/{url.rsplit('/', 1)[1]}/commit", data={"csrf_token": csrf})
        wait_for_job(client, commit.headers["location"])
        assert imported(rana) == 2
        # A committed preview cannot be committed twice (its file is gone).
        assert (
            client.post(f"{rana.base}/import/{job_id}/commit", data={"csrf_token": csrf}).status_code == 404
        )


def test_xlsx_upload_is_read_too(rana: Rana) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for line in (HEADER + GOOD).splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    with rana.login("facilitator") as (client, csrf):
        response = client.post(f"{rana.base}/import", data={"csrf_token": csrf},
                               files={"file": ("flows.xlsx", buffer.getvalue(), "application/octet-stream")})  # fmt: skip
        html = wait_for_job(client, response.headers["location"])
        assert 'id="no-problems"' in html and "1 new" in html


def test_upload_needs_a_file_csrf_and_a_facilitator(rana: Rana) -> None:
    with rana.login("facilitator") as (client, csrf):
        empty = client.post(f"{rana.base}/import", data={"csrf_token": csrf})
        assert empty.status_code == 422 and "Choose a file" in empty.text
        forged = client.post(f"{rana.base}/import", data={"csrf_token": "nope"},
                             files={"file": ("f.csv", (HEADER + GOOD).encode(), "text/csv")})  # fmt: skip
        assert forged.status_code == 403
    with rana.login("member_owner") as (client, csrf):
        assert client.get(f"{rana.base}/import").status_code == 403
        refused = client.post(f"{rana.base}/import", data={"csrf_token": csrf},
                              files={"file": ("f.csv", (HEADER + GOOD).encode(), "text/csv")})  # fmt: skip
        assert refused.status_code == 403
    rana.session.expire_all()
    assert rana.session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_job_is_visible_to_its_creator_only(rana: Rana) -> None:
    with rana.login("facilitator") as (client, csrf):
        url = upload(client, rana, csrf, HEADER + GOOD)
        wait_for_job(client, url)
    job_id = url.rsplit("/", 1)[1]
    with rana.login("admin") as (client, csrf):
        assert client.get(url).status_code == 404
        assert client.get(f"/jobs/{job_id}").status_code == 404
        assert (
            client.post(f"{rana.base}/import/{job_id}/commit", data={"csrf_token": csrf}).status_code == 404
        )
    assert imported(rana) == 0


def test_exports_hold_only_what_the_viewer_may_see(rana: Rana) -> None:
    hidden = rana.world.hidden_markers("viewer")
    with rana.login("viewer") as (client, _):
        csv = client.get(f"{rana.base}/export.csv")
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert "attachment" in csv.headers["content-disposition"]
        keys = {line.split(",")[0] for line in csv.text.splitlines()[1:]}
        assert keys == rana.world.visible_keys("viewer")
        geojson = json.loads(client.get(f"{rana.base}/export.geojson").content)
        assert {f["properties"]["id"] for f in geojson["features"]} == rana.world.visible_keys("viewer")
        xlsx = client.get(f"{rana.base}/export.xlsx")
        rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
        assert {r[0] for r in rows[1:]} == rana.world.visible_keys("viewer")
        for body in (csv.text, json.dumps(geojson), repr(rows)):
            assert not [m for m in hidden if m in body]
        assert client.get(f"{rana.base}/export.pdf").status_code == 422  # not a format we write
