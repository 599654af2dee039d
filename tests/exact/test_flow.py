"""The min cost flow of the sparse engine returns a basic plan (its support a forest)."""

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from truth import scaled

from otcheck import DiscreteMeasure, wasserstein
from otcheck.costs import as_cost_fn

pytest.importorskip("ortools")

from otcheck.exact._flow import basic_flow, restricted_flow, uniform_supplies  # noqa: E402
from otcheck.exact._sparse import PointCosts  # noqa: E402


def _is_forest(nodes, tail, head):
    """Whether the arcs (tail, head) (no repeats) form a forest on `nodes` nodes."""
    if tail.size == 0:
        return True
    ncomp, _ = connected_components(coo_matrix((np.ones(tail.size), (tail, head)), shape=(nodes, nodes)))
    return tail.size == nodes - ncomp


def _balances(nodes, tail, head, flow):
    return np.bincount(tail, flow, minlength=nodes) - np.bincount(head, flow, minlength=nodes)


@st.composite
def flows_on_bipartite_graphs(draw):
    """Any non-negative integer flow on random arcs between n rows and m columns, with tied costs."""
    n, m = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    pairs = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)), min_size=1, max_size=40, unique=True)
    )
    tail = np.array([i for i, _ in pairs], dtype=np.int64)
    head = np.array([n + j for _, j in pairs], dtype=np.int64)
    flow = np.array([draw(st.integers(0, 6)) for _ in pairs], dtype=np.int64)
    cost = np.array([draw(st.integers(0, 3)) for _ in pairs], dtype=np.int64)
    tie = cost + np.array([draw(st.sampled_from([0.0, 0.25, -0.25])) for _ in pairs])
    return n + m, tail, head, flow, cost, tie


@given(flows_on_bipartite_graphs())
@settings(max_examples=scaled(60))
def test_basic_flow_keeps_the_balances_never_raises_the_cost_and_leaves_a_forest(case):
    """Any integer flow (not only an optimal one): same balances, no larger cost, a forest inside the
    old support."""
    nodes, tail, head, flow, cost, tie = case
    out = basic_flow(nodes, tail, head, flow, cost, tie)
    assert out.dtype == np.int64 and np.all(out >= 0)
    assert np.array_equal(_balances(nodes, tail, head, out), _balances(nodes, tail, head, flow))
    assert int(out @ cost) <= int(flow @ cost)
    assert np.all(out[flow == 0] == 0)
    pos = out > 0
    assert _is_forest(nodes, tail[pos], head[pos])


def test_basic_flow_breaks_a_tie_by_the_real_costs_and_cuts_a_square_of_zero_cost():
    """A 2 x 2 square of equal integer costs, one unit on each arc: the real costs decide the direction
    (the diagonal pair 0-0, 1-1 is the cheaper one), and two arcs empty at once."""
    tail = np.array([0, 0, 1, 1])
    head = np.array([2, 3, 2, 3])
    flow = np.array([1, 1, 1, 1], dtype=np.int64)
    cost = np.zeros(4, dtype=np.int64)
    out = basic_flow(4, tail, head, flow, cost, np.array([0.0, 1.0, 1.0, 0.0]))
    assert out.tolist() == [2, 0, 0, 2]
    out = basic_flow(4, tail, head, flow, cost, np.array([1.0, 0.0, 0.0, 1.0]))
    assert out.tolist() == [0, 2, 2, 0]


