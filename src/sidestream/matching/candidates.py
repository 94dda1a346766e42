"""Step 2 — candidate pairs from a spatial index, never a full cross join.

Two ideas keep this fast and exact:

* **Class layers.** Each point gets a fourth coordinate, ``class index × 10``. Chords
  on the unit sphere are at most 2, so a radius query can never cross layers; a
  supply is queried once in the layer of each demand class it is compatible with.
  All pairs of a partition then come from one k-d tree call in C
  (``scipy.spatial.cKDTree.sparse_distance_matrix``), with no Python loop per pair.
* **Partitions with a halo.** Supplies are split into grid cells; each cell takes every
  demand within one search radius of the cell (its halo). A supply's candidates all
  lie in its own cell's halo, so cell by cell results equal global results — the same
  function can run per partition on Dask.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from sidestream.domain.geo import (
    EARTH_RADIUS_KM,
    chord_for_km,
    haversine_km,
    km_for_chord,
    unit_vectors,
)
from sidestream.matching.compatibility import NO_RULE, CompatibilityTable

LAYER_GAP = 10.0
KM_PER_DEG = np.pi * EARTH_RADIUS_KM / 180.0


@dataclass(frozen=True)
class Candidates:
    """Pairs as parallel arrays of positions into the supply and demand tables."""

    supply: NDArray[np.intp]
    demand: NDArray[np.intp]
    straight_km: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.supply.size)


def _expand_queries(
    s_cls: NDArray[np.intp], d_cls: NDArray[np.intp], compat: CompatibilityTable
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """(supply position, demand class) for every compatible class present."""
    n_classes = len(compat.class_ids)
    present = np.zeros(n_classes, dtype=bool)
    present[d_cls] = True
    allowed = (compat.rule_index != NO_RULE) & present[None, :]
    order = np.argsort(s_cls, kind="stable")
    sorted_cls = s_cls[order]
    bounds = np.flatnonzero(np.diff(sorted_cls)) + 1
    q_supply: list[NDArray[np.intp]] = []
    q_layer: list[NDArray[np.intp]] = []
    for group in np.split(order, bounds):
        if group.size == 0:
            continue
        targets = np.flatnonzero(allowed[s_cls[group[0]]])
        if targets.size == 0:
            continue
        q_supply.append(np.repeat(group, targets.size))
        q_layer.append(np.tile(targets, group.size))
    if not q_supply:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty
    return np.concatenate(q_supply), np.concatenate(q_layer)


def candidate_pairs(
    s_lat: NDArray[np.float64],
    s_lon: NDArray[np.float64],
    s_cls: NDArray[np.intp],
    s_radius_km: NDArray[np.float64],
    d_lat: NDArray[np.float64],
    d_lon: NDArray[np.float64],
    d_cls: NDArray[np.intp],
    compat: CompatibilityTable,
) -> Candidates:
    """All class-compatible pairs whose straight-line distance is within the supply's
    radius. Positions refer to the arrays passed in."""
    empty = Candidates(np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0, np.float64))
    if s_lat.size == 0 or d_lat.size == 0:
        return empty
    q_supply, q_layer = _expand_queries(s_cls, d_cls, compat)
    if q_supply.size == 0:
        return empty
    d_points = np.column_stack([unit_vectors(d_lat, d_lon), d_cls * LAYER_GAP])
    d_tree = cKDTree(d_points)
    s_xyz = unit_vectors(s_lat, s_lon)
    radius = s_radius_km[q_supply]
    parts_s: list[NDArray[np.intp]] = []
    parts_d: list[NDArray[np.intp]] = []
    parts_c: list[NDArray[np.float64]] = []
    for r in np.unique(s_radius_km):
        sel = np.flatnonzero(radius == r)
        if sel.size == 0:
            continue
        q_points = np.column_stack([s_xyz[q_supply[sel]], q_layer[sel] * LAYER_GAP])
        q_tree = cKDTree(q_points)
        found = q_tree.sparse_distance_matrix(d_tree, chord_for_km(float(r)), output_type="ndarray")
        if found.size == 0:
            continue
        parts_s.append(q_supply[sel][found["i"]])
        parts_d.append(found["j"].astype(np.intp))
        parts_c.append(found["v"].astype(np.float64))
    if not parts_s:
        return empty
    return Candidates(np.concatenate(parts_s), np.concatenate(parts_d), km_for_chord(np.concatenate(parts_c)))


def grid_cells(lat: NDArray[np.float64], lon: NDArray[np.float64], cell_km: float) -> NDArray[np.int64]:
    """A cell number per point on a grid of roughly ``cell_km`` squares."""
    dlat = cell_km / KM_PER_DEG
    row = np.floor((lat + 90.0) / dlat).astype(np.int64)
    band_lat = np.minimum(np.abs(row * dlat - 90.0), np.abs((row + 1) * dlat - 90.0))
    dlon = cell_km / (KM_PER_DEG * np.maximum(np.cos(np.radians(band_lat)), 0.01))
    col = np.floor((lon + 180.0) / dlon).astype(np.int64)
    return np.asarray(row * 1_000_000 + col, dtype=np.int64)


def partitions(
    s_lat: NDArray[np.float64],
    s_lon: NDArray[np.float64],
    d_lat: NDArray[np.float64],
    d_lon: NDArray[np.float64],
    cell_km: float,
    halo_km: float,
    max_supplies: int = 3_000,
) -> Iterator[tuple[NDArray[np.intp], NDArray[np.intp]]]:
    """Yield (supply positions, demand positions) per cell: supplies in the cell and
    every demand within ``halo_km`` of any point of the cell. A crowded cell is split
    into batches of at most ``max_supplies`` supplies sharing the cell's halo, which
    bounds the memory one partition needs without changing any result."""
    cells = grid_cells(s_lat, s_lon, cell_km)
    d_tree = cKDTree(unit_vectors(d_lat, d_lon)) if d_lat.size else None
    order = np.argsort(cells, kind="stable")
    bounds = np.flatnonzero(np.diff(cells[order])) + 1
    for group in np.split(order, bounds):
        if group.size == 0:
            continue
        if d_tree is None:
            yield group, np.empty(0, np.intp)
            continue
        # Halo around the cell's actual supplies: centre plus the farthest supply.
        c_lat, c_lon = float(np.mean(s_lat[group])), float(np.mean(s_lon[group]))
        spread = float(np.max(haversine_km(c_lat, c_lon, s_lat[group], s_lon[group])))
        centre = unit_vectors(np.array([c_lat]), np.array([c_lon]))[0]
        found = d_tree.query_ball_point(centre, chord_for_km(spread + halo_km))
        halo = np.sort(np.asarray(found, dtype=np.intp))
        for start in range(0, group.size, max_supplies):
            yield group[start : start + max_supplies], halo
