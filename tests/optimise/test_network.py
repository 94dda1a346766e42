"""The network optimisation: hand-worked examples, brute force on random instances,
invariants and clear errors."""

from __future__ import annotations

from itertools import pairwise

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sidestream.errors import InfeasibleError, OptimisationError
from sidestream.optimise import LINK_COLUMNS, OptimiseParams, Trunks, blocks, optimise
from tests.optimise.reference import brute_force

EXACT = {"mip_rel_gap": 1e-9}


def link(link_id: str, supply: str, demand: str, **fields: float | str) -> dict[str, float | str]:
    row: dict[str, float | str] = {
        "link_id": link_id, "supply_id": supply, "demand_id": demand, "quantity_max": 10.0,
        "quantity_unit": "t/yr", "supply_capacity": 10.0, "demand_capacity": 10.0,
        "value_eur_per_unit": 10.0, "fixed_cost_eur_per_yr": 0.0, "capex_eur": 0.0,
        "co2e_t_per_unit": 1.0, "distance_km": 1.0, "category": "material", "co2e_fixed_t_per_yr": 0.0,
    }  # fmt: skip
    row.update(fields)
    return row


def table(*rows: dict[str, float | str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=[*LINK_COLUMNS, "co2e_fixed_t_per_yr"])


# --- worked by hand -------------------------------------------------------------------


def test_one_supply_two_takers_split_by_value() -> None:
    """Supply S has 10 t; D1 needs 6 t at 20 EUR/t, D2 needs 8 t at 10 EUR/t.
    Best: 6 t to D1 (120 EUR), the remaining 4 t to D2 (40 EUR), fixed 5 + 5: 150 EUR/yr."""
    links = table(
        link(
            "a", "S", "D1", quantity_max=6, demand_capacity=6, value_eur_per_unit=20, fixed_cost_eur_per_yr=5
        ),
        link(
            "b", "S", "D2", quantity_max=8, demand_capacity=8, value_eur_per_unit=10, fixed_cost_eur_per_yr=5
        ),
    )
    for decompose in (True, False):
        result = optimise(links, OptimiseParams(decompose=decompose, **EXACT))
        assert result.link_ids == ["a", "b"]
        quantities = dict(zip(result.chosen["link_id"], result.chosen["quantity"], strict=True))
        assert quantities == pytest.approx({"a": 6.0, "b": 4.0})
        assert result.net_benefit_eur_per_yr == pytest.approx(150.0)
        assert result.co2e_t_per_yr == pytest.approx(10.0)
        assert set(result.chosen["quantity_unit"]) == {"t/yr"}


def test_fixed_cost_can_make_a_partial_link_not_worth_it() -> None:
    """As above but D2's link costs 45 EUR/yr: 4 t × 10 = 40 < 45, so only D1: 120 − 5 = 115."""
    links = table(
        link(
            "a", "S", "D1", quantity_max=6, demand_capacity=6, value_eur_per_unit=20, fixed_cost_eur_per_yr=5
        ),
        link(
            "b", "S", "D2", quantity_max=8, demand_capacity=8, value_eur_per_unit=10, fixed_cost_eur_per_yr=45
        ),
    )
    result = optimise(links, OptimiseParams(**EXACT))
    assert result.link_ids == ["a"]
    assert result.net_benefit_eur_per_yr == pytest.approx(115.0)


def test_demand_is_never_overfilled() -> None:
    """Two supplies of 10 t each; one demand of 12 t: at most 12 t arrive in total."""
    links = table(
        link("a", "S1", "D", demand_capacity=12, value_eur_per_unit=5),
        link("b", "S2", "D", demand_capacity=12, value_eur_per_unit=4),
    )
    result = optimise(links, OptimiseParams(**EXACT))
    assert result.chosen["quantity"].sum() == pytest.approx(12.0)
    assert result.net_benefit_eur_per_yr == pytest.approx(10 * 5 + 2 * 4)


def test_a_demand_filled_from_links_in_different_terms() -> None:
    """D needs 100 MWh of heat; through a heat pump (COP 4) that is 75 MWh of source heat
    (link a's demand_capacity), directly 100 MWh (link b). a's 30 MWh fill 30/75 = 40 %,
    leaving 60 % = 60 MWh for b: 30 × 10 + 60 × 5 = 600 EUR/yr."""
    links = table(
        link("a", "Sa", "D", quantity_max=30, supply_capacity=30, demand_capacity=75, value_eur_per_unit=10,
             quantity_unit="MWh/yr", category="heat"),
        link("b", "Sb", "D", quantity_max=100, supply_capacity=100, demand_capacity=100, value_eur_per_unit=5,
             quantity_unit="MWh/yr", category="heat"),
    )  # fmt: skip
    result = optimise(links, OptimiseParams(decompose=False, **EXACT))
    quantities = dict(zip(result.chosen["link_id"], result.chosen["quantity"], strict=True))
    assert quantities == pytest.approx({"a": 30.0, "b": 60.0})
    assert result.net_benefit_eur_per_yr == pytest.approx(600.0)


def test_co2e_objective_prefers_the_cleaner_link() -> None:
    """One supply, two takers; a saves 30 EUR/t and 0.1 t CO2e/t, b 5 EUR/t and 1 t/t."""
    links = table(
        link("a", "S", "D1", value_eur_per_unit=30, co2e_t_per_unit=0.1),
        link("b", "S", "D2", value_eur_per_unit=5, co2e_t_per_unit=1.0),
    )
    assert optimise(links, OptimiseParams(**EXACT)).link_ids == ["a"]
    co2 = optimise(links, OptimiseParams(objective="co2e", **EXACT))
    assert co2.link_ids == ["b"]
    assert co2.objective_value == pytest.approx(10.0)
    assert co2.co2e_t_per_yr == pytest.approx(10.0)


def test_mix_weights_are_normalised_by_stand_alone_potential() -> None:
    """S_B = 300 + 50 = 350 EUR/yr, S_C = 1 + 10 = 11 t/yr. With weight 0.5:
    a → 0.5·300/350 + 0.5·1/11 ≈ 0.474; b → 0.5·50/350 + 0.5·10/11 ≈ 0.526: b wins."""
    links = table(
        link("a", "S", "D1", value_eur_per_unit=30, co2e_t_per_unit=0.1),
        link("b", "S", "D2", value_eur_per_unit=5, co2e_t_per_unit=1.0),
    )
    result = optimise(links, OptimiseParams(objective="mix", weight=0.5, **EXACT))
    assert result.link_ids == ["b"]
    assert result.objective_value == pytest.approx(0.5 * 50 / 350 + 0.5 * 10 / 11)
    assert optimise(links, OptimiseParams(objective="mix", weight=0.9, **EXACT)).link_ids == ["a"]


def test_budget_distance_and_choices() -> None:
    links = table(
        link("a", "S1", "D1", value_eur_per_unit=10, capex_eur=100, distance_km=5),
        link("b", "S2", "D2", value_eur_per_unit=8, capex_eur=60, distance_km=30),
        link("c", "S3", "D3", value_eur_per_unit=7, capex_eur=60, distance_km=2),
    )
    assert optimise(links, OptimiseParams(**EXACT)).link_ids == ["a", "b", "c"]
    # 120 EUR buys b + c (150 EUR/yr) rather than a alone (100 EUR/yr)
    assert optimise(links, OptimiseParams(budget_eur=120, **EXACT)).link_ids == ["b", "c"]
    assert optimise(links, OptimiseParams(max_distance_km=10, **EXACT)).link_ids == ["a", "c"]
    assert optimise(links, OptimiseParams(exclude=["a"], **EXACT)).link_ids == ["b", "c"]
    assert optimise(links, OptimiseParams(budget_eur=120, include=["a"], **EXACT)).link_ids == ["a"]
    result = optimise(links, OptimiseParams(budget_eur=120, **EXACT))
    assert result.capex_eur == pytest.approx(120.0)


def test_must_include_builds_even_a_losing_link() -> None:
    links = table(link("a", "S", "D", value_eur_per_unit=-1, fixed_cost_eur_per_yr=3))
    result = optimise(links, OptimiseParams(include=["a"], **EXACT))
    assert result.link_ids == ["a"]
    assert result.chosen["quantity"].iloc[0] == 0.0  # built, but nothing is worth sending
    assert result.net_benefit_eur_per_yr == pytest.approx(-3.0)


def test_shared_trunk_is_cheaper_than_two_pipes() -> None:
    """Two heat links from S, each 100 EUR/t·10 t = 1000 EUR/yr, fixed 900 each on its own.
    Through a trunk (fixed 600) each needs a branch of 200: 2000 − 600 − 400 = 1000 EUR/yr,
    better than both direct (2000 − 1800 = 200)."""
    links = table(
        link("a", "S", "D1", value_eur_per_unit=100, fixed_cost_eur_per_yr=900, supply_capacity=20,
             quantity_unit="MWh/yr", category="heat"),
        link("b", "S", "D2", value_eur_per_unit=100, fixed_cost_eur_per_yr=900, supply_capacity=20,
             quantity_unit="MWh/yr", category="heat"),
    )  # fmt: skip
    trunks = Trunks(
        pd.DataFrame([{"trunk_id": "T", "supply_id": "S", "length_km": 1.0, "fixed_cost_eur_per_yr": 600.0,
                       "capex_eur": 0.0}]),
        pd.DataFrame([{"link_id": x, "trunk_id": "T", "branch_km": 0.5, "fixed_cost_eur_per_yr": 200.0,
                       "capex_eur": 0.0} for x in ("a", "b")]),
    )  # fmt: skip
    result = optimise(links, OptimiseParams(**EXACT), trunks)
    assert list(result.chosen["mode"]) == ["trunk", "trunk"]
    assert result.net_benefit_eur_per_yr == pytest.approx(1000.0)
    assert list(result.trunks["trunk_id"]) == ["T"]
    without = optimise(links, OptimiseParams(trunks=False, **EXACT), trunks)
    assert without.net_benefit_eur_per_yr == pytest.approx(200.0)


# --- errors ---------------------------------------------------------------------------


def test_contradictory_or_unknown_choices_are_clear_errors() -> None:
    links = table(link("a", "S", "D"))
    with pytest.raises(OptimisationError, match="both included and excluded"):
        optimise(links, OptimiseParams(include=["a"], exclude=["a"]))
    with pytest.raises(OptimisationError, match="unknown link id"):
        optimise(links, OptimiseParams(include=["zz"]))
    with pytest.raises(OptimisationError, match="lacks the column"):
        optimise(links.drop(columns=["capex_eur"]))


@pytest.mark.parametrize("decompose", [True, False])
def test_infeasible_choices_raise_a_typed_error(decompose: bool) -> None:
    links = table(link("a", "S", "D", capex_eur=100, distance_km=40))
    with pytest.raises(InfeasibleError, match="budget"):
        optimise(links, OptimiseParams(include=["a"], budget_eur=50, decompose=decompose))
    with pytest.raises(InfeasibleError, match="distance limit"):
        optimise(links, OptimiseParams(include=["a"], max_distance_km=10))


def test_bad_numbers_are_rejected() -> None:
    with pytest.raises(OptimisationError, match="finite"):
        optimise(table(link("a", "S", "D", quantity_max=float("inf"))))
    with pytest.raises(OptimisationError, match="negative"):
        optimise(table(link("a", "S", "D", capex_eur=-1)))


# --- the metric set IS programmes report -----------------------------------------------

METRIC_NAMES = ["diverted_t_per_yr", "virgin_material_saved_t_per_yr", "water_saved_m3_per_yr",
                "hazardous_avoided_t_per_yr", "energy_delivered_mwh_per_yr"]  # fmt: skip


def metric_link(link_id: str, supply: str, demand: str, metrics: dict[str, float], **fields: float | str) -> dict[str, float | str]:  # fmt: skip
    row = link(link_id, supply, demand, **fields)
    coefficients = {"diverted_t_per_unit": 0.0, "virgin_material_t_per_unit": 0.0, "water_m3_per_unit": 0.0,
                    "hazardous_t_per_unit": 0.0, "energy_mwh_per_unit": 0.0, "energy_fixed_mwh_per_yr": 0.0}  # fmt: skip
    coefficients.update(metrics)
    return {**row, **coefficients}


def test_network_totals_of_the_metric_set_by_hand() -> None:
    """Supply S (10 t of hazardous waste) goes 6 t to D1 (20 EUR/t) and the remaining
    4 t to D2 (10 EUR/t): both divert it, save virgin material and avoid hazardous
    waste, 10 t in all. A heat link delivers 1.5 MWh per MWh of source heat (a heat
    pump) less the 30 MWh its pipe loses: 100 MWh → 120 MWh. Nothing carries water."""
    waste = {"diverted_t_per_unit": 1, "virgin_material_t_per_unit": 1, "hazardous_t_per_unit": 1}
    links = pd.DataFrame([
        metric_link("a", "S", "D1", waste, quantity_max=6, demand_capacity=6, value_eur_per_unit=20),
        metric_link("b", "S", "D2", waste, quantity_max=8, demand_capacity=8, value_eur_per_unit=10),
        metric_link("h", "H", "DH", {"energy_mwh_per_unit": 1.5, "energy_fixed_mwh_per_yr": 30},
                    quantity_max=100, supply_capacity=100, demand_capacity=200, quantity_unit="MWh/yr",
                    category="heat"),
    ])  # fmt: skip
    for decompose in (True, False):
        result = optimise(links, OptimiseParams(decompose=decompose, **EXACT))
        assert result.link_ids == ["a", "b", "h"]
        assert result.metrics() == pytest.approx({
            "diverted_t_per_yr": 10.0, "virgin_material_saved_t_per_yr": 10.0, "water_saved_m3_per_yr": 0.0,
            "hazardous_avoided_t_per_yr": 10.0, "energy_delivered_mwh_per_yr": 120.0,
        })  # fmt: skip
        per_link = result.chosen.set_index("link_id")
        assert per_link.loc[["a", "b", "h"], "diverted_t_per_yr"].tolist() == pytest.approx([6.0, 4.0, 0.0])
        assert per_link.loc["h", "energy_delivered_mwh_per_yr"] == pytest.approx(120.0)
        doc = result.to_json()
        assert {name: doc[name] for name in METRIC_NAMES} == pytest.approx(result.metrics())
        assert doc["links"][0]["hazardous_avoided_t_per_yr"] == pytest.approx(6.0)  # sorted: "a" first


def test_a_metric_unknown_for_a_chosen_link_has_no_total() -> None:
    """A hand-built table without the metric columns: every total unknown (None); a
    NaN on one chosen link makes that metric's total unknown, on a link not chosen it
    does not matter."""
    plain = optimise(table(link("a", "S", "D")))
    assert plain.link_ids == ["a"] and plain.metrics() == dict.fromkeys(METRIC_NAMES)
    assert all(plain.to_json()[name] is None for name in METRIC_NAMES)
    assert plain.to_json()["links"][0]["water_saved_m3_per_yr"] is None
    rows = pd.DataFrame([
        metric_link("a", "S", "D", {"water_m3_per_unit": 1.0, "energy_mwh_per_unit": float("nan")}),
        metric_link("b", "S2", "D2", {"water_m3_per_unit": 1.0}, value_eur_per_unit=-1.0,
                    diverted_t_per_unit=float("nan")),  # not worth building
    ])  # fmt: skip
    result = optimise(rows)
    assert result.link_ids == ["a"]
    assert result.water_saved_m3_per_yr == pytest.approx(10.0)
    assert result.energy_delivered_mwh_per_yr is None
    assert result.diverted_t_per_yr == 0.0


def test_bad_metric_coefficients_are_rejected() -> None:
    for bad, match in ((-1.0, "negative"), (float("inf"), "finite"), ("lots", "finite")):
        row = metric_link("a", "S", "D", {"water_m3_per_unit": bad})  # type: ignore[dict-item]
        with pytest.raises(OptimisationError, match=f"water_m3_per_unit must .*{match}"):
            optimise(pd.DataFrame([row]))
    fixed = metric_link("a", "S", "D", {"energy_fixed_mwh_per_yr": -5.0})
    with pytest.raises(OptimisationError, match="energy_fixed_mwh_per_yr must not be negative"):
        optimise(pd.DataFrame([fixed]))


def test_totals_are_the_evaluations_metrics_at_the_chosen_quantities() -> None:
    """Evaluation → optimiser → totals, against evaluating each chosen link again at the
    quantity the optimiser chose (heat through a pipe, shared supplies of waste)."""
    from sidestream.evaluation.links import as_links
    from sidestream.evaluation.parameters import default_parameters
    from sidestream.evaluation.valuation import evaluate_pairs
    from tests.evaluation.conftest import make_pair

    waste = {"category": "waste", "supply_class": "eaf_dust", "hazardous": True, "supply_id": "dust"}
    heat = {"category": "heat", "unit": "MWh/yr", "demand_unit": "MWh/yr", "supply_amount": 10_000.0,
            "transport": "pipe", "distance_km": 1.5, "supply_class": "heat_25_40c",
            "demand_class": "district_heating", "supply_temp": 30.0, "demand_temp": 70.0, "supply_id": "heat"}  # fmt: skip
    pairs = pd.concat([
        make_pair(link_id="w1", demand_id="d1", demand_amount=900.0, **waste),
        make_pair(link_id="w2", demand_id="d2", demand_amount=700.0, distance_km=40.0, **waste),
        make_pair(link_id="h1", demand_id="dh1", demand_amount=6_000.0, **heat),
        make_pair(link_id="h2", demand_id="dh2", demand_amount=9_000.0, **heat),
        make_pair(link_id="water", supply_id="ws", demand_id="wd", category="water", unit="m3/yr",
                  demand_unit="m3/yr", transport="pipe", distance_km=0.5, supply_amount=80_000.0,
                  demand_amount=50_000.0),
    ], ignore_index=True)  # fmt: skip
    params = default_parameters()
    links = as_links(evaluate_pairs(pairs, params))
    result = optimise(links, OptimiseParams(objective="co2e", **EXACT))
    chosen = result.chosen.set_index("link_id")
    assert len(chosen) >= 3 and chosen["quantity_unit"].nunique() == 3  # precondition: all kinds built
    below = chosen["quantity"] < links.set_index("link_id").loc[chosen.index, "quantity_max"] - 1.0
    assert set(chosen.index[below]) == {"h1", "w2"}  # precondition: shared supplies split, not at their max
    again = evaluate_pairs(
        pairs.set_index("link_id").loc[chosen.index].reset_index(),
        params,
        quantity=chosen["quantity"].to_numpy(),
    ).set_index("link_id")
    for name in METRIC_NAMES:
        assert chosen[name].to_numpy() == pytest.approx(again[name].to_numpy(), rel=1e-9, abs=1e-6), name
        assert getattr(result, name) == pytest.approx(float(again[name].sum()), rel=1e-9, abs=1e-6), name


# --- brute force ------------------------------------------------------------------------

SUPPLIES, DEMANDS = ["S1", "S2", "S3"], ["D1", "D2", "D3"]


@st.composite
def instances(draw: st.DrawFn, max_links: int = 5) -> pd.DataFrame:
    n = draw(st.integers(1, max_links))
    supply_cap = {s: float(draw(st.integers(1, 20))) for s in SUPPLIES}
    demand_cap = {d: float(draw(st.integers(1, 20))) for d in DEMANDS}
    rows = []
    for i in range(n):
        s, d = draw(st.sampled_from(SUPPLIES)), draw(st.sampled_from(DEMANDS))
        rows.append(link(
            f"l{i}", s, d,
            quantity_max=float(draw(st.integers(0, 20))),
            supply_capacity=supply_cap[s],
            # a demand's need is per link, in the link's unit (heat-pump source heat)
            demand_capacity=demand_cap[d] * draw(st.sampled_from([1.0, 1.0, 0.5, 2.0])),
            co2e_fixed_t_per_yr=float(draw(st.sampled_from([0, 0, 1, 3]))),
            value_eur_per_unit=float(draw(st.integers(-5, 20))),
            fixed_cost_eur_per_yr=float(draw(st.integers(0, 60))),
            capex_eur=float(draw(st.integers(0, 100))),
            co2e_t_per_unit=draw(st.integers(-10, 20)) / 10,
            distance_km=float(draw(st.integers(0, 50))),
        ))  # fmt: skip
    return table(*rows)


@st.composite
def problems(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, object]]:
    links = draw(instances())
    ids = list(links["link_id"])
    include = draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))
    exclude = draw(st.lists(st.sampled_from([i for i in ids if i not in include] or ["-"]), max_size=2,
                            unique=True))  # fmt: skip
    exclude = [e for e in exclude if e != "-"]
    choices: dict[str, object] = {
        "objective": draw(st.sampled_from(["net-benefit", "co2e", "mix"])),
        "weight": draw(st.sampled_from([0.0, 0.3, 0.5, 1.0])),
        "budget": draw(st.one_of(st.none(), st.integers(0, 250).map(float))),
        "max_distance": draw(st.one_of(st.none(), st.integers(0, 50).map(float))),
        "include": tuple(include),
        "exclude": tuple(exclude),
    }
    return links, choices


