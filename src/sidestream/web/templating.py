"""Jinja2 environments, one per language, with Babel's gettext installed.

Each language gets its own :class:`jinja2.Environment` whose ``_``/``gettext`` is
bound to that language's catalog (:func:`sidestream.i18n.gettext`), so rendering is
thread-safe with no per-request state. Filters format numbers, amounts and dates in
the page's language and name the registry's kinds.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from sidestream.i18n import LANGS, format_date, format_number, gettext, ngettext
from sidestream.web.labels import (
    amount_text,
    category_colour,
    category_label,
    direction_label,
    unit_label,
    visibility_label,
)

log = logging.getLogger(__name__)

STATIC_DIR = Path(str(resources.files("sidestream.web") / "static"))
BUILD_DIR = STATIC_DIR / "build"
BUILD_ASSETS = ("app.js", "app.css")


def build_version(build_dir: Path = BUILD_DIR) -> str:
    """A short hash of the built assets, appended to their URLs so that browsers
    fetch a new build instead of a cached old one ("missing" when not built)."""
    digest = hashlib.sha256()
    found = False
    for name in BUILD_ASSETS:
        path = build_dir / name
        if path.is_file():
            digest.update(path.read_bytes())
            found = True
    if not found:
        log.warning(
            "web assets are not built (%s): run `make install` or `npm run build` in frontend/", build_dir
        )
        return "missing"
    return digest.hexdigest()[:12]


def _environment(lang: str, version: str) -> Environment:
    env = Environment(
        loader=PackageLoader("sidestream.web", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext(lang), ngettext(lang), newstyle=True)  # type: ignore[attr-defined]

    def number(value: float | None, digits: int = 1) -> str:
        return "" if value is None else format_number(float(value), lang, digits)

    def amount(value: float | None, unit: str | None) -> str:
        return amount_text(value, unit, lang)

    def when(value: date | datetime | None) -> str:
        return "" if value is None else format_date(value, lang)

    def static(path: str) -> str:
        return f"/static/{path}?v={version}"

    env.filters.update(
        number=number,
        amount=amount,
        date=when,
        category=lambda value: category_label(value, lang),
        colour=category_colour,
        direction=lambda value: direction_label(value, lang),
        visibility=lambda value: visibility_label(value, lang),
        unit=lambda value: unit_label(value, lang),
    )
    env.globals.update(static=static, lang=lang)
    return env


class Templates:
    """The page templates in every language."""

    def __init__(self, version: str | None = None) -> None:
        self.version = version if version is not None else build_version()
        self._envs = {lang: _environment(lang, self.version) for lang in LANGS}

    def render(self, name: str, lang: str, context: Mapping[str, Any]) -> str:
        return self._envs[lang].get_template(name).render(context)
