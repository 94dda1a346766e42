"""A background job's progress: a page, and the fragment that htmx polls on it (and
on the pages that start jobs) until the job is done. Only the job's creator may see
either (:func:`sidestream.services.jobs.get_job`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from sidestream.api.deps import IdPath, SessionDep
from sidestream.i18n import N_, format_number, translate
from sidestream.services.jobs import JobKind, JobStatus, Work, get_job, start_job
from sidestream.store.models import Job, Region
from sidestream.web.context import DataPage
from sidestream.web.deps import WebDep
from sidestream.web.errors import HtmlRoute

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

TITLE = N_("Work in progress")
STATUS_LABELS = {
    JobStatus.QUEUED: N_("waiting"),
    JobStatus.RUNNING: N_("running"),
    JobStatus.DONE: N_("done"),
    JobStatus.FAILED: N_("failed"),
}
KIND_LABELS = {
    JobKind.IMPORT_PREVIEW: N_("Checking the file"),
    JobKind.IMPORT: N_("Importing the file"),
    JobKind.MATCH: N_("Matching the region"),
    JobKind.SCENARIO: N_("Running the scenario"),
}
NEXT_LABELS = {
    JobKind.IMPORT_PREVIEW: N_("See the preview"),
    JobKind.IMPORT: N_("See what was imported"),
    JobKind.MATCH: N_("See the matches"),
    JobKind.SCENARIO: N_("See the scenario on the network page"),
}


class JobData(BaseModel):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    running: bool
    percent: int
    percent_text: str
    stage: str
    error: str | None
    next_url: str | None
    next_label: str


def job_data(job: Job, region_slug: str | None, lang: str) -> JobData:
    kind, status = JobKind(job.kind), JobStatus(job.status)
    percent = round(100 * (job.progress or 0.0))
    next_url: str | None = None
    if status is JobStatus.DONE and region_slug:
        base = f"/regions/{region_slug}"
        if kind is JobKind.MATCH:
            next_url = f"{base}/matches"
        elif kind is JobKind.SCENARIO:
            next_url = f"{base}/network?scenario={int(job.params.get('scenario_id', 0))}"
        else:
            next_url = f"{base}/import/{job.id}"
    return JobData(
        id=job.id, kind=kind.value, kind_label=translate(KIND_LABELS[kind], lang), status=status.value,
        status_label=translate(STATUS_LABELS[status], lang),
        running=status in (JobStatus.QUEUED, JobStatus.RUNNING), percent=percent,
        percent_text=f"{format_number(percent, lang, 0)} %", stage=translate(job.stage or "", lang),
        error=job.error and translate(job.error, lang), next_url=next_url,
        next_label=translate(NEXT_LABELS[kind], lang),
    )  # fmt: skip


def session_factory_of(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def launch(request: Request, job: Job, work: Work) -> None:
    """Start the job's work on a thread of this process."""
    start_job(session_factory_of(request), job.id, work)


def _slug(session: Session, job: Job) -> str | None:
    region = session.get(Region, job.region_id) if job.region_id is not None else None
    return region.slug if region is not None else None


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(web: WebDep, session: SessionDep, job_id: IdPath) -> HTMLResponse:
    job = get_job(session, web.user, job_id)
    data: Any = job_data(job, _slug(session, job), web.lang)
    template = "_job.html" if web.is_htmx else "job.html"
    response = web.render(template, DataPage(data), web.chrome(translate(TITLE, web.lang), nav=""))
    if web.is_htmx and data.next_url:
        # Finished while a page polled it: htmx takes the reader to the outcome.
        response.headers["HX-Redirect"] = data.next_url
    return response
