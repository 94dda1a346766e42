"""Free text in six languages maps to the right resource class."""

from __future__ import annotations

import pytest

from sidestream.knowledge.base import KnowledgeBase
from sidestream.knowledge.classifier import Classifier, extract_temperature


@pytest.fixture(scope="module")
def clf(kb: KnowledgeBase) -> Classifier:
    return Classifier(kb)


CASES = [
    # English
    ("surplus heat 45 °C", "heat_40_60c"),
    ("fly ash from coal boiler", "coal_fly_ash"),
    ("FGD gypsum", "fgd_gypsum"),
    ("spent yeast", "yeast_slurry"),
    ("steel scrap", "steel_scrap"),
    ("microsilica", "silica_fume"),
    ("sewage sludge", "sewage_sludge"),
    ("excavated rock from tunnelling", "excavated_rock"),
    # Norwegian bokmål
    ("overskuddsvarme 45 °C", "heat_40_60c"),
    ("spillvarme 30 grader", "heat_25_40c"),
    ("kullflygeaske", "coal_fly_ash"),
    ("flygeaske fra forbrenningsanlegg", "apc_residues"),
    ("sagflis", "sawdust"),
    ("fiskeavskjær", "fish_by_products"),
    ("husdyrgjødsel", "manure"),
    ("kjølevann", "cooling_water"),
    ("restavfall", "mixed_municipal_waste"),
    ("stålskrap", "steel_scrap"),
    # Norwegian nynorsk
    ("overskotsvarme 35 °C", "heat_25_40c"),
    # Swedish
    ("överskottsvärme 70 grader", "heat_60_90c"),
    ("sågspån", "sawdust"),
    ("rötslam", "sewage_sludge"),
    # Danish
    ("overskudsvarme 80 °C", "heat_60_90c"),
    ("gylle", "manure"),
    ("spildevandsslam", "sewage_sludge"),
    # Finnish
    ("hukkalämpö 30 astetta", "heat_25_40c"),
    ("kivihiilen lentotuhka", "coal_fly_ash"),
    ("sahanpuru", "sawdust"),
    ("jätevesiliete", "sewage_sludge"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_multilingual_side_streams(clf: Classifier, text: str, expected: str) -> None:
    result = clf.classify(text)
    assert result.class_id == expected, (text, result.class_id, result.alternatives)
    assert result.confidence >= 0.6
    assert result.reasons


def test_typos_still_classify(clf: Classifier) -> None:
    result = clf.classify("kullflyggeaske")
    assert result.class_id == "coal_fly_ash"
    assert result.confidence < 0.9


def test_ewc_code_sharpens_an_ambiguous_text(clf: Classifier) -> None:
    result = clf.classify("aske", ewc="10 01 02")
    assert result.class_id == "coal_fly_ash"
    assert any("EWC" in m.msgid for m in result.reasons)


def test_unknown_text_says_so(clf: Classifier) -> None:
    result = clf.classify("zzqx")
    assert result.class_id is None
    assert result.confidence == 0.0


@pytest.mark.parametrize(
    ("text", "temp"), [("45 °C", 45.0), ("varme 35 grader", 35.0), ("70C", 70.0), ("no temp", None)]
)
def test_temperature_extraction(text: str, temp: float | None) -> None:
    assert extract_temperature(text) == temp
