"""Pydantic schemas of the knowledge-base files (docs/knowledge-format.md).

Data files are validated on load so that a region's own YAML with a typo fails with
the file, entry and field named, not deep inside the matcher.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sidestream.domain.categories import Category

LANGUAGES: tuple[str, ...] = ("en", "nb", "nn", "sv", "da", "fi", "is")
_EWC = re.compile(r"^\d\d \d\d \d\d\*?$")
_NACE = re.compile(r"^\d\d(\.\d\d?)?$")


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=3)
    url: str | None = None
    year: int | None = None


# Language code -> Labels field name, where the two differ: ``is`` (Icelandic) is a
# Python keyword, so that field is ``is_``; data files still write ``is:``.
_FIELD = {"is": "is_"}


class Labels(BaseModel):
    """Preferred label per language; English and Norwegian bokmål are required."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True)

    en: str
    nb: str
    nn: str | None = None
    sv: str | None = None
    da: str | None = None
    fi: str | None = None
    # Icelandic: ``is`` is a Python keyword, so the field is ``is_`` under the alias ``is``.
    is_: str | None = Field(default=None, alias="is")

    def localise(self, lang: str) -> str:
        return self.get(lang)

    def of(self, lang: str) -> str | None:
        """The label written for ``lang``, or None (no fallback; unknown codes give None)."""
        if lang not in LANGUAGES:
            return None
        value = getattr(self, _FIELD.get(lang, lang))
        return None if value is None else str(value)

    def get(self, lang: str) -> str:
        value = self.of(lang)
        if lang == "nn" and not value:
            value = self.nb
        return str(value or self.en)


class ResourceClass(BaseModel):
    """One resource class of the taxonomy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    category: Category
    labels: Labels
    synonyms: dict[str, list[str]] = Field(default_factory=dict)
    description: str = ""
    temperature_c: tuple[float, float] | None = None
    ewc: list[str] = Field(default_factory=list)
    nace: list[str] = Field(default_factory=list)
    hazardous: bool = False
    default_unit: str = "t/yr"
    sources: list[Source] = Field(min_length=1)

    @field_validator("synonyms")
    @classmethod
    def _known_languages(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - set(LANGUAGES)
        if unknown:
            raise ValueError(f"unknown language(s) {sorted(unknown)}; use {list(LANGUAGES)}")
        return {k: [str(s) for s in v or []] for k, v in value.items()}

    @field_validator("ewc")
    @classmethod
    def _ewc_codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not _EWC.match(code):
                raise ValueError(f"EWC code {code!r} must look like '10 01 02' or '10 01 04*'")
        return value

    @field_validator("nace")
    @classmethod
    def _nace_codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not _NACE.match(code):
                raise ValueError(f"NACE code {code!r} must look like '24.10'")
        return value

    @model_validator(mode="after")
    def _all_languages(self) -> ResourceClass:
        missing = [lang for lang in LANGUAGES if not self.labels.of(lang)]
        if missing:
            raise ValueError(f"labels missing for language(s) {missing}")
        return self

    @property
    def ewc_codes(self) -> list[str]:
        """EWC codes without the hazardous marker."""
        return [c.rstrip("*") for c in self.ewc]

    def terms(self) -> list[tuple[str, str]]:
        """Every (language, phrase) this class is known by, labels first."""
        out: list[tuple[str, str]] = []
        for lang in LANGUAGES:
            label = self.labels.of(lang)
            if label:
                out.append((lang, label))
            out.extend((lang, s) for s in self.synonyms.get(lang, []))
        return out


class Conditions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_supply_temperature_c: float | None = None
    max_supply_temperature_c: float | None = None
    non_hazardous: bool = False
    food_or_feed: bool = False
    max_distance_km: float | None = None
    heat_pump_allowed: bool = False
    text: str | None = None


class Rule(BaseModel):
    """A compatibility rule: a supply class can feed a demand class for a use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    supply: str
    demand: str
    use: Labels
    taker_nace: list[str] = Field(default_factory=list)
    conditions: Conditions = Field(default_factory=Conditions)
    treatment: str | None = None
    technology: str | None = None
    legal_status: Literal["by-product", "end-of-waste", "waste", "not-waste"] = "not-waste"
    transport: Literal["pipe", "road", "sea", "rail", "grid", "none"] = "road"
    strength: float = Field(ge=0.0, le=1.0)
    sources: list[Source] = Field(min_length=1)
    cases: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _food_needs_non_hazardous(self) -> Rule:
        # Hazardous waste must never go to food, feed or fish farming: encode it in
        # the data so that the matcher cannot forget it.
        if self.conditions.food_or_feed and not self.conditions.non_hazardous:
            object.__setattr__(self, "conditions", self.conditions.model_copy(update={"non_hazardous": True}))
        return self


class Family(BaseModel):
    """Classes that can stand in for each other for a common use, at lower strength
    than an explicit rule (e.g. any clean fuel gas can fire a boiler). Families fill
    the gaps between rules without writing one rule per pair."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    labels: Labels
    supply: list[str] = Field(min_length=1)
    demand: list[str] = Field(min_length=1)
    use: Labels
    strength: float = Field(ge=0.0, le=1.0)
    food_or_feed: bool = False
    transport: Literal["pipe", "road", "sea", "rail", "grid", "none"] = "road"
    sources: list[Source] = Field(min_length=1)


class UrbanSink(BaseModel):
    """A municipal or utility use that can take a side stream nobody else takes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    labels: Labels
    actor_type: Literal["municipality", "utility", "company", "other"] = "municipality"
    accepts: list[str] = Field(min_length=1)
    heat_pump_allowed: bool = False
    min_temperature_c: float | None = None
    explanation: Labels
    sources: list[Source] = Field(min_length=1)
