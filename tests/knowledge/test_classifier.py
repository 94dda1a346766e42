"""Free text in English and six Nordic languages maps to the right resource class."""

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
    # Icelandic (inflected forms as they appear in free text)
    ("glatvarmi frá kerskála 45 °C", "heat_40_60c"),
    ("umframvarmi 30 gráður", "heat_25_40c"),
    ("heitt vatn 80 °C", "heat_60_90c"),
    ("jarðhiti", "heat_60_90c"),
    ("gufa frá jarðvarmavirkjun", "steam_medium_pressure"),
    ("fiskúrgangur", "fish_by_products"),
    ("slóg og hausar frá fiskvinnslu", "fish_by_products"),
    ("koltvísýringur frá jarðvarmavirkjun", "co2_pure"),
    ("kísilryk frá kísilveri", "silica_fume"),
    ("álgjall", "aluminium_dross"),
    ("kerbrot frá álveri", "spent_pot_lining"),
    ("skautleifar", "carbon_reductant"),
    ("seyra frá skólphreinsistöð", "sewage_sludge"),
    ("fiskeldisseyra", "aquaculture_sludge"),
    ("frárennsli frá fiskvinnslu", "fish_processing_wastewater"),
    ("kælisjór frá virkjun", "cooling_water"),
    ("brotajárn", "steel_scrap"),
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
    ("text", "temp"),
    [("45 °C", 45.0), ("varme 35 grader", 35.0), ("70C", 70.0), ("affallsvatn 35 gráður", 35.0),
     ("glatvarmi 40 til 50 gráður", 45.0), ("no temp", None)],
)  # fmt: skip
def test_temperature_extraction(text: str, temp: float | None) -> None:
    assert extract_temperature(text) == temp


# The user's category restricts the class to its group; the text decides within it.
CATEGORY_CASES = [
    # A CHP plant word ("kraft…") must not turn a heat row into electricity.
    ("Värme från avfallsförbränning (kraftvärme)", "heat", "heat"),
    ("Varme fra affaldsforbrænding (kraftvarme)", "heat", "heat"),
    # A fuel word in a gas row is a fuel gas, whatever plant burns it.
    ("Bränsle till kraftvärmepanna (gas)", "gas", "gas"),
    # Wastewater offered as heat is the heat it carries …
    ("Renat avloppsvatten, 12-18 °C", "heat", "heat"),
    # … and as water, the water.
    ("Renat avloppsvatten, 12-18 °C", "water", "water"),
    # Warm condenser water stays cooling water (a heat carrier) in a heat row.
    ("Oppvarmet kjølevann, 18 °C", "heat", "water"),
]


@pytest.mark.parametrize(("text", "category", "expected_category"), CATEGORY_CASES)
def test_category_constrains_the_class(
    clf: Classifier, text: str, category: str, expected_category: str
) -> None:
    result = clf.classify(text, category=category)
    assert result.category is not None and result.category.value == expected_category, result


def test_wastewater_heat_and_reclaimed_water_share_words(clf: Classifier) -> None:
    text = "Renset avløpsvann fra renseanlegget, 14 °C"
    assert clf.classify(text, category="heat").class_id == "wastewater_heat"
    assert clf.classify(text, category="water").class_id == "reclaimed_water"
    assert clf.classify(text).class_id == "reclaimed_water"  # blank: the water


def test_without_in_group_evidence_the_text_still_wins(clf: Classifier) -> None:
    # A wrong category is likelier than an unrecognisable resource.
    assert clf.classify("kullflygeaske", category="gas").class_id == "coal_fly_ash"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The phrase before a plant or process noun names the source, not the resource.
        ("Pure CO2 from the ammonia plant (off-gas of CO2 removal)", "co2_pure"),
        ("Hydrogen from waste-plastic gasification", "hydrogen"),
        ("Used PET bottles for flake and pellet production", "pet_bottles"),
        ("Treated municipal effluent", "reclaimed_water"),
        ("Bär- och förstärkningslager till gator och vägar", "aggregates"),
        ("Fill and road-base material for construction sites", "aggregates"),
        ("bærelag og forsterkningslag til vegbygging", "aggregates"),
        ("Slag and other mineral additions for blended cement", "cement_raw_material"),
        ("Waste plastics charged to coke ovens with coal", "mixed_plastics"),
    ],
)
def test_held_out_vocabulary(clf: Classifier, text: str, expected: str) -> None:
    assert clf.classify(text).class_id == expected


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Raw water for drinking-water production", True),
        ("Råvatten till dricksvattenberedning", True),
        ("Prosessivesi panimoon (talousvesilaatu)", True),
        ("Brugsvand til rengøring (ikke drikkevandskvalitet)", False),
        ("non-potable water for washing", False),
        ("Process water for cooling towers", False),
        ("Vinnsluvatn, ekki neysluvatn", False),
    ],
)
def test_mentioned_classes_reads_purpose_and_negation(clf: Classifier, text: str, named: bool) -> None:
    assert ("drinking_water" in clf.mentioned_classes(text)) is named


@pytest.mark.parametrize(
    "text", ["Värme från avfallsförbränning (kraftvärme)", "Varme fra affaldsforbrænding (kraftvarme)"]
)
def test_a_leading_heat_word_is_the_head_without_a_category(clf: Classifier, text: str) -> None:
    result = clf.classify(text)
    assert result.category is not None and result.category.value == "heat", result


def test_icelandic_without_its_letters_still_classifies(clf: Classifier) -> None:
    """Typed on a keyboard without þ/ð/accents ("jardhiti"), Icelandic is a typo of the
    written form, handled like "sagspan" for "sågspån"."""
    assert clf.classify("fiskurgangur").class_id == "fish_by_products"
    assert clf.classify("jardhiti").class_id == "heat_60_90c"


def test_a_bare_icelandic_heat_word_is_a_heat_flow(clf: Classifier) -> None:
    """The Icelandic "varmi" (heat): without a resource name it is placed in the band of
    its temperature, as "varme 30 °C" is; and "eldsneyti" (fuel) in a gas row is a fuel gas."""
    assert clf.classify("varmi 35 °C").class_id == "heat_25_40c"
    result = clf.classify("eldsneyti fyrir ketil", category="gas")
    assert result.class_id == "fuel_gas" and result.language == "is"
