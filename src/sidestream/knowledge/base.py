"""The knowledge base: taxonomy, compatibility rules and urban sinks, loaded together.

Loading is explicit (``load_knowledge_base``) and the packaged default is cached
because it is immutable once validated; a region adds its own folder of the same
shape through ``extra_dirs`` without touching code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from sidestream.errors import KnowledgeBaseError, UnknownClassError
from sidestream.i18n import N_
from sidestream.knowledge.models import Family, ResourceClass, Rule, UrbanSink

M = TypeVar("M", bound=BaseModel)


def data_dir() -> Path:
    return Path(str(resources.files("sidestream.knowledge") / "data"))


def _load_list(path: Path, model: type[M]) -> list[M]:
    try:
        # libyaml's C loader when available: ten times faster on the taxonomy.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or []
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(N_("{path}: not valid YAML: {reason}"), path=path.name, reason=exc) from exc
    if not isinstance(doc, list):
        raise KnowledgeBaseError(N_("{path}: expected a list of entries"), path=path.name)
    out: list[M] = []
    for index, entry in enumerate(doc, start=1):
        try:
            out.append(model.model_validate(entry))
        except ValidationError as exc:
            ident = entry.get("id", f"#{index}") if isinstance(entry, dict) else f"#{index}"
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise KnowledgeBaseError(
                N_("{path}: entry {ident}: {where}: {reason}"),
                path=path.name,
                ident=ident,
                where=where,
                reason=first["msg"],
            ) from exc
    return out


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.is_file()) if folder.is_dir() else []


@dataclass(frozen=True)
class KnowledgeBase:
    """Validated, cross-checked knowledge. Read-only after construction."""

    classes: dict[str, ResourceClass]
    rules: tuple[Rule, ...]
    urban_sinks: tuple[UrbanSink, ...]
    families: tuple[Family, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for rule in self.rules:
            for role in ("supply", "demand"):
                cid = getattr(rule, role)
                if cid not in self.classes:
                    raise KnowledgeBaseError(
                        N_("rule {rule_id}: {role} class {class_id!r} is not in the taxonomy"),
                        rule_id=rule.id,
                        role=role,
                        class_id=cid,
                    )
        for family in self.families:
            for cid in (*family.supply, *family.demand):
                if cid not in self.classes:
                    raise KnowledgeBaseError(
                        N_("family {family_id}: class {class_id!r} is not in the taxonomy"),
                        family_id=family.id,
                        class_id=cid,
                    )
        for sink in self.urban_sinks:
            for cid in sink.accepts:
                if cid not in self.classes:
                    raise KnowledgeBaseError(
                        N_("urban sink {sink_id}: accepted class {class_id!r} is not in the taxonomy"),
                        sink_id=sink.id,
                        class_id=cid,
                    )

    def resource_class(self, class_id: str) -> ResourceClass:
        try:
            return self.classes[class_id]
        except KeyError:
            raise UnknownClassError(
                N_("unknown resource class {class_id!r}; try `sidestream kb search`"), class_id=class_id
            ) from None

    def rules_from(self, class_id: str) -> list[Rule]:
        return [r for r in self.rules if r.supply == class_id]

    def rules_to(self, class_id: str) -> list[Rule]:
        return [r for r in self.rules if r.demand == class_id]

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KnowledgeBaseError(N_("unknown rule {rule_id!r}"), rule_id=rule_id)

    def stats(self) -> dict[str, Any]:
        cats: dict[str, int] = {}
        for c in self.classes.values():
            cats[c.category.value] = cats.get(c.category.value, 0) + 1
        return {
            "classes": len(self.classes),
            "rules": len(self.rules),
            "urban_sinks": len(self.urban_sinks),
            "families": len(self.families),
            "classes_by_category": dict(sorted(cats.items())),
        }


def load_knowledge_base(extra_dirs: Sequence[Path] = ()) -> KnowledgeBase:
    """Load the packaged knowledge plus any extra folders (same layout)."""
    dirs: Iterable[Path] = [data_dir(), *extra_dirs]
    classes: dict[str, ResourceClass] = {}
    origin: dict[str, str] = {}
    rules: dict[str, Rule] = {}
    sinks: dict[str, UrbanSink] = {}
    families: dict[str, Family] = {}
    for folder in dirs:
        for path in _yaml_files(folder / "taxonomy"):
            for rc in _load_list(path, ResourceClass):
                if rc.id in classes:
                    raise KnowledgeBaseError(
                        N_("{path}: class {class_id!r} is already defined in {origin}"),
                        path=path.name,
                        class_id=rc.id,
                        origin=origin[rc.id],
                    )
                classes[rc.id], origin[rc.id] = rc, path.name
        for path in _yaml_files(folder / "rules"):
            for rule in _load_list(path, Rule):
                if rule.id in rules:
                    raise KnowledgeBaseError(
                        N_("{path}: rule {rule_id!r} is defined twice"), path=path.name, rule_id=rule.id
                    )
                rules[rule.id] = rule
        family_file = folder / "families.yaml"
        if family_file.is_file():
            for family in _load_list(family_file, Family):
                families[family.id] = family
        sink_file = folder / "urban_sinks.yaml"
        if sink_file.is_file():
            for sink in _load_list(sink_file, UrbanSink):
                sinks[sink.id] = sink
    if not classes:
        raise KnowledgeBaseError(N_("the knowledge base has no resource classes"))
    return KnowledgeBase(
        classes, tuple(rules.values()), tuple(sinks.values()), tuple(families.values()), origin
    )


@cache
def default_knowledge_base() -> KnowledgeBase:
    """The packaged knowledge base (validated once per process)."""
    return load_knowledge_base()
