"""Figures of a case: what it is expected to achieve, and what it achieves per year.

The realised metrics are the ones industrial symbiosis programmes report: NISP (UK)
reported landfill diversion, CO2 reduction, virgin material saved, water saved,
hazardous waste eliminated, cost savings, additional sales, jobs and private
investment for every synergy it brokered (Laybourn & Morrissey 2009, *National
Industrial Symbiosis Programme: The Pathway to a Low Carbon Sustainable Economy*,
International Synergies; Laybourn & Lombardi 2012, *J. Ind. Ecol.* 16(1),
doi:10.1111/j.1530-9290.2011.00441.x). The exchanged amounts (t/yr, MWh/yr, m3/yr)
are what Sidestream's benchmarking totals.

Every figure is a pint quantity in the user's unit; it is converted to the metric's
canonical unit for totals, and a unit of the wrong dimension is refused with a hint.
Money is EUR (``EUR``, ``kEUR``, ``MEUR``): exchange rates change, so a figure in
another currency is converted by the person entering it, who says so in ``method``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

import pint

from sidestream.domain.units import parse_unit, registry
from sidestream.errors import InvalidDataError, UnitError
from sidestream.i18n import N_


class Metric(StrEnum):
    """What a figure measures (one registry for expected and realised figures)."""

    MATERIAL_EXCHANGED = "material_exchanged"
    ENERGY_EXCHANGED = "energy_exchanged"
    WATER_EXCHANGED = "water_exchanged"
    LANDFILL_DIVERTED = "landfill_diverted"
    CO2E_AVOIDED = "co2e_avoided"
    VIRGIN_MATERIALS_SAVED = "virgin_materials_saved"
    WATER_SAVED = "water_saved"
    HAZARDOUS_WASTE_AVOIDED = "hazardous_waste_avoided"
    COST_SAVINGS = "cost_savings"
    ADDITIONAL_SALES = "additional_sales"
    JOBS = "jobs"
    PRIVATE_INVESTMENT = "private_investment"

    @property
    def spec(self) -> MetricSpec:
        return METRICS[self]


@dataclass(frozen=True, slots=True)
class MetricSpec:
    label: str  # msgid
    pint_unit: str  # canonical unit as pint reads it
    unit_label: str  # canonical unit as people read it
    example: str  # a unit to suggest in error messages


METRICS: dict[Metric, MetricSpec] = {
    Metric.MATERIAL_EXCHANGED: MetricSpec(N_("Material exchanged"), "tonne_metric/year", "t/yr", "t/yr"),
    Metric.ENERGY_EXCHANGED: MetricSpec(N_("Energy exchanged"), "megawatt_hour/year", "MWh/yr", "MWh/yr"),
    Metric.WATER_EXCHANGED: MetricSpec(N_("Water exchanged"), "meter**3/year", "m3/yr", "m3/yr"),
    Metric.LANDFILL_DIVERTED: MetricSpec(N_("Diverted from landfill"), "tonne_metric/year", "t/yr", "t/yr"),
    Metric.CO2E_AVOIDED: MetricSpec(N_("CO2e avoided"), "tonne_metric/year", "t CO2e/yr", "t CO2e/yr"),
    Metric.VIRGIN_MATERIALS_SAVED: MetricSpec(
        N_("Virgin materials saved"), "tonne_metric/year", "t/yr", "t/yr"
    ),
    Metric.WATER_SAVED: MetricSpec(N_("Water saved"), "meter**3/year", "m3/yr", "m3/yr"),
    Metric.HAZARDOUS_WASTE_AVOIDED: MetricSpec(
        N_("Hazardous waste avoided"), "tonne_metric/year", "t/yr", "t/yr"
    ),
    Metric.COST_SAVINGS: MetricSpec(N_("Cost savings"), "EUR/year", "EUR/yr", "EUR/yr"),
    Metric.ADDITIONAL_SALES: MetricSpec(N_("Additional sales"), "EUR/year", "EUR/yr", "EUR/yr"),
    Metric.JOBS: MetricSpec(N_("Jobs created or kept"), "FTE", "FTE", "FTE"),
    Metric.PRIVATE_INVESTMENT: MetricSpec(N_("Private investment"), "EUR", "EUR", "EUR"),
}

# The metrics a running case reports per year (the IS programme set, in NISP's order).
REALISED_METRICS: tuple[Metric, ...] = (
    Metric.LANDFILL_DIVERTED,
    Metric.CO2E_AVOIDED,
    Metric.VIRGIN_MATERIALS_SAVED,
    Metric.WATER_SAVED,
    Metric.HAZARDOUS_WASTE_AVOIDED,
    Metric.COST_SAVINGS,
    Metric.ADDITIONAL_SALES,
    Metric.JOBS,
    Metric.PRIVATE_INVESTMENT,
    Metric.MATERIAL_EXCHANGED,
    Metric.ENERGY_EXCHANGED,
    Metric.WATER_EXCHANGED,
)


@cache
def units() -> pint.UnitRegistry[Any]:
    """The package registry with money and jobs added (once; other units untouched).

    Currency and employment are dimensions of their own, so EUR never converts to
    tonnes and a job never to an hour.
    """
    ureg = registry()
    if "EUR" not in ureg:
        ureg.define("euro = [currency] = EUR")
    if "FTE" not in ureg:
        ureg.define("full_time_equivalent = [employment] = FTE = job")
    return ureg


_GAS_SUFFIX = re.compile(r"\s*(?:CO2e|CO2-eq|CO2eq|CO₂e|CO2)\b", re.IGNORECASE)
_JOBS = re.compile(r"^\s*(?:jobs?|årsverk|FTE)\s*$", re.IGNORECASE)


def parse_metric(value: str | Metric) -> Metric:
    try:
        return Metric(value)
    except ValueError:
        choices = ", ".join(m.value for m in Metric)
        raise InvalidDataError(
            N_("unknown metric {value!r}: use one of {choices}"), value=value, choices=choices
        ) from None


def to_metric_unit(metric: Metric | str, value: float, unit: str) -> float:
    """``value unit`` in the metric's canonical unit; a wrong dimension is refused.

    ``CO2e`` after the mass unit is allowed (``t CO2e/yr``); ``jobs`` and ``årsverk``
    mean full-time equivalents.

    >>> to_metric_unit("co2e_avoided", 2.5, "kt CO2e/yr")
    2500.0
    >>> to_metric_unit("cost_savings", 1.2, "MEUR/yr")
    1200000.0
    >>> to_metric_unit("energy_exchanged", 2, "GWh/yr")
    2000.0
    """
    m = parse_metric(metric)
    spec = m.spec
    ureg = units()
    text = "FTE" if _JOBS.match(unit or "") else _GAS_SUFFIX.sub("", unit or "")
    if not text.strip():
        raise UnitError(
            N_("{metric}: the unit is empty: write e.g. {example}"), metric=m.value, example=spec.example
        )
    if not math.isfinite(value):
        raise InvalidDataError(N_("{metric}: the value must be a finite number"), metric=m.value)
    try:
        parsed = parse_unit(text)
        quantity = ureg.Quantity(float(value), parsed)
        converted = float(quantity.to(spec.pint_unit).magnitude)
    except pint.DimensionalityError:
        raise UnitError(
            N_("{metric}: {unit!r} is not a unit of {unit_label}: write e.g. {example}"),
            metric=m.value,
            unit=unit,
            unit_label=spec.unit_label,
            example=spec.example,
        ) from None
    except UnitError:
        raise UnitError(
            N_("{metric}: unknown unit {unit!r}: write e.g. {example}"),
            metric=m.value,
            unit=unit,
            example=spec.example,
        ) from None
    if not math.isfinite(converted):
        raise InvalidDataError(
            N_("{metric}: {value} {unit} is out of range"),
            metric=m.value,
            value=format(value, "g"),
            unit=unit,
        )
    return converted
