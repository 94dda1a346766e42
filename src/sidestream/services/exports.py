"""Exporting a region's flows as a flow table (CSV, XLSX or GeoJSON).

An export contains what the viewer may see and nothing else, so that handing a file
to a partner never carries confidential rows. The file is written by
:func:`sidestream.io.write_flow_table`, the same writer as everywhere else, and reads
back with the importer to the same flows (the ``source`` column included).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from sidestream.domain.visibility import Viewer
from sidestream.io import write_flow_table
from sidestream.io.flow_table import COLUMNS, DERIVED
from sidestream.services.flows import FLOW_SORTS, entered_flow_fields, visible_flows
from sidestream.store.models import Flow, Region

FORMATS = ("csv", "xlsx", "geojson")
EXTRAS = ["source"]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    flows: int


def flow_record(flow: Flow, row: int) -> dict[str, Any]:
    """One stored flow as a validated flow-table record (what the reader produces)."""
    site, organisation = flow.site, flow.organisation
    return {
        "id": flow.key,
        "actor": organisation.name,
        "actor_type": organisation.actor_type,
        "nace": site.nace or organisation.nace,
        "site": site.name,
        "lat": site.lat,
        "lon": site.lon,
        **entered_flow_fields(flow),
        "hazardous": flow.hazardous,
        "months_mask": flow.months_mask,
        "annual_quantity": flow.annual_quantity,
        "annual_unit": flow.annual_unit,
        "row": row,
    }


def flows_frame(session: Session, region: Region, viewer: Viewer) -> pd.DataFrame:
    """The region's flows visible to ``viewer`` as a flow-table frame, in key order."""
    statement = visible_flows(region, viewer).order_by(FLOW_SORTS["key"], Flow.id)
    flows = session.scalars(statement).unique().all()
    records = [flow_record(flow, row) for row, flow in enumerate(flows, start=2)]
    return pd.DataFrame.from_records(records, columns=COLUMNS + DERIVED + EXTRAS)


def export_flows(
    session: Session, region: Region, viewer: Viewer, path: str | Path, fmt: str | None = None
) -> ExportResult:
    """Write the flows ``viewer`` may see to ``path`` (format from ``fmt`` or the suffix)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "csv").lower()
    frame = flows_frame(session, region, viewer)
    write_flow_table(frame, path, fmt, extras=EXTRAS)
    return ExportResult(path=path, format=fmt, flows=len(frame))
