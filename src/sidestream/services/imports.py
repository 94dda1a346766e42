"""Importing a flow table into a region: validate, then apply in one transaction.

Rows are matched to stored flows by their flow-table ``id`` (``Flow.key``), so
importing the same file twice changes nothing the second time, and an edited file
updates the flows it names. Organisations are matched by actor name and sites by
actor + site name (case-insensitively: "Elkem Rana AS" and "ELKEM RANA AS" are one
organisation), and are created or updated as the rows say.

Lenient (default): every valid row is applied and invalid rows are skipped and
reported. ``strict``: one invalid row and nothing is applied. ``dry_run``: everything
is applied inside the transaction and then rolled back, so the report says exactly
what an import would do. A database failure midway rolls the whole import back.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sidestream.domain.visibility import Viewer, can_see
from sidestream.errors import PermissionDeniedError, StoreError
from sidestream.i18n import N_, Message
from sidestream.io import FlowTable, Problem, read_flow_table
from sidestream.io.flow_table import ProblemList
from sidestream.services import audit
from sidestream.store.models import Flow, Organisation, Region, Site

# Column widths of the schema that a flow table can exceed; checked per row so that a
# long value is a reported problem, not a failed transaction (PostgreSQL enforces them).
PROGRESS_EVERY = 200  # rows between progress reports
MAX_LENGTHS = {"id": 100, "actor": 200, "site": 200, "unit": 30}
FLOW_FIELDS = (
    "direction", "resource", "category", "ewc", "hazardous", "quantity", "unit", "annual_quantity",
    "annual_unit", "temperature_c", "months_mask", "visibility", "notes",
)  # fmt: skip


@dataclass
class ImportReport(ProblemList):
    """What an import did (or, for a dry run or a refused strict import, would do)."""

    region: str
    source: str
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    organisations_created: int = 0
    organisations_updated: int = 0
    sites_created: int = 0
    sites_updated: int = 0
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    strict: bool = False
    applied: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "source": self.source,
            "rows_read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "organisations": {"created": self.organisations_created, "updated": self.organisations_updated},
            "sites": {"created": self.sites_created, "updated": self.sites_updated},
            "dry_run": self.dry_run,
            "strict": self.strict,
            "applied": self.applied,
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.as_dict() for p in self.problems],
        }


def import_flow_table(
    session: Session,
    region: Region,
    table_or_path: FlowTable | str | Path | bytes,
    *,
    user_id: int | None = None,
    viewer: Viewer | None = None,
    dry_run: bool = False,
    strict: bool = False,
    progress: Callable[[float], None] | None = None,
) -> ImportReport:
    """Upsert the valid rows of a flow table into ``region``; commits unless ``dry_run``.

    ``progress``, when given, is called with the share of rows written so far (0..1),
    for a background job's progress bar.

    ``viewer``, when given (API calls), must be a facilitator or admin of the region
    and is the user the audit trail records. The CLI passes no viewer: the operator
    who runs it owns the instance.
    """
    if viewer is not None:
        if not viewer.manages_region:
            raise PermissionDeniedError(
                N_("only the region's facilitators and admins may import flow tables")
            )
        user_id = viewer.user_id if user_id is None else user_id
    table = table_or_path if isinstance(table_or_path, FlowTable) else read_flow_table(table_or_path)
    report = ImportReport(
        region=region.slug, source=table.source, rows_read=table.rows_read, dry_run=dry_run, strict=strict
    )
    report.problems = list(table.problems)
    records = _checked_records(table, report.problems)
    if viewer is not None:
        records = _without_hidden_keys(session, region, viewer, records, report.problems)
    report.skipped = table.rows_read - len(records)
    if strict and report.errors:
        report.skipped = table.rows_read
        return report
    if not records:
        return report
    writer = _Writer(session, region, user_id, report, keep_source="source" in table.extra_columns)
    try:
        writer.apply(records, progress)
        session.flush()
    except SQLAlchemyError as exc:
        session.rollback()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StoreError(N_("the import failed and nothing was saved: {reason}"), reason=reason) from exc
    except BaseException:
        session.rollback()
        raise
    if dry_run:
        session.rollback()
    else:
        session.commit()
        report.applied = True
    report.problems.sort(key=lambda p: (p.row is None, p.row or 0))
    return report


def _without_hidden_keys(
    session: Session, region: Region, viewer: Viewer, records: list[dict[str, Any]], problems: list[Problem]
) -> list[dict[str, Any]]:
    """Rows whose id belongs to a flow the importer may not see never touch that flow
    (a facilitator must not overwrite a company's private flow through an import).
    Ids are unique per region, so the row is refused with the same words whether the
    id is hidden or merely taken — nothing about the hidden flow is revealed."""
    keys = [r["id"] for r in records]
    hidden: set[str] = set()
    for chunk in _chunks(keys, 500):
        for key, visibility, owner in session.execute(
            select(Flow.key, Flow.visibility, Flow.organisation_id).where(
                Flow.region_id == region.id, Flow.key.in_(chunk)
            )
        ):
            if not can_see(viewer, visibility, owner):
                hidden.add(key)
    kept = []
    for record in records:
        if record["id"] in hidden:
            problems.append(
                Problem.of(
                    record["row"],
                    "id",
                    Message(
                        N_("id {flow_id!r} cannot be used here; choose another id"), {"flow_id": record["id"]}
                    ),
                    "error",
                )
            )
        else:
            kept.append(record)
    return kept


def _checked_records(table: FlowTable, problems: list[Problem]) -> list[dict[str, Any]]:
    """Valid rows as plain dicts (NaN → None), minus rows too long for the schema."""
    out: list[dict[str, Any]] = []
    for raw in table.frame.to_dict("records"):
        record = {str(k): _plain(v) for k, v in raw.items()}
        too_long = [
            Problem.of(
                record["row"],
                column,
                Message(N_("{column} is longer than {limit} characters"), {"column": column, "limit": limit}),
                "error",
            )
            for column, limit in MAX_LENGTHS.items()
            if len(str(record.get(column) or "")) > limit
        ]
        if too_long:
            problems.extend(too_long)
            continue
        out.append(record)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value


class _Writer:
    """Applies records in file order, keeping what it has seen by name and key."""

    def __init__(self, session: Session, region: Region, user_id: int | None, report: ImportReport,
                 *, keep_source: bool) -> None:  # fmt: skip
        self.session = session
        self.region = region
        self.user_id = user_id
        self.report = report
        self.keep_source = keep_source
        self.organisations = {
            o.name.casefold(): o
            for o in session.scalars(select(Organisation).where(Organisation.region_id == region.id))
        }
        self.sites: dict[tuple[int, str], Site] = {}
        if self.organisations:
            org_ids = [o.id for o in self.organisations.values()]
            for site in session.scalars(select(Site).where(Site.organisation_id.in_(org_ids))):
                self.sites[(site.organisation_id, site.name.casefold())] = site
        self.first_row: dict[tuple[str, ...], int] = {}  # which row set an organisation or site
        self.flow_changes: list[tuple[Flow, dict[str, Any] | None]] = []

    def apply(
        self, records: Iterable[dict[str, Any]], progress: Callable[[float], None] | None = None
    ) -> None:
        records = list(records)
        keys = [r["id"] for r in records]
        existing = {
            f.key: f
            for chunk in _chunks(keys, 500)
            for f in self.session.scalars(
                select(Flow).where(Flow.region_id == self.region.id, Flow.key.in_(chunk))
            )
        }
        for done, record in enumerate(records, start=1):
            organisation = self._organisation(record)
            site = self._site(organisation, record)
            self._flow(record, organisation, site, existing.get(record["id"]))
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done / len(records))
        # Flows are flushed together (one round of INSERTs, not one per row); their
        # audit events need the ids and versions that the flush assigns.
        self.session.flush()
        for flow, before in self.flow_changes:
            self._audit("import", "flow", flow.id, before, audit.snapshot(flow))

    def _audit(self, action: str, entity: str, entity_id: int, before: Any, after: Any) -> None:
        audit.record(
            self.session,
            action=action,
            entity=entity,
            entity_id=entity_id,
            region_id=self.region.id,
            user_id=self.user_id,
            before=before,
            after=after,
        )

    def _first(self, key: tuple[str, ...], row: int) -> int | None:
        """The row that first set ``key`` in this file, or None if this is it."""
        first = self.first_row.setdefault(key, row)
        return None if first == row else first

    def _warn(self, row: int, column: str, message: Message) -> None:
        self.report.problems.append(Problem.of(row, column, message, "warning"))

    def _organisation(self, record: dict[str, Any]) -> Organisation:
        """The row's organisation; its type and main NACE come from its first row here.

        NACE may differ between an actor's rows (it is the site's activity then, kept
        on the site), so only a differing actor type is worth a warning.
        """
        name = record["actor"]
        wanted: dict[str, Any] = {"actor_type": record["actor_type"]}
        if record.get("nace"):
            wanted["nace"] = record["nace"]
        organisation = self.organisations.get(name.casefold())
        if organisation is None:
            organisation = Organisation(region_id=self.region.id, name=name, **wanted)
            self.session.add(organisation)
            self.session.flush()
            self.organisations[name.casefold()] = organisation
            self.first_row[("org", name.casefold())] = record["row"]
            self.report.organisations_created += 1
            self._audit("import", "organisation", organisation.id, None, audit.snapshot(organisation))
            return organisation
        first = self._first(("org", name.casefold()), record["row"])
        if first is not None:  # an earlier row of this file already set it
            if organisation.actor_type != record["actor_type"]:
                here, there = record["actor_type"], organisation.actor_type
                message = N_("{name!r} is a {here} here but a {there} on row {first}; row {first} wins")
                params = {"name": name, "here": here, "there": there, "first": first}
                self._warn(record["row"], "actor_type", Message(message, params))
            return organisation
        differs = {k: v for k, v in wanted.items() if getattr(organisation, k) != v}
        if differs:
            before = audit.snapshot(organisation)
            for k, v in differs.items():
                setattr(organisation, k, v)
            self.session.flush()
            self.report.organisations_updated += 1
            self._audit("import", "organisation", organisation.id, before, audit.snapshot(organisation))
        return organisation

    def _site(self, organisation: Organisation, record: dict[str, Any]) -> Site:
        """The row's site; coordinates and NACE come from its first row here."""
        name = record["site"]
        key = (organisation.id, name.casefold())
        wanted = {"lat": record["lat"], "lon": record["lon"], "nace": record.get("nace") or None}
        site = self.sites.get(key)
        if site is None:
            site = Site(organisation_id=organisation.id, name=name, **wanted)
            self.session.add(site)
            self.session.flush()
            self.sites[key] = site
            self.first_row[("site", str(organisation.id), name.casefold())] = record["row"]
            self.report.sites_created += 1
            self._audit("import", "site", site.id, None, audit.snapshot(site))
            return site
        first = self._first(("site", str(organisation.id), name.casefold()), record["row"])
        differs = {k: v for k, v in wanted.items() if getattr(site, k) != v}
        if not differs:
            return site
        if first is not None:
            other = (
                N_("site {name!r} has other coordinates than on row {first}; row {first} wins")
                if {"lat", "lon"} & differs.keys()
                else N_("site {name!r} has other NACE code than on row {first}; row {first} wins")
            )
            self._warn(record["row"], "site", Message(other, {"name": name, "first": first}))
            return site
        before = audit.snapshot(site)
        for k, v in differs.items():
            setattr(site, k, v)
        self.session.flush()
        self.report.sites_updated += 1
        self._audit("import", "site", site.id, before, audit.snapshot(site))
        return site

    def _flow(
        self, record: dict[str, Any], organisation: Organisation, site: Site, flow: Flow | None
    ) -> None:
        values = {name: record.get(name) for name in FLOW_FIELDS}
        values["notes"] = values["notes"] or ""
        values["months_mask"] = int(record["months_mask"])
        values["organisation_id"], values["site_id"] = organisation.id, site.id
        if self.keep_source:
            values["source"] = record.get("source") or ""
        if flow is None:
            flow = Flow(region_id=self.region.id, key=record["id"], **values)
            self.session.add(flow)
            self.report.created += 1
            self.flow_changes.append((flow, None))
            return
        changed = {k: v for k, v in values.items() if getattr(flow, k) != v}
        if not changed:
            self.report.unchanged += 1
            return
        before = audit.snapshot(flow)
        for k, v in changed.items():
            setattr(flow, k, v)
        self.report.updated += 1
        self.flow_changes.append((flow, before))


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
