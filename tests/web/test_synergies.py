"""Matches and synergies in process (SQLite and PostgreSQL): one flow's matches, a
match page, "save as synergy", the synergy page's status and comments (with a
stale-version 409), the list — and what a viewer may not see."""

from __future__ import annotations

import re

from sqlalchemy import select

from sidestream.store.models import Synergy, SynergyComment
from tests.web.conftest import Rana
from tests.web.test_imports import wait_for_job


def refs(html: str) -> list[str]:
    return re.findall(r'name="ref" value="([0-9a-f]+)"', html)


def test_one_flows_matches_and_a_match_page(rana: Rana) -> None:
    supply = rana.world.b_supply
    with rana.login("facilitator") as (client, _):
        page = client.get(f"{rana.base}/flows/{supply}/matches")
        assert page.status_code == 200 and "B-supply" in page.text
        found = refs(page.text)
        assert found  # B's public 95 °C heat has demands nearby
        filtered = client.get(f"{rana.base}/flows/{supply}/matches", params={"min_score": 1.0})
        assert "0 matches" in filtered.text
        match = client.get(f"{rana.base}/matches/{found[0]}")
        assert match.status_code == 200 and "Why this match" in match.text and "<meter" in match.text
        assert client.get(f"{rana.base}/matches/{'0' * 32}").status_code == 404


def test_save_as_synergy_then_status_and_comments(rana: Rana) -> None:
    with rana.login("member_other") as (client, csrf):
        page = client.get(f"{rana.base}/flows/{rana.world.b_supply}/matches")
        ref = refs(page.text)[0]
        ids = re.search(rf'name="ref" value="{ref}">\s*(.*?)</form>', page.text, re.S)
        assert ids
        fields = dict(re.findall(r'name="(\w+_flow_id)" value="(\d+)"', ids.group(1)))
        saved = client.post(f"{rana.base}/synergies", data={"csrf_token": csrf, "ref": ref, **fields})
        assert saved.status_code == 303, saved.text
        url = saved.headers["location"]
        synergy_id = int(url.rsplit("/", 1)[1])
        html = client.get(url).text
        assert 'data-status="proposed"' in html
        version = int(re.search(r'name="version" value="(\d+)"', html).group(1))  # type: ignore[union-attr]
        moved = client.post(
            f"{url}/status", data={"csrf_token": csrf, "status": "contacted", "version": version}
        )
        assert moved.status_code == 200 and 'data-status="contacted"' in moved.text
        stale = client.post(
            f"{url}/status", data={"csrf_token": csrf, "status": "agreed", "version": version}
        )
        assert stale.status_code == 409 and "Someone changed this synergy" in stale.text
        assert 'data-status="contacted"' in stale.text
        commented = client.post(f"{url}/comments", data={"csrf_token": csrf, "text": "Ring Kari i neste uke"})
        assert commented.status_code == 200 and "Ring Kari i neste uke" in commented.text
        empty = client.post(f"{url}/comments", data={"csrf_token": csrf, "text": "   "})
        assert empty.status_code == 422
        assert client.post(f"{url}/comments", data={"text": "forged"}).status_code == 403
        again = client.post(f"{rana.base}/synergies", data={"csrf_token": csrf, "ref": ref, **fields})
        assert again.status_code == 200 and "already saved" in again.text
        listing = client.get(f"{rana.base}/synergies")
        assert f"/synergies/{synergy_id}" in listing.text
        only_agreed = client.get(f"{rana.base}/synergies", params={"status": "agreed"})
        assert f"/synergies/{synergy_id}" not in only_agreed.text
    rana.session.expire_all()
    synergy = rana.session.get(Synergy, synergy_id)
    assert synergy is not None and synergy.status == "contacted"
    texts = rana.session.scalars(
        select(SynergyComment.text).where(SynergyComment.synergy_id == synergy_id)
    ).all()
    assert texts == ["Ring Kari i neste uke"]


def test_viewer_cannot_save_or_see_hidden_synergies(rana: Rana) -> None:
    hidden = rana.world.hidden_markers("viewer")
    private_pair = rana.world.synergies["private x private"]
    with rana.login("viewer") as (client, csrf):
        listing = client.get(f"{rana.base}/synergies")
        assert listing.status_code == 200
        assert f'/synergies/{private_pair}"' not in listing.text
        assert client.get(f"{rana.base}/synergies/{private_pair}").status_code == 404
        for label, synergy_id in rana.world.synergies.items():
            response = client.get(f"{rana.base}/synergies/{synergy_id}")
            if response.status_code == 200:
                assert not [m for m in hidden if m in response.text], label
        refused = client.post(f"{rana.base}/synergies", data={"csrf_token": csrf,
                              "supply_flow_id": rana.world.b_supply, "demand_flow_id": rana.world.b_demand})  # fmt: skip
        assert refused.status_code == 403
    with rana.login("anonymous") as (client, _):
        assert client.get(f"{rana.base}/synergies").status_code == 303  # to the login page


def test_run_matching_as_a_background_job(rana: Rana) -> None:
    with rana.login("viewer") as (client, csrf):
        started = client.post(
            f"{rana.base}/matching", data={"csrf_token": csrf}, headers={"HX-Request": "true"}
        )
        assert started.status_code == 200 and 'class="job' in started.text and "<html" not in started.text
        job_id = re.search(r'id="job-(\d+)"', started.text).group(1)  # type: ignore[union-attr]
        done = wait_for_job(client, f"/jobs/{job_id}")
        assert 'data-status="done"' in done and f'href="{rana.base}/matches"' in done
        polled = client.get(f"/jobs/{job_id}", headers={"HX-Request": "true"})
        assert polled.headers.get("hx-redirect") == f"{rana.base}/matches"
        plain = client.post(f"{rana.base}/matching", data={"csrf_token": csrf})
        assert plain.status_code == 303 and plain.headers["location"].startswith("/jobs/")
        assert client.post(f"{rana.base}/matching", data={"csrf_token": "x"}).status_code == 403
    with rana.login("facilitator") as (client, _):
        assert client.get(f"/jobs/{job_id}").status_code == 404  # not theirs
