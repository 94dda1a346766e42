"""The ``sidestream`` command: parse input, call an engine, render output. Nothing more.

Every :class:`~sidestream.errors.SidestreamError` becomes one clear line on stderr and
a non-zero exit code — never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sidestream.cli_output import print_json, read_valid_table
from sidestream.errors import SidestreamError
from sidestream.i18n import normalise_lang

app = typer.Typer(
    help="Sidestream: map side streams, find and explain industrial symbiosis synergies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
kb_app = typer.Typer(
    help="Explore the knowledge base: classes, rules, reference lists.", no_args_is_help=True
)
app.add_typer(kb_app, name="kb")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn Sidestream errors into one line and exit code 2."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except SidestreamError as exc:
            # Commands with --lang print the error in that language too.
            lang = kwargs.get("lang")
            text = exc.render(normalise_lang(lang if isinstance(lang, str) else None))
            err.print(f"[bold red]error:[/] {text}", highlight=False, markup=True)
            raise typer.Exit(2) from None

    return wrapper


# --- validate ------------------------------------------------------------------------


@app.command()
@friendly
def validate(
    path: Annotated[Path, typer.Argument(help="Flow table: CSV, XLSX or GeoJSON.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check a flow table and list every problem with row, column and reason."""
    from sidestream.io import read_flow_table

    table = read_flow_table(path)
    if as_json:
        print_json(table.report())
    else:
        if table.problems:
            t = Table(title=f"Problems in {path.name}", show_lines=False)
            for col in ("row", "column", "severity", "reason", "value"):
                t.add_column(col)
            for p in table.problems:
                colour = "red" if p.severity == "error" else "yellow"
                t.add_row(
                    "" if p.row is None else str(p.row), p.column or "",
                    f"[{colour}]{p.severity}[/]", p.message, p.value or "",
                )  # fmt: skip
            out.print(t)
        status = "[green]valid[/]" if table.ok else "[red]invalid[/]"
        out.print(
            f"{path.name}: {status} — {table.rows_read} rows read, {len(table.frame)} valid,"
            f" {len(table.errors)} errors, {len(table.warnings)} warnings"
        )
    if not table.ok:
        raise typer.Exit(1)


# --- classify ------------------------------------------------------------------------


