"""``sidestream serve``, ``user create`` and ``token create``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from sidestream.cli import app
from sidestream.services import accounts
from sidestream.store.models import Region

runner = CliRunner()


@pytest.fixture
def env(migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SIDESTREAM_DATABASE_URL", migrated_url)
    return migrated_url


def test_user_and_token_create(env: str, session: Session, make_region: Any) -> None:
    region: Region = make_region("rana")
    result = runner.invoke(
        app,
        ["user", "create", "--email", "Kari@Example.org", "--password", "long password",
         "--region", "rana", "--role", "facilitator"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "facilitator in rana" in result.stdout
    user = accounts.user_by_email(session, "kari@example.org")
    assert accounts.viewer_for(session, user, region).role == "facilitator"

    result = runner.invoke(app, ["token", "create", "--email", "kari@example.org", "--name", "script"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("sst_")
    session.expire_all()
    assert accounts.user_for_token(session, token) == user

    again = runner.invoke(
        app, ["user", "create", "--email", "kari@example.org", "--password", "long password"]
    )
    assert again.exit_code == 2 and "already exists" in again.output and "Traceback" not in again.output


def test_user_create_without_password_and_terminal(env: str) -> None:
    result = runner.invoke(app, ["user", "create", "--email", "a@example.org"], input="")
    assert result.exit_code == 2
    assert "--password" in result.output


def test_serve_checks_migrations_then_starts_uvicorn(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda target, **kw: calls.append({"target": target, **kw}))
    result = runner.invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.stdout and "/api/docs" in result.stdout
    assert calls == [{"target": "sidestream.web.app:web_app_from_env", "factory": True, "host": "127.0.0.1",
                      "port": 8123, "reload": False, "workers": 1, "access_log": True,
                      "timeout_worker_healthcheck": 120, "log_level": "info"}]  # fmt: skip


def test_serve_with_workers_and_without_access_log(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda target, **kw: calls.append(kw))
    result = runner.invoke(app, ["serve", "--workers", "2", "--no-access-log"])
    assert result.exit_code == 0, result.output
    assert "(2 workers)" in result.stdout
    assert calls[0]["workers"] == 2 and calls[0]["access_log"] is False and calls[0]["factory"] is True


def test_serve_refuses_reload_with_workers(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("must not start"))
    result = runner.invoke(app, ["serve", "--workers", "2", "--reload"])
    assert result.exit_code == 2
    assert "--reload" in result.output and "Traceback" not in result.output


def test_serve_refuses_an_unmigrated_database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIDESTREAM_DATABASE_URL", db_url)
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("must not start"))
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "sidestream db upgrade" in result.output
