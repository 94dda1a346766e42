"""Export → import round trips in every format: the same flows come back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sidestream.domain.visibility import Role, Viewer
from sidestream.knowledge.regions import demo_region_path
from sidestream.services.exports import export_flows, flows_frame
from sidestream.services.imports import import_flow_table
from sidestream.store.models import Organisation, Region


def _everyone(session: Session, region: Region) -> Viewer:
    """An admin who belongs to every organisation: sees even private flows."""
    org_ids = frozenset(session.scalars(select(Organisation.id).where(Organisation.region_id == region.id)))
    return Viewer(user_id=None, role=Role.ADMIN, organisation_ids=org_ids)


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["row"]).sort_values("id").reset_index(drop=True)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_export_import_round_trip(
    session: Session, make_region: Callable[..., Region], tmp_path: Path, fmt: str
) -> None:
    source = make_region("helgeland")
    import_flow_table(session, source, demo_region_path("helgeland"))
    exported = export_flows(session, source, _everyone(session, source), tmp_path / f"flows.{fmt}")
    assert exported.flows == 214

    # into a new region: everything is created again, identically
    copy = make_region("copy")
    report = import_flow_table(session, copy, exported.path)
    assert report.ok and (report.created, report.skipped) == (214, 0), report.problems[:3]
    pd.testing.assert_frame_equal(
        _comparable(flows_frame(session, copy, _everyone(session, copy))),
        _comparable(flows_frame(session, source, _everyone(session, source))),
    )
    # into the region it came from: nothing changes
    again = import_flow_table(session, source, exported.path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 214)
    assert (again.organisations_updated, again.sites_updated) == (0, 0)
