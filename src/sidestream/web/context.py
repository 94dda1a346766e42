"""Typed template contexts. Every template receives ``chrome`` (the frame around a
page: language, navigation, who is logged in) and ``page`` (one of the dataclasses
below, or a page's data model), never a loose dict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class LangLink:
    code: str
    name: str
    url: str
    current: bool


@dataclass(frozen=True, slots=True)
class NavLink:
    key: str
    label: str  # msgid, translated by the template
    url: str


@dataclass(frozen=True, slots=True)
class Chrome:
    lang: str
    title: str
    nav: str  # key of the active navigation link
    lang_links: list[LangLink]
    nav_links: list[NavLink]
    login_url: str
    user_email: str | None = None
    csrf_token: str | None = None  # the session's, for logout and htmx writes
    region_slug: str | None = None
    region_name: str | None = None
    account_links: list[NavLink] = field(default_factory=list)  # the account menu


@dataclass(frozen=True, slots=True)
class RegionLink:
    slug: str
    name: str
    url: str
    country: str | None


@dataclass(frozen=True, slots=True)
class HomePage:
    regions: list[RegionLink]


@dataclass(frozen=True, slots=True)
class LoginPage:
    csrf_token: str
    next_url: str
    email: str = ""
    error: str | None = None  # already translated
    logged_in_as: str | None = None


@dataclass(frozen=True, slots=True)
class ErrorPage:
    status: int
    heading: str  # translated
    detail: str
    login_url: str | None = None


@dataclass(frozen=True, slots=True)
class DataPage:
    """A page whose data has a JSON twin: ``data`` is what the twin returns and
    ``payload`` what the page's scripts read (a JSON-ready part of it)."""

    data: Any
    payload: dict[str, Any] = field(default_factory=dict)
