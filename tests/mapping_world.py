"""A small park for the mapping services, API and report tests: public supplies and
demands around Mo i Rana, plus one PRIVATE supply whose site, quantity and owner no one
outside its organisation may learn from hubs, potential or reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sidestream.store.models import Organisation, Region

SECRET_SITE = "Hemmelig Smelteverk"
SECRET_ACTOR = "Skjult Metall AS"
SECRET_MWH = 98765.0


@dataclass
class ParkWorld:
    region: Region
    secret_org: Organisation


def build_park(
    make_region: Callable[..., Region],
    make_organisation: Callable[..., Organisation],
    make_site: Callable[..., Any],
    make_flow: Callable[..., Any],
) -> ParkWorld:
    region = make_region("park", "Park")
    heat = {"category": "heat", "annual_unit": "MWh/yr", "unit": "MWh/yr"}
    public = [
        ("Varmeverk A", 66.3215, 14.1262, "supply", "surplus heat 70 °C", 70, 4000.0),
        ("Smelter B", 66.3230, 14.1300, "supply", "surplus heat 65 °C", 65, 3000.0),
        ("Fjernvarme C", 66.3180, 14.1350, "demand", "district heating", 70, 2500.0),
        ("Sykehus D", 66.3150, 14.1400, "demand", "space heating", 60, 1500.0),
        ("Kontor E", 66.3200, 14.1200, "demand", "space heating", 60, 800.0),
    ]
    for name, lat, lon, direction, resource, temp, amount in public:
        org = make_organisation(region, name)
        site = make_site(org, f"{name} site", lat=lat, lon=lon)
        make_flow(org, site, direction=direction, resource=resource, temperature_c=temp, quantity=amount,
                  annual_quantity=amount, visibility="public", **heat)  # fmt: skip
    secret_org = make_organisation(region, SECRET_ACTOR)
    site = make_site(secret_org, SECRET_SITE, lat=66.3300, lon=14.1500)
    make_flow(secret_org, site, direction="supply", resource="surplus heat 90 °C", temperature_c=90,
              quantity=SECRET_MWH, annual_quantity=SECRET_MWH, visibility="private", **heat)  # fmt: skip
    return ParkWorld(region, secret_org)
