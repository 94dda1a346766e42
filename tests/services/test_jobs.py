"""Background jobs in the database (SQLite and PostgreSQL): creator-only access,
progress committed as it goes, result or error stored, imports as jobs."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sidestream.errors import InvalidDataError, NotFoundError
from sidestream.services import jobs
from sidestream.services.jobs import JobKind, JobStatus
from sidestream.store.db import session_factory
from sidestream.store.models import Flow, Job

CSV = (
    "id,actor,site,lat,lon,direction,resource,category,quantity,unit,visibility\n"
    "j-1,Fisk AS,Kai,66.3,14.1,demand,varmt vann,heat,3,GWh/yr,network\n"
    "j-2,Fisk AS,Kai,266.3,14.1,supply,fiskeslam,by-product,120,t/yr,network\n"
)


def test_only_the_creator_reads_a_job(session: Session, make_user: Any, make_region: Any) -> None:
    region = make_region()
    owner, other = make_user("facilitator", region), make_user("facilitator", region)
    job = jobs.create_job(session, owner, JobKind.MATCH, region=region)
    assert jobs.get_job(session, owner, job.id).id == job.id
    for stranger in (other, None):
        with pytest.raises(NotFoundError):
            jobs.get_job(session, stranger, job.id)
    with pytest.raises(NotFoundError):
        jobs.get_job(session, owner, job.id + 1000)
    assert jobs.latest_job(session, owner, JobKind.MATCH, region) is not None
    assert jobs.latest_job(session, other, JobKind.MATCH, region) is None


def test_a_job_records_progress_result_and_errors(
    session: Session, migrated_engine: Engine, make_user: Any, make_region: Any
) -> None:
    factory = session_factory(migrated_engine)
    region = make_region()
    user = make_user("facilitator", region)
    seen: list[tuple[float, str]] = []

    def work(s: Session, job: Job, progress: jobs.Progress) -> dict[str, Any]:
        progress(0.5, "half")
        with factory() as probe:  # another session (another worker) sees the progress
            row = probe.get(Job, job.id)
            assert row is not None
            seen.append((row.progress, row.stage))
        return {"answer": 42}

    job = jobs.create_job(session, user, JobKind.MATCH, region=region)
    jobs.run_job(factory, job.id, work)
    session.expire_all()
    done = session.get(Job, job.id)
    assert done is not None and seen == [(0.5, "half")]
    assert (done.status, done.progress, done.result, done.error) == ("done", 1.0, {"answer": 42}, None)
    assert done.finished_at is not None

    def fails(s: Session, job: Job, progress: jobs.Progress) -> dict[str, Any]:
        raise InvalidDataError("the file is not a flow table")

    def crashes(s: Session, job: Job, progress: jobs.Progress) -> dict[str, Any]:
        raise RuntimeError("boom")

    for work_fn, message in ((fails, "the file is not a flow table"), (crashes, jobs.FAILED_UNEXPECTEDLY)):
        job = jobs.create_job(session, user, JobKind.MATCH, region=region)
        jobs.run_job(factory, job.id, work_fn)
        session.expire_all()
        failed = session.get(Job, job.id)
        assert failed is not None and (failed.status, failed.error) == (JobStatus.FAILED.value, message)


def test_import_jobs_preview_then_apply(
    session: Session, migrated_engine: Engine, make_user: Any, make_region: Any
) -> None:
    factory = session_factory(migrated_engine)
    region = make_region()
    user = make_user("facilitator", region)
    preview = jobs.create_job(session, user, JobKind.IMPORT_PREVIEW, region=region,
                              params={"filename": "f.csv"}, payload=CSV.encode())  # fmt: skip
    jobs.run_job(factory, preview.id, jobs.import_work(dry_run=True))
    session.expire_all()
    row = session.get(Job, preview.id)
    assert row is not None and row.result is not None
    report = row.result["report"]
    assert (report["rows_read"], report["created"], report["skipped"], report["applied"]) == (2, 1, 1, False)
    assert [(p["row"], p["column"]) for p in report["problems"]] == [(3, "lat")]
    assert row.result["mapping"][0] == {"column": "id", "field": "id"}
    assert session.scalar(select(func.count()).select_from(Flow)) == 0
    apply = jobs.create_job(session, user, JobKind.IMPORT, region=region, payload=CSV.encode())
    jobs.run_job(factory, apply.id, jobs.import_work(dry_run=False))
    session.expire_all()
    applied = session.get(Job, apply.id)
    assert applied is not None and applied.result is not None and applied.result["report"]["applied"]
    assert applied.payload is None  # the file is not kept after use
    assert session.scalar(select(Flow.key)) == "j-1"


def test_a_viewer_cannot_import_through_a_job(
    session: Session, migrated_engine: Engine, make_user: Any, make_region: Any
) -> None:
    region = make_region()
    user = make_user("viewer", region)
    job = jobs.create_job(session, user, JobKind.IMPORT, region=region, payload=CSV.encode())
    jobs.run_job(session_factory(migrated_engine), job.id, jobs.import_work(dry_run=False))
    session.expire_all()
    row = session.get(Job, job.id)
    assert row is not None and row.status == "failed" and "facilitators and admins" in (row.error or "")
    assert session.scalar(select(func.count()).select_from(Flow)) == 0


def test_uploads_have_a_size_limit(session: Session, make_user: Any, make_region: Any) -> None:
    region = make_region()
    user = make_user("facilitator", region)
    with pytest.raises(InvalidDataError, match="larger than"):
        jobs.create_job(
            session, user, JobKind.IMPORT, region=region, payload=b"x" * (jobs.MAX_UPLOAD_BYTES + 1)
        )


def test_a_job_whose_database_is_gone_ends_quietly(caplog: pytest.LogCaptureFixture) -> None:
    """Neither the work nor storing its failure can reach the database (it was
    dropped under the job): the thread logs the loss and ends without an unhandled
    exception, and wait_for_jobs sees it finish."""
    import threading

    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    gone = create_engine("sqlite:////nonexistent-dir/sidestream.sqlite")
    errors: list[threading.ExceptHookArgs] = []
    previous = threading.excepthook
    threading.excepthook = errors.append
    try:
        thread = jobs.start_job(sessionmaker(gone), 1, lambda session, job, progress: {})
        assert jobs.wait_for_jobs(timeout_s=30)
    finally:
        threading.excepthook = previous
    assert not thread.is_alive()
    assert errors == []
    assert "job 1: could not store its outcome" in caplog.text
