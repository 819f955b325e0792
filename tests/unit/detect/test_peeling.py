"""Dense-block peeling (FRAUDAR-style): planted blocks are found, honest noise is not."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chengxin.analytics.detect import peeling as pe


def _graph(rows: list[int], cols: list[int], n_rows: int, n_cols: int) -> pe.Graph:
    r, c = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    return pe.Graph(r, c, np.ones(len(r)), n_rows, n_cols)


def test_greedy_keeps_the_complete_block_and_drops_pendants() -> None:
    rows = [i for i in range(4) for _ in range(3)] + [4, 5, 6]
    cols = [j for _ in range(4) for j in range(3)] + [3, 4, 0]
    block = pe.greedy(_graph(rows, cols, 7, 5))
    assert sorted(block.rows.tolist()) == [0, 1, 2, 3]
    assert sorted(block.cols.tolist()) == [0, 1, 2]
    assert block.density == 12 / 7
    assert block.edges == 12


def test_column_weights_favour_unpopular_columns() -> None:
    w = pe.column_weights(np.asarray([0, 0, 0, 0, 1], dtype=np.int64), 2)
    assert w[4] > w[0]
    assert np.isclose(w[0], 1 / np.log(5 + 4))


def test_core_prunes_nodes_below_tau() -> None:
    g = _graph([0, 0, 1, 1, 2], [0, 1, 0, 1, 2], 3, 3)
    keep_r, keep_c = pe.core(g, 2.0)
    assert keep_r.tolist() == [True, True, False]
    assert keep_c.tolist() == [True, True, False]


def _planted(seed: int, boost: float = 1.0) -> tuple[pe.Graph, list[tuple[set[int], set[int]]]]:
    """Zipf-popular honest edges plus three planted blocks (80 % filled) whose edges weigh ``boost``×
    (what the order signals do to a ring's edges)."""
    rng = np.random.default_rng(seed)
    n_rows, n_cols, n_edges = 20_000, 2_000, 60_000
    pop = np.arange(1, n_cols + 1, dtype=np.float64) ** -0.9
    rows = [rng.integers(0, n_rows, n_edges)]
    cols = [rng.choice(n_cols, n_edges, p=pop / pop.sum())]
    planted = []
    for m, n in ((3, 12), (8, 60), (20, 150)):
        b = rng.choice(n_rows, n, replace=False)
        s = rng.choice(n_cols, m, replace=False)
        rr, cc = np.repeat(b, m), np.tile(s, n)
        keep = rng.random(len(rr)) < 0.8
        rows.append(rr[keep])
        cols.append(cc[keep])
        planted.append((set(b.tolist()), set(s.tolist())))
    planted_edges = np.concatenate(
        [np.zeros(n_edges, dtype=np.bool_)] + [np.ones(len(r), dtype=np.bool_) for r in rows[1:]]
    )
    key = np.concatenate(rows) * n_cols + np.concatenate(cols)
    pair, first = np.unique(key, return_index=True)
    r, c = pair // n_cols, pair % n_cols
    weight = pe.column_weights(c, n_cols) * np.where(planted_edges[first], boost, 1.0)
    return pe.Graph(r, c, weight, n_rows, n_cols), planted


def test_the_densest_blocks_are_the_large_planted_ones() -> None:
    g, planted = _planted(3)
    found = sorted(pe.blocks(g, tau=0.5, min_density=0.5), key=lambda b: -b.density)
    top = set().union(*(set(b.rows.tolist()) for b in found[:3]))
    for rows, _ in planted[1:]:
        assert len(rows & top) >= 0.8 * len(rows)


def test_blocks_finds_every_planted_block_of_every_size_when_signals_weigh_in() -> None:
    g, planted = _planted(3, boost=3.0)
    found = pe.blocks(g, tau=1.0, min_density=1.2)
    found_rows = set().union(*(set(b.rows.tolist()) for b in found))
    found_cols = set().union(*(set(b.cols.tolist()) for b in found))
    for rows, cols in planted:
        assert cols <= found_cols
        assert len(rows & found_rows) >= 0.5 * len(rows)  # the densest part: rows with one edge are peeled
    assert all(len(rows & found_rows) >= 0.9 * len(rows) for rows, _ in planted[1:])
    assert not found_rows - set().union(*(r for r, _ in planted))  # no honest account


def test_densest_is_within_its_bound_of_the_exact_peel() -> None:
    g, _ = _planted(5)
    batch = pe.densest(g, eps=0.1)
    exact = pe.greedy(g)
    assert batch.density >= exact.density / (2 * 1.1)
    assert batch.density > 0


def test_an_empty_graph_has_no_block() -> None:
    g = _graph([], [], 3, 3)
    assert pe.blocks(g, tau=1.0, min_density=0.5) == []


def _reference_peel(g: pe.Graph) -> tuple[set[int], set[int], float]:
    """FRAUDAR's greedy peel written plainly (quadratic): the compiled heap must agree with it."""
    rp, cp = g.priors()
    nodes = {("r", int(r)) for r in g.rows} | {("c", int(c)) for c in g.cols}
    edges = list(zip(g.rows.tolist(), g.cols.tolist(), g.weight.tolist(), strict=True))

    def marginal(node: tuple[str, int], alive: set[tuple[str, int]]) -> float:
        side, v = node
        prior = rp[v] if side == "r" else cp[v]
        return float(prior) + sum(
            w
            for r, c, w in edges
            if (side == "r" and r == v and ("c", c) in alive) or (side == "c" and c == v and ("r", r) in alive)
        )

    def mass(alive: set[tuple[str, int]]) -> float:
        priors = sum(float(rp[v]) if s == "r" else float(cp[v]) for s, v in alive)
        return priors + sum(w for r, c, w in edges if ("r", r) in alive and ("c", c) in alive)

    alive = set(nodes)
    best = (mass(alive) / len(alive), set(alive))
    # ties: rows before cols, then the lower id (the compiled peel numbers rows first)
    while len(alive) > 1:
        victim = min(alive, key=lambda n: (round(marginal(n, alive), 9), n[0] == "c", n[1]))
        alive.discard(victim)
        density = mass(alive) / len(alive)
        if density > best[0] + 1e-12:
            best = (density, set(alive))
    return {v for s, v in best[1] if s == "r"}, {v for s, v in best[1] if s == "c"}, best[0]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_the_compiled_peel_agrees_with_the_plain_one(data: st.DataObject) -> None:
    n_rows = data.draw(st.integers(1, 8))
    n_cols = data.draw(st.integers(1, 6))
    n_edges = data.draw(st.integers(1, 25))
    rows = data.draw(st.lists(st.integers(0, n_rows - 1), min_size=n_edges, max_size=n_edges))
    cols = data.draw(st.lists(st.integers(0, n_cols - 1), min_size=n_edges, max_size=n_edges))
    weight = data.draw(st.lists(st.sampled_from([0.25, 0.5, 1.0, 2.0]), min_size=n_edges, max_size=n_edges))
    prior = data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.5]), min_size=n_rows, max_size=n_rows))
    g = pe.Graph(
        np.asarray(rows, dtype=np.int64),
        np.asarray(cols, dtype=np.int64),
        np.asarray(weight),
        n_rows,
        n_cols,
        np.asarray(prior),
    )
    block = pe.greedy(g)
    want_rows, want_cols, want_density = _reference_peel(g)
    assert np.isclose(block.density, want_density)
    assert set(block.rows.tolist()) == want_rows
    assert set(block.cols.tolist()) == want_cols
