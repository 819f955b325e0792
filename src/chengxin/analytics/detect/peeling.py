"""Dense-block peeling on a weighted bipartite graph (buyer accounts × sellers), FRAUDAR-style.

FRAUDAR (Hooi et al., KDD 2016) scores a set S of nodes by g(S) = f(S)/|S|, where f sums the node priors
and the weights of the edges inside S, weights each edge by 1/log(c + degree of its column) so that edges
to popular sellers — which camouflage (honest purchases by fraud accounts) and honest crowds land on — count
little, and removes the node of least marginal weight one at a time, keeping the densest prefix. Plain
FRAUDAR reports the single densest block; brushing comes in many rings of many sizes, so this module:

1. prunes the graph to its weighted ``tau``-core (``core``: drop every node whose weighted degree is below
   ``tau`` until none is; vectorised, a few passes over the edges) — the honest bulk goes here;
2. splits what remains into connected components (scipy);
3. peels each component greedily and exactly (``greedy``, a heap), reports its densest block, removes the
   block's edges and peels again while the next block is still dense (``blocks``).

``densest`` is the batch version of the greedy peel (remove every node below (1+ε)× the mean marginal
weight per pass; Bahmani et al. 2012) for a whole graph at once: it is what plain FRAUDAR's single block
is compared with, and it shrinks a very large component before the exact peel.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
Mask = NDArray[np.bool_]
EXACT_MAX_EDGES = 300_000  # a component larger than this is shrunk by ``densest`` before the exact peel


@dataclass(frozen=True)
class Graph:
    """Edges ``rows[k] → cols[k]`` of weight ``weight[k]``; optional node priors (suspiciousness)."""

    rows: I64
    cols: I64
    weight: F64
    n_rows: int
    n_cols: int
    row_prior: F64 | None = None
    col_prior: F64 | None = None

    def priors(self) -> tuple[F64, F64]:
        rp = self.row_prior if self.row_prior is not None else np.zeros(self.n_rows)
        cp = self.col_prior if self.col_prior is not None else np.zeros(self.n_cols)
        return rp, cp

    def select(self, edges: Mask | I64) -> Graph:
        """The graph of some edges: a mask, or their indices in increasing order."""
        return Graph(
            self.rows[edges],
            self.cols[edges],
            self.weight[edges],
            self.n_rows,
            self.n_cols,
            self.row_prior,
            self.col_prior,
        )


@dataclass(frozen=True)
class Block:
    rows: I64
    cols: I64
    density: float  # g(S) = f(S)/|S|
    mass: float  # f(S)
    edges: int


def column_weights(cols: I64, n_cols: int, c: float = 5.0) -> F64:
    """FRAUDAR's column weighting: 1/log(c + degree of the edge's column)."""
    degree = np.bincount(cols, minlength=n_cols).astype(np.float64)
    return np.asarray(1.0 / np.log(c + degree[cols]), dtype=np.float64)


def core(g: Graph, tau: float) -> tuple[Mask, Mask]:
    """The nodes of the weighted ``tau``-core: every remaining node has prior + weight of its remaining
    edges ≥ ``tau``. Returns (rows kept, cols kept)."""
    rp, cp = g.priors()
    keep_r = np.ones(g.n_rows, dtype=np.bool_)
    keep_c = np.ones(g.n_cols, dtype=np.bool_)
    live = np.ones(len(g.rows), dtype=np.bool_)
    rows, cols, w = g.rows, g.cols, g.weight
    while True:
        dr = rp + np.bincount(rows, weights=w, minlength=g.n_rows)
        dc = cp + np.bincount(cols, weights=w, minlength=g.n_cols)
        drop_r = keep_r & (dr < tau)
        drop_c = keep_c & (dc < tau)
        if not drop_r.any() and not drop_c.any():
            break
        keep_r &= ~drop_r
        keep_c &= ~drop_c
        live = keep_r[rows] & keep_c[cols]
        rows, cols, w = rows[live], cols[live], w[live]
    # nodes with no edge left but a prior ≥ tau are not part of any block
    keep_r &= np.bincount(rows, minlength=g.n_rows) > 0
    keep_c &= np.bincount(cols, minlength=g.n_cols) > 0
    return keep_r, keep_c


def components(g: Graph) -> I64:
    """A component label per edge of ``g`` (rows and cols as one node set)."""
    if len(g.rows) == 0:
        return np.zeros(0, dtype=np.int64)
    n = g.n_rows + g.n_cols
    adj = coo_matrix((np.ones(len(g.rows)), (g.rows, g.cols + g.n_rows)), shape=(n, n))
    _, labels = connected_components(adj, directed=False)
    return np.asarray(labels[g.rows], dtype=np.int64)


def densest(g: Graph, eps: float = 0.1) -> Block:
    """Batch greedy peeling of the whole graph: the densest set met, within 2(1+eps) of the optimum."""
    rp, cp = g.priors()
    alive_r = np.bincount(g.rows, minlength=g.n_rows) > 0
    alive_c = np.bincount(g.cols, minlength=g.n_cols) > 0
    rows, cols, w = g.rows, g.cols, g.weight
    best = (-1.0, 0.0, alive_r.copy(), alive_c.copy(), 0)
    while alive_r.any() or alive_c.any():
        dr = np.where(alive_r, rp + np.bincount(rows, weights=w, minlength=g.n_rows), np.inf)
        dc = np.where(alive_c, cp + np.bincount(cols, weights=w, minlength=g.n_cols), np.inf)
        size = int(alive_r.sum() + alive_c.sum())
        mass = float(w.sum() + rp[alive_r].sum() + cp[alive_c].sum())
        if mass / size > best[0]:
            best = (mass / size, mass, alive_r.copy(), alive_c.copy(), len(rows))
        mean = (mass + w.sum()) / size  # marginal weights sum to 2·edges + priors
        cut = (1 + eps) * mean
        drop_r, drop_c = dr <= cut, dc <= cut
        if not drop_r.any() and not drop_c.any():
            drop_r, drop_c = dr <= dr.min(), dc <= dc.min()
        alive_r &= ~drop_r
        alive_c &= ~drop_c
        live = alive_r[rows] & alive_c[cols]
        rows, cols, w = rows[live], cols[live], w[live]
    density, mass, br, bc, n_edges = best
    return Block(np.flatnonzero(br), np.flatnonzero(bc), max(density, 0.0), mass, n_edges)


def greedy(g: Graph) -> Block:
    """Exact greedy peeling (FRAUDAR): remove the node of least marginal weight, keep the densest prefix.
    Nodes are the rows and cols that have an edge in ``g``."""
    rp, cp = g.priors()
    rows_u, r_idx = np.unique(g.rows, return_inverse=True)
    cols_u, c_idx = np.unique(g.cols, return_inverse=True)
    nr, nc = len(rows_u), len(cols_u)
    if nr + nc == 0:
        return Block(rows_u, cols_u, 0.0, 0.0, 0)
    n = nr + nc
    a = r_idx.astype(np.int64)
    b = c_idx.astype(np.int64) + nr
    w = g.weight
    marginal = np.concatenate([rp[rows_u], cp[cols_u]])
    marginal = marginal + np.bincount(a, weights=w, minlength=n) + np.bincount(b, weights=w, minlength=n)
    order = np.argsort(np.concatenate([a, b]), kind="stable")
    ends = np.concatenate([a, b])[order]
    other = np.concatenate([b, a])[order]
    weights = np.concatenate([w, w])[order]
    start = np.searchsorted(ends, np.arange(n + 1))
    mass = float(w.sum() + rp[rows_u].sum() + cp[cols_u].sum())
    heap: list[tuple[float, int]] = [(x, v) for v, x in enumerate(marginal.tolist())]
    m: list[float | None] = marginal.tolist()  # None once removed
    heapq.heapify(heap)
    best_density, best_k, best_mass = mass / n, 0, mass
    peeled: list[int] = []
    oth, wts, st = other.tolist(), weights.tolist(), start.tolist()
    size = n
    push, pop = heapq.heappush, heapq.heappop  # the loop runs once per edge end: locals, no indexing
    while heap and size > 1:
        mv, v = pop(heap)
        if mv != m[v]:  # removed, or an entry left from before its weight went down
            continue
        m[v] = None
        peeled.append(v)
        mass -= mv
        size -= 1
        a_, b_ = st[v], st[v + 1]
        for u, wu in zip(oth[a_:b_], wts[a_:b_], strict=True):
            mu = m[u]
            if mu is not None:
                mu -= wu
                m[u] = mu
                push(heap, (mu, u))
        if mass / size > best_density:
            best_density, best_k, best_mass = mass / size, len(peeled), mass
    keep = np.ones(n, dtype=np.bool_)
    keep[np.asarray(peeled[:best_k], dtype=np.int64)] = False
    in_r, in_c = keep[:nr], keep[nr:]
    inside = in_r[a] & in_c[b - nr]
    return Block(rows_u[in_r], cols_u[in_c], best_density, best_mass, int(inside.sum()))


def blocks(g: Graph, *, tau: float, min_density: float, min_rows: int = 2, max_per_component: int = 50) -> list[Block]:
    """Every dense block: the ``tau``-core's components peeled one block after another while the block
    found has density ≥ ``min_density`` and at least ``min_rows`` rows."""
    keep_r, keep_c = core(g, tau)
    sub = g.select(keep_r[g.rows] & keep_c[g.cols])
    labels = components(sub)
    found: list[Block] = []
    if len(labels) == 0:
        return found
    order = np.argsort(labels, kind="stable")  # each component's edges, in increasing order
    bounds = np.searchsorted(labels[order], np.arange(labels.max() + 2))
    for k in range(len(bounds) - 1):
        part = sub.select(order[bounds[k] : bounds[k + 1]])
        for _ in range(max_per_component):
            if len(part.rows) == 0:
                break
            target = part
            if len(part.rows) > EXACT_MAX_EDGES:
                coarse = densest(part, eps=0.05)
                target = part.select(_inside(part, coarse))
            block = greedy(target)
            if block.density < min_density or len(block.rows) < min_rows:
                break
            found.append(block)
            part = part.select(~_inside(part, block))
    return found


def _inside(g: Graph, block: Block) -> Mask:
    """The edges of ``g`` between the block's rows and cols (lookup tables: linear, where ``np.isin``
    sorts)."""
    in_r = np.zeros(g.n_rows, dtype=np.bool_)
    in_c = np.zeros(g.n_cols, dtype=np.bool_)
    in_r[block.rows], in_c[block.cols] = True, True
    return np.asarray(in_r[g.rows] & in_c[g.cols], dtype=np.bool_)
