"""The Network page: a scenario's chosen links and the comparison, cut to the viewer."""

from __future__ import annotations

import re

import pytest

from sidestream.services import regions, scenarios
from sidestream.store.db import make_engine, session_factory
from tests.api.client import ApiClient
from tests.dbfixtures import viewer_of
from tests.web.conftest import REGION, SECRET, Demo
from tests.web.test_pages import login

BASE = f"/regions/{REGION}"


@pytest.fixture(scope="module")
def ran(demo: Demo) -> dict:  # type: ignore[type-arg]
    """A baseline scenario of the demo region, run by its facilitator."""
    from sqlalchemy import select

    from sidestream.store.models import User

    engine = make_engine(demo.url)
    try:
        with session_factory(engine)() as session:
            region = regions.get_region(session, REGION)
            user = session.scalar(select(User).where(User.email == demo.facilitator))
            viewer = viewer_of(session, user, region)
            created = scenarios.create_scenario(
                session, region, viewer, "web baseline", {"description": "as it is"}
            )
            scenarios.run_saved(session, region, viewer, created.id)
            return scenarios.get_scenario(session, region, viewer, created.id, secret=SECRET)
    finally:
        engine.dispose()


def test_network_page_for_each_caller(new_client: ApiClient, demo: Demo, ran: dict) -> None:  # type: ignore[type-arg]
    anonymous = new_client.get(f"{BASE}/network")
    assert anonymous.status_code == 200
    assert "Log in to see them" in anonymous.text and "web baseline" not in anonymous.text
    assert f'href="{BASE}/network"' in anonymous.text  # the nav link

    login(new_client, demo.viewer)
    page = new_client.get(f"{BASE}/network")
    assert page.status_code == 200 and "web baseline" in page.text
    assert 'id="scenario-comparison"' in page.text and 'id="overview-data"' in page.text
    private = [f for f in demo.flows if f["visibility"] in ("private", "facilitator")]
    for flow in private:
        assert not re.search(rf"(?<![\w-]){re.escape(flow['key'])}(?![\w-])", page.text), flow["key"]
    twin = new_client.get(f"{BASE}/network.json").json()
    assert twin["can_read"] and twin["scenarios"][0]["name"] == "web baseline"
    shown = sum(1 for link in twin["links"] if not link["anonymised"])
    assert len(twin["lines"]) == shown  # only links seen in full are drawn
    quantities = [link["quantity"] for link in twin["links"] if link["quantity"]]
    assert quantities and all(q.endswith("/yr") for q in quantities)  # every amount has its annual unit
