"""All engines behind solve_ot agree, and every result they return is certified."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otcheck import DiscreteMeasure, cost_matrix
from otcheck import strategies as ots
from otcheck.exact import METHODS, OTResult, certify, solve_ot, solve_ot_1d, wasserstein
from otcheck.exact.solve import AUTO_ASSIGNMENT_MAX_N

GENERAL = ("emd", "lp", "highs")


def _check_result(res, a, b, C):
    assert isinstance(res, OTResult)
    assert res.certificate.ok, str(res.certificate)
    # the certificate is recomputed from the returned arrays: it is derived, not trusted
    again = certify(a, b, C, res.plan, res.u, res.v)
    assert again.ok, str(again)
    assert res.cost == pytest.approx(float((res.plan * C).sum()), rel=1e-12, abs=1e-300)


def _agree(values, scale):
    # Each value is certified to 1e-8 relative to its certificate's scale (the size of the numbers
    # in the primal and dual sums); two of them agree to twice that.
    ref = values["emd"]
    for name, val in values.items():
        assert abs(val - ref) <= 2e-8 * max(abs(ref), scale), (name, values)


@given(ots.ot_problems(max_n=5, max_m=5, zero_weights=True))
def test_all_engines_agree_and_certify(problem):
    a, b, C = problem
    values, scales = {}, []
    for method in GENERAL:
        res = solve_ot(a, b, C, method=method)
        assert res.method == method
        _check_result(res, a, b, C)
        values[method] = res.cost
        scales.append(res.certificate.scale)
    _agree(values, max(scales))


@given(ots.ot_problems(max_n=4, max_m=4, ties=True, integer=True))
def test_degenerate_problems_with_ties(problem):
    a, b, C = problem
    values = {m: solve_ot(a, b, C, method=m).cost for m in GENERAL}
    _agree(values, float(C.max()))


@given(st.integers(1, 6).flatmap(lambda n: st.tuples(st.just(n), ots.cost_matrices(n, n, ties=True))))
def test_assignment_matches_emd_on_uniform_square_problems(args):
    n, C = args
    a = np.full(n, 1.0 / n)
    res = solve_ot(a, a, C, method="assignment")
    _check_result(res, a, a, C)
    # the plan is a permutation matrix divided by n
    assert np.all((res.plan == 0) | (res.plan == 1.0 / n))
    np.testing.assert_array_equal((res.plan > 0).sum(0), np.ones(n))
    ref = solve_ot(a, a, C, method="emd").cost
    assert res.cost == pytest.approx(ref, rel=1e-8, abs=1e-12)


def test_assignment_on_a_larger_random_instance():
    rng = np.random.default_rng(0)
    n = 120
    C = cost_matrix(rng.normal(size=(n, 2)), rng.normal(size=(n, 2)))
    a = np.full(n, 1.0 / n)
    res = solve_ot(a, a, C, method="assignment")
    _check_result(res, a, a, C)
    assert res.cost == pytest.approx(solve_ot(a, a, C, method="emd").cost, rel=1e-10)


def test_clarabel_through_cvxpy_is_certified():
    rng = np.random.default_rng(1)
    a = rng.dirichlet(np.ones(6))
    b = rng.dirichlet(np.ones(5))
    C = rng.uniform(size=(6, 5))
    res = solve_ot(a, b, C, method="lp", solver="CLARABEL")
    _check_result(res, a, b, C)
    assert res.cost == pytest.approx(solve_ot(a, b, C, method="emd").cost, rel=1e-8)


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
@pytest.mark.parametrize("method", GENERAL)
def test_tiny_and_huge_cost_scales(method, scale):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(7, 2)) * scale
    Y = rng.normal(size=(6, 2)) * scale
    C = cost_matrix(X, Y)
    a = rng.dirichlet(np.ones(7))
    b = rng.dirichlet(np.ones(6))
    res = solve_ot(a, b, C, method=method)
    _check_result(res, a, b, C)
    # W_2^2 scales like scale**2: compare with the unit-scale problem solved by the reference engine
    ref = solve_ot(a, b, cost_matrix(X / scale, Y / scale), method="emd").cost
    assert res.cost / scale**2 == pytest.approx(ref, rel=1e-8)


@settings(max_examples=15)
@given(
    ots.measures(dim=1, max_atoms=7, duplicates=True, zero_weights=True),
    ots.measures(dim=1, max_atoms=7),
    st.sampled_from(["sqeuclidean", "euclidean", 1.0, 1.5, 3.0]),
)
def test_quantile_coupling_is_optimal(mu, nu, cost):
    res = wasserstein(mu, nu, cost=cost, method="quantile")
    assert res.method == "quantile"
    C = cost_matrix(mu.atoms, nu.atoms, cost=cost)
    _check_result(res, mu.weights, nu.weights, C)
    ref = solve_ot(mu.weights, nu.weights, C, method="emd").cost
    assert res.cost == pytest.approx(ref, rel=1e-8, abs=1e-12)


@given(ots.measures(dim=1, max_atoms=6, scale=1e6), ots.measures(dim=1, max_atoms=6, scale=1e6))
def test_quantile_at_huge_scale(mu, nu):
    res = wasserstein(mu, nu)  # auto: 1-D and squared cost -> quantile
    assert res.method == "quantile" and res.certificate.ok


def test_quantile_plan_is_monotone_and_in_the_given_order():
    x = np.array([3.0, -1.0, 2.0, 0.0])
    y = np.array([10.0, -5.0])
    res = solve_ot_1d(x, y, np.full(4, 0.25), [0.5, 0.5])
    # the two smallest x go to the smallest y, whatever the input order
    np.testing.assert_allclose(res.plan, [[0.25, 0.0], [0.0, 0.25], [0.25, 0.0], [0.0, 0.25]])
    assert res.cost == pytest.approx(0.25 * (49 + 16 + 64 + 25))


def test_auto_picks_an_engine_that_fits():
    a = np.full(3, 1 / 3)
    C = np.arange(9.0).reshape(3, 3)
    assert solve_ot(a, a, C).method == "assignment"
    assert solve_ot(a, [0.5, 0.5], C[:, :2]).method == "emd"
    n = AUTO_ASSIGNMENT_MAX_N + 1
    assert solve_ot(np.full(n, 1 / n), np.full(n, 1 / n), np.ones((n, n))).method == "emd"
    mu = DiscreteMeasure([[0.0, 0.0], [1.0, 0.0]])
    assert wasserstein(mu, mu).method in {"assignment", "emd"}
    one_d = DiscreteMeasure([0.0, 1.0])
    assert wasserstein(one_d, one_d, cost=0.5).method != "quantile"  # |x-y|^0.5 is not convex
    assert set(METHODS) == {"auto", "emd", "lp", "highs", "assignment", "sparse"}


def test_results_are_frozen():
    res = solve_ot([1.0], [1.0], [[2.0]])
    with pytest.raises(AttributeError):
        res.cost = 0.0
    with pytest.raises(AttributeError):
        res.certificate.gap = 1.0


def test_integer_and_fraction_inputs_are_accepted():
    from fractions import Fraction

    res = solve_ot(np.array([1]), np.array([0, 1]), np.array([[3, 1]]), method="highs")
    assert res.cost == 1.0
    res = solve_ot([Fraction(1, 2), Fraction(1, 2)], [Fraction(1)], [[Fraction(1, 3)], [1]])
    assert res.cost == pytest.approx(2 / 3)


@pytest.mark.parametrize("method, options", [("emd", {}), ("highs", {}), ("lp", {}), ("lp", {"solver": "CLARABEL"})])
def test_zero_cost_matrix_is_certified_by_every_engine(method, options):
    # any coupling is optimal; the duals' gauge (u + c, v - c) must not turn rounding into a gap
    a = np.array([0.25, 0.25, 0.5])
    b = np.array([0.5, 0.5])
    res = solve_ot(a, b, np.zeros((3, 2)), method=method, **options)
    assert res.cost == 0.0 and res.certificate.ok


@pytest.mark.parametrize("method", ["lp", "highs"])
def test_costs_below_the_highs_tolerance_are_certified_by_a_tight_retry(method):
    # found by the thorough hypothesis profile: a cost 1.19e-7 beside costs 1 is below HiGHS's
    # default feasibility tolerance (1e-7); the engine retries at 1e-10 and certifies
    a = np.array([0.0, 0.5, 0.0, 0.0, 0.5])
    b = np.full(3, 1 / 3)
    C = np.zeros((5, 3))
    C[1, 0] = C[4, 0] = 1.0
    C[4, 1] = 1.1920929e-07
    res = solve_ot(a, b, C, method=method)
    assert res.certificate.ok
    assert res.cost == pytest.approx(solve_ot(a, b, C, method="emd").cost, rel=1e-12)


def test_returned_duals_recertify_when_a_zero_weight_row_dominates_the_potentials():
    """Found by the thorough hypothesis profile: the optimum is 3.5e-63, a zero-weight row's potential
    is 1; balancing max u against max v on that row shifted every potential by 0.5 and rounded the
    3.5e-63 away (lower bound 0). The gauge is balanced on the rows and columns of positive weight."""
    a, b = np.array([1.0, 0.0, 0.0]), np.array([1.0, 0.0])
    C = np.array([[3.51580651478e-63, 0.0], [0.0, 0.0], [1.0, 1.0]])
    for method in GENERAL:
        res = solve_ot(a, b, C, method=method)
        _check_result(res, a, b, C)
        assert res.certificate.lower == res.certificate.upper == C[0, 0]


def _ties_instance():
    """1-D Euclidean points with duplicates and ties: the min cost flow's optimal plans have cycles."""
    X = np.array([0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 1.5, 0.25, -1.0])
    Y = np.array([0, 0, 0, 1, 2, 2, 2, 2, 2, 3, 1.25, 2.25, 2.125, 0.5, 0.75, 0.125, -2, -1.875, -0.015625])
    return DiscreteMeasure(X), DiscreteMeasure(Y)


