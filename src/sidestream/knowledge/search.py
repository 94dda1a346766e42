"""Search across resource classes, EWC entries and NACE classes by words."""

from __future__ import annotations

from functools import cache
from typing import Any

from rapidfuzz import fuzz, process

from sidestream.knowledge.base import default_knowledge_base
from sidestream.knowledge.classifier import normalise_text
from sidestream.knowledge.reference import ewc_entries, nace_entries


@cache
def _corpus() -> tuple[list[str], list[tuple[str, str, str]]]:
    texts: list[str] = []
    meta: list[tuple[str, str, str]] = []
    for rc in default_knowledge_base().classes.values():
        for _, term in rc.terms():
            texts.append(normalise_text(term))
            meta.append(("class", rc.id, rc.labels.en))
    for code, entry in ewc_entries().items():
        if entry.level == "entry":
            texts.append(normalise_text(entry.label))
            label = f"{entry.label}{' (hazardous)' if entry.hazardous else ''}"
            meta.append(("ewc", code + ("*" if entry.hazardous else ""), label))
    for code, entry in nace_entries().items():
        if entry.level == "class":
            texts.append(normalise_text(entry.label))
            meta.append(("nace", code, entry.label))
    return texts, meta


def search_knowledge(text: str, limit: int = 10) -> list[dict[str, Any]]:
    """Best matches first; one hit per item even if several of its names match."""
    texts, meta = _corpus()
    query = normalise_text(text)
    if not query:
        return []
    found = process.extract(query, texts, scorer=fuzz.WRatio, limit=limit * 8, score_cutoff=60)
    seen: set[tuple[str, str]] = set()
    hits: list[dict[str, Any]] = []
    for matched, score, index in found:
        kind, ident, label = meta[index]
        if (kind, ident) in seen:
            continue
        seen.add((kind, ident))
        hits.append({"kind": kind, "id": ident, "label": label, "matched": matched, "score": float(score)})
        if len(hits) >= limit:
            break
    return hits
