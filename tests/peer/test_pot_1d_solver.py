"""Peer suite: POT's 1-D exact-solver tests (``test/test_1d_solver.py`` of PythonOT/POT) run against otcheck.

POT's ``ot.emd_1d`` / ``ot.emd2_1d`` / ``ot.lp.wasserstein_1d`` correspond to otcheck's
``solve_ot_1d(x_a, x_b, a, b, cost)`` (the sorted coupling, certified) and to
``otcheck.wasserstein`` on 1-D measures. POT's ``metric="sqeuclidean"`` and
``wasserstein_1d(..., p=2)`` (which returns :math:`W_2^2`) are otcheck's ``cost="sqeuclidean"``
or ``cost=2``; ``metric="euclidean"`` / ``p=1`` are ``cost="euclidean"`` or ``cost=1``. Each test
checks POT's stated expectation and, what otcheck adds, an ``ok`` certificate whose interval
contains the reference (exactly for exact rational references, to POT's tolerance for POT and
scipy floats).

Ported (POT test -> test here):

* ``test_emd_1d_emd2_1d_with_weights`` -> ``test_emd_1d_emd2_1d_with_weights``, ``test_non_convex_cost_is_refused``
* ``test_wasserstein_1d`` (numpy) -> ``test_wasserstein_1d_against_scipy``, ``test_wasserstein_1d_translation``,
  ``test_wasserstein_1d_columns_scale``
* ``test_wasserstein_1d_type_devices``, ``test_emd1d_type_devices`` (numpy's float64/float32 only)
  -> ``test_1d_float_types``
* ``test_emd_1d_emd2_1d`` -> ``test_emd_1d_emd2_1d_uniform``, ``test_emd_1d_refusals``
* ``test_emd1d_dual_with_weights`` -> ``test_emd1d_dual_with_weights``
* ``test_emd1d_dual_backprop_batch`` (per column) -> ``test_emd1d_dual_columns``
* ``test_wasserstein_1d_plan`` (dense plan) -> ``test_wasserstein_1d_plan``

Also here: the 1-D engine on the histograms of POT's ``test_emd2_multi`` (a 1-D problem that POT
solves with ``ot.emd2``), ``test_quantile_engine_on_emd2_multi_histograms``, and a minimal
reproducer of what fails there, ``test_quantile_engine_certifies_a_long_negligible_tail``.

Not ported:

* ``test_wasserstein_1d_device_tf``, ``test_emd1d_device_tf`` -- TensorFlow devices.
* ``test_emd1d_dual_type_devices`` -- dtypes and devices of torch/jax dual tensors.
* ``test_index_quantile_function`` -- POT's ``quantile_function`` helper, no otcheck counterpart.
* The torch/jax/tf backend variants of the ported tests (``nx`` fixture), the ``AssertionError``
  that ``emd_1d_dual_backprop`` raises on numpy (a backend restriction) and the
  ``return_plans="coo_tuple"``/sparse plan formats of ``wasserstein_1d``: backends and output formats.
"""

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
    exact_monotone_cost,
)
from scipy.stats import wasserstein_distance

import otcheck
from otcheck.exact import solve_ot, solve_ot_1d


def _weighted_instance():
    n, m = 20, 30
    rng = np.random.RandomState(0)
    u = rng.randn(n, 1)
    v = rng.randn(m, 1)
    w_u = rng.uniform(0.0, 1.0, n)
    w_u = w_u / w_u.sum()
    w_v = rng.uniform(0.0, 1.0, m)
    w_v = w_v / w_v.sum()
    return u, v, w_u, w_v


def _histograms(n=100):
    rng = np.random.RandomState(0)
    x = np.linspace(0, 5, n)
    rho_u = np.abs(rng.randn(n))
    rho_u /= rho_u.sum()
    rho_v = np.abs(rng.randn(n))
    rho_v /= rho_v.sum()
    return x, rho_u, rho_v


