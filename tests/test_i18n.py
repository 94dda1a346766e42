"""Every user-facing message has a Norwegian translation with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import sidestream
from sidestream.i18n import Message, format_number, normalise_lang, translate

PACKAGE = Path(sidestream.__file__).parent
PLACEHOLDER = re.compile(r"\{(\w+)[^}]*\}")


def extracted() -> set[str]:
    ids: set[str] = set()
    for _, _, message, _, _ in extract_from_dir(
        str(PACKAGE), keywords={"N_": None, "_": None, "gettext": None}
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("lang", ["nb"])
def test_catalog_covers_every_message(lang: str) -> None:
    path = PACKAGE / "locale" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = {m.id: m.string for m in read_po(fh) if m.id}
    missing = sorted(i for i in extracted() if not catalog.get(i))
    assert not missing, f"untranslated ({lang}): {missing}"
    for msgid, translation in catalog.items():
        assert set(PLACEHOLDER.findall(str(msgid))) == set(PLACEHOLDER.findall(str(translation))), msgid


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
