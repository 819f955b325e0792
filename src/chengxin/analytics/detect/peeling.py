"""Dense-block peeling on a weighted bipartite graph (buyer accounts × sellers), FRAUDAR-style.

FRAUDAR (Hooi et al., KDD 2016) scores a set S of nodes by g(S) = f(S)/|S|, where f sums the node priors
and the weights of the edges inside S, weights each edge by 1/log(c + degree of its column) so that edges
to popular sellers — which camouflage (honest purchases by fraud accounts) and honest crowds land on — count
little, and removes the node of least marginal weight one at a time, keeping the densest prefix. Plain
FRAUDAR reports the single densest block; brushing comes in many rings of many sizes, so this module:

1. prunes the graph to its weighted ``tau``-core (``core``: drop every node whose weighted degree is below
   ``tau`` until none is; vectorised, a few passes over the edges) — the honest bulk goes here;
2. splits what remains into connected components (scipy);
3. peels each component greedily and exactly (``greedy``: an indexed heap, compiled with numba), reports
   its densest block, removes the block's edges and peels again while the next block is still dense (``blocks``).

``densest`` is the batch version of the greedy peel (remove every node below (1+ε)× the mean marginal
weight per pass; Bahmani et al. 2012) for a whole graph at once: it is what plain FRAUDAR's single block
is compared with, and it shrinks a very large component before the exact peel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
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
    Nodes are the rows and cols that have an edge in ``g``; ties go to the lower node number."""
    rp, cp = g.priors()
    rows_u, a = _renumber(g.rows, g.n_rows)
    cols_u, c_idx = _renumber(g.cols, g.n_cols)
    nr, nc = len(rows_u), len(cols_u)
    if nr + nc == 0:
        return Block(rows_u, cols_u, 0.0, 0.0, 0)
    n = nr + nc
    b = c_idx + nr
    w = np.asarray(g.weight, dtype=np.float64)
    prior = np.concatenate([rp[rows_u], cp[cols_u]])
    degree = np.bincount(a, weights=w, minlength=n) + np.bincount(b, weights=w, minlength=n)
    marginal = np.asarray(prior + degree, dtype=np.float64)
    start, other, weights = _adjacency(a, b, w, n)
    mass = float(w.sum() + rp[rows_u].sum() + cp[cols_u].sum())
    peeled, best_k, best_density, best_mass = _peel(marginal, start, other, weights, mass)
    keep = np.ones(n, dtype=np.bool_)
    keep[peeled[:best_k]] = False
    in_r, in_c = keep[:nr], keep[nr:]
    inside = in_r[a] & in_c[b - nr]
    return Block(rows_u[in_r], cols_u[in_c], float(best_density), float(best_mass), int(inside.sum()))


def _renumber(ids: I64, n: int) -> tuple[I64, I64]:
    """The distinct ids in increasing order and each id's position among them (``np.unique`` with
    ``return_inverse``, by counting: ids are below ``n``)."""
    present = np.bincount(ids, minlength=n) > 0
    rank = np.cumsum(present) - 1
    return np.flatnonzero(present).astype(np.int64), rank[ids].astype(np.int64)


@numba.njit(cache=True)
def _adjacency(a: I64, b: I64, w: F64, n: int) -> tuple[I64, I64, F64]:
    """Both ends of every edge as adjacency lists (CSR by counting sort, edges in input order):
    node v's neighbours are ``other[start[v]:start[v + 1]]`` with weights ``weights[…]``."""
    start = np.zeros(n + 1, dtype=np.int64)
    for k in range(len(a)):
        start[a[k] + 1] += 1
        start[b[k] + 1] += 1
    for v in range(n):
        start[v + 1] += start[v]
    fill = start[:-1].copy()
    other = np.empty(2 * len(a), dtype=np.int64)
    weights = np.empty(2 * len(a), dtype=np.float64)
    for k in range(len(a)):
        other[fill[a[k]]], weights[fill[a[k]]] = b[k], w[k]
        fill[a[k]] += 1
    for k in range(len(a)):
        other[fill[b[k]]], weights[fill[b[k]]] = a[k], w[k]
        fill[b[k]] += 1
    return start, other, weights


@numba.njit(cache=True)
def _below(key: F64, x: int, y: int) -> bool:
    return bool(key[x] < key[y] or (key[x] == key[y] and x < y))


@numba.njit(cache=True)
def _sift_down(heap: I64, pos: I64, key: F64, i: int, size: int) -> None:
    v = heap[i]
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and _below(key, heap[child + 1], heap[child]):
            child += 1
        if not _below(key, heap[child], v):
            break
        heap[i] = heap[child]
        pos[heap[i]] = i
        i = child
    heap[i] = v
    pos[v] = i


@numba.njit(cache=True)
def _sift_up(heap: I64, pos: I64, key: F64, i: int) -> None:
    v = heap[i]
    while i > 0:
        parent = (i - 1) // 2
        if not _below(key, v, heap[parent]):
            break
        heap[i] = heap[parent]
        pos[heap[i]] = i
        i = parent
    heap[i] = v
    pos[v] = i


@numba.njit(cache=True)
def _peel(marginal: F64, start: I64, other: I64, weights: F64, mass: float) -> tuple[I64, int, float, float]:
    """The peel itself, compiled: an indexed binary heap keyed by (marginal weight, node), whose keys only
    go down (a neighbour's removal), so each edge end costs one sift-up. Returns the nodes in the order
    peeled and the densest prefix (how many peeled before it, its density and mass)."""
    n = len(marginal)
    key = marginal.copy()
    heap = np.arange(n)
    pos = np.arange(n)
    for i in range(n // 2 - 1, -1, -1):
        _sift_down(heap, pos, key, i, n)
    removed = np.zeros(n, dtype=np.bool_)
    peeled = np.empty(n, dtype=np.int64)
    best_density, best_k, best_mass = mass / n, 0, mass
    size = n
    for step in range(n - 1):
        v = heap[0]
        size -= 1
        heap[0] = heap[size]
        pos[heap[0]] = 0
        _sift_down(heap, pos, key, 0, size)
        removed[v] = True
        peeled[step] = v
        mass -= key[v]
        for e in range(start[v], start[v + 1]):
            u = other[e]
            if not removed[u]:
                key[u] -= weights[e]
                _sift_up(heap, pos, key, pos[u])
        if mass / size > best_density:
            best_density, best_k, best_mass = mass / size, step + 1, mass
    return peeled, best_k, best_density, best_mass


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
