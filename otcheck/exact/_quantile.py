r"""Engine "quantile": the sorted (monotone) coupling on the line, optimal for costs convex in ``x - y``.

For :math:`c(x, y) = h(x - y)` with ``h`` convex, the cost matrix of sorted atoms is Monge
(:math:`C_{ij} + C_{i'j'} \le C_{ij'} + C_{i'j}` for :math:`i < i', j < j'`), so the north-west-corner
coupling of the sorted atoms, i.e. the coupling of the quantile functions
:math:`(F_\mu^{-1}(t), F_\nu^{-1}(t))_{t \sim U[0,1]}`, is optimal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import (
    FloatArray,
    as_float_array,
    as_weights,
    check_nonnegative,
    looks_like_weights,
    positional_order,
    read_argument_order,
)
from .result import DEFAULT_TOL, OTResult, UncertifiedError, _checker

if TYPE_CHECKING:
    from ..costs import CostLike

__all__ = ["solve_ot_1d", "QUANTILE_COSTS", "is_convex_1d_cost"]

#: Cost names for which the quantile coupling is optimal (a power ``p >= 1`` is accepted too).
QUANTILE_COSTS = ("sqeuclidean", "euclidean")


def is_convex_1d_cost(cost: CostLike) -> bool:
    """True when ``cost`` is convex in ``x - y`` (``"sqeuclidean"``, ``"euclidean"``, a power ``p >= 1``, or
    a :class:`~otcheck.costs.Cost` that says so); False for anything else, invalid costs included."""
    from ..costs import as_cost_fn

    try:
        return bool(as_cost_fn(cost).convex_in_difference)
    except (TypeError, ValueError):
        return False


def staircase(a_sorted: FloatArray, b_sorted: FloatArray) -> tuple[NDArray[np.int64], NDArray[np.int64], FloatArray]:
    """North-west-corner rule on sorted weights: the monotone spanning staircase and its flows.

    Returns index arrays ``I, J`` (``n + m - 1`` cells, each step advancing exactly one index,
    from ``(0, 0)`` to ``(n - 1, m - 1)``) and the mass on each cell. When both remaining masses
    vanish together the column advances first, through a zero-flow cell, so the cells always form a
    spanning tree of the bipartite graph (the basis whose duals are read off below).
    """
    n, m = a_sorted.size, b_sorted.size
    I = np.empty(n + m - 1, dtype=np.int64)
    J = np.empty(n + m - 1, dtype=np.int64)
    T = np.empty(n + m - 1)
    i = j = 0
    ra, rb = float(a_sorted[0]), float(b_sorted[0])
    last = n + m - 2
    for k in range(n + m - 1):
        t = ra if ra < rb else rb
        I[k], J[k], T[k] = i, j, t
        ra -= t
        rb -= t
        if k == last:
            break
        if i < n - 1 and (j == m - 1 or (ra == 0.0 and rb > 0.0)):
            i += 1  # row exhausted (or no column left): next row
            ra = float(a_sorted[i])
        else:
            j += 1  # column exhausted, both exhausted (column first), or no row left
            rb = float(b_sorted[j])
    return I, J, T


def _staircase_duals(
    Cs_path: FloatArray, I: NDArray[np.int64], J: NDArray[np.int64], n: int, m: int
) -> tuple[FloatArray, FloatArray]:
    """Potentials tight on the staircase: ``u_0 = 0``; each step fixes the new row or column."""
    u = np.empty(n)
    v = np.empty(m)
    u[0] = 0.0
    v[0] = Cs_path[0]
    for k in range(1, I.size):
        if I[k] != I[k - 1]:
            u[I[k]] = Cs_path[k] - v[J[k]]
        else:
            v[J[k]] = Cs_path[k] - u[I[k]]
    return u, v


def _old_order(args: tuple[object, ...]) -> tuple[object, ...]:
    """Decide whether a positional call used the old order ``(x, a, y, b)``; returns the arguments in
    the new order ``(x_a, x_b, a, b)`` and warns about the old one
    (:func:`otcheck._validation.read_argument_order`)."""
    x_a, x_b, a, b = args
    try:
        n = np.asarray(x_a).reshape(-1).size
        m_b = np.asarray(b).reshape(-1).size
        m_a = np.asarray(a).reshape(-1).size
        m_x = np.asarray(x_b).reshape(-1).size
    except Exception:  # noqa: BLE001 - the validators report malformed input
        return args
    new_ok = looks_like_weights(a, n) and looks_like_weights(b, m_x)
    old_ok = looks_like_weights(x_b, n) and looks_like_weights(b, m_a) and m_a == m_b
    return read_argument_order(
        "solve_ot_1d",
        "x_a, x_b, a, b",
        "x, a, y, b",
        (x_a, x_b, a, b),
        (x_a, a, x_b, b),
        new_ok=new_ok,
        old_ok=old_ok,
        stacklevel=4,
    )


@positional_order(2, _old_order)
def solve_ot_1d(
    x_a: ArrayLike,
    x_b: ArrayLike,
    a: ArrayLike | None = None,
    b: ArrayLike | None = None,
    cost: CostLike = "sqeuclidean",
    *,
    tol: float = DEFAULT_TOL,
) -> OTResult:
    r"""Certified optimal transport on the line by the sorted (quantile) coupling.

    For a cost :math:`c(x, y) = h(x - y)` with ``h`` convex (``"sqeuclidean"``, ``"euclidean"``,
    a power :math:`|x - y|^p` with :math:`p \ge 1`),

    .. math::

        W_c(\mu, \nu) = \int_0^1 h\bigl(F_\mu^{-1}(t) - F_\nu^{-1}(t)\bigr)\,dt ,

    attained by the north-west-corner coupling of the sorted atoms, found in
    :math:`O((n + m)\log(n + m))`. The dual potentials are read off the staircase of the plan
    (:math:`u_{i_0} = 0`, then :math:`u_i + v_j = C_{ij}` along it); they are feasible because the
    sorted cost matrix is Monge. The result is certified like every other engine's (the
    certificate itself costs :math:`O(nm)`, as it checks every pair).

    The argument order is POT's (``ot.emd_1d(x_a, x_b, a, b)``). The old order
    ``solve_ot_1d(x, a, y, b)`` still works, with a ``DeprecationWarning``, when it can be told
    apart (its second argument is a weight vector and its third is not); a positional call that
    reads both ways is read in POT's order with a ``FutureWarning``. Weights passed by keyword
    (``a=``, ``b=``) are never reordered.

    Parameters
    ----------
    x_a : array_like, shape (n,) or (n, 1)
        Source atoms on the line.
    x_b : array_like, shape (m,) or (m, 1)
        Target atoms.
    a : array_like, shape (n,), optional
        Source weights (a probability vector); uniform when omitted.
    b : array_like, shape (m,), optional
        Target weights; uniform when omitted.
    cost : {"sqeuclidean", "euclidean"} or float, default "sqeuclidean"
        A cost convex in ``x - y``; a number ``p >= 1`` means :math:`|x - y|^p`.
    tol : float, default 1e-8
        Relative tolerance of the certificate.

    Returns
    -------
    OTResult
        ``method == "quantile"``, plan and duals indexed like the given (unsorted) atoms.

    Raises
    ------
    ValueError
        Atoms not one-dimensional, bad weights, or a cost not convex in ``x - y``.
    UncertifiedError
        If the certificate fails (never returned silently).

    Examples
    --------
    >>> res = solve_ot_1d([0.0, 2.0], [3.0, 1.0], [0.5, 0.5], [0.5, 0.5])
    >>> res.value, res.plan.tolist()
    (1.0, [[0.0, 0.5], [0.5, 0.0]])
    >>> solve_ot_1d([0.0, 2.0], [3.0, 1.0]).value   # uniform weights
    1.0
    """
    from ..costs import cost_matrix

    x = _as_line(x_a, "x_a")
    y = _as_line(x_b, "x_b")
    a = np.full(x.size, 1.0 / x.size) if a is None else as_weights(a, "a", n=x.size)
    b = np.full(y.size, 1.0 / y.size) if b is None else as_weights(b, "b", n=y.size)
    tol = check_nonnegative(tol, "tol", strict=True)
    if not is_convex_1d_cost(cost):
        raise ValueError(
            f"cost: the quantile coupling needs a cost convex in x - y ('sqeuclidean', 'euclidean' or a power "
            f"p >= 1), got {cost!r}"
        )
    C = cost_matrix(x, y, cost=cost)
    n, m = C.shape
    ix = np.argsort(x, kind="stable")
    iy = np.argsort(y, kind="stable")
    I, J, T = staircase(a[ix], b[iy])
    rows, cols = ix[I], iy[J]
    us, vs = _staircase_duals(C[rows, cols], I, J, n, m)
    u = np.empty(n)
    v = np.empty(m)
    u[ix] = us
    v[iy] = vs
    plan = np.zeros((n, m))
    np.add.at(plan, (rows, cols), T)
    cert, u, v = _checker(a, b, C, tol)(plan, u, v)
    if not cert.ok:
        raise UncertifiedError(f"engine 'quantile' returned an uncertified result: {cert}", cert)
    return OTResult(value=cert.value, plan=plan, u=u, v=v, method="quantile", certificate=cert, a=a, b=b, C=C)


def _as_line(x: ArrayLike, name: str) -> FloatArray:
    arr = as_float_array(x, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{name}: the quantile engine needs one-dimensional atoms, shape (n,) or (n, 1); got shape {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(f"{name}: is empty (no atoms)")
    return arr
