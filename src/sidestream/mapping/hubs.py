"""Potential hubs: places where supplies and demands sit close and fit each other.

A county mapping study calls a "potential hub" a cluster of sites whose side streams
complement each other. Here a hub is found in two steps:

1. **Density clustering on location, weighted by matching.** Each site's weight is the
   sum of the scores of the good matches (score ≥ ``min_score``) it takes part in; a
   site with no good match weighs nothing and cannot seed a hub. DBSCAN with the
   haversine metric (scikit-learn, ball tree) then groups sites within ``eps_km`` of
   each other whose neighbourhood weighs at least ``min_weight``.
2. **Complementarity check.** A cluster is a hub only if at least ``min_matches`` good
   matches run *inside* it (both ends in the cluster), with supplies and demands on
   both sides.

Why density on location and not graph communities on the match network: matches of
bulk materials reach 200 km by truck, so a community of the match graph can span a
county and says little about *where* to concentrate effort; exchanges by pipe (heat,
water, gases) — the ones that make a park a park — need neighbours. Weighting by
matches keeps a town full of sites but with nothing to exchange from being a hub.
Matched *quantities* are not used as weights because tonnes and MWh do not add up;
they are reported per unit instead.

The potential of a hub is a **maximum flow** per canonical unit (networkx): source →
each supply (capacity: its annual amount) → each demand it matches inside the hub
(capacity: the pair's estimated exchangeable amount, which already counts the months
both are available) → sink (capacity: the demand's annual amount). So a supply
matched to five demands is not counted five times, nor a demand fed by two
suppliers twice. CO2e is summed over the same flows when the caller passes an
evaluation of the pairs; otherwise it is None and the hub says it was not estimated.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from networkx.algorithms.flow import edmonds_karp
from scipy.spatial import ConvexHull, QhullError
from sklearn.cluster import DBSCAN

from sidestream.domain.geo import EARTH_RADIUS_KM, haversine_km
from sidestream.errors import InvalidDataError
from sidestream.i18n import N_, Message
from sidestream.mapping.places import nearest_places

REQUIRED_COLUMNS = ("id", "actor", "lat", "lon", "direction")
POTENTIAL_UNITS = ("MWh/yr", "t/yr", "m3/yr")
PairKey = tuple[str, str]

REASON_STREAM = N_("{stream}: {supplies} supply and {demands} demand flows that fit, within {km} km")
REASON_MATCHES = N_("{matches} matches with score ≥ {score} between {sites} sites within {km} km")
REASON_BEST = N_("best match: {supply} → {demand} (score {best})")
REASON_NO_CO2E = N_("CO2e not estimated: no evaluation of the matches was available")


@dataclass(frozen=True, slots=True)
class HubParams:
    """How hubs are found; the defaults suit a Norwegian county (sites of one park lie
    within a few km; towns are tens of km apart)."""

    eps_km: float = 3.0  # neighbourhood radius of DBSCAN
    min_weight: int = 2  # DBSCAN min_samples, in summed match scores
    min_score: float = 0.5  # a "good" match
    min_matches: int = 3  # good matches inside the cluster for it to be a hub
    outline_buffer_km: float = 0.5  # the outline is the convex hull of the sites grown by this


@dataclass(frozen=True, slots=True)
class HubMember:
    site: str
    actors: tuple[str, ...]
    lat: float
    lon: float
    supplies: int
    demands: int
    matches: int


@dataclass(frozen=True, slots=True)
class HubStream:
    """A kind of supply the hub's matches start from."""

    label: str
    category: str | None
    supplies: int
    demands: int
    matches: int


