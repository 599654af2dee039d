"""Engine "highs": the transport LP through ``scipy.optimize.linprog(method="highs")``."""

from __future__ import annotations

import numpy as np

from .result import UncertifiedError

__all__ = ["solve_highs", "transport_constraints"]


def transport_constraints(a, b):
    r"""Sparse equality system :math:`A\,\mathrm{vec}(P) = (a, b_{1:m-1})` of the transport polytope.

    ``vec`` is row-major (``P.ravel()``): row ``i`` of ``A`` sums ``P[i, :]``, row ``n + j`` sums
    ``P[:, j]``. The last column constraint is dropped: it is implied by the others and the equal
    total masses, and dropping it makes ``A`` full rank (the dual ``v_m`` is then 0). Built from
    index arrays, without a Python loop over entries.
    """
    import scipy.sparse as sp

    n, m = a.size, b.size
    nm = n * m
    idx = np.arange(nm)
    rows = np.concatenate([np.repeat(np.arange(n), m), n + np.tile(np.arange(m), n)])
    cols = np.concatenate([idx, idx])
    keep = rows < n + m - 1
    A = sp.csr_matrix((np.ones(int(keep.sum())), (rows[keep], cols[keep])), shape=(n + m - 1, nm))
    rhs = np.concatenate([a, b[:-1]])
    return A, rhs


def solve_highs(a, b, C, *, options=None):
    """HiGHS through scipy; returns ``(plan, u, v, info)`` with duals from ``res.eqlin.marginals``.

    ``marginals`` is the sensitivity of the optimal value to the right-hand side, which for a
    minimization with equality constraints is the dual vector ``(u, v_{1:m-1})`` itself.
    """
    from scipy.optimize import linprog

    n, m = C.shape
    A, rhs = transport_constraints(a, b)
    res = linprog(C.ravel(), A_eq=A, b_eq=rhs, bounds=(0, None), method="highs", options=options or {})
    if res.status != 0:
        raise UncertifiedError(f"engine 'highs': linprog failed (status {res.status}): {res.message}")
    y = np.asarray(res.eqlin.marginals, dtype=np.float64)
    u = y[:n].copy()
    v = np.append(y[n:], 0.0)
    plan = np.asarray(res.x, dtype=np.float64).reshape(n, m)
    np.maximum(plan, 0.0, out=plan)  # HiGHS may return -0.0 or -1e-18 on bounds
    return plan, u, v, {"status": res.status, "message": res.message, "nit": res.nit}
