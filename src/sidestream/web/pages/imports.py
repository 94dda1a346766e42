"""The import wizard and the exports.

1. Upload a CSV/XLSX (or GeoJSON) flow table: a background job does a dry run.
2. The preview shows the detected column mapping and every row error (row, column,
   reason) — nothing is saved yet.
3. One button commits: a second job imports every valid row in one transaction.

Both steps run as jobs (:mod:`sidestream.services.jobs`), so a big file never blocks
the page; htmx polls the job's progress. Exports are the flows the viewer may see
(:mod:`sidestream.services.exports`), in each format.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from sidestream.api.deps import IdPath, MatchCacheDep, RegionDep, SessionDep, ViewerDep
from sidestream.domain.visibility import Role, Viewer
from sidestream.errors import InvalidDataError, NotFoundError
from sidestream.i18n import N_, translate
from sidestream.io.flow_table import Problem
from sidestream.services.accounts import require_role
from sidestream.services.exports import FORMATS, export_flows
from sidestream.services.jobs import (
    MAX_UPLOAD_BYTES,
    JobKind,
    JobStatus,
    create_job,
    get_job,
    import_work,
    match_work,
)
from sidestream.store.models import Region
from sidestream.web.context import DataPage
from sidestream.web.deps import FormViewerDep, FormWebDep, Web, WebDep, check_form
from sidestream.web.errors import HtmlRoute
from sidestream.web.pages.jobs import JobData, job_data, launch

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

TITLE = N_("Import a flow table")
NO_FILE = N_("Choose a file to upload: a CSV, XLSX or GeoJSON flow table.")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}


class ExportLink(BaseModel):
    format: str
    url: str


class ImportForm(BaseModel):
    slug: str
    exports: list[ExportLink]
    error: str | None = None
    max_mb: int = MAX_UPLOAD_BYTES // (1024 * 1024)


class ColumnRow(BaseModel):
    column: str
    field: str | None


class ProblemRow(BaseModel):
    row: int | None
    column: str | None
    reason: str
    severity: str
    value: str | None


class ImportResult(BaseModel):
    slug: str
    job: JobData
    preview: bool  # a dry run (nothing saved yet)
    filename: str
    mapping: list[ColumnRow]
    problems: list[ProblemRow]
    errors: int
    warnings: int
    rows_read: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    applied: bool


def _exports(region: Region) -> list[ExportLink]:
    return [ExportLink(format=f, url=f"/regions/{region.slug}/export.{f}") for f in FORMATS]


def _require_importer(viewer: Viewer) -> None:
    require_role(viewer, Role.FACILITATOR, N_("import flow tables"))


def _form(web: Web, region: Region, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    page = ImportForm(slug=region.slug, exports=_exports(region), error=error)
    chrome = web.chrome(translate(TITLE, web.lang), nav="import", region=region)
    return web.render("import.html", DataPage(page), chrome, status_code=status_code)


@router.get("/regions/{slug}/import", response_class=HTMLResponse)
def import_page(web: WebDep, region: RegionDep, viewer: ViewerDep) -> HTMLResponse:
    _require_importer(viewer)
    return _form(web, region)


@router.post("/regions/{slug}/import", response_model=None)
async def upload(
    web: FormWebDep,
    region: RegionDep,
    viewer: FormViewerDep,
    session: SessionDep,
    file: Annotated[UploadFile | None, File()] = None,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_form(web, csrf_token)
    _require_importer(viewer)
    assert web.user is not None  # a facilitator is logged in
    data = await file.read(MAX_UPLOAD_BYTES + 1) if file is not None else b""
    if file is None or not file.filename or not data:
        return _form(web, region, translate(NO_FILE, web.lang), status_code=422)
    try:
        job = create_job(
            session, web.user, JobKind.IMPORT_PREVIEW, region=region,
            params={"filename": Path(file.filename).name[:200]}, payload=data,
        )  # fmt: skip
    except InvalidDataError as exc:
        return _form(web, region, exc.render(web.lang), status_code=413)
    launch(web.request, job, import_work(dry_run=True))
    return RedirectResponse(f"/regions/{region.slug}/import/{job.id}", status_code=303)


def _reason(stored: dict[str, Any], lang: str) -> str:
    """A stored problem in the reader's language (reports stored before problems kept
    their catalog key show their English text)."""
    key, params = stored.get("key"), stored.get("params")
    problem = Problem(
        stored.get("row"), stored.get("column"), str(stored.get("message", "")),
        key=key if isinstance(key, str) else None, params=params if isinstance(params, dict) else None,
    )  # fmt: skip
    return problem.render(lang)


def _result(web: Web, region: Region, job_id: int, session: SessionDep) -> ImportResult:
    job = get_job(session, web.user, job_id)
    if job.region_id != region.id or job.kind not in (JobKind.IMPORT_PREVIEW, JobKind.IMPORT):
        raise NotFoundError(N_("no import {job_id} in region {region}"), job_id=job_id, region=region.slug)
    result: dict[str, Any] = job.result or {}
    report: dict[str, Any] = result.get("report") or {}
    problems = [
        ProblemRow(row=p.get("row"), column=p.get("column"), reason=_reason(p, web.lang),
                   severity=str(p.get("severity", "error")), value=p.get("value"))
        for p in report.get("problems", [])
    ]  # fmt: skip
    return ImportResult(
        slug=region.slug, job=job_data(job, region.slug, web.lang),
        preview=job.kind == JobKind.IMPORT_PREVIEW,
        filename=str(job.params.get("filename") or ""),
        mapping=[ColumnRow(column=str(m["column"]), field=m.get("field")) for m in result.get("mapping", [])],
        problems=problems, errors=int(report.get("errors", 0)), warnings=int(report.get("warnings", 0)),
        rows_read=int(report.get("rows_read", 0)), created=int(report.get("created", 0)),
        updated=int(report.get("updated", 0)), unchanged=int(report.get("unchanged", 0)),
        skipped=int(report.get("skipped", 0)), applied=bool(report.get("applied", False)),
    )  # fmt: skip


@router.get("/regions/{slug}/import/{job_id}", response_class=HTMLResponse)
def import_result(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, job_id: IdPath
) -> HTMLResponse:
    _require_importer(viewer)
    data = _result(web, region, job_id, session)
    chrome = web.chrome(translate(TITLE, web.lang), nav="import", region=region)
    return web.render("import_result.html", DataPage(data), chrome)


@router.post("/regions/{slug}/import/{job_id}/commit", response_model=None)
def commit(
    web: FormWebDep,
    region: RegionDep,
    viewer: FormViewerDep,
    session: SessionDep,
    job_id: IdPath,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Import the previewed file for real: every valid row, in one transaction."""
    check_form(web, csrf_token)
    _require_importer(viewer)
    preview = get_job(session, web.user, job_id)
    if preview.region_id != region.id or preview.kind != JobKind.IMPORT_PREVIEW or not preview.payload:
        raise NotFoundError(
            N_("no import preview {job_id} in region {region}"), job_id=job_id, region=region.slug
        )
    if preview.status != JobStatus.DONE:
        raise InvalidDataError(N_("the preview has not finished: wait for it, then commit"))
    assert web.user is not None
    job = create_job(
        session, web.user, JobKind.IMPORT, region=region, params=dict(preview.params), payload=preview.payload
    )
    preview.payload = None  # one copy of the file is enough
    session.commit()
    launch(web.request, job, import_work(dry_run=False))
    return RedirectResponse(f"/regions/{region.slug}/import/{job.id}", status_code=303)


