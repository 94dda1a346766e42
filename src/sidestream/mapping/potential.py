"""The regional potential: "what is there to use" — surplus heat by temperature band,
materials by resource class, water, by municipality, on h3 hexagons, and a Sankey of
source class → use class → sink.

Pure functions over a flow-table frame (and, for the Sankey, match records of the JSON
contract). The caller decides which flows go in: the service layer passes only the
flows a viewer may see, so every sum here is a sum of visible flows.

Amounts are summed in the canonical annual unit of each family — MWh/yr for heat and
steam, t/yr for materials, m3/yr for water — and a flow stated in another unit (or
with no amount) is counted but not summed; each table says how many were left out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import h3
import pandas as pd

from sidestream.i18n import N_, translate
from sidestream.mapping.hubs import check_flows
from sidestream.mapping.places import nearest_places
from sidestream.mapping.sankey import Sankey, sankey_chain

# h3 resolution 5: hexagons with an average edge of 9.85 km (area ≈ 253 km²), the
# "about 10 km" grain at which a county's potential is read without revealing sites.
H3_RESOLUTION = 5
HEAT_CATEGORIES = ("heat", "steam")
MATERIAL_CATEGORIES = ("material", "by-product", "waste")
WATER_CATEGORIES = ("water", "wastewater")
HEAT_UNIT, MATERIAL_UNIT, WATER_UNIT = "MWh/yr", "t/yr", "m3/yr"

# (key, lower bound inclusive, upper bound exclusive, label msgid)
TEMPERATURE_BANDS: tuple[tuple[str, float, float, str], ...] = (
    ("lt25", -math.inf, 25.0, N_("below 25 °C")),
    ("25-40", 25.0, 40.0, N_("25–40 °C")),
    ("40-60", 40.0, 60.0, N_("40–60 °C")),
    ("60-90", 60.0, 90.0, N_("60–90 °C")),
    ("ge90", 90.0, math.inf, N_("90 °C and above")),
)
UNKNOWN_BAND = ("unknown", N_("temperature not stated"))
UNKNOWN_MUNICIPALITY = N_("outside the listed municipalities")


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a potential table: counts and summed amounts by direction."""

    key: str
    label: str
    unit: str
    supplies: int = 0
    supply_amount: float = 0.0
    demands: int = 0
    demand_amount: float = 0.0
    unsummed: int = 0  # flows counted whose amount is missing or in another unit
    category: str | None = None


@dataclass(frozen=True, slots=True)
class MunicipalityRow:
    municipality: str
    country: str | None
    flows: int
    supplies: int
    demands: int
    heat_supply_mwh_per_yr: float
    material_supply_t_per_yr: float
    water_supply_m3_per_yr: float


