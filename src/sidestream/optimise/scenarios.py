"""Scenarios: named changes to the evaluation's parameters and to the region's flows,
re-evaluated and re-optimised, then compared side by side.

A scenario is data (saved by the store as JSON): parameter *factors* ("electricity
price × 2"), parameter *overrides* in the evaluation's override format (``{key:
{value, unit}}``), *extra flows* (flow-table rows: "a new plant arrives") and the
optimiser's choices. :func:`run_scenario` goes flows → matches → candidate links →
trunks → network; :func:`compare` lines results up against the first (the baseline).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from sidestream.errors import InvalidDataError
from sidestream.evaluation.links import link_table
from sidestream.evaluation.parameters import Parameters
from sidestream.i18n import N_
from sidestream.io.flow_table import validate_raw
from sidestream.io.raw import Cell, RawTable
from sidestream.matching import MatchParams, match
from sidestream.optimise.metrics import METRIC_TOTALS
from sidestream.optimise.network import NetworkResult, OptimiseParams, optimise
from sidestream.optimise.trunks import trunk_groups


class ScenarioSpec(BaseModel):
    """What a scenario changes. Empty means the region as it is (the baseline)."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    factors: dict[str, float] = Field(default_factory=dict, description="parameter key → multiplier")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="evaluation overrides {key: {value, unit}}"
    )
    extra_flows: list[dict[str, Any]] = Field(default_factory=list, description="flow-table rows to add")
    optimise: OptimiseParams = Field(default_factory=OptimiseParams)
    top_k: int = Field(5, ge=1, le=50, description="candidate demands per supply")


# Ready-made scenarios a facilitator can start from (factors are assumptions to edit).
PRESETS: dict[str, ScenarioSpec] = {
    "baseline": ScenarioSpec(description="the region as it is"),
    "energy-scarcity": ScenarioSpec(
        description="energy scarcity: electricity price ×2, heat and gas prices ×1.5",
        factors={"price.electricity": 2.0, "price.heat": 1.5, "price.natural_gas": 1.5},
    ),
    "landfill-tax-up": ScenarioSpec(
        description="landfill tax and gate fee up by half",
        factors={"tax.landfill": 1.5, "gate_fee.landfill": 1.5},
    ),
}


# The steps of :func:`run_scenario`, in order.
STAGES = ("matching", "evaluating", "optimising")


def apply_parameters(params: Parameters, spec: ScenarioSpec) -> Parameters:
    """The scenario's parameters: overrides first, then factors on the result.

    >>> from sidestream.evaluation.parameters import default_parameters
    >>> base = default_parameters()
    >>> p = apply_parameters(base, ScenarioSpec(factors={"price.electricity": 2.0}))
    >>> round(p["price.electricity"] / base["price.electricity"], 6), p.origin("price.electricity")
    (2.0, 'scenario')
    """
    params = params.with_overrides(spec.overrides, "scenario")
    for key, factor in sorted(spec.factors.items()):
        if key not in set(params.keys()):
            raise InvalidDataError(N_("scenario factor for unknown parameter {key}"), key=key)
        if factor < 0:
            raise InvalidDataError(N_("scenario factor for {key} must not be negative"), key=key)
        params = params.with_value(key, params[key] * factor, "scenario")
    return params


def scenario_flows(flows: pd.DataFrame, spec: ScenarioSpec) -> pd.DataFrame:
    """The region's flows plus the scenario's extra flows, validated like an import."""
    if not spec.extra_flows:
        return flows
    header = sorted({str(k) for row in spec.extra_flows for k in row})
    rows: list[list[Cell]] = [
        ["" if row.get(h) is None else str(row.get(h)) for h in header] for row in spec.extra_flows
    ]
    raw = RawTable(header=header, rows=rows, line_numbers=list(range(2, len(rows) + 2)), format="json")
    table = validate_raw(raw, source="scenario")
    if not table.ok:
        first = table.errors[0]
        raise InvalidDataError(
            f"scenario flow {(first.row or 2) - 1}: {first.column or ''} {first.message}".strip()
        )
    extra = table.frame.copy()
    extra["id"] = [
        f"scenario-{i}" if str(v) in {"", "nan", "None"} else str(v) for i, v in enumerate(extra["id"])
    ]
    clash = set(extra["id"]) & set(flows["id"].astype(str))
    if clash:
        raise InvalidDataError(
            N_("scenario flow id {clash} is already a flow of the region"), clash=sorted(clash)[0]
        )
    return pd.concat([flows, extra[[c for c in extra.columns if c in flows.columns]]], ignore_index=True)


def run_scenario(
    flows: pd.DataFrame,
    params: Parameters,
    spec: ScenarioSpec,
    *,
    stage: Callable[[str], None] | None = None,
    progress: Callable[[float], None] | None = None,
) -> NetworkResult:
    """Re-evaluate and re-optimise the region under the scenario.

    ``stage`` is told each step as it starts (one of :data:`STAGES`); ``progress`` is
    :func:`~sidestream.optimise.network.optimise`'s share of the solve done."""
    tell = stage or (lambda _: None)
    tell("matching")
    frame = scenario_flows(flows, spec)
    matches = match(frame, MatchParams(top_k=spec.top_k))
    tell("evaluating")
    links = link_table(matches, frame, apply_parameters(params, spec))
    groups = trunk_groups(links, frame[["id", "lat", "lon"]]) if spec.optimise.trunks else None
    tell("optimising")
    return optimise(links, spec.optimise, groups, progress=progress)


def compare(results: Sequence[tuple[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """Side-by-side rows for result documents (``NetworkResult.to_json()``), the first
    being the baseline: totals with units in their names (the metric set of
    ``METRIC_TOTALS`` too, None when a document lacks it), and which links each adds
    or drops against the baseline.

    >>> a = {"objective_value": 2.0, "net_benefit_eur_per_yr": 2.0, "co2e_t_per_yr": 1.0,
    ...      "capex_eur": 5.0, "links": [{"link_id": "x"}, {"link_id": "y"}]}
    >>> b = {**a, "links": [{"link_id": "y"}, {"link_id": "z"}]}
    >>> [(r["added"], r["removed"]) for r in compare([("base", a), ("new", b)])]
    [([], []), (['z'], ['x'])]
    """
    if not results:
        return []
    base = {str(link["link_id"]) for link in results[0][1].get("links", [])}
    rows = []
    for name, doc in results:
        chosen = {str(link["link_id"]) for link in doc.get("links", [])}
        rows.append({
            "name": name,
            "objective_value": doc.get("objective_value"),
            "net_benefit_eur_per_yr": doc.get("net_benefit_eur_per_yr"),
            "co2e_t_per_yr": doc.get("co2e_t_per_yr"),
            "capex_eur": doc.get("capex_eur"),
            **{name: doc.get(name) for name in METRIC_TOTALS},
            "n_links": len(chosen),
            "added": sorted(chosen - base),
            "removed": sorted(base - chosen),
        })  # fmt: skip
    return rows
