"""The expert directory's pure part: expertise, and who fits a case or a match.

An expert lists resource classes, NACE sectors and topics. A case or match "needs"
the classes of its flows, the sectors of its partners and the topics of its open
barriers; experts are ranked by how many of those needs they cover (topics weigh
most: a case stuck on permits needs a permits person more than a slag person).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from sidestream.errors import InvalidDataError
from sidestream.facilitation.cases import Barrier
from sidestream.i18n import N_


class Topic(StrEnum):
    REGULATION = "regulation"
    FUNDING = "funding"
    TECHNOLOGY = "technology"
    BUSINESS = "business"
    LOGISTICS = "logistics"
    ENERGY = "energy"
    FACILITATION = "facilitation"
    COMMUNICATION = "communication"

    @property
    def label(self) -> str:
        return TOPIC_LABELS[self]


TOPIC_LABELS: dict[Topic, str] = {
    Topic.REGULATION: N_("Regulation and permits"),
    Topic.FUNDING: N_("Funding"),
    Topic.TECHNOLOGY: N_("Technology"),
    Topic.BUSINESS: N_("Business models and economics"),
    Topic.LOGISTICS: N_("Logistics"),
    Topic.ENERGY: N_("Energy systems"),
    Topic.FACILITATION: N_("Facilitation and networks"),
    Topic.COMMUNICATION: N_("Communication and public engagement"),
}

# Which expertise helps with which barrier.
BARRIER_TOPICS: dict[Barrier, Topic] = {
    Barrier.REGULATION: Topic.REGULATION,
    Barrier.EU_LAW_TIMING: Topic.REGULATION,
    Barrier.FUNDING: Topic.FUNDING,
    Barrier.SKILLS: Topic.FACILITATION,
    Barrier.ENERGY: Topic.ENERGY,
    Barrier.TRUST: Topic.FACILITATION,
    Barrier.PUBLIC_ACCEPTANCE: Topic.COMMUNICATION,
    Barrier.LOGISTICS: Topic.LOGISTICS,
    Barrier.TECHNOLOGY: Topic.TECHNOLOGY,
    Barrier.ECONOMICS: Topic.BUSINESS,
}


def parse_topics(values: Iterable[str]) -> list[str]:
    out = []
    for v in values:
        try:
            out.append(Topic(v.strip()).value)
        except ValueError:
            choices = ", ".join(t.value for t in Topic)
            raise InvalidDataError(
                N_("unknown expertise topic {topic!r}: use one of {choices}"), topic=v, choices=choices
            ) from None
    return sorted(set(out))


@dataclass(frozen=True)
class Needs:
    """What a case or match needs expertise in."""

    classes: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls, classes: Iterable[str] = (), sectors: Iterable[str] = (), barriers: Iterable[Barrier | str] = ()
    ) -> Needs:
        topics = frozenset(BARRIER_TOPICS[Barrier(b)].value for b in barriers)
        return cls(frozenset(c for c in classes if c), frozenset(s for s in sectors if s), topics)

    @property
    def empty(self) -> bool:
        return not (self.classes or self.sectors or self.topics)


@dataclass(frozen=True)
class Expertise:
    classes: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    matched: tuple[str, ...] = field(default=())


def relevance(needs: Needs, classes: Iterable[str], sectors: Iterable[str], topics: Iterable[str]) -> float:
    """How well an expert's expertise covers ``needs``: topics 2, classes and sectors 1
    each; a sector matches by NACE prefix (an expert in ``24`` covers ``24.10``).

    >>> needs = Needs.of(["steel_slag"], ["24.10"], ["regulation"])
    >>> relevance(needs, ["steel_slag"], ["24"], ["regulation"])
    4.0
    >>> relevance(needs, ["fgd_gypsum"], [], ["funding"])
    0.0
    """
    score = 2.0 * len(needs.topics & set(topics))
    score += len(needs.classes & set(classes))
    expert_sectors = [s for s in sectors if s]
    score += sum(1 for s in needs.sectors if any(s.startswith(e) for e in expert_sectors))
    return float(score)
