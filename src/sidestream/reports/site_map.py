"""A self-contained SVG map of sites and the lines between them, for printed reports.

No tiles, no network, no basemap: sites are placed by an equirectangular projection
scaled by the cosine of the mean latitude (true shape at the region's scale), with a
scale bar in kilometres and a faint graticule so that a reader can place it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

KM_PER_DEGREE = 111.32
SCALE_STEPS_KM = (0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500)


@dataclass(frozen=True, slots=True)
class MapPoint:
    lat: float
    lon: float
    colour: str
    label: str
    filled: bool = True  # supply filled, demand ring


@dataclass(frozen=True, slots=True)
class MapLine:
    a: tuple[float, float]  # (lat, lon)
    b: tuple[float, float]
    weight: float = 1.0  # 0-1


def _nice_step(span_km: float) -> float:
    """A round scale-bar length near a fifth of the map's width.

    >>> _nice_step(37), _nice_step(0.3)
    (5, 0.5)
    """
    target = span_km / 5
    best = SCALE_STEPS_KM[0]
    for step in SCALE_STEPS_KM:
        if step <= target:
            best = step
    return best


def _free_box(
    x: float, y: float, text_px: float, width: int, taken: list[tuple[float, float, float, float]]
) -> tuple[float, float, float, float] | None:
    """A label box (x0, y0, x1, y1) beside the point that overlaps no other label:
    right of it, else left, nudged up or down a line at a time."""
    for dy in (0, 13, -13, 26, -26, 39, -39):
        for side in (1, -1):
            x0 = x + 9 if side == 1 else x - 9 - text_px
            if x0 < 2 or x0 + text_px > width - 2:
                continue
            box = (x0, y + dy - 8, x0 + text_px, y + dy + 7)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken):
                return box
    return None


def site_map_svg(
    points: list[MapPoint],
    lines: list[MapLine],
    *,
    width: int = 640,
    height: int = 420,
    min_height: int = 240,
    title: str = "",
) -> str:
    """The SVG text (an ``<svg>`` element, no XML prolog) of the points and lines.

    >>> svg = site_map_svg([MapPoint(66.3, 14.1, "#d7301f", "Elkem")], [])
    >>> svg.startswith("<svg"), "Elkem" in svg, svg.count("http")
    (True, True, 1)
    """
    pad = 36
    max_height = height
    coords = [(p.lat, p.lon) for p in points] + [c for ln in lines for c in (ln.a, ln.b)]
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{escape(title)}" class="site-map">'
        ),
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#eef4f6" stroke="#c9d3d5"/>',
    ]
    if not coords:
        parts.append("</svg>")
        return "".join(parts)
    lats = [c[0] for c in coords]
    lons = [c[1] for c in coords]
    mid_lat = (min(lats) + max(lats)) / 2
    kx = math.cos(math.radians(mid_lat))
    span_x = max((max(lons) - min(lons)) * kx, 0.01)
    span_y = max(max(lats) - min(lats), 0.01)
    # A wide, flat spread of sites gets a lower map instead of empty sea above and below.
    height = int(max(min_height, min(height, 2 * pad + (width - 2 * pad) * span_y / span_x)))
    parts[0] = (
        parts[0]
        .replace(f'0 0 {width} {max_height}"', f'0 0 {width} {height}"')
        .replace(f'height="{max_height}"', f'height="{height}"')
    )
    parts[1] = f'<rect x="0" y="0" width="{width}" height="{height}" fill="#eef4f6" stroke="#c9d3d5"/>'
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    cx, cy = (min(lons) + max(lons)) / 2, mid_lat

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return width / 2 + (lon - cx) * kx * scale, height / 2 - (lat - cy) * scale

    # graticule every 0.1, 0.5 or 1 degree, depending on the extent
    step = 0.1 if span_y < 1 else 0.5 if span_y < 4 else 1.0
    lat0 = math.floor((cy - height / 2 / scale) / step) * step
    lon0 = math.floor((cx - width / 2 / scale / kx) / step) * step
    g = lat0
    while g <= cy + height / 2 / scale:
        _, y = xy(g, cx)
        parts.append(
            f'<line x1="0" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" stroke="#d5e1e5" stroke-width="0.6"/>'
        )
        g += step
    g = lon0
    while g <= cx + width / 2 / scale / kx:
        x, _ = xy(cy, g)
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#d5e1e5" stroke-width="0.6"/>'
        )
        g += step
    for ln in lines:
        (x1, y1), (x2, y2) = xy(*ln.a), xy(*ln.b)
        w = 1 + 3 * max(0.0, min(1.0, ln.weight))
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#1a5e63" '
            f'stroke-width="{w:.1f}" stroke-opacity="0.6"/>'
        )
    boxes: list[tuple[float, float, float, float]] = []
    labels: list[str] = []
    for p in points:
        x, y = xy(p.lat, p.lon)
        fill = p.colour if p.filled else "#ffffff"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{fill}" stroke="{p.colour}" '
            f'stroke-width="{1 if p.filled else 2.5}"><title>{escape(p.label)}</title></circle>'
        )
        text = p.label[:32]
        if text in labels and any(abs(x - (b[0] + b[2]) / 2) < 120 and abs(y - b[3]) < 40 for b in boxes):
            continue  # the same organisation is already named close by
        box = _free_box(x, y, len(text) * 6.4, width, boxes)
        if box is None:
            continue  # no room: the circle's tooltip still names it
        boxes.append(box)
        labels.append(text)
        parts.append(
            f'<text x="{box[0]:.1f}" y="{box[3] - 3:.1f}" font-size="11" fill="#1d2a2f" '
            f'font-family="sans-serif">{escape(text)}</text>'
        )
    km_per_px = 1 / (scale / KM_PER_DEGREE)
    bar_km = _nice_step(width * km_per_px)
    bar_px = bar_km / km_per_px
    y0 = height - 14
    parts.append(
        f'<line x1="14" y1="{y0}" x2="{14 + bar_px:.1f}" y2="{y0}" stroke="#1d2a2f" stroke-width="3"/>'
        f'<text x="14" y="{y0 - 6}" font-size="11" font-family="sans-serif" fill="#1d2a2f">'
        f"{bar_km:g} km</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
