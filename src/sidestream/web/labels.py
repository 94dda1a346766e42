"""What the pages call the registry's kinds, in the reader's language, and the colour
of each category on the map, the legend and the Sankey (one place for both)."""

from __future__ import annotations

from sidestream.domain.categories import ActorType, Category, Direction, Visibility
from sidestream.i18n import N_, format_number, translate

CATEGORY_LABELS: dict[Category, str] = {
    Category.HEAT: N_("heat"),
    Category.STEAM: N_("steam"),
    Category.COOLING: N_("cooling"),
    Category.ELECTRICITY: N_("electricity"),
    Category.WATER: N_("water"),
    Category.WASTEWATER: N_("wastewater"),
    Category.MATERIAL: N_("material"),
    Category.WASTE: N_("waste"),
    Category.BY_PRODUCT: N_("by-product"),
    Category.GAS: N_("gas"),
    Category.CO2: N_("CO₂"),
    Category.INFRASTRUCTURE: N_("infrastructure"),
    Category.SERVICE: N_("service"),
    Category.KNOWLEDGE: N_("knowledge"),
}
UNCLASSIFIED = N_("unclassified")

ACTOR_TYPE_LABELS: dict[ActorType, str] = {
    ActorType.COMPANY: N_("company"),
    ActorType.MUNICIPALITY: N_("municipality"),
    ActorType.UTILITY: N_("utility"),
    ActorType.RESEARCH: N_("research"),
    ActorType.OTHER: N_("other"),
}

# Distinguishable on the pale basemap; text never uses these colours.
CATEGORY_COLOURS: dict[Category, str] = {
    Category.HEAT: "#d7301f",
    Category.STEAM: "#f768a1",
    Category.COOLING: "#41b6c4",
    Category.ELECTRICITY: "#e6ab02",
    Category.WATER: "#2171b5",
    Category.WASTEWATER: "#6a51a3",
    Category.MATERIAL: "#737373",
    Category.WASTE: "#8c510a",
    Category.BY_PRODUCT: "#d95f02",
    Category.GAS: "#1b9e77",
    Category.CO2: "#252525",
    Category.INFRASTRUCTURE: "#9e9ac8",
    Category.SERVICE: "#66a61e",
    Category.KNOWLEDGE: "#e7298a",
}
UNCLASSIFIED_COLOUR = "#969696"

DIRECTION_LABELS: dict[Direction, str] = {Direction.SUPPLY: N_("supply"), Direction.DEMAND: N_("demand")}

VISIBILITY_LABELS: dict[Visibility, str] = {
    Visibility.PUBLIC: N_("public"),
    Visibility.NETWORK: N_("network"),
    Visibility.FACILITATOR: N_("facilitators"),
    Visibility.PRIVATE: N_("private"),
}

# Who sees a flow at each level, in plain words: the policy of
# ``sidestream.domain.visibility.can_see`` (tests/web check the two agree).
VISIBILITY_EXPLANATIONS: dict[Visibility, str] = {
    Visibility.PUBLIC: N_("Anyone, even visitors who are not logged in."),
    Visibility.NETWORK: N_(
        "Everyone with a role in this region (viewers, members, facilitators) and your organisation."
    ),
    Visibility.FACILITATOR: N_("Only the region's facilitators and your organisation's members."),
    Visibility.PRIVATE: N_("Only your organisation's members — not even the facilitators."),
}
HIDDEN_IN_MATCHES = N_(
    "Who may not see the flow sees at most that a match exists, as an anonymous kind of resource"
    " within a distance band — never your organisation, site or amounts."
)

# The canonical annual units of the store (``sidestream.domain.units``) as shown.
UNIT_LABELS: dict[str, str] = {
    "MWh/yr": N_("MWh/yr"),
    "t/yr": N_("t/yr"),
    "m3/yr": N_("m³/yr"),
    "Nm3/yr": N_("Nm³/yr"),
    "h/yr": N_("hours/yr"),
    "m2": N_("m²"),
}
PER_YEAR = N_("/yr")


def _category(value: str | None) -> Category | None:
    try:
        return Category(value) if value else None
    except ValueError:
        return None


def category_label(value: str | None, lang: str) -> str:
    """The category's name; flows without one are "unclassified".

    >>> category_label("heat", "nb"), category_label(None, "en")
    ('varme', 'unclassified')
    """
    category = _category(value)
    return translate(CATEGORY_LABELS[category] if category else UNCLASSIFIED, lang)


def category_colour(value: str | None) -> str:
    category = _category(value)
    return CATEGORY_COLOURS[category] if category else UNCLASSIFIED_COLOUR


def direction_label(value: str, lang: str) -> str:
    return translate(DIRECTION_LABELS[Direction(value)], lang)


def visibility_label(value: str, lang: str) -> str:
    return translate(VISIBILITY_LABELS[Visibility(value)], lang)


def unit_label(unit: str | None, lang: str) -> str:
    """A unit as the reader writes it: canonical units from the catalog, a user's own
    unit with its ``/yr`` translated.

    >>> unit_label("t/yr", "nb"), unit_label("GWh/yr", "nb"), unit_label("MW", "nb")
    ('t/år', 'GWh/år', 'MW')
    """
    if not unit:
        return ""
    if unit in UNIT_LABELS:
        return translate(UNIT_LABELS[unit], lang)
    if unit.endswith("/yr"):
        return unit[: -len("/yr")] + translate(PER_YEAR, lang)
    return unit


def amount_text(value: float | None, unit: str | None, lang: str) -> str:
    """An amount with its unit, with fewer decimals the bigger it is.

    >>> amount_text(1234.56, "MWh/yr", "nb"), amount_text(2.25, "t/yr", "en")
    ('1\\xa0235 MWh/år', '2.2 t/yr')
    """
    if value is None:
        return ""
    digits = 0 if abs(value) >= 100 else 1
    number = format_number(value, lang, digits)
    label = unit_label(unit, lang)
    return f"{number} {label}" if label else number


def actor_type_label(value: str, lang: str) -> str:
    return translate(ACTOR_TYPE_LABELS[ActorType(value)], lang)


def visibility_explanation(value: str, lang: str) -> str:
    """Who will see a flow at this level.

    >>> visibility_explanation("private", "en")
    "Only your organisation's members — not even the facilitators."
    """
    return translate(VISIBILITY_EXPLANATIONS[Visibility(value)], lang)
