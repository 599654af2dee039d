"""Every bad input named in the issue raises ValueError/TypeError naming the argument and the problem."""

import re

import numpy as np
import pytest

from otcheck import DiscreteMeasure, cost_matrix
from otcheck.exact import certify, solve_ot, solve_ot_1d, wasserstein

OK_A = [0.5, 0.5]
OK_C = [[0.0, 1.0], [1.0, 0.0]]
NAN = float("nan")
INF = float("inf")


def _raises(exc, message, fn, *args, **kwargs):
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    assert re.match(message, str(info.value)), str(info.value)


@pytest.mark.parametrize(
    "fn",
    [
        lambda a, b, C: solve_ot(a, b, C),
        lambda a, b, C: certify(a, b, C, np.eye(2) / 2, np.zeros(2), np.zeros(2)),
    ],
)
@pytest.mark.parametrize(
    "a, b, C, exc, message",
    [
        ([-0.5, 1.5], OK_A, OK_C, ValueError, r"a: has a negative weight -0\.5 at index 0"),
        (OK_A, [1.5, -0.5], OK_C, ValueError, r"b: has a negative weight -0\.5 at index 1"),
        ([NAN, 1.0], OK_A, OK_C, ValueError, r"a: contains a non-finite value \(nan\) at index \(0,\)"),
        (OK_A, [0.5, INF], OK_C, ValueError, r"b: contains a non-finite value \(inf\)"),
        ([0.5, 0.4], OK_A, OK_C, ValueError, r"a: weights sum to 0\.9, not 1 \(tolerance 1e-09\)"),
        (OK_A, [0.6, 0.6], OK_C, ValueError, r"b: weights sum to 1\.2, not 1"),
        (OK_A, OK_A, [[0.0, NAN], [1.0, 0.0]], ValueError, r"C: contains a non-finite value \(nan\) at index \(0, 1\)"),
        (
            OK_A,
            OK_A,
            [[0.0, 1.0], [-INF, 0.0]],
            ValueError,
            r"C: contains a non-finite value \(-inf\) at index \(1, 0\)",
        ),
        (
            OK_A,
            OK_A,
            [[0.0, 1.0, 2.0], [1.0, 0.0, 2.0]],
            ValueError,
            r"C: has shape \(2, 3\), expected \(2, 2\) \(len\(a\), len\(b\)\)",
        ),
        (OK_A, OK_A, [0.0, 1.0], ValueError, r"C: expected a 2-D array, got shape \(2,\)"),
        ([], OK_A, OK_C, ValueError, r"a: is empty"),
        (OK_A, [], OK_C, ValueError, r"b: is empty"),
        ([[0.5], [0.5]], OK_A, OK_C, ValueError, r"a: expected a 1-D array, got shape \(2, 1\)"),
        ("ab", OK_A, OK_C, TypeError, r"a: expected an array of numbers, got str"),
        (None, OK_A, OK_C, TypeError, r"a: expected an array, got None"),
        (OK_A, OK_A, [["x", "y"], ["z", "w"]], TypeError, r"C: expected real numbers, got dtype <U1"),
    ],
)
def test_bad_problem_data(fn, a, b, C, exc, message):
    _raises(exc, message, fn, a, b, C)


def test_bad_certificate_arrays():
    a = np.array(OK_A)
    _raises(
        ValueError,
        r"plan: has shape \(2, 3\), expected \(2, 2\)",
        certify,
        a,
        a,
        OK_C,
        np.zeros((2, 3)),
        np.zeros(2),
        np.zeros(2),
    )
    _raises(ValueError, r"u: has length 3, expected 2", certify, a, a, OK_C, np.eye(2) / 2, np.zeros(3), np.zeros(2))
    _raises(ValueError, r"v: has length 1, expected 2", certify, a, a, OK_C, np.eye(2) / 2, np.zeros(2), np.zeros(1))
    _raises(
        ValueError,
        r"plan: contains a non-finite value",
        certify,
        a,
        a,
        OK_C,
        [[NAN, 0], [0, 0.5]],
        np.zeros(2),
        np.zeros(2),
    )


