"""Property tests: random tables never crash the validator; valid tables round-trip."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sidestream.io import COLUMNS, read_flow_table, write_flow_table
from sidestream.io.raw import read_raw

cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "supply", "demand", "behov", "1-12", "13", "5-", "t/yr", "MWh/yr", "nan",
                     "1,5", "1 234,5", "-", "10 02 07*", "66.3", "∞", "NaN", "1e400", "😀"]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(st.sampled_from([*COLUMNS, "aktør", "ressurs", "junk", ""]), min_size=0, max_size=12),
    rows=st.lists(st.lists(cell, max_size=14), max_size=6),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)
def test_random_tables_never_crash_the_validator(
    header: list[str], rows: list[list[str]], delimiter: str, encoding: str
) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    data = buf.getvalue().encode(encoding, errors="replace")
    table = read_flow_table(data, name="random.csv")
    assert table.rows_read >= 0
    assert len(table.frame) <= max(len(rows), 0)
    for problem in table.problems:
        assert problem.message


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["x.csv", "x.xlsx", "x.geojson"]))
def test_random_bytes_never_crash(data: bytes, name: str) -> None:
    table = read_flow_table(data, name=name)
    assert table.ok or table.problems


names = st.text(alphabet=st.characters(categories=["L", "N", "Zs"], exclude_characters="\x85\xa0"),
                min_size=1, max_size=20).map(str.strip).filter(bool)  # fmt: skip
valid_row = st.fixed_dictionaries({
    "actor": names,
    "actor_type": st.sampled_from(["company", "municipality", "utility", "research", "other"]),
    "nace": st.sampled_from(["24.10", "35.30", "03.21", None]),
    "lat": st.floats(-89.9, 89.9).map(lambda v: round(v, 5)),
    "lon": st.floats(-179.9, 179.9).map(lambda v: round(v, 5)),
    "direction": st.sampled_from(["supply", "demand"]),
    "resource": names,
    "category": st.sampled_from(["heat", "waste", "by-product", None]),
    "ewc": st.sampled_from(["10 02 02", "10 02 07", "19 08 05", None]),
    "quantity": st.one_of(st.none(), st.floats(0, 1e9).map(lambda v: round(v, 3))),
    "unit": st.sampled_from(["t/yr", "MWh/yr", "MW", "m3/h", "Nm3/h", "kt/yr"]),
    "temperature_c": st.one_of(st.none(), st.floats(-50, 600).map(lambda v: round(v, 1))),
    "months": st.sampled_from(["1-12", "5-9", "1-3,10-12", "7"]),
    "visibility": st.sampled_from(["public", "network", "facilitator", "private"]),
    "notes": st.one_of(st.just(""), names),
})  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(valid_row, min_size=1, max_size=8))
def test_valid_tables_round_trip_csv_xlsx_geojson_csv(tmp_path: Path, rows: list[dict[str, object]]) -> None:
    records = []
    for i, r in enumerate(rows):
        rec = dict(r, id=f"id-{i}", site=r["actor"])
        if rec["quantity"] is None:
            rec["unit"] = None
        records.append(rec)
    start = tmp_path / "start.csv"
    pd.DataFrame.from_records(records, columns=COLUMNS).to_csv(start, index=False)
    first = read_flow_table(start)
    assert first.ok, first.problems
    path = start
    for fmt in ("xlsx", "geojson", "csv"):
        table = read_flow_table(path)
        path = write_flow_table(table.frame, tmp_path / f"step.{fmt}")
    final = read_flow_table(path)
    assert final.ok, final.problems
    cols = [c for c in first.frame.columns if c != "row"]
    pd.testing.assert_frame_equal(first.frame[cols], final.frame[cols])
    assert read_raw(path.read_bytes(), path.name).header == COLUMNS
