"""The packaged knowledge base: size, completeness, sources, and cross-references."""

from __future__ import annotations

from pathlib import Path

import pytest

from sidestream.domain.categories import Category
from sidestream.domain.units import to_canonical
from sidestream.errors import KnowledgeBaseError
from sidestream.knowledge.base import KnowledgeBase, load_knowledge_base
from sidestream.knowledge.models import LANGUAGES, Labels
from sidestream.knowledge.reference import ewc_entries, nace_entries


def test_taxonomy_is_large_and_covers_every_category(kb: KnowledgeBase) -> None:
    assert len(kb.classes) >= 120
    assert {c.category for c in kb.classes.values()} == set(Category)


def test_every_class_has_every_language_synonyms_and_a_source(kb: KnowledgeBase) -> None:
    for rc in kb.classes.values():
        for lang in LANGUAGES:
            assert rc.labels.of(lang), (rc.id, lang)
            assert rc.synonyms.get(lang), (rc.id, lang)
        assert rc.sources and rc.sources[0].title


def test_every_class_has_an_icelandic_label_and_synonyms(kb: KnowledgeBase) -> None:
    """Icelandic ("is") is a full knowledge-base language: a label that is not just the
    English one copied, and Icelandic words people type (issue #4)."""
    assert "is" in LANGUAGES
    for rc in kb.classes.values():
        label = rc.labels.of("is")
        assert label and label != rc.labels.en, rc.id
        assert rc.labels.get("is") == label
        assert ("is", label) in rc.terms()
        assert all(s == s.lower() for s in rc.synonyms["is"]), rc.id


def test_icelandic_labels_are_read_and_written_as_is() -> None:
    """``is`` is a Python keyword: the field is ``is_`` but files and JSON say ``is``."""
    labels = Labels.model_validate({"en": "Fish waste", "nb": "Fiskeavfall", "is": "Fiskúrgangur"})
    assert labels.of("is") == "Fiskúrgangur"
    assert labels.model_dump()["is"] == "Fiskúrgangur"
    assert Labels(en="Slag", nb="Slagg", is_="Gjall").get("is") == "Gjall"
    assert Labels(en="Slag", nb="Slagg").get("is") == "Slag"  # falls back to English
    assert labels.of("xx") is None


def test_class_codes_exist_in_the_reference_lists(kb: KnowledgeBase) -> None:
    ewc = ewc_entries()
    nace = nace_entries()
    for rc in kb.classes.values():
        for code in rc.ewc_codes:
            assert code in ewc and ewc[code].level == "entry", (rc.id, code)
        for code in rc.nace:
            assert code in nace, (rc.id, code)


def test_hazard_markers_agree_with_the_list_of_waste(kb: KnowledgeBase) -> None:
    ewc = ewc_entries()
    for rc in kb.classes.values():
        for code in rc.ewc:
            assert code.endswith("*") == ewc[code.rstrip("*")].hazardous, (rc.id, code)


def test_default_units_are_real_units(kb: KnowledgeBase) -> None:
    for rc in kb.classes.values():
        to_canonical(1.0, rc.default_unit)


def test_at_least_a_hundred_sourced_rules(kb: KnowledgeBase) -> None:
    assert len(kb.rules) >= 100
    for rule in kb.rules:
        assert rule.sources, rule.id
        assert rule.use.en and rule.use.nb


def test_rules_name_real_symbiosis_cases(kb: KnowledgeBase) -> None:
    cases = " ".join(c for r in kb.rules for c in r.cases)
    for place in ("Kalundborg", "Händelö", "Mo i Rana", "Kwinana"):
        assert place in cases or place.replace("Mo i Rana", "Mo Industripark") in cases


def test_food_and_feed_rules_forbid_hazardous_input(kb: KnowledgeBase) -> None:
    for rule in kb.rules:
        if rule.conditions.food_or_feed:
            assert rule.conditions.non_hazardous


def test_urban_sinks_accept_known_classes(kb: KnowledgeBase) -> None:
    assert len(kb.urban_sinks) >= 6
    ids = {s.id for s in kb.urban_sinks}
    assert any("district_heating" in i for i in ids)


def test_reference_lists_are_complete() -> None:
    levels: dict[str, int] = {}
    hazardous = 0
    for entry in ewc_entries().values():
        levels[entry.level] = levels.get(entry.level, 0) + 1
        hazardous += entry.hazardous
    assert levels == {"chapter": 20, "subchapter": 111, "entry": 842}
    assert hazardous == 408
    nace_levels: dict[str, int] = {}
    for entry in nace_entries().values():
        nace_levels[entry.level] = nace_levels.get(entry.level, 0) + 1
    assert nace_levels == {"section": 21, "division": 88, "group": 272, "class": 615}


def test_a_region_can_add_its_own_rules(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "local.yaml").write_text(
        """
- id: local-bark-to-greenhouse-fuel
  supply: bark
  demand: biomass_fuel
  use: {en: Greenhouse boiler fuel, nb: Brensel til veksthus}
  strength: 0.6
  sources: [{title: "Helgeland county survey 2026"}]
""",
        encoding="utf-8",
    )
    kb = load_knowledge_base([tmp_path])
    assert kb.rule("local-bark-to-greenhouse-fuel").demand == "biomass_fuel"


def test_a_bad_rule_names_file_entry_and_field(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "bad.yaml").write_text(
        "- id: broken\n  supply: bark\n  demand: biomass_fuel\n  use: {en: x, nb: y}\n  strength: 7\n"
        "  sources: [{title: abc}]\n",
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError, match=r"bad.yaml: entry broken: strength"):
        load_knowledge_base([tmp_path])


def test_a_rule_to_an_unknown_class_is_refused(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "bad.yaml").write_text(
        "- id: to-nowhere\n  supply: bark\n  demand: unobtainium\n  use: {en: x, nb: y}\n  strength: 0.5\n"
        "  sources: [{title: abc}]\n",
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError, match="unobtainium"):
        load_knowledge_base([tmp_path])
