"""Result and certificate types of the exact-OT layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from .._validation import FloatArray, as_cost, as_float_array, as_weights, check_nonnegative
from ..bounds import Bound
from ._certificate import BLOCK_ELEMS as _BLOCK_ELEMS

if TYPE_CHECKING:
    from scipy.sparse import coo_array as SparsePlan

    from ._certificate import CertifiedProblem, CostView

__all__ = ["Certificate", "OTResult", "certify", "polish_duals", "support_duals", "DEFAULT_TOL", "UncertifiedError"]

#: Default relative tolerance of a certificate: ``ok`` needs ``upper - lower <= tol * scale``.
DEFAULT_TOL = 1e-8


class UncertifiedError(RuntimeError):
    """No certificate could be built for this problem; otcheck never returns such a result.

    The message says why; ``certificate`` holds the best (failed) certificate when there was one.
    """

    def __init__(self, message: str, certificate: Certificate | None = None) -> None:
        super().__init__(message)
        self.certificate = certificate


@dataclass(frozen=True)
class Certificate:
    r"""A proof that the optimum of :math:`\min_{P \in \Pi(a, b)} \langle C, P\rangle` lies in ``[lower, upper]``.

    **What ``ok`` guarantees.** With the weights rescaled *exactly* to total one
    (:math:`a' = a / \sum_i a_i`, :math:`b' = b / \sum_j b_j`, as rationals) and ``C`` taken at its
    float values, the optimal value lies in ``[lower, upper]``; and ``upper - lower`` is at most
    ``tol * scale``. The interval itself is proven whenever ``failure`` is empty, ``ok`` or not:

    * ``lower`` is a dual value :math:`a'^\top \tilde u + b'^\top v` of potentials made exactly
      feasible (every :math:`C_{ij} - v_j` bounded with its rounding error in one blocked sweep),
      summed exactly and rounded down;
    * ``upper`` is the cost of a plan rebuilt exactly (integers) on a spanning forest of the
      returned plan's support, carrying the exact marginals :math:`a', b'`, summed exactly and
      rounded up.

    ``scale`` is :math:`\sum_{ij} P^\star_{ij}|C_{ij}|` for that rebuilt plan: the size of the
    costs the support actually uses, never the size of the duals and never :math:`\max|C|`, so
    neither an unused huge cost nor a gauge shift of the duals loosens the tolerance.
    ``marginal_residual`` and ``negative_mass`` (absolute, the total mass being 1) describe the
    *returned float plan*: ``ok`` also needs them below ``tol``.

    When ``exact`` is true the certificate was built in rational arithmetic on rational data by
    :func:`otcheck.exact.certify_exact`: ``exact_value`` is the optimum as a
    :class:`~fractions.Fraction` and ``lower``/``upper`` are its float roundings down and up.

    Attributes
    ----------
    lower, upper : float
        The proven interval (``-inf``/``inf`` when a bound could not be built).
    scale : float
        :math:`\sum P^\star|C|` (at least the smallest normal float).
    tol : float
        The relative tolerance of ``ok``.
    marginal_residual, negative_mass : float
        Of the returned float plan.
    dual_violation : float
        :math:`\max_{ij}(u_i + v_j - C_{ij})^+ / s` of the potentials given (information: they
        are repaired, not trusted).
    gap : float
        ``(upper - lower) / scale``, computed exactly and rounded up.
    plan_gap : float
        :math:`\max(0, \langle C, P\rangle - U) / s` for the returned float plan ``P``: ``ok`` needs
        it below ``tol`` too, so that the plan handed back is itself optimal to the tolerance (a
        feasible but suboptimal plan can share its support with an optimal one), not only the plan
        rebuilt on its support.
    exact : bool
        Built in rational arithmetic (:func:`~otcheck.exact.certify_exact`).
    exact_value : Fraction or None
        The optimum, when ``exact``.
    failure : str
        Why no interval could be built (empty when it could).
    duals : str
        Which potentials gave ``lower``: ``"engine"``, ``"c-transformed"``, ``"support"``, ``"exact"``.
    exact_lower, exact_upper : Fraction or None
        ``lower`` and ``upper`` before rounding.
    value : float
        The value reported for the problem: the rebuilt plan's cost, rounded to nearest (inside
        ``[lower, upper]``).
    """

    lower: float
    upper: float
    scale: float
    tol: float = DEFAULT_TOL
    marginal_residual: float = 0.0
    negative_mass: float = 0.0
    dual_violation: float = field(default=0.0, compare=False)
    gap: float = np.inf
    plan_gap: float = 0.0
    exact: bool = False
    exact_value: Fraction | None = None
    failure: str = ""
    duals: str = field(default="engine", compare=False)
    exact_lower: Fraction | None = field(default=None, repr=False, compare=False)
    exact_upper: Fraction | None = field(default=None, repr=False, compare=False)
    value: float = np.nan

    @property
    def ok(self) -> bool:
        """True when the interval is proven and tight: no failure, ``gap <= tol``, and the returned
        plan is feasible within ``tol`` (marginals, negative mass)."""
        return (
            not self.failure
            and self.gap <= self.tol
            and self.plan_gap <= self.tol
            and self.marginal_residual <= self.tol
            and self.negative_mass <= self.tol
        )

    @property
    def primal_value(self) -> float:
        """``upper``: the value of an exactly feasible plan (alias kept for older code)."""
        return self.upper

    @property
    def dual_value(self) -> float:
        """``lower``: the value of exactly feasible dual potentials (alias kept for older code)."""
        return self.lower

    @property
    def worst(self) -> float:
        """The largest of ``gap``, ``plan_gap``, ``marginal_residual`` and ``negative_mass``: the margin by which
        the certificate holds (``<= tol``) or fails."""
        return max(self.gap, self.plan_gap, self.marginal_residual, self.negative_mass)

    def bound(self, method: str) -> Bound:
        """The certified interval as a :class:`~otcheck.bounds.Bound` (a proof; exact when ``exact``)."""
        if self.exact and self.exact_value is not None:
            return Bound.exact(self.exact_value, method=method)
        value = self.value if self.value == self.value else self.upper
        return Bound(value, self.lower, self.upper, method=method, guarantee="proof", tight=self.ok)

    def __str__(self) -> str:
        if self.exact:
            return f"Certificate(ok, exact, value={self.exact_value})"
        state = "ok" if self.ok else f"FAILED{': ' + self.failure if self.failure else ''}"
        return (
            f"Certificate({state}, [{self.lower:.12g}, {self.upper:.12g}], gap={self.gap:.1e} of scale "
            f"{self.scale:.3g} (tol {self.tol:.0e}), marginal={self.marginal_residual:.1e}, "
            f"negative={self.negative_mass:.1e}, duals={self.duals})"
        )


@dataclass(frozen=True)
class OTResult:
    r"""Solution of :math:`\min_{P \in \Pi(a,b)} \langle C, P\rangle` with its certificate.

    Named as POT's ``ot.solve`` names them (``value``, ``plan``, ``potentials``); ``cost``, ``u``
    and ``v`` are kept as aliases.

    Attributes
    ----------
    value : float
        The optimal value: the cost of the exactly rebuilt plan, inside the certified
        ``[certificate.lower, certificate.upper]``.
    plan : ndarray, shape (n, m)
        An optimal coupling (the engine's float plan).
    potentials : tuple of ndarray
        ``(u, v)``: dual potentials, exactly feasible (:math:`u_i + v_j \le C_{ij}` with no
        rounding) and optimal to the certificate's gap.
    method : str
        The engine that produced it.
    certificate : Certificate
        Always ``ok`` for results returned by :func:`solve_ot`.
    bound : Bound
        The certified number: ``[lower, upper]``, a proof.
    a, b, C : ndarray or None
        The validated float64 problem that was certified, kept by reference, so the certificate
        can be re-derived by :meth:`recertify` instead of trusted.

    Examples
    --------
    >>> from otcheck import solve_ot
    >>> res = solve_ot([0.5, 0.5], [0.5, 0.5], [[0.0, 1.0], [1.0, 0.0]], method="emd")
    >>> res.value, res.bound.lower, res.bound.upper
    (0.0, 0.0, 0.0)
    >>> res.recertify().ok
    True
    """

    value: float
    plan: FloatArray | SparsePlan = field(repr=False)
    u: FloatArray = field(repr=False)
    v: FloatArray = field(repr=False)
    method: str
    certificate: Certificate
    a: FloatArray | None = field(default=None, repr=False, compare=False)
    b: FloatArray | None = field(default=None, repr=False, compare=False)
    C: FloatArray | None = field(default=None, repr=False, compare=False)
    info: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    costs: CostView | None = field(default=None, repr=False, compare=False)

    @property
    def cost(self) -> float:
        """Alias of ``value``."""
        return self.value

    @property
    def potentials(self) -> tuple[FloatArray, FloatArray]:
        """``(u, v)``, as POT names them."""
        return self.u, self.v

    @property
    def dual_cost(self) -> float:
        r"""The certified lower end :math:`a'^\top \tilde u + b'^\top v`."""
        return self.certificate.lower

    @property
    def bound(self) -> Bound:
        """The certified value as a :class:`~otcheck.bounds.Bound` (``guarantee="proof"``)."""
        kind = "rational" if self.certificate.exact else "certified"
        return self.certificate.bound(f"exact OT ({self.method}), {kind}")

    def recertify(self, *, tol: float | None = None) -> Certificate:
        r"""Re-derive the certificate from the stored problem and the returned plan and duals.

        Runs :func:`certify` on ``(a, b, C, plan, u, v)``: nothing of the stored ``certificate`` is
        reused, so a result whose arrays were changed after solving shows here.

        Raises
        ------
        ValueError
            If the result carries no problem (``a``, ``b`` or ``C`` is ``None``).
        """
        if self.a is not None and self.b is not None and self.C is None and self.costs is not None:
            from ._certificate import CertifiedProblem

            if isinstance(self.plan, np.ndarray):
                raise ValueError("plan: a result whose costs come from points carries a sparse plan")
            plan = self.plan.tocoo()  # a sparse plan of the "sparse" engine: costs computed from the points
            prob = CertifiedProblem(self.a, self.b, self.costs, self.certificate.tol if tol is None else tol)
            support = (plan.row.astype(np.int64), plan.col.astype(np.int64), np.asarray(plan.data, dtype=np.float64))
            return prob.check(None, self.u, self.v, support=support, repair=False)[0]
        if self.a is None or self.b is None or self.C is None:
            raise ValueError("a, b, C: this OTResult was built without its problem, nothing to recertify against")
        return certify(
            self.a, self.b, self.C, self.plan, self.u, self.v, tol=self.certificate.tol if tol is None else tol
        )

    def __str__(self) -> str:
        return f"OTResult(value={self.value:.12g}, method={self.method!r}, {self.certificate})"


def _blocked_min(C: FloatArray, w: FloatArray, axis: int) -> FloatArray:
    """``min_i (C_ij - w_i)`` (axis=0) or ``min_j (C_ij - w_j)`` (axis=1), in row blocks."""
    n, m = C.shape
    rows = max(1, _BLOCK_ELEMS // max(m, 1))
    if axis == 1:
        out = np.empty(n)
        for s in range(0, n, rows):
            out[s : s + rows] = (C[s : s + rows] - w[None, :]).min(1)
        return out
    out = np.full(m, np.inf)
    for s in range(0, n, rows):
        np.minimum(out, (C[s : s + rows] - w[s : s + rows, None]).min(0), out=out)
    return out


def polish_duals(C: FloatArray, u: FloatArray, v: FloatArray) -> tuple[FloatArray, FloatArray]:
    r"""Make ``(u, v)`` dual feasible by two c-transforms, keeping it optimal when it nearly was.

    .. math::

        v'_j = \min_i (C_{ij} - u_i), \qquad u'_i = \min_j (C_{ij} - v'_j)

    so :math:`u'_i + v'_j \le C_{ij}` up to one rounding. Solvers with tolerances (HiGHS,
    Clarabel) return duals slightly infeasible; this repairs feasibility without loosening any
    tolerance: the result is certified afterwards like any other. O(nm) time, O(n + m + block)
    memory.

    Parameters
    ----------
    C : ndarray, shape (n, m)
        Validated float64 cost matrix.
    u, v : ndarray, shapes (n,), (m,)
        Candidate potentials.

    Returns
    -------
    u2, v2 : ndarray
        Feasible potentials. If ``(u, v)`` is feasible already, then ``u2 >= u`` and ``v2 >= v``
        entrywise up to one rounding of :math:`C_{ij} - u_i - v_j`, so the dual value
        :math:`a^\top u + b^\top v` does not decrease (beyond that rounding).

    Examples
    --------
    >>> import numpy as np
    >>> C = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> u2, v2 = polish_duals(C, np.array([0.1, 0.0]), np.zeros(2))  # u_0 + v_0 > C_00
    >>> bool(np.all(u2[:, None] + v2[None, :] <= C)), u2.tolist(), v2.tolist()
    (True, [0.1, 0.0], [-0.1, 0.0])
    """
    v2 = _blocked_min(C, u, axis=0)
    u2 = _blocked_min(C, v2, axis=1)
    return u2, v2


def support_duals(C: ArrayLike, P: ArrayLike) -> tuple[FloatArray, FloatArray]:
    r"""Dual potentials rebuilt from the support of a plan (see :meth:`CertifiedProblem.support_potentials`).

    Tight on a spanning forest of the cells with :math:`P_{ij} > 0` (:math:`u_i + v_j = C_{ij}`),
    the forest's components shifted against each other to dual feasibility by Bellman-Ford rounds
    over all pairs. For an optimal plan these are optimal duals computed from the costs the plan
    uses, accurate even when an engine's duals carry the rounding of much larger unused costs.
    Rows outside the support get their c-transform :math:`\min_j (C_{ij} - v_j)`.

    Examples
    --------
    >>> C = np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 1e-13]])
    >>> P = np.array([[0.0, 1, 0.5], [1, 0.0, 0.5]]) / 3
    >>> u, v = support_duals(C, P)
    >>> bool(np.all(u[:, None] + v[None, :] <= C + 1e-15)), float(u @ [0.5, 0.5] + v @ [1/3, 1/3, 1/3]) <= 1e-13
    (True, True)
    """
    from ._certificate import CertifiedProblem, DenseCosts

    C = as_cost(C, "C")
    P = as_float_array(P, "P", ndim=2)
    n, m = C.shape
    prob = CertifiedProblem(np.full(n, 1.0 / n), np.full(m, 1.0 / m), DenseCosts(C), DEFAULT_TOL)
    nz = np.flatnonzero(P > 0)
    I = nz // m
    u, v = prob.support_potentials(I, nz - I * m, P.reshape(-1)[nz])
    if np.any(np.isinf(u)):
        mins, _ = prob.costs.row_bounds(v, rigorous=False)
        u = np.where(np.isinf(u), mins, u)
    return u, v


class _Checker:
    """``check(P, u, v) -> (Certificate, u, v)`` for one prepared problem (``check.problem``)."""

    def __init__(self, problem: CertifiedProblem, repair: bool) -> None:
        self.problem = problem
        self.repair = repair

    def __call__(self, P: FloatArray, u: FloatArray, v: FloatArray) -> tuple[Certificate, FloatArray, FloatArray]:
        return self.problem.check(P, u, v, repair=self.repair)


def _checker(a: FloatArray, b: FloatArray, C: FloatArray, tol: float, *, repair: bool = True) -> _Checker:
    """``check(P, u, v) -> (Certificate, u, v)`` for the dense problem ``(a, b, C)`` (see ``_certificate``)."""
    from ._certificate import CertifiedProblem, DenseCosts

    return _Checker(CertifiedProblem(a, b, DenseCosts(C), tol), repair)


def certify(
    a: ArrayLike, b: ArrayLike, C: ArrayLike, plan: ArrayLike, u: ArrayLike, v: ArrayLike, *, tol: float = DEFAULT_TOL
) -> Certificate:
    r"""Check that ``plan`` and ``(u, v)`` are optimal for the OT problem ``(a, b, C)``.

    Computes primal feasibility (marginals, non-negativity), dual feasibility
    :math:`\max(u_i + v_j - C_{ij}, 0)`, the duality gap
    :math:`|\langle C, P\rangle - a^\top u - b^\top v|` and complementary slackness
    :math:`\sum_{ij} P_{ij}|C_{ij} - u_i - v_j|`, each relative to the size of the primal and
    dual sums (at most ``max|C|``; see :class:`Certificate`).

    Parameters
    ----------
    a : array_like, shape (n,)
        Source weights (sum to one).
    b : array_like, shape (m,)
        Target weights (sum to one).
    C : array_like, shape (n, m)
        Cost matrix, finite.
    plan : array_like, shape (n, m)
        Candidate coupling.
    u, v : array_like, shapes (n,), (m,)
        Candidate dual potentials.
    tol : float, default 1e-8
        Tolerance for ``Certificate.ok``.

    Returns
    -------
    Certificate
        The certificate of ``(plan, u, v)`` as given (the potentials made exactly feasible, never repaired):
        ``[lower, upper]`` contains the optimal value whenever ``failure`` is empty, and ``ok`` says that the
        plan is optimal to ``tol`` relative to ``scale``.

    Examples
    --------
    >>> import numpy as np
    >>> C = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> a = b = np.array([0.5, 0.5])
    >>> certify(a, b, C, np.eye(2) / 2, np.zeros(2), np.zeros(2)).ok
    True
    >>> certify(a, b, C, np.full((2, 2), 0.25), np.zeros(2), np.zeros(2)).ok  # feasible, not optimal
    False
    """
    a = as_weights(a, "a")
    b = as_weights(b, "b")
    C = as_cost(C, "C", shape=(a.shape[0], b.shape[0]))
    tol = check_nonnegative(tol, "tol", strict=True)  # tol=inf would make every certificate "ok"
    P = as_float_array(plan, "plan", ndim=2)
    if P.shape != C.shape:
        raise ValueError(f"plan: has shape {P.shape}, expected {C.shape}")
    u = as_float_array(u, "u", ndim=1)
    v = as_float_array(v, "v", ndim=1)
    if u.shape[0] != C.shape[0]:
        raise ValueError(f"u: has length {u.shape[0]}, expected {C.shape[0]}")
    if v.shape[0] != C.shape[1]:
        raise ValueError(f"v: has length {v.shape[0]}, expected {C.shape[1]}")
    return _checker(a, b, C, tol, repair=False)(P, u, v)[0]
