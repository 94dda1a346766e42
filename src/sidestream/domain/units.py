"""Real units through pint.

One registry for the whole package, extended with the units flow tables use (``t/yr``,
``Nm3/h``, ``kt``). Quantities are converted to a canonical annual unit per dimension
only at the edges, so that matching can compare a supply in ``t/h`` with a demand in
``kt/yr``; the user's own value and unit are always kept beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import pint

from sidestream.errors import UnitError
from sidestream.i18n import N_

HOURS_PER_YEAR = 8766.0  # pint's (Julian) year


@cache
def registry() -> pint.UnitRegistry[Any]:
    """The package's unit registry (built once; pint registries are expensive)."""
    ureg: pint.UnitRegistry[Any] = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=None)
    ureg.define("tonne_metric = 1000 * kilogram = t_m")
    ureg.define("kilotonne_metric = 1000 * tonne_metric")
    ureg.define("megatonne_metric = 1000000 * tonne_metric")
    # Normal cubic metre: gas volume at 0 °C and 1 atm; kept as its own unit so that
    # Nm3 and m3 are never silently mixed.
    ureg.define("normal_cubic_meter = [normal_volume] = Nm3")
    ureg.define("person_hour = [labour] = ph")
    # Currencies are their own dimensions: the NOK/EUR rate is a parameter of an
    # evaluation (evaluation/parameters.py), never a constant of the registry.
    ureg.define("euro = [currency_eur] = EUR")
    ureg.define("norwegian_krone = [currency_nok] = NOK")
    return ureg


_UNIT_ALIASES = [
    (re.compile(r"(?<![A-Za-z])(?:tonn|tonnes?|tons?|t)(?![A-Za-z])"), "tonne_metric"),
    (re.compile(r"(?<![A-Za-z])kt(?![A-Za-z])"), "kilotonne_metric"),
    (re.compile(r"(?<![A-Za-z])Mt(?![A-Za-z])"), "megatonne_metric"),
    (re.compile(r"(?<![A-Za-z])(?:yr|år|year|a|y)(?![A-Za-z])"), "year"),
    (re.compile(r"(?<![A-Za-z])(?:døgn|d|day)(?![A-Za-z])"), "day"),
    (re.compile(r"(?<![A-Za-z])(?:mnd|month)(?![A-Za-z])"), "month"),
    (re.compile(r"(?<![A-Za-z])(?:h|hr|time)(?![A-Za-z])"), "hour"),
    (re.compile(r"Nm3|Nm³"), "normal_cubic_meter"),
    (re.compile(r"(?<![A-Za-z])m³|(?<![A-Za-z])m3"), "m**3"),
    (re.compile(r"(?<![A-Za-z])m²|(?<![A-Za-z])m2"), "m**2"),
]


def _normalise_unit(text: str) -> str:
    s = text.strip().replace("per", "/").replace("pr.", "/").replace("pr ", "/ ")
    s = s.replace("·", "*").replace("^", "**")
    for pattern, replacement in _UNIT_ALIASES:
        s = pattern.sub(replacement, s)
    return s


@cache
def parse_unit(text: str) -> pint.Unit:
    """Parse a unit as users write it: ``t/yr``, ``kt/yr``, ``MWh/yr``, ``Nm3/h``, ``m3/h``.

    >>> str(parse_unit("t/yr"))
    'tonne_metric / year'
    """
    if not text or not text.strip():
        raise UnitError(N_("the unit is empty: write e.g. t/yr, MWh/yr, MW or m3/h"))
    ureg = registry()
    try:
        unit = ureg.parse_units(_normalise_unit(text))
    except Exception as exc:  # pint raises many kinds; all mean "not a unit"
        raise UnitError(
            N_("unknown unit {text!r}: use e.g. t/yr, kt/yr, MWh/yr, GWh/yr, MW, kW, m3/h, Nm3/h"), text=text
        ) from exc
    return unit


# Canonical annual units by physical dimension: what the matcher compares.
_CANONICAL: list[tuple[str, str, str]] = [
    # (dimension probe unit, canonical unit for pint, label shown to people)
    ("tonne_metric / year", "tonne_metric / year", "t/yr"),
    ("megawatt_hour / year", "megawatt_hour / year", "MWh/yr"),
    ("meter ** 3 / year", "meter ** 3 / year", "m3/yr"),
    ("Nm3 / year", "Nm3 / year", "Nm3/yr"),
    ("meter ** 2", "meter ** 2", "m2"),
    ("meter ** 3", "meter ** 3", "m3"),
    ("meter", "meter", "m"),
    ("hour / year", "hour / year", "h/yr"),
]
_CANONICAL_STOCK = {
    # A stock (t, MWh, m3) reported without a period is read as "per year" by
    # convention of the flow table; this is documented in docs/flow-table.md.
    "tonne_metric": "tonne_metric / year",
    "megawatt_hour": "megawatt_hour / year",
}


@dataclass(frozen=True, slots=True)
class Amount:
    """A flow amount in the user's unit and in the canonical annual unit."""

    value: float
    unit: str
    canonical_value: float
    canonical_unit: str


def to_canonical(value: float, unit: str) -> Amount:
    """Convert ``value unit`` to the canonical annual unit of its dimension.

    pint's year is the Julian year (8766 h), so 2 t/h is 17 532 t/yr:

    >>> to_canonical(2, "t/h").canonical_value
    17532.0
    >>> to_canonical(3, "MW").canonical_unit
    'MWh/yr'
    """
    ureg = registry()
    u = parse_unit(unit)
    q = ureg.Quantity(value, u)
    for probe, canonical, label in _CANONICAL:
        if q.is_compatible_with(probe):
            converted = q.to(canonical).magnitude
            return Amount(float(value), unit, float(converted), label)
    if q.is_compatible_with("tonne_metric"):
        return Amount(float(value), unit, float(q.to("tonne_metric").magnitude), "t/yr")
    if q.is_compatible_with("megawatt_hour"):
        return Amount(float(value), unit, float(q.to("megawatt_hour").magnitude), "MWh/yr")
    raise UnitError(
        N_(
            "unit {unit!r} is not an amount per time, power, area, volume or length; use "
            "e.g. t/yr, MWh/yr, MW, m3/h or m2"
        ),
        unit=unit,
    )


def quantity(value: float, unit: str) -> Any:
    """A pint Quantity in the package registry."""
    return registry().Quantity(value, parse_unit(unit))
