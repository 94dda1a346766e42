"""The flow table: Sidestream's interchange format (DESIGN §2).

Validate, then assemble (STYLE §7): every row is checked cell by cell and every
problem is kept with its row number (the line in the file, header = line 1), column
and reason; valid rows become a typed DataFrame with canonical values next to the
user's own. Reading never raises for bad content — it reports.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from sidestream.domain.categories import (
    ACTOR_TYPE_ALIASES,
    CATEGORY_ALIASES,
    DIRECTION_ALIASES,
    VISIBILITY_ALIASES,
    ActorType,
    Category,
    Direction,
    Visibility,
)
from sidestream.domain.flows import Flow
from sidestream.domain.months import Months, format_months, parse_months
from sidestream.domain.units import Amount, to_canonical
from sidestream.errors import FlowTableError, SidestreamError
from sidestream.i18n import DEFAULT_LANG, N_, Message, translate
from sidestream.io.raw import Cell, RawTable, read_raw
from sidestream.knowledge.reference import (
    ewc_entries,
    ewc_hazardous,
    nace_entries,
    normalise_ewc,
    normalise_nace,
)

COLUMNS: list[str] = [
    "id", "actor", "actor_type", "nace", "site", "lat", "lon", "direction", "resource",
    "category", "ewc", "quantity", "unit", "temperature_c", "months", "visibility", "notes",
]  # fmt: skip
REQUIRED: list[str] = ["actor", "lat", "lon", "direction", "resource"]
DERIVED: list[str] = ["hazardous", "months_mask", "annual_quantity", "annual_unit", "row"]

HEADER_ALIASES: dict[str, str] = {
    **{c: c for c in COLUMNS},
    "flow_id": "id", "flyt_id": "id", "flytid": "id",
    "aktør": "actor", "aktor": "actor", "organisation": "actor", "organization": "actor",
    "organisasjon": "actor", "bedrift": "actor", "virksomhet": "actor", "company": "actor",
    "aktørtype": "actor_type", "actor type": "actor_type", "type aktør": "actor_type",
    "næringskode": "nace", "naeringskode": "nace", "nace_code": "nace", "næring": "nace",
    "anlegg": "site", "lokasjon": "site", "lokalitet": "site",
    "latitude": "lat", "breddegrad": "lat", "lengdegrad": "lon", "longitude": "lon",
    "lng": "lon", "long": "lon",
    "retning": "direction", "type": "direction",
    "ressurs": "resource", "beskrivelse": "resource", "stream": "resource",
    "side stream": "resource", "sidestrøm": "resource",
    "kategori": "category",
    "avfallskode": "ewc", "ewc_code": "ewc", "ewc-kode": "ewc", "lov": "ewc",
    "mengde": "quantity", "amount": "quantity", "mengd": "quantity",
    "enhet": "unit", "eining": "unit",
    "temperature": "temperature_c", "temperatur": "temperature_c", "temp": "temperature_c",
    "temperatur_c": "temperature_c", "temp_c": "temperature_c",
    "måneder": "months", "maaneder": "months", "månader": "months", "availability": "months",
    "tilgjengelighet": "months",
    "synlighet": "visibility", "synlegheit": "visibility",
    "merknad": "notes", "merknader": "notes", "notater": "notes", "kommentar": "notes",
    "note": "notes",
}  # fmt: skip

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one cell, row or the whole file (row ``None``).

    ``message`` is the English text (the CLI, the API and logs show it); ``key`` and
    ``params`` keep the catalog message it was rendered from, so that a page can show
    it in the reader's language — also from a job's stored JSON report.
    """

    row: int | None
    column: str | None
    message: str
    severity: Severity = "error"
    value: str | None = None
    key: str | None = None
    params: dict[str, Any] | None = None

    @classmethod
    def of(
        cls,
        row: int | None,
        column: str | None,
        message: str | Message,
        severity: Severity = "error",
        value: str | None = None,
    ) -> Problem:
        """A problem from a catalog :class:`Message` (or plain English text)."""
        if isinstance(message, str):
            return cls(row, column, message, severity, value)
        params = {k: v if isinstance(v, str | int | bool) else str(v) for k, v in message.params.items()}
        text = message.render(DEFAULT_LANG) if params else message.msgid
        return cls(row, column, text, severity, value, message.msgid, params)

    def render(self, lang: str = DEFAULT_LANG) -> str:
        """The message in ``lang``; English text without a catalog key as it is."""
        if self.key is None:
            return self.message
        if not self.params:
            return translate(self.key, lang)
        return Message(self.key, self.params).render(lang)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ProblemList:
    """Errors, warnings and ``ok`` for anything that carries ``problems`` (a read
    flow table, an import report)."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class FlowTable(ProblemList):
    """Validated rows as a DataFrame plus every problem found while reading."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    source: str = ""
    rows_read: int = 0
    format: str = "csv"
    extra_columns: list[str] = field(default_factory=list)

    def flows(self) -> list[Flow]:
        return list(frame_to_flows(self.frame))

    def report(self) -> dict[str, Any]:
        """The validation report as plain data (what ``validate --json`` prints)."""
        return {
            "source": self.source,
            "format": self.format,
            "rows_read": self.rows_read,
            "valid_rows": len(self.frame),
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.as_dict() for p in self.problems],
        }


