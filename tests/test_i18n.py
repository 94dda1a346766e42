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


# --- errors ---------------------------------------------------------------------------

ERROR_NAMES = {
    name
    for name, obj in vars(__import__("sidestream.errors", fromlist=["*"])).items()
    if isinstance(obj, type) and issubclass(obj, Exception)
} | {"AuthenticationError", "RateLimitedError"}
# Raise sites that stay English on purpose, as "path: why".
ENGLISH_RAISES = {
    "store/db.py": "the not-migrated database is an operator's start-up error (server, CLI)",
    "optimise/scenarios.py": "quotes a flow-table problem, whose messages are English text",
}


def _raised_messages() -> tuple[set[str], list[str]]:
    """The msgids every ``raise SomeSidestreamError(...)`` passes, and the raise sites
    that pass English text instead of a marked message."""
    import ast

    msgids: set[str] = set()
    english: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args):
                continue
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name not in ERROR_NAMES:
                continue
            first = node.exc.args[0]
            if isinstance(first, ast.Call) and getattr(first.func, "id", "") in ("N_", "Message"):
                marked = first.args[0] if first.args else None
                if isinstance(marked, ast.Constant) and isinstance(marked.value, str):
                    msgids.add(marked.value)
            elif (
                isinstance(first, ast.Constant | ast.JoinedStr | ast.BinOp) and relative not in ENGLISH_RAISES
            ):
                english.append(f"{relative}:{node.lineno}")
    return msgids, english


def test_every_raised_error_message_is_marked_and_translated() -> None:
    """A domain error shown to a reader is a catalog message with a bokmål translation
    (plain English strings and f-strings would reach Norwegian pages untranslated)."""
    msgids, english = _raised_messages()
    assert not english, f"raise with English text instead of N_(...): {english}"
    assert len(msgids) > 250  # the walk really finds the raise sites
    with (PACKAGE / "locale" / "nb" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = {m.id: m.string for m in read_po(fh) if isinstance(m.id, str) and m.id and not m.fuzzy}
    untranslated = sorted(m for m in msgids if not catalog.get(m))
    assert not untranslated, untranslated


def test_errors_render_in_the_readers_language_and_stay_english_in_str() -> None:
    from sidestream.errors import InvalidDataError, NotFoundError, UnknownClassError
    from sidestream.i18n import N_

    exc = InvalidDataError(
        N_("unknown role {role!r}: use one of {choices}"), role="boss", choices="viewer, member"
    )
    assert str(exc) == exc.args[0] == "unknown role 'boss': use one of viewer, member"
    assert exc.render("nb") == "ukjent rolle 'boss': bruk en av viewer, member"
    assert exc.message == Message(
        "unknown role {role!r}: use one of {choices}", {"role": "boss", "choices": "viewer, member"}
    )
    # An error quoted in another one is rendered in the same language.
    outer = InvalidDataError(N_("months: {reason}"), reason=exc)
    assert str(outer) == "months: unknown role 'boss': use one of viewer, member"
    assert outer.render("nb") == "måneder: ukjent rolle 'boss': bruk en av viewer, member"
    # Plain strings keep working and are never formatted (braces stay as they are).
    plain = NotFoundError("no {such} thing")
    assert str(plain) == plain.render("nb") == "no {such} thing"
    # A marked message without parameters is translated too; a Message is accepted as is.
    assert (
        NotFoundError(N_("no such idea in this workshop")).render("nb") == "ingen slik idé i dette verkstedet"
    )
    assert (
        NotFoundError(Message("no token with id {token_id}", {"token_id": 7})).render("nb")
        == "ingen nøkkel med id 7"
    )
    assert str(UnknownClassError()) == "unknown resource class"
