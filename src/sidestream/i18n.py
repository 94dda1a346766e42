"""English and Norwegian bokmål through Babel message catalogs.

Engines return messages as :class:`Message` (a msgid plus parameters) and never
translate themselves: the outer layer renders them in the reader's language. Catalogs
are the ``.po`` files under ``locale/``, read with Babel at run time so that no
compiled artefact needs to be built or committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
def _catalog(lang: str) -> dict[str, str]:
    if lang == DEFAULT_LANG:
        return {}
    from babel.messages.pofile import read_po

    path = resources.files("sidestream") / "locale" / lang / "LC_MESSAGES" / "messages.po"
    try:
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
    except FileNotFoundError:
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
