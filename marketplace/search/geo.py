"""Distances on the Earth's surface, and where Espoo's postal code areas are."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float

    def __str__(self) -> str:
        return f"{self.lat:.5f},{self.lon:.5f}"


@dataclass(frozen=True)
class Place:
    name: str
    name_sv: str
    point: Point


# Approximate centres (WGS84) of the postal code areas around Kera, from the team's domain
# reference and the demo sites. A code missing here falls back to the mean position of the
# pickup places that carry it (see `services.point_for_postal_code`).
POSTAL_CODES: dict[str, Place] = {
    "02100": Place("Tapiola", "Hagalund", Point(60.1757, 24.8049)),
    "02150": Place("Otaniemi", "Otnäs", Point(60.1850, 24.8280)),
    "02230": Place("Matinkylä", "Mattby", Point(60.1600, 24.7390)),
    "02320": Place("Espoonlahti", "Esboviken", Point(60.1480, 24.6560)),
    "02600": Place("Leppävaara", "Alberga", Point(60.2192, 24.8130)),
    "02610": Place("Kilo", "Kilo", Point(60.2170, 24.7830)),
    "02630": Place("Karamalmi", "Karamalm", Point(60.2215, 24.7560)),
    "02650": Place("Kera", "Kera", Point(60.2172, 24.7535)),
    "02770": Place("Espoon keskus", "Esbo centrum", Point(60.2050, 24.6560)),
    "02780": Place("Kauklahti", "Köklax", Point(60.1920, 24.6000)),
}


def haversine_km(a: Point, b: Point) -> float:
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Box:
    """A latitude/longitude rectangle; longitudes do not wrap (Finland is far from ±180°)."""

    south: float
    west: float
    north: float
    east: float


def bounding_box(centre: Point, radius_km: float) -> Box:
    """The smallest rectangle that holds every point within `radius_km` of `centre`."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    cos_lat = math.cos(math.radians(centre.lat))
    # Near the poles a circle covers every longitude.
    dlon = 180.0 if cos_lat < 1e-6 else min(180.0, dlat / cos_lat)
    return Box(
        south=max(-90.0, centre.lat - dlat),
        west=max(-180.0, centre.lon - dlon),
        north=min(90.0, centre.lat + dlat),
        east=min(180.0, centre.lon + dlon),
    )


def km_per_degree_lon(lat: float) -> float:
    return math.radians(1) * EARTH_RADIUS_KM * math.cos(math.radians(lat))


def unit_vector(point: Point) -> tuple[float, float, float]:
    """The point on the unit sphere. The straight-line (chord) distance between two such
    vectors grows with the distance along the surface, so it sorts and limits by distance with
    plain arithmetic that a database evaluates quickly."""
    lat, lon = math.radians(point.lat), math.radians(point.lon)
    return (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))


def chord_squared(radius_km: float) -> float:
    """The squared chord of the unit sphere that spans `radius_km` on the Earth's surface."""
    angle = min(math.pi, radius_km / EARTH_RADIUS_KM)
    return (2 * math.sin(angle / 2)) ** 2
