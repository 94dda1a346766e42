"""Benchmarking indicators on hand-made tables (values counted by hand)."""

from __future__ import annotations

import pandas as pd

from sidestream.facilitation.benchmarking import WorkshopStats, compare, empty_tables, indicators


def tables() -> dict[str, pd.DataFrame]:
    return {
        "flows": pd.DataFrame(
            {
                "organisation_id": [1, 1, 2, 3, 3],
                "direction": ["supply", "demand", "supply", "supply", "demand"],
                "category": ["heat", "heat", "waste", None, "waste"],
                "matched": [True, False, False, True, False],
            }
        ),
        "synergies": pd.DataFrame({"status": ["proposed", "proposed", "agreed"]}),
        "cases": pd.DataFrame(
            {
                "id": [10, 11, 12, 13],
                "stage": ["idea", "feasibility", "running", "paused"],
                "origin": ["workshop:1", None, "workshop:1", "synergy"],
            }
        ),
        "barriers": pd.DataFrame(
            {
                "case_id": [10, 11, 11, 12, 13],
                "barrier": ["funding", "funding", "regulation", "funding", "trust"],
                "resolved": [False, False, True, False, False],
            }
        ),
        "figures": pd.DataFrame(
            {
                "case_id": [12, 12, 12, 11],
                "kind": ["realised", "realised", "realised", "expected"],
                "metric": ["co2e_avoided", "co2e_avoided", "energy_exchanged", "co2e_avoided"],
                "year": [2024, 2025, 2025, None],
                "canonical_value": [100.0, 120.0, 5000.0, 999.0],
            }
        ),
    }


def test_indicators_by_hand() -> None:
    t = tables()
    rows = {i.id: i.value for i in indicators(**t, workshops=WorkshopStats(held=2, ideas=8))}
    assert rows["actors"] == 3 and rows["flows"] == 5
    assert rows["flows.heat"] == 2 and rows["flows.waste"] == 2 and rows["flows.(none)"] == 1
    assert rows["supply_matched_share"] == 2 / 3 * 100  # 2 of 3 supplies
    assert rows["synergies.proposed"] == 2 and rows["synergies.agreed"] == 1
    assert rows["cases.idea"] == 1 and rows["cases.running"] == 1 and rows["cases.stopped"] == 0
    assert rows["realised.co2e_avoided"] == 120.0  # the latest year only, expected figures not counted
    assert rows["realised.energy_exchanged"] == 5000.0
    # stalled: cases 10, 11 (funding), 13 (trust, paused); the running case 12 does not count
    assert rows["stalled.funding"] == 2 and rows["stalled.trust"] == 1 and rows["stalled.regulation"] == 0
    assert rows["workshops.held"] == 2 and rows["cases.from_workshops"] == 2
    assert rows["workshops.conversion"] == 25.0  # 2 cases from 8 ideas


def test_without_workshops_the_conversion_is_left_out() -> None:
    t = empty_tables()
    ids = {i.id for i in indicators(**t)}
    assert "workshops.conversion" not in ids and "cases.from_workshops" in ids


def test_compare_side_by_side() -> None:
    a = indicators(**tables())
    b = indicators(**empty_tables())
    table = compare({"a": a, "b": b})
    assert table.loc["flows", "a"] == 5 and table.loc["flows", "b"] == 0
    assert pd.isna(table.loc["flows.heat", "b"])  # b has no heat flows at all
    assert table.loc["supply_matched_share", "unit"] == "%"
