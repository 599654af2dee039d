"""Engine "highs": the transport LP through ``scipy.optimize.linprog(method="highs")``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from .._validation import FloatArray
from .result import UncertifiedError

if TYPE_CHECKING:
    import scipy.sparse

__all__ = ["solve_highs", "transport_constraints"]


def transport_constraints(a: FloatArray, b: FloatArray) -> tuple[scipy.sparse.csr_matrix, FloatArray, int]:
    r"""Sparse equality system :math:`A\,\mathrm{vec}(P) = (a, b_{-k})` of the transport polytope.

    ``vec`` is row-major (``P.ravel()``): row ``i`` of ``A`` sums ``P[i, :]``, the next rows sum the
    columns ``P[:, j]`` for every ``j`` but ``k = argmax(b)``. That column's constraint is implied by
    the others when the total masses are equal, and dropping it makes ``A`` full rank (its dual
    ``v_k`` is then 0). It is the *largest* column on purpose: float weights have totals that differ
    by rounding, and the mass left to the dropped column, :math:`\sum a - \sum_{j \ne k} b_j`, must
    stay non-negative (dropping a column of weight 0 made POT's ``test_dual_variables`` problem,
    transposed, "infeasible"). Built from index arrays, without a Python loop over entries.

    Returns
    -------
    A : scipy.sparse.csr_matrix, shape (n + m - 1, n m)
        0/1 entries: rows ``0, ..., n - 1`` sum the rows of ``P``, the next ``m - 1`` rows its columns
        ``j != k``.
    rhs : ndarray, shape (n + m - 1,)
        ``a`` followed by ``b`` without its entry ``k``.
    k : int
        The dropped column.
    """
    import scipy.sparse as sp

    n, m = a.size, b.size
    k = int(np.argmax(b))
    nm = n * m
    idx = np.arange(nm)
    col = np.tile(np.arange(m), n)
    col_row = np.where(col < k, col, col - 1)  # constraint index of column j among the kept ones
    rows = np.concatenate([np.repeat(np.arange(n), m), n + col_row])
    cols = np.concatenate([idx, idx])
    keep = np.concatenate([np.ones(nm, dtype=bool), col != k])
    A = sp.csr_matrix((np.ones(int(keep.sum())), (rows[keep], cols[keep])), shape=(n + m - 1, nm))
    rhs = np.concatenate([a, np.delete(b, k)])
    return A, rhs, k


def solve_highs(
    a: FloatArray, b: FloatArray, C: FloatArray, *, options: Mapping[str, object] | None = None
) -> tuple[FloatArray, FloatArray, FloatArray, dict[str, object]]:
    """HiGHS through scipy; returns ``(plan, u, v, info)`` with duals from ``res.eqlin.marginals``.

    ``marginals`` is the sensitivity of the optimal value to the right-hand side, which for a
    minimization with equality constraints is the dual vector ``(u, v_{1:m-1})`` itself.
    """
    from scipy.optimize import linprog

    n, m = C.shape
    A, rhs, k = transport_constraints(a, b)
    res = linprog(C.ravel(), A_eq=A, b_eq=rhs, bounds=(0, None), method="highs", options=options or {})
    if res.status != 0:
        raise UncertifiedError(f"engine 'highs': linprog failed (status {res.status}): {res.message}")
    y = np.asarray(res.eqlin.marginals, dtype=np.float64)
    u = y[:n].copy()
    v = np.insert(y[n:], k, 0.0)
    plan = np.asarray(res.x, dtype=np.float64).reshape(n, m)
    np.maximum(plan, 0.0, out=plan)  # HiGHS may return -0.0 or -1e-18 on bounds
    return plan, u, v, {"status": res.status, "message": res.message, "nit": res.nit}