def _norm_header(text: str) -> str:
    t = unicodedata.normalize("NFKC", str(text)).strip().lower().lstrip("\ufeff")
    return re.sub(r"\s+", " ", t)


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):
        if math.isnan(cell):
            return ""
        return repr(int(cell)) if cell.is_integer() else repr(cell)
    return unicodedata.normalize("NFC", str(cell)).strip()


_THOUSANDS_DOT = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")
_THOUSANDS_COMMA = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(cell: Cell, decimal_comma: bool = False) -> float:
    """Read a number as spreadsheets write it.

    >>> parse_number("1 234,5", decimal_comma=True)
    1234.5
    >>> parse_number("12,000")
    12000.0
    >>> parse_number("66,3167")
    66.3167
    """
    if isinstance(cell, bool):
        raise ValueError("a yes/no value is not a number")
    if isinstance(cell, int | float):
        value = float(cell)
    else:
        s = str(cell).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        s = s.replace("−", "-")
        if not s:
            raise ValueError("empty")
        if decimal_comma:
            if _THOUSANDS_DOT.match(s):
                s = s.replace(".", "")
            s = s.replace(",", ".")
        elif _THOUSANDS_COMMA.match(s):
            s = s.replace(",", "")
        elif s.count(",") == 1 and "." not in s:
            s = s.replace(",", ".")
        value = float(s)
    if math.isnan(value) or math.isinf(value):
        raise ValueError("not a finite number")
    return value


_QTY_WITH_UNIT = re.compile(r"^\s*(-?[\d\s.,\u00a0]+?)\s*([A-Za-zµ³²°/].*)$")


def _lookup(aliases: dict[str, Any], value: str) -> Any:
    return aliases.get(re.sub(r"\s+", " ", value.strip().lower()))


def generated_id(actor: str, site: str, direction: str, resource: str) -> str:
    """A stable id for a row without one: same content gives the same id."""
    digest = hashlib.sha1(f"{actor}|{site}|{direction}|{resource}".lower().encode()).hexdigest()
    return f"f-{digest[:10]}"


