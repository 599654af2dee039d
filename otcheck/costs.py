"""Ground costs ``c(x, y)`` evaluated on two point clouds (layer 1)."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_points

__all__ = [
    "cost_matrix",
    "COST_NAMES",
    "CostLike",
    "Cost",
    "SqEuclidean",
    "Euclidean",
    "PowerCost",
    "CallableCost",
    "as_cost_fn",
]

#: Names accepted by :func:`cost_matrix` and :func:`as_cost_fn`.
COST_NAMES = ("sqeuclidean", "euclidean")


#: Elements of the row block that :func:`_sqdist` accumulates at a time (256 KiB of float64: the
#: block and its temporary stay in cache while the coordinates are summed into it).
_SQDIST_BLOCK = 1 << 15


def _sqdist(X: NDArray[np.float64], Y: NDArray[np.float64]) -> NDArray[np.float64]:
    r"""Squared Euclidean distances, float64, ``(n, m)``: :math:`\sum_k (x_k - y_k)^2`, the
    coordinates summed in order, in every dimension.

    Each entry is accurate to a few ulps (coinciding points give exactly 0, far-away clouds of nearby
    points keep their small distances), and it is the same float, bit for bit, as the sparse engine
    computes for the pair (:class:`otcheck.exact._sparse.PointCosts`): both engines certify the same
    problem. The Gram expansion :math:`\|x\|^2 + \|y\|^2 - 2\langle x, y\rangle` would be faster in high
    dimension but its error is of the size of the points, not of their distance (near-identical
    clouds in d = 17 got costs 100 times their true size). Rows are done a block at a time, so the
    accumulator stays in cache: n = m = 5000 takes about 1.6 s in d = 64, 2000 points about 4 s in
    d = 784.
    """
    n, d = X.shape
    m = Y.shape[0]
    D = np.empty((n, m))
    YT = np.ascontiguousarray(Y.T)
    rows = max(1, _SQDIST_BLOCK // max(m, 1))
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported by the caller
        for s0 in range(0, n, rows):
            xb = X[s0 : s0 + rows]
            acc = np.zeros((xb.shape[0], m))
            t = np.empty_like(acc)
            for k in range(d):
                np.subtract(xb[:, k, None], YT[k][None, :], out=t)
                t *= t
                acc += t
            D[s0 : s0 + rows] = acc
    return D


def _finite(C: NDArray[np.float64], cost: object) -> NDArray[np.float64]:
    """``C`` itself, or a ``ValueError`` when a cost overflowed float64 (C >= 0, so max is inf or NaN)."""
    top = C.max()
    if not np.isfinite(top):
        raise ValueError(
            f"X, Y: the {cost!r} cost of these points overflows float64 (some entry is inf); rescale the points"
        )
    return C


class Cost:
    r"""A ground cost :math:`c(x, y)` on :math:`\mathbb R^d`, with the properties the engines need.

    Subclasses are small frozen dataclasses; strings and numbers are accepted wherever a cost is
    (:func:`as_cost_fn` turns them into one of these).

    Attributes
    ----------
    name : str
        ``"sqeuclidean"``, ``"euclidean"``, ``"power"`` or ``"callable"``.
    translation_invariant : bool
        :math:`c(x, y) = h(x - y)` for some ``h`` (the sparse engine's pruning and the quantile
        engine rely on it).
    convex_in_difference : bool
        ``h`` is convex, so on the line the sorted (quantile) coupling is optimal.
    power : float or None
        ``p`` when :math:`c(x, y) = \|x - y\|_2^p` (2 for squared Euclidean, 1 for Euclidean).
    """

    name: str = "cost"
    translation_invariant: bool = False
    convex_in_difference: bool = False
    power: float | None = None

    def matrix(self, X: NDArray[np.float64], Y: NDArray[np.float64]) -> NDArray[np.float64]:
        """The ``(n, m)`` float64 matrix :math:`C_{ij} = c(x_i, y_j)` of validated ``(n, d)``, ``(m, d)`` points."""
        raise NotImplementedError

    def lifted(
        self, X: NDArray[np.float64], Y: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
        r"""For squared Euclidean costs, points in one more dimension whose inner products give the cost.

        :math:`\|x - y\|^2 = \langle \hat x, \hat y\rangle` with :math:`\hat x = (x, \|x\|^2, 1)` and
        :math:`\hat y = (-2y, 1, \|y\|^2)`, so a smallest-cost query is a largest-inner-product query
        on lifted points. ``None`` for other costs.
        """
        return None

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(self.__dict__.items()))))

    def __repr__(self) -> str:
        """``Name()``: the class called without arguments (a cost with parameters shows them)."""
        return f"{type(self).__name__}()"


class _NormPower(Cost):
    r"""The costs :math:`\|x - y\|_2^p` (:class:`SqEuclidean`, :class:`Euclidean`, :class:`PowerCost`): one
    matrix routine, the same float values as the sparse engine's (:class:`otcheck.exact._sparse.PointCosts`)."""

    translation_invariant = True
    convex_in_difference = True
    power: float

    def matrix(self, X: NDArray[np.float64], Y: NDArray[np.float64]) -> NDArray[np.float64]:
        return _finite(self.from_sq(_sqdist(X, Y)), self._label())

    def from_sq(self, sq: NDArray[np.float64]) -> NDArray[np.float64]:
        r"""The costs :math:`(\|x - y\|^2)^{p/2}` from squared distances ``sq``, elementwise: ``sq`` itself
        for ``p = 2``, its square root for ``p = 1``, else the root to the power ``p``; an overflow gives
        ``inf`` (checked by the callers). The one formula of the dense matrix and the sparse engine's
        costs (:class:`otcheck.exact._sparse.PointCosts`), so the two give the same floats."""
        if self.power == 2.0:
            return sq
        with np.errstate(over="ignore"):
            r = np.sqrt(sq)
            return r if self.power == 1.0 else r**self.power

    def _label(self) -> object:
        """How an overflow message names the cost."""
        return self.name


