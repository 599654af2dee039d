"""Peer suite: POT's exact-solver tests (``test/test_ot.py`` of PythonOT/POT) run against otcheck.

Each test below feeds otcheck the inputs of one POT test (built with numpy, ``ot.datasets``,
``ot.dist``, ``ot.utils.unif`` as POT builds them) and checks POT's stated expectation through
otcheck's API, plus what otcheck adds: ``certificate.ok`` and a certified interval that contains
the expected value (exactly, when the reference is an exact rational computation; to POT's
tolerance, when it is a float from POT or scipy). Where otcheck refuses POT's input on purpose
(lists meaning "uniform", mass mismatch, float32 rounding of the mass), the refusal and its message
are checked.

Ported (POT test -> test here):

* ``test_emd_dimension_and_mass_mismatch`` -> ``test_emd_dimension_mismatch``, ``test_emd_mass_mismatch``
* ``test_emd_emd2`` -> ``test_emd_emd2_identity``
* ``test_emd_empty`` (and the ``ot.emd2([], [], M)`` line of ``test_emd2_backends``) ->
  ``test_emd_empty_lists_are_refused``, ``test_emd_uniform_by_omission``
* ``test_emd_emd2_types_devices`` (numpy's float64/float32 only) -> ``test_emd_emd2_float_types``
* ``test_emd2_multi`` -> ``test_emd2_multi``
* ``test_warnings`` -> ``test_numitermax_early_stop_is_never_returned_silently``
* ``test_dual_variables`` -> ``test_dual_variables``
* ``test_emd_sparse_vs_dense`` -> ``test_emd_sparse_vs_dense``, ``test_sparse_cost_matrix_is_refused_clearly``
* ``test_emd2_sparse_vs_dense`` -> ``test_emd2_sparse_vs_dense``
* ``test_emd__dual_warmstart`` (final value and plan) -> ``test_emd_dual_warmstart_final_value``
* ``test_emd_lazy_warmstart`` (final value) -> ``test_emd_lazy_warmstart_final_value``
* ``test_emd2_lazy_returns_sparse_plan`` (value, marginals, support size) -> ``test_emd2_lazy_plan``
* ``test_emd_sparse_warmstart`` (final value and plan) -> ``test_emd_sparse_warmstart_final_value``
* helper ``check_duality_gap`` -> ``peer_helpers.assert_dual_optimality`` (gauge-free dual properties)

Not ported:

* ``test_emd_backends``, ``test_emd2_backends`` -- numpy/torch/jax/tf backend round trips (only
  the ``[]`` "uniform" convention of the latter is ported, see above).
* ``test_emd_emd2_devices_tf`` -- TensorFlow devices.
* ``test_emd2_gradients`` -- gradients of emd2 through torch autograd.
* ``test_omp_emd2`` -- OpenMP threads (``numThreads``) of POT's network simplex.
* ``test_lp_barycenter``, ``test_lp_barycenter_cvxopt`` -- LP Wasserstein barycenters.
* ``test_free_support_barycenter``, ``test_free_support_barycenter_backends``,
  ``test_generalised_free_support_barycenter``, ``test_generalised_free_support_barycenter_backends``,
  ``test_free_support_barycenter_generic_costs``,
  ``test_free_support_barycenter_generic_costs_auto_ground_bary``,
  ``test_free_support_barycenter_generic_costs_backends`` -- free-support barycenters.
* ``test_north_west_mm_gluing``, ``test_north_west_mm_gluing_backends`` (and helper
  ``verify_gluing_validity``) -- POT's multi-marginal gluing API, no otcheck counterpart.
* ``test_clean_discrete_measure``, ``test_to_int_array`` -- private helpers of POT's barycenter solvers.
* ``test_emd2_sparse_gradients``, ``test_emd2_sparse_vs_dense_gradients`` -- torch gradients
  through sparse and dense emd2.
* ``test_batch_center_ot_dual`` -- POT's ``center_ot_dual`` gauge-fixing API on backends.
* The sparse *output* parts of the sparse and lazy tests (``nx.issparse(G)``, COO flows of
  ``emd_c_sparse``) and the warm start itself (``potentials_init``): POT-specific formats and
  APIs; only the final values, plans and marginals are checked.
"""