def params_for(choices: dict[str, object], decompose: bool) -> OptimiseParams:
    return OptimiseParams(
        objective=choices["objective"], weight=choices["weight"], budget_eur=choices["budget"],
        max_distance_km=choices["max_distance"], include=list(choices["include"]),
        exclude=list(choices["exclude"]), decompose=decompose, **EXACT,
    )  # fmt: skip


def check_solution(links: pd.DataFrame, result, choices: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    """The reported network is feasible and its totals add up."""
    chosen = result.chosen.merge(links, on="link_id", suffixes=("", "_table"))
    assert (chosen["quantity"] <= chosen["quantity_max"] + 1e-6).all()
    supplied = chosen.groupby("supply_id")["quantity"].sum()
    assert (supplied <= links.groupby("supply_id")["supply_capacity"].min()[supplied.index] + 1e-6).all()
    filled = (chosen["quantity"] / chosen["demand_capacity"]).groupby(chosen["demand_id"]).sum()
    assert (filled <= 1 + 1e-6).all()
    if choices["budget"] is not None:
        assert result.capex_eur <= choices["budget"] + 1e-6
    assert set(choices["include"]) <= set(result.link_ids)
    assert not set(choices["exclude"]) & set(result.link_ids)
    money = float((chosen["quantity"] * chosen["value_eur_per_unit"] - chosen["fixed_cost_eur_per_yr"]).sum())
    assert result.net_benefit_eur_per_yr == pytest.approx(money, abs=1e-6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.booleans())
def test_equals_brute_force(problem: tuple[pd.DataFrame, dict[str, object]], decompose: bool) -> None:
    links, choices = problem
    best = brute_force(
        links, objective=choices["objective"], weight=choices["weight"], budget=choices["budget"],
        max_distance=choices["max_distance"], include=choices["include"], exclude=choices["exclude"],
    )  # fmt: skip
    if best.objective is None:
        with pytest.raises(InfeasibleError):
            optimise(links, params_for(choices, decompose))
        return
    result = optimise(links, params_for(choices, decompose))
    assert result.objective_value == pytest.approx(best.objective, rel=1e-6, abs=1e-6)
    check_solution(links, result, choices)


@st.composite
def trunk_problems(draw: st.DrawFn) -> tuple[pd.DataFrame, Trunks, float | None]:
    links = draw(instances(max_links=4))
    ids = list(links["link_id"])
    members = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True))
    trunk_ids = [draw(st.sampled_from(["T1", "T2"])) for _ in members]
    trunks = pd.DataFrame([
        {"trunk_id": t, "supply_id": "-", "length_km": 1.0,
         "fixed_cost_eur_per_yr": float(draw(st.integers(0, 40))), "capex_eur": float(draw(st.integers(0, 60)))}
        for t in ("T1", "T2")
    ])  # fmt: skip
    member_table = pd.DataFrame([
        {"link_id": m, "trunk_id": t, "branch_km": 0.5,
         "fixed_cost_eur_per_yr": float(draw(st.integers(0, 30))), "capex_eur": float(draw(st.integers(0, 50)))}
        for m, t in zip(members, trunk_ids, strict=True)
    ])  # fmt: skip
    budget = draw(st.one_of(st.none(), st.integers(0, 200).map(float)))
    return links, Trunks(trunks, member_table), budget


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trunk_problems(), st.booleans())
def test_trunks_equal_brute_force(
    problem: tuple[pd.DataFrame, Trunks, float | None], decompose: bool
) -> None:
    links, trunks, budget = problem
    best = brute_force(links, budget=budget, members=trunks.members, trunks=trunks.trunks)
    assert best.objective is not None  # nothing is forced, so building nothing is feasible
    result = optimise(links, OptimiseParams(budget_eur=budget, decompose=decompose, **EXACT), trunks)
    assert result.objective_value == pytest.approx(best.objective, rel=1e-6, abs=1e-6)
    if budget is not None:
        assert result.capex_eur <= budget + 1e-6


