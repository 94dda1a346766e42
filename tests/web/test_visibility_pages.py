"""No new page or fragment shows a flow to somebody who may not see it (SQLite and
PostgreSQL): every page the web app added for organisations, imports and exports,
matches, synergies, jobs and accounts, visited as each role of the confidential
world, in both languages, with and without htmx."""

from __future__ import annotations

import re

import pytest

from tests.api.client import ApiClient
from tests.web.conftest import Rana
from tests.web.test_imports import wait_for_job
from tests.web.visibility import world_leaks


def new_pages(rana: Rana, client: ApiClient) -> list[str]:
    base, w = rana.base, rana.world
    pages = [
        f"{base}/organisations", f"{base}/organisations?q=AS&sort=-name", f"{base}/organisations/{w.org_a}",
        f"{base}/organisations/{w.org_b}", f"{base}/synergies", f"{base}/matches",
        f"{base}/classify?resource=overskuddsvarme+90", f"{base}/units?category=heat",
        f"{base}/export.csv", f"{base}/export.geojson", "/account", "/account/tokens",
    ]  # fmt: skip
    pages += [f"{base}/flows/{pk}/matches" for pk in (*w.flow_ids.values(), w.b_supply, w.b_demand)]
    pages += [f"{base}/flows/{pk}/edit" for pk in (*w.flow_ids.values(), w.b_supply)]
    pages += [f"{base}/synergies/{pk}" for pk in w.synergies.values()]
    listing = client.get(f"{base}/matches").text
    pages += [f"{base}/matches/{ref}" for ref in set(re.findall(r"/matches/([0-9a-f]{32})", listing))]
    pages += [f"{base}/organisations/{w.org_a}/sites/new", f"{base}/organisations/{w.org_a}/flows/new"]
    pages += [f"{base}/import", f"{base}/users", f"{base}/audit", f"{base}/audit?entity=flow"]
    return pages


@pytest.mark.parametrize("role", ["anonymous", "viewer", "member_other", "facilitator"])
def test_no_new_page_shows_a_hidden_flow(rana: Rana, role: str) -> None:
    with rana.login(role) as (client, csrf):
        pages = new_pages(rana, client)
        if csrf:  # a matching job's page, as its creator sees it
            started = client.post(f"{rana.base}/matching", data={"csrf_token": csrf})
            wait_for_job(client, started.headers["location"])
            pages.append(started.headers["location"])
        seen = 0
        for lang in ("en", "nb"):
            for path in pages:
                for headers in ({}, {"HX-Request": "true"}):
                    response = client.get(path, params={"lang": lang}, headers=headers)
                    assert response.status_code in (200, 303, 403, 404, 422), (path, response.status_code)
                    seen += response.status_code == 200
                    body = response.content.decode("utf-8", errors="replace")
                    assert not world_leaks(rana.world, role, body), (
                        role,
                        path,
                        world_leaks(rana.world, role, body),
                    )
        assert seen > len(pages)  # most pages answered, so the check looked at real content
