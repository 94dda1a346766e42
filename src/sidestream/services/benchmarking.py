"""Regional benchmarking from the data, as one viewer may see it.

The tables of :mod:`sidestream.facilitation.benchmarking` are built from what the
viewer may see — flows through the registry's visibility filter, matches through the
same cut as the match page, synergies and cases through their services — so an
indicator never counts a flow the viewer could not open. A facilitator comparing
regions therefore compares what is shared with them; private flows are never in
anyone's benchmark.

Workshops: the workshops module reports its figures through a hook, a function
``benchmark_stats(session, region) -> WorkshopStats | None`` in
``sidestream.services.workshops``. Until that module exists (or when it returns
None), the workshop indicators are left out rather than shown as zero.
"""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from sidestream.domain.visibility import Viewer
from sidestream.facilitation.benchmarking import Indicator, WorkshopStats, compare, indicators
from sidestream.facilitation.cases import Barrier, CaseStage
from sidestream.i18n import N_, Message, translate
from sidestream.matching import MatchParams
from sidestream.services.accounts import viewer_for
from sidestream.services.cases import list_cases
from sidestream.services.flows import visible_flows
from sidestream.services.matching import MatchCache, region_matches
from sidestream.services.synergies import list_synergies
from sidestream.store.models import Region, User

WorkshopHook = Callable[[Session, Region], WorkshopStats | None]


def workshop_hook() -> WorkshopHook | None:
    """The workshops module's ``benchmark_stats``, if that module is installed."""
    try:
        module = importlib.import_module("sidestream.services.workshops")
    except ImportError:
        return None
    hook = getattr(module, "benchmark_stats", None)
    return hook if callable(hook) else None


def region_tables(
    session: Session, region: Region, viewer: Viewer, *, secret: str, cache: MatchCache | None = None
) -> dict[str, pd.DataFrame]:
    """The benchmarking input tables of one region, cut to the viewer."""
    flows = list(session.scalars(visible_flows(region, viewer)))
    matched: set[str] = set()
    if flows:
        document = region_matches(session, region, viewer, MatchParams(), secret=secret, cache=cache)
        matched = {str(m["supply"]["id"]) for m in document.get("matches", []) if "id" in m.get("supply", {})}
    synergies, _ = list_synergies(session, region, viewer, limit=100_000) if viewer.role else ([], 0)
    cases = list_cases(session, region, viewer)
    return {
        "flows": pd.DataFrame(
            {
                "organisation_id": [f.organisation_id for f in flows],
                "direction": [f.direction for f in flows],
                "category": [f.category for f in flows],
                "matched": [f.direction == "supply" and f.key in matched for f in flows],
            },
            columns=["organisation_id", "direction", "category", "matched"],
        ),
        "synergies": pd.DataFrame({"status": [s.status for s in synergies]}, columns=["status"]),
        "cases": pd.DataFrame(
            {
                "id": [c.id for c in cases],
                "stage": [c.stage for c in cases],
                "origin": [c.origin for c in cases],
            },
            columns=["id", "stage", "origin"],
        ),
        "barriers": pd.DataFrame(
            [(c.id, b.barrier, b.resolved) for c in cases for b in c.barriers],
            columns=["case_id", "barrier", "resolved"],
        ),
        "figures": pd.DataFrame(
            [(c.id, f.kind, f.metric, f.year, f.canonical_value) for c in cases for f in c.figures],
            columns=["case_id", "kind", "metric", "year", "canonical_value"],
        ),
    }


def region_indicators(
    session: Session, region: Region, viewer: Viewer, *, secret: str, cache: MatchCache | None = None
) -> list[Indicator]:
    tables = region_tables(session, region, viewer, secret=secret, cache=cache)
    hook = workshop_hook()
    stats = hook(session, region) if hook is not None else None
    return indicators(
        tables["flows"], tables["synergies"], tables["cases"], tables["barriers"], tables["figures"], stats
    )


@dataclass(frozen=True)
class Comparison:
    regions: list[Region]
    table: pd.DataFrame  # index: indicator id; columns: group, unit, one per region slug
    labels: dict[str, str]  # indicator id -> label in the reader's language


def _param_label(name: str, value: str, lang: str) -> str:
    """A parameter's value in the reader's language (stage, barrier, category, status)."""
    if name == "stage":
        return translate(CaseStage(value).label, lang)
    if name == "barrier":
        return translate(Barrier(value).label, lang)
    if name == "category":
        return translate(CATEGORY_MSGIDS.get(value, value), lang)
    return translate(value, lang)


# The category names as the web pages show them (the same msgids, so one translation).
CATEGORY_MSGIDS = {"co2": "CO₂", "(none)": "unclassified"}


def label_of(indicator: Indicator, lang: str) -> str:
    params = {k: _param_label(k, v, lang) for k, v in indicator.params}
    return Message(indicator.label, params).render(lang)


def compare_regions(
    session: Session,
    regions: Sequence[Region],
    user: User | None,
    *,
    secret: str,
    lang: str = "en",
    cache: MatchCache | None = None,
    viewer_of: Callable[[Region], Viewer] | None = None,
    progress: Callable[[Region], None] | None = None,
) -> Comparison:
    """Several regions side by side, each as ``user`` may see it (or as ``viewer_of``
    says, for the operator on the command line)."""
    per_region: dict[str, list[Indicator]] = {}
    labels: dict[str, str] = {}
    for region in regions:
        viewer = viewer_of(region) if viewer_of is not None else viewer_for(session, user, region)
        if progress is not None:
            progress(region)
        rows = region_indicators(session, region, viewer, secret=secret, cache=cache)
        per_region[region.slug] = rows
        for row in rows:
            labels.setdefault(row.id, label_of(row, lang))
    return Comparison(list(regions), compare(per_region), labels)


def to_csv(comparison: Comparison) -> str:
    """One row per indicator: id, label, group, unit, then one column per region."""
    table = comparison.table.copy()
    table.insert(0, "label", [comparison.labels.get(i, i) for i in table.index])
    buffer = io.StringIO()
    table.to_csv(buffer, index_label="indicator", float_format="%.6g")
    return buffer.getvalue()


EXPORT_NOTE = N_(
    "Computed from the data each region shares with the requester; private flows are never counted."
)


def to_json(comparison: Comparison, lang: str = "en") -> dict[str, Any]:
    """The comparison as a JSON document for joint benchmarking between regions."""
    table = comparison.table
    return {
        "regions": [{"slug": r.slug, "name": r.name, "country": r.country} for r in comparison.regions],
        "indicators": [
            {
                "id": str(i),
                "label": comparison.labels.get(str(i), str(i)),
                "group": table.loc[i, "group"],
                "unit": table.loc[i, "unit"],
                "values": {
                    r.slug: (None if pd.isna(table.loc[i, r.slug]) else float(table.loc[i, r.slug]))
                    for r in comparison.regions
                },
            }
            for i in table.index
        ],
        "note": Message(EXPORT_NOTE).render(lang),
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)
