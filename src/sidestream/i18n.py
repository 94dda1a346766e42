"""English and Norwegian bokmål through Babel message catalogs.

Engines return messages as :class:`Message` (a msgid plus parameters) and never
translate themselves: the outer layer renders them in the reader's language. Catalogs
are the ``.po`` files under ``locale/``, read with Babel at run time so that no
compiled artefact needs to be built or committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

LANGS = ("en", "nb")
DEFAULT_LANG = "en"


def N_(msgid: str) -> str:  # noqa: N802 - gettext convention, a marker for extraction
    """Mark a string for extraction without translating it now."""
    return msgid


@dataclass(frozen=True, slots=True)
class Message:
    """A translatable message with named parameters, rendered late."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str = DEFAULT_LANG) -> str:
        return translate(self.msgid, lang).format(**{k: _fmt(v, lang) for k, v in self.params.items()})

    def as_dict(self, lang: str = DEFAULT_LANG) -> dict[str, Any]:
        return {"text": self.render(lang), "key": self.msgid, "params": self.params}


def _fmt(value: Any, lang: str) -> Any:
    if isinstance(value, float):
        return format_number(value, lang)
    if isinstance(value, Message):
        return value.render(lang)
    localise = getattr(value, "localise", None)
    if callable(localise):  # e.g. knowledge-base Labels: pick the reader's language
        return localise(lang)
    return value


@cache
def _read_catalog(lang: str) -> Any:
    """The language's Babel catalog, or None for English (the source language)."""
    if lang == DEFAULT_LANG:
        return None
    from babel.messages.pofile import read_po

    path = resources.files("sidestream") / "locale" / lang / "LC_MESSAGES" / "messages.po"
    try:
        with path.open("rb") as fh:
            return read_po(fh, locale=lang)
    except FileNotFoundError:
        return None


@cache
def _catalog(lang: str) -> dict[str, str]:
    catalog = _read_catalog(lang)
    if catalog is None:
        return {}
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


def translate(msgid: str, lang: str = DEFAULT_LANG) -> str:
    lang = normalise_lang(lang)
    return _catalog(lang).get(msgid, msgid)


def normalise_lang(lang: str | None) -> str:
    """``no``, ``nb-NO``, ``nn`` → ``nb``; anything unknown → English."""
    if not lang:
        return DEFAULT_LANG
    code = lang.lower().replace("_", "-").split("-")[0]
    if code in {"nb", "no", "nn"}:
        return "nb"
    return code if code in LANGS else DEFAULT_LANG


def format_number(value: float, lang: str = DEFAULT_LANG, digits: int = 1) -> str:
    """Numbers with the reader's decimal separator (Babel).

    >>> format_number(1234.5, "nb")
    '1\\xa0234,5'
    """
    from babel.numbers import format_decimal

    locale = "nb_NO" if normalise_lang(lang) == "nb" else "en_GB"
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return str(format_decimal(round(value, digits), format=pattern, locale=locale))


# --- for templates and web pages ------------------------------------------------------


def babel_locale(lang: str | None) -> str:
    """The Babel locale of a language code, for numbers and dates.

    >>> babel_locale("no"), babel_locale("en-US")
    ('nb_NO', 'en_GB')
    """
    return "nb_NO" if normalise_lang(lang) == "nb" else "en_GB"


def gettext(lang: str) -> Callable[[str], str]:
    """A ``gettext`` bound to one language, e.g. for Jinja's i18n extension.

    >>> gettext("nb")("road"), gettext("en")("road")
    ('vei', 'road')
    """
    code = normalise_lang(lang)

    def _gettext(msgid: str) -> str:
        return translate(msgid, code)

    return _gettext


@cache
def _plural_catalog(lang: str) -> dict[str, tuple[str, ...]]:
    catalog = _read_catalog(lang)
    if catalog is None:
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for m in catalog:
        forms = m.string
        if m.pluralizable and not m.fuzzy and isinstance(forms, tuple | list) and all(forms):
            out[str(m.id[0])] = tuple(str(form) for form in forms)
    return out


def ngettext(lang: str) -> Callable[[str, str, int], str]:
    """An ``ngettext`` bound to one language. English and bokmål share the plural rule
    ``n != 1``, so the second form is the plural in both.

    >>> ngettext("en")("{n} flow", "{n} flows", 2)
    '{n} flows'
    """
    code = normalise_lang(lang)

    def _ngettext(singular: str, plural: str, n: int) -> str:
        forms = _plural_catalog(code).get(singular)
        if forms is None or len(forms) < 2:
            return singular if n == 1 else plural
        return forms[0] if n == 1 else forms[1]

    return _ngettext


def negotiate_lang(accept_language: str | None) -> str | None:
    """The best supported language of an ``Accept-Language`` header, or None.

    >>> negotiate_lang("de-DE,de;q=0.9,nb;q=0.8,en;q=0.5")
    'nb'
    >>> negotiate_lang("fr, de") is None
    True
    """
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        pieces = part.strip().split(";")
        code = pieces[0].strip()
        weight = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if code and weight > 0:
            ranked.append((-weight, index, code))
    for _, _, code in sorted(ranked):
        primary = code.lower().replace("_", "-").split("-")[0]
        if primary in {"nb", "no", "nn"} or primary in LANGS:
            return normalise_lang(primary)
    return None


def format_date(value: date | datetime, lang: str = DEFAULT_LANG, fmt: str = "medium") -> str:
    """A date in the reader's language (Babel).

    >>> format_date(date(2025, 3, 4), "nb"), format_date(date(2025, 3, 4), "en")
    ('4. mars 2025', '4 Mar 2025')
    """
    from babel.dates import format_date as babel_format_date

    day = value.date() if isinstance(value, datetime) else value
    return str(babel_format_date(day, format=fmt, locale=babel_locale(lang)))
