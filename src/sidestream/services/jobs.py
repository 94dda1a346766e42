"""Background jobs: long work (importing a big file, matching a big region) that must
never block a page.

A job is a row in the ``jobs`` table, not an object in one process: the API may run
with several workers, and the worker that answers a progress poll is not the one
running the job. The work runs in a thread of the web process that created it and
commits its progress on its own session as it goes; the outcome (a JSON result or an
error message) is stored on the row. A job — its progress, result and uploaded file —
is visible to its creator only: a result is computed with the creator's rights and
must not be shown to anybody else.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sidestream.domain.visibility import Viewer
from sidestream.errors import InvalidDataError, NotFoundError, SidestreamError
from sidestream.i18n import N_
from sidestream.io.flow_table import map_header
from sidestream.io.raw import read_raw
from sidestream.matching import MatchParams
from sidestream.services import scenarios
from sidestream.services.accounts import viewer_for
from sidestream.services.imports import import_flow_table
from sidestream.services.matching import MatchCache, region_matches
from sidestream.store.models import Job, Region, User

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
FAILED_UNEXPECTEDLY = N_("the job failed unexpectedly; nothing was saved. Try again or ask an administrator")

# Stages, shown under the progress bar (msgids: the page translates them).
STAGE_QUEUED = N_("waiting to start")
STAGE_READING = N_("reading the file")
STAGE_CHECKING = N_("checking every row")
STAGE_SAVING = N_("saving the rows")
STAGE_MATCHING = N_("matching every supply with every demand")
STAGE_FILTERING = N_("keeping what you may see")
STAGE_EVALUATING = N_("estimating what each link is worth")
STAGE_OPTIMISING = N_("choosing the best network")
STAGE_STORING = N_("saving the result")
STAGE_DONE = N_("done")


class JobKind(StrEnum):
    IMPORT_PREVIEW = "import-preview"
    IMPORT = "import"
    MATCH = "match"
    SCENARIO = "scenario"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


Progress = Callable[[float, str], None]
Work = Callable[[Session, Job, Progress], dict[str, Any]]


def _now() -> datetime:
    return datetime.now(UTC)


def create_job(
    session: Session,
    user: User,
    kind: JobKind,
    *,
    region: Region | None = None,
    params: dict[str, Any] | None = None,
    payload: bytes | None = None,
) -> Job:
    """A queued job owned by ``user``. Commits."""
    if payload is not None and len(payload) > MAX_UPLOAD_BYTES:
        raise InvalidDataError(
            N_("the file is larger than {max_upload_bytes} MB: split it into several files"),
            max_upload_bytes=MAX_UPLOAD_BYTES // (1024 * 1024),
        )
    job = Job(
        kind=kind.value, region_id=region.id if region else None, created_by=user.id,
        status=JobStatus.QUEUED.value, progress=0.0, stage=STAGE_QUEUED, params=params or {}, payload=payload,
    )  # fmt: skip
    session.add(job)
    session.commit()
    return job


def get_job(session: Session, user: User | None, job_id: int) -> Job:
    """The job if ``user`` created it; anybody else gets "not found", as for a job
    that does not exist (ids reveal nothing)."""
    job = session.get(Job, job_id)
    if job is None or user is None or job.created_by != user.id:
        raise NotFoundError(N_("no job {job_id}"), job_id=job_id)
    return job


def latest_job(session: Session, user: User, kind: JobKind, region: Region) -> Job | None:
    """The user's newest job of ``kind`` in ``region``."""
    return session.scalar(
        select(Job)
        .where(Job.created_by == user.id, Job.kind == kind.value, Job.region_id == region.id)
        .order_by(Job.id.desc())
        .limit(1)
    )


def _update(factory: sessionmaker[Session], job_id: int, **values: Any) -> None:
    with factory() as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        for name, value in values.items():
            setattr(job, name, value)
        session.commit()


def run_job(factory: sessionmaker[Session], job_id: int, work: Work) -> None:
    """Run ``work`` for the job now (in this thread), committing progress on a
    session of its own and storing the result or the error."""
    _update(factory, job_id, status=JobStatus.RUNNING.value, progress=0.0)

    def progress(share: float, stage: str) -> None:
        _update(factory, job_id, progress=max(0.0, min(1.0, share)), stage=stage)

    try:
        with factory() as session:
            job = session.get(Job, job_id)
            if job is None:
                return
            result = work(session, job, progress)
    except SidestreamError as exc:
        _update(factory, job_id, status=JobStatus.FAILED.value, error=str(exc), finished_at=_now())
        return
    except Exception:
        log.exception("job %s failed", job_id)
        _update(factory, job_id, status=JobStatus.FAILED.value, error=FAILED_UNEXPECTEDLY, finished_at=_now())
        return
    _update(
        factory, job_id, status=JobStatus.DONE.value, progress=1.0, stage=STAGE_DONE, result=result,
        finished_at=_now(),
    )  # fmt: skip


_RUNNING: set[threading.Thread] = set()
_RUNNING_LOCK = threading.Lock()


def _run_in_thread(factory: sessionmaker[Session], job_id: int, work: Work) -> None:
    """:func:`run_job`, never letting an error escape the thread: when even storing the
    failure fails (the database went away — a shutdown, a dropped test database), the
    job is lost and the log says so; the thread must still end quietly."""
    try:
        run_job(factory, job_id, work)
    except Exception:
        log.exception("job %s: could not store its outcome", job_id)
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(threading.current_thread())