@app.command()
@friendly
def classify(
    text: Annotated[str, typer.Argument(help="Resource text, or a path to a flow table / text file.")],
    ewc: Annotated[str | None, typer.Option(help="EWC code hint, e.g. '10 01 02'.")] = None,
    nace: Annotated[str | None, typer.Option(help="NACE code of the producer, e.g. 24.10.")] = None,
    lang: Annotated[str, typer.Option(help="Language of the explanation: en or nb.")] = "en",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Map free text (any of en, nb, nn, sv, da, fi) to a resource class, with why."""
    from sidestream.knowledge.base import default_knowledge_base
    from sidestream.knowledge.classifier import Classifier

    lang = normalise_lang(lang)
    kb = default_knowledge_base()
    clf = Classifier(kb)
    items: list[tuple[str, str | None, str | None]] = []
    path = Path(text)
    if len(text) < 500 and path.suffix and path.is_file():
        if path.suffix.lower() in {".csv", ".xlsx", ".geojson", ".json"}:
            from sidestream.io import read_flow_table

            table = read_flow_table(path)
            cols = table.frame[["resource", "ewc", "nace"]].itertuples(index=False, name=None)
            items = [
                (str(res), e if isinstance(e, str) else None, n if isinstance(n, str) else None)
                for res, e, n in cols
            ]
        else:
            items = [
                (ln.strip(), ewc, nace) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()
            ]
    else:
        items = [(text, ewc, nace)]
    results: list[dict[str, Any]] = []
    for resource, e, n in items:
        c = clf.classify(resource, ewc=e, nace=n)
        rc = kb.classes.get(c.class_id) if c.class_id else None
        results.append({
            "text": resource,
            "class": c.class_id,
            "label": rc.labels.get(lang) if rc else None,
            "category": c.category.value if c.category else None,
            "confidence": c.confidence,
            "temperature_c": c.temperature_c,
            "why": [m.render(lang) for m in c.reasons],
            "alternatives": [{"class": a, "score": s} for a, s in c.alternatives],
        })  # fmt: skip
    if as_json:
        print_json(results if len(results) > 1 else results[0])
        return
    t = Table(title="Classification")
    for col in ("text", "class", "category", "confidence", "why"):
        t.add_column(col, overflow="fold")
    for r in results:
        t.add_row(r["text"], f"{r['class']}\n{r['label'] or ''}", r["category"] or "—",
                  f"{r['confidence']:.2f}", "\n".join(r["why"]))  # fmt: skip
    out.print(t)


# --- knowledge base ------------------------------------------------------------------


@kb_app.command("show")
@friendly
def kb_show(
    class_id: Annotated[str, typer.Argument(help="Resource class id, e.g. fgd_gypsum.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show one resource class: labels in seven languages, codes, sources."""
    from sidestream.knowledge.base import default_knowledge_base
    from sidestream.knowledge.models import LANGUAGES

    rc = default_knowledge_base().resource_class(class_id)
    if as_json:
        print_json(rc.model_dump(mode="json"))
        return
    out.print(f"[bold]{rc.id}[/] — {rc.labels.en} ({rc.category.value})")
    if rc.description:
        out.print(rc.description)
    t = Table(show_header=True)
    t.add_column("lang")
    t.add_column("label")
    t.add_column("synonyms", overflow="fold")
    for lang in LANGUAGES:
        t.add_row(lang, rc.labels.of(lang) or "", ", ".join(rc.synonyms.get(lang, [])))
    out.print(t)
    if rc.temperature_c:
        out.print(f"temperature band: {rc.temperature_c[0]:g}–{rc.temperature_c[1]:g} °C")
    out.print(f"EWC: {', '.join(rc.ewc) or '—'}   NACE: {', '.join(rc.nace) or '—'}   "
              f"hazardous: {'yes' if rc.hazardous else 'no'}   unit: {rc.default_unit}")  # fmt: skip
    for src in rc.sources:
        out.print(
            f"source: {src.title}"
            + (f" ({src.year})" if src.year else "")
            + (f" {src.url}" if src.url else "")
        )


@kb_app.command("search")
@friendly
def kb_search(
    text: Annotated[str, typer.Argument(help="Words in any supported language.")],
    limit: Annotated[int, typer.Option(help="How many results.")] = 10,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Find resource classes, EWC entries and NACE classes by text."""
    from sidestream.knowledge.search import search_knowledge

    hits = search_knowledge(text, limit=limit)
    if as_json:
        print_json(hits)
        return
    t = Table(title=f"Knowledge base: {text!r}")
    for col in ("kind", "id", "label", "score"):
        t.add_column(col, overflow="fold")
    for h in hits:
        t.add_row(h["kind"], h["id"], h["label"], f"{h['score']:.0f}")
    out.print(t)


@kb_app.command("rules")
@friendly
def kb_rules(
    class_id: Annotated[str, typer.Argument(help="Resource class id (as supply or demand).")],
    lang: Annotated[str, typer.Option(help="en or nb")] = "en",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Compatibility rules from and to a resource class, with their sources."""
    from sidestream.knowledge.base import default_knowledge_base

    lang = normalise_lang(lang)
    kb = default_knowledge_base()
    kb.resource_class(class_id)
    rules = kb.rules_from(class_id) + [r for r in kb.rules_to(class_id) if r.supply != class_id]
    if as_json:
        print_json([r.model_dump(mode="json") for r in rules])
        return
    t = Table(title=f"Rules for {class_id}")
    for col in ("rule", "supply → demand", "use", "strength", "source"):
        t.add_column(col, overflow="fold")
    for r in rules:
        t.add_row(
            r.id,
            f"{r.supply} → {r.demand}",
            r.use.get(lang),
            f"{r.strength:.2f}",
            r.sources[0].title,
        )
    out.print(t)
    if not rules:
        out.print("no explicit rules; the same resource and heat-to-heat always match")


@kb_app.command("stats")
@friendly
def kb_stats() -> None:
    """Counts of classes, rules, urban sinks and reference entries."""
    from sidestream.knowledge.base import default_knowledge_base
    from sidestream.knowledge.reference import ewc_entries, nace_entries

    stats = default_knowledge_base().stats()
    stats["ewc_entries"] = sum(1 for e in ewc_entries().values() if e.level == "entry")
    stats["nace_classes"] = sum(1 for e in nace_entries().values() if e.level == "class")
    print_json(stats)


# --- match ---------------------------------------------------------------------------


@app.command()
@friendly
def match(
    path: Annotated[Path, typer.Argument(help="Flow table: CSV, XLSX or GeoJSON.")],
    top: Annotated[int, typer.Option("--top", "-k", help="Best K demands per supply.")] = 5,
    radius_km: Annotated[float, typer.Option(help="Base search radius in km (scaled per category).")] = 50.0,
    supply_id: Annotated[list[str] | None, typer.Option(help="Only this supply flow (repeatable).")] = None,
    demand_id: Annotated[list[str] | None, typer.Option(help="Only this demand flow (repeatable).")] = None,
    category: Annotated[str | None, typer.Option(help="Only flows of this category.")] = None,
    min_score: Annotated[float, typer.Option(help="Drop matches scoring below this.")] = 0.0,
    include_suggestions: Annotated[bool, typer.Option(help="Add urban-sink and case suggestions.")] = False,
    lang: Annotated[str, typer.Option(help="Language of reasons: en or nb.")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract.")] = False,
) -> None:
    """For each supply flow, its best K demand flows — scored and explained."""
    from sidestream.matching import MatchParams
    from sidestream.matching import match as run_match

    table = read_valid_table(path)
    params = MatchParams(
        top_k=top, radius_km=radius_km, supply_ids=supply_id or None, demand_ids=demand_id or None,
        category=category, min_score=min_score, include_suggestions=include_suggestions,
    )  # fmt: skip
    lang = normalise_lang(lang)
    if as_json:
        result = run_match(table.frame, params)
        print_json(result.to_json(lang))
        return
    with _ProgressBar("Matching") as advance:
        result = run_match(table.frame, params, progress=advance)
    doc = result.to_json(lang)
    t = Table(title=f"Matches in {path.name}")
    for col in ("supply", "#", "demand", "score", "km", "why"):
        t.add_column(col, overflow="fold")
    for m in doc["matches"]:
        s, d = m["supply"], m["demand"]
        bar = "█" * round(m["score"] * 10)
        t.add_row(f"{s['actor']}\n{s['resource']}", str(m["rank"]), f"{d['actor']}\n{d['resource']}",
                  f"{m['score']:.2f} {bar}", f"{m['distance_km']:.1f}", m["reasons"][0])  # fmt: skip
    out.print(t)
    for sug in doc.get("suggestions", []):
        if sug["kind"] == "suggestion":
            out.print(
                f"[cyan]suggestion[/] {sug['supply']['actor']}: {sug['supply']['resource']}"
                f" → {sug['sink']['label']}"
            )
    st = result.stats
    out.print(f"{len(doc['matches'])} matches for {st['supplies']} supplies and {st['demands']} demands;"
              f" {st['candidates_scored']} candidate pairs scored in {st['seconds']} s")  # fmt: skip


class _ProgressBar:
    """A rich progress bar whose ``advance(done, total)`` fits engine callbacks."""

    def __init__(self, label: str) -> None:
        self.bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=err, transient=True)  # fmt: skip
        self.task = self.bar.add_task(label, total=None)

    def __enter__(self) -> Callable[[int, int], None]:
        self.bar.start()

        def advance(done: int, total: int) -> None:
            self.bar.update(self.task, completed=done, total=total)

        return advance

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()


# --- synthetic regions and the demo --------------------------------------------------


@app.command()
@friendly
def synth(
    flows: Annotated[int, typer.Option("--flows", "-n", help="Number of flows.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same table).")] = 1,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write (.csv/.xlsx/.geojson).")
    ] = Path("synthetic.csv"),
) -> None:
    """Generate a realistic synthetic region: actors around real Nordic towns."""
    from sidestream.io import write_flow_table
    from sidestream.scale.synth import synthetic_flows

    frame = synthetic_flows(flows, seed=seed)
    write_flow_table(frame, output)
    out.print(f"wrote {len(frame)} flows to {output}")


@app.command()
@friendly
def demo(
    region: Annotated[str, typer.Option(help="helgeland or kalundborg")] = "helgeland",
    lang: Annotated[str, typer.Option(help="en or nb")] = "en",
    top: Annotated[int, typer.Option(help="Matches to show")] = 15,
) -> None:
    """Summarise a packaged demo region and its best synergies."""
    from sidestream.io import read_flow_table
    from sidestream.knowledge.regions import demo_region_path
    from sidestream.matching import MatchParams
    from sidestream.matching import match as run_match

    path = demo_region_path(region)
    table = read_flow_table(path)
    frame = table.frame
    n_supply = int((frame["direction"] == "supply").sum())
    out.print(
        f"[bold]{region.title()}[/]: {frame['actor'].nunique()} actors, {len(frame)} flows"
        f" ({n_supply} supplies, {len(frame) - n_supply} demands)"
    )
    totals = frame[frame["direction"] == "supply"].groupby("annual_unit")["annual_quantity"].sum()
    for unit, value in totals.items():
        out.print(f"  supplies: {value:,.0f} {unit}")
    result = run_match(frame, MatchParams(top_k=1))
    doc = result.to_json(normalise_lang(lang))
    best = sorted(doc["matches"], key=lambda m: -m["score"])[:top]
    t = Table(title="Best synergies")
    for col in ("supply", "demand", "score", "km", "why"):
        t.add_column(col, overflow="fold")
    for m in best:
        t.add_row(f"{m['supply']['actor']}: {m['supply']['resource']}",
                  f"{m['demand']['actor']}: {m['demand']['resource']}",
                  f"{m['score']:.2f}", f"{m['distance_km']:.1f}", m["reasons"][0])  # fmt: skip
    out.print(t)


@app.command()
def version() -> None:
    """Print the version."""
    from sidestream import __version__

    out.print(__version__)


def _register_outer_commands() -> None:
    from sidestream import (
        cli_data,
        cli_evaluation,
        cli_facilitation,
        cli_mapping,
        cli_optimise,
        cli_server,
        cli_workshops,
    )

    cli_data.register(app)
    cli_server.register(app)
    cli_evaluation.register(app)
    cli_optimise.register(app)
    cli_mapping.register(app)
    cli_facilitation.register(app)
    cli_workshops.register(app)


_register_outer_commands()

if __name__ == "__main__":  # pragma: no cover
    app()
