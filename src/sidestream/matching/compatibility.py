"""Step 3 — which resource classes can feed which needs, as dense lookup arrays.

The knowledge base's rules become two C×C arrays (rule index and strength) so that
the compatibility of millions of candidate pairs is one fancy-indexing operation.
Implicit links complete the explicit rules: the same class on both sides (a demand
for exactly what is offered); heat, steam or warm cooling water into any heat or steam
need, where temperature feasibility (with a heat pump) decides; and *families* of
classes that stand in for each other for one use (knowledge/data/families.yaml).
Codes: ``>= 0`` explicit rule position, ``SAME_RESOURCE``, ``THERMAL``, and
``FAMILY_BASE - i`` for family ``i``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sidestream.domain.categories import Category
from sidestream.knowledge.base import KnowledgeBase
from sidestream.knowledge.models import Family, Rule

SAME_RESOURCE = -2
THERMAL = -3
NO_RULE = -1
FAMILY_BASE = -10
SAME_RESOURCE_STRENGTH = 0.8
THERMAL_STRENGTH = 0.7

# Demand classes that end in food, feed or fish farming: hazardous input is never
# acceptable there, whatever a rule says (EU Regulation 1069/2009, Directive 2002/32/EC).
FOOD_FEED_CLASSES = frozenset({"animal_feed", "fish_feed"})
# Drinking water: a demand of these classes, or one whose text or notes name one of
# them ("raw water for drinking-water production"), is a drinking-water intake, and
# only these raw-water sources may ever feed it — never cooling water, brackish or
# seawater, effluents or process water, whatever a rule or family says (EU Drinking
# Water Directive 2020/2184, art. 8: abstraction points are protected; the engine
# checks it per pair like the hazardous-waste ban for food and feed).
DRINKING_WATER_CLASSES = frozenset({"drinking_water"})
POTABLE_SOURCE_CLASSES = frozenset({"drinking_water", "groundwater", "surface_water"})
# Water that leaves a condenser warm is a heat source as much as it is water.
THERMAL_WATER_CLASSES = frozenset({"cooling_water"})


def family_index(code: int) -> int | None:
    return FAMILY_BASE - code if code <= FAMILY_BASE else None


@dataclass(frozen=True)
class CompatibilityTable:
    class_ids: tuple[str, ...]
    index: dict[str, int]
    rule_index: NDArray[np.int32]  # [supply class, demand class] → rule position or code
    strength: NDArray[np.float64]
    rules: tuple[Rule, ...]
    # per-rule arrays, aligned with ``rules``
    rule_max_km: NDArray[np.float64]
    rule_min_temp: NDArray[np.float64]
    rule_non_hazardous: NDArray[np.bool_]
    rule_food: NDArray[np.bool_]
    rule_heat_pump: NDArray[np.bool_]
    rule_transport: tuple[str, ...]
    thermal: NDArray[np.bool_]  # per class: heat or steam category
    heat_demand: NDArray[np.bool_]  # per class: heat category (a heat pump can serve it)
    food_demand: NDArray[np.bool_]  # per class
    families: tuple[Family, ...] = ()

    def compatible_demands(self, supply_class: int) -> NDArray[np.intp]:
        return np.flatnonzero(self.rule_index[supply_class] != NO_RULE)

    def transport(self, code: int, supply_category: str | None) -> str:
        if code >= 0:
            return self.rule_transport[code]
        fam = family_index(code)
        if fam is not None:
            return self.families[fam].transport
        if supply_category in {"heat", "steam", "cooling", "water", "wastewater", "gas", "co2"}:
            return "pipe"
        if supply_category == "electricity":
            return "grid"
        if supply_category in {"infrastructure", "service", "knowledge"}:
            return "none"
        return "road"


def build_compatibility(kb: KnowledgeBase) -> CompatibilityTable:
    ids = tuple(sorted(kb.classes))
    index = {cid: i for i, cid in enumerate(ids)}
    n = len(ids)
    rule_index = np.full((n, n), NO_RULE, dtype=np.int32)
    strength = np.zeros((n, n), dtype=np.float64)
    thermal = np.array(
        [
            kb.classes[c].category in (Category.HEAT, Category.STEAM) or c in THERMAL_WATER_CLASSES
            for c in ids
        ],
        dtype=bool,
    )
    heat_demand = np.array([kb.classes[c].category == Category.HEAT for c in ids], dtype=bool)
    thermal_demand = np.array(
        [kb.classes[c].category in (Category.HEAT, Category.STEAM) for c in ids], dtype=bool
    )
    # Implicit rules first; explicit rules then overwrite them.
    for i in range(n):
        rule_index[i, i], strength[i, i] = SAME_RESOURCE, SAME_RESOURCE_STRENGTH
    pairs = np.outer(thermal, thermal_demand) & ~np.eye(n, dtype=bool)
    rule_index[pairs], strength[pairs] = THERMAL, THERMAL_STRENGTH
    families = tuple(kb.families)
    for f, family in enumerate(families):
        for s_id in family.supply:
            for d_id in family.demand:
                i, j = index[s_id], index[d_id]
                if int(rule_index[i, j]) == NO_RULE or (
                    int(rule_index[i, j]) <= FAMILY_BASE and strength[i, j] < family.strength
                ):
                    rule_index[i, j], strength[i, j] = FAMILY_BASE - f, family.strength
    rules = tuple(kb.rules)
    for pos, rule in enumerate(rules):
        i, j = index[rule.supply], index[rule.demand]
        # Several rules may link the same pair (different uses); keep the strongest,
        # tie-broken by id so that the table does not depend on file order.
        current = int(rule_index[i, j])
        if current >= 0:
            other = rules[current]
            if (other.strength, other.id) >= (rule.strength, rule.id):
                continue
        rule_index[i, j] = pos
        strength[i, j] = max(rule.strength, 0.05)
    return CompatibilityTable(
        class_ids=ids,
        index=index,
        rule_index=rule_index,
        strength=strength,
        rules=rules,
        rule_max_km=np.array([r.conditions.max_distance_km or np.inf for r in rules], dtype=np.float64),
        rule_min_temp=np.array(
            [
                r.conditions.min_supply_temperature_c
                if r.conditions.min_supply_temperature_c is not None
                else np.nan
                for r in rules
            ],
            dtype=np.float64,
        ),
        rule_non_hazardous=np.array([r.conditions.non_hazardous for r in rules], dtype=bool),
        rule_food=np.array([r.conditions.food_or_feed for r in rules], dtype=bool),
        rule_heat_pump=np.array([r.conditions.heat_pump_allowed for r in rules], dtype=bool),
        rule_transport=tuple(r.transport for r in rules),
        thermal=thermal,
        heat_demand=heat_demand,
        families=families,
        food_demand=np.array([c in FOOD_FEED_CLASSES for c in ids], dtype=bool),
    )