def start_job(factory: sessionmaker[Session], job_id: int, work: Work) -> threading.Thread:
    """Run the job on a daemon thread; the request that started it returns at once."""
    thread = threading.Thread(
        target=_run_in_thread, args=(factory, job_id, work), name=f"job-{job_id}", daemon=True
    )
    with _RUNNING_LOCK:
        _RUNNING.add(thread)
    thread.start()
    return thread


def wait_for_jobs(timeout_s: float = 30.0) -> bool:
    """Wait for the jobs still running in this process (at most ``timeout_s`` in all);
    True when none is left. The app calls it on shutdown, so that a job is not cut off
    between its work and storing the result while the engine is disposed."""
    deadline = time.monotonic() + timeout_s
    while True:
        with _RUNNING_LOCK:
            running = list(_RUNNING)
        if not running:
            return True
        for thread in running:
            thread.join(max(0.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline:
            with _RUNNING_LOCK:
                return not _RUNNING


# --- the kinds of work ---------------------------------------------------------------


def _creator_view(session: Session, job: Job) -> tuple[Region, Viewer]:
    """The job's region and its creator's rights there, read afresh (a role taken
    away since the job was queued counts)."""
    if job.region_id is None:
        raise InvalidDataError(N_("this job has no region"))
    region = session.get(Region, job.region_id)
    user = session.get(User, job.created_by)
    if region is None or user is None:
        raise NotFoundError(N_("the job's region or user no longer exists"))
    return region, viewer_for(session, user, region)


def column_mapping(data: bytes, name: str) -> list[dict[str, str | None]]:
    """Each column of the file's header and the flow-table field it was read as
    (``None`` for a column that is kept as an extra or ignored)."""
    try:
        raw = read_raw(data, name)
    except SidestreamError:
        return []
    mapping, extras, _ = map_header(raw.header)
    out: list[dict[str, str | None]] = []
    for index, header in enumerate(raw.header):
        field = mapping.get(index)
        out.append({"column": str(header), "field": None if field in extras else field})
    return out


def import_work(*, dry_run: bool) -> Work:
    """Import the job's uploaded file into its region (a dry run changes nothing);
    the result is the import report and the detected column mapping."""

    def work(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
        region, viewer = _creator_view(session, job)
        data = job.payload or b""
        name = str(job.params.get("filename") or "flows.csv")
        progress(0.05, STAGE_READING)
        mapping = column_mapping(data, name)
        progress(0.2, STAGE_CHECKING)
        report = import_flow_table(
            session, region, data, viewer=viewer, dry_run=dry_run,
            progress=lambda share: progress(0.2 + 0.75 * share, STAGE_SAVING),
        )  # fmt: skip
        if not dry_run:
            # The file has served its purpose; do not keep a copy of it.
            job.payload = None
            session.commit()
        return {"mapping": mapping, "report": report.as_dict(), "filename": name}

    return work


def match_work(secret: str, lang: str, cache: MatchCache | None) -> Work:
    """Match the whole region (filling the process's match cache, so that the
    matches page is instant afterwards) and count what the creator may see."""

    def work(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
        region, viewer = _creator_view(session, job)
        progress(0.1, STAGE_MATCHING)
        top_k = int(job.params.get("top_k", 10))
        document = region_matches(
            session, region, viewer, MatchParams(top_k=top_k), secret=secret, lang=lang, cache=cache
        )
        progress(0.9, STAGE_FILTERING)
        return {"matches": len(document["matches"]), "region": region.slug}

    return work


# Where each stage of a scenario run starts on the bar, and how much of it the solve
# takes (the optimiser's own share, as blocks finish, fills it).
SCENARIO_STAGES = {
    "matching": (0.05, STAGE_MATCHING),
    "evaluating": (0.25, STAGE_EVALUATING),
    "optimising": (0.35, STAGE_OPTIMISING),
    "saving": (0.95, STAGE_STORING),
}
SOLVE_SHARE = 0.6  # of the bar, from 0.35 to 0.95
SOLVE_STEP = 0.02  # the solve's share is stored when it has grown by this much (or is done)


def scenario_work() -> Work:
    """Run the saved scenario of ``job.params["scenario_id"]`` with the creator's rights
    (``services.scenarios.run_saved``: matching, evaluating, optimising, saving); the
    result is the scenario's id and name, for the link to the network page."""

    def work(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
        region, viewer = _creator_view(session, job)
        stored = [-1.0]  # the solve's share last stored: a commit for each block would cost

        def report(stage: str, share: float) -> None:
            start, label = SCENARIO_STAGES[stage]
            if stage != "optimising":
                progress(start, label)
            elif share >= 1.0 or share - stored[0] >= SOLVE_STEP:
                stored[0] = share
                progress(start + SOLVE_SHARE * share, label)

        scenario = scenarios.run_saved(
            session, region, viewer, int(job.params["scenario_id"]), progress=report
        )
        # No totals: the stored result spans every flow and is shown only cut to the
        # reader (on the network page); the job is for the link there.
        return {"scenario_id": scenario.id, "name": scenario.name, "region": region.slug}

    return work


__all__ = [
    "MAX_UPLOAD_BYTES",
    "JobKind",
    "JobStatus",
    "column_mapping",
    "create_job",
    "get_job",
    "import_work",
    "latest_job",
    "match_work",
    "run_job",
    "scenario_work",
    "start_job",
]