@router.post("/regions/{slug}/matching", response_model=None)
def run_matching(
    web: FormWebDep,
    region: RegionDep,
    viewer: FormViewerDep,
    session: SessionDep,
    cache: MatchCacheDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Match the whole region in the background (any member of the region)."""
    check_form(web, csrf_token)
    require_role(viewer, Role.VIEWER, N_("run matching"))
    assert web.user is not None
    job = create_job(session, web.user, JobKind.MATCH, region=region, params={"top_k": 10})
    launch(web.request, job, match_work(web.settings.secret_key, web.lang, cache))
    if web.is_htmx:
        data = job_data(job, region.slug, web.lang)
        return web.render("_job.html", DataPage(data), web.chrome(region.name, nav="matches", region=region))
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/regions/{slug}/export.{fmt}")
def export(
    web: WebDep,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    fmt: Annotated[str, PathParam(pattern="^(csv|xlsx|geojson)$")],
) -> Response:
    """The flows the viewer may see as a flow table file — nothing else."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{region.slug}-flows.{fmt}"
        export_flows(session, region, viewer, path, fmt)
        body = path.read_bytes()
    headers = {"Content-Disposition": f'attachment; filename="{region.slug}-flows.{fmt}"'}
    headers.update({"X-Content-Type-Options": "nosniff"})
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)
