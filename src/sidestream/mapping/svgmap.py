"""A self-contained SVG map of a region, drawn server-side: land outlines from Natural
Earth (the ``world-atlas`` TopoJSON the web app bundles), sites, match lines and hub
outlines. No tiles and no network, so a report prints the same anywhere.

The projection is equirectangular about the region's centre latitude (x scaled by
cos φ₀): over a county it distorts distances by well under 1 %, and it needs no
projection library.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

WORLD_ATLAS = Path(__file__).resolve().parent.parent / "web" / "static" / "build" / "countries-10m.json"
LAND = "#eef0e6"
WATER = "#dbe9f2"
COAST = "#9aa5a0"


@dataclass(frozen=True, slots=True)
class MapSite:
    lat: float
    lon: float
    colour: str
    supply: bool
    size: float = 0.5  # 0..1
    label: str = ""


@dataclass(frozen=True, slots=True)
class MapHub:
    outline: Sequence[tuple[float, float]]  # (lon, lat)
    label: str


@dataclass(frozen=True)
class MapLayers:
    sites: list[MapSite] = field(default_factory=list)
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)  # lat1, lon1, lat2, lon2
    hubs: list[MapHub] = field(default_factory=list)


@cache
def _topology(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Decode the delta-encoded, quantised arcs of a TopoJSON topology to (lon, lat)."""
    tf = topo.get("transform")
    out = []
    for arc in topo["arcs"]:
        x = y = 0.0
        pts = []
        for p in arc:
            if tf:
                x, y = x + p[0], y + p[1]
                pts.append((x * tf["scale"][0] + tf["translate"][0], y * tf["scale"][1] + tf["translate"][1]))
            else:
                pts.append((float(p[0]), float(p[1])))
        out.append(pts)
    return out


def land_rings(
    bbox: tuple[float, float, float, float], path: Path = WORLD_ATLAS
) -> list[list[tuple[float, float]]]:
    """Country polygon rings (lon, lat) that touch ``bbox`` (west, south, east, north);
    empty when the outlines are not installed (the map then shows no coast)."""
    topo = _topology(path)
    if topo is None:
        return []
    arcs = _arcs(topo)
    west, south, east, north = bbox
    rings = []
    for geom in topo["objects"]["countries"]["geometries"]:
        polys = geom.get("arcs") or []
        if geom.get("type") == "Polygon":
            polys = [polys]
        for poly in polys:
            for ring_arcs in poly:
                ring: list[tuple[float, float]] = []
                for i in ring_arcs:
                    pts = arcs[i] if i >= 0 else arcs[~i][::-1]
                    ring.extend(pts if not ring else pts[1:])
                xs, ys = [p[0] for p in ring], [p[1] for p in ring]
                # A ring wider than 90° of longitude wraps the antimeridian (Chukotka, Fiji):
                # drawn on a flat map it would cover everything, and a region never needs it.
                if (
                    xs
                    and max(xs) - min(xs) < 90
                    and min(xs) <= east
                    and max(xs) >= west
                    and min(ys) <= north
                    and max(ys) >= south
                ):
                    rings.append(ring)
    return rings


def _bbox(points: Iterable[tuple[float, float]], pad: float = 0.12) -> tuple[float, float, float, float]:
    pts = list(points)
    lons, lats = [p[1] for p in pts], [p[0] for p in pts]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    dx, dy = max(east - west, 0.05), max(north - south, 0.03)
    return west - dx * pad, south - dy * pad, east + dx * pad, north + dy * pad


def render_svg(layers: MapLayers, *, width: int = 900, height: int = 620, title: str = "") -> str:
    """The map as an ``<svg>`` element (inline in HTML, or saved as a file).

    >>> svg = render_svg(MapLayers([MapSite(66.3, 14.1, "#c00", True), MapSite(65.8, 13.2, "#00c", False)]))
    >>> svg.startswith("<svg") and svg.count("<circle") == 2
    True
    """
    pts = [(s.lat, s.lon) for s in layers.sites] + [(lat, lon) for h in layers.hubs for lon, lat in h.outline]
    if not pts:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="40" role="img"></svg>'
    west, south, east, north = _bbox(pts)
    k = math.cos(math.radians((south + north) / 2))
    span_x, span_y = (east - west) * k, north - south
    scale = min(width / span_x, height / span_y)
    w, h = span_x * scale, span_y * scale
    cx, cy = (width - w) / 2, (height - h) / 2

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return cx + (lon - west) * k * scale, cy + (north - lat) * scale

    label = escape(title, {'"': "&quot;"})
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{label}" class="region-map">'
        ),
        f'<rect width="{width}" height="{height}" fill="{WATER}"/>',
    ]
    for ring in land_rings((west - 1, south - 1, east + 1, north + 1)):
        d, last = [], None
        for lon, lat in ring:
            x, y = xy(lon, lat)
            if last is None or abs(x - last[0]) + abs(y - last[1]) > 0.8:  # drop sub-pixel steps
                d.append(f"{x:.1f},{y:.1f}")
                last = (x, y)
        if len(d) > 2:
            parts.append(
                f'<polygon points="{" ".join(d)}" fill="{LAND}" stroke="{COAST}" stroke-width="0.6"/>'
            )
    for hub in layers.hubs:
        ring = [xy(lon, lat) for lon, lat in hub.outline]
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        style = 'fill="#f2a900" fill-opacity="0.22" stroke="#b07a00" stroke-width="2" stroke-dasharray="6 3"'
        if max(xs) - min(xs) < 24 and max(ys) - min(ys) < 24:
            # Too small to see at this scale: a ring around it says "here" instead.
            mx, my = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
            parts.append(f'<circle class="hub" cx="{mx:.1f}" cy="{my:.1f}" r="16" {style}/>')
        else:
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in ring)
            parts.append(f'<polygon class="hub" points="{points}" {style}/>')
    for lat1, lon1, lat2, lon2 in layers.lines:
        (x1, y1), (x2, y2) = xy(lon1, lat1), xy(lon2, lat2)
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#1a5e63" '
            f'stroke-opacity="0.55" stroke-width="1.4"/>'
        )
    for s in sorted(layers.sites, key=lambda s: -s.size):
        x, y = xy(s.lon, s.lat)
        r = 3 + 7 * max(0.0, min(1.0, s.size))
        fill, stroke = (s.colour, "#ffffff") if s.supply else ("#ffffff", s.colour)
        title_el = f"<title>{escape(s.label)}</title>" if s.label else ""
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="1.6" fill-opacity="0.85">{title_el}</circle>'
        )
    for hub in layers.hubs:
        lon = max(p[0] for p in hub.outline)
        lat = max(p[1] for p in hub.outline)
        x, y = xy(lon, lat)
        parts.append(
            f'<text x="{x + 4:.1f}" y="{max(y, 14):.1f}" font-size="15" font-weight="bold" fill="#6b4a00" '
            f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(hub.label)}</text>'
        )
    # scale bar: a round number of km near a fifth of the width
    km_per_px = 1 / (scale / (math.pi / 180 * 6371.0088))
    target = km_per_px * width / 5
    bar_km = next((b for b in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500) if b >= target * 0.6), 1000)
    bar_px = bar_km / km_per_px
    parts.append(
        f'<g class="scale"><rect x="12" y="{height - 30}" width="{bar_px:.1f}" height="5" fill="#333"/>'
        f'<text x="12" y="{height - 36}" font-size="12" fill="#333">{bar_km} km</text></g>'
    )
    parts.append("</svg>")
    return "".join(parts)