def test_a_ring_of_many_cycles_is_cancelled_quickly():
    """Row r joined to columns r, r + 1, r + 2 (mod k), one unit on every arc: k + 1 independent cycles,
    sharing arcs, around a ring as long as the problem; a forest in well under a second."""
    k = 20000
    tail = np.repeat(np.arange(k), 3).astype(np.int64)
    head = (k + (tail + np.tile([0, 1, 2], k)) % k).astype(np.int64)
    flow = np.ones(3 * k, dtype=np.int64)
    t0 = time.perf_counter()
    out = basic_flow(2 * k, tail, head, flow, np.zeros(3 * k, dtype=np.int64), np.zeros(3 * k))
    elapsed = time.perf_counter() - t0
    pos = out > 0
    assert _is_forest(2 * k, tail[pos], head[pos])
    assert np.array_equal(_balances(2 * k, tail, head, out), _balances(2 * k, tail, head, flow))
    assert elapsed < 10


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("cost", ["sqeuclidean", "euclidean", 1.5])
def test_the_restricted_flow_is_a_forest_on_integer_grids_with_duplicates(seed, cost):
    """Points on a coarse integer grid, merged into atoms with multiplicities (the engine's case): the
    min cost flow on all pairs is optimal for the rounded costs, and its support is a forest."""
    rng = np.random.default_rng(seed)
    d = 1 + seed % 2
    X = rng.integers(-3, 4, size=(rng.integers(20, 60), d)).astype(float)
    Y = rng.integers(-3, 4, size=(rng.integers(20, 60), d)).astype(float)
    ux, inv_x = np.unique(X, axis=0, return_inverse=True)
    uy, inv_y = np.unique(Y, axis=0, return_inverse=True)
    a, b = np.full(X.shape[0], 1 / X.shape[0]), np.full(Y.shape[0], 1 / Y.shape[0])
    supplies = uniform_supplies(a, b, (inv_x.ravel(), inv_y.ravel()))
    costs = PointCosts(ux, uy, as_cost_fn(cost))
    n, m = costs.shape
    I, J, F, u, v, quantum = restricted_flow(supplies, costs, np.arange(n * m))
    assert np.all(F > 0) and _is_forest(n + m, I, n + J)
    rows, cols = supplies
    total = rows.sum()
    assert np.array_equal(np.bincount(I, F * total, minlength=n).round(), rows)
    assert np.array_equal(np.bincount(J, F * total, minlength=m).round(), cols)
    C = costs.entries(I, J)
    assert np.all(C - u[I] - v[J] <= 2 * quantum * max(1.0, np.abs(C).max()))  # tight on the support
    ref = wasserstein(DiscreteMeasure(X), DiscreteMeasure(Y), cost=cost, method="emd")
    assert abs(float(F @ C) - ref.value) <= 2 * quantum + 1e-12 * max(ref.value, 1.0)


def test_merged_duplicates_with_a_cyclic_flow_plan_are_certified_by_the_forced_min_cost_flow():
    """Found by the thorough hypothesis profile: the min cost flow's optimal plan on merged duplicates
    had cycles in its support, the certificate's forest rebuild landed on a dearer plan
    ([0.5715461, 0.5717288]) and solver="min_cost_flow" refused the instance. The flow is now made
    basic before the certificate sees it."""
    X = np.array([0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 1.5, 0.25, -1.0])
    Y = np.array([0, 0, 0, 1, 2, 2, 2, 2, 2, 3, 1.25, 2.25, 2.125, 0.5, 0.75, 0.125, -2, -1.875, -0.015625])
    mu, nu = DiscreteMeasure(X), DiscreteMeasure(Y)
    flow = wasserstein(mu, nu, cost="euclidean", method="sparse", solver="min_cost_flow")
    simplex = wasserstein(mu, nu, cost="euclidean", method="sparse", solver="network_simplex")
    assert flow.certificate.ok and flow.info["solver"] == "min_cost_flow"
    assert simplex.certificate.ok
    assert flow.value == simplex.value
    f, s = flow.certificate, simplex.certificate
    assert max(f.lower, s.lower) <= min(f.upper, s.upper)


def test_a_solver_overflow_is_solved_again_with_coarser_costs(monkeypatch):
    """A staircase whose optimal duals fall by the largest cost at every step: the solver's potentials
    span (nodes) x (largest scaled cost) x (nodes + 1), past int64 at the finest rounding, and OR-Tools
    answers BAD_COST_RANGE; the problem is solved again with fewer cost levels."""
    import otcheck.exact._flow as flow_module
    from otcheck.exact import UncertifiedError
    from otcheck.exact._certificate import DenseCosts

    n = 500
    C = np.full((n, n), 5.0)
    C[np.arange(n), np.arange(n)] = 1.0
    C[np.arange(n - 1), np.arange(1, n)] = 0.0
    keys = np.sort(np.r_[np.arange(n) * (n + 1), np.arange(n - 1) * (n + 1) + 1])
    supplies = (np.ones(n, dtype=np.int64), np.ones(n, dtype=np.int64))
    I, J, F, u, v, quantum = restricted_flow(supplies, DenseCosts(C), keys)
    assert quantum > 2.0**-49  # coarser than the first try (K = 50, s = 49)
    assert np.array_equal(I, J) and np.allclose(F, 1 / n)
    red = C[keys // n, keys % n] - u[keys // n] - v[keys % n]
    assert np.all(red >= -2 * quantum) and np.all(np.abs(C[I, J] - u[I] - v[J]) <= 2 * quantum)
    monkeypatch.setattr(flow_module, "MIN_LEVELS", 60)
    with pytest.raises(UncertifiedError, match="BAD_COST_RANGE"):
        restricted_flow(supplies, DenseCosts(C), keys)
