"""Named places: which municipality a site lies in, and what to call a hub.

There are no municipality polygons offline, so a site is given the municipality whose
administrative centre is nearest (``data/places.csv``, with its sources beside it),
up to ``max_km``. It is an approximation: a site near a border may be given the
neighbour, and a site far from every listed centre gets ``None``. A flow table with
a ``municipality`` column wins over the approximation (see
:func:`sidestream.mapping.potential.municipalities_of`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree

from sidestream.domain.geo import chord_for_km, km_for_chord, unit_vectors

DEFAULT_MAX_KM = 60.0


@dataclass(frozen=True, slots=True)
class Place:
    place: str
    municipality: str
    country: str
    lat: float
    lon: float


@cache
def places() -> tuple[Place, ...]:
    """The packaged places (municipality centres)."""
    text = (resources.files("sidestream.mapping") / "data" / "places.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple(
        Place(r["place"], r["municipality"], r["country"], float(r["lat"]), float(r["lon"])) for r in rows
    )


@cache
def _tree() -> cKDTree:
    ps = places()
    return cKDTree(unit_vectors([p.lat for p in ps], [p.lon for p in ps]))


def nearest_places(lat: ArrayLike, lon: ArrayLike, max_km: float = DEFAULT_MAX_KM) -> list[Place | None]:
    """The nearest packaged place of each point, or None beyond ``max_km``.

    >>> [p.municipality if p else None for p in nearest_places([66.32, 65.84, 0.0], [14.13, 13.19, 0.0])]
    ['Rana', 'Vefsn', None]
    """
    lat_a, lon_a = np.atleast_1d(np.asarray(lat, float)), np.atleast_1d(np.asarray(lon, float))
    if lat_a.size == 0:
        return []
    chord, index = _tree().query(unit_vectors(lat_a, lon_a), k=1, distance_upper_bound=chord_for_km(max_km))
    ps = places()
    out: list[Place | None] = []
    for c, i in zip(np.atleast_1d(chord), np.atleast_1d(index), strict=True):
        out.append(ps[int(i)] if np.isfinite(c) and float(km_for_chord(c)) <= max_km else None)
    return out
