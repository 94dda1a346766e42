"""Every user-facing message — in Python and in the web pages' templates — has a
Norwegian translation with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import sidestream
from sidestream.i18n import Message, format_number, normalise_lang, translate

PACKAGE = Path(sidestream.__file__).parent
# The extraction mapping of `make i18n-update`: Python sources and Jinja2 templates.
MAPPING = Path(__file__).resolve().parents[1] / "babel.cfg"
PLACEHOLDER = re.compile(r"\{(\w+)[^}]*\}")
PERCENT_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted() -> set[str]:
    with MAPPING.open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(MAPPING))
    ids: set[str] = set()
    for _, _, message, _, _ in extract_from_dir(
        str(PACKAGE),
        method_map=method_map,
        options_map=options_map,
        keywords={"N_": None, "_": None, "gettext": None, "ngettext": (1, 2)},
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_templates_are_extracted() -> None:
    """The Jinja2 extractor runs on the templates (a broken mapping would silently
    find nothing, and every untranslated page string would pass)."""
    ids = extracted()
    assert "Skip to content" in ids  # web/templates/base.html
    assert "%(total)s flows" in ids  # web/templates/_flows_table.html


@pytest.mark.parametrize("lang", ["nb"])
def test_catalog_covers_every_message(lang: str) -> None:
    path = PACKAGE / "locale" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        # A fuzzy entry (a guess by `pybabel update`) is not used at run time: untranslated.
        catalog = {
            (m.id if isinstance(m.id, str) else m.id[0]): m.string
            for m in read_po(fh)
            if m.id and not m.fuzzy
        }
    missing = sorted(i for i in extracted() if not catalog.get(i))
    assert not missing, f"untranslated ({lang}): {missing}"
    for msgid, translation in catalog.items():
        for pattern in (PLACEHOLDER, PERCENT_PLACEHOLDER):
            assert set(pattern.findall(str(msgid))) == set(pattern.findall(str(translation))), msgid


def test_messages_render_in_both_languages() -> None:
    m = Message("{distance} km by {mode} (straight line {straight} km)",
                {"distance": 1234.5, "mode": Message("road"), "straight": 2.0})  # fmt: skip
    assert m.render("en") == "1,234.5 km by road (straight line 2 km)"
    assert m.render("nb") == "1\xa0234,5 km med vei (luftlinje 2 km)"


def test_language_codes() -> None:
    assert normalise_lang("nn-NO") == "nb"
    assert normalise_lang("sv") == "en"
    assert translate("unknown message", "nb") == "unknown message"
    assert format_number(0.5, "nb") == "0,5"
