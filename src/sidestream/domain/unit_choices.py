"""Which units make sense for a flow of each category — for a unit picker.

A category names what physical quantity its amounts are (heat: energy per year or
power; materials: mass per year; water: volume per year …). The choices are the
common ways people write such amounts, kept only if pint converts them to one of the
category's canonical annual units (:func:`sidestream.domain.units.to_canonical`), so
the list and the validation can never disagree.
"""

from __future__ import annotations

from functools import cache

from sidestream.domain.categories import Category
from sidestream.domain.units import to_canonical
from sidestream.errors import UnitError

COMMON_UNITS = (
    "MWh/yr", "GWh/yr", "kWh/yr", "MW", "kW", "t/yr", "kt/yr", "t/h", "t/d", "t/month", "kg/h",
    "m3/yr", "m3/h", "m3/d", "l/s", "Nm3/yr", "Nm3/h", "h/yr", "m2",
)  # fmt: skip

# The canonical annual units (``Amount.canonical_unit``) each category's amounts may have.
ENERGY = frozenset({"MWh/yr"})
MASS = frozenset({"t/yr"})
VOLUME = frozenset({"m3/yr"})
CATEGORY_CANONICAL: dict[Category, frozenset[str]] = {
    Category.HEAT: ENERGY,
    Category.STEAM: ENERGY | MASS,
    Category.COOLING: ENERGY,
    Category.ELECTRICITY: ENERGY,
    Category.WATER: VOLUME,
    Category.WASTEWATER: VOLUME,
    Category.MATERIAL: MASS | VOLUME,
    Category.WASTE: MASS | VOLUME,
    Category.BY_PRODUCT: MASS | VOLUME,
    Category.GAS: frozenset({"Nm3/yr"}) | MASS | ENERGY,
    Category.CO2: MASS | frozenset({"Nm3/yr"}),
    Category.INFRASTRUCTURE: frozenset({"m2", "h/yr"}),
    Category.SERVICE: frozenset({"h/yr"}),
    Category.KNOWLEDGE: frozenset({"h/yr"}),
}


def canonical_unit(unit: str) -> str | None:
    """The canonical annual unit ``unit`` converts to, or None if pint cannot.

    >>> canonical_unit("MW"), canonical_unit("kt/yr"), canonical_unit("bananas")
    ('MWh/yr', 't/yr', None)
    """
    try:
        return to_canonical(1.0, unit).canonical_unit
    except UnitError:
        return None


@cache
def units_for(category: Category | None) -> tuple[str, ...]:
    """The common units for ``category`` (every common unit when it is not known).

    >>> units_for(Category.HEAT)
    ('MWh/yr', 'GWh/yr', 'kWh/yr', 'MW', 'kW')
    >>> "t/yr" in units_for(Category.WATER)
    False
    """
    if category is None:
        return COMMON_UNITS
    allowed = CATEGORY_CANONICAL[category]
    return tuple(u for u in COMMON_UNITS if canonical_unit(u) in allowed)


def unit_fits(category: Category | None, unit: str) -> bool:
    """Whether ``unit`` measures what ``category`` is (any parsable unit without a category).

    >>> unit_fits(Category.HEAT, "GWh/yr"), unit_fits(Category.HEAT, "t/yr"), unit_fits(None, "t/yr")
    (True, False, True)
    """
    found = canonical_unit(unit)
    if found is None:
        return False
    return category is None or found in CATEGORY_CANONICAL[category]