@dataclass(frozen=True)
class Hub:
    rank: int
    name: str  # the nearest packaged place, or the biggest member site
    municipality: str | None
    members: list[HubMember]
    streams: list[HubStream]
    matches: int
    potential: dict[str, float]  # canonical annual unit -> maximum exchangeable amount
    co2e_t_per_yr: float | None
    centroid: tuple[float, float]  # (lat, lon)
    outline: list[tuple[float, float]]  # closed ring of (lon, lat), GeoJSON order
    reasons: list[Message] = field(default_factory=list)

    @property
    def actors(self) -> list[str]:
        return sorted({a for m in self.members for a in m.actors})

    def explain(self, lang: str = "en") -> list[str]:
        return [r.render(lang) for r in self.reasons]

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        return {
            "rank": self.rank,
            "name": self.name,
            "municipality": self.municipality,
            "members": [
                {
                    "site": m.site,
                    "actors": list(m.actors),
                    "lat": m.lat,
                    "lon": m.lon,
                    "supplies": m.supplies,
                    "demands": m.demands,
                    "matches": m.matches,
                }
                for m in self.members
            ],
            "actors": self.actors,
            "streams": [
                {
                    "label": s.label,
                    "category": s.category,
                    "supplies": s.supplies,
                    "demands": s.demands,
                    "matches": s.matches,
                }
                for s in self.streams
            ],
            "matches": self.matches,
            "potential": [{"quantity": round(v, 1), "unit": u} for u, v in self.potential.items()],
            "co2e": None
            if self.co2e_t_per_yr is None
            else {"quantity": round(self.co2e_t_per_yr, 1), "unit": "t/yr"},
            "centroid": {"lat": round(self.centroid[0], 5), "lon": round(self.centroid[1], 5)},
            "why": self.explain(lang),
        }

    def to_feature(self, lang: str = "en") -> dict[str, Any]:
        """The hub's outline as a GeoJSON polygon feature, its facts as properties."""
        props = self.to_json(lang)
        props.pop("members")
        return {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in self.outline]]},
            "properties": props,
        }


def hubs_geojson(hubs: Sequence[Hub], lang: str = "en") -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [h.to_feature(lang) for h in hubs]}


def evaluations_from_matches(matches: Sequence[Mapping[str, Any]]) -> dict[PairKey, dict[str, Any]]:
    """The evaluation of each full pair, read from its match estimate: the matcher adds
    :mod:`sidestream.evaluation`'s fields (``co2e_avoided`` t/yr, ``net_annual`` and
    ``npv`` in EUR) to every record's ``estimate``. Pairs without an evaluable estimate
    are left out, so hubs say "not estimated" rather than zero."""
    out: dict[PairKey, dict[str, Any]] = {}
    for r in matches:
        est = r.get("estimate") or {}
        co2e = est.get("co2e_avoided")
        if not est.get("evaluable") or not isinstance(co2e, Mapping) or co2e.get("value") is None:
            continue
        out[(str(r["supply"]["id"]), str(r["demand"]["id"]))] = {
            "co2e_t_per_yr": float(co2e["value"]),
            "net_annual": est.get("net_annual"),
            "npv": est.get("npv"),
        }
    return out


def co2e_by_pair(evaluations: Mapping[PairKey, Mapping[str, Any]]) -> dict[PairKey, float] | None:
    """The CO2e of each evaluated pair for :func:`find_hubs`, or None when none was."""
    return {k: float(v["co2e_t_per_yr"]) for k, v in evaluations.items()} or None


# --- validate --------------------------------------------------------------------------


def check_flows(flows: pd.DataFrame) -> None:
    """Refuse a table the hub finder cannot place, saying how to fix it."""
    missing = [c for c in REQUIRED_COLUMNS if c not in flows.columns]
    if missing:
        raise InvalidDataError(
            N_("the flow table lacks column(s) {missing}: add them"), missing=", ".join(missing)
        )
    lat = pd.to_numeric(flows["lat"], errors="coerce")
    lon = pd.to_numeric(flows["lon"], errors="coerce")
    bad = ~(lat.between(-90, 90) & lon.between(-180, 180))
    if bad.any():
        row = flows.index[bad.to_numpy()][0]
        raise InvalidDataError(
            N_("flow {flow_id}: lat/lon must be WGS84 degrees (lat -90..90, lon -180..180)"),
            flow_id=flows.loc[row, "id"],
        )


# --- compute ---------------------------------------------------------------------------


@dataclass
class _Site:
    key: tuple[str, float, float]
    name: str
    lat: float
    lon: float
    actors: set[str] = field(default_factory=set)
    supplies: int = 0
    demands: int = 0
    weight: float = 0.0
    matches: int = 0