def test_bad_method_and_options():
    _raises(
        ValueError, r"method: unknown engine 'simplex'; expected one of", solve_ot, OK_A, OK_A, OK_C, method="simplex"
    )
    _raises(ValueError, r"method: 'quantile' needs the atoms", solve_ot, OK_A, OK_A, OK_C, method="quantile")
    _raises(
        ValueError,
        r"method: 'assignment' needs n == m and uniform weights; got n=2, m=2 with non-uniform",
        solve_ot,
        [0.3, 0.7],
        OK_A,
        OK_C,
        method="assignment",
    )
    _raises(
        ValueError,
        r"method: 'assignment' needs n == m .* got n=2, m=1",
        solve_ot,
        OK_A,
        [1.0],
        [[0.0], [1.0]],
        method="assignment",
    )
    _raises(ValueError, r"tol: must be > 0, got 0\.0", solve_ot, OK_A, OK_A, OK_C, tol=0.0)
    _raises(
        ValueError,
        r"solver: expected one of \('HIGHS', 'CLARABEL'\), got 'SCS'",
        solve_ot,
        OK_A,
        OK_A,
        OK_C,
        method="lp",
        solver="SCS",
    )
    _raises(
        TypeError,
        r"options: engine 'emd' does not take 'bogus'; it takes num_iter_max, max_retries",
        solve_ot,
        OK_A,
        OK_A,
        OK_C,
        method="emd",
        bogus=1,
    )


def test_bad_measures():
    _raises(ValueError, r"atoms: is empty \(no points\)", DiscreteMeasure, [])
    _raises(
        ValueError, r"atoms: contains a non-finite value \(nan\) at index \(1, 0\)", DiscreteMeasure, [[0.0], [NAN]]
    )
    _raises(ValueError, r"weights: has length 3, expected 2", DiscreteMeasure, [0.0, 1.0], [0.2, 0.3, 0.5])
    _raises(ValueError, r"weights: has a negative weight -0\.25 at index 1", DiscreteMeasure, [0.0, 1.0], [1.25, -0.25])
    _raises(ValueError, r"weights: weights sum to 0\.75, not 1", DiscreteMeasure, [0.0, 1.0], [0.5, 0.25])
    _raises(ValueError, r"weights: contains a non-finite value \(nan\)", DiscreteMeasure, [0.0, 1.0], [NAN, 0.5])
    _raises(ValueError, r"weights: is empty", DiscreteMeasure, [0.0], [])
    _raises(ValueError, r"atoms: expected shape \(n, d\) or \(n,\), got \(1, 1, 1\)", DiscreteMeasure, [[[0.0]]])


def test_bad_cost_callables_and_names():
    X = np.zeros((3, 2))
    Y = np.ones((4, 2))
    _raises(
        ValueError,
        r"cost: the callable returned shape \(4, 3\), expected \(3, 4\)",
        cost_matrix,
        X,
        Y,
        cost=lambda x, y: np.zeros((len(y), len(x))),
    )
    _raises(
        ValueError,
        r"cost: the callable returned shape \(3,\), expected \(3, 4\)",
        cost_matrix,
        X,
        Y,
        cost=lambda x, y: np.zeros(len(x)),
    )
    _raises(
        ValueError,
        r"cost: the callable returned NaN or inf values",
        cost_matrix,
        X,
        Y,
        cost=lambda x, y: np.full((3, 4), NAN),
    )
    _raises(
        ValueError,
        r"cost: the callable returned a negative cost -1\.0",
        cost_matrix,
        X,
        Y,
        cost=lambda x, y: -np.ones((3, 4)),
    )
    _raises(
        TypeError,
        r"cost: the callable returned dtype <U1, expected real numbers",
        cost_matrix,
        X,
        Y,
        cost=lambda x, y: np.full((3, 4), "a"),
    )
    _raises(ValueError, r"cost: unknown name 'manhattan'", cost_matrix, X, Y, cost="manhattan")
    _raises(ValueError, r"cost: a power must be a finite number > 0, got -1", cost_matrix, X, Y, cost=-1)
    _raises(TypeError, r"cost: expected a name, a power p > 0 or a callable, got list", cost_matrix, X, Y, cost=[2])
    _raises(ValueError, r"Y: points have dimension 3, but X has dimension 2", cost_matrix, X, np.ones((4, 3)))
    _raises(ValueError, r"X: is empty \(no points\)", cost_matrix, np.zeros((0, 2)), Y)


