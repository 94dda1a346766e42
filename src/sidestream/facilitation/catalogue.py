"""The best-case catalogue: real exchanges from public sources, searchable.

The packaged cases live in ``facilitation/data/catalogue.yaml`` (each with its source
link); regions add their own through the service, stored as the same
:class:`CatalogueCase`. Search is plain: a case matches a query when every word of it
occurs in its text (title, place, partners, lessons, resource labels), and filters
by resource class, NACE sector (a prefix: ``24`` finds ``24.10``) and country.
:func:`done_before` answers "has this been done before?" for a match: cases whose
supply and demand classes are the match's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from sidestream.domain.units import parse_unit
from sidestream.errors import KnowledgeBaseError, UnitError
from sidestream.i18n import N_


class Text(BaseModel):
    """A text in English and Norwegian bokmål (English is required)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: str = Field(min_length=1)
    nb: str = ""

    def localise(self, lang: str) -> str:
        return self.nb if lang == "nb" and self.nb else self.en


class Figure(BaseModel):
    """A published figure: a value in a pint unit and what it measures."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float
    unit: str
    what: Text

    @field_validator("unit")
    @classmethod
    def _unit(cls, value: str) -> str:
        try:
            parse_unit(value)
        except UnitError as exc:
            raise ValueError(str(exc)) from None
        return value


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    url: HttpUrl


class CatalogueCase(BaseModel):
    """One documented exchange (packaged or added by a region)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    title: Text
    place: str = Field(min_length=1)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    year: int | None = Field(default=None, ge=1900, le=2100)
    status: Literal["running", "historical", "planned"] = "running"
    supply: list[str] = Field(min_length=1)
    demand: list[str] = Field(min_length=1)
    sectors: list[str] = Field(default_factory=list)
    partners: list[str] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    lessons: Text
    sources: list[Source] = Field(min_length=1)
    region: str | None = None  # slug of the region that added it; None for packaged cases

    def classes(self) -> set[str]:
        return {*self.supply, *self.demand}

    def haystack(self) -> str:
        parts = [
            self.title.en, self.title.nb, self.place, self.country, *self.partners, self.lessons.en,
            self.lessons.nb, *self.supply, *self.demand, *self.sectors,
            *(f.what.en for f in self.figures), *(f.what.nb for f in self.figures),
        ]  # fmt: skip
        return fold(" ".join(p for p in parts if p))


def fold(text: str) -> str:
    """Lower case without accents, so "Händelö" is found by "handelo".

    Letters that Unicode does not decompose are spelled out the way they are written
    in ASCII: ø → o, æ → ae, and Icelandic þ → th, ð → d ("Hellisheiði" is found by
    "hellisheidi", "Þorlákshöfn" by "thorlakshofn").

    >>> fold("Händelö Tissø")
    'handelo tisso'
    >>> fold("Þorlákshöfn Hellisheiði Fjarðaál")
    'thorlakshofn hellisheidi fjardaal'
    """
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_SPELLED_OUT))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Lower-case letters without a Unicode decomposition and their usual ASCII spelling.
_SPELLED_OUT = str.maketrans({"ø": "o", "æ": "ae", "þ": "th", "ð": "d", "œ": "oe", "ß": "ss"})


def parse_cases(data: object, where: str) -> list[CatalogueCase]:
    if not isinstance(data, list):
        raise KnowledgeBaseError(N_("{where}: expected a list of cases"), where=where)
    cases = []
    for i, item in enumerate(data):
        try:
            cases.append(CatalogueCase.model_validate(item))
        except ValueError as exc:
            raise KnowledgeBaseError(
                N_("{where}: case {number}: {reason}"), where=where, number=i + 1, reason=exc
            ) from None
    ids = [c.id for c in cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise KnowledgeBaseError(
            N_("{where}: duplicate case ids {duplicates}"), where=where, duplicates=", ".join(duplicates)
        )
    return cases


@cache
def packaged_cases() -> tuple[CatalogueCase, ...]:
    """The catalogue shipped with Sidestream (read once)."""
    path = resources.files("sidestream.facilitation") / "data" / "catalogue.yaml"
    return tuple(parse_cases(yaml.safe_load(path.read_text(encoding="utf-8")), "catalogue.yaml"))


_WORD = re.compile(r"\w+")


def search(
    cases: Iterable[CatalogueCase],
    query: str = "",
    *,
    resource_class: str | None = None,
    sector: str | None = None,
    country: str | None = None,
) -> list[CatalogueCase]:
    """The cases that contain every word of ``query`` and pass the filters, in order.

    >>> [c.id for c in search(packaged_cases(), "handelo steam")]
    ['handelo-steam-agroetanol']
    >>> len(search(packaged_cases(), resource_class="fgd_gypsum"))
    1
    """
    words = _WORD.findall(fold(query))
    out = []
    for case in cases:
        if resource_class and resource_class not in case.classes():
            continue
        if sector and not any(s.startswith(sector.strip()) for s in case.sectors):
            continue
        if country and case.country != country.strip().upper():
            continue
        if words:
            hay = case.haystack()
            if not all(w in hay for w in words):
                continue
        out.append(case)
    return out


def done_before(
    cases: Iterable[CatalogueCase], supply_class: str | None, demand_class: str | None
) -> list[CatalogueCase]:
    """Cases that exchanged this supply class into this demand class.

    With only one class known, cases with that class on that side. Running cases
    come first, then the rest, each in catalogue order.

    >>> [c.id for c in done_before(packaged_cases(), "fgd_gypsum", "gypsum")]
    ['kalundborg-fgd-gypsum']
    """
    if not supply_class and not demand_class:
        return []
    found = [
        c
        for c in cases
        if (not supply_class or supply_class in c.supply) and (not demand_class or demand_class in c.demand)
    ]
    return sorted(found, key=lambda c: c.status != "running")


def facets(cases: Sequence[CatalogueCase]) -> dict[str, list[str]]:
    """The values the filters can take (for the page's select boxes)."""
    return {
        "classes": sorted({k for c in cases for k in c.classes()}),
        "sectors": sorted({s for c in cases for s in c.sectors}),
        "countries": sorted({c.country for c in cases}),
    }