def _sites(flows: pd.DataFrame) -> tuple[list[_Site], dict[str, int]]:
    """Group flows by site (name and position); return the sites and flow id → site."""
    sites: list[_Site] = []
    index: dict[tuple[str, float, float], int] = {}
    of_flow: dict[str, int] = {}
    names = flows["site"] if "site" in flows.columns else flows["actor"]
    for fid, actor, name, lat, lon, direction in zip(
        flows["id"], flows["actor"], names, flows["lat"], flows["lon"], flows["direction"], strict=True
    ):
        label = str(name) if isinstance(name, str) and name else str(actor)
        key = (label, round(float(lat), 4), round(float(lon), 4))
        if key not in index:
            index[key] = len(sites)
            sites.append(_Site(key, label, float(lat), float(lon)))
        site = sites[index[key]]
        site.actors.add(str(actor))
        if direction == "supply":
            site.supplies += 1
        else:
            site.demands += 1
        of_flow[str(fid)] = index[key]
    return sites, of_flow


def _good_matches(
    matches: Sequence[Mapping[str, Any]], of_flow: Mapping[str, int], min_score: float
) -> list[Mapping[str, Any]]:
    out = []
    for r in matches:
        if r.get("anonymised") or float(r.get("score") or 0.0) < min_score:
            continue
        if str(r["supply"].get("id")) in of_flow and str(r["demand"].get("id")) in of_flow:
            out.append(r)
    return out


