"""Engine "assignment": ``scipy.optimize.linear_sum_assignment`` with dual potentials.

For ``n == m`` and uniform weights ``1/n`` the transport polytope's vertices are the permutation
matrices divided by ``n`` (Birkhoff), so an optimal assignment ``sigma`` is an optimal plan. scipy
returns no duals; they are computed here as shortest-path potentials (see :func:`assignment_duals`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .._validation import FloatArray
from .result import UncertifiedError

__all__ = ["solve_assignment", "assignment_duals", "is_uniform_square"]


def is_uniform_square(a: FloatArray, b: FloatArray) -> bool:
    """True when ``len(a) == len(b)`` and both weight vectors are exactly uniform (all entries equal)."""
    return a.size == b.size and bool(np.all(a == a[0])) and bool(np.all(b == b[0]))


def assignment_duals(
    C: FloatArray, sigma: NDArray[np.intp], *, max_rounds: int | None = None
) -> tuple[FloatArray, FloatArray, int]:
    r"""Dual potentials certifying that the permutation ``sigma`` is an optimal assignment.

    Writing :math:`u_i = C_{i\sigma(i)} - v_{\sigma(i)}`, dual feasibility
    :math:`u_i + v_j \le C_{ij}` becomes the system of difference constraints

    .. math::

        v_j \le v_{\sigma(i)} + (C_{ij} - C_{i\sigma(i)}) \qquad \text{for all } i, j,

    i.e. ``v`` is a shortest-path potential on the graph of columns with an arc
    :math:`\sigma(i) \to j` of length :math:`C_{ij} - C_{i\sigma(i)}`. It has no negative cycle exactly
    when ``sigma`` is optimal. Bellman-Ford from a virtual source (all ``v = 0``), each round one
    vectorized :math:`O(n^2)` relaxation, at most ``n`` rounds.

    Returns
    -------
    u, v : ndarray
        Dual potentials, shape (n,) each: ``v`` the shortest-path potential (:math:`\le 0`),
        :math:`u_i = C_{i\sigma(i)} - v_{\sigma(i)}` (tight on the assignment). When ``sigma`` is optimal,
        :math:`u_i + v_j \le C_{ij}` up to :math:`8\,\epsilon \max|C|` (the relaxation tolerance); the
        certificate checks them, not this function.
    rounds : int
        Bellman-Ford rounds run; the last one lowered no ``v_j`` by more than the tolerance unless the limit
        (``n + 1``, or ``max_rounds``) was reached first.
    """
    n = C.shape[0]
    rows = np.arange(n)
    diag = C[rows, sigma]
    D = C - diag[:, None]  # D[i, j] = C_ij - C_{i sigma(i)}
    scale = max(float(C.max()), -float(C.min()), np.finfo(float).tiny)
    eps = 8 * np.finfo(float).eps * scale
    v = np.zeros(n)
    limit = n + 1 if max_rounds is None else int(max_rounds)
    rounds = 0
    for rounds in range(1, limit + 1):  # noqa: B007 - the count of rounds run is returned
        cand = (D + v[sigma][:, None]).min(0)
        drop = v - cand
        if not np.any(drop > eps):
            break
        np.minimum(v, cand, out=v)
    u = diag - v[sigma]
    return u, v, rounds


def solve_assignment(
    a: FloatArray, b: FloatArray, C: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, dict[str, object]]:
    """Optimal assignment plan ``P = Perm(sigma) / n`` and its duals; returns ``(plan, u, v, info)``."""
    from scipy.optimize import linear_sum_assignment

    if not is_uniform_square(a, b):
        raise ValueError(
            f"method: 'assignment' needs n == m and uniform weights; got n={a.size}, m={b.size}"
            + ("" if a.size != b.size else " with non-uniform weights")
            + "; use method='emd'"
        )
    n = a.size
    rows, sigma = linear_sum_assignment(C)
    if not np.array_equal(rows, np.arange(n)):
        raise UncertifiedError("engine 'assignment': linear_sum_assignment returned an incomplete assignment")
    plan = np.zeros((n, n))
    plan[rows, sigma] = a[0]
    u, v, rounds = assignment_duals(C, sigma)
    # The LP with weights 1/n has the same feasible duals; its objective is (sum u + sum v) / n.
    return plan, u, v, {"bellman_ford_rounds": rounds}
