"""Packaged demo regions (flow tables with a ``source`` column)."""

from __future__ import annotations

from pathlib import Path

from sidestream.errors import SidestreamError
from sidestream.i18n import N_
from sidestream.knowledge.base import data_dir


def demo_regions() -> list[str]:
    return sorted(p.stem for p in (data_dir() / "regions").glob("*.csv"))


def demo_region_path(name: str) -> Path:
    path = data_dir() / "regions" / f"{name.lower()}.csv"
    if not path.is_file():
        raise SidestreamError(
            N_("no demo region {name!r}; choose one of {choices}"),
            name=name,
            choices=", ".join(demo_regions()),
        )
    return path
