"""A Sankey diagram of matches: which kinds of supply could feed which uses.

The input is pairs of labels (a supply's resource class, the demand's class); the
output is the node and link lists that d3-sankey draws. Supply and demand nodes are
kept apart even when their labels are equal (district heat can be both a supply and a
use), so the graph is always acyclic, as a Sankey must be.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Side = Literal["supply", "demand", "sink"]


@dataclass(frozen=True, slots=True)
class SankeyNode:
    name: str
    side: Side
    category: str | None = None


@dataclass(frozen=True, slots=True)
class SankeyLink:
    source: int  # index into ``nodes``
    target: int
    value: int  # number of matches


@dataclass(frozen=True, slots=True)
class Sankey:
    nodes: list[SankeyNode] = field(default_factory=list)
    links: list[SankeyLink] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(link.value for link in self.links)


def sankey_from_pairs(
    pairs: Iterable[tuple[str, str]],
    categories: dict[str, str | None] | None = None,
    *,
    max_links: int = 40,
) -> Sankey:
    """Count (supply label, demand label) pairs into a Sankey, biggest links first.

    ``categories`` gives a node's category by its label (for colour). Only the
    ``max_links`` biggest links are kept, so a large region stays legible.

    >>> s = sankey_from_pairs([("slag", "road base"), ("slag", "road base"), ("heat", "heat")])
    >>> [(n.name, n.side) for n in s.nodes]
    [('slag', 'supply'), ('road base', 'demand'), ('heat', 'supply'), ('heat', 'demand')]
    >>> [(link.source, link.target, link.value) for link in s.links], s.total
    ([(0, 1, 2), (2, 3, 1)], 3)
    """
    categories = categories or {}
    counts = Counter(pairs)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:max_links]
    index: dict[tuple[str, Side], int] = {}
    nodes: list[SankeyNode] = []

    def node(name: str, side: Side) -> int:
        key = (name, side)
        if key not in index:
            index[key] = len(nodes)
            nodes.append(SankeyNode(name, side, categories.get(name)))
        return index[key]

    links = [SankeyLink(node(supply, "supply"), node(demand, "demand"), n) for (supply, demand), n in ranked]
    return Sankey(nodes, links)


def sankey_chain(
    triples: Iterable[tuple[str, str, str]],
    categories: dict[str, str | None] | None = None,
    *,
    max_sinks: int = 30,
) -> Sankey:
    """Three columns — source class → use class → sink — from (source, use, sink)
    triples, each link counting the triples through it.

    Sinks beyond the ``max_sinks`` busiest are not drawn (their first links stay), so
    a large region's diagram stays legible.

    >>> s = sankey_chain([("heat", "district heat", "Mo Fjernvarme"), ("heat", "district heat", "Hospital"),
    ...                   ("slag", "road base", "Rana kommune")])
    >>> [(n.name, n.side) for n in s.nodes][:3]
    [('heat', 'supply'), ('district heat', 'demand'), ('slag', 'supply')]
    >>> sorted((s.nodes[k.source].name, s.nodes[k.target].name, k.value) for k in s.links)[:2]
    [('district heat', 'Hospital', 1), ('district heat', 'Mo Fjernvarme', 1)]
    >>> s.total  # 3 source→use + 3 use→sink
    6
    """
    categories = categories or {}
    items = list(triples)
    first = Counter((source, use) for source, use, _ in items)
    sink_totals = Counter(sink for _, _, sink in items)
    kept = {sink for sink, _ in sorted(sink_totals.items(), key=lambda kv: (-kv[1], kv[0]))[:max_sinks]}
    second = Counter((use, sink) for _, use, sink in items if sink in kept)
    index: dict[tuple[str, Side], int] = {}
    nodes: list[SankeyNode] = []

    def node(name: str, side: Side) -> int:
        key = (name, side)
        if key not in index:
            index[key] = len(nodes)
            nodes.append(SankeyNode(name, side, categories.get(name) if side != "sink" else None))
        return index[key]

    links = [
        SankeyLink(node(s, "supply"), node(u, "demand"), n)
        for (s, u), n in sorted(first.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    links += [
        SankeyLink(node(u, "demand"), node(k, "sink"), n)
        for (u, k), n in sorted(second.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return Sankey(nodes, links)
