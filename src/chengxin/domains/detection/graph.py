"""The evidence graph of a review case (证据关系图), pure: nodes and edges from the findings' evidence,
and a circular layout for the page's inline SVG.

Nodes: the flagged entities, and the accounts, orders and shared links (device, IP, address …) their
evidence names. Account ids are one node whether flagged as seller or buyer or named in an evidence.
Evidence lists may hold plain ids or objects (``{"order_id", "buyer_account_id", "seller_account_id"}``,
``{"account_id", "link_type", "value"}``, ``{"link_type", "value", "accounts": [...]}``); anything else is
skipped. At most ``MAX_NODES`` nodes are drawn (the case's findings first).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chengxin.domains.detection.rules import ACCOUNT_TYPES, FindingLike

MAX_NODES = 150
ORDER_ACCOUNTS = (
    ("buyer_account_id", "placed"),
    ("buyer", "placed"),
    ("seller_account_id", "sold"),
    ("seller", "sold"),
)


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # seller | buyer | account | order | rating | waybill | item | visitor | link
    label: str
    flagged: bool = False
    score: float | None = None


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    relation: str  # evidence | placed | sold | link type (device, ip …)


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    truncated: bool = False
    _ids: dict[str, int] = field(default_factory=dict, repr=False)
    _edge_keys: set[tuple[str, str, str]] = field(default_factory=set, repr=False)

    def node(self, node: Node) -> str | None:
        if node.id in self._ids:
            i = self._ids[node.id]
            old = self.nodes[i]
            if node.flagged and not old.flagged:
                self.nodes[i] = node
            return node.id
        if len(self.nodes) >= MAX_NODES:
            self.truncated = True
            return None
        self._ids[node.id] = len(self.nodes)
        self.nodes.append(node)
        return node.id

    def edge(self, source: str | None, target: str | None, relation: str) -> None:
        if source and target and source != target and (source, target, relation) not in self._edge_keys:
            self._edge_keys.add((source, target, relation))
            self.edges.append(Edge(source, target, relation))

    def as_dict(self) -> dict[str, Any]:
        return {
            "nodes": [n.__dict__ for n in self.nodes],
            "edges": [e.__dict__ for e in self.edges],
            "truncated": self.truncated,
        }


def _id_of(kind: str, value: str) -> str:
    return f"account:{value}" if kind in ACCOUNT_TYPES or kind == "account" else f"{kind}:{value}"


def _account(g: Graph, value: Any, kind: str = "account") -> str | None:
    if not isinstance(value, (str, int)) or not str(value).strip():
        return None
    return g.node(Node(_id_of("account", str(value)), kind, str(value)))


def build(findings: Sequence[FindingLike]) -> Graph:
    g = Graph()
    ordered = sorted(findings, key=lambda f: -f.score)
    entity_nodes = [g.node(Node(_id_of(f.entity_type, f.entity_id), f.entity_type, f.entity_id, True, f.score))
                    for f in ordered]  # fmt: skip
    for f, me in zip(ordered, entity_nodes, strict=True):
        ev = f.evidence
        for a in ev.get("accounts") or []:
            if isinstance(a, dict):
                role = str(a.get("role") or "account")
                kind = role if role in ACCOUNT_TYPES else "account"
                g.edge(me, _account(g, a.get("account_id") or a.get("id"), kind), "evidence")
            else:
                g.edge(me, _account(g, a), "evidence")
        for o in ev.get("orders") or []:
            oid = (o.get("order_id") or o.get("id")) if isinstance(o, dict) else o
            if not isinstance(oid, (str, int)):
                continue
            order = g.node(Node(f"order:{oid}", "order", str(oid)))
            g.edge(me, order, "evidence")
            if isinstance(o, dict):
                for key, relation in ORDER_ACCOUNTS:
                    acc = _account(g, o.get(key))
                    if relation == "placed":
                        g.edge(acc, order, relation)
                    else:
                        g.edge(order, acc, relation)
        for link in ev.get("links") or []:
            if not isinstance(link, dict):
                g.edge(me, g.node(Node(f"link:{link}", "link", str(link)[:16])), "evidence")
                continue
            kind, value = str(link.get("link_type") or "link"), str(link.get("value") or "")
            node = g.node(Node(f"link:{kind}:{value}", "link", f"{kind} {value[:10]}"))
            accounts = list(link.get("accounts") or []) + [link.get("account_id")]
            linked = [_account(g, a) for a in accounts if a]
            for acc in linked:
                g.edge(acc, node, kind)
            if not linked:
                g.edge(me, node, kind)
    return g


@dataclass(frozen=True)
class Placed:
    node: Node
    x: float
    y: float


def layout(g: Graph, size: int = 560) -> tuple[list[Placed], list[tuple[Placed, Placed, str]]]:
    """Flagged entities on an inner circle, the rest on an outer one: positions for the SVG."""
    centre, inner, outer = size / 2, size * 0.22, size * 0.42
    flagged = [n for n in g.nodes if n.flagged]
    others = [n for n in g.nodes if not n.flagged]
    placed: dict[str, Placed] = {}
    for ring, radius in ((flagged, inner if others else outer), (others, outer)):
        for i, n in enumerate(ring):
            angle = 2 * math.pi * i / max(len(ring), 1) - math.pi / 2
            r = 0.0 if len(ring) == 1 and ring is flagged else radius
            placed[n.id] = Placed(n, round(centre + r * math.cos(angle), 1), round(centre + r * math.sin(angle), 1))
    lines = [(placed[e.source], placed[e.target], e.relation) for e in g.edges
             if e.source in placed and e.target in placed]  # fmt: skip
    return list(placed.values()), lines
