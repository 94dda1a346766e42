"""Distances on the sphere, vectorised. Coordinates are WGS84 degrees."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> NDArray[np.float64]:
    """Great-circle distance in km.

    >>> round(float(haversine_km(66.3167, 14.13, 65.84, 13.18)), 1)
    66.5
    """
    p1, p2 = np.radians(np.asarray(lat1, float)), np.radians(np.asarray(lat2, float))
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2, float) - np.asarray(lon1, float))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=np.float64)


def unit_vectors(lat: ArrayLike, lon: ArrayLike) -> NDArray[np.float64]:
    """Points on the unit sphere, so that a k-d tree's chord distance orders like arcs."""
    phi, lmb = np.radians(np.asarray(lat, float)), np.radians(np.asarray(lon, float))
    cos_phi = np.cos(phi)
    return np.column_stack([cos_phi * np.cos(lmb), cos_phi * np.sin(lmb), np.sin(phi)])


def chord_for_km(distance_km: float) -> float:
    """Chord length on the unit sphere for an arc of ``distance_km``."""
    return float(2 * np.sin(min(distance_km / EARTH_RADIUS_KM, np.pi) / 2))


def km_for_chord(chord: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord, float) / 2, 0, 1)))
