"""Ground truth for the exact layer's tests, computed independently of otcheck's float certificate.

Importable from every test module (pytest puts this folder, which holds ``conftest.py``, on
``sys.path``).
"""

import itertools
from fractions import Fraction

import numpy as np


def solve_exact(M, rhs):
    """Gaussian elimination in Fractions; None if M is singular (independent of otcheck's code)."""
    k = len(M)
    A = [list(row) + [r] for row, r in zip(M, rhs)]
    for col in range(k):
        piv = next((r for r in range(col, k) if A[r][col] != 0), None)
        if piv is None:
            return None
        A[col], A[piv] = A[piv], A[col]
        for r in range(k):
            if r != col and A[r][col] != 0:
                f = A[r][col] / A[col][col]
                A[r] = [x - f * y for x, y in zip(A[r], A[col])]
    return [A[i][k] / A[i][i] for i in range(k)]


def brute_force_value(a, b, C):
    """Minimum of <C, P> over the vertices of the transport polytope, by enumerating all bases."""
    n, m = len(a), len(b)
    cells = [(i, j) for i in range(n) for j in range(m)]
    rhs = list(a) + list(b[:-1])
    best = None
    for basis in itertools.combinations(cells, n + m - 1):
        M = [[Fraction(int(i == r)) for (i, _j) in basis] for r in range(n)]
        M += [[Fraction(int(j == c)) for (_i, j) in basis] for c in range(m - 1)]
        x = solve_exact(M, rhs)
        if x is None or any(t < 0 for t in x):
            continue
        val = sum(C[i][j] * t for (i, j), t in zip(basis, x))
        best = val if best is None else min(best, val)
    return best


def rescaled(w):
    """Float weights as exact Fractions rescaled to total one (the problem a certificate is about)."""
    f = [Fraction(float(x)) for x in np.ravel(w)]
    total = sum(f)
    return [x / total for x in f]


def exact_optimum(a, b, C, plan=None):
    """The exact optimum of the rescaled problem, proven in rational arithmetic.

    ``certify_exact`` (a code path separate from the float certificate: exact Bellman-Ford shifts
    and an integer max flow) is tried on the support of ``plan`` and of the plans of several engines;
    when none of them is an exactly optimal basis (a plan may be suboptimal by a rounding-size amount
    and still correctly certified), the vertices are enumerated for small problems.
    """
    from otcheck.exact import ExactCertificateError, certify_exact, solve_ot

    af, bf = rescaled(a), rescaled(b)
    C = np.asarray(C, dtype=float)
    Cf = np.array([[Fraction(float(x)) for x in row] for row in C], dtype=object)
    n, m = C.shape
    if n * m <= 36:
        return ssp_value(af, bf, Cf.tolist())
    plans = [] if plan is None else [plan]
    for method, opts in (
        ("emd", {}),
        ("highs", {"options": {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}}),
        ("lp", {}),
    ):
        try:
            plans.append(solve_ot(a, b, C, method=method, tol=1e-6, **opts).plan)
        except Exception:  # noqa: BLE001 - any engine may fail on a wild instance; others are tried
            pass
    for P in plans:
        try:
            return certify_exact(af, bf, Cf, P).exact_value
        except ExactCertificateError:
            continue
    n, m = C.shape
    if n * m > 64:
        raise RuntimeError("no exact optimum found for this instance")
    return ssp_value(af, bf, Cf.tolist())