import warnings
from fractions import Fraction

import numpy as np
import ot
import pytest
from ot.datasets import make_1D_gauss
from peer_helpers import (
    assert_certified_exact,
    assert_certified_near,
    assert_dual_optimality,
    assert_marginals,
    exact_assignment_cost,
    exact_monotone_cost,
    forbidden_pair_costs,
    sparse_lp_cost,
)
from scipy.stats import wasserstein_distance

import otcheck
from otcheck.exact import UncertifiedError, certify, solve_ot

ENGINES = ("auto", "emd", "lp", "highs")
SQUARE_ENGINES = ENGINES + ("assignment",)


def _points(seed, n, d=2, clouds=1):
    rng = np.random.RandomState(seed)
    return [rng.randn(n, d) for _ in range(clouds)]


# -- test_emd_dimension_and_mass_mismatch ---------------------------------------------------------


@pytest.mark.parametrize("method", SQUARE_ENGINES)
def test_emd_dimension_mismatch(method):
    (x,) = _points(0, 100)
    a = ot.utils.unif(101)
    M = ot.dist(x, x)
    with pytest.raises(ValueError, match=r"^C: has shape \(100, 100\), expected \(101, 101\)"):
        solve_ot(a, a, M, method=method)


@pytest.mark.parametrize("method", SQUARE_ENGINES)
def test_emd_mass_mismatch(method):
    (x,) = _points(0, 100)
    M = ot.dist(x, x)
    a = ot.utils.unif(100)
    b = a.copy()
    a[0] = 100
    total = repr(float(a.sum()))
    with pytest.raises(ValueError, match=rf"^a: weights sum to {total}, not 1"):
        solve_ot(a, b, M, method=method)
    with pytest.raises(ValueError, match=rf"^b: weights sum to {total}, not 1"):
        solve_ot(b, a, M, method=method)


# -- test_emd_emd2 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", SQUARE_ENGINES)
def test_emd_emd2_identity(method):
    n = 100
    (x,) = _points(0, n)
    u = ot.utils.unif(n)
    M = ot.dist(x, x)
    res = solve_ot(u, u, M, method=method)
    np.testing.assert_allclose(res.plan, np.eye(n) / n)
    assert_marginals(res.plan, u, u)
    np.testing.assert_allclose(res.value, 0)
    assert_certified_exact(res, Fraction(0))
    assert_dual_optimality(res, u, u, M, 0.0)


# -- test_emd_empty, test_emd2_backends([], [], M) -------------------------------------------------


def test_emd_empty_lists_are_refused():
    """POT reads ``[]`` as "uniform"; otcheck asks for the weights and says which argument was empty."""
    (x,) = _points(0, 100)
    M = ot.dist(x, x)
    u = ot.utils.unif(100)
    with pytest.raises(ValueError, match=r"^a: is empty"):
        solve_ot([], [], M)
    with pytest.raises(ValueError, match=r"^b: is empty"):
        solve_ot(u, [], M)
    with pytest.raises(ValueError, match=r"^a: is empty"):
        certify([], u, M, np.eye(100) / 100, np.zeros(100), np.zeros(100))


def test_emd_uniform_by_omission():
    """otcheck's spelling of POT's ``ot.emd([], [], M)``: a measure built without weights is uniform."""
    n = 100
    (x,) = _points(0, n)
    res = otcheck.wasserstein(otcheck.DiscreteMeasure(x), otcheck.DiscreteMeasure(x))
    np.testing.assert_allclose(res.plan, np.eye(n) / n)
    assert_marginals(res.plan, ot.utils.unif(n), ot.utils.unif(n))
    np.testing.assert_allclose(res.value, 0)
    assert_certified_exact(res, Fraction(0))


# -- test_emd_emd2_types_devices (numpy types) ------------------------------------------------------