@dataclass(frozen=True)
class RegionalPotential:
    heat_bands: list[Row]
    materials: list[Row]
    water: list[Row]
    municipalities: list[MunicipalityRow]
    hexagons: dict[str, Any]  # GeoJSON FeatureCollection
    sankey: Sankey = field(default_factory=Sankey)
    h3_resolution: int = H3_RESOLUTION

    def to_json(self) -> dict[str, Any]:
        def rows(items: Iterable[Row]) -> list[dict[str, Any]]:
            return [
                {"key": r.key, "label": r.label, "category": r.category, "supplies": r.supplies,
                 "supply": {"quantity": round(r.supply_amount, 1), "unit": r.unit}, "demands": r.demands,
                 "demand": {"quantity": round(r.demand_amount, 1), "unit": r.unit}, "unsummed": r.unsummed}
                for r in items
            ]  # fmt: skip

        return {
            "heat_bands": rows(self.heat_bands),
            "materials": rows(self.materials),
            "water": rows(self.water),
            "municipalities": [
                {
                    "municipality": m.municipality,
                    "country": m.country,
                    "flows": m.flows,
                    "supplies": m.supplies,
                    "demands": m.demands,
                    "heat_supply": {"quantity": round(m.heat_supply_mwh_per_yr, 1), "unit": HEAT_UNIT},
                    "material_supply": {
                        "quantity": round(m.material_supply_t_per_yr, 1),
                        "unit": MATERIAL_UNIT,
                    },
                    "water_supply": {"quantity": round(m.water_supply_m3_per_yr, 1), "unit": WATER_UNIT},
                }
                for m in self.municipalities
            ],
            "sankey": {
                "nodes": [
                    {"name": n.name, "side": n.side, "category": n.category} for n in self.sankey.nodes
                ],
                "links": [
                    {"source": k.source, "target": k.target, "value": k.value} for k in self.sankey.links
                ],
            },
            "h3_resolution": self.h3_resolution,
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def temperature_band(temperature_c: float | None) -> str:
    """The band key of a temperature.

    >>> [temperature_band(t) for t in (10, 25, 39.9, 60, 90, None)]
    ['lt25', '25-40', '25-40', '60-90', 'ge90', 'unknown']
    """
    if temperature_c is None or (isinstance(temperature_c, float) and math.isnan(temperature_c)):
        return UNKNOWN_BAND[0]
    for key, low, high, _ in TEMPERATURE_BANDS:
        if low <= temperature_c < high:
            return key
    return UNKNOWN_BAND[0]  # pragma: no cover - the bands cover the real line


def _amount(row: Mapping[str, Any], unit: str) -> float | None:
    q = row.get("annual_quantity")
    if row.get("annual_unit") != unit or q is None or (isinstance(q, float) and math.isnan(q)):
        return None
    return float(q)


def _tally(rows: Iterable[Mapping[str, Any]], key: str, label: str, unit: str, category: str | None) -> Row:
    supplies = demands = unsummed = 0
    supply_amount = demand_amount = 0.0
    for r in rows:
        amount = _amount(r, unit)
        if r["direction"] == "supply":
            supplies += 1
            supply_amount += amount or 0.0
        else:
            demands += 1
            demand_amount += amount or 0.0
        unsummed += amount is None
    return Row(key, label, unit, supplies, supply_amount, demands, demand_amount, unsummed, category)


def heat_by_band(flows: pd.DataFrame, lang: str = "en") -> list[Row]:
    """Heat and steam flows by temperature band (all bands listed, empty ones too)."""
    heat = flows[flows["category"].isin(HEAT_CATEGORIES)]
    records = heat.pipe(_records)
    bands = [temperature_band(_float(r.get("temperature_c"))) for r in records]
    out = []
    for key, _, _, msgid in (*TEMPERATURE_BANDS, (UNKNOWN_BAND[0], 0, 0, UNKNOWN_BAND[1])):
        members = [r for r, b in zip(records, bands, strict=True) if b == key]
        if key == UNKNOWN_BAND[0] and not members:
            continue
        out.append(_tally(members, key, translate(msgid, lang), HEAT_UNIT, "heat"))
    return out


def _float(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def prepared(flows: pd.DataFrame) -> pd.DataFrame:
    """The flows with ``class_id``, and ``category`` and ``temperature_c`` inferred from
    the text where the table leaves them out (the matcher's first step), so that
    "mikrosilika" with no category still counts as a material."""
    from sidestream.matching.engine import engine_for
    from sidestream.matching.prepare import prepare_flows

    flows = flows.reset_index(drop=True)
    if "class_id" in flows.columns or flows.empty:
        return flows
    frame = flows.copy()
    for column in ("resource", "ewc", "nace", "category", "temperature_c"):
        if column not in frame.columns:
            frame[column] = None
    eng = engine_for()
    out = prepare_flows(frame, eng.kb, eng.classifier)
    out["category"] = out["category"].astype(object).where(out["category"].notna(), None)
    return out


def _class_labels(flows: pd.DataFrame, lang: str) -> tuple[list[str], list[str]]:
    """Each flow's resource class id and label."""
    from sidestream.matching.engine import engine_for

    eng = engine_for()
    ids = flows["class_id"].tolist() if "class_id" in flows.columns else [None] * len(flows)
    labels = []
    for cid in ids:
        rc = eng.kb.classes.get(cid) if isinstance(cid, str) else None
        labels.append(rc.labels.localise(lang) if rc else translate(N_("unclassified"), lang))
    return [c if isinstance(c, str) else "unclassified" for c in ids], labels


def materials_by_class(flows: pd.DataFrame, lang: str = "en") -> list[Row]:
    """Materials, by-products and waste by resource class, biggest supply first."""
    mats = flows[flows["category"].isin(MATERIAL_CATEGORIES)].reset_index(drop=True)
    if mats.empty:
        return []
    ids, labels = _class_labels(mats, lang)
    records = mats.pipe(_records)
    groups: dict[str, list[dict[str, Any]]] = {}
    label_of: dict[str, str] = {}
    for cid, label, r in zip(ids, labels, records, strict=True):
        groups.setdefault(cid, []).append(r)
        label_of[cid] = label
    rows = [
        _tally(rs, cid, label_of[cid], MATERIAL_UNIT, str(rs[0].get("category") or ""))
        for cid, rs in groups.items()
    ]
    return sorted(rows, key=lambda r: (-r.supply_amount, -r.supplies, r.label))


def water_rows(flows: pd.DataFrame, lang: str = "en") -> list[Row]:
    from sidestream.domain.categories import Category

    names = {"water": N_("water"), "wastewater": N_("wastewater")}
    out = []
    for category in WATER_CATEGORIES:
        members = flows[flows["category"] == category].pipe(_records)
        if members:
            label = translate(names.get(category, category), lang)
            out.append(_tally(members, Category(category).value, label, WATER_UNIT, category))
    return out


def municipalities_of(flows: pd.DataFrame) -> tuple[list[str | None], list[str | None]]:
    """Each flow's municipality and country: the table's ``municipality`` column where
    filled, else the nearest packaged municipality centre (see :mod:`.places`)."""
    nearest = nearest_places(flows["lat"].to_numpy(float), flows["lon"].to_numpy(float))
    names = [p.municipality if p else None for p in nearest]
    countries = [p.country if p else None for p in nearest]
    if "municipality" in flows.columns:
        for i, given in enumerate(flows["municipality"].tolist()):
            if isinstance(given, str) and given.strip():
                names[i], countries[i] = given.strip(), None
    return names, countries


def by_municipality(flows: pd.DataFrame, lang: str = "en") -> list[MunicipalityRow]:
    names, countries = municipalities_of(flows)
    out: dict[str | None, dict[str, Any]] = {}
    for r, name, country in zip(flows.pipe(_records), names, countries, strict=True):
        m = out.setdefault(name, {"country": country, "flows": 0, "supplies": 0, "demands": 0,
                                  "heat": 0.0, "material": 0.0, "water": 0.0})  # fmt: skip
        m["flows"] += 1
        if r["direction"] == "supply":
            m["supplies"] += 1
            category = r.get("category")
            if category in HEAT_CATEGORIES:
                m["heat"] += _amount(r, HEAT_UNIT) or 0.0
            elif category in MATERIAL_CATEGORIES:
                m["material"] += _amount(r, MATERIAL_UNIT) or 0.0
            elif category in WATER_CATEGORIES:
                m["water"] += _amount(r, WATER_UNIT) or 0.0
        else:
            m["demands"] += 1
    rows = [
        MunicipalityRow(name if name is not None else translate(UNKNOWN_MUNICIPALITY, lang), m["country"],
                        m["flows"], m["supplies"], m["demands"], m["heat"], m["material"], m["water"])
        for name, m in out.items()
    ]  # fmt: skip
    return sorted(rows, key=lambda m: (-m.flows, m.municipality))


def _empty_cell(cell: str) -> dict[str, Any]:
    amounts = [f"{family}_{side}_{suffix}" for family, suffix in
               (("heat", "mwh_per_yr"), ("material", "t_per_yr"), ("water", "m3_per_yr"))
               for side in ("supply", "demand")]  # fmt: skip
    return {"h3": cell, "flows": 0, "supplies": 0, "demands": 0, **dict.fromkeys(amounts, 0.0)}


def hexagons(flows: pd.DataFrame, resolution: int = H3_RESOLUTION) -> dict[str, Any]:
    """A choropleth-ready GeoJSON: one h3 hexagon per cell holding flows, with counts and
    summed supplies and demands of heat (MWh/yr), materials (t/yr) and water (m3/yr)."""
    cells: dict[str, dict[str, Any]] = {}
    for r in flows.pipe(_records):
        cell = h3.latlng_to_cell(float(r["lat"]), float(r["lon"]), resolution)
        p = cells.setdefault(cell, _empty_cell(cell))
        p["flows"] += 1
        side = "supply" if r["direction"] == "supply" else "demand"
        p["supplies" if side == "supply" else "demands"] += 1
        category = r.get("category")
        for family, cats, unit, suffix in (
            ("heat", HEAT_CATEGORIES, HEAT_UNIT, "mwh_per_yr"),
            ("material", MATERIAL_CATEGORIES, MATERIAL_UNIT, "t_per_yr"),
            ("water", WATER_CATEGORIES, WATER_UNIT, "m3_per_yr"),
        ):
            if category in cats:
                p[f"{family}_{side}_{suffix}"] += _amount(r, unit) or 0.0
    features = []
    for cell, props in sorted(cells.items()):
        ring = [[round(lng, 6), round(lat, 6)] for lat, lng in h3.cell_to_boundary(cell)]
        ring.append(ring[0])
        for k, v in props.items():
            if isinstance(v, float):
                props[k] = round(v, 1)
        features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                         "properties": props})  # fmt: skip
    return {"type": "FeatureCollection", "features": features, "h3_resolution": resolution}


