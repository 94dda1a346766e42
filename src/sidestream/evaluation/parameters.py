"""The evaluation's parameters: one versioned file with sources, overridable by a
region, a scenario or a single synergy — and every result says which values it used.

Values are read with pint in whatever unit the file (or an override) states and held
in the engine's internal unit (:data:`INTERNAL_UNITS`: EUR, t, MWh, km, m, kW, yr,
t CO2e), so that ``NOK/t``, ``g/kWh`` or ``t/TJ`` are all fine in the file. NOK and
EUR are currency dimensions of the unit registry; the rate between them is itself a
parameter (``fx.nok_per_eur``), so a scenario can change it.

>>> p = default_parameters()
>>> round(p["ef.fuel.natural_gas"], 4)  # 56.1 t/TJ in t/MWh
0.202
>>> p.with_overrides({"finance.discount_rate": 0.07}, origin="region").origin("finance.discount_rate")
'region'
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sidestream.domain.units import parse_unit, registry
from sidestream.errors import InvalidDataError, UnitError
from sidestream.i18n import N_

Origin = Literal["default", "region", "scenario", "synergy"]
ORIGINS: tuple[Origin, ...] = ("default", "region", "scenario", "synergy")

# Internal unit of every parameter family (fnmatch patterns, first match wins). A
# value in the file or an override must have the same dimension.
INTERNAL_UNITS: list[tuple[str, str]] = [
    ("finance.discount_rate", ""),
    ("finance.lifetime", "yr"),
    ("finance.om_share", "1/yr"),
    ("project.fixed_cost", "EUR/yr"),
    ("fx.nok_per_eur", "NOK/EUR"),
    ("ef.grid.*", "t/MWh"),
    ("ef.fuel.*", "t/MWh"),
    ("ef.heat.*", "t/MWh"),
    ("ef.virgin.*", "t/t"),
    ("ef.water.*", "t/m3"),
    ("heat.boiler_efficiency", ""),
    ("heat.full_load_hours", "h/yr"),
    ("heat.source_price", "EUR/MWh"),
    ("heat.production_cost", "EUR/MWh"),
    ("heat.substation_capex", "EUR/kW"),
    ("price.electricity", "EUR/MWh"),
    ("price.electricity_wholesale", "EUR/MWh"),
    ("price.heat", "EUR/MWh"),
    ("price.natural_gas", "EUR/MWh"),
    ("price.water", "EUR/m3"),
    ("price.wastewater", "EUR/m3"),
    ("price.virgin.*", "EUR/t"),
    ("gas.energy_content", "MWh/Nm3"),
    ("market.byproduct_price_share", ""),
    ("cooling.chiller_cop", ""),
    ("disposal.landfill_share", ""),
    ("tax.*", "EUR/t"),
    ("gate_fee.*", "EUR/t"),
    ("transport.cost.*", "EUR/(t*km)"),
    ("transport.ef.*", "t/(t*km)"),
    ("storage.buffer_days", "day"),
    ("storage.cost", "EUR/t"),
    ("heat_pump.carnot_fraction", ""),
    ("heat_pump.capex", "EUR/kW"),
    ("water_pipe.cost", "EUR/m"),
    ("gas_pipe.cost", "EUR/m"),
    ("cable.cost", "EUR/m"),
    ("heat_pipe.capacity.*", "MW"),
    ("heat_pipe.cost.*", "EUR/m"),
    ("heat_pipe.loss.*", "W/m"),
]
# Keys that must be in the file: the engine reads each of them.
REQUIRED_CHOICES = ("grid.country", "heat.displaced")
MODES = ("truck", "ship", "rail", "pipe")
GRIDS = ("NO", "SE", "DK", "FI", "IS", "EU")
FUELS = ("natural_gas", "oil", "coal", "wood_chips")
SHARES = ("finance.discount_rate", "market.byproduct_price_share", "disposal.landfill_share")


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=3)
    url: str | None = None


class ParameterEntry(BaseModel):
    """One entry of the parameter file, as written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float | str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    choices: list[str] | None = None
    year: int = Field(ge=1900, le=2100)
    source: Source
    assumption: bool = False
    note: str = ""

    @model_validator(mode="after")
    def _kind(self) -> ParameterEntry:
        if isinstance(self.value, str):
            if not self.choices or self.value not in self.choices:
                raise ValueError(f"text value {self.value!r} needs `choices` that contain it")
        elif self.choices:
            raise ValueError("only text values have `choices`")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        return self


class ParameterFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    groups: dict[str, list[str]]
    produced_classes: list[str] = Field(default_factory=list)
    produced_nace: list[str] = Field(default_factory=list)
    produced_nace_classes: list[str] = Field(default_factory=list)
    parameters: dict[str, ParameterEntry]


@dataclass(frozen=True, slots=True)
class Parameter:
    """A parameter as the engine uses it: ``value`` in the internal ``unit``, plus
    what was written (``given``), where it came from and its range."""

    key: str
    value: float | str
    unit: str
    given_value: float | str
    given_unit: str
    low: float | None
    high: float | None
    choices: tuple[str, ...] | None
    year: int | None
    source: Source | None
    assumption: bool
    note: str
    origin: Origin

    @property
    def is_choice(self) -> bool:
        return self.choices is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "unit": self.unit,
            "given": {"value": self.given_value, "unit": self.given_unit},
            "low": self.low,
            "high": self.high,
            "choices": list(self.choices) if self.choices else None,
            "year": self.year,
            "source": None if self.source is None else self.source.model_dump(),
            "assumption": self.assumption,
            "note": self.note,
            "origin": self.origin,
        }


def internal_unit(key: str) -> str:
    for pattern, unit in INTERNAL_UNITS:
        if fnmatch.fnmatchcase(key, pattern):
            return unit
    raise InvalidDataError(
        N_("unknown parameter {key!r}: see `sidestream evaluate --help` or docs/evaluation.md"), key=key
    )


def _convert(key: str, value: float, unit: str, nok_per_eur: float) -> float:
    """``value unit`` in the internal unit of ``key``; NOK becomes EUR at the rate."""
    try:
        return _convert_checked(key, value, unit, nok_per_eur)
    except InvalidDataError:
        raise
    except Exception as exc:  # pint raises many kinds (offset units, overflow): all mean "bad unit"
        raise InvalidDataError(
            N_("parameter {key}: cannot use {value} {unit!r}: {reason}"),
            key=key,
            value=str(value),
            unit=unit,
            reason=exc,
        ) from None


def _convert_checked(key: str, value: float, unit: str, nok_per_eur: float) -> float:
    ureg = registry()
    target = internal_unit(key)
    try:
        q = value * (parse_unit(unit) if unit.strip() else ureg.dimensionless)
        to = parse_unit(target) if target else ureg.dimensionless
    except UnitError as exc:
        raise InvalidDataError(N_("parameter {key}: {reason}"), key=key, reason=exc) from None
    nok_power = q.dimensionality.get("[currency_nok]", 0)
    target_nok = to.dimensionality.get("[currency_nok]", 0)
    if nok_power != target_nok:
        # Turn each NOK into EUR at the configured rate.
        q = q * ureg.Quantity(1.0 / nok_per_eur, "EUR/NOK") ** (nok_power - target_nok)
    if not q.is_compatible_with(to):
        raise InvalidDataError(
            N_(
                "parameter {key}: unit {unit!r} does not fit; give it in {target} or a unit of "
                "the same dimension"
            ),
            key=key,
            unit=unit or "dimensionless",
            target=target or "a fraction",
        )
    return float(q.to(to).magnitude)


def _check_value(key: str, value: float) -> None:
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidDataError(N_("parameter {key}: the value must be a finite number"), key=key)
    if value < 0:
        raise InvalidDataError(N_("parameter {key}: the value must not be negative"), key=key)
    if key in SHARES and value > 1:
        raise InvalidDataError(N_("parameter {key}: a share or rate must be between 0 and 1"), key=key)


