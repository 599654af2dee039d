r"""The Kantorovich-Rubinstein dual of :math:`W_1` as a linear program (layer 2, beside the exact OT engines).

For discrete :math:`\mu = \sum_i a_i \delta_{x_i}` and :math:`\nu = \sum_j b_j \delta_{y_j}` with
:math:`p_1, \dots, p_N` the distinct points of both supports and :math:`m_k = \mu(p_k) - \nu(p_k)`,

.. math::

    W_1(\mu, \nu) = \max_{f:\ f(p_k) - f(p_l) \le \|p_k - p_l\|} \sum_k m_k f(p_k)

(eq. 2 of the paper), an LP in the :math:`N` values :math:`f(p_k)` whose dual is a min-cost flow;
by McShane's extension a feasible ``f`` on the points is the restriction of a 1-Lipschitz
function on :math:`\mathbb R^d`. :func:`w1_dual` solves the LP (HiGHS) and returns the witness with
the value of the flow read off the solver's multipliers, so the result is bracketed between a
witness value and a flow value (:attr:`W1Witness.bound`). :func:`c_transform_witness` solves
nothing: it turns a primal potential :math:`v` into the 1-Lipschitz witness
:math:`f(x) = \min_j \|x - y_j\| - v_j` (weak duality gives :math:`\sum_k m_k f(p_k) \le W_1`).

The argument order is POT's: points first, then the optional weights (uniform when omitted).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import (
    as_float_array,
    as_points,
    as_weights,
    count_points,
    looks_like_weights,
    positional_order,
    read_argument_order,
)
from ..bounds import FLOAT_REL_ERROR, Bound
from .result import UncertifiedError

__all__ = ["W1Witness", "w1_dual", "c_transform_witness", "LP_TIGHT_GAP", "HIGHS_FEAS_TOL"]

#: float64 numpy array (the type of every array this module returns)
FloatArray = NDArray[np.float64]

#: Relative width under which an LP result of otcheck counts as tight: HiGHS works here to
#: feasibility tolerances of 1e-10 (:data:`HIGHS_FEAS_TOL`), whose effect on the value grows with the
#: number of variables; its optimal gaps measured here are below 1e-10.
LP_TIGHT_GAP = 1e-8

#: The primal and dual feasibility tolerances otcheck's LPs ask HiGHS for. A dual infeasible by
#: ``delta`` in each reduced cost overstates a lower bound by up to ``delta`` times the primal mass,
#: so LP bounds are widened by it.
HIGHS_FEAS_TOL = 1e-10


def _lp_bound(primal: float, dual: float, residual_effect: float, method: str) -> Bound:
    """A Bound between an LP's primal and dual values, widened by float rounding and by the effect of
    the solver's feasibility tolerances; one-sided when the dual value is NaN (no feasible dual).
    Tight when its whole width is within :data:`LP_TIGHT_GAP` of the value's size (so a bound much
    wider than a tiny value is never tight)."""
    size = max(abs(primal), abs(dual) if dual == dual else 0.0)
    err = FLOAT_REL_ERROR * size + abs(residual_effect)
    if dual != dual:
        return Bound(primal, primal - err, np.inf, method=method, guarantee="estimate", tight=False)
    lo, hi = min(primal, dual) - err, max(primal, dual) + err
    return Bound(primal, lo, hi, method=method, guarantee="estimate", tight=bool(hi - lo <= LP_TIGHT_GAP * size))


def _distances(P: FloatArray, Q: FloatArray | None = None) -> FloatArray:
    """Euclidean distance matrix between the rows of ``P`` and of ``Q`` (default ``P``)."""
    Q = P if Q is None else Q
    return np.sqrt(((P[:, None, :] - Q[None, :, :]) ** 2).sum(-1))


def _lipschitz_violation(P: FloatArray, f: FloatArray, D: FloatArray | None = None) -> float:
    r""":math:`\max_{k, l} (f_k - f_l - \|p_k - p_l\|)^+` (0 for a 1-Lipschitz ``f`` on the points ``P``)."""
    D = _distances(P) if D is None else D
    return float(max(0.0, (f[:, None] - f[None, :] - D).max()))


@dataclass(frozen=True)
class W1Witness:
    r"""Optimal 1-Lipschitz witness of :math:`W_1(\mu, \nu)` on the union of the supports.

    Attributes
    ----------
    value : float
        :math:`\max_f \sum_k m_k f(p_k)`, the dual value (:math:`= W_1`).
    points : ndarray, shape (N, d)
        The distinct points of :math:`\mathrm{supp}\,\mu \cup \mathrm{supp}\,\nu`.
    values : ndarray, shape (N,)
        The optimal witness :math:`f(p_k)` (normalized so that ``values[0] == 0``).
    masses : ndarray, shape (N,)
        :math:`m_k = \mu(p_k) - \nu(p_k)`.
    lipschitz_violation : float
        :math:`\max_{k \ne l} (f(p_k) - f(p_l) - \|p_k - p_l\|)^+`, checked on the returned values.
    dual_value : float
        Value of the LP dual (a min-cost flow) from the solver's multipliers, NaN when that flow
        is not feasible (conservation or sign violated by more than 1e-9) or when the witness did
        not come from the LP (:func:`c_transform_witness`); ``value - dual_value`` is the
        certified duality gap.
    flow_residual : float
        Largest violation of the flow's conservation or sign (at most 1e-9 when ``dual_value`` is
        finite): the flow is feasible for masses off by that much at each point, which moves its
        value by at most ``N * flow_residual * diameter``.
    """

    value: float
    points: FloatArray = field(repr=False)
    values: FloatArray = field(repr=False)
    masses: FloatArray = field(repr=False)
    lipschitz_violation: float
    dual_value: float
    flow_residual: float = 0.0

    @property
    def gap(self) -> float:
        """Absolute duality gap of the LP."""
        return abs(self.value - self.dual_value)

    @property
    def bound(self) -> Bound:
        r""":math:`W_1` as a :class:`~otcheck.bounds.Bound`: between the witness value and the flow value.

        An ``"estimate"`` (HiGHS works to tolerances, the sums are float64); one-sided (upper end
        ``inf``) when the flow of the LP dual is not feasible. Tight when the gap is within
        :data:`~otcheck.bounds.FLOAT_REL_ERROR`-scaled rounding plus 1e-9 of the value's size.
        """
        N = self.points.shape[0]
        diameter = float(_distances(self.points).max()) if N > 1 else 0.0
        return _lp_bound(
            self.value,
            self.dual_value,
            self.lipschitz_violation * float(np.abs(self.masses).sum()) + N * self.flow_residual * diameter,
            "W1 dual LP over 1-Lipschitz witnesses (HiGHS)",
        )

    def extension(self, y: ArrayLike) -> FloatArray:
        r"""McShane extension :math:`\tilde f(y) = \min_k f(p_k) + \|y - p_k\|`, 1-Lipschitz on
        :math:`\mathbb R^d` and equal to ``values`` on ``points`` (up to ``lipschitz_violation``).

        Parameters
        ----------
        y : array_like, shape (n, d) or (n,)
            The points :math:`y_i` at which to evaluate, one per row, in the dimension of ``points`` (a 1-D
            array: ``n`` points on the line).

        Returns
        -------
        ndarray, shape (n,)
            :math:`\tilde f(y_i)` for each row :math:`y_i` of ``y``.
        """
        return (self.values[None, :] + _distances(as_points(y, "y"), self.points)).min(axis=1)


def _two_measures(
    X: ArrayLike, Y: ArrayLike, a: ArrayLike | None, b: ArrayLike | None
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Validate two discrete measures (atoms, weights; None = uniform) of the same dimension; errors name
    the argument. Returns ``(X, Y, a, b)`` as float64 arrays."""
    X = as_points(X, "X")
    Y = as_points(Y, "Y")
    a = np.full(X.shape[0], 1.0 / X.shape[0]) if a is None else as_weights(a, "a", n=X.shape[0])
    b = np.full(Y.shape[0], 1.0 / Y.shape[0]) if b is None else as_weights(b, "b", n=Y.shape[0])
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"Y: points have dimension {Y.shape[1]}, but X has dimension {X.shape[1]}")
    return X, Y, a, b


