"""Turn GeoJSON polygons into SVG path data (equirectangular, scaled for the Netherlands).

Pure Python. Used by the region view to draw a clickable choropleth server-side,
so the map works without JavaScript and needs nothing from the network.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    path: str
    label_x: float
    label_y: float


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


@cache
def _frame(path: Path, width: int) -> tuple[float, float, float, float]:
    """(cos of the reference latitude, min x, max y, scale) fitting `path` into `width`."""
    with path.open(encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    cos0 = math.cos(math.radians(52.2))
    points = [
        (lon * cos0, lat) for f in features for ring in _rings(f["geometry"]) for lon, lat in ring
    ]
    min_x = min(p[0] for p in points)
    max_x = max(p[0] for p in points)
    return cos0, min_x, max(p[1] for p in points), width / (max_x - min_x)


def project(path: Path, lon: float, lat: float, *, width: int = 480) -> tuple[float, float]:
    """A WGS84 point in the SVG coordinates of `shapes(path, width=width)`."""
    cos0, min_x, max_y, scale = _frame(path, width)
    return ((lon * cos0 - min_x) * scale, (max_y - lat) * scale)


@cache
def shapes(path: Path, *, width: int = 480, code_key: str = "code") -> tuple[Shape, ...]:
    """Projected shapes of a GeoJSON file, fitted into `width` pixels wide."""
    with path.open(encoding="utf-8") as fh:
        features = json.load(fh)["features"]

    def to_svg(lon: float, lat: float) -> tuple[float, float]:
        return project(path, lon, lat, width=width)

    out = []
    for feature in features:
        props = feature["properties"]
        parts = []
        xs: list[float] = []
        ys: list[float] = []
        biggest: list[tuple[float, float]] = []
        for ring in _rings(feature["geometry"]):
            projected = [to_svg(lon, lat) for lon, lat in ring]
            if len(projected) > len(biggest):
                biggest = projected
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in projected) + "Z")
        xs = [x for x, _ in biggest]
        ys = [y for _, y in biggest]
        out.append(
            Shape(
                code=str(props.get(code_key, "")),
                name=str(props.get("name", "")),
                path="".join(parts),
                label_x=sum(xs) / len(xs),
                label_y=sum(ys) / len(ys),
            )
        )
    return tuple(out)


def viewbox_height(items: tuple[Shape, ...]) -> float:
    """The bottom of the lowest shape, for the SVG viewBox."""
    import re

    ys = [float(y) for s in items for y in re.findall(r",(-?[0-9.]+)", s.path)]
    return max(ys) if ys else 0.0
