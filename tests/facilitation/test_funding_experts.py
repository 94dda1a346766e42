"""Funding programmes for a case, and experts for its needs (pure)."""

from __future__ import annotations

from sidestream.facilitation.experts import Needs, relevance
from sidestream.facilitation.funding import for_case, programmes


def test_the_programmes_named_in_the_issue_are_listed() -> None:
    funders = " ".join(f"{p.name} {p.funder}" for p in programmes())
    for name in ("Innovation Norway", "Enova", "Research Council of Norway", "Nordic Innovation", "LIFE",
                 "Horizon Europe", "Interreg", "EEA and Norway Grants", "Business Finland", "Vinnova",
                 "Energy Agency", "EUDP", "regional"):  # fmt: skip
        assert name in funders, name


def test_programmes_for_a_norwegian_feasibility_study() -> None:
    ids = {p.id for p in for_case(programmes(), country="NO", stage="feasibility")}
    assert {"enova-industry", "eu-life", "interreg"} <= ids
    assert not ids & {"vinnova", "business-finland", "eudp", "erdf-regional"}
    assert "eea-norway-grants" in {p.id for p in for_case(programmes(), country="PL", stage="agreement")}
    assert for_case(programmes(), country="NO", stage="running") == []


def test_relevance_weighs_topics_double() -> None:
    needs = Needs.of(classes=["steel_slag"], sectors=["24.10"], barriers=["regulation", "eu-law-timing"])
    assert needs.topics == frozenset({"regulation"})
    assert relevance(needs, [], [], ["regulation"]) == 2.0
    assert relevance(needs, ["steel_slag"], ["24.1"], []) == 2.0  # class 1 + sector prefix 1
    assert relevance(needs, [], ["35"], ["funding"]) == 0.0
