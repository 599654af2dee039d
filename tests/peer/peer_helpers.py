"""Independent references and assertions shared by the POT peer suite (``tests/peer``).

Nothing here calls otcheck: the references are exact rational computations (the monotone coupling
on the line, an optimal assignment summed in fractions) or other libraries (POT, scipy), so a test
that compares otcheck against them can fail.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np


def exact_fractions(w):
    """The float weights ``w`` as exact fractions, rescaled exactly to total one (as otcheck certifies)."""
    fr = [Fraction(float(t)) for t in np.asarray(w, dtype=np.float64).ravel()]
    total = sum(fr)
    return [t / total for t in fr]


def exact_monotone_cost(x, y, a, b, p):
    r"""Exact optimum :math:`\sum_k \Delta t_k |x_{i_k} - y_{j_k}|^p` of the sorted coupling on the line.

    Valid as the exact value of the float problem only when every cost ``|x_i - y_j|^p`` is exact in
    float64, which is checked here: integer atoms and an integer power ``p >= 1`` (so the float cost
    matrix holds the exact integers).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    assert np.all(x == np.round(x)) and np.all(y == np.round(y)), "integer atoms only"
    assert int(p) == p and p >= 1
    big = max(np.abs(x).max(), np.abs(y).max())
    assert (2 * big) ** p < 2.0**53, "costs must be exact integers in float64"
    ox, oy = np.argsort(x, kind="stable"), np.argsort(y, kind="stable")
    fa, fb = exact_fractions(a), exact_fractions(b)
    A = [fa[k] for k in ox]
    B = [fb[k] for k in oy]
    xs = [int(t) for t in x[ox]]
    ys = [int(t) for t in y[oy]]
    i = j = 0
    left_a, left_b = A[0], B[0]
    total = Fraction(0)
    while True:
        step = min(left_a, left_b)
        if step:
            total += step * abs(xs[i] - ys[j]) ** int(p)
        left_a -= step
        left_b -= step
        if left_a == 0:
            i += 1
            if i == len(A):
                break
            left_a = A[i]
        if left_b == 0:
            j += 1
            if j == len(B):
                break
            left_b = B[j]
    return total


def exact_assignment_cost(C):
    """Exact optimum of the uniform square problem: an optimal permutation (scipy), its costs summed in fractions."""
    from scipy.optimize import linear_sum_assignment

    C = np.asarray(C, dtype=np.float64)
    rows, cols = linear_sum_assignment(C)
    return sum(Fraction(float(c)) for c in C[rows, cols]) / C.shape[0]


def sparse_lp_cost(a, b, rows, cols, costs):
    """Optimum of the transport LP restricted to the arcs ``(rows, cols)`` (scipy HiGHS, no huge costs)."""
    import scipy.sparse as sp
    from scipy.optimize import linprog

    n, m, k = len(a), len(b), len(rows)
    arcs = np.arange(k)
    A_eq = sp.vstack(
        [sp.csr_array((np.ones(k), (rows, arcs)), shape=(n, k)), sp.csr_array((np.ones(k), (cols, arcs)), shape=(m, k))]
    )
    res = linprog(costs, A_eq=A_eq, b_eq=np.concatenate([a, b]), bounds=(0, None), method="highs")
    assert res.status == 0, res.message
    return float(res.fun)


def forbidden_pair_costs(n1, n2, k, seed):
    """POT's sparse-vs-dense instance: uniform random costs on a random graph of at least ``k`` arcs
    per row and per column, and ``1e8`` added on every other pair (the dense "forbidden pair" idiom).

    Draws from ``RandomState(seed)`` in POT's order (costs, then ``k`` columns per row, then ``k``
    rows per column), so the instance is POT's. Returns ``(base, allowed, dense)``.
    """
    rng = np.random.RandomState(seed)
    base = rng.rand(n1, n2)
    allowed = np.zeros((n1, n2), dtype=bool)
    for i in range(n1):
        allowed[i, rng.choice(n2, min(k, n2), replace=False)] = True
    for j in range(n2):
        allowed[rng.choice(n1, min(k, n1), replace=False), j] = True
    dense = base + 1e8 * (~allowed)
    return base, allowed, dense


def assert_certified_near(res, expected, *, rtol=1e-7, atol=0.0):
    """``res`` is certified and its value and certified interval agree with ``expected`` to ``rtol``/``atol``."""
    cert = res.certificate
    assert cert.ok, str(cert)
    assert cert.lower <= res.value <= cert.upper, (cert.lower, res.value, cert.upper)
    slack = atol + rtol * abs(expected)
    assert cert.lower - slack <= expected <= cert.upper + slack, (cert.lower, expected, cert.upper, slack)
    np.testing.assert_allclose(res.value, expected, rtol=rtol, atol=atol)


def assert_certified_exact(res, exact):
    """``res`` is certified and its interval contains the exact optimum ``exact`` (a Fraction), no slack."""
    cert = res.certificate
    assert cert.ok, str(cert)
    assert Fraction(cert.lower) <= exact <= Fraction(cert.upper), (cert.lower, float(exact), cert.upper)


def assert_dual_optimality(res, a, b, C, cost, *, decimal=7, feasibility=1e-8):
    """POT's duality-gap checks on otcheck's potentials (gauge free): zero duality gap, dual
    feasibility ``u_i + v_j <= C_ij`` up to ``feasibility``, zero reduced cost on the plan's support."""
    u, v = res.potentials
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    np.testing.assert_almost_equal(float(a @ u + b @ v), cost, decimal=decimal)
    reduced = np.asarray(C, dtype=np.float64) - u[:, None] - v[None, :]
    assert reduced.min() > -feasibility, reduced.min()
    rows, cols = np.nonzero(res.plan)
    np.testing.assert_array_almost_equal(reduced[rows, cols], np.zeros(rows.size))


def assert_marginals(plan, a, b, **tol):
    np.testing.assert_allclose(plan.sum(1), a, **tol)
    np.testing.assert_allclose(plan.sum(0), b, **tol)
