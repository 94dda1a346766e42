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


METRIC_KEYS = ["diverted_t_per_yr", "virgin_material_saved_t_per_yr", "water_saved_m3_per_yr",
               "hazardous_avoided_t_per_yr", "energy_delivered_mwh_per_yr"]  # fmt: skip


def _view_as(demo: Demo, email: str, scenario_id: int) -> dict:  # type: ignore[type-arg]
    """The service's cut of a scenario for one account (what the page must agree with)."""
    from sqlalchemy import select

    from sidestream.store.models import User

    engine = make_engine(demo.url)
    try:
        with session_factory(engine)() as session:
            region = regions.get_region(session, REGION)
            user = session.scalar(select(User).where(User.email == email))
            viewer = viewer_of(session, user, region)
            return scenarios.get_scenario(session, region, viewer, scenario_id, secret=SECRET)
    finally:
        engine.dispose()


@pytest.mark.parametrize("who", ["viewer", "member", "facilitator"])
def test_network_page_shows_the_is_metric_set(new_client: ApiClient, demo: Demo, ran: dict, who: str) -> None:  # type: ignore[type-arg]
    email = getattr(demo, who)
    login(new_client, email)
    twin = new_client.get(f"{BASE}/network.json", params={"scenario": ran["id"], "lang": "en"}).json()
    expected = _view_as(demo, email, ran["id"])["result"]
    assert [m["key"] for m in twin["metrics"]] == METRIC_KEYS
    full = [link for link in expected["links"] if not link["anonymised"]]
    assert full  # precondition: every account sees some links in full
    for metric in twin["metrics"]:
        # the page's totals are the cut result's, and those are over links seen in full
        assert metric["value"] == pytest.approx(expected[metric["key"]])
        assert metric["value"] == pytest.approx(sum(link[metric["key"]] for link in full))
    assert twin["metrics_partial"] == expected["partial"]
    assert any(m["value"] > 0 for m in twin["metrics"])  # precondition: the network achieves something
    page = new_client.get(f"{BASE}/network", params={"scenario": ran["id"], "lang": "en"})
    assert 'id="network-metrics"' in page.text
    for metric in twin["metrics"]:
        assert metric["label"] in page.text and metric["text"] in page.text
        assert metric["text"].endswith(("t/yr", "m³/yr", "MWh/yr"))  # units explicit
    nb = new_client.get(f"{BASE}/network", params={"scenario": ran["id"], "lang": "nb"}).text
    assert "Energi levert" in nb and "MWh/år" in nb


def test_partial_totals_leave_out_links_with_a_hidden_side(demo: Demo, ran: dict) -> None:  # type: ignore[type-arg]
    """The viewer may see less than the facilitator: their totals lack exactly the
    links they see anonymised, which carry no metric of their own."""
    mine = _view_as(demo, demo.viewer, ran["id"])["result"]
    hidden = [link for link in mine["links"] if link["anonymised"]]
    for link in hidden:
        assert all(link[key] is None for key in METRIC_KEYS)
    full = {link["link_id"]: link for link in mine["links"] if not link["anonymised"]}
    for key in METRIC_KEYS:
        assert mine[key] == pytest.approx(sum(link[key] for link in full.values()))
