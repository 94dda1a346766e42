"""A synergy's evaluation page: figures, tornado chart, parameters — and bands only
for a viewer who may not see one side."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sidestream.config import Settings
from sidestream.web.app import create_web_app
from tests.api.client import ApiClient
from tests.api.world import SECRET, World, build_world

BASE = "/regions/rana/synergies"


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


@pytest.fixture
def web(migrated_url: str, migrated_engine: Engine) -> Iterator[ApiClient]:
    settings = Settings(database_url=migrated_url, environment="test", secret_key=SECRET)
    with ApiClient(create_web_app(settings, engine=migrated_engine)) as c:
        yield c


def test_full_evaluation_with_tornado(web: ApiClient, world: World) -> None:
    sid = world.synergies["public-supply x B-demand"]
    page = web.get(f"{BASE}/{sid}/evaluation", params={"lang": "en"}, token=world.tokens["facilitator"])
    assert page.status_code == 200
    assert 'class="tornado"' in page.text and "<rect" in page.text
    assert "Net present value" in page.text and "finance.discount_rate" in page.text
    data = web.get(f"{BASE}/{sid}/evaluation.json", token=world.tokens["facilitator"]).json()
    assert data["anonymised"] is None and data["bars"]
    # bars are scaled to the largest swing: one end reaches ±100 %
    assert max(max(abs(b["low_pct"]), abs(b["high_pct"])) for b in data["bars"]) == pytest.approx(100.0)
    nb = web.get(f"{BASE}/{sid}/evaluation", params={"lang": "nb"}, token=world.tokens["facilitator"])
    assert "Nåverdi" in nb.text


def test_hidden_side_shows_bands_only(web: ApiClient, world: World) -> None:
    sid = world.synergies["facilitator-supply x B-demand"]
    page = web.get(f"{BASE}/{sid}/evaluation", params={"lang": "en"}, token=world.tokens["member_other"])
    assert page.status_code == 200
    assert 'class="tornado"' not in page.text and "between" in page.text
    for leak in ("13000", "13 000", "13,000", "A-facilitator", "NOTE-facilitator"):
        assert leak not in page.text
    hidden = world.synergies["private x private"]
    assert web.get(f"{BASE}/{hidden}/evaluation", token=world.tokens["member_other"]).status_code == 404
