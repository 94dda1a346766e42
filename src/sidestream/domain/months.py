"""Months of availability as a 12-bit mask.

A mask keeps timing overlap a single bitwise AND, which the matcher does for millions
of pairs at once over integer arrays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sidestream.errors import MonthsError
from sidestream.i18n import N_

ALL_MONTHS = 0xFFF
_PART = re.compile(r"^\s*(\d{1,2})\s*(?:-\s*(\d{1,2})\s*)?$")


def _check(month: int, text: str) -> int:
    if not 1 <= month <= 12:
        raise MonthsError(N_("month {month} in {text!r} is not between 1 and 12"), month=month, text=text)
    return month


def parse_months(text: str | None) -> int:
    """Parse ``"1-12"``, ``"5-9"``, ``"1-3,10-12"`` or ``"10-3"`` (wraps the year end).

    An empty value means all year.

    >>> bin(parse_months("1-3,12"))
    '0b100000000111'
    >>> parse_months("10-3") == parse_months("1-3,10-12")
    True
    """
    if text is None or not str(text).strip():
        return ALL_MONTHS
    raw = str(text).strip().lower()
    if raw in {"all", "all year", "hele året", "heile året", "året rundt"}:
        return ALL_MONTHS
    mask = 0
    for part in re.split(r"[,;/ ]+(?=\d)", raw):
        m = _PART.match(part)
        if not m:
            raise MonthsError(
                N_("cannot read months {text!r}: write ranges like 1-12, 5-9 or 1-3,10-12"), text=text
            )
        start = _check(int(m.group(1)), text)
        end = _check(int(m.group(2)), text) if m.group(2) else start
        month = start
        while True:
            mask |= 1 << (month - 1)
            if month == end:
                break
            month = month % 12 + 1
    return mask


def format_months(mask: int) -> str:
    """Shortest range text for a mask; the inverse of :func:`parse_months`.

    >>> format_months(parse_months("1-3,10-12"))
    '1-3,10-12'
    """
    months = [m for m in range(1, 13) if mask >> (m - 1) & 1]
    if not months:
        return ""
    ranges: list[tuple[int, int]] = []
    for m in months:
        if ranges and ranges[-1][1] == m - 1:
            ranges[-1] = (ranges[-1][0], m)
        else:
            ranges.append((m, m))
    return ",".join(f"{a}-{b}" if a != b else f"{a}" for a, b in ranges)


def month_count(mask: int) -> int:
    return int(mask & ALL_MONTHS).bit_count()


@dataclass(frozen=True, slots=True)
class Months:
    """Months of the year in which a flow is available or needed."""

    mask: int = ALL_MONTHS

    @classmethod
    def parse(cls, text: str | None) -> Months:
        return cls(parse_months(text))

    def overlap(self, other: Months) -> Months:
        return Months(self.mask & other.mask)

    def __len__(self) -> int:
        return month_count(self.mask)

    def __str__(self) -> str:
        return format_months(self.mask)