# --- invariants -----------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(instances(max_links=6), instances(max_links=2), st.sampled_from(["net-benefit", "co2e"]))
def test_adding_a_link_never_lowers_the_optimum(
    links: pd.DataFrame, extra: pd.DataFrame, objective: str
) -> None:
    extra = extra.assign(link_id=[f"x{i}" for i in range(len(extra))])
    # the extra links must agree with the first table on a shared supply's amount
    caps_s = links.groupby("supply_id")["supply_capacity"].first()
    extra["supply_capacity"] = extra["supply_id"].map(caps_s).fillna(extra["supply_capacity"])
    more = pd.concat([links, extra], ignore_index=True)
    # (not "mix": its scales are sums over the table, so a new link rescales both terms)
    before = optimise(links, OptimiseParams(objective=objective, **EXACT)).objective_value
    after = optimise(more, OptimiseParams(objective=objective, **EXACT)).objective_value
    assert after >= before - 1e-6


@settings(max_examples=15, deadline=None)
@given(instances())
def test_zero_budget_with_positive_costs_builds_nothing(links: pd.DataFrame) -> None:
    links = links.assign(
        fixed_cost_eur_per_yr=links["fixed_cost_eur_per_yr"] + 1, capex_eur=links["capex_eur"] + 1
    )
    result = optimise(links, OptimiseParams(budget_eur=0.0, **EXACT))
    assert result.link_ids == []
    assert result.net_benefit_eur_per_yr == 0.0
    assert result.capex_eur == 0.0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_root_cut_route_equals_brute_force(problem: tuple[pd.DataFrame, dict[str, object]]) -> None:
    """Every block (down to one integer column) through the root-cut route of
    sidestream.optimise.blocks: the same optimum as enumeration."""
    links, choices = problem
    best = brute_force(
        links, objective=choices["objective"], weight=choices["weight"], budget=None,
        max_distance=choices["max_distance"], include=choices["include"], exclude=choices["exclude"],
    )  # fmt: skip
    choices = {**choices, "budget": None}
    saved = blocks.RENS_MIN_INTEGERS
    blocks.RENS_MIN_INTEGERS = 1
    try:
        if best.objective is None:
            with pytest.raises(InfeasibleError):
                optimise(links, params_for(choices, True))
            return
        result = optimise(links, params_for(choices, True))
    finally:
        blocks.RENS_MIN_INTEGERS = saved
    assert result.objective_value == pytest.approx(best.objective, rel=1e-6, abs=1e-6)
    check_solution(links, result, choices)