class _RowChecker:
    """Checks the cells of one row; collects problems instead of raising."""

    def __init__(self, line: int, decimal_comma: bool) -> None:
        self.line = line
        self.decimal_comma = decimal_comma
        self.problems: list[Problem] = []

    def error(self, column: str, message: str | Message, value: Cell = None) -> None:
        self.problems.append(Problem.of(self.line, column, message, "error", _text(value) or None))

    def warn(self, column: str, message: str | Message, value: Cell = None) -> None:
        self.problems.append(Problem.of(self.line, column, message, "warning", _text(value) or None))

    def number(self, column: str, cell: Cell) -> float | None:
        if _text(cell) == "":
            return None
        try:
            return parse_number(cell, self.decimal_comma)
        except ValueError:
            self.error(column, Message(N_("{value!r} is not a number"), {"value": _text(cell)}), cell)
            return None

    def check(self, cells: dict[str, Cell]) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        for column in REQUIRED:
            if _text(cells.get(column)) == "":
                self.error(column, Message(N_("{column} is required and is empty"), {"column": column}))
        out["actor"] = _text(cells.get("actor"))
        out["resource"] = _text(cells.get("resource"))
        out["site"] = _text(cells.get("site")) or out["actor"]
        out["notes"] = _text(cells.get("notes"))

        lat = self.number("lat", cells.get("lat"))
        lon = self.number("lon", cells.get("lon"))
        if lat is not None and not -90 <= lat <= 90:
            swapped = lon is not None and -90 <= lon <= 90
            outside = (
                N_("latitude {lat} is outside -90..90 WGS84 degrees (are lat and lon swapped?)")
                if swapped
                else N_("latitude {lat} is outside -90..90 WGS84 degrees")
            )
            self.error("lat", Message(outside, {"lat": str(lat)}), lat)
            lat = None
        if lon is not None and not -180 <= lon <= 180:
            self.error(
                "lon",
                Message(N_("longitude {lon} is outside -180..180 WGS84 degrees"), {"lon": str(lon)}),
                lon,
            )
            lon = None
        out["lat"], out["lon"] = lat, lon

        direction = _text(cells.get("direction"))
        if direction:
            d = _lookup(DIRECTION_ALIASES, direction)
            if d is None:
                self.error(
                    "direction",
                    Message(
                        N_(
                            "unknown direction {direction!r}: use supply (has / tilbud) or demand"
                            " (needs / behov)"
                        ),
                        {"direction": direction},
                    ),
                    direction,
                )
            out["direction"] = d.value if d else None

        actor_type = _text(cells.get("actor_type"))
        a = _lookup(ACTOR_TYPE_ALIASES, actor_type) if actor_type else ActorType.COMPANY
        if a is None:
            choices = ", ".join(t.value for t in ActorType)
            unknown = N_("unknown actor type {actor_type!r}: use {choices}")
            self.error("actor_type", Message(unknown, {"actor_type": actor_type, "choices": choices}))
        out["actor_type"] = a.value if a else None

        category = _text(cells.get("category"))
        c = _lookup(CATEGORY_ALIASES, category) if category else None
        if category and c is None:
            choices = ", ".join(x.value for x in Category)
            unknown = N_("unknown category {category!r}: use one of {choices}")
            self.error("category", Message(unknown, {"category": category, "choices": choices}))
        out["category"] = c.value if c else None

        visibility = _text(cells.get("visibility"))
        v = _lookup(VISIBILITY_ALIASES, visibility) if visibility else Visibility.FACILITATOR
        if v is None:
            choices = ", ".join(x.value for x in Visibility)
            unknown = N_("unknown visibility {visibility!r}: use {choices}")
            self.error("visibility", Message(unknown, {"visibility": visibility, "choices": choices}))
        out["visibility"] = v.value if v else None

        out["nace"] = self._nace(cells.get("nace"))
        out["ewc"], out["hazardous"] = self._ewc(cells.get("ewc"))
        self._quantity(cells, out)

        temperature = self.number("temperature_c", cells.get("temperature_c"))
        if temperature is not None and not -273.15 <= temperature <= 2000:
            implausible = N_("temperature {temperature} °C is not plausible")
            self.error("temperature_c", Message(implausible, {"temperature": str(temperature)}))
            temperature = None
        out["temperature_c"] = temperature

        months = _text(cells.get("months"))
        try:
            mask = parse_months(months)
            out["months"], out["months_mask"] = format_months(mask), mask
        except SidestreamError as exc:
            self.error("months", exc.message, months)
        return None if any(p.severity == "error" for p in self.problems) else out

    def _nace(self, cell: Cell) -> str | None:
        text = _text(cell)
        if not text:
            return None
        try:
            code = normalise_nace(text)
        except ValueError as exc:
            self.error("nace", str(exc), text)
            return None
        if code not in nace_entries():
            self.warn("nace", Message(N_("NACE code {code} is not in NACE Rev. 2"), {"code": code}), text)
        return code

    def _ewc(self, cell: Cell) -> tuple[str | None, bool | None]:
        text = _text(cell)
        if not text:
            return None, None
        try:
            code, starred = normalise_ewc(text)
        except ValueError as exc:
            self.error("ewc", str(exc), text)
            return None, None
        if code not in ewc_entries():
            self.error(
                "ewc", Message(N_("{code} is not an entry of the EU List of Waste"), {"code": code}), text
            )
            return None, None
        hazardous = ewc_hazardous(code)
        if starred and hazardous is False:
            self.warn(
                "ewc", Message(N_("{code} is marked * but is not a hazardous entry"), {"code": code}), text
            )
        return code, hazardous

    def _quantity(self, cells: dict[str, Cell], out: dict[str, Any]) -> None:
        raw_q, unit = cells.get("quantity"), _text(cells.get("unit"))
        text_q = _text(raw_q)
        if text_q and not unit and not isinstance(raw_q, int | float):
            m = _QTY_WITH_UNIT.match(text_q)
            if m:
                raw_q, unit = m.group(1), m.group(2).strip()
        value = self.number("quantity", raw_q)
        out["quantity"], out["unit"] = value, unit or None
        out["annual_quantity"], out["annual_unit"] = None, None
        if value is None:
            if unit and text_q == "":
                self.warn("quantity", Message(N_("unit {unit!r} given without a quantity"), {"unit": unit}))
            return
        if value < 0:
            self.error("quantity", Message(N_("quantity must not be negative")), raw_q)
            return
        if not unit:
            self.error("unit", Message(N_("a quantity needs a unit, e.g. t/yr, MWh/yr, MW or m3/h")), raw_q)
            return
        try:
            amount = to_canonical(value, unit)
        except SidestreamError as exc:
            self.error("unit", exc.message, unit)
            return
        out["annual_quantity"], out["annual_unit"] = amount.canonical_value, amount.canonical_unit