def test_emd_emd2_float_types():
    n = 100
    x, y = _points(0, n, clouds=2)
    a = ot.utils.unif(n)
    M = ot.dist(x, y)

    res = solve_ot(a, a, M)
    assert isinstance(res.value, float) and res.plan.dtype == np.float64
    assert_certified_near(res, ot.emd2(a, a, M))
    assert_certified_exact(res, exact_assignment_cost(M))

    a32, M32 = a.astype(np.float32), M.astype(np.float32)
    off = abs(float(a32.astype(np.float64).sum()) - 1.0)
    assert 1e-9 < off < 1e-5  # float32 rounding of 1/100, outside otcheck's mass tolerance
    with pytest.raises(ValueError, match=r"^a: weights sum to .*float32 weights round like this"):
        solve_ot(a32, a32, M32)
    # what the message asks for: float64 weights divided by their sum
    a_fixed = a32.astype(np.float64) / a32.astype(np.float64).sum()
    res32 = solve_ot(a_fixed, a_fixed, M32)
    assert_certified_near(res32, ot.emd2(a32, a32, M32), rtol=1e-6)
    assert_certified_exact(res32, exact_assignment_cost(M32))


# -- test_emd2_multi ------------------------------------------------------------------------------


def _multi_instance():
    n = 500
    x = np.arange(n, dtype=np.float64)
    a = make_1D_gauss(n, m=20, s=5)
    means = np.arange(20, 500, 100)
    B = np.stack([make_1D_gauss(n, m=mu, s=10) for mu in means], axis=1)
    M = ot.dist(x.reshape((n, 1)), x.reshape((n, 1)))
    return x, a, B, M


@pytest.mark.parametrize("column", range(5))
def test_emd2_multi(column):
    x, a, B, M = _multi_instance()
    b = B[:, column]
    expected = ot.emd2(a, B, M)[column]  # POT's multi-histogram emd2, one value per column
    exact = exact_monotone_cost(x, x, a, b, 2)
    for method in ("emd", "auto"):
        res = solve_ot(a, b, M, method=method)
        assert_certified_near(res, expected)
        assert_certified_exact(res, exact)
        assert_marginals(res.plan, a, b, atol=1e-12)
        assert_dual_optimality(res, a, b, M, res.value)


# -- test_warnings ----------------------------------------------------------------------------------


def _warnings_instance():
    n = m = 100
    x = np.arange(n, dtype=np.float64)
    y = np.arange(m, dtype=np.float64)
    a = make_1D_gauss(n, m=30, s=5)
    b = make_1D_gauss(m, m=50, s=10)
    M = ot.dist(x.reshape((-1, 1)), y.reshape((-1, 1))) ** (1.0 / 2)
    return x, y, a, b, M


def test_numitermax_early_stop_is_never_returned_silently():
    x, y, a, b, M = _warnings_instance()

    # POT's expectation: an early stop only warns, and its plan is then not an optimal one
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        G, log = ot.emd(a, b, M, numItermax=1, log=True)
    assert "numItermax" in str(caught[-1].message)
    assert not certify(a, b, M, G, log["u"], log["v"]).ok

    # otcheck: no retry left -> an error naming the limit, never the early-stopped plan
    with pytest.raises(UncertifiedError, match=r"numItermax=1\b") as info:
        solve_ot(a, b, M, method="emd", num_iter_max=1, max_retries=0)
    assert info.value.certificate is None
    with pytest.raises(UncertifiedError, match=r"numItermax=10\b"):
        solve_ot(a, b, M, method="emd", num_iter_max=1, max_retries=1)

    # with retries: the certified optimum (W1 on the line, scipy), and POT's warning does not leak
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = solve_ot(a, b, M, method="emd", num_iter_max=1)
    assert not [w for w in caught if "numItermax" in str(w.message)]
    assert_certified_near(res, wasserstein_distance(x, y, a, b))
    assert_certified_near(res, ot.emd2(a, b, M))
    assert_certified_exact(res, exact_monotone_cost(x, y, a, b, 1))


# -- test_dual_variables --------------------------------------------------------------------------


