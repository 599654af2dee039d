"""Ground costs ``c(x, y)`` evaluated on two point clouds (layer 1)."""

from __future__ import annotations

import numbers

import numpy as np

from ._validation import as_points

__all__ = ["cost_matrix", "COST_NAMES"]

#: Names accepted by :func:`cost_matrix`.
COST_NAMES = ("sqeuclidean", "euclidean")


#: Up to this dimension squared distances are summed coordinate by coordinate (exact zeros for
#: coinciding points, no cancellation); above it the Gram expansion is used.
_DIRECT_MAX_DIM = 16


def _sqdist(X, Y):
    r"""Squared Euclidean distances, float64, ``(n, m)``.

    For ``d <= 16``: :math:`\sum_k (x_k - y_k)^2`, one ``(n, m)`` temporary per coordinate; this is
    accurate to a few ulps of each entry (coinciding points give exactly 0, far-away clouds of
    nearby points keep their small distances). For larger ``d``: the expansion
    :math:`\|x - c\|^2 + \|y - c\|^2 - 2\langle x - c, y - c\rangle`, clipped at 0, about the
    common centre :math:`c` of the two clouds (translation leaves distances unchanged), whose
    absolute error is about ``eps * (|x - c|^2 + |y - c|^2)``: the spread of the clouds, not their
    distance from the origin.
    """
    n, d = X.shape
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported by the caller
        if d <= _DIRECT_MAX_DIM:
            D = np.zeros((n, Y.shape[0]))
            for k in range(d):
                t = np.subtract.outer(X[:, k], Y[:, k])
                t *= t
                D += t
                del t  # at most one (n, m) temporary alive
            return D
        c = 0.5 * (X.mean(0) + Y.mean(0))
        X, Y = X - c, Y - c
        D = (X * X).sum(1)[:, None] + (Y * Y).sum(1)[None, :] - 2.0 * (X @ Y.T)
    np.maximum(D, 0.0, out=D)
    return D


def _finite(C, cost):
    """``C`` itself, or a ``ValueError`` when a cost overflowed float64 (C >= 0, so max is inf or NaN)."""
    top = C.max()
    if not np.isfinite(top):
        raise ValueError(f"X, Y: the {cost!r} cost of these points overflows float64 (some entry is inf); "
                         "rescale the points")
    return C


def cost_matrix(X, Y, cost="sqeuclidean"):
    r"""Matrix of ground costs :math:`C_{ij} = c(x_i, y_j)`.

    .. math::

        c(x, y) = \begin{cases}
            \|x - y\|_2^2 & \text{cost = "sqeuclidean"} \\
            \|x - y\|_2   & \text{cost = "euclidean"} \\
            \|x - y\|_2^p & \text{cost = } p > 0 \\
            f(X, Y)_{ij}  & \text{cost = callable } f
        \end{cases}

    Parameters
    ----------
    X : array_like, shape (n, d) or (n,)
        First point cloud; a 1-D array means ``d = 1``.
    Y : array_like, shape (m, d) or (m,)
        Second point cloud, same dimension ``d``.
    cost : {"sqeuclidean", "euclidean"}, float or callable
        The cost. A positive number ``p`` gives ``||x - y||^p``. A callable receives the two
        ``(n, d)`` and ``(m, d)`` float64 arrays and must return an ``(n, m)`` array of finite,
        non-negative numbers.

    Returns
    -------
    C : ndarray, shape (n, m), float64

    Raises
    ------
    ValueError
        Dimension mismatch, unknown cost name, ``p <= 0``, costs that overflow float64 (points
        too far apart; never returned as ``inf``), or a callable returning a wrong shape, NaN/inf
        or negative costs.
    TypeError
        ``cost`` is neither a name, a number nor a callable, or the callable returned booleans,
        complex numbers or objects.

    Examples
    --------
    >>> cost_matrix([[0.0, 0.0], [1.0, 1.0]], [[0.0, 1.0]])
    array([[1.],
           [1.]])
    >>> cost_matrix([0.0, 3.0], [1.0], cost="euclidean")
    array([[1.],
           [2.]])
    """
    X = as_points(X, "X")
    Y = as_points(Y, "Y")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"Y: points have dimension {Y.shape[1]}, but X has dimension {X.shape[1]}")
    if isinstance(cost, str):
        if cost == "sqeuclidean":
            return _finite(_sqdist(X, Y), cost)
        if cost == "euclidean":
            return _finite(np.sqrt(_sqdist(X, Y)), cost)
        raise ValueError(f"cost: unknown name {cost!r}; expected one of {COST_NAMES}, a power p > 0 or a callable")
    if isinstance(cost, numbers.Real) and not isinstance(cost, bool):
        p = float(cost)
        if not np.isfinite(p) or p <= 0:
            raise ValueError(f"cost: a power must be a finite number > 0, got {cost!r}")
        if p == 2.0:
            return _finite(_sqdist(X, Y), cost)
        with np.errstate(over="ignore"):
            return _finite(np.sqrt(_sqdist(X, Y)) ** p, cost)
    if callable(cost):
        try:
            C = np.asarray(cost(X, Y))
        except ValueError as exc:  # a ragged list, say
            raise ValueError(f"cost: the callable's result could not be read as an array ({exc})") from exc
        if C.shape != (X.shape[0], Y.shape[0]):
            raise ValueError(
                f"cost: the callable returned shape {C.shape}, expected ({X.shape[0]}, {Y.shape[0]}); "
                "it receives X (n, d) and Y (m, d) and must return the (n, m) matrix"
            )
        if C.dtype.kind not in "iuf":  # bool and complex refused: no silent coercion
            raise TypeError(f"cost: the callable returned dtype {C.dtype}, expected real numbers")
        C = np.ascontiguousarray(C, dtype=np.float64)
        if not np.all(np.isfinite(C)):
            raise ValueError("cost: the callable returned NaN or inf values")
        if np.any(C < 0):
            raise ValueError(f"cost: the callable returned a negative cost {float(C.min())!r}; costs must be >= 0")
        return C
    raise TypeError(f"cost: expected a name, a power p > 0 or a callable, got {type(cost).__name__}")