def _is_vector(v: ArrayLike | None, n: int | None) -> bool:
    """True when ``v`` is a 1-D array of ``n`` entries (never raises)."""
    try:
        return n is not None and v is not None and np.ndim(v) == 1 and np.size(v) == n
    except Exception:  # noqa: BLE001 - the validators report malformed input
        return False


def _read_order(func: str, slots: tuple[ArrayLike | None, ...]) -> tuple[object, ...]:
    """The arguments of a positional call in POT's order, reading the deprecated one when only it gives
    weights (:func:`otcheck._validation.read_argument_order`).

    ``slots`` are the arguments as passed: ``(X, Y, a, b)`` for :func:`w1_dual` (old order
    ``(a, X, b, Y)``), ``(X, Y, v, a, b)`` for :func:`c_transform_witness` (old order
    ``(a, X, b, Y, v)``). Returns them in the new order.
    """
    n = [count_points(s) for s in slots]
    if len(slots) == 4:
        s1, s2, s3, s4 = slots
        new_ok = looks_like_weights(s3, n[0]) and looks_like_weights(s4, n[1])
        old_ok = looks_like_weights(s1, n[1]) and looks_like_weights(s3, n[3])
        return read_argument_order(
            func, "X, Y, a, b", "a, X, b, Y", slots, (s2, s4, s1, s3), new_ok=new_ok, old_ok=old_ok, stacklevel=4
        )
    s1, s2, s3, s4, s5 = slots
    new_ok = looks_like_weights(s4, n[0]) and looks_like_weights(s5, n[1]) and _is_vector(s3, n[1])
    old_ok = looks_like_weights(s1, n[1]) and looks_like_weights(s3, n[3]) and _is_vector(s5, n[3])
    return read_argument_order(
        func, "X, Y, v, a, b", "a, X, b, Y, v", slots, (s2, s4, s5, s1, s3), new_ok=new_ok, old_ok=old_ok, stacklevel=4
    )


