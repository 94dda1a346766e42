"""Turn a CSV, XLSX or GeoJSON file into header + rows of cells, nothing more.

Kept apart from validation so that every format feeds the same checks. Encodings and
separators are the ones spreadsheet programs really write: UTF-8 with or without BOM,
UTF-16 ("Unicode text"), Windows-1252 from older Excel, and semicolon-separated files
with decimal commas from Norwegian Excel.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sidestream.errors import FlowTableError
from sidestream.i18n import N_

Cell = str | float | int | None


@dataclass
class RawTable:
    """Cells as read, with the line number each data row had in the file."""

    header: list[str]
    rows: list[list[Cell]]
    line_numbers: list[int]
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def decimal_comma(self) -> bool:
        return self.delimiter == ";"


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes from a spreadsheet export; returns (text, encoding used).

    >>> decode("Brønnøy".encode("cp1252"))
    ('Brønnøy', 'cp1252')
    >>> decode(b"\\xef\\xbb\\xbfid")
    ('id', 'utf-8-sig')
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError:
        # Windows-1252 decodes almost any byte string, so it is the last resort; the
        # few bytes it leaves undefined are reported rather than guessed.
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError as exc:
            raise FlowTableError(
                N_("cannot decode the file (byte {start}): save it as UTF-8 CSV"), start=exc.start
            ) from exc


def sniff_delimiter(first_line: str) -> str:
    """The separator of a header line: the most frequent of ``;``, ``,`` and tab.

    >>> sniff_delimiter("id;actor;lat;lon")
    ';'
    """
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_csv_bytes(data: bytes) -> RawTable:
    text, encoding = decode(data)
    if not text.strip():
        raise FlowTableError(N_("the file is empty: a flow table needs a header row and data rows"))
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    delimiter = sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[Cell]] = []
    numbers: list[int] = []
    try:
        for record in reader:
            if header is None:
                if not any(c.strip() for c in record):
                    continue
                header = [c.strip() for c in record]
                continue
            if not any(c.strip() for c in record):
                continue
            rows.append(list(record))
            numbers.append(reader.line_num)
    except csv.Error as exc:
        raise FlowTableError(
            N_("line {line_num}: {reason}; check quotes in that line"), line_num=reader.line_num, reason=exc
        ) from exc
    if header is None:
        raise FlowTableError(N_("the file has no header row"))
    return RawTable(header, rows, numbers, "csv", encoding=encoding, delimiter=delimiter)


def read_xlsx_bytes(data: bytes) -> RawTable:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/... on bad files
        raise FlowTableError(N_("cannot open the workbook: {reason}"), reason=exc) from exc
    try:
        ws = wb.worksheets[0]
        header: list[str] | None = None
        rows: list[list[Cell]] = []
        numbers: list[int] = []
        for index, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells: list[Cell] = [_xlsx_cell(v) for v in values]
            if not any(c not in (None, "") for c in cells):
                continue
            if header is None:
                header = ["" if c is None else str(c).strip() for c in cells]
                continue
            rows.append(cells)
            numbers.append(index)
    finally:
        wb.close()
    if header is None:
        raise FlowTableError(N_("the first sheet is empty: put the header in row 1"))
    return RawTable(header, rows, numbers, "xlsx")


def _xlsx_cell(value: Any) -> Cell:
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def read_geojson_bytes(data: bytes) -> RawTable:
    text, encoding = decode(data)
    if not text.strip():
        raise FlowTableError(N_("the file is empty"))
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FlowTableError(
            N_("not valid JSON (line {lineno}): {msg}"), lineno=exc.lineno, msg=exc.msg
        ) from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise FlowTableError(N_("a GeoJSON flow table must be a FeatureCollection of Points"))
    features = doc.get("features") or []
    header: list[str] = []
    for feature in features:
        for key in (feature.get("properties") or {}) if isinstance(feature, dict) else {}:
            if key not in header:
                header.append(key)
    for coord in ("lat", "lon"):
        if coord not in header:
            header.append(coord)
    rows: list[list[Cell]] = []
    numbers: list[int] = []
    for index, feature in enumerate(features, start=1):
        props = dict(feature.get("properties") or {}) if isinstance(feature, dict) else {}
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geometry, dict) and geometry.get("type") == "Point":
            coords = geometry.get("coordinates") or [None, None]
            if len(coords) >= 2:
                props["lon"], props["lat"] = coords[0], coords[1]
        rows.append([_json_cell(props.get(h)) for h in header])
        numbers.append(index)
    return RawTable(header, rows, numbers, "geojson", encoding=encoding)


def _json_cell(value: Any) -> Cell:
    if value is None or isinstance(value, str | int | float):
        return value
    return json.dumps(value, ensure_ascii=False)


def detect_format(name: str, data: bytes) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in {".xlsx", ".xlsm"} or data[:4] == b"PK\x03\x04":
        return "xlsx"
    if suffix in {".geojson", ".json"}:
        return "geojson"
    return "csv"


def read_raw(data: bytes, name: str = "flows.csv") -> RawTable:
    """Read any supported file; raise :class:`FlowTableError` if it is unreadable."""
    fmt = detect_format(name, data)
    if not data:
        raise FlowTableError(N_("the file is empty: a flow table needs a header row and data rows"))
    if fmt == "xlsx":
        return read_xlsx_bytes(data)
    if fmt == "geojson":
        return read_geojson_bytes(data)
    return read_csv_bytes(data)
