"""Public reference lists: the EU List of Waste (EWC) and NACE Rev. 2.

Both ship as CSV package data with their provenance in ``*.SOURCE.md`` beside them.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sidestream.errors import KnowledgeBaseError
from sidestream.i18n import N_

_EWC_RE = re.compile(r"^\s*(\d{2})\s*[ .-]?\s*(\d{2})\s*[ .-]?\s*(\d{2})\s*(\*)?\s*$")
_NACE_RE = re.compile(r"^\s*([A-Ua-u]\s*)?(\d{2})(?:[.]?(\d)(\d)?)?\s*$")


@dataclass(frozen=True, slots=True)
class ReferenceEntry:
    code: str
    level: str
    label: str
    parent: str
    hazardous: bool = False


def _data_path(name: str) -> str:
    return str(resources.files("sidestream.knowledge") / "data" / "reference" / name)


def _read(name: str) -> list[dict[str, str]]:
    try:
        with open(_data_path(name), encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError as exc:
        raise KnowledgeBaseError(N_("reference list {name} is missing from the package"), name=name) from exc


@cache
def ewc_entries() -> dict[str, ReferenceEntry]:
    """All chapters, sub-chapters and entries of the List of Waste, by code."""
    return {
        r["code"]: ReferenceEntry(
            r["code"],
            r["level"],
            r["description"],
            r.get("parent") or "",
            r["hazardous"].strip().lower() == "true",
        )
        for r in _read("ewc.csv")
    }


@cache
def nace_entries() -> dict[str, ReferenceEntry]:
    """All sections, divisions, groups and classes of NACE Rev. 2, by code."""
    return {
        r["code"]: ReferenceEntry(r["code"], r["level"], r["label"], r.get("parent") or "")
        for r in _read("nace.csv")
    }


def normalise_ewc(text: str) -> tuple[str, bool]:
    """``"100102"``, ``"10.01.02"``, ``"10 01 04*"`` → (``"10 01 04"``, marked hazardous).

    >>> normalise_ewc("10.01.04*")
    ('10 01 04', True)
    """
    m = _EWC_RE.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not an EWC code: write six digits like 10 01 02 (add * if hazardous)")
    return f"{m.group(1)} {m.group(2)} {m.group(3)}", bool(m.group(4))


def normalise_nace(text: str) -> str:
    """``"2410"``, ``"24.10"``, ``"C24.10"`` → ``"24.10"``; a division stays ``"24"``.

    >>> normalise_nace("C2410")
    '24.10'
    """
    m = _NACE_RE.match(str(text).replace(" ", ""))
    if not m:
        raise ValueError(f"{text!r} is not a NACE Rev. 2 code: write e.g. 24.10 or 03.21")
    division, group, cls = m.group(2), m.group(3), m.group(4)
    if group is None:
        return division
    return f"{division}.{group}{cls or ''}"


def ewc_hazardous(code: str) -> bool | None:
    """Whether a List of Waste entry is hazardous; ``None`` if the code is unknown."""
    entry = ewc_entries().get(code)
    return entry.hazardous if entry and entry.level == "entry" else None
