"""The packaged best-case catalogue: real cases, valid classes, codes, units, sources."""

from __future__ import annotations

from sidestream.domain.units import to_canonical
from sidestream.facilitation.catalogue import done_before, fold, packaged_cases, search
from sidestream.knowledge.base import KnowledgeBase
from sidestream.knowledge.reference import normalise_nace


def test_at_least_25_cases_with_sources_and_known_codes(kb: KnowledgeBase) -> None:
    cases = packaged_cases()
    assert len(cases) >= 25
    for case in cases:
        assert case.sources and all(str(s.url).startswith(("https://", "http://")) for s in case.sources), (
            case.id
        )
        assert case.classes() <= set(kb.classes), (case.id, case.classes() - set(kb.classes))
        for code in case.sectors:
            assert normalise_nace(code) == code, (case.id, code)
        assert case.title.nb and case.lessons.nb, f"{case.id} needs Norwegian text"


def test_the_named_places_are_covered() -> None:
    places = " ".join(fold(c.place) for c in packaged_cases())
    for place in (
        "kalundborg",
        "tjeldbergodden",
        "sunndal",
        "mo i rana",
        "handelo",
        "kymenlaakso",
        "lahti",
        "somerset",
    ):
        assert place in places, place
    assert {c.country for c in packaged_cases()} >= {"NO", "SE", "DK", "FI", "GB"}


def test_figures_are_quantities_with_units() -> None:
    skogn = next(c for c in packaged_cases() if c.id == "skogn-biokraft")
    amount = to_canonical(skogn.figures[0].value, skogn.figures[0].unit)
    assert (amount.canonical_value, amount.canonical_unit) == (70_000, "t/yr")
    # 22 MW of base load for a year of 8766 h is 192 852 MWh/yr
    mo = next(c for c in packaged_cases() if c.id == "mo-fjernvarme-elkem")
    assert to_canonical(mo.figures[0].value, mo.figures[0].unit).canonical_value == 22 * 8766


def test_search_filters() -> None:
    cases = packaged_cases()
    assert [c.id for c in search(cases, "Tissø")] == ["kalundborg-surface-water"]
    assert [c.id for c in search(cases, "tisso")] == ["kalundborg-surface-water"]  # without accents
    assert {c.country for c in search(cases, country="fi")} == {"FI"}
    assert all(any(s.startswith("17") for s in c.sectors) for c in search(cases, sector="17"))
    assert search(cases, "kalundborg", resource_class="fgd_gypsum")[0].id == "kalundborg-fgd-gypsum"
    assert search(cases, "nothing-like-this") == []


def test_done_before_prefers_running_cases() -> None:
    found = done_before(packaged_cases(), "yeast_slurry", None)
    assert [c.id for c in found] == ["kalundborg-bioenergy", "kalundborg-yeast-feed"]  # running first
    assert [c.id for c in done_before(packaged_cases(), "yeast_slurry", "animal_feed")] == [
        "kalundborg-yeast-feed"
    ]
    assert done_before(packaged_cases(), None, None) == []
