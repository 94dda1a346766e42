"""Regional benchmarking: indicators computed from a region's data, never typed in.

Pure functions over tables (pandas), so they run in a notebook on exported data as
well as in the service, which builds the tables from what a viewer may see. Each
indicator has an id, a unit and a definition; :func:`indicators` returns one row per
indicator for one region, :func:`compare` puts several regions side by side.

Tables (columns):

``flows``: ``organisation_id``, ``direction`` (supply/demand), ``category``
    (may be empty), ``matched`` (bool: a supply with at least one match or synergy).
``synergies``: ``status``.
``cases``: ``id``, ``stage``, ``origin``.
``barriers``: ``case_id``, ``barrier``, ``resolved``.
``figures``: ``case_id``, ``kind``, ``metric``, ``year``, ``canonical_value``.
``workshops`` (optional, from the workshops module): ``held`` (int), ``ideas`` (int).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from sidestream.facilitation.benefits import Metric
from sidestream.facilitation.cases import BOARD_COLUMNS, Barrier, CaseStage
from sidestream.i18n import N_

STALLED_STAGES = frozenset({CaseStage.IDEA, CaseStage.EXPLORED, CaseStage.FEASIBILITY, CaseStage.AGREEMENT})


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    label: str  # msgid (with {param} placeholders filled by ``params``)
    value: float | None
    unit: str
    group: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class WorkshopStats:
    """What the workshops module reports for a region (the benchmarking hook)."""

    held: int
    ideas: int


COLUMNS: dict[str, list[str]] = {
    "flows": ["organisation_id", "direction", "category", "matched"],
    "synergies": ["status"],
    "cases": ["id", "stage", "origin"],
    "barriers": ["case_id", "barrier", "resolved"],
    "figures": ["case_id", "kind", "metric", "year", "canonical_value"],
}


def empty_tables() -> dict[str, pd.DataFrame]:
    """The input tables with their columns and no rows."""
    return {name: pd.DataFrame(columns=columns) for name, columns in COLUMNS.items()}


def _count(frame: pd.DataFrame, column: str) -> dict[str, int]:
    if frame.empty:
        return {}
    values = frame[column].fillna("(none)").astype(str)
    return {str(k): int(v) for k, v in values.value_counts().sort_index().items()}


def _latest_realised(figures: pd.DataFrame, metric: Metric) -> float:
    """Sum over running cases of each case's latest reported year of ``metric``."""
    if figures.empty:
        return 0.0
    rows = figures[(figures["kind"] == "realised") & (figures["metric"] == metric.value)]
    rows = rows[rows["year"].notna()]
    if rows.empty:
        return 0.0
    latest = rows.sort_values("year").groupby("case_id").tail(1)
    return float(latest["canonical_value"].sum())