# -- test_emd_1d_emd2_1d_with_weights ---------------------------------------------------------------


def test_emd_1d_emd2_1d_with_weights():
    u, v, w_u, w_v = _weighted_instance()
    M = ot.dist(u, v, metric="sqeuclidean")
    G, log = ot.emd(w_u, w_v, M, log=True)

    res = solve_ot_1d(u, v, w_u, w_v, cost="sqeuclidean")
    assert res.method == "quantile"
    assert_certified_near(res, log["cost"])  # 1-D solver == network simplex
    assert_certified_near(solve_ot(w_u, w_v, M, method="emd"), res.value)

    res_euc = solve_ot_1d(u, v, w_u, w_v, cost="euclidean")
    assert_certified_near(res_euc, wasserstein_distance(u.reshape((-1,)), v.reshape((-1,)), w_u, w_v))

    assert_marginals(res.plan, w_u, w_v)
    assert_marginals(res_euc.plan, w_u, w_v)
    np.testing.assert_allclose(res.plan, G, atol=1e-12)  # generic data: the optimal plan is unique


def test_non_convex_cost_is_refused():
    """POT raises ValueError for a metric that is not Minkowski; otcheck for a cost that is not
    convex in ``x - y``, where the sorted coupling is not optimal."""
    u, v, w_u, w_v = _weighted_instance()
    for cost in ("cosine", 0.5):
        with pytest.raises(ValueError, match=r"^cost: the quantile coupling needs a cost convex in x - y"):
            solve_ot_1d(u, v, w_u, w_v, cost=cost)
    with pytest.raises(ValueError, match=r"^method: 'quantile' needs 1-D measures and a cost convex"):
        otcheck.wasserstein(
            otcheck.DiscreteMeasure(u, w_u), otcheck.DiscreteMeasure(v, w_v), cost=0.5, method="quantile"
        )


# -- test_wasserstein_1d ----------------------------------------------------------------------------


def test_wasserstein_1d_against_scipy():
    x, rho_u, rho_v = _histograms()
    expected = wasserstein_distance(x, x, rho_u, rho_v)
    for cost in (1, "euclidean"):
        res = solve_ot_1d(x, x, rho_u, rho_v, cost=cost)
        np.testing.assert_almost_equal(res.value, expected)
        assert_certified_near(res, expected, rtol=0, atol=1.5e-7)
    res = otcheck.wasserstein(otcheck.DiscreteMeasure(x, rho_u), otcheck.DiscreteMeasure(x, rho_v), cost=1)
    assert res.method == "quantile"
    assert_certified_near(res, expected, rtol=0, atol=1.5e-7)


def test_wasserstein_1d_translation():
    """Translating the support by 1: W_2^2 = 1 (closed form), inside the certified interval."""
    x, _, _ = _histograms()
    res = solve_ot_1d(x, x + 1, cost=2)
    np.testing.assert_almost_equal(res.value, 1.0)
    assert_certified_near(res, 1.0, rtol=0, atol=1.5e-7)
    # on an integer grid the closed form is exact, and the interval must contain it exactly
    grid = np.arange(100.0)
    assert_certified_exact(solve_ot_1d(grid, grid + 1, cost=2), Fraction(1))


def test_wasserstein_1d_columns_scale():
    """POT's batched call on two columns, the second the first times 10: W_2^2 scales by 100."""
    n = 100
    _, rho_u, rho_v = _histograms(n)
    X = np.stack((np.linspace(0, 5, n), np.linspace(0, 5, n) * 10), -1)
    res = [solve_ot_1d(X[:, k], X[:, k], rho_u, rho_v, cost=2) for k in range(2)]
    np.testing.assert_almost_equal(100 * res[0].value, res[1].value, decimal=4)
    reference = ot.wasserstein_1d(X, X, rho_u, rho_v, p=2)
    for k in range(2):
        assert_certified_near(res[k], float(reference[k]))


