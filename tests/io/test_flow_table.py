from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import HEADER, write_csv

from sidestream.io import read_flow_table, write_flow_table

GOOD = "a1,Elkem Rana,company,24.10,Mo Industripark,66.3167,14.13,supply,overskuddsvarme 45 °C,heat,,1234.5,MWh/yr,45,1-12,public,"


def problems_by_column(table) -> dict[str | None, list[str]]:  # type: ignore[no-untyped-def]
    out: dict[str | None, list[str]] = {}
    for p in table.problems:
        out.setdefault(p.column, []).append(p.message)
    return out


def test_a_valid_row_is_read_with_canonical_values(tmp_path: Path) -> None:
    table = read_flow_table(write_csv(tmp_path / "f.csv", [GOOD]))
    assert table.ok, table.problems
    row = table.frame.iloc[0]
    assert (row["id"], row["direction"], row["annual_unit"]) == ("a1", "supply", "MWh/yr")
    assert row["annual_quantity"] == pytest.approx(1234.5)
    assert row["months_mask"] == 0xFFF


@pytest.mark.parametrize(
    ("cells", "column", "fragment"),
    [
        ({"lat": "95"}, "lat", "outside -90..90"),
        ({"lon": "200"}, "lon", "outside -180..180"),
        ({"direction": "sideways"}, "direction", "unknown direction"),
        ({"quantity": "lots"}, "quantity", "not a number"),
        ({"unit": "bananas"}, "unit", "unknown unit"),
        ({"months": "13"}, "months", "between 1 and 12"),
        ({"months": "5-"}, "months", "cannot read months"),
        ({"ewc": "99 99 99"}, "ewc", "not an entry of the EU List of Waste"),
        ({"ewc": "abc"}, "ewc", "not an EWC code"),
        ({"actor": ""}, "actor", "required"),
        ({"category": "vibes"}, "category", "unknown category"),
        ({"visibility": "everyone"}, "visibility", "unknown visibility"),
        ({"lat": "nan"}, "lat", "not a number"),
    ],
)
def test_each_bad_cell_is_reported_with_row_column_and_reason(
    tmp_path: Path, cells: dict[str, str], column: str, fragment: str
) -> None:
    names = HEADER.split(",")
    values = GOOD.split(",")
    for key, value in cells.items():
        values[names.index(key)] = value
    table = read_flow_table(write_csv(tmp_path / "f.csv", [",".join(values)]))
    assert not table.ok
    found = [p for p in table.errors if p.column == column]
    assert found, table.problems
    assert found[0].row == 2
    assert fragment in found[0].message


def test_duplicate_ids_are_reported_on_the_second_row(tmp_path: Path) -> None:
    table = read_flow_table(write_csv(tmp_path / "f.csv", [GOOD, GOOD]))
    dup = [p for p in table.errors if p.column == "id"]
    assert len(dup) == 1 and dup[0].row == 3 and "first used on row 2" in dup[0].message
    assert len(table.frame) == 1


@pytest.mark.parametrize("content", [b"", b"   \n\n", HEADER.encode() + b"\n"])
def test_empty_files_are_reported_not_raised(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    table = read_flow_table(path)
    assert not table.ok
    assert any("empty" in p.message or "no data rows" in p.message for p in table.errors)


def test_missing_required_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("actor,resource\nElkem,heat\n", encoding="utf-8")
    table = read_flow_table(path)
    assert "lat, lon, direction" in table.errors[0].message


NORWEGIAN_EXCEL = (
    "id;aktør;breddegrad;lengdegrad;retning;ressurs;mengde;enhet;måneder;synlighet\n"
    "n1;Brønnøy Kalk;65,4700;12,2100;tilbud;kalkstøv;1 234,5;t/yr;1-12;offentlig\n"
    "n2;Sandnessjøen Fjernvarme;66,0200;12,6300;behov;fjernvarme;2,5;GWh/yr;10-4;nettverk\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_norwegian_excel_exports_in_any_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "norsk.csv"
    path.write_bytes(NORWEGIAN_EXCEL.encode(encoding))
    table = read_flow_table(path)
    assert table.ok, table.problems
    first, second = table.frame.iloc[0], table.frame.iloc[1]
    assert first["actor"] == "Brønnøy Kalk"
    assert first["lat"] == pytest.approx(65.47)
    assert first["quantity"] == pytest.approx(1234.5)
    assert first["visibility"] == "public"
    assert second["direction"] == "demand"
    assert second["annual_quantity"] == pytest.approx(2500)
    assert second["months"] == "1-4,10-12"


def test_undecodable_bytes_are_read_as_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes((HEADER + "\n" + GOOD.replace("Elkem Rana", "Ørsted Æblegård") + "\n").encode("cp1252"))
    table = read_flow_table(path)
    assert table.frame.iloc[0]["actor"] == "Ørsted Æblegård"


def test_quantity_with_unit_in_one_cell(tmp_path: Path) -> None:
    values = GOOD.split(",")
    values[11], values[12] = "12 000 t/yr", ""
    table = read_flow_table(write_csv(tmp_path / "f.csv", [",".join(values)]))
    assert table.ok, table.problems
    assert table.frame.iloc[0]["annual_quantity"] == pytest.approx(12000)


def test_hazardous_flag_comes_from_the_list_of_waste(tmp_path: Path) -> None:
    values = GOOD.split(",")
    values[10] = "10 02 07"  # solid wastes from gas treatment containing dangerous substances
    table = read_flow_table(write_csv(tmp_path / "f.csv", [",".join(values)]))
    assert table.frame.iloc[0]["hazardous"] is True
    values[10] = "10 02 02"  # unprocessed slag
    table = read_flow_table(write_csv(tmp_path / "g.csv", [",".join(values)]))
    assert table.frame.iloc[0]["hazardous"] is False


def test_missing_ids_are_generated_stably(tmp_path: Path) -> None:
    row = GOOD.replace("a1,", ",", 1)
    a = read_flow_table(write_csv(tmp_path / "a.csv", [row]))
    b = read_flow_table(write_csv(tmp_path / "b.csv", [row]))
    assert a.frame.iloc[0]["id"] == b.frame.iloc[0]["id"]
    assert a.frame.iloc[0]["id"].startswith("f-")


def test_geojson_reads_coordinates_from_geometry(tmp_path: Path) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [{
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [14.13, 66.3167]},
            "properties": {"actor": "Elkem", "direction": "supply", "resource": "microsilica"},
        }],
    }  # fmt: skip
    path = tmp_path / "f.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    table = read_flow_table(path)
    assert table.ok, table.problems
    assert (table.frame.iloc[0]["lat"], table.frame.iloc[0]["lon"]) == (66.3167, 14.13)


def test_not_json_is_a_clear_problem(tmp_path: Path) -> None:
    path = tmp_path / "f.geojson"
    path.write_text("{not json", encoding="utf-8")
    table = read_flow_table(path)
    assert "not valid JSON" in table.errors[0].message


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    table = read_flow_table(tmp_path / "nope.csv")
    assert "cannot read" in table.errors[0].message


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_write_then_read_gives_the_same_table(tmp_path: Path, small_region: Path, fmt: str) -> None:
    table = read_flow_table(small_region)
    out = write_flow_table(table.frame, tmp_path / f"out.{fmt}")
    again = read_flow_table(out)
    assert again.ok, again.problems
    cols = [c for c in table.frame.columns if c != "row"]
    pd.testing.assert_frame_equal(table.frame[cols], again.frame[cols])
