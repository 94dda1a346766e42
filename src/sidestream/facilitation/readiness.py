"""Readiness of a case, per perspective, as a ladder of criteria.

In the spirit of the industrial symbiosis readiness levels (ISRL) of the CORALIS
project, which follows a synergy from six perspectives — technology and integration,
business, organisational, legal (and ethical), societal and environmental (CORALIS,
H2020 grant 958337, deliverable D2.1 *Description of key performance indicators and
symbiosis readiness level scale*, 2021,
https://www.coralis-h2020.eu/public-deliverables/d2-1-description-of-key-performance-indicators-and-symbiosis-readiness-level-scale/).
The criteria below are Sidestream's own wording of the steps a facilitator checks,
not CORALIS's scale: each perspective is a ladder, and its level is the number of
criteria met *in order* — a later step does not count while an earlier one is open,
because a signed contract on an unverified quality is not readiness.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from sidestream.errors import InvalidDataError
from sidestream.i18n import N_

SOURCE_URL = (
    "https://www.coralis-h2020.eu/public-deliverables/"
    "d2-1-description-of-key-performance-indicators-and-symbiosis-readiness-level-scale/"
)


class Perspective(StrEnum):
    TECHNICAL = "technical"
    BUSINESS = "business"
    ORGANISATIONAL = "organisational"
    LEGAL = "legal"
    SOCIETAL = "societal"
    ENVIRONMENTAL = "environmental"

    @property
    def label(self) -> str:
        return PERSPECTIVE_LABELS[self]


PERSPECTIVE_LABELS: dict[Perspective, str] = {
    Perspective.TECHNICAL: N_("Technical"),
    Perspective.BUSINESS: N_("Business"),
    Perspective.ORGANISATIONAL: N_("Organisational"),
    Perspective.LEGAL: N_("Legal"),
    Perspective.SOCIETAL: N_("Societal"),
    Perspective.ENVIRONMENTAL: N_("Environmental"),
}


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    text: str  # msgid


CRITERIA: dict[Perspective, tuple[Criterion, ...]] = {
    Perspective.TECHNICAL: (
        Criterion("t1", N_("Stream identified and described (what, how much, when)")),
        Criterion("t2", N_("Quality measured against the receiver's specification")),
        Criterion("t3", N_("Treatment and transport solution chosen")),
        Criterion("t4", N_("Trial or pilot delivery done")),
        Criterion("t5", N_("Integrated in both partners' operations")),
    ),
    Perspective.BUSINESS: (
        Criterion("b1", N_("Value for both sides named")),
        Criterion("b2", N_("Costs and savings estimated")),
        Criterion("b3", N_("Business case with price and volumes agreed in principle")),
        Criterion("b4", N_("Financing secured")),
        Criterion("b5", N_("Contract signed")),
    ),
    Perspective.ORGANISATIONAL: (
        Criterion("o1", N_("Contact persons named at each partner")),
        Criterion("o2", N_("Management at each partner supports the case")),
        Criterion("o3", N_("Roles, responsibilities and a timeline agreed")),
        Criterion("o4", N_("Resources (people, time) allocated")),
        Criterion("o5", N_("Routines for follow-up and deviations in place")),
    ),
    Perspective.LEGAL: (
        Criterion("l1", N_("Legal status of the stream clarified (waste, by-product, end-of-waste)")),
        Criterion("l2", N_("Permits needed identified")),
        Criterion("l3", N_("Dialogue with the permitting authority held")),
        Criterion("l4", N_("Permits applied for")),
        Criterion("l5", N_("Permits granted")),
    ),
    Perspective.SOCIETAL: (
        Criterion("s1", N_("Neighbours and affected groups identified")),
        Criterion("s2", N_("Municipality informed and involved")),
        Criterion("s3", N_("Residents informed early (public page or meeting)")),
        Criterion("s4", N_("Feedback answered and concerns addressed")),
        Criterion("s5", N_("Local acceptance confirmed")),
    ),
    Perspective.ENVIRONMENTAL: (
        Criterion("e1", N_("Environmental benefit described")),
        Criterion("e2", N_("Benefit estimated (CO2e, resources) against the current practice")),
        Criterion("e3", N_("Risks (emissions, pollutants, transport) assessed")),
        Criterion("e4", N_("Baseline and measurement method agreed")),
        Criterion("e5", N_("Realised benefit measured and reported")),
    ),
}

MAX_LEVEL = max(len(c) for c in CRITERIA.values())
_BY_ID = {c.id: (p, c) for p, cs in CRITERIA.items() for c in cs}


def check_criteria(met: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Validate ``{perspective: [criterion ids]}`` and return it cleaned and ordered.

    >>> check_criteria({"legal": ["l2", "l1", "l1"]})
    {'legal': ['l1', 'l2']}
    """
    out: dict[str, list[str]] = {}
    for key, ids in met.items():
        try:
            perspective = Perspective(key)
        except ValueError:
            choices = ", ".join(p.value for p in Perspective)
            raise InvalidDataError(
                N_("unknown readiness perspective {key!r}: use one of {choices}"), key=key, choices=choices
            ) from None
        wanted = set(ids)
        known = {c.id for c in CRITERIA[perspective]}
        unknown = sorted(wanted - known)
        if unknown:
            raise InvalidDataError(
                N_("{perspective}: unknown criteria {unknown}: use {known}"),
                perspective=perspective.value,
                unknown=", ".join(unknown),
                known=", ".join(sorted(known)),
            )
        ordered = [c.id for c in CRITERIA[perspective] if c.id in wanted]
        if ordered:
            out[perspective.value] = ordered
    return out


def level(perspective: Perspective | str, met: Iterable[str]) -> int:
    """How many criteria of the ladder are met in order, from the first.

    >>> level("technical", ["t1", "t2", "t4"])
    2
    >>> level("business", [])
    0
    """
    wanted = set(met)
    count = 0
    for criterion in CRITERIA[Perspective(perspective)]:
        if criterion.id not in wanted:
            break
        count += 1
    return count


def levels(met: Mapping[str, Iterable[str]]) -> dict[Perspective, int]:
    """The level of every perspective (0 where nothing is met)."""
    return {p: level(p, met.get(p.value, ())) for p in Perspective}