def _local_km(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    """Equirectangular km about (lat0, lon0): exact enough over a few km."""
    k = math.pi / 180 * EARTH_RADIUS_KM
    return np.column_stack([(lon - lon0) * k * math.cos(math.radians(lat0)), (lat - lat0) * k])


def outline_ring(lat: Sequence[float], lon: Sequence[float], buffer_km: float) -> list[tuple[float, float]]:
    """The convex hull of the points grown by ``buffer_km`` (the hull of a circle of 24
    vertices around each point), as a closed (lon, lat) ring, counter-clockwise.

    >>> ring = outline_ring([66.0], [14.0], 1.0)
    >>> len(ring), ring[0] == ring[-1]
    (25, True)
    """
    lat_a, lon_a = np.asarray(lat, float), np.asarray(lon, float)
    lat0, lon0 = float(lat_a.mean()), float(lon_a.mean())
    xy = _local_km(lat_a, lon_a, lat0, lon0)
    angles = np.linspace(0, 2 * math.pi, 24, endpoint=False)
    circle = np.column_stack([np.cos(angles), np.sin(angles)]) * buffer_km
    cloud = (xy[:, None, :] + circle[None, :, :]).reshape(-1, 2)
    try:
        hull = cloud[ConvexHull(cloud).vertices]
    except QhullError:  # pragma: no cover - a circle always spans an area
        hull = cloud
    k = math.pi / 180 * EARTH_RADIUS_KM
    lons = hull[:, 0] / (k * math.cos(math.radians(lat0))) + lon0
    lats = hull[:, 1] / k + lat0
    ring = [(round(float(x), 6), round(float(y), 6)) for x, y in zip(lons, lats, strict=True)]
    return [*ring, ring[0]]


def max_exchange(
    pairs: Sequence[tuple[str, str, float]],
    supply_amount: Mapping[str, float | None],
    demand_amount: Mapping[str, float | None],
) -> tuple[float, dict[PairKey, float]]:
    """The most that can be exchanged over ``pairs`` (supply id, demand id, pair limit)
    without giving away more than a supply has or taking more than a demand needs;
    returns the total and the amount on each pair. Unknown amounts do not bind.

    >>> total, per_pair = max_exchange([("a", "x", 10), ("a", "y", 10), ("b", "x", 10)],
    ...                                {"a": 12, "b": 5}, {"x": 8, "y": 6})
    >>> total
    14.0
    """
    graph = nx.DiGraph()
    for s, d, limit in pairs:
        graph.add_edge(("s", s), ("d", d), capacity=float(limit))
        cap = supply_amount.get(s)
        if cap is not None and not math.isnan(cap):
            graph.add_edge("SOURCE", ("s", s), capacity=float(cap))
        else:
            graph.add_edge("SOURCE", ("s", s))  # no capacity attribute: unbounded
        cap = demand_amount.get(d)
        if cap is not None and not math.isnan(cap):
            graph.add_edge(("d", d), "SINK", capacity=float(cap))
        else:
            graph.add_edge(("d", d), "SINK")
    if not pairs:
        return 0.0, {}
    # Edmonds–Karp: networkx's default preflow-push fails (KeyError on the sink) when
    # zero capacities cut the sink off; found by the hypothesis test.
    value, flow = nx.maximum_flow(graph, "SOURCE", "SINK", flow_func=edmonds_karp)
    per_pair = {(s, d): float(flow[("s", s)][("d", d)]) for s, d, _ in pairs}
    return float(value), per_pair


def _fmt_km(km: float) -> float:
    """Distances in explanations: rounded up to 0.5 km, so "within" stays true."""
    return max(0.5, math.ceil(km * 2) / 2)


def _hub(
    members: list[_Site],
    inside: list[Mapping[str, Any]],
    flows: pd.DataFrame,
    params: HubParams,
    co2e: Mapping[PairKey, float] | None,
) -> Hub:
    lat = np.array([m.lat for m in members])
    lon = np.array([m.lon for m in members])
    w = np.array([m.weight for m in members])
    centroid = (float(np.average(lat, weights=w)), float(np.average(lon, weights=w)))
    amount = dict(zip(flows["id"].astype(str), flows.get("annual_quantity", pd.Series(np.nan, flows.index)),
                      strict=True))  # fmt: skip
    unit_of = dict(zip(flows["id"].astype(str), flows.get("annual_unit", pd.Series(None, flows.index)),
                       strict=True))  # fmt: skip

    potential: dict[str, float] = {}
    co2e_total: float | None = 0.0 if co2e is not None else None
    for unit in POTENTIAL_UNITS:
        pairs = []
        for r in inside:
            est = r.get("estimate") or {}
            if est.get("unit") == unit and est.get("quantity") is not None:
                pairs.append((str(r["supply"]["id"]), str(r["demand"]["id"]), float(est["quantity"])))
        if not pairs:
            continue
        supply_cap = {s: (amount[s] if unit_of.get(s) == unit else None) for s, _, _ in pairs}
        demand_cap = {d: (amount[d] if unit_of.get(d) == unit else None) for _, d, _ in pairs}
        total, per_pair = max_exchange(pairs, supply_cap, demand_cap)
        if total > 0:
            potential[unit] = total
        if co2e is not None and co2e_total is not None:
            for s, d, limit in pairs:
                if limit > 0 and (s, d) in co2e:
                    co2e_total += co2e[(s, d)] * per_pair[(s, d)] / limit

    streams_by: dict[str, dict[str, Any]] = {}
    for r in inside:
        label = str(r["supply"].get("class_label") or r["supply"].get("category") or "?")
        st = streams_by.setdefault(
            label, {"category": r["supply"].get("category"), "supplies": set(), "demands": set(), "n": 0,
                    "km": 0.0}
        )  # fmt: skip
        st["supplies"].add(str(r["supply"]["id"]))
        st["demands"].add(str(r["demand"]["id"]))
        st["n"] += 1
        st["km"] = max(st["km"], float(r.get("distance_km") or 0.0))
    ranked = sorted(streams_by.items(), key=lambda kv: (-kv[1]["n"], -len(kv[1]["supplies"]), kv[0]))
    streams = [
        HubStream(label, v["category"], len(v["supplies"]), len(v["demands"]), v["n"]) for label, v in ranked
    ]

    span = float(haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :]).max())
    reasons = [
        Message(REASON_STREAM, {"supplies": len(v["supplies"]), "stream": label, "km": _fmt_km(v["km"]),
                                "demands": len(v["demands"])})
        for label, v in ranked[:3]
    ]  # fmt: skip
    reasons.append(
        Message(
            REASON_MATCHES,
            {"matches": len(inside), "score": params.min_score, "sites": len(members), "km": _fmt_km(span)},
        )
    )
    best = max(inside, key=lambda r: float(r["score"]))
    reasons.append(
        Message(
            REASON_BEST,
            {"supply": best["supply"].get("actor"), "demand": best["demand"].get("actor"),
             "best": round(float(best["score"]), 2)},
        )
    )  # fmt: skip
    if co2e is None:
        reasons.append(Message(REASON_NO_CO2E))

    place = nearest_places([centroid[0]], [centroid[1]], max_km=max(10.0, params.eps_km * 3))[0]
    biggest = max(members, key=lambda m: (m.matches, m.weight))
    ordered = sorted(members, key=lambda m: (-m.matches, m.name))
    return Hub(
        rank=0,
        name=place.place if place else biggest.name,
        municipality=place.municipality if place else None,
        members=[
            HubMember(m.name, tuple(sorted(m.actors)), m.lat, m.lon, m.supplies, m.demands, m.matches)
            for m in ordered
        ],
        streams=streams,
        matches=len(inside),
        potential=potential,
        co2e_t_per_yr=co2e_total,
        centroid=centroid,
        outline=outline_ring(lat.tolist(), lon.tolist(), params.outline_buffer_km),
        reasons=reasons,
    )


