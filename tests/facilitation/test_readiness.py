"""Readiness ladders per perspective."""

from __future__ import annotations

import pytest

from sidestream.errors import InvalidDataError
from sidestream.facilitation.readiness import CRITERIA, Perspective, check_criteria, level, levels


def test_six_perspectives_each_a_ladder() -> None:
    assert [p.value for p in Perspective] == [
        "technical", "business", "organisational", "legal", "societal", "environmental",
    ]  # fmt: skip
    ids = [c.id for cs in CRITERIA.values() for c in cs]
    assert len(ids) == len(set(ids))


def test_level_counts_criteria_in_order() -> None:
    assert level("legal", ["l1", "l2", "l3", "l4", "l5"]) == 5
    assert level("legal", ["l2", "l3"]) == 0  # permits applied for without knowing the status: not ready
    assert level("legal", ["l1", "l3"]) == 1
    met = {"technical": ["t1"], "business": ["b1", "b2"]}
    assert levels(met)[Perspective.BUSINESS] == 2 and levels(met)[Perspective.SOCIETAL] == 0


def test_check_criteria() -> None:
    assert check_criteria({"societal": ["s3", "s1"], "legal": []}) == {"societal": ["s1", "s3"]}
    with pytest.raises(InvalidDataError, match="perspective"):
        check_criteria({"spiritual": ["x"]})
    with pytest.raises(InvalidDataError, match="t9"):
        check_criteria({"technical": ["t9"]})