@dataclass(frozen=True)
class Parameters:
    """A complete, validated parameter set (immutable: overrides return a new one)."""

    version: str
    items: Mapping[str, Parameter]
    groups: Mapping[str, str]  # resource class → valuation group
    # Heat, cooling and gas a utility makes on purpose (fuel or power is spent on them):
    # an exchange saves only the taker's cost above the maker's (docs/evaluation.md).
    # Network heat and cooling by class whoever sends them; steam, hot water and grid gas
    # when the supplier's NACE division is an energy utility's (35). A power plant's
    # condenser heat stays a surplus.
    produced_classes: frozenset[str] = frozenset()
    produced_nace: frozenset[str] = frozenset()
    produced_nace_classes: frozenset[str] = frozenset()

    def is_produced(self, supply_class: pd.Series, supply_nace: pd.Series) -> NDArray[np.bool_]:
        """Whether each supply is a utility's product rather than a surplus.

        >>> p = default_parameters()
        >>> p.is_produced(pd.Series(["district_heating", "heat_40_60c", "steam_medium_pressure",
        ...                          "cooling_water", "steam_medium_pressure"]),
        ...               pd.Series(["36.00", "24.10", "35.30", "35.30", "19.20"])).tolist()
        [True, False, True, False, False]
        """
        division = supply_nace.astype(object).fillna("").astype(str).str.strip().str.split(".").str[0]
        classes = supply_class.astype(object)
        by_class = classes.isin(self.produced_classes).to_numpy(bool)
        by_nace = division.isin(self.produced_nace).to_numpy(bool)
        utility_product = classes.isin(self.produced_nace_classes).to_numpy(bool)
        return np.asarray(by_class | (by_nace & utility_product), dtype=bool)

    def __getitem__(self, key: str) -> float:
        item = self._item(key)
        if isinstance(item.value, str):
            raise InvalidDataError(N_("parameter {key} is a choice, not a number"), key=key)
        return float(item.value)

    def choice(self, key: str) -> str:
        return str(self._item(key).value)

    def origin(self, key: str) -> Origin:
        return self._item(key).origin

    def _item(self, key: str) -> Parameter:
        try:
            return self.items[key]
        except KeyError:
            raise InvalidDataError(N_("unknown parameter {key!r}"), key=key) from None

    def keys(self) -> Iterable[str]:
        return self.items.keys()

    def group_of(self, class_id: str | None) -> str:
        return self.groups.get(class_id or "", "other")

    @property
    def nok_per_eur(self) -> float:
        return self["fx.nok_per_eur"]

    def with_value(self, key: str, value: float, origin: Origin = "scenario") -> Parameters:
        """A copy with ``key`` set to ``value`` in its internal unit (sensitivity runs)."""
        item = self._item(key)
        _check_value(key, value)
        new = replace(item, value=value, given_value=value, given_unit=item.unit, origin=origin)
        return replace(self, items={**self.items, key: new})

    def with_overrides(self, overrides: Mapping[str, Any] | None, origin: Origin) -> Parameters:
        """A copy with ``overrides`` applied: ``{key: {"value": v, "unit": u}}`` or
        ``{key: v}`` (then in the file's unit). Raises ``InvalidDataError`` naming the
        key for an unknown key, a wrong dimension or a choice not offered."""
        if not overrides:
            return self
        items = dict(self.items)
        rate_key = "fx.nok_per_eur"
        ordered = sorted(overrides.items(), key=lambda kv: kv[0] != rate_key)  # the rate first
        for key, raw in ordered:
            base = self._item(key)
            spec = raw if isinstance(raw, Mapping) else {"value": raw}
            if "value" not in spec:
                raise InvalidDataError(N_("override of {key}: give a value"), key=key)
            value = spec["value"]
            note = str(spec.get("note") or "")
            if base.choices is not None:
                if not isinstance(value, str) or value not in base.choices:
                    raise InvalidDataError(
                        N_("override of {key}: choose one of {choices}"),
                        key=key,
                        choices=", ".join(base.choices),
                    )
                items[key] = replace(
                    base, value=value, given_value=value, origin=origin, note=note or base.note
                )
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidDataError(N_("override of {key}: the value must be a number"), key=key)
            unit = spec.get("unit")
            unit = base.given_unit if unit is None else str(unit)
            rate = float(items[rate_key].value)
            converted = _convert(key, float(value), unit, rate)
            _check_value(key, converted)
            items[key] = replace(
                base, value=converted, given_value=float(value), given_unit=unit, origin=origin,
                source=None, year=None, assumption=True, note=note,
            )  # fmt: skip
        return replace(self, items=items)

    def used(self, keys: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """The values used, with unit, source and origin (for results)."""
        wanted = sorted(self.items) if keys is None else sorted(set(keys))
        return [self.items[k].as_json() for k in wanted]


def load_parameters(path: str | Path | None = None) -> Parameters:
    """Read and validate a parameter file (the packaged default when ``path`` is None)."""
    if path is None:
        text = (resources.files("sidestream.evaluation") / "data" / "parameters.yaml").read_text("utf-8")
        name = "parameters.yaml"
    else:
        p = Path(path)
        try:
            text = p.read_text("utf-8")
        except OSError as exc:
            raise InvalidDataError(
                N_("cannot read parameter file {path}: {reason}"), path=p, reason=exc.strerror
            ) from None
        name = str(p)
    try:
        data = ParameterFile.model_validate(yaml.safe_load(text))
    except (ValidationError, yaml.YAMLError) as exc:
        raise InvalidDataError(
            N_("{name} is not a valid parameter file: {reason}"), name=name, reason=exc
        ) from None
    return _build(data, name)


def _build(data: ParameterFile, name: str) -> Parameters:
    entries = data.parameters
    if "fx.nok_per_eur" not in entries:
        raise InvalidDataError(N_("{name}: fx.nok_per_eur is missing"), name=name)
    rate = _convert(
        "fx.nok_per_eur", float(entries["fx.nok_per_eur"].value), entries["fx.nok_per_eur"].unit, 1.0
    )
    items: dict[str, Parameter] = {}
    for key, e in entries.items():
        if isinstance(e.value, str):
            items[key] = Parameter(
                key, e.value, "", e.value, "", None, None, tuple(e.choices or ()), e.year, e.source,
                e.assumption, e.note, "default",
            )  # fmt: skip
            continue
        value = _convert(key, float(e.value), e.unit, rate)
        _check_value(key, value)
        low = None if e.low is None else _convert(key, e.low, e.unit, rate)
        high = None if e.high is None else _convert(key, e.high, e.unit, rate)
        items[key] = Parameter(
            key, value, internal_unit(key), float(e.value), e.unit, low, high, None, e.year, e.source,
            e.assumption, e.note, "default",
        )  # fmt: skip
    missing = [k for k in required_keys(data.groups) if k not in items]
    if missing:
        raise InvalidDataError(
            N_("{name}: missing parameter(s) {missing}"), name=name, missing=", ".join(missing)
        )
    groups = {cls: group for group, classes in data.groups.items() for cls in classes}
    return Parameters(
        data.version, items, groups, frozenset(data.produced_classes), frozenset(data.produced_nace),
        frozenset(data.produced_nace_classes),
    )  # fmt: skip


def required_keys(groups: Mapping[str, Any]) -> list[str]:
    keys = [pattern for pattern, _ in INTERNAL_UNITS if "*" not in pattern]
    keys += [f"ef.grid.{c}" for c in GRIDS] + [f"ef.fuel.{f}" for f in FUELS]
    keys += ["ef.heat.district_heating", "ef.heat.production"]
    keys += [f"ef.water.{w}" for w in ("supply", "treatment")]
    keys += [
        "tax.landfill",
        "tax.incineration",
        "gate_fee.landfill",
        "gate_fee.incineration",
        "gate_fee.hazardous",
    ]
    keys += [f"transport.{kind}.{m}" for kind in ("cost", "ef") for m in MODES]
    for group in [*groups, "other"]:
        keys += [f"price.virgin.{group}", f"ef.virgin.{group}"]
    return [*keys, *REQUIRED_CHOICES]


@cache
def default_parameters() -> Parameters:
    """The packaged defaults (read once)."""
    return load_parameters()


def pipe_classes(params: Parameters) -> list[str]:
    """Heat pipe DN classes in the file, smallest capacity first."""
    names = [
        k.removeprefix("heat_pipe.capacity.") for k in params.items if k.startswith("heat_pipe.capacity.")
    ]
    return sorted(names, key=lambda dn: params[f"heat_pipe.capacity.{dn}"])


def read_overrides(path: str | Path) -> dict[str, Any]:
    """Overrides from a YAML or JSON file: ``{key: {value, unit}}`` or ``{key: value}``,
    optionally under an ``overrides:`` key."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text("utf-8"))
    except OSError as exc:
        raise InvalidDataError(N_("cannot read {path}: {reason}"), path=p, reason=exc.strerror) from None
    except yaml.YAMLError as exc:
        raise InvalidDataError(N_("{path} is not YAML or JSON: {reason}"), path=p, reason=exc) from None
    if isinstance(data, dict) and isinstance(data.get("overrides"), dict):
        data = data["overrides"]
    if not isinstance(data, dict):
        raise InvalidDataError(
            N_("{path}: write parameter overrides as `key: {{value: …, unit: …}}` lines"), path=p
        )
    return {str(k): v for k, v in data.items()}


def parameters_from_file(path: str | Path | None) -> Parameters:
    """A full parameter file (with ``version`` and ``parameters``) replaces the
    defaults; any other mapping is read as overrides of a scenario."""
    if path is None:
        return default_parameters()
    p = Path(path)
    try:
        head = yaml.safe_load(p.read_text("utf-8"))
    except (OSError, yaml.YAMLError):
        head = None
    if isinstance(head, dict) and "parameters" in head and "version" in head:
        return load_parameters(p)
    return default_parameters().with_overrides(read_overrides(p), "scenario")


def fingerprint(params: Parameters) -> str:
    """A short text that changes whenever a value differs from the defaults (cache keys)."""
    changed = sorted((k, str(p.value)) for k, p in params.items.items() if p.origin != "default")
    return f"{params.version}:{changed}"
