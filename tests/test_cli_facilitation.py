"""The facilitation commands through the real CLI: case, catalogue, funding, benchmark."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from sidestream.cli import app
from tests.conftest import write_csv

runner = CliRunner()


def run(url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"SIDESTREAM_DATABASE_URL": url, "COLUMNS": "200"})
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def test_case_commands(db_url: str, small_region: Path) -> None:
    assert run(db_url, "db", "upgrade")[0] == 0
    assert run(db_url, "import", str(small_region), "--region", "rana")[0] == 0
    code, out, err = run(db_url, "case", "create", "rana", "--title", "Heat for smolt", "--flow", "s1", "--flow", "d3",
                         "--organisation", "Rana kommune")  # fmt: skip
    assert code == 0, err
    case_id = out.strip()
    assert run(db_url, "case", "move", "rana", case_id, "explored") == (0, f"{case_id}: explored\n", "")
    code, _, err = run(db_url, "case", "move", "rana", case_id, "running")
    assert code == 2 and err.startswith("error: a case cannot move from explored to running")
    assert run(db_url, "case", "barrier", "rana", case_id, "funding", "--note", "no budget yet")[0] == 0
    code, out, _ = run(db_url, "case", "figure", "rana", case_id, "energy_exchanged", "4", "GWh/yr")
    assert (code, out.strip()) == (0, "energy_exchanged: 4000 MWh/yr")
    code, _, err = run(
        db_url,
        "case",
        "figure",
        "rana",
        case_id,
        "co2e_avoided",
        "1",
        "t CO2e/yr",
        "--realised",
        "--year",
        "2025",
    )
    assert code == 2 and "method" in err
    code, out, _ = run(db_url, "case", "show", "rana", case_id, "--json")
    doc = json.loads(out)
    assert doc["stage"] == "explored" and [p["name"] for p in doc["partners"]] == ["Rana kommune"]
    assert sorted(f["resource"] for f in doc["flows"]) == [
        "overskuddsvarme 90 °C",
        "varme 30 °C til settefisk",
    ]
    code, out, _ = run(db_url, "case", "show", "rana", case_id, "--lang", "nb")
    assert "Utforsket" in out and "Modenhet" in out
    code, out, _ = run(db_url, "case", "history", "rana", case_id, "--json")
    assert [e["action"] for e in json.loads(out)] == ["create", "move", "set_barrier", "set_figure"]
    code, out, _ = run(db_url, "case", "list", "rana", "--barrier", "funding", "--json")
    assert [c["id"] for c in json.loads(out)] == [int(case_id)]
    # the operator sees what a facilitator sees: a private flow cannot be named
    code, _, err = run(db_url, "case", "create", "rana", "--title", "x", "--flow", "s4")
    assert code == 2 and "s4" in err


def test_catalogue_and_funding(db_url: str) -> None:
    code, out, _ = run(db_url, "catalogue", "search", "--class", "fgd_gypsum", "--json")
    assert [c["id"] for c in json.loads(out)] == ["kalundborg-fgd-gypsum"]
    code, out, _ = run(db_url, "catalogue", "show", "skogn-biokraft", "--lang", "nb")
    assert code == 0 and "70000 t/yr" in out and "scandinavianbiogas.com" in out
    code, _, err = run(db_url, "catalogue", "show", "nowhere")
    assert code == 2 and "catalogue search" in err
    code, out, _ = run(db_url, "funding", "--country", "DK", "--stage", "feasibility")
    assert code == 0 and "EUDP" in out and "Enova" not in out


def test_benchmark_two_regions(db_url: str, small_region: Path, tmp_path: Path) -> None:
    assert run(db_url, "db", "upgrade")[0] == 0
    assert run(db_url, "import", str(small_region), "--region", "rana")[0] == 0
    other = write_csv(tmp_path / "other.csv", [
        "x1,Alpha,company,,,66.0,14.0,supply,spillvarme 50 °C,heat,,1,GWh/yr,50,1-12,public,",
    ])  # fmt: skip
    assert run(db_url, "import", str(other), "--region", "other")[0] == 0
    code, out, _ = run(db_url, "benchmark", "rana", "other", "--format", "csv")
    assert code == 0
    rows = {r["indicator"]: r for r in csv.DictReader(io.StringIO(out))}
    # small_region: 9 flows, one of them private (s4) -> 8 for the operator; other: 1 flow
    assert (float(rows["flows"]["rana"]), float(rows["flows"]["other"])) == (8, 1)
    assert float(rows["actors"]["rana"]) == 8
    out_file = tmp_path / "bench.json"
    assert run(db_url, "benchmark", "rana", "--format", "json", "--output", str(out_file))[0] == 0
    assert json.loads(out_file.read_text())["regions"][0]["slug"] == "rana"
    code, _, err = run(db_url, "benchmark", "nowhere")
    assert code == 2 and "nowhere" in err
