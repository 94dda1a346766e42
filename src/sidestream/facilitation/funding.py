"""Funding programmes for industrial symbiosis projects, and which fit a case.

The list is a packaged, maintained data file (``facilitation/data/funding.yaml``) with
each programme's own page as its source. A programme fits a case when it is open to
the region's country (EU/EEA programmes are marked ``EU`` and list Norway and Iceland
where they are open to them) and it funds the case's stage.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from sidestream.errors import KnowledgeBaseError
from sidestream.facilitation.cases import PIPELINE, CaseStage
from sidestream.facilitation.catalogue import Text
from sidestream.i18n import N_

# fmt: off
EU_MEMBERS = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})
# fmt: on
Applicant = Literal["company", "municipality", "research", "cluster"]


class Programme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    funder: str
    countries: list[str] = Field(min_length=1)
    url: HttpUrl
    applicants: list[Applicant] = Field(min_length=1)
    stages: list[CaseStage] = Field(min_length=1)
    funds: Text
    typical: Text

    def open_to(self, country: str | None) -> bool:
        """Whether organisations in ``country`` may apply (unknown country: yes, to be safe)."""
        if not country:
            return True
        c = country.upper()
        return c in self.countries or ("EU" in self.countries and c in EU_MEMBERS)


@cache
def programmes() -> tuple[Programme, ...]:
    path = resources.files("sidestream.facilitation") / "data" / "funding.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        items = tuple(Programme.model_validate(p) for p in data)
    except ValueError as exc:
        raise KnowledgeBaseError(N_("funding.yaml: {reason}"), reason=exc) from None
    if any(s not in PIPELINE for p in items for s in p.stages):
        raise KnowledgeBaseError(N_("funding.yaml: stages must be active pipeline stages"))
    return items


def for_case(items: Iterable[Programme], *, country: str | None, stage: CaseStage | str) -> list[Programme]:
    """Programmes open to ``country`` that fund a case at ``stage``.

    >>> [p.id for p in for_case(programmes(), country="SE", stage="agreement")][:3]
    ['eu-life', 'eu-innovation-fund', 'energimyndigheten-industriklivet']
    """
    s = CaseStage(stage)
    return [p for p in items if s in p.stages and p.open_to(country)]