def test_bad_wasserstein_and_quantile_calls():
    mu = DiscreteMeasure([0.0, 1.0])
    nu2 = DiscreteMeasure([[0.0, 0.0]])
    _raises(TypeError, r"mu: expected a DiscreteMeasure, got list", wasserstein, [0.0, 1.0], mu)
    _raises(ValueError, r"nu: has dimension 2, but mu has dimension 1", wasserstein, mu, nu2)
    _raises(
        ValueError,
        r"method: 'quantile' needs 1-D measures and a cost convex in x - y; got dimension 2",
        wasserstein,
        nu2,
        nu2,
        method="quantile",
    )
    _raises(ValueError, r"method: 'quantile' needs .* cost 0\.5", wasserstein, mu, mu, cost=0.5, method="quantile")
    _raises(
        ValueError,
        r"cost: the quantile coupling needs a cost convex in x - y",
        solve_ot_1d,
        [0.0],
        [1.0],
        a=[1.0],
        b=[1.0],
        cost=0.5,
    )
    _raises(
        ValueError,
        r"x_a: the quantile engine needs one-dimensional atoms",
        solve_ot_1d,
        [[0.0, 1.0]],
        [1.0],
        [1.0],
        [1.0],
    )
    _raises(ValueError, r"b: has length 2, expected 1", solve_ot_1d, [0.0], [1.0], [1.0], [0.5, 0.5])
    _raises(ValueError, r"x_b: is empty", solve_ot_1d, [0.0], [], [1.0], [1.0])


def test_solve_ot_1d_old_argument_order_is_deprecated_not_broken():
    with pytest.warns(DeprecationWarning, match=r"solve_ot_1d\(x, a, y, b\) is deprecated"):
        old = solve_ot_1d([0.0, 2.0], [0.25, 0.75], [3.0, 1.0, 5.0], [0.5, 0.25, 0.25])
    new = solve_ot_1d([0.0, 2.0], [3.0, 1.0, 5.0], [0.25, 0.75], [0.5, 0.25, 0.25])
    assert old.value == new.value and np.array_equal(old.plan, new.plan)
    with pytest.warns(FutureWarning, match="read both as"):  # ambiguous: read in POT's order, said aloud
        solve_ot_1d([0.5, 0.5], [0.2, 0.8], [0.4, 0.6], [0.5, 0.5])


def test_float32_and_torch_inputs_are_converted_at_the_boundary():
    torch = pytest.importorskip("torch")
    a = torch.tensor([0.5, 0.5], dtype=torch.float32)
    C = torch.tensor(OK_C)
    res = solve_ot(a, np.array(OK_A, dtype=np.float32), C)
    assert res.cost == 0.0 and res.plan.dtype == np.float64


@pytest.mark.parametrize(
    "fn, exc, message",
    [
        # booleans are not numbers here: a mask passed by mistake must not become weights or costs
        (
            lambda: solve_ot(np.array([True]), [1.0], [[1.0]]),
            TypeError,
            r"a: expected real numbers, got a boolean array",
        ),
        (lambda: solve_ot(OK_A, OK_A, np.eye(2, dtype=bool)), TypeError, r"C: expected real numbers, got a boolean"),
        (
            lambda: solve_ot(np.array([True], dtype=object), [1.0], [[1.0]]),
            TypeError,
            r"a: expected numbers, got an array of dtype object",
        ),
        (lambda: DiscreteMeasure(np.array([True, False])), TypeError, r"atoms: expected real numbers, got a boolean"),
        (
            lambda: cost_matrix([0.0, 1.0], [0.0, 1.0], cost=lambda x, y: np.eye(2, dtype=bool)),
            TypeError,
            r"cost: the callable returned dtype bool, expected real numbers",
        ),
        (
            lambda: cost_matrix([0.0, 1.0], [0.0, 1.0], cost=lambda x, y: [[0.0], [1.0, 0.0]]),
            ValueError,
            r"cost: the callable's result could not be read as an array",
        ),
        (lambda: solve_ot(OK_A, OK_A, np.eye(2) + 0j), TypeError, r"C: expected real numbers, got dtype complex128"),
        (lambda: solve_ot([0.5 + 0j, 0.5], OK_A, OK_C), TypeError, r"a: expected real numbers, got dtype complex128"),
        (lambda: solve_ot([[0.5, 0.5]], OK_A, OK_C), ValueError, r"a: expected a 1-D array, got shape \(1, 2\)"),
        # a scalar is not a probability vector nor a point cloud (it used to become a 1-atom array)
        (lambda: solve_ot(1.0, [1.0], [[1.0]]), ValueError, r"a: expected a 1-D array, got shape \(\)"),
        (lambda: DiscreteMeasure(3.0), ValueError, r"atoms: expected shape \(n, d\) or \(n,\), got \(\)"),
        # costs that overflow float64 are an error about the points, never an inf cost or a NaN certificate
        (
            lambda: cost_matrix([0.0, 1e200], [0.0]),
            ValueError,
            r"X, Y: the 'sqeuclidean' cost of these points overflows",
        ),
        (lambda: cost_matrix([0.0, 1e200], [0.0], cost=3), ValueError, r"X, Y: the 3 cost of these points overflows"),
        (lambda: cost_matrix(np.full((1, 20), 1e200), np.zeros((1, 20))), ValueError, r"X, Y: .* overflows"),
        (lambda: solve_ot_1d([0.0, 1e200], [0.0], OK_A, [1.0]), ValueError, r"X, Y: .* overflows"),
        (lambda: wasserstein(DiscreteMeasure([0.0, 1e200]), DiscreteMeasure([0.0])), ValueError, r"X, Y: .* overflows"),
    ],
)
def test_no_silent_coercion(fn, exc, message):
    _raises(exc, message, fn)


