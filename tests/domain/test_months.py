from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sidestream.domain.months import ALL_MONTHS, Months, format_months, parse_months
from sidestream.errors import MonthsError


@pytest.mark.parametrize(
    ("text", "months"),
    [("1-12", list(range(1, 13))), ("5-9", [5, 6, 7, 8, 9]), ("1-3,10-12", [1, 2, 3, 10, 11, 12]),
     ("11-2", [1, 2, 11, 12]), ("7", [7]), ("", list(range(1, 13)))],
)  # fmt: skip
def test_parse_months(text: str, months: list[int]) -> None:
    mask = parse_months(text)
    assert [m for m in range(1, 13) if mask >> (m - 1) & 1] == months


@pytest.mark.parametrize("bad", ["13", "5-", "0-3", "jan", "1--2", "-4"])
def test_bad_months_are_reported(bad: str) -> None:
    with pytest.raises(MonthsError):
        parse_months(bad)


@given(st.integers(min_value=1, max_value=ALL_MONTHS))
def test_format_and_parse_are_inverse(mask: int) -> None:
    assert parse_months(format_months(mask)) == mask


def test_overlap() -> None:
    assert len(Months.parse("1-6").overlap(Months.parse("5-9"))) == 2