def ssp_value(a, b, C):
    """Exact optimum by successive shortest paths in rational arithmetic (a min-cost flow written
    here from scratch, sharing nothing with otcheck).

    Each step sends flow from a row with supply left to a column with demand left along a path of
    least reduced cost in the residual graph (Bellman-Ford, so negative costs are fine), as much as
    the path allows; every step zeroes a supply, a demand or a residual arc, so it ends.
    """
    n, m = len(a), len(b)
    supply = [Fraction(x) for x in a]
    demand = [Fraction(x) for x in b]
    flow = [[Fraction(0)] * m for _ in range(n)]
    C = [[Fraction(x) for x in row] for row in C]
    while any(s > 0 for s in supply):
        # distances over nodes 0..n-1 (rows) and n..n+m-1 (columns) from all rows with supply left
        INF = None
        dist = [Fraction(0) if supply[i] > 0 else INF for i in range(n)] + [INF] * m
        prev = [None] * (n + m)
        for _ in range(n + m):
            changed = False
            for i in range(n):
                if dist[i] is None:
                    continue
                for j in range(m):  # forward arc row i -> column j, unbounded
                    d = dist[i] + C[i][j]
                    if dist[n + j] is None or d < dist[n + j]:
                        dist[n + j], prev[n + j] = d, i
                        changed = True
            for i in range(n):
                for j in range(m):  # backward arc column j -> row i where flow can be undone
                    if flow[i][j] > 0 and dist[n + j] is not None:
                        d = dist[n + j] - C[i][j]
                        if dist[i] is None or d < dist[i]:
                            dist[i], prev[i] = d, n + j
                            changed = True
            if not changed:
                break
        target = min((j for j in range(m) if demand[j] > 0 and dist[n + j] is not None), key=lambda j: dist[n + j])
        path, x = [], n + target
        while prev[x] is not None:
            path.append((prev[x], x))
            x = prev[x]
        source = x
        push = min(supply[source], demand[target])
        for u, w in path:
            if w >= n:  # forward arc u -> column
                continue
            push = min(push, flow[w][u - n])  # backward arc column u -> row w
        for u, w in path:
            if w >= n:
                flow[u][w - n] += push
            else:
                flow[w][u - n] -= push
        supply[source] -= push
        demand[target] -= push
    return sum(C[i][j] * flow[i][j] for i in range(n) for j in range(m))


def lsa_value(C):
    """Optimal value of the uniform square problem by ``linear_sum_assignment`` (divided by n)."""
    from scipy.optimize import linear_sum_assignment

    r, c = linear_sum_assignment(C)
    return float(C[r, c].sum()) / C.shape[0]


def block_instance(rng, n, k, cross):
    """A uniform ``n x n`` problem with ``k`` diagonal blocks of costs in [0, 1) and every cross pair
    at ``cross``, rows and columns shuffled; returns ``(C, truth)`` with the truth summed from
    ``linear_sum_assignment`` on each block (no huge number ever enters it)."""
    sizes = rng.multinomial(n - k, np.ones(k) / k) + 1
    C = np.full((n, n), float(cross))
    total, s = 0.0, 0
    for z in sizes:
        B = rng.uniform(0, 1, (z, z))
        C[s : s + z, s : s + z] = B
        total += lsa_value(B) * z
        s += z
    p, q = rng.permutation(n), rng.permutation(n)
    return np.ascontiguousarray(C[np.ix_(p, q)]), total / n


def scaled(k):
    """``k`` examples in the default profile, 20 k under ``HYPOTHESIS_PROFILE=thorough``."""
    import os

    return k * (20 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 1)


def leaf_parts(ev):
    """The leaf parts of an Evidence (its comparisons), depth first."""
    for p in ev.parts:
        if p.parts:
            yield from leaf_parts(p)
        else:
            yield p


def assert_parts_compare_two_bounds(ev, head, allowed):
    """Every comparison of ``ev`` reads two Bounds: provenance set, no tolerance of its own, a guarantee in
    ``allowed`` (``head`` for the whole claim), and the verdict the one rule gives those two bounds."""
    import json

    import pytest

    from otcheck.claims import decide

    assert ev.guarantee == head and ev.lhs_bound is not None and ev.rhs_bound is not None
    assert ev.lhs_bound.contains(ev.lhs) and ev.rhs_bound.contains(ev.rhs)
    parts = list(leaf_parts(ev))
    assert parts
    for p in parts:
        assert p.lhs_bound is not None and p.rhs_bound is not None, p.note
        assert p.method not in ("unspecified", "not certified", "") and p.tolerance == 0.0, p.note
        assert p.guarantee in allowed, (p.note, p.guarantee)
        if p.guarantee == "confidence":
            assert p.confidence == pytest.approx(0.95) and not p.lhs_bound.tight
        # the verdict is the one rule's verdict of the two bounds (no hand-set verdicts at default size)
        assert p.verdict == decide(p.lhs_bound, p.rhs_bound, p.relation), p.note
    json.dumps(ev.to_dict())  # serializable
