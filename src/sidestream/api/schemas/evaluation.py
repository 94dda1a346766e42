"""Evaluation parameters and results.

Results are open objects (every number ``{"value", "unit"}``) so that fields can be
added without breaking clients; parameter overrides are typed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class OverrideValue(BaseModel):
    """A number with its unit (any unit of the right dimension; EUR or NOK for money),
    or one of a parameter's text choices (no unit)."""

    model_config = ConfigDict(extra="forbid")

    value: float | str = Field(description="A number, or a choice such as 'DK' for grid.country.")
    unit: str | None = Field(
        None, max_length=40, description="e.g. NOK/t, g/kWh, EUR/MWh; default: the file's."
    )
    note: str = Field("", max_length=2000)


class ParametersUpdate(BaseModel):
    """The complete set of overrides (replaces what is stored; {} clears them)."""

    model_config = ConfigDict(extra="forbid")

    overrides: dict[str, OverrideValue] = Field(default_factory=dict, max_length=200)


class ParametersPublic(BaseModel):
    """Effective parameters: each with value, unit, source, year and origin
    (default / region / synergy), plus the stored overrides."""

    version: str
    overrides: dict[str, dict[str, Any]]
    parameters: list[dict[str, Any]]


class EvaluationDocument(BaseModel):
    """One synergy's evaluation (or, when a side is hidden from you, decade bands)."""

    model_config = ConfigDict(extra="allow")

    synergy_id: int
    anonymised: str | None = None
    parameters: list[dict[str, Any]]


class RegionEvaluationDocument(BaseModel):
    """Every match of the region evaluated; totals count fully visible pairs only.

    ``totals`` sums the listed matches, and a supply's alternatives overlap (each is
    evaluated as if it alone took the flow): it is not what the region could gain. The
    optimiser (``POST /regions/{slug}/optimise``) chooses a set that uses each flow once.
    """

    version: str
    parameters_version: str
    currency: str
    matches: list[dict[str, Any]]
    totals: dict[str, Any]
    parameters: list[dict[str, Any]]
    assumptions: list[str]
