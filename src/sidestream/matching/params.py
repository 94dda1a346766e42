"""Matching parameters: every knob in one typed, documented place."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# Radius per category as a factor of the base radius: heat and steam travel a few km
# in pipes, bulk materials 100+ km by truck or ship (Chertow: most synergies within
# 50 km; Jensen et al. 2011 doi:10.1016/j.resconrec.2010.11.004 find materials
# exchanged over far longer distances than energy).
DEFAULT_CATEGORY_RADIUS_FACTOR: dict[str, float] = {
    "heat": 0.6,
    "steam": 0.3,
    "cooling": 0.3,
    "water": 0.6,
    "wastewater": 0.6,
    "material": 4.0,
    "waste": 4.0,
    "by-product": 4.0,
    "co2": 2.0,
    "gas": 1.0,
    "service": 2.0,
    "knowledge": 6.0,
}

# Road distance ≈ straight line × detour; from typical circuity factors (Ballou et
# al. 2002, J. Bus. Logist. 23(1); Boscoe et al. 2012 doi:10.1080/00330124.2011.583586).
DEFAULT_DETOUR: dict[str, float] = {
    "pipe": 1.2,
    "road": 1.3,
    "rail": 1.3,
    "sea": 1.15,
    "grid": 1.1,
    "none": 1.0,
}


class MatchParams(BaseModel):
    """Inputs of a matching run; echoed in the JSON output under ``params``."""

    model_config = ConfigDict(extra="forbid")

    radius_km: float = Field(50.0, gt=0, description="base search radius")
    category_radius_factor: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_CATEGORY_RADIUS_FACTOR)
    )
    detour: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_DETOUR))
    top_k: int = Field(10, ge=1, le=1000)
    min_score: float = Field(0.0, ge=0.0, le=1.0)
    category: str | None = None
    supply_ids: list[str] | None = None
    demand_ids: list[str] | None = None
    include_suggestions: bool = False
    suggestion_threshold: float = Field(0.45, ge=0.0, le=1.0)
    heat_pump_max_lift_k: float = 70.0
    carnot_fraction: float = Field(0.5, gt=0.0, le=1.0)
    workers: int | None = Field(None, ge=1, description="threads for partitions (default: all cores)")
    partition_km: float | None = Field(
        None, description="cell size for partitioned candidate search (default: auto)"
    )

    def radius_for(self, category: str | None) -> float:
        factor = self.category_radius_factor.get(category or "", 1.0)
        return self.radius_km * factor

    @property
    def max_radius_km(self) -> float:
        factors = [1.0, *self.category_radius_factor.values()]
        return self.radius_km * max(factors)