def find_hubs(
    flows: pd.DataFrame,
    matches: Sequence[Mapping[str, Any]],
    params: HubParams | None = None,
    *,
    co2e_t_per_yr: Mapping[PairKey, float] | None = None,
) -> list[Hub]:
    """The potential hubs among ``flows`` (a flow-table frame: id, actor, site, lat, lon,
    direction, annual_quantity, annual_unit) given their ``matches`` (records of the
    match JSON contract; anonymised records are ignored), biggest first.

    ``co2e_t_per_yr`` maps (supply id, demand id) to the CO2e a pair avoids at its
    estimated amount (from :mod:`sidestream.evaluation`), if the caller has it.
    """
    params = params or HubParams()
    check_flows(flows)
    if flows.empty:
        return []
    sites, of_flow = _sites(flows)
    good = _good_matches(matches, of_flow, params.min_score)
    for r in good:
        a, b = of_flow[str(r["supply"]["id"])], of_flow[str(r["demand"]["id"])]
        score = float(r["score"])
        for i in {a, b}:
            sites[i].weight += score
            sites[i].matches += 1
    active = [i for i, s in enumerate(sites) if s.weight > 0]
    if not active:
        return []
    coords = np.radians([[sites[i].lat, sites[i].lon] for i in active])
    weights = np.array([sites[i].weight for i in active])
    labels = DBSCAN(
        eps=params.eps_km / EARTH_RADIUS_KM,
        min_samples=params.min_weight,
        metric="haversine",
        algorithm="ball_tree",
    ).fit_predict(coords, sample_weight=weights)
    cluster_of = {active[j]: int(label) for j, label in enumerate(labels) if label >= 0}
    inside: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for r in good:
        ca = cluster_of.get(of_flow[str(r["supply"]["id"])])
        cb = cluster_of.get(of_flow[str(r["demand"]["id"])])
        if ca is not None and ca == cb:
            inside[ca].append(r)
    members: dict[int, list[_Site]] = defaultdict(list)
    for i, label in cluster_of.items():
        members[label].append(sites[i])
    hubs = []
    for label, records in inside.items():
        if len(records) < params.min_matches:
            continue
        hubs.append(_hub(members[label], records, flows, params, co2e_t_per_yr))
    hubs.sort(key=lambda h: (-h.matches, h.name))
    counts = Counter(h.name for h in hubs)
    out = []
    seen: Counter[str] = Counter()
    for rank, h in enumerate(hubs, start=1):
        name = h.name
        if counts[name] > 1:  # two hubs near the same town: tell them apart
            seen[name] += 1
            name = f"{name} {seen[name]}"
        out.append(Hub(rank, name, h.municipality, h.members, h.streams, h.matches, h.potential,
                       h.co2e_t_per_yr, h.centroid, h.outline, h.reasons))  # fmt: skip
    return out