def test_progress_is_the_share_of_blocks_solved_and_ends_at_one() -> None:
    """Four components (of two, three, four and five links sharing a supply) are four
    blocks: the share rises block by block, never falls, and ends at 1.0; it does not
    change the answer."""
    rows = [
        link(f"c{size}-{i}", f"S{size}", f"D{size}-{i}", quantity_max=4, demand_capacity=4,
             value_eur_per_unit=10 + i, fixed_cost_eur_per_yr=15)
        for size in (2, 3, 4, 5) for i in range(size)
    ]  # fmt: skip
    links = table(*rows)
    for params in (OptimiseParams(**EXACT), OptimiseParams(budget_eur=1e6, **EXACT)):
        seen: list[float] = []
        result = optimise(links, params, progress=seen.append)
        assert seen and seen[-1] == 1.0
        assert all(0.0 <= v <= 1.0 for v in seen)
        assert all(a <= b for a, b in pairwise(seen))
        plain = optimise(links, params)
        assert result.net_benefit_eur_per_yr == pytest.approx(plain.net_benefit_eur_per_yr)
        assert result.link_ids == plain.link_ids
        if params.budget_eur is None:
            assert result.extra["n_blocks"] == 4
            # one report per block run: the first after the first block, short of the whole
            assert len(seen) >= 5 and 0.0 < seen[0] < 1.0
