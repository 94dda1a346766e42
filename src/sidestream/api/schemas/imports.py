"""The report of a bulk import."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sidestream.services.imports import ImportReport


class RowProblem(BaseModel):
    row: int | None
    column: str | None
    message: str
    severity: str
    value: str | None


class Counts(BaseModel):
    created: int
    updated: int


class ImportReportPublic(BaseModel):
    """What the import did — or, with ``dry_run`` (or a refused ``strict`` import),
    would do. ``problems`` lists every invalid row with its row number and column."""

    region: str
    source: str
    rows_read: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    organisations: Counts
    sites: Counts
    dry_run: bool
    strict: bool
    applied: bool
    ok: bool
    errors: int
    warnings: int
    problems: list[RowProblem]

    @classmethod
    def from_report(cls, report: ImportReport) -> ImportReportPublic:
        data: dict[str, Any] = report.as_dict()
        return cls.model_validate(data)
