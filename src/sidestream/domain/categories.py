"""The registries of kinds: categories, directions, actor types, visibilities.

Each kind is defined once here and imported everywhere (STYLE §4). Norwegian aliases
live beside the canonical values because flow tables arrive from Norwegian Excel.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    HEAT = "heat"
    STEAM = "steam"
    COOLING = "cooling"
    ELECTRICITY = "electricity"
    WATER = "water"
    WASTEWATER = "wastewater"
    MATERIAL = "material"
    WASTE = "waste"
    BY_PRODUCT = "by-product"
    GAS = "gas"
    CO2 = "co2"
    INFRASTRUCTURE = "infrastructure"
    SERVICE = "service"
    KNOWLEDGE = "knowledge"

    @property
    def is_thermal(self) -> bool:
        return self in (Category.HEAT, Category.STEAM)

    @property
    def is_bulk_material(self) -> bool:
        return self in (Category.MATERIAL, Category.WASTE, Category.BY_PRODUCT)


class Direction(StrEnum):
    SUPPLY = "supply"
    DEMAND = "demand"


class ActorType(StrEnum):
    COMPANY = "company"
    MUNICIPALITY = "municipality"
    UTILITY = "utility"
    RESEARCH = "research"
    OTHER = "other"


class Visibility(StrEnum):
    """Who may see a flow; ordered from most to least open."""

    PUBLIC = "public"
    NETWORK = "network"
    FACILITATOR = "facilitator"
    PRIVATE = "private"


CATEGORY_ALIASES: dict[str, Category] = {
    **{c.value: c for c in Category},
    "byproduct": Category.BY_PRODUCT,
    "by product": Category.BY_PRODUCT,
    "varme": Category.HEAT,
    "damp": Category.STEAM,
    "kjøling": Category.COOLING,
    "kjoling": Category.COOLING,
    "kulde": Category.COOLING,
    "elektrisitet": Category.ELECTRICITY,
    "strøm": Category.ELECTRICITY,
    "straum": Category.ELECTRICITY,
    "vann": Category.WATER,
    "vatn": Category.WATER,
    "avløp": Category.WASTEWATER,
    "avløpsvann": Category.WASTEWATER,
    "avløpsvatn": Category.WASTEWATER,
    "materiale": Category.MATERIAL,
    "råvare": Category.MATERIAL,
    "avfall": Category.WASTE,
    "biprodukt": Category.BY_PRODUCT,
    "gass": Category.GAS,
    "co₂": Category.CO2,
    "infrastruktur": Category.INFRASTRUCTURE,
    "tjeneste": Category.SERVICE,
    "teneste": Category.SERVICE,
    "kunnskap": Category.KNOWLEDGE,
    "kompetanse": Category.KNOWLEDGE,
}

DIRECTION_ALIASES: dict[str, Direction] = {
    "supply": Direction.SUPPLY,
    "output": Direction.SUPPLY,
    "has": Direction.SUPPLY,
    "offer": Direction.SUPPLY,
    "tilbud": Direction.SUPPLY,
    "tilbod": Direction.SUPPLY,
    "har": Direction.SUPPLY,
    "utgang": Direction.SUPPLY,
    "demand": Direction.DEMAND,
    "input": Direction.DEMAND,
    "need": Direction.DEMAND,
    "needs": Direction.DEMAND,
    "behov": Direction.DEMAND,
    "trenger": Direction.DEMAND,
    "treng": Direction.DEMAND,
    "etterspørsel": Direction.DEMAND,
}

ACTOR_TYPE_ALIASES: dict[str, ActorType] = {
    **{a.value: a for a in ActorType},
    "bedrift": ActorType.COMPANY,
    "selskap": ActorType.COMPANY,
    "verksemd": ActorType.COMPANY,
    "virksomhet": ActorType.COMPANY,
    "kommune": ActorType.MUNICIPALITY,
    "forsyning": ActorType.UTILITY,
    "energiselskap": ActorType.UTILITY,
    "forskning": ActorType.RESEARCH,
    "annet": ActorType.OTHER,
    "anna": ActorType.OTHER,
}

VISIBILITY_ALIASES: dict[str, Visibility] = {
    **{v.value: v for v in Visibility},
    "offentlig": Visibility.PUBLIC,
    "åpen": Visibility.PUBLIC,
    "nettverk": Visibility.NETWORK,
    "fasilitator": Visibility.FACILITATOR,
    "tilrettelegger": Visibility.FACILITATOR,
    "privat": Visibility.PRIVATE,
}