def map_header(header: list[str]) -> tuple[dict[int, str], list[str], list[Problem]]:
    """Column index → canonical name; unknown columns pass through as extras."""
    mapping: dict[int, str] = {}
    extras: list[str] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _norm_header(name)
        if not key:
            continue
        canonical = HEADER_ALIASES.get(key) or HEADER_ALIASES.get(key.replace(" ", "_"))
        if canonical is None:
            canonical = key.replace(" ", "_")
            extras.append(canonical)
        if canonical in seen:
            duplicate = N_("column {name!r} duplicates column {number}")
            problems.append(
                Problem.of(1, canonical, Message(duplicate, {"name": name, "number": seen[canonical] + 1}))
            )
            continue
        seen[canonical] = index
        mapping[index] = canonical
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        problems.append(
            Problem.of(1, None, Message(
                N_("missing required column(s): {missing}; the header must name actor, lat, lon,"
                   " direction and resource"),
                {"missing": ", ".join(missing)},
            ))
        )  # fmt: skip
    return mapping, extras, problems


def validate_raw(raw: RawTable, source: str = "") -> FlowTable:
    mapping, extras, problems = map_header(raw.header)
    if any(p.row == 1 and p.severity == "error" for p in problems):
        empty = pd.DataFrame(columns=COLUMNS + DERIVED)
        return FlowTable(empty, problems, source, len(raw.rows), raw.format, extras)
    if not raw.rows:
        problems.append(Problem.of(None, None, Message(N_("the table has a header but no data rows"))))
    records: list[dict[str, Any]] = []
    seen_ids: dict[str, int] = {}
    for line, row in zip(raw.line_numbers, raw.rows, strict=True):
        cells = {mapping[i]: cell for i, cell in enumerate(row) if i in mapping}
        checker = _RowChecker(line, raw.decimal_comma)
        record = checker.check(cells)
        flow_id = _text(cells.get("id"))
        if flow_id:
            if flow_id in seen_ids:
                checker.error("id", f"duplicate id {flow_id!r} (first used on row {seen_ids[flow_id]})")
                record = None
            else:
                seen_ids[flow_id] = line
        problems.extend(checker.problems)
        if record is None:
            continue
        if not flow_id:
            flow_id = generated_id(record["actor"], record["site"], record["direction"], record["resource"])
            if flow_id in seen_ids:
                flow_id = f"{flow_id}-{line}"
            seen_ids[flow_id] = line
        record["id"] = flow_id
        record["row"] = line
        for extra in extras:
            record[extra] = _text(cells.get(extra))
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=COLUMNS + DERIVED + extras)
    frame = _typed(frame)
    return FlowTable(frame, problems, source, len(raw.rows), raw.format, extras)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("lat", "lon", "quantity", "temperature_c", "annual_quantity"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["months_mask"] = frame["months_mask"].fillna(0xFFF).astype("int64")
    frame["hazardous"] = frame["hazardous"].astype("object")
    frame["row"] = frame["row"].astype("int64")
    return frame.reset_index(drop=True)


def read_flow_table(source: str | Path | bytes, name: str | None = None) -> FlowTable:
    """Read and validate a flow table from a path or bytes (CSV, XLSX or GeoJSON).

    File-level failures (empty, unreadable) become a single problem, never an exception.
    """
    if isinstance(source, bytes):
        data, label = source, name or "flows.csv"
    else:
        path = Path(source)
        label = name or str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            empty = pd.DataFrame(columns=COLUMNS + DERIVED)
            return FlowTable(empty, [Problem(None, None, f"cannot read {path}: {reason}")], label)
    try:
        raw = read_raw(data, label)
    except FlowTableError as exc:
        empty = pd.DataFrame(columns=COLUMNS + DERIVED)
        return FlowTable(empty, [Problem.of(None, None, exc.message)], label)
    return validate_raw(raw, label)


def frame_to_flows(frame: pd.DataFrame) -> Iterator[Flow]:
    for rec in frame.to_dict("records"):
        amount = None
        if rec.get("annual_unit") and not _isnan(rec.get("quantity")):
            amount = Amount(rec["quantity"], rec["unit"], rec["annual_quantity"], rec["annual_unit"])
        yield Flow(
            id=rec["id"],
            actor=rec["actor"],
            direction=Direction(rec["direction"]),
            resource=rec["resource"],
            lat=rec["lat"],
            lon=rec["lon"],
            actor_type=ActorType(rec["actor_type"]),
            site=rec["site"],
            nace=rec.get("nace") or None,
            category=Category(rec["category"]) if rec.get("category") else None,
            ewc=rec.get("ewc") or None,
            amount=amount,
            temperature_c=None if _isnan(rec.get("temperature_c")) else rec["temperature_c"],
            months=Months(int(rec["months_mask"])),
            visibility=Visibility(rec["visibility"]),
            notes=rec.get("notes") or "",
        )


def _isnan(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def flows_to_frame(flows: Iterable[Flow]) -> pd.DataFrame:
    """Build a validated-shape frame from domain flows (for notebooks and tests)."""
    records: list[dict[str, Any]] = []
    for i, f in enumerate(flows):
        records.append(
            {
                "id": f.id,
                "actor": f.actor,
                "actor_type": f.actor_type.value,
                "nace": f.nace,
                "site": f.site or f.actor,
                "lat": f.lat,
                "lon": f.lon,
                "direction": f.direction.value,
                "resource": f.resource,
                "category": f.category.value if f.category else None,
                "ewc": f.ewc,
                "quantity": f.amount.value if f.amount else None,
                "unit": f.amount.unit if f.amount else None,
                "temperature_c": f.temperature_c,
                "months": str(f.months),
                "visibility": f.visibility.value,
                "notes": f.notes,
                "hazardous": ewc_hazardous(f.ewc) if f.ewc else None,
                "months_mask": f.months.mask,
                "annual_quantity": f.amount.canonical_value if f.amount else None,
                "annual_unit": f.amount.canonical_unit if f.amount else None,
                "row": i + 2,
            }
        )
    return _typed(pd.DataFrame.from_records(records, columns=COLUMNS + DERIVED))


# --- writing -------------------------------------------------------------------------


def _out_value(column: str, value: Any, hazardous: Any) -> Any:
    if _isnan(value):
        return None
    if column == "ewc" and value:
        return f"{value}*" if hazardous is True else value
    if isinstance(value, float) and value.is_integer() and column not in ("lat", "lon"):
        return int(value)
    return value


def table_records(frame: pd.DataFrame, extras: list[str] | None = None) -> list[dict[str, Any]]:
    columns = COLUMNS + [e for e in (extras or []) if e in frame.columns]
    out = []
    for rec in frame.to_dict("records"):
        out.append({c: _out_value(c, rec.get(c), rec.get("hazardous")) for c in columns})
    return out


def write_flow_table(
    frame: pd.DataFrame, path: str | Path, fmt: str | None = None, extras: list[str] | None = None
) -> Path:
    """Write a validated frame as CSV, XLSX or GeoJSON (the table's own columns)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "csv").lower()
    records = table_records(frame, extras)
    columns = COLUMNS + [e for e in (extras or []) if e in frame.columns]
    if fmt == "csv":
        pd.DataFrame.from_records(records, columns=columns).to_csv(path, index=False, encoding="utf-8")
    elif fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "flows"
        ws.append(columns)
        for rec in records:
            ws.append([rec[c] for c in columns])
        wb.save(path)
    elif fmt in ("geojson", "json"):
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [rec["lon"], rec["lat"]]},
                "properties": {c: rec[c] for c in columns if c not in ("lat", "lon")},
            }
            for rec in records
        ]
        doc = {"type": "FeatureCollection", "features": features}
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        raise FlowTableError(N_("unknown format {fmt!r}: use csv, xlsx or geojson"), fmt=fmt)
    return path