class SqEuclidean(_NormPower):
    r""":math:`c(x, y) = \|x - y\|_2^2` (so :func:`otcheck.wasserstein` gives :math:`W_2^2`)."""

    name = "sqeuclidean"
    power = 2.0

    def lifted(self, X: NDArray[np.float64], Y: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        nx = (X * X).sum(1)[:, None]
        ny = (Y * Y).sum(1)[:, None]
        return (np.hstack([X, nx, np.ones_like(nx)]), np.hstack([-2.0 * Y, np.ones_like(ny), ny]))


class Euclidean(_NormPower):
    r""":math:`c(x, y) = \|x - y\|_2` (so :func:`otcheck.wasserstein` gives :math:`W_1`)."""

    name = "euclidean"
    power = 1.0


class PowerCost(_NormPower):
    r""":math:`c(x, y) = \|x - y\|_2^p`, ``p > 0`` (convex in :math:`x - y` when ``p >= 1``)."""

    name = "power"

    def __init__(self, p: float) -> None:
        if isinstance(p, bool) or not isinstance(p, numbers.Real):
            raise TypeError(f"cost: a power must be a real number, got {type(p).__name__}")
        p = float(p)
        if not np.isfinite(p) or p <= 0:
            raise ValueError(f"cost: a power must be a finite number > 0, got {p!r}")
        self.power = p
        self.convex_in_difference = p >= 1.0

    def _label(self) -> object:
        return _num_repr(self.power)

    def __repr__(self) -> str:
        return f"PowerCost({self.power:g})"


class CallableCost(Cost):
    """A user's cost ``f(X, Y) -> (n, m)`` array of finite, non-negative numbers (no known structure)."""

    name = "callable"

    def __init__(self, fn: Callable[[NDArray[np.float64], NDArray[np.float64]], ArrayLike]) -> None:
        if not callable(fn):
            raise TypeError(f"cost: expected a callable, got {type(fn).__name__}")
        self.fn = fn

    def matrix(self, X: NDArray[np.float64], Y: NDArray[np.float64]) -> NDArray[np.float64]:
        try:
            C = np.asarray(self.fn(X, Y))
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

    def __repr__(self) -> str:
        return f"CallableCost({getattr(self.fn, '__name__', repr(self.fn))})"


#: What a ``cost`` argument accepts: a name of :data:`COST_NAMES`, a power ``p > 0``, a callable
#: ``f(X, Y) -> (n, m)`` array, or a :class:`Cost`.
CostLike: TypeAlias = str | float | Cost | Callable[[NDArray[np.float64], NDArray[np.float64]], ArrayLike]


def as_cost_fn(cost: CostLike) -> Cost:
    """A :class:`Cost` from a name, a power ``p > 0``, a callable, or a :class:`Cost` (returned as is).

    Examples
    --------
    >>> as_cost_fn("sqeuclidean").power, as_cost_fn(1).convex_in_difference, as_cost_fn(0.5).convex_in_difference
    (2.0, True, False)
    """
    if isinstance(cost, Cost):
        return cost
    if isinstance(cost, str):
        if cost == "sqeuclidean":
            return SqEuclidean()
        if cost == "euclidean":
            return Euclidean()
        raise ValueError(f"cost: unknown name {cost!r}; expected one of {COST_NAMES}, a power p > 0 or a callable")
    if isinstance(cost, numbers.Real) and not isinstance(cost, bool):
        return PowerCost(cost)
    if callable(cost):
        return CallableCost(cost)
    raise TypeError(f"cost: expected a name, a power p > 0 or a callable, got {type(cost).__name__}")


def cost_matrix(X: ArrayLike, Y: ArrayLike, cost: CostLike = "sqeuclidean") -> NDArray[np.float64]:
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
    cost : {"sqeuclidean", "euclidean"}, float, callable or Cost
        The cost. A positive number ``p`` gives ``||x - y||^p``. A callable receives the two
        ``(n, d)`` and ``(m, d)`` float64 arrays and must return an ``(n, m)`` array of finite,
        non-negative numbers. A :class:`Cost` object is used as it is.

    Returns
    -------
    C : ndarray, shape (n, m), float64
        ``C[i, j]`` is :math:`c(x_i, y_j)`: finite and non-negative.

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
    return as_cost_fn(cost).matrix(X, Y)


def _num_repr(p: float) -> int | float:
    """A power as the user most likely wrote it (``3`` for ``3.0``), for messages."""
    return int(p) if float(p).is_integer() else p
