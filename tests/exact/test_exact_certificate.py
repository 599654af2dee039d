"""certify_exact proves optimality in rational arithmetic, and claims nothing it cannot prove."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from truth import brute_force_value as _brute_force_value

from otcheck import strategies as ots
from otcheck.exact import ExactCertificateError, certify_exact, solve_ot


def _fractions(x):
    return [Fraction(float(t)) for t in np.ravel(x)]


@given(ots.ot_problems(max_n=5, max_m=5, integer=True, zero_weights=True, ties=True))
def test_exact_certificate_proves_optimality_on_rational_instances(problem):
    a, b, C = problem
    for method in ("emd", "highs"):
        res = solve_ot(a, b, C, method=method)
        cert = certify_exact(a, b, C, res)
        assert cert.exact and cert.ok and cert.tol == 0.0
        assert isinstance(cert.exact_value, Fraction)
        assert float(cert.exact_value) == pytest.approx(res.cost, rel=1e-12, abs=1e-12)


@settings(max_examples=10)
@given(ots.ot_problems(max_n=3, max_m=3, integer=True, zero_weights=True))
def test_exact_value_equals_brute_force_over_vertices(problem):
    a, b, C = problem
    cert = certify_exact(a, b, C, solve_ot(a, b, C))
    Cf = [_fractions(row) for row in C]
    assert cert.exact_value == _brute_force_value(_fractions(a), _fractions(b), Cf)


def test_fractions_and_integer_masses_are_accepted():
    a = [Fraction(1, 3), Fraction(2, 3)]
    b = [Fraction(1, 6)] * 6
    C = [[abs(i - j) for j in range(6)] for i in range(2)]
    cert = certify_exact(a, b, C, solve_ot(a, b, C))
    assert cert.exact_value == _brute_force_value(a, b, [[Fraction(c) for c in row] for row in C])
    # integer counts: only equal totals are required
    counts_a = np.array([3, 1])
    counts_b = np.array([2, 2])
    Ci = np.array([[0, 5], [5, 0]])
    P = solve_ot(counts_a / 4, counts_b / 4, Ci).plan * 4
    cert = certify_exact(counts_a, counts_b, Ci, P)
    assert cert.exact_value == 5  # one unit moves at cost 5


def test_degenerate_support_is_completed_to_a_spanning_tree():
    # identity plan: n = 3 support cells, a spanning tree needs n + m - 1 = 5
    a = b = [Fraction(1, 3)] * 3
    C = [[0, 2, 2], [2, 0, 2], [2, 2, 0]]
    cert = certify_exact(a, b, C, np.eye(3) / 3)
    assert cert.exact_value == 0


def test_a_non_optimal_plan_is_not_proven():
    a = b = [Fraction(1, 2)] * 2
    C = [[0, 1], [1, 0]]
    anti = np.array([[0.0, 0.5], [0.5, 0.0]])
    with pytest.raises(ExactCertificateError, match="not optimal"):
        certify_exact(a, b, C, anti)


def test_a_proof_concerns_the_plan_rebuilt_on_the_support():
    # the float plan's support {(0,0), (1,1)} is completed by a tight zero-cost cell; the exact
    # plan on that tree is feasible and optimal. The proof is only handed out when the given plan
    # is itself a transport plan of (a, b) with that value: an "ok" must not describe a plan whose
    # columns carry (1/2, 1/2) instead of b.
    a = [Fraction(1, 2)] * 2
    b = [Fraction(1, 4), Fraction(3, 4)]
    with pytest.raises(ExactCertificateError, match="^plan: the given plan is not an optimal transport plan"):
        certify_exact(a, b, [[0, 0], [0, 0]], np.array([[0.5, 0.0], [0.0, 0.5]]))
    assert certify_exact(a, b, [[0, 0], [0, 0]], np.array([[0.25, 0.25], [0.0, 0.5]])).exact_value == 0


def test_a_support_that_is_not_a_feasible_basis_is_not_proven():
    a = [Fraction(1, 2)] * 2
    b = [Fraction(1, 4), Fraction(3, 4)]
    C = [[0, 1], [1, 0]]
    # support {(0,0), (0,1), (1,0)} is a spanning tree whose flows are forced: P01 = 3/4 > a_0,
    # and its duals (u = (0, 1), v = (0, 1)) violate u_1 + v_1 <= C_11 = 0
    wrong = np.array([[0.1, 0.4], [0.4, 0.0]])
    with pytest.raises(ExactCertificateError, match="negative entry"):
        certify_exact(a, b, C, wrong)


def test_inexact_float_weights_are_reported_not_rounded():
    a = np.array([0.1, 0.2, 0.7])  # floats whose exact binary values do not sum to 1
    assert sum(Fraction(x) for x in a) != 1
    b = np.array([0.25, 0.75])
    C = np.ones((3, 2))
    with pytest.raises(ExactCertificateError, match="total masses differ exactly"):
        certify_exact(a, b, C, solve_ot(a, b, C))


@pytest.mark.parametrize(
    "args, exc, message",
    [
        (([Fraction(-1), Fraction(2)], [1], [[0], [0]], np.ones((2, 1))), ValueError, "a: has a negative mass"),
        (([1], [1], [[float("nan")]], np.ones((1, 1))), ValueError, "C: contains a non-finite value"),
        (([1], [1], [[0, 1]], np.ones((1, 1))), ValueError, "C: has shape (1, 2), expected (1, 1)"),
        (([1], [1], [[0]], np.ones((2, 1))), ValueError, "plan: has shape (2, 1)"),
        (([], [1], [[0]], np.ones((1, 1))), ValueError, "a: is empty"),
        ((["x"], [1], [[0]], np.ones((1, 1))), TypeError, "a: expected integers, Fractions or floats"),
        (([True], [1], [[0]], np.ones((1, 1))), TypeError, "a: expected numbers, got a bool"),
    ],
)
def test_bad_input_to_certify_exact(args, exc, message):
    with pytest.raises(exc) as info:
        certify_exact(*args)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("n", [2, 4, 8])
def test_uniform_assignment_is_proven(n):
    a = np.full(n, 1.0 / n)  # 1/n is an exact binary float for powers of two
    C = np.arange(n * n, dtype=float).reshape(n, n) % 3
    res = solve_ot(a, a, C, method="assignment")
    assert certify_exact(a, a, C, res).exact_value == Fraction(res.cost)


@settings(max_examples=10)
@given(ots.ot_problems(min_n=2, max_n=4, min_m=2, max_m=4, integer=True, ties=True))
def test_interior_plans_from_clarabel_are_proven_on_zero_reduced_cost_cells(problem):
    a, b, C = problem
    res = solve_ot(a, b, C, method="lp", solver="CLARABEL")  # interior point: support may have cycles
    cert = certify_exact(a, b, C, res)
    assert cert.exact and float(cert.exact_value) == pytest.approx(res.cost, rel=1e-7, abs=1e-9)


def test_a_cyclic_support_is_proven():
    # the independent coupling of a zero-cost problem: every cell is in the support (cycles)
    a = np.array([0.25, 0.75])
    b = np.array([0.5, 0.25, 0.25])
    cert = certify_exact(a, b, np.zeros((2, 3), dtype=int), np.outer(a, b))
    assert cert.exact_value == 0


@pytest.mark.parametrize(
    "plan",
    [
        np.eye(2),  # the optimal support, twice the mass: used to get an exact "ok"
        np.array([[0.3, 0.0], [0.0, 0.7]]),  # the optimal support, wrong marginals
    ],
)
def test_a_wrong_plan_on_an_optimal_support_is_not_certified(plan):
    from fractions import Fraction

    half = [Fraction(1, 2)] * 2
    with pytest.raises(ExactCertificateError, match=r"^plan: the given plan is not an optimal transport plan"):
        certify_exact(half, half, [[0, 1], [1, 0]], plan)
    assert certify_exact(half, half, [[0, 1], [1, 0]], np.eye(2) / 2).exact_value == 0