def indicators(
    flows: pd.DataFrame,
    synergies: pd.DataFrame,
    cases: pd.DataFrame,
    barriers: pd.DataFrame,
    figures: pd.DataFrame,
    workshops: WorkshopStats | None = None,
) -> list[Indicator]:
    """Every indicator of one region.

    >>> t = empty_tables()
    >>> rows = indicators(t["flows"], t["synergies"], t["cases"], t["barriers"], t["figures"])
    >>> [(i.id, i.value) for i in rows if i.id in ("actors", "supply_matched_share")]
    [('actors', 0.0), ('supply_matched_share', None)]
    """
    out: list[Indicator] = []
    out.append(
        Indicator("actors", N_("Actors mapped"), float(flows["organisation_id"].nunique()), "", "mapping")
    )
    out.append(Indicator("flows", N_("Flows mapped"), float(len(flows)), "", "mapping"))
    for category, n in _count(flows, "category").items():
        out.append(
            Indicator(
                f"flows.{category}",
                N_("Flows mapped: {category}"),
                float(n),
                "",
                "mapping",
                (("category", category),),
            )
        )
    supplies = flows[flows["direction"] == "supply"]
    share = float(supplies["matched"].astype(bool).mean()) * 100 if len(supplies) else None
    out.append(Indicator("supply_matched_share", N_("Share of supply flows matched"), share, "%", "mapping"))
    for status, n in _count(synergies, "status").items():
        out.append(
            Indicator(
                f"synergies.{status}",
                N_("Synergies: {status}"),
                float(n),
                "",
                "synergies",
                (("status", status),),
            )
        )
    stages = _count(cases, "stage")
    for stage in BOARD_COLUMNS:
        out.append(
            Indicator(
                f"cases.{stage.value}",
                N_("Cases: {stage}"),
                float(stages.get(stage.value, 0)),
                "",
                "cases",
                (("stage", stage.value),),
            )
        )
    for metric, unit in (
        (Metric.MATERIAL_EXCHANGED, "t/yr"),
        (Metric.ENERGY_EXCHANGED, "MWh/yr"),
        (Metric.WATER_EXCHANGED, "m3/yr"),
        (Metric.CO2E_AVOIDED, "t CO2e/yr"),
        (Metric.LANDFILL_DIVERTED, "t/yr"),
    ):
        out.append(
            Indicator(
                f"realised.{metric.value}",
                metric.spec.label,
                _latest_realised(figures, metric),
                unit,
                "realised",
            )
        )
    stalled = _stalled(cases, barriers)
    for barrier in Barrier:
        out.append(
            Indicator(
                f"stalled.{barrier.value}",
                N_("Cases held back by: {barrier}"),
                float(stalled.get(barrier.value, 0)),
                "",
                "barriers",
                (("barrier", barrier.value),),
            )
        )
    from_workshops = (
        int(cases["origin"].fillna("").astype(str).str.startswith("workshop").sum()) if len(cases) else 0
    )
    if workshops is not None:
        out.append(Indicator("workshops.held", N_("Workshops held"), float(workshops.held), "", "workshops"))
        out.append(
            Indicator("workshops.ideas", N_("Workshop ideas"), float(workshops.ideas), "", "workshops")
        )
        conversion = from_workshops / workshops.ideas * 100 if workshops.ideas else None
        out.append(
            Indicator(
                "workshops.conversion", N_("Workshop ideas that became cases"), conversion, "%", "workshops"
            )
        )
    out.append(
        Indicator("cases.from_workshops", N_("Cases from workshops"), float(from_workshops), "", "workshops")
    )
    return out


def _stalled(cases: pd.DataFrame, barriers: pd.DataFrame) -> dict[str, int]:
    """Cases not yet running (or paused) with an open barrier, counted per barrier."""
    if cases.empty or barriers.empty:
        return {}
    waiting = {CaseStage.PAUSED.value, *(s.value for s in STALLED_STAGES)}
    open_ids = set(cases.loc[cases["stage"].isin(waiting), "id"])
    rows = barriers[(~barriers["resolved"].astype(bool)) & barriers["case_id"].isin(open_ids)]
    return {str(k): int(v) for k, v in rows.groupby("barrier")["case_id"].nunique().items()}


def compare(per_region: Mapping[str, Sequence[Indicator]]) -> pd.DataFrame:
    """Regions side by side: one row per indicator id, one column per region, plus
    the unit and group; an indicator missing in a region is NaN there.

    >>> table = compare({"a": [Indicator("flows", "Flows", 3.0, "", "mapping")],
    ...                  "b": [Indicator("flows", "Flows", 5.0, "", "mapping")]})
    >>> table.loc["flows", ["a", "b"]].tolist()
    [3.0, 5.0]
    """
    meta: dict[str, tuple[str, str, str]] = {}
    values: dict[str, dict[str, float | None]] = {}
    for region, rows in per_region.items():
        values[region] = {}
        for row in rows:
            meta.setdefault(row.id, (row.label, row.unit, row.group))
            values[region][row.id] = row.value
    index = list(meta)
    table = pd.DataFrame(index=index)
    table.index.name = "indicator"
    table["group"] = [meta[i][2] for i in index]
    table["unit"] = [meta[i][1] for i in index]
    for region, row_values in values.items():
        table[region] = [row_values.get(i) for i in index]
        table[region] = table[region].astype(float)
    return table
