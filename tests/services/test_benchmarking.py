"""Benchmarking from the store: counted as the viewer may see, and the workshops hook."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.dbfixtures import viewer_of

from sidestream.domain.visibility import ANONYMOUS
from sidestream.facilitation.benchmarking import WorkshopStats
from sidestream.services import benchmarking, cases
from sidestream.store.models import Region

Make = Callable[..., Any]


@pytest.fixture
def region(session: Session, make_region: Make, make_organisation: Make, make_flow: Make) -> Region:
    r: Region = make_region("rana")
    a, b = make_organisation(r, "A"), make_organisation(r, "B")
    make_flow(a, visibility="public", resource="surplus heat 90 °C", temperature_c=90)
    make_flow(a, visibility="private", resource="surplus heat 70 °C", temperature_c=70)
    make_flow(
        b, visibility="network", direction="demand", resource="district heating 80 °C", temperature_c=80
    )
    return r


def values(session: Session, region: Region, viewer: Any) -> dict[str, float | None]:
    return {i.id: i.value for i in benchmarking.region_indicators(session, region, viewer, secret="s")}


def test_counts_follow_visibility(session: Session, region: Region, make_user: Make) -> None:
    facilitator = viewer_of(session, make_user("facilitator", region), region)
    # anonymous: the public supply only; facilitator: public supply and network demand (never private)
    anon, fac = values(session, region, ANONYMOUS), values(session, region, facilitator)
    assert (anon["flows"], anon["actors"]) == (1, 1)
    assert (fac["flows"], fac["actors"]) == (2, 2)
    assert fac["supply_matched_share"] == 100.0  # the 90 °C supply reaches the 80 °C demand
    # the match page shows anonymous visitors this match with its hidden side as a stub
    # ("a demand within 5 km"), so the public supply counts as matched for them too
    assert anon["supply_matched_share"] == 100.0


@pytest.fixture
def workshops_module() -> Iterator[types.ModuleType]:
    """Stands in for the workshops module's hook until that module exists."""
    module = types.ModuleType("sidestream.services.workshops")
    module.benchmark_stats = lambda session, region: WorkshopStats(held=1, ideas=4)  # type: ignore[attr-defined]
    saved = sys.modules.get(module.__name__)
    sys.modules[module.__name__] = module
    try:
        yield module
    finally:
        if saved is None:
            del sys.modules[module.__name__]
        else:
            sys.modules[module.__name__] = saved


def test_workshop_hook(
    session: Session, region: Region, make_user: Make, workshops_module: types.ModuleType
) -> None:
    facilitator = viewer_of(session, make_user("facilitator", region), region)
    cases.create_case(session, region, facilitator, title="From the workshop", origin="workshop:1")
    got = values(session, region, facilitator)
    assert got["workshops.held"] == 1 and got["workshops.ideas"] == 4
    assert got["workshops.conversion"] == 25.0  # 1 case from 4 ideas
