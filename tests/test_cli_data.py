"""The store commands: db, import, export, backup, restore, demo-load — on both
databases, through the real CLI, with the database chosen by SIDESTREAM_DATABASE_URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sidestream.cli import app
from sidestream.io import read_flow_table
from sidestream.store.db import head_revision, upgrade
from tests.conftest import write_csv

runner = CliRunner()


def run(url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"SIDESTREAM_DATABASE_URL": url})
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def test_db_commands(db_url: str) -> None:
    code, out, _ = run(db_url, "db", "current")
    assert code == 0 and "none (empty database)" in out and "needs `sidestream db upgrade`" in out
    code, out, _ = run(db_url, "db", "upgrade")
    assert code == 0 and f"revision {head_revision()}" in out
    code, out, _ = run(db_url, "db", "current")
    assert "up to date" in out
    code, out, _ = run(db_url, "db", "downgrade", "base")
    assert code == 0 and "base (empty)" in out


def test_commands_refuse_an_unmigrated_database(db_url: str, small_region: Path, tmp_path: Path) -> None:
    for args in (
        ["import", str(small_region), "--region", "rana"],
        ["export", "--region", "rana", "-o", str(tmp_path / "x.csv")],
        ["backup", str(tmp_path / "b.json.gz")],
    ):
        code, _, err = run(db_url, *args)
        assert code == 2
        assert err.strip().splitlines() == [
            f"error: database is not migrated: run `sidestream db upgrade` (it is empty; the code needs {head_revision()})"
        ]


def test_import_and_export(db_url: str, small_region: Path, tmp_path: Path) -> None:
    upgrade(db_url)
    code, out, _ = run(db_url, "import", str(small_region), "--region", "rana", "--region-name", "Mo i Rana")
    assert code == 0 and "imported 9 new, 0 updated, 0 unchanged, 0 skipped" in out
    code, out, _ = run(db_url, "import", str(small_region), "--region", "rana", "--json")
    report = json.loads(out)
    assert code == 0 and (report["created"], report["unchanged"], report["applied"]) == (0, 9, True)

    exported = tmp_path / "rana.xlsx"
    code, out, _ = run(db_url, "export", "--region", "rana", "--output", str(exported))
    # the operator sees what a facilitator sees: the one private flow (s4) stays out
    assert code == 0 and "wrote 8 flows" in out
    table = read_flow_table(exported)
    assert table.ok and "s4" not in set(table.frame["id"]) and len(table.frame) == 8
    code, _, err = run(db_url, "export", "--region", "rana", "--output", str(tmp_path / "x.pdf"))
    assert code == 2 and "unknown format 'pdf'" in err
    code, _, err = run(db_url, "export", "--region", "nowhere", "--output", str(tmp_path / "x.csv"))
    assert code == 2 and "no region 'nowhere'" in err


def test_import_problems_strict_and_dry_run(db_url: str, small_region: Path, tmp_path: Path) -> None:
    upgrade(db_url)
    lines = small_region.read_text(encoding="utf-8").splitlines()
    bad = write_csv(tmp_path / "bad.csv", [*lines[1:3], lines[3].replace("66.3100", "666")], header=lines[0])
    code, out, _ = run(db_url, "import", str(bad), "--region", "rana", "--strict")
    assert code == 1 and "nothing imported" in out and "latitude 666.0" in out
    code, out, _ = run(db_url, "import", str(bad), "--region", "rana", "--dry-run", "--json")
    report = json.loads(out)
    assert code == 1 and (report["created"], report["skipped"], report["applied"]) == (2, 1, False)
    code, out, _ = run(db_url, "import", str(small_region), "--region", "preview", "--dry-run")
    assert code == 0 and "would import 9 new" in out and "dry run: nothing saved" in out
    code, _, err = run(db_url, "export", "--region", "preview", "-o", str(tmp_path / "p.csv"))
    assert code == 2 and "no region 'preview'" in err  # a dry run does not even create the region
    code, out, _ = run(db_url, "import", str(bad), "--region", "rana")
    assert code == 1 and "imported 2 new" in out and "1 skipped" in out


def test_backup_restore_and_demo_load(db_url: str, tmp_path: Path) -> None:
    code, out, _ = run(db_url, "demo-load", "--region", "kalundborg")
    assert code == 0 and "82 new" in out
    code, out, _ = run(db_url, "demo-load", "--region", "kalundborg")
    assert code == 0 and "0 new, 0 updated, 82 unchanged" in out
    backup = tmp_path / "all.json.gz"
    code, out, _ = run(db_url, "backup", str(backup))
    assert code == 0 and "backed up the whole instance" in out and backup.is_file()
    code, out, _ = run(db_url, "backup", str(tmp_path / "k.json.gz"), "--region", "kalundborg")
    assert code == 0 and "backed up region kalundborg" in out
    code, _, err = run(db_url, "restore", str(backup))
    assert code == 2 and "restore needs an empty database" in err

    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    run(fresh, "db", "upgrade")
    code, out, _ = run(fresh, "restore", str(backup))
    assert code == 0 and "restored the whole instance" in out
    code, out, _ = run(fresh, "demo-load", "--region", "kalundborg")
    assert "82 unchanged" in out


@pytest.mark.parametrize("slug", ["Mo i Rana", "-x"])
def test_import_rejects_bad_region_slugs(slug: str, small_region: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    code, _, err = run(url, "import", str(small_region), "--region", slug)
    assert code == 2 and "is not valid" in err