def use_sankey(matches: Sequence[Mapping[str, Any]], min_score: float = 0.0) -> Sankey:
    """Source class → use class → sink (the demand's organisation) over the matches
    shown in full (anonymised ones are left out: their sink is hidden)."""
    triples = []
    categories: dict[str, str | None] = {}
    for r in matches:
        if r.get("anonymised") or float(r.get("score") or 0.0) < min_score:
            continue
        s, d = r["supply"], r["demand"]
        source = str(s.get("class_label") or s.get("category") or "?")
        use = str(d.get("class_label") or d.get("category") or "?")
        categories.setdefault(source, s.get("category"))
        categories.setdefault(use, d.get("category"))
        triples.append((source, use, str(d.get("actor") or "?")))
    return sankey_chain(triples, categories)


def regional_potential(
    flows: pd.DataFrame,
    matches: Sequence[Mapping[str, Any]] = (),
    *,
    lang: str = "en",
    resolution: int = H3_RESOLUTION,
) -> RegionalPotential:
    """Every table of the regional potential for ``flows`` (already cut to a viewer)."""
    check_flows(flows)
    flows = prepared(flows)
    return RegionalPotential(
        heat_bands=heat_by_band(flows, lang),
        materials=materials_by_class(flows, lang),
        water=water_rows(flows, lang),
        municipalities=by_municipality(flows, lang),
        hexagons=hexagons(flows, resolution),
        sankey=use_sankey(matches),
        h3_resolution=resolution,
    )
