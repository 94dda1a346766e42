"""Loading a packaged demo region (``knowledge/data/regions/*.csv``) into the store.

Loading is an import by flow id, so loading twice changes nothing and loading after
an upgrade of the package brings the region up to date with the new file.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from sidestream.knowledge.regions import demo_region_path
from sidestream.services.imports import ImportReport, import_flow_table
from sidestream.services.regions import ensure_region

# Display name and country of the packaged regions; others get their title-cased name.
DEMO_REGIONS: dict[str, tuple[str, str | None]] = {
    "helgeland": ("Helgeland", "NO"),
    "kalundborg": ("Kalundborg", "DK"),
}


def load_demo(session: Session, name: str = "helgeland") -> ImportReport:
    """Create the demo region ``name`` if needed and import its flow table (commits)."""
    slug = name.strip().lower()
    path = demo_region_path(slug)
    title, country = DEMO_REGIONS.get(slug, (slug.title(), None))
    region = ensure_region(session, slug, title, country=country)
    return import_flow_table(session, region, path)