# partials add no frame, so the warnings' stacklevel (4) points at the caller of the public function
_w1_dual_order = functools.partial(_read_order, "w1_dual")
_c_transform_order = functools.partial(_read_order, "c_transform_witness")


def _masses(X: FloatArray, Y: FloatArray, a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The distinct points of both supports and :math:`m_k = \\mu(p_k) - \\nu(p_k)` on them."""
    P, inv = np.unique(np.vstack([X, Y]), axis=0, return_inverse=True)
    inv = inv.ravel()
    m = np.zeros(P.shape[0])
    np.add.at(m, inv[: X.shape[0]], a)
    np.add.at(m, inv[X.shape[0] :], -b)
    return P, m


@positional_order(2, _w1_dual_order)
def w1_dual(X: ArrayLike, Y: ArrayLike, a: ArrayLike | None = None, b: ArrayLike | None = None) -> W1Witness:
    r"""Solve the dual of :math:`W_1` as an LP over 1-Lipschitz witnesses on the supports (eq. 2).

    .. math::

        W_1(\mu, \nu) = \max_{f:\ |f(p_k) - f(p_l)| \le \|p_k - p_l\|}
            \sum_i a_i f(x_i) - \sum_j b_j f(y_j),

    where :math:`p_1, \dots, p_N` are the distinct points of both supports. By McShane's
    extension any feasible ``f`` on the points extends to a 1-Lipschitz function on
    :math:`\mathbb R^d`, so this is the sup over all 1-Lipschitz functions. Solved with HiGHS;
    the LP dual (min-cost flow) value is returned for a duality-gap certificate.

    The argument order is POT's. The old order ``w1_dual(a, X, b, Y)`` still works, with a
    ``DeprecationWarning``, when only it reads as weights; a positional call that reads both ways
    with different meanings is read in the new order, with a ``FutureWarning``. Weights passed by
    keyword (``a=``, ``b=``) are never reordered.

    Parameters
    ----------
    X : array_like, shape (n, d) or (n,)
        Atoms of :math:`\mu`.
    Y : array_like, shape (m, d) or (m,)
        Atoms of :math:`\nu`.
    a : array_like, shape (n,), optional
        Weights of :math:`\mu` (a probability vector); uniform when omitted.
    b : array_like, shape (m,), optional
        Weights of :math:`\nu`; uniform when omitted.

    Returns
    -------
    W1Witness
        The optimal witness on the distinct support points with its value :math:`W_1(\mu, \nu)`, the LP dual's
        min-cost flow value (NaN when that flow is not feasible) and the Lipschitz violation;
        :attr:`W1Witness.bound` makes them an interval.

    Raises
    ------
    ValueError
        Bad weights or points (named).
    otcheck.UncertifiedError
        The LP solver failed (no witness is returned).

    Examples
    --------
    >>> w = w1_dual([0.0, 1.0], [3.0], [0.5, 0.5], [1.0])
    >>> round(w.value, 9), w.lipschitz_violation <= 1e-9
    (2.5, True)
    >>> round(w1_dual([0.0, 1.0], [3.0]).value, 9)   # uniform weights
    2.5
    """
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    X, Y, a, b = _two_measures(X, Y, a, b)
    P, m = _masses(X, Y, a, b)
    N = P.shape[0]
    if N == 1:
        return W1Witness(0.0, P, np.zeros(1), m, 0.0, 0.0)
    D = _distances(P)
    kk, ll = np.where(~np.eye(N, dtype=bool))
    # one row per ordered pair (k, l): f_k - f_l <= ||p_k - p_l||; sparse, 2 entries a row
    rows, cols = np.repeat(np.arange(kk.size), 2), np.column_stack([kk, ll]).ravel()
    A = coo_matrix((np.tile([1.0, -1.0], kk.size), (rows, cols)), shape=(kk.size, N)).tocsr()
    bounds = [(0.0, 0.0)] + [(None, None)] * (N - 1)
    res = linprog(
        -m,
        A_ub=A,
        b_ub=D[kk, ll],
        bounds=bounds,
        method="highs",
        options={"primal_feasibility_tolerance": HIGHS_FEAS_TOL, "dual_feasibility_tolerance": HIGHS_FEAS_TOL},
    )
    if res.status != 0:
        raise UncertifiedError(
            f"w1_dual: the W_1 dual LP failed, no witness could be certified (HiGHS status {res.status}: {res.message})"
        )
    f = np.asarray(res.x, dtype=float)
    value = float(m @ f)
    viol = _lipschitz_violation(P, f, D)
    # HiGHS multipliers of A_ub x <= b_ub are <= 0 for a minimization; the flow is -marginals.
    flow = -np.asarray(res.ineqlin.marginals, dtype=float)
    dual_value = float(flow @ D[kk, ll])
    # the flow is dual-feasible when it is non-negative and conserves mass: out(k) - in(k) = m_k
    net = np.zeros(N)
    np.add.at(net, kk, flow)
    np.add.at(net, ll, -flow)
    residual = float(max(np.abs(net - m).max(), max(0.0, -flow.min())))
    dual_value = dual_value if residual <= 1e-9 else float("nan")
    return W1Witness(
        value=value,
        points=P,
        values=f,
        masses=m,
        lipschitz_violation=viol,
        dual_value=dual_value,
        flow_residual=residual,
    )


@positional_order(3, _c_transform_order)
def c_transform_witness(
    X: ArrayLike, Y: ArrayLike, v: ArrayLike, a: ArrayLike | None = None, b: ArrayLike | None = None
) -> W1Witness:
    r"""1-Lipschitz witness of :math:`W_1` from the target-side potential ``v`` of the primal problem.

    .. math:: f(x) = \min_j \|x - y_j\| - v_j

    is 1-Lipschitz on :math:`\mathbb R^d` (a minimum of 1-Lipschitz functions), so
    :math:`\sum_i a_i f(x_i) - \sum_j b_j f(y_j) \le W_1` for *any* ``v`` (weak duality), with
    equality when ``v`` is an optimal potential of the primal LP (``OTResult.v`` of the Euclidean
    cost). Unlike :func:`w1_dual` it solves nothing: it turns a primal solver's output into a
    witness whose value and Lipschitz constant are checked independently.

    The old order ``c_transform_witness(a, X, b, Y, v)`` still works, with a ``DeprecationWarning``
    (as for :func:`w1_dual`).

    Parameters
    ----------
    X, Y, a, b
        As in :func:`w1_dual` (weights uniform when omitted).
    v : array_like, shape (m,)
        A potential on the atoms of :math:`\nu`.

    Returns
    -------
    W1Witness
        On the distinct points of both supports; ``dual_value`` is NaN (no LP certificate).

    Raises
    ------
    ValueError
        Bad weights or points, or ``v`` of the wrong shape (named).

    Examples
    --------
    >>> w = c_transform_witness([0.0, 1.0], [3.0], [0.0], [0.5, 0.5], [1.0])
    >>> w.value, w.lipschitz_violation
    (2.5, 0.0)
    """
    X, Y, a, b = _two_measures(X, Y, a, b)
    v = as_float_array(v, "v", ndim=1)
    if v.shape != (Y.shape[0],):
        raise ValueError(f"v: has shape {v.shape}, expected ({Y.shape[0]},)")
    P, m = _masses(X, Y, a, b)
    f = (_distances(P, Y) - v[None, :]).min(axis=1)
    return W1Witness(
        value=float(m @ f),
        points=P,
        values=f,
        masses=m,
        lipschitz_violation=_lipschitz_violation(P, f),
        dual_value=float("nan"),
    )
