"""Docs generated from the code stay in step with it (STYLE §15)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_current(tmp_path: Path) -> None:
    typer_bin = shutil.which("typer") or str(Path(sys.executable).parent / "typer")
    out = tmp_path / "cli.md"
    subprocess.run(
        [typer_bin, "sidestream.cli", "utils", "docs", "--name", "sidestream",
         "--title", "Sidestream CLI reference", "--output", str(out)],
        check=True, capture_output=True,
    )  # fmt: skip
    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == committed, "docs/cli.md is stale: run `make docs`"


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```bash", 1)[1].split("```", 1)[0]
    assert "make demo" in first_block and "make test" in first_block