def test_dual_variables():
    n, m = 500, 600
    mean1, mean2 = 300, 400
    x = np.arange(n, dtype=np.float64)
    y = np.arange(m, dtype=np.float64)
    a = make_1D_gauss(n, m=mean1, s=5)
    b = make_1D_gauss(m, m=mean2, s=10)
    M = ot.dist(x.reshape((-1, 1)), y.reshape((-1, 1))) ** (1.0 / 2)

    res = solve_ot(a, b, M, method="emd")
    res_t = solve_ot(b, a, np.ascontiguousarray(M.T), method="emd")

    cost1 = float((res.plan * M).sum())
    np.testing.assert_array_almost_equal(cost1, float((M * res_t.plan.T).sum()))  # symmetry
    np.testing.assert_almost_equal(cost1, np.abs(mean1 - mean2))  # W1 of the two Gaussians
    np.testing.assert_almost_equal(cost1, res.value)
    # POT's closed form, to POT's tolerance (decimal=7), inside both certified intervals
    assert_certified_near(res, float(np.abs(mean1 - mean2)), rtol=0, atol=1.5e-7)
    assert_certified_near(res_t, float(np.abs(mean1 - mean2)), rtol=0, atol=1.5e-7)
    exact = exact_monotone_cost(x, y, a, b, 1)
    assert_certified_exact(res, exact)
    assert_certified_exact(res_t, exact)

    assert_dual_optimality(res, a, b, M, res.value)
    u, v = res.potentials
    assert (u[:, None] + v[None, :] - M).max() < 1e-8


# -- test_emd_sparse_vs_dense, test_emd2_sparse_vs_dense -------------------------------------------


@pytest.mark.parametrize("method", SQUARE_ENGINES)
def test_emd_sparse_vs_dense(method):
    n1 = n2 = 100
    base, allowed, dense = forbidden_pair_costs(n1, n2, k=2, seed=42)
    a, b = ot.utils.unif(n1), ot.utils.unif(n2)

    # the sparse problem solved on its own graph, without the 1e8 idiom: an optimal perfect matching
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    rows, cols = np.nonzero(allowed)
    match_r, match_c = min_weight_full_bipartite_matching(csr_array((base[rows, cols], (rows, cols)), shape=(n1, n2)))
    sparse_value = sum(Fraction(float(c)) for c in base[match_r, match_c]) / n1

    res = solve_ot(a, b, dense, method=method)
    assert_certified_near(res, float(sparse_value), rtol=1e-5, atol=1e-7)
    assert_certified_exact(res, sparse_value)
    assert_marginals(res.plan, a, b, rtol=1e-5, atol=1e-7)
    # the returned plan is optimal to the certificate's tolerance, forbidden pairs included
    cert = res.certificate
    assert float((res.plan * dense).sum()) - cert.upper <= cert.tol * cert.scale


@pytest.mark.parametrize("method", ENGINES)
def test_emd2_sparse_vs_dense(method):
    n1, n2 = 100, 150
    base, allowed, dense = forbidden_pair_costs(n1, n2, k=2, seed=43)
    a, b = ot.utils.unif(n1), ot.utils.unif(n2)
    rows, cols = np.nonzero(allowed)
    sparse_value = sparse_lp_cost(a, b, rows, cols, base[rows, cols])

    res = solve_ot(a, b, dense, method=method)
    assert_certified_near(res, sparse_value, rtol=1e-5, atol=1e-7)  # POT's tolerance
    assert_certified_near(res, sparse_value, rtol=1e-12)  # the sparse LP is a vertex: agrees to rounding
    assert_marginals(res.plan, a, b, rtol=1e-5, atol=1e-7)
    cert = res.certificate
    assert float((res.plan * dense).sum()) - cert.upper <= cert.tol * cert.scale


def test_sparse_cost_matrix_is_refused_clearly():
    """POT accepts a scipy sparse cost matrix; otcheck takes dense costs only, so it must say that
    the *sparse matrix* is the problem (and not describe some other input)."""
    from scipy.sparse import coo_array

    base, allowed, _ = forbidden_pair_costs(20, 20, k=2, seed=42)
    a = ot.utils.unif(20)
    M_sparse = coo_array(base * allowed)
    with pytest.raises((TypeError, ValueError), match=r"^C: .*sparse"):
        solve_ot(a, a, M_sparse)