@pytest.mark.parametrize("method", ["emd", "lp", "highs", "assignment"])
def test_costs_near_the_float64_limit_are_solved_without_overflow(method):
    # sum(C) overflows: validation must not warn, and POT's simplex (which said "infeasible") gets C / 2**k
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = solve_ot(OK_A, OK_A, [[1.7e308, 1.7e308], [1.7e308, 0.0]], method=method)
    assert res.certificate.ok and res.cost == 0.5 * 1.7e308


def test_half_precision_torch_tensors_are_widened_exactly():
    torch = pytest.importorskip("torch")
    for dtype in (torch.bfloat16, torch.float16):
        a = torch.tensor([0.5, 0.5], dtype=dtype)
        assert solve_ot(a, a, torch.tensor(OK_C, dtype=dtype)).cost == 0.0
    with pytest.raises(TypeError, match=r"^a: expected real numbers, got a boolean"):
        solve_ot(torch.tensor([True]), [1.0], [[1.0]])


@pytest.mark.parametrize(
    "fn",
    [
        lambda tol: certify(OK_A, OK_A, OK_C, np.full((2, 2), 0.25), np.zeros(2), np.zeros(2), tol=tol),
        lambda tol: solve_ot_1d([0.0, 1.0], [1.0, 2.0], a=OK_A, b=OK_A, tol=tol),
        lambda tol: solve_ot(OK_A, OK_A, OK_C, tol=tol),
    ],
)
def test_certificate_tolerance_is_validated(fn):
    # certify(tol=inf) used to call a non-optimal coupling "ok"
    _raises(ValueError, r"tol: must be finite, got inf", fn, float("inf"))
    _raises(ValueError, r"tol: must be finite, got nan", fn, NAN)
    _raises(ValueError, r"tol: must be > 0, got -1\.0", fn, -1.0)
    _raises(TypeError, r"tol: expected a real number, got str", fn, "1e-8")


def test_measure_tolerance_is_validated():
    _raises(ValueError, r"tol: must be >= 0, got -1\.0", DiscreteMeasure, [0.0, 1.0], tol=-1.0)
    _raises(ValueError, r"tol: must be finite, got nan", DiscreteMeasure, [0.0, 1.0], [0.5, 0.5], tol=NAN)


def test_exact_numbers_beyond_float64_are_named():
    _raises(ValueError, r"C: a value does not fit in float64", solve_ot, [1.0], [1.0], [[10**400]])


def test_float32_rounding_of_the_mass_is_refused_with_a_hint():
    a = np.full(10, 0.1, dtype=np.float32)  # sums to 1.0000000149 in float64: never renormalized silently
    _raises(
        ValueError,
        r"a: weights sum to 1\.00000001.*float32 weights round like this",
        solve_ot,
        a,
        a,
        np.zeros((10, 10)),
    )
    cert = certify(OK_A, OK_A, OK_C, np.eye(2) / 2, np.zeros(2), np.zeros(2))
    assert "-0.0" not in str(cert)


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (-1, ValueError, r"^max_retries: expected an integer >= 0, got -1$"),
        (1.5, TypeError, r"^max_retries: expected an integer, got float 1.5$"),
        ("2", TypeError, r"^max_retries: expected an integer, got str '2'$"),
        (True, TypeError, r"^max_retries: expected an integer, got bool True$"),
    ],
)
def test_max_retries_is_refused_by_name_not_truncated_or_reported_as_a_solver_failure(value, error, message):
    """Found by an attack: -1 gave "no certified optimum after 0 attempts", 1.5 was truncated to 1 and
    "x" gave int()'s message, which does not name the option."""
    for method in ("emd", "highs"):
        with pytest.raises(error, match=message):
            solve_ot(OK_A, OK_A, OK_C, method=method, max_retries=value)
    assert solve_ot(OK_A, OK_A, OK_C, method="emd", max_retries=np.int64(2)).certificate.ok


def test_sparse_k_takes_numpy_integers_like_the_other_integer_options():
    mu = DiscreteMeasure(np.random.default_rng(0).normal(size=(30, 2)))
    res = wasserstein(mu, mu, method="sparse", k=np.int64(4), max_rounds=np.int64(5))
    assert res.certificate.ok and res.value == 0.0