# -- test_wasserstein_1d_type_devices, test_emd1d_type_devices (numpy types) ------------------------


@pytest.mark.parametrize("dtype", (np.float64, np.float32))
def test_1d_float_types(dtype):
    x, rho_u, rho_v = _histograms(10)
    xb, ub, vb = x.astype(dtype), rho_u.astype(dtype), rho_v.astype(dtype)
    off = abs(float(ub.astype(np.float64).sum()) - 1.0)
    if off > 1e-9:  # float32: the rounded weights no longer sum to one within otcheck's tolerance
        assert dtype == np.float32
        with pytest.raises(ValueError, match=r"^a: weights sum to .*float32 weights round like this"):
            solve_ot_1d(xb, xb, ub, vb, cost=1)
        with pytest.raises(ValueError, match=r"^weights: weights sum to "):
            otcheck.DiscreteMeasure(xb, ub)
        ub = ub.astype(np.float64) / ub.astype(np.float64).sum()
        vb = vb.astype(np.float64) / vb.astype(np.float64).sum()
    else:
        assert dtype == np.float64
    res = solve_ot_1d(xb, xb, ub, vb, cost=1)
    assert isinstance(res.value, float) and res.plan.dtype == np.float64
    rtol = 1e-7 if dtype == np.float64 else 1e-5
    assert_certified_near(res, float(ot.wasserstein_1d(x, x, rho_u, rho_v, p=1)), rtol=rtol)
    res2 = solve_ot_1d(xb, xb, ub, vb)
    assert_certified_near(res2, float(ot.emd2_1d(x, x, rho_u, rho_v)), rtol=rtol)


# -- test_emd_1d_emd2_1d ----------------------------------------------------------------------------


def _uniform_instance():
    n, m = 20, 30
    rng = np.random.RandomState(0)
    return rng, rng.randn(n, 1), rng.randn(m, 1)


def test_emd_1d_emd2_1d_uniform():
    _, u, v = _uniform_instance()
    n, m = len(u), len(v)
    M = ot.dist(u, v, metric="sqeuclidean")
    G, log = ot.emd([], [], M, log=True)

    res = solve_ot_1d(u, v)  # weights omitted: uniform, POT's []
    assert_certified_near(res, log["cost"])
    assert_certified_near(res, ot.emd2_1d(u, v, [], [], metric="sqeuclidean"))
    res_euc = solve_ot_1d(u, v, cost="euclidean")
    assert_certified_near(res_euc, wasserstein_distance(u.reshape((-1,)), v.reshape((-1,))))

    assert_marginals(res.plan, np.ones((n,)) / n, np.ones((m,)) / m)
    np.testing.assert_allclose(res.plan, G, atol=1e-15)


def test_emd_1d_refusals():
    """POT's ``[]`` weights mean "uniform", and 2-D atoms raise an AssertionError; otcheck wants the
    weights omitted, and says which argument is wrong."""
    rng, u, v = _uniform_instance()
    with pytest.raises(ValueError, match=r"^a: is empty"):
        solve_ot_1d(u, v, [], [])
    with pytest.raises(ValueError, match=r"^b: is empty"):
        solve_ot_1d(u, v, None, [])
    u2 = rng.randn(20, 2)
    v2 = rng.randn(30, 2)
    with pytest.raises(ValueError, match=r"^x_a: the quantile engine needs one-dimensional atoms"):
        solve_ot_1d(u2, v2)
    with pytest.raises(ValueError, match=r"^x_b: the quantile engine needs one-dimensional atoms"):
        solve_ot_1d(u, v2)


# -- test_emd1d_dual_with_weights, test_emd1d_dual_backprop_batch -----------------------------------