# -- test_emd__dual_warmstart, test_emd_lazy_warmstart, test_emd2_lazy_returns_sparse_plan,
#    test_emd_sparse_warmstart ----------------------------------------------------------------------


def _warmstart_instance():
    n = 100
    rng = np.random.RandomState(42)
    x = rng.randn(n, 2)
    y = rng.randn(n, 2)
    return x, y, ot.utils.unif(n), ot.utils.unif(n)


@pytest.mark.parametrize("method", SQUARE_ENGINES)
def test_emd_dual_warmstart_final_value(method):
    x, y, a, b = _warmstart_instance()
    M = ot.dist(x, y)
    G_cold, log_cold = ot.emd(a, b, M, log=True)

    res = solve_ot(a, b, M, method=method)
    np.testing.assert_allclose(res.plan, G_cold, rtol=1e-7, atol=1e-10)
    assert_certified_near(res, log_cold["cost"], rtol=1e-7)
    assert_certified_exact(res, exact_assignment_cost(M))
    np.testing.assert_allclose(res.plan.sum(1), a, atol=1e-7)
    np.testing.assert_allclose(res.plan.sum(0), b, atol=1e-7)


def test_emd_partial_duals_are_not_certified():
    """POT's warm start begins from an early-stopped (numItermax=100) plan and duals: otcheck's
    certificate rejects that pair instead of passing it on."""
    x, y, a, b = _warmstart_instance()
    M = ot.dist(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        G_partial, log_partial = ot.emd(a, b, M, numItermax=100, log=True)
    G_cold, log_cold = ot.emd(a, b, M, log=True)
    assert log_partial["result_code"] != log_cold["result_code"]  # POT did stop early
    assert not certify(a, b, M, G_partial, log_partial["u"], log_partial["v"]).ok
    assert certify(a, b, M, G_cold, log_cold["u"], log_cold["v"]).ok


def test_emd_lazy_warmstart_final_value():
    X_s, X_t, a, b = _warmstart_instance()
    expected = ot.emd2(a, b, ot.dist(X_s, X_t, metric="sqeuclidean"))
    res = otcheck.wasserstein(otcheck.DiscreteMeasure(X_s), otcheck.DiscreteMeasure(X_t), cost="sqeuclidean")
    assert_certified_near(res, expected, rtol=1e-7)
    assert_certified_exact(res, exact_assignment_cost(otcheck.cost_matrix(X_s, X_t)))
    assert res.plan.shape == (100, 100)


@pytest.mark.parametrize("method", ("auto", "emd", "highs"))
def test_emd2_lazy_plan(method):
    n_s, n_t = 12, 15
    rng = np.random.RandomState(42)
    X_s = rng.randn(n_s, 2)
    X_t = rng.randn(n_t, 2)
    a, b = ot.utils.unif(n_s), ot.utils.unif(n_t)
    M = ot.dist(X_s, X_t, metric="sqeuclidean")

    res = otcheck.wasserstein(otcheck.DiscreteMeasure(X_s), otcheck.DiscreteMeasure(X_t), method=method)
    assert_certified_near(res, ot.emd2(a, b, M), rtol=1e-10, atol=1e-10)
    assert res.plan.shape == (n_s, n_t)
    assert np.count_nonzero(res.plan) <= n_s + n_t
    assert_marginals(res.plan, a, b, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("method", ("auto", "emd", "highs", "assignment"))
def test_emd_sparse_warmstart_final_value(method):
    n = 100
    rng = np.random.RandomState(42)
    a, b = ot.utils.unif(n), ot.utils.unif(n)
    M = rng.rand(n, n)
    G_cold, log_cold = ot.emd(a, b, M, log=True)

    res = solve_ot(a, b, M, method=method)
    np.testing.assert_allclose(res.plan, G_cold, rtol=1e-7, atol=1e-10)
    assert_certified_near(res, log_cold["cost"], rtol=1e-7)
    assert_certified_exact(res, exact_assignment_cost(M))
    np.testing.assert_allclose(res.plan.sum(1), a, atol=1e-7)
    np.testing.assert_allclose(res.plan.sum(0), b, atol=1e-7)
    assert_dual_optimality(res, a, b, M, res.value)
