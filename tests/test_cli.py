"""The CLI: exit codes, JSON output, and no tracebacks on bad input."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sidestream.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def test_validate_good_and_bad(small_region: Path, tmp_path: Path) -> None:
    code, out, _ = run("validate", str(small_region))
    assert code == 0 and "valid" in out
    bad = tmp_path / "bad.csv"
    bad.write_text(small_region.read_text(encoding="utf-8").replace("66.3167", "666"), encoding="utf-8")
    code, out, _ = run("validate", str(bad), "--json")
    report = json.loads(out)
    assert code == 1
    assert report["problems"][0]["row"] == 2 and report["problems"][0]["column"] == "lat"


def test_validate_empty_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    code, out, _ = run("validate", str(empty))
    assert code == 1 and "empty" in out
    code, out, _ = run("validate", str(tmp_path / "missing.csv"))
    assert code == 1 and "cannot read" in out


def test_classify_text_and_json() -> None:
    code, out, _ = run("classify", "overskuddsvarme 45 °C", "--json")
    doc = json.loads(out)
    assert code == 0
    assert doc["class"] == "heat_40_60c" and doc["category"] == "heat" and doc["why"]
    code, out, _ = run("classify", "sagflis")
    assert code == 0 and "sawdust" in out


def test_classify_a_file(small_region: Path) -> None:
    code, out, _ = run("classify", str(small_region), "--json")
    assert code == 0
    assert len(json.loads(out)) == 9


def test_kb_commands() -> None:
    code, out, _ = run("kb", "show", "fgd_gypsum", "--json")
    assert code == 0 and json.loads(out)["id"] == "fgd_gypsum"
    assert json.loads(out)["labels"]["is"]  # the Icelandic label, under its data-file key
    code, out, _ = run("kb", "show", "fish_by_products")
    assert code == 0 and "fiskúrgangur" in out
    code, out, _ = run("kb", "search", "fly ash", "--json")
    kinds = {h["kind"] for h in json.loads(out)}
    assert code == 0 and "class" in kinds and "ewc" in kinds
    code, out, _ = run("kb", "rules", "fgd_gypsum", "--json")
    assert code == 0 and any(r["demand"] == "gypsum" for r in json.loads(out))
    code, _, err = run("kb", "show", "no_such_class")
    assert code == 2 and "unknown resource class" in err


def test_match_json_contract(small_region: Path) -> None:
    code, out, _ = run("match", str(small_region), "--top", "3", "--json")
    doc = json.loads(out)
    assert code == 0
    assert doc["params"]["top_k"] == 3
    assert all(
        {"supply", "demand", "score", "distance_km", "reasons", "estimate"} <= set(m) for m in doc["matches"]
    )


def test_match_table_and_options(small_region: Path) -> None:
    code, out, _ = run(
        "match", str(small_region), "--supply-id", "s1", "--lang", "nb", "--include-suggestions"
    )
    assert code == 0 and "Elkem" in out


def test_match_on_invalid_table_is_one_line(small_region: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        small_region.read_text(encoding="utf-8").replace("supply", "sideways", 1), encoding="utf-8"
    )
    code, _, err = run("match", str(bad))
    assert code == 2 and "sidestream validate" in err


def test_synth(tmp_path: Path) -> None:
    out_path = tmp_path / "s.csv"
    code, _, _ = run("synth", "--flows", "200", "--seed", "4", "--output", str(out_path))
    assert code == 0
    code, _, _ = run("validate", str(out_path))
    assert code == 0


def test_errors_follow_the_commands_language() -> None:
    code, _, err = run("kb", "rules", "no-such-class")
    assert code == 2 and "unknown resource class 'no-such-class'" in err
    code, _, err = run("kb", "rules", "no-such-class", "--lang", "nb")
    assert code == 2 and "ukjent ressursklasse 'no-such-class'" in err and "unknown" not in err
