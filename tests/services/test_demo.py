"""Loading the packaged demo regions into the store."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sidestream.errors import SidestreamError
from sidestream.services.demo import load_demo
from sidestream.services.regions import get_region
from sidestream.store.models import Flow


def test_load_demo_is_idempotent(session: Session) -> None:
    first = load_demo(session, "helgeland")
    assert (first.created, first.skipped, first.ok) == (214, 0, True)
    second = load_demo(session, "helgeland")
    assert (second.created, second.updated, second.unchanged) == (0, 0, 214)
    region = get_region(session, "helgeland")
    assert (region.name, region.country) == ("Helgeland", "NO")
    assert session.scalar(select(func.count()).select_from(Flow)) == 214
    assert session.scalar(select(func.count()).where(Flow.source != "")) == 214  # every row cites a source


def test_unknown_demo_region(session: Session) -> None:
    with pytest.raises(SidestreamError, match="no demo region 'atlantis'"):
        load_demo(session, "atlantis")
