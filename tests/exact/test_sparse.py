"""The sparse engine: certified OT between point clouds without the n x m cost matrix."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from truth import scaled

from otcheck import DiscreteMeasure, cost_matrix, solve_ot, wasserstein
from otcheck.costs import as_cost_fn
from otcheck.exact import UncertifiedError
from otcheck.exact._sparse import PointCosts


@st.composite
def point_problems(draw, max_n=40):
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, max_n))
    d = draw(st.integers(1, 3))
    pool = draw(st.integers(2, 6))  # few distinct coordinates: ties and duplicate points
    coords = st.integers(-pool, pool).map(float) if draw(st.booleans()) else st.floats(-3, 3)
    X = np.array([[draw(coords) for _ in range(d)] for _ in range(n)])
    Y = np.array([[draw(coords) for _ in range(d)] for _ in range(m)])
    zeros = draw(st.booleans())
    a = np.array([draw(st.integers(0 if zeros else 1, 5)) for _ in range(n)], dtype=float)
    b = np.array([draw(st.integers(0 if zeros else 1, 5)) for _ in range(m)], dtype=float)
    a[0] += a.sum() == 0
    b[0] += b.sum() == 0
    cost = draw(st.sampled_from(["sqeuclidean", "euclidean", 1.5, 3]))
    return DiscreteMeasure(X, a / a.sum()), DiscreteMeasure(Y, b / b.sum()), cost


@given(point_problems())
@settings(max_examples=scaled(40))
def test_sparse_equals_the_dense_engines(problem):
    """Same certified value as the dense network simplex (ties, duplicates, zero weights, d = 1..3)."""
    mu, nu, cost = problem
    dense = wasserstein(mu, nu, cost=cost, method="emd")
    sparse = wasserstein(mu, nu, cost=cost, method="sparse")
    assert sparse.certificate.ok and sparse.method == "sparse"
    lo = max(dense.certificate.lower, sparse.certificate.lower)
    hi = min(dense.certificate.upper, sparse.certificate.upper)
    assert lo <= hi, (dense.certificate, sparse.certificate)  # both intervals contain the optimum
    assert abs(sparse.value - dense.value) <= 2e-8 * max(dense.certificate.scale, sparse.certificate.scale)


@given(point_problems(max_n=12))
@settings(max_examples=scaled(25))
def test_sparse_engine_on_a_dense_matrix(problem):
    mu, nu, cost = problem
    C = cost_matrix(mu.atoms, nu.atoms, cost)
    res = solve_ot(mu.weights, nu.weights, C, method="sparse")
    ref = solve_ot(mu.weights, nu.weights, C, method="emd")
    assert res.certificate.ok and abs(res.value - ref.value) <= 2e-8 * max(res.certificate.scale, 1e-300)
    assert res.plan.shape == C.shape


def test_points_costs_match_cost_matrix_exactly():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(30, 3)), rng.normal(size=(20, 3)) * 1e3
    for cost in ("sqeuclidean", "euclidean", 2.5):
        view = PointCosts(X, Y, as_cost_fn(cost))
        I, J = np.meshgrid(np.arange(30), np.arange(20), indexing="ij")
        assert np.array_equal(view.entries(I.ravel(), J.ravel()).reshape(30, 20), cost_matrix(X, Y, cost))


def test_both_cost_views_give_the_same_row_minima_through_the_shared_row_bounds():
    """DenseCosts and PointCosts are CostViews: ``row_bounds`` (declared once) runs each view's own
    search; the float minima agree bit for bit, and ``rigorous=False`` gives no lower bounds."""
    from otcheck.exact._certificate import CostView, DenseCosts

    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(25, 2)), rng.normal(size=(30, 2))
    w = rng.normal(size=30)
    views = [DenseCosts(cost_matrix(X, Y)), PointCosts(X, Y, as_cost_fn("sqeuclidean"))]
    assert all(isinstance(view, CostView) for view in views)
    (m_dense, lb_dense), (m_points, lb_points) = (view.row_bounds(w, rigorous="tight") for view in views)
    assert np.array_equal(m_dense, m_points) and np.all(lb_dense <= m_dense) and np.all(lb_points <= m_points)
    assert all(view.row_bounds(w, rigorous=False)[1] is None for view in views)
    with pytest.raises(TypeError, match="abstract"):
        CostView()


@pytest.mark.parametrize("cost", ["sqeuclidean", "euclidean"])
def test_the_all_pairs_search_finds_every_row_minimum(cost):
    """The exact search returns, for every row, a set containing the true minimiser of C_ij - w_j."""
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(200, 2)), rng.normal(size=(150, 2)) + 3.0
    w = rng.normal(size=150) * 5
    view = PointCosts(X, Y, as_cost_fn(cost))
    I, J = view.candidates(w)
    R = cost_matrix(X, Y, cost) - w[None, :]
    best = R.argmin(1)
    found = set(zip(I.tolist(), J.tolist()))
    assert all((i, int(best[i])) in found for i in range(200))
    mins, lbs = view.row_bounds(w)
    assert np.array_equal(mins, R.min(1)) and np.all(lbs <= R.min(1))


@st.composite
def search_problems(draw):
    """Points and potentials built to break the box-tree search: a steep linear trend in w (the
    frame's job), w = -inf columns, duplicates, clouds far from the origin or tiny, and costs p != 2."""
    n, m, d = draw(st.integers(1, 60)), draw(st.integers(1, 60)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    scale = draw(st.sampled_from([1e-6, 1.0, 1e3]))
    offset = draw(st.sampled_from([0.0, 5.0, 1e6]))
    X = rng.normal(size=(n, d)) * scale + offset
    Y = rng.normal(size=(m, d)) * scale + offset + draw(st.sampled_from([0.0, 3.0])) * scale
    if draw(st.booleans()):  # duplicate points and exact ties
        Y[: m // 2] = Y[m - m // 2 :][: m // 2]
    g = rng.normal(size=d) * draw(st.sampled_from([0.0, 1.0, 50.0])) * scale
    w = Y @ g * 2 + rng.normal(size=m) * draw(st.sampled_from([0.0, 1e-3, 1.0])) * scale**2
    if m > 1 and draw(st.booleans()):
        w[rng.random(m) < 0.3] = -np.inf
        w[0] = 0.0 if not np.isfinite(w[0]) else w[0]
    cost = draw(st.sampled_from(["sqeuclidean", "euclidean", 1.5, 3]))
    return X, Y, w, cost, draw(st.booleans())


@given(search_problems())
@settings(max_examples=scaled(150), deadline=None)
def test_the_box_tree_search_never_misses_a_row_minimum(problem):
    """For every row, the search returns every column attaining the float minimum of C_ij - w_j, so the
    row minima (and their proven lower bounds) equal those of the dense matrix, bit for bit."""
    X, Y, w, cost, transpose = problem
    view = PointCosts(X, Y, as_cost_fn(cost))
    C = cost_matrix(X, Y, cost)
    if transpose:
        u = w if X.shape[0] == Y.shape[0] else np.resize(w, X.shape[0])
        I, J = view.candidates(u, transpose=True)
        with np.errstate(invalid="ignore"):
            R = (C - u[:, None]).T  # rows of R: columns j; entries over i
        found = set(zip(J.tolist(), I.tolist()))
    else:
        I, J = view.candidates(w)
        with np.errstate(invalid="ignore"):
            R = C - w[None, :]
        found = set(zip(I.tolist(), J.tolist()))
    for r in range(R.shape[0]):
        best = R[r].min()
        if np.isfinite(best):
            assert all((r, int(c)) in found for c in np.flatnonzero(R[r] == best)), (r, best)
    if not transpose:
        mins, lbs = view.row_bounds(w, rigorous="coarse") if np.isfinite(w).all() else (None, None)
        if mins is not None:
            assert np.array_equal(mins, R.min(1)) and np.all(lbs <= R.min(1))


def test_auto_switches_to_sparse_past_the_memory_budget_and_never_forms_the_matrix():
    """A dense (n, m) float64 array would be 2000 * 2500 * 8 = 40 MB (and as much for the plan):
    with a 1 MB budget ``auto`` picks the sparse engine, whose peak allocation stays far below it."""
    rng = np.random.default_rng(2)
    mu = DiscreteMeasure(rng.normal(size=(2000, 2)))
    nu = DiscreteMeasure(rng.normal(size=(2500, 2)) + 0.3)
    # the first solve imports POT (and what it imports: scikit-learn, pandas where installed): not the solve's memory
    wasserstein(DiscreteMeasure(mu.atoms[:30]), DiscreteMeasure(nu.atoms[:40]), method="sparse")
    tracemalloc.start()
    res = wasserstein(mu, nu, memory_budget=1e6)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert res.method == "sparse" and res.certificate.ok
    assert peak < 2000 * 2500 * 8 / 4, f"peak {peak / 2**20:.1f} MiB"
    assert res.plan.nnz <= 2000 + 2500 - 1 and res.info["rounds"] >= 1
    assert res.recertify().ok  # re-derived from the points, not trusted


def test_sparse_refuses_what_it_cannot_do():
    mu = DiscreteMeasure([[0.0], [1.0]])
    with pytest.raises(ValueError, match="^method: 'sparse' needs a cost"):
        wasserstein(mu, mu, cost=lambda X, Y: np.zeros((2, 2)), method="sparse")
    with pytest.raises(ValueError, match="^memory_budget: expected a number of bytes > 0"):
        wasserstein(mu, mu, memory_budget=0)
    with pytest.raises(TypeError, match="^options: engine 'sparse' does not take 'tolerance'"):
        wasserstein(mu, mu, method="sparse", tolerance=1)
    with pytest.raises(UncertifiedError, match="negative reduced cost remain after 1 rounds"):
        rng = np.random.default_rng(3)
        far = DiscreteMeasure(rng.normal(size=(300, 2)))
        wasserstein(far, DiscreteMeasure(rng.normal(size=(300, 2)) * 3), method="sparse", max_rounds=1, k=1)


def test_a_refusal_without_violations_says_why_instead_of_counting_zero_violations(monkeypatch):
    """When the last round adds no pair but its plan stays uncertified (here: the certificate is made
    to refuse every plan), the message says so; it used to read "pairs ... remain (0 found in the last)"."""
    from otcheck.exact import _sparse

    rng = np.random.default_rng(0)
    X, Y = rng.random((20, 2)), rng.random((20, 2))
    view = PointCosts(X, Y, as_cost_fn("sqeuclidean"))
    a = b = np.full(20, 1 / 20)
    keys = _sparse.initial_candidates(X, Y, a, b, as_cost_fn("sqeuclidean"), 8)
    monkeypatch.setattr(_sparse, "plan_clip", lambda c, plan, clip: float(np.max(c)))  # a tighter clip each round
    with pytest.raises(UncertifiedError, match="found no pair .* was not certified at the scale of its own cost"):
        _sparse.column_generation(a, b, view, keys, max_rounds=3, accept=lambda *plan: False, solver="network_simplex")


@pytest.mark.parametrize("cost", ["sqeuclidean", "euclidean", 3])
@pytest.mark.parametrize("seed", [0, 1])
def test_sparse_equals_dense_at_n_300_with_ties_duplicates_and_zero_weights(cost, seed):
    """n = 300, m = 280 on a coarse integer grid (many exact ties and duplicate points), a fifth of
    the weights zero: the sparse engine's certified interval meets the dense one's, values agree."""
    rng = np.random.default_rng(seed)
    X = rng.integers(-4, 5, size=(300, 2)).astype(float)
    Y = rng.integers(-4, 5, size=(280, 2)).astype(float) + 1.0
    a = rng.integers(1, 6, size=300) * (rng.random(300) > 0.2)
    b = rng.integers(1, 6, size=280) * (rng.random(280) > 0.2)
    mu, nu = DiscreteMeasure(X, a / a.sum()), DiscreteMeasure(Y, b / b.sum())
    dense = wasserstein(mu, nu, cost=cost, method="emd")
    sparse = wasserstein(mu, nu, cost=cost, method="sparse")
    assert sparse.certificate.ok and sparse.method == "sparse"
    assert max(dense.certificate.lower, sparse.certificate.lower) <= min(
        dense.certificate.upper, sparse.certificate.upper
    )
    assert abs(sparse.value - dense.value) <= 2e-8 * max(dense.certificate.scale, sparse.certificate.scale)
    P = sparse.plan.tocoo()
    assert np.all(P.data > 0) and P.nnz <= 300 + 280 - 1
    assert np.allclose(np.bincount(P.row, P.data, minlength=300), mu.weights, atol=1e-12)


# --------------------------------------------------------------------------- found by an adversarial review
@pytest.mark.parametrize("p", ["euclidean", 0.5, 1.5, 3])
def test_the_ball_bound_survives_cancellation(p):
    """best + max(w) cancels when C << |w|: the rounding of best is absolute, and the ball must keep
    the true minimiser (it was empty: a row's bound read 1.8e308 while the true minimum is about -1)."""
    view = PointCosts(np.array([[0.0]]), np.array([[1e-9]]), as_cost_fn(p))
    mins, lbs = view.row_bounds(np.array([1.0]), rigorous="tight")
    true = float(view.entries(np.array([0]), np.array([0]))[0]) - 1.0
    assert lbs[0] <= true and mins[0] == true
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 2))
    Y = X + rng.normal(size=(40, 2)) * 1e-5
    view = PointCosts(X, Y, as_cost_fn(p))
    w = rng.normal(size=40) + 1e3  # potentials far above the costs
    R = cost_matrix(X, Y, p) - w[None, :]
    mins, lbs = view.row_bounds(w, rigorous="tight")
    assert np.array_equal(mins, R.min(1)) and np.all(lbs <= R.min(1))


def test_an_outlier_a_million_away_is_certified_by_auto_and_reported_by_sparse(monkeypatch):
    """Potentials of 1e12 hide reduced costs of 0.1 from a threshold relative to max|u|: violations are
    judged per pair; auto falls back to the dense engines when the sparse duals lack the precision."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(60, 2)), rng.normal(size=(60, 2))
    X[0], Y[0] = [1e6, 0], [1e6, 1]
    mu, nu = DiscreteMeasure(X), DiscreteMeasure(Y)
    ref = wasserstein(mu, nu, method="emd")
    import otcheck.exact.solve as solve

    monkeypatch.setattr(solve, "AUTO_SPARSE_MIN_PAIRS", 1)  # auto picks sparse although the matrix fits
    res = wasserstein(mu, nu)
    assert res.certificate.ok and abs(res.value - ref.value) <= 1e-8 * ref.certificate.scale
    try:
        sp_res = wasserstein(mu, nu, method="sparse")
    except UncertifiedError as exc:  # honest refusal, never a wrong number
        assert "not certified" in str(exc)
    else:
        assert sp_res.certificate.ok and abs(sp_res.value - ref.value) <= 2e-8 * ref.certificate.scale


@pytest.mark.parametrize("cost", ["sqeuclidean", "euclidean", 0.5])
def test_few_rows_many_columns_price_the_columns_too(cost):
    """2 x 1000 needed m / 5 rounds (one column a row a round) and gave up after 60."""
    rng = np.random.default_rng(5)
    mu, nu = DiscreteMeasure(rng.normal(size=(2, 2))), DiscreteMeasure(rng.normal(size=(1000, 2)))
    res = wasserstein(mu, nu, cost=cost, method="sparse")
    ref = wasserstein(mu, nu, cost=cost, method="emd")
    assert res.certificate.ok and res.info["rounds"] <= 10
    assert abs(res.value - ref.value) <= 2e-8 * ref.certificate.scale


def test_rational_input_and_overflow_and_bad_options():
    from fractions import Fraction as F

    mu = DiscreteMeasure([[0, 0], [1, 0]], [F(1, 3), F(2, 3)])
    nu = DiscreteMeasure([[0, 1], [F(1, 2), 0]], [F(1, 2), F(1, 2)])
    for res in (wasserstein(mu, nu, method="sparse"), wasserstein(mu, nu, memory_budget=1)):
        assert res.certificate.exact_value == F(19, 24) == wasserstein(mu, nu, method="emd").certificate.exact_value
    rng = np.random.default_rng(6)
    far = DiscreteMeasure(rng.normal(size=(60, 2)) * 1e155)
    with pytest.raises(ValueError, match="^X, Y: the .* cost of these points may overflow"):
        wasserstein(far, far, method="sparse")
    small = DiscreteMeasure(rng.normal(size=(5, 2)))
    for name, bad in (("max_rounds", 0), ("max_rounds", "2"), ("max_rounds", 1.5), ("num_iter_max", -5)):
        with pytest.raises(ValueError, match=f"^{name}: expected an integer >= 1"):
            wasserstein(small, small, method="sparse", **{name: bad})
    with pytest.raises(TypeError, match="^progress: expected True or False"):
        wasserstein(small, small, method="sparse", progress="no")


@pytest.mark.parametrize("cost", ["sqeuclidean", "euclidean"])
def test_massively_duplicated_points_are_merged_and_split_back(cost):
    """A collapsed generator: 2000 targets on 33 distinct points (and sources on a grid). Copies are
    exact ties: column generation on them stalled for 60 rounds; merged, it takes a round or two, and
    the plan split back has the original marginals and at most n + m - 1 entries."""
    rng = np.random.default_rng(7)
    X = np.round(rng.normal(size=(2000, 2)) * 8) / 8
    Y = np.round(rng.normal(size=(2000, 2)) * 2) / 2
    a = rng.integers(1, 4, size=2000).astype(float)
    mu, nu = DiscreteMeasure(X, a / a.sum()), DiscreteMeasure(Y)
    res = wasserstein(mu, nu, cost=cost, method="sparse")
    ref = wasserstein(mu, nu, cost=cost, method="emd")
    assert res.certificate.ok and res.info["rounds"] <= 5
    assert max(res.certificate.lower, ref.certificate.lower) <= min(res.certificate.upper, ref.certificate.upper)
    P = res.plan.tocoo()
    assert P.nnz <= 2000 + 2000 - 1 and np.all(P.data > 0)
    assert np.allclose(np.bincount(P.row, P.data, minlength=2000), mu.weights, rtol=0, atol=1e-15)
    assert np.allclose(np.bincount(P.col, P.data, minlength=2000), nu.weights, rtol=0, atol=1e-15)
    assert res.recertify().ok


@pytest.mark.parametrize("solver", ["network_simplex", "min_cost_flow"])
@pytest.mark.parametrize("big", [1e15, 1e20, 1e30, 1e300])
def test_forbidden_pairs_on_a_dense_matrix_are_clipped_for_the_restricted_solver(solver, big):
    """Costs of 1e20 among costs of order one used to cost the restricted solver its precision (the plan
    was refused as uncertified): the restricted problems now see them clipped, the certificate does not."""
    rng = np.random.default_rng(0)
    n, m = 60, 60
    C = rng.random((n, m))
    C[rng.random((n, m)) < 0.3] = big
    a, b = np.full(n, 1 / n), np.full(m, 1 / m)
    ref = solve_ot(a, b, C, method="emd")
    res = solve_ot(a, b, C, method="sparse", solver=solver)
    assert res.certificate.ok and res.info["solver"] == solver
    assert abs(res.value - ref.value) <= 2e-8 * ref.certificate.scale


def test_a_plan_that_must_use_the_expensive_pairs_raises_the_clip_until_it_is_certified():
    """The third row can only pay 1e12: clipped at first (the median cost is 2), then the clip is raised."""
    C = np.array([[1.0, 2.0, 3.0, 1.0], [2.0, 1.0, 3.0, 2.0], [1e12, 1e12 + 4, 1e12 + 1, 1e12 + 2], [1, 3, 2, 4]])
    a = b = np.full(4, 0.25)
    for solver in ("network_simplex", "min_cost_flow"):
        res = solve_ot(a, b, C, method="sparse", solver=solver)
        assert res.certificate.ok and res.value == solve_ot(a, b, C, method="emd").value


@given(point_problems(max_n=30))
@settings(max_examples=scaled(20))
def test_the_two_restricted_solvers_give_the_same_certified_value(problem):
    """OR-Tools' min cost flow (integer costs, duals by shortest paths) against POT's network simplex, on
    uniform weights (the flow's case): the same certified optimum."""
    mu, nu, cost = problem
    mu, nu = DiscreteMeasure(mu.atoms), DiscreteMeasure(nu.atoms)
    flow = wasserstein(mu, nu, cost=cost, method="sparse", solver="min_cost_flow")
    simplex = wasserstein(mu, nu, cost=cost, method="sparse", solver="network_simplex")
    assert flow.certificate.ok and simplex.certificate.ok
    f, s = flow.certificate, simplex.certificate
    assert max(f.lower, s.lower) <= min(f.upper, s.upper)


def test_min_cost_flow_refuses_what_it_cannot_do():
    mu = DiscreteMeasure(np.arange(4.0)[:, None], [0.1, 0.2, 0.3, 0.4])
    nu = DiscreteMeasure(np.arange(3.0)[:, None])
    with pytest.raises(ValueError, match="solver: 'min_cost_flow' needs equal weights"):
        wasserstein(mu, nu, method="sparse", solver="min_cost_flow")
    with pytest.raises(ValueError, match="solver: expected"):
        wasserstein(mu, nu, method="sparse", solver="simplex")
    with pytest.raises(TypeError, match="solver"):
        wasserstein(mu, nu, method="sparse", solver=3)


@pytest.mark.parametrize("cost", ["sqeuclidean", "euclidean", 3])
def test_min_cost_flow_at_n_300_on_a_grid_of_duplicates_equals_the_dense_engine(cost):
    """Uniform weights on a coarse integer grid: the duplicates merge into atoms with integer
    multiplicities, which the min cost flow takes as supplies; the same certified optimum as emd."""
    rng = np.random.default_rng(5)
    mu = DiscreteMeasure(rng.integers(-4, 5, size=(300, 2)).astype(float))
    nu = DiscreteMeasure(rng.integers(-3, 6, size=(280, 2)).astype(float))
    dense = wasserstein(mu, nu, cost=cost, method="emd")
    res = wasserstein(mu, nu, cost=cost, method="sparse", solver="min_cost_flow")
    assert res.certificate.ok and res.info["solver"] == "min_cost_flow"
    assert max(res.certificate.lower, dense.certificate.lower) <= min(res.certificate.upper, dense.certificate.upper)
    P = res.plan.tocoo()
    assert np.allclose(np.bincount(P.row, P.data, minlength=300), mu.weights, atol=1e-12)
    assert np.allclose(np.bincount(P.col, P.data, minlength=280), nu.weights, atol=1e-12)


@pytest.mark.parametrize("solver", ["network_simplex", "min_cost_flow"])
@pytest.mark.parametrize("size", [2, 3])
def test_a_plan_far_below_the_median_candidate_cost_is_solved_at_its_own_scale(solver, size):
    """Clusters of `size` points 1e-9 apart, the clusters about 1 apart: every point's nearest neighbours
    are mostly in other clusters, so the median candidate cost is ~1 while the optimum is ~1e-18. Clipped
    at the median's scale, both restricted solvers lost the within-cluster costs (rounded to one integer,
    or below the simplex's epsilon) and the plan was refused as uncertified; the clip now follows the
    plan's own scale."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(600 // size, 2))
    X = np.repeat(centres, size, axis=0) + 1e-9 * rng.normal(size=(600 // size * size, 2))
    Y = np.repeat(centres, size, axis=0) + 1e-9 * rng.normal(size=X.shape)
    mu, nu = DiscreteMeasure(X), DiscreteMeasure(Y)
    ref = wasserstein(mu, nu, method="emd")
    res = wasserstein(mu, nu, method="sparse", solver=solver)
    assert res.certificate.ok and ref.value < 1e-16
    assert max(res.certificate.lower, ref.certificate.lower) <= min(res.certificate.upper, ref.certificate.upper)


def test_tight_clusters_spread_over_a_wide_cloud_are_certified():
    """Eight modes of std 0.05 on a ring against a wide Gaussian (a trained generator's samples against
    its ring data): one-to-many transport. The multiscale start used to displace a whole cluster by the
    coarse plan's barycentre (its own centroid) and column generation stalled past 60 rounds; each
    point now goes to its own share of the coarse plan."""
    rng = np.random.default_rng(0)
    n = 1500
    angle = 2 * np.pi * rng.integers(0, 8, n) / 8
    X = np.c_[2 * np.cos(angle), 2 * np.sin(angle)] + 0.05 * rng.normal(size=(n, 2))
    Y = 2 * rng.normal(size=(n, 2))
    res = wasserstein(DiscreteMeasure(X), DiscreteMeasure(Y), method="sparse")
    assert res.certificate.ok and res.info["rounds"] < 60
    ref = wasserstein(DiscreteMeasure(X), DiscreteMeasure(Y), method="emd")
    assert max(res.certificate.lower, ref.certificate.lower) <= min(res.certificate.upper, ref.certificate.upper)


def test_clusters_against_clusters_converge_in_few_rounds():
    """Generator samples against data on an 8-mode ring (tight modes against wider ones, a little
    rotated, unequal mode counts: mass moves between modes). One pair a violated row a round, and
    candidates from the rows' side only, took 16 rounds here (the duals of whole clusters are off);
    the negative pairs of each violated row and the columns' own candidates take 6."""
    rng = np.random.default_rng(1500)
    n = 1500

    def ring(std, shift):
        angle = 2 * np.pi * rng.integers(0, 8, n) / 8 + shift
        return np.c_[2 * np.cos(angle), 2 * np.sin(angle)] + std * rng.normal(size=(n, 2))

    X, Y = ring(0.02, 0.0), ring(0.05, 0.05)
    res = wasserstein(DiscreteMeasure(X), DiscreteMeasure(Y), method="sparse")
    assert res.certificate.ok and res.info["rounds"] <= 12, res.info["history"]
    ref = wasserstein(DiscreteMeasure(X), DiscreteMeasure(Y), method="emd")
    assert max(res.certificate.lower, ref.certificate.lower) <= min(res.certificate.upper, ref.certificate.upper)
    assert res.value == pytest.approx(ref.value, rel=1e-9)


def test_auto_solver_falls_back_to_the_simplex_when_the_flow_plan_is_not_certified():
    """Found by the thorough hypothesis profile: the min cost flow's optimal plan on merged duplicates was
    not a forest, and the certificate's forest rebuild landed on a dearer plan ([0.5715461, 0.5717288]);
    solver="auto" then solved again with the network simplex. The flow is now made basic at the source
    (otcheck.exact._flow.basic_flow), so the min cost flow's own plan is certified."""
    X = np.array([0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 1.5, 0.25, -1.0])
    Y = np.array([0, 0, 0, 1, 2, 2, 2, 2, 2, 3, 1.25, 2.25, 2.125, 0.5, 0.75, 0.125, -2, -1.875, -0.015625])
    mu, nu = DiscreteMeasure(X), DiscreteMeasure(Y)
    res = wasserstein(mu, nu, cost="euclidean", method="sparse")
    ref = wasserstein(mu, nu, cost="euclidean", method="emd")
    assert res.certificate.ok and res.info["solver"] == "min_cost_flow"
    assert max(res.certificate.lower, ref.certificate.lower) <= min(res.certificate.upper, ref.certificate.upper)


@pytest.mark.parametrize("cost", ["sqeuclidean", "euclidean", 3])
def test_smallest_returns_each_rows_least_columns_under_its_bound(cost):
    """The negative-pair pricing's search: per row, the ``cap`` least :math:`C_{ij} - w_j` among those
    under the row's bound, as the dense matrix has them."""
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(300, 2)), 3 * rng.normal(size=(400, 2))
    w = rng.normal(size=400) + Y @ np.array([1.0, -2.0])
    view = PointCosts(X, Y, as_cost_fn(cost))
    T = cost_matrix(X, Y, cost) - w[None, :]
    rows = np.arange(0, 300, 3)
    bound = np.quantile(T[rows], 0.05, axis=1)
    I, J, t = view.smallest(w, rows, bound, 8)
    assert np.array_equal(t, view.entries(I, J) - w[J])
    for i, b in zip(rows.tolist(), bound.tolist(), strict=True):
        want = np.sort(T[i][T[i] <= b])[:8]
        assert np.array_equal(np.sort(t[I == i]), want)


@pytest.mark.parametrize("d", [16, 17, 25])
def test_sparse_and_dense_certify_the_same_problem_in_high_dimension(d):
    """Near-identical clouds far from the origin: the dense and the sparse certified intervals meet, and
    contain the mean squared offset (the identity coupling is optimal here), also past d = 16."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, d)) * 1e3
    Y = X + 1e-6 * rng.normal(size=(20, d))
    mu, nu = DiscreteMeasure(X), DiscreteMeasure(Y)
    s = wasserstein(mu, nu, method="sparse").certificate
    e = wasserstein(mu, nu, method="emd").certificate
    assert s.ok and e.ok and max(s.lower, e.lower) <= min(s.upper, e.upper)
    offset = float(np.mean(((X - Y) ** 2).sum(1)))
    assert abs(e.value - offset) <= 1e-9 * offset


@pytest.mark.parametrize("tol", [-1.0, 0.0, float("nan"), float("inf")])
def test_the_sparse_engine_checks_tol_like_the_dense_ones(tol):
    """A bad tolerance is a ValueError naming it on every path (the sparse one ran with it: tol = inf
    certified a one-round plan, tol <= 0 was refused as uncertified)."""
    mu = DiscreteMeasure(np.random.default_rng(0).normal(size=(30, 2)))
    for method in ("emd", "sparse", "auto"):
        with pytest.raises(ValueError, match="^tol:"):
            wasserstein(mu, mu, method=method, tol=tol)


def test_a_plan_that_must_use_a_forbidden_pair_lifts_the_clip_to_it_at_once():
    """Found by an attack: the optimum must use a pair of cost 1e300 among costs of order 1e5; the clip
    level grew by CLIP_RAISE a round, so the engine refused after its 60 rounds where emd certifies. The
    level now rises at least to the dearest cost the plan uses."""
    a, b = [0.390625, 0.609375], [0.171875, 0.828125]
    C = [[2.1717482323562176e5, 1e300], [3.5914785216872301e5, 7.1797418563751818e5]]
    res = solve_ot(a, b, C, method="sparse")
    ref = solve_ot(a, b, C, method="emd")
    assert res.certificate.ok and res.info["rounds"] <= 3
    assert max(res.certificate.lower, ref.certificate.lower) <= min(res.certificate.upper, ref.certificate.upper)