def test_emd1d_dual_with_weights():
    u, v, w_u, w_v = _weighted_instance()
    M = ot.dist(u, v, metric="sqeuclidean")
    G, log = ot.emd(w_u, w_v, M, log=True)

    res = solve_ot_1d(u, v, w_u, w_v, cost=2)
    assert_certified_near(res, log["cost"])
    f, g = res.potentials
    np.testing.assert_allclose(log["cost"], float(f @ w_u + g @ w_v))
    assert_dual_optimality(res, w_u, w_v, M, log["cost"])


def test_emd1d_dual_columns():
    n = 20
    rng = np.random.RandomState(0)
    rho_u = np.abs(rng.randn(n))
    rho_u /= rho_u.sum()
    rho_v = np.abs(rng.randn(n))
    rho_v /= rho_v.sum()
    X = np.stack((np.linspace(0, 5, n), np.linspace(0, 5, n) * 10), -1)

    res = []
    for k in range(2):
        r = solve_ot_1d(X[:, k], X[:, k], rho_u, rho_v, cost=2)
        f, g = r.potentials
        np.testing.assert_allclose(float(f @ rho_u + g @ rho_v), r.value)
        assert_dual_optimality(r, rho_u, rho_v, ot.dist(X[:, k : k + 1], X[:, k : k + 1]), r.value)
        assert_certified_near(r, ot.emd2(rho_u, rho_v, ot.dist(X[:, k : k + 1], X[:, k : k + 1])))
        res.append(r)
    np.testing.assert_almost_equal(100 * res[0].value, res[1].value, decimal=4)


# -- test_wasserstein_1d_plan ------------------------------------------------------------------------


def test_wasserstein_1d_plan():
    n, m, d = 10, 4, 1
    rng = np.random.RandomState(0)
    x = rng.randn(n, d)
    y = rng.randn(m, d)
    a = rng.uniform(0, 1, n)
    a /= a.sum()
    b = rng.uniform(0, 1, m)
    b /= b.sum()

    res = solve_ot_1d(x, y, a, b, cost=2)
    plan_emd = ot.emd(a, b, ot.dist(x, y))
    np.testing.assert_allclose(res.plan, plan_emd, atol=1e-05)
    assert_certified_near(res, float((plan_emd * ot.dist(x, y)).sum()))


# -- the 1-D engine on POT's test_emd2_multi histograms ---------------------------------------------


@pytest.mark.parametrize("column", range(5))
def test_quantile_engine_on_emd2_multi_histograms(column):
    """POT's ``test_emd2_multi`` problem is one-dimensional (bins on a line, squared distance):
    otcheck's 1-D engine must certify it, with the exact optimum inside its interval, as the
    network simplex engine does (``test_pot_ot.py::test_emd2_multi``)."""
    n = 500
    x = np.arange(n, dtype=np.float64)
    a = make_1D_gauss(n, m=20, s=5)
    b = make_1D_gauss(n, m=20 + 100 * column, s=10)
    exact = exact_monotone_cost(x, x, a, b, 2)
    res = solve_ot_1d(x, x, a, b)
    assert_certified_exact(res, exact)
    res_w = otcheck.wasserstein(otcheck.DiscreteMeasure(x, a), otcheck.DiscreteMeasure(x, b))
    assert_certified_exact(res_w, exact)


def test_quantile_engine_certifies_a_long_negligible_tail():
    """Minimal form of the failure above: 65 atoms whose masses are below the rounding of the
    cumulative sums. The sorted coupling is optimal; the network simplex engine certifies it."""
    tail = 1e-18 * 0.5 ** np.arange(65)
    a = np.r_[0.3, 0.7, tail]
    b = np.r_[0.6, 0.4, tail]
    x = np.arange(a.size, dtype=np.float64)
    exact = exact_monotone_cost(x, x, a, b, 2)
    assert_certified_exact(solve_ot(a, b, otcheck.cost_matrix(x, x), method="emd"), exact)
    assert_certified_exact(solve_ot_1d(x, x, a, b), exact)