def test_sparse_auto_solves_again_with_the_simplex_when_the_flow_plan_is_not_certified(monkeypatch):
    """Without the basic-plan step the flow's plan has cycles and is not certified: solver='auto' solves
    again with the network simplex; a forced solver='min_cost_flow' refuses (never a wrong number)."""
    pytest.importorskip("ortools")
    from otcheck.exact import UncertifiedError, _flow

    mu, nu = _ties_instance()
    ref = wasserstein(mu, nu, cost="euclidean", method="emd")
    monkeypatch.setattr(_flow, "basic_flow", lambda nodes, tail, head, flow, cost, tie: flow)
    res = wasserstein(mu, nu, cost="euclidean", method="sparse")
    assert res.certificate.ok and res.info["solver"] == "network_simplex"
    assert max(res.certificate.lower, ref.certificate.lower) <= min(res.certificate.upper, ref.certificate.upper)
    with pytest.raises(UncertifiedError):
        wasserstein(mu, nu, cost="euclidean", method="sparse", solver="min_cost_flow")


def test_sparse_auto_solves_again_with_the_simplex_when_the_flow_fails(monkeypatch):
    """An UncertifiedError inside the min cost flow's rounds (OR-Tools' cost range, rounds run out) is
    not final under solver='auto': the network simplex solves again; a forced solver reports it."""
    pytest.importorskip("ortools")
    from otcheck.exact import UncertifiedError, _flow

    def fails(*args, **kwargs):
        raise UncertifiedError("min cost flow: BAD_COST_RANGE at every precision")

    rng = np.random.default_rng(3)
    mu, nu = DiscreteMeasure(rng.normal(size=(40, 2))), DiscreteMeasure(rng.normal(size=(50, 2)))
    ref = wasserstein(mu, nu, method="emd")
    monkeypatch.setattr(_flow, "restricted_flow", fails)
    res = wasserstein(mu, nu, method="sparse")
    assert res.certificate.ok and res.info["solver"] == "network_simplex"
    assert max(res.certificate.lower, ref.certificate.lower) <= min(res.certificate.upper, ref.certificate.upper)
    with pytest.raises(UncertifiedError, match="BAD_COST_RANGE"):
        wasserstein(mu, nu, method="sparse", solver="min_cost_flow")
