"""Result and certificate types of the exact-OT layer, and the floating-point certificate."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .._validation import as_cost, as_float_array, as_weights, check_nonnegative

__all__ = ["Certificate", "OTResult", "certify", "polish_duals", "support_duals", "DEFAULT_TOL", "UncertifiedError"]

#: Default relative tolerance of a floating-point certificate.
DEFAULT_TOL = 1e-8

# Entries per block when sweeping the (n, m) cost matrix: bounds the temporaries to ~8 MB (also
# faster than one big block: the block stays in cache between its passes).
_BLOCK_ELEMS = 1_000_000


class UncertifiedError(RuntimeError):
    """An engine produced a plan/dual pair whose certificate does not hold.

    otcheck never returns such a result; the error carries the failed certificate.
    """

    def __init__(self, message, certificate=None):
        super().__init__(message)
        self.certificate = certificate


@dataclass(frozen=True)
class Certificate:
    r"""Optimality certificate of a plan ``P`` and dual potentials ``(u, v)`` for
    :math:`\min_{P \in \Pi(a, b)} \langle C, P \rangle`.

    All quantities except ``marginal_residual`` and ``negative_mass`` (which are absolute, since
    the total mass is 1) are divided by ``scale``, the size of the numbers that make up the primal
    and dual values (capped at :math:`\max|C|`, floored at the smallest normal float):

    .. math::

        \text{scale} = \min\Bigl(\textstyle\sum_{ij} P_{ij}|C_{ij}| + \sum_i a_i|\tilde u_i|
            + \sum_j b_j|\tilde v_j|,\; \max_{ij}|C_{ij}|\Bigr),
        \qquad (\tilde u, \tilde v) = (u + c, v - c),\ c = \tfrac12(\max v - \max u),

    so a cost entry that the optimum never uses (an outlier :math:`10^{12}` among costs of order
    one) does not loosen the tolerance, and neither does a gauge shift :math:`(u + M, v - M)` of
    the duals. A dual violation :math:`\delta` bounds the error of the value by :math:`\delta`
    (``(u - delta, v)`` is feasible), so every relative residual below ``tol`` means the value is
    right to about ``tol * scale``.

    .. math::

        \text{marginal} &= \max(\|P\mathbf 1 - a\|_\infty, \|P^\top \mathbf 1 - b\|_\infty) \\
        \text{negative} &= \max(0, -\min_{ij} P_{ij}) \\
        \text{dual violation} &= \max_{ij} \max(u_i + v_j - C_{ij}, 0) / \text{scale} \\
        \text{gap} &= |\langle C, P\rangle - (a^\top u + b^\top v)| / \text{scale} \\
        \text{slackness} &= \textstyle\sum_{ij} P_{ij} |C_{ij} - u_i - v_j| / \text{scale}

    ``ok`` is true when every one of them is at most ``tol``. Primal feasibility, dual
    feasibility and a zero gap together prove that both are optimal (weak duality), up to ``tol``.
    When ``exact`` is true, the certificate was checked in rational arithmetic by
    :func:`otcheck.exact.certify_exact`: every residual is exactly zero, a proof rather than a
    tolerance, and ``exact_value`` holds the optimal value as a :class:`fractions.Fraction`
    (``primal_value`` and ``dual_value`` are its float rounding).
    """

    marginal_residual: float
    negative_mass: float
    dual_violation: float
    gap: float
    complementary_slackness: float
    primal_value: float
    dual_value: float
    scale: float
    tol: float = DEFAULT_TOL
    exact: bool = False
    exact_value: Fraction | None = None

    @property
    def ok(self):
        """True when primal feasibility, dual feasibility and the duality gap all hold within ``tol``."""
        return all(
            x <= self.tol
            for x in (self.marginal_residual, self.negative_mass, self.dual_violation, self.gap,
                      self.complementary_slackness)
        )

    @property
    def worst(self):
        """The largest of the five residuals (the margin by which the certificate holds or fails)."""
        return max(self.marginal_residual, self.negative_mass, self.dual_violation, self.gap,
                   self.complementary_slackness)

    def __str__(self):
        kind = f"exact, value={self.exact_value}" if self.exact else f"tol={self.tol:.0e}"
        return (f"Certificate({'ok' if self.ok else 'FAILED'}, {kind}: marginal={self.marginal_residual:.1e}, "
                f"negative={self.negative_mass:.1e}, dual_violation={self.dual_violation:.1e}, "
                f"gap={self.gap:.1e}, slackness={self.complementary_slackness:.1e})")


@dataclass(frozen=True)
class OTResult:
    r"""Solution of :math:`\min_{P \in \Pi(a,b)} \langle C, P\rangle` with its certificate.

    Attributes
    ----------
    cost : float
        :math:`\langle C, P \rangle`, the optimal value.
    plan : ndarray, shape (n, m)
        An optimal coupling.
    u, v : ndarray, shapes (n,), (m,)
        Optimal dual potentials, :math:`u_i + v_j \le C_{ij}`.
    method : str
        The engine that produced it.
    certificate : Certificate
        Checked on the returned arrays; always ``ok`` for results returned by :func:`solve_ot`.
    a, b, C : ndarray or None
        The validated float64 problem that was certified, kept by reference (no copy: for
        float64 C-contiguous inputs they are the caller's own arrays), so the certificate can be
        re-derived by :meth:`recertify` instead of trusted. ``None`` only for results built by
        hand without them.

    Examples
    --------
    >>> from otcheck import solve_ot
    >>> res = solve_ot([0.5, 0.5], [0.5, 0.5], [[0.0, 1.0], [1.0, 0.0]], method="emd")
    >>> res.recertify() == res.certificate
    True
    """

    cost: float
    plan: np.ndarray = field(repr=False)
    u: np.ndarray = field(repr=False)
    v: np.ndarray = field(repr=False)
    method: str
    certificate: Certificate
    a: np.ndarray | None = field(default=None, repr=False, compare=False)
    b: np.ndarray | None = field(default=None, repr=False, compare=False)
    C: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def dual_cost(self):
        r""":math:`a^\top u + b^\top v`, equal to ``cost`` up to the certified gap."""
        return self.certificate.dual_value

    def recertify(self, *, tol=None):
        r"""Re-derive the certificate from the stored problem and the returned plan and duals.

        Runs :func:`certify` on ``(a, b, C, plan, u, v)``: nothing of the stored ``certificate`` is
        reused, so a result whose arrays were changed after solving (the arrays are shared, not
        copied) or a certificate that was tampered with shows here.

        Parameters
        ----------
        tol : float, optional
            Tolerance of the new certificate; the stored certificate's tolerance by default.

        Returns
        -------
        Certificate

        Raises
        ------
        ValueError
            If the result carries no problem (``a``, ``b`` or ``C`` is ``None``).
        """
        if self.a is None or self.b is None or self.C is None:
            raise ValueError("a, b, C: this OTResult was built without its problem, nothing to recertify against")
        return certify(self.a, self.b, self.C, self.plan, self.u, self.v,
                       tol=self.certificate.tol if tol is None else tol)

    def __str__(self):
        return f"OTResult(cost={self.cost:.12g}, method={self.method!r}, {self.certificate})"


def _certify_arrays(a, b, C, P, u, v, tol):
    r"""Certificate of validated float64 arrays; O(nm) time, O(block + nnz(P)) extra memory.

    Everything that involves the plan is computed on its non-zero entries (a basic plan has at most
    ``n + m - 1``), so the plan is swept once; dual feasibility needs every entry of ``C`` and is
    one blocked sweep, :math:`\min_{ij}(C_{ij} - u_i - v_j) = \min_i(\min_j(C_{ij} - v_j) - u_i)`.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow gives inf (or NaN), which fails below
        return _certify_unguarded(a, b, C, P, u, v, tol)


def _certify_unguarded(a, b, C, P, u, v, tol):
    n, m = C.shape
    cmax = max(float(C.max()), -float(C.min()))  # max|C|, no temporary
    P = np.ascontiguousarray(P)
    nz = np.flatnonzero(P)
    vals = P.reshape(-1)[nz]
    i = nz // m
    j = nz - i * m
    rows_sum = np.bincount(i, weights=vals, minlength=n)
    cols_sum = np.bincount(j, weights=vals, minlength=m)
    marginal = max(float(np.abs(rows_sum - a).max()), float(np.abs(cols_sum - b).max()))
    negative = max(0.0, -float(vals.min())) if vals.size else 0.0
    cvals = C.reshape(-1)[nz]
    primal = float(vals @ cvals)
    slack = float(vals @ np.abs(cvals - u[i] - v[j]))
    rows = max(1, _BLOCK_ELEMS // max(m, 1))
    buf = np.empty((min(rows, n), m))
    viol = -np.inf
    for s in range(0, n, rows):
        Cb = C[s:s + rows]
        T = np.subtract(Cb, v[None, :], out=buf[:Cb.shape[0]])
        block = -float((T.min(1) - u[s:s + rows]).min())  # max_ij u_i + v_j - C_ij
        viol = max(viol, block) if block == block else np.inf  # Python's max would drop a NaN
    dual = float(a @ u + b @ v)
    gap = abs(primal - dual)
    c = 0.5 * (float(v.max()) - float(u.max()))  # gauge-free size of the duals
    size = float(vals @ np.abs(cvals)) + float(a @ np.abs(u + c)) + float(b @ np.abs(v - c))
    scale = max(min(size, cmax) if size == size else cmax, np.finfo(float).tiny)
    return Certificate(
        marginal_residual=marginal,
        negative_mass=negative,
        dual_violation=(max(viol, 0.0) + 0.0) / scale,  # + 0.0: no "-0.0" when viol is -0.0
        gap=gap / scale if gap == gap else np.inf,
        complementary_slackness=slack / scale if slack == slack else np.inf,
        primal_value=primal,
        dual_value=dual,
        scale=scale,
        tol=float(tol),
    )


def _blocked_min(C, w, axis):
    """``min_i (C_ij - w_i)`` (axis=0) or ``min_j (C_ij - w_j)`` (axis=1), in row blocks."""
    n, m = C.shape
    rows = max(1, _BLOCK_ELEMS // max(m, 1))
    if axis == 1:
        out = np.empty(n)
        for s in range(0, n, rows):
            out[s:s + rows] = (C[s:s + rows] - w[None, :]).min(1)
        return out
    out = np.full(m, np.inf)
    for s in range(0, n, rows):
        np.minimum(out, (C[s:s + rows] - w[s:s + rows, None]).min(0), out=out)
    return out


def polish_duals(C, u, v):
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


def _center(u, v):
    """Remove the gauge freedom ``(u + c, v - c)``: balance ``max u`` and ``max v``.

    The dual value moves by ``c (sum(a) - sum(b))``, a rounding-size change, but a large ``c``
    (e.g. ``u = M``, ``v = -M`` on a zero cost matrix) would turn that rounding into a gap.
    """
    c = 0.5 * (float(v.max()) - float(u.max()))
    return u + c, v - c


def support_duals(C, P):
    r"""Dual potentials recomputed from the support of a plan: :math:`u_i + v_j = C_{ij}` on it.

    A breadth-first search over the bipartite graph of the cells with :math:`P_{ij} > 0` fixes
    :math:`u_i = 0` at the first row of each connected piece and propagates
    :math:`v_j = C_{ij} - u_i`, :math:`u_i = C_{ij} - v_j` along a spanning tree; columns outside
    the support get :math:`v_j = \min_i (C_{ij} - u_i)`. For an optimal basic plan these are
    optimal duals, computed only from the costs the plan uses, so they are accurate to the
    rounding of *those* costs, even when an engine's own duals carry the rounding of much larger
    unused entries. Nothing is trusted: the result is certified like any other pair.

    Parameters
    ----------
    C : ndarray, shape (n, m)
        Cost matrix.
    P : ndarray, shape (n, m)
        Plan.

    Returns
    -------
    u, v : ndarray

    Examples
    --------
    >>> C = np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 1e-13]])
    >>> P = np.array([[0.0, 1, 0.5], [1, 0.0, 0.5]]) / 3
    >>> u, v = support_duals(C, P)
    >>> u.tolist(), v.tolist()
    ([0.0, 1e-13], [-1e-13, 0.0, 0.0])
    """
    from collections import deque

    n, m = C.shape
    rows, cols = np.nonzero(P > 0)
    row_adj = [[] for _ in range(n)]
    col_adj = [[] for _ in range(m)]
    for i, j in zip(rows.tolist(), cols.tolist()):
        row_adj[i].append(j)
        col_adj[j].append(i)
    u = np.full(n, np.nan)
    v = np.full(m, np.nan)
    for start in range(n):
        if not np.isnan(u[start]):
            continue
        u[start] = 0.0
        queue = deque([(True, start)])
        while queue:
            is_row, k = queue.popleft()
            if is_row:
                for j in row_adj[k]:
                    if np.isnan(v[j]):
                        v[j] = C[k, j] - u[k]
                        queue.append((False, j))
            else:
                for i in col_adj[k]:
                    if np.isnan(u[i]):
                        u[i] = C[i, k] - v[k]
                        queue.append((True, i))
    free = np.isnan(v)
    if free.any():
        v[free] = (C[:, free] - u[:, None]).min(axis=0)
    return u, v


def _checker(a, b, C, tol):
    """``check(P, u, v) -> (Certificate, u, v)``: certify, and on failure retry with repaired duals.

    Two repairs, each certified at the same tolerance, never a looser one, and each only changing
    the duals: (1) centering, :func:`polish_duals`, centering; (2) duals recomputed from the plan's
    support (:func:`support_duals`), then the same polish. The second helps when an engine's
    duals carry the rounding of large costs the plan never uses (POT's simplex on a problem whose
    optimum is made of costs ~1e-13 next to a cost 1).
    """

    def check(P, u, v):
        cert = _certify_arrays(a, b, C, P, u, v, tol)
        if cert.ok or cert.marginal_residual > tol or cert.negative_mass > tol:
            return cert, u, v  # repairing duals cannot repair a primal defect
        for repaired in ((u, v), support_duals(C, P)):
            u2, v2 = _center(*polish_duals(C, *_center(*repaired)))
            cert2 = _certify_arrays(a, b, C, P, u2, v2, tol)
            if cert2.ok:
                return cert2, u2, v2
        return cert, u, v

    return check


def certify(a, b, C, plan, u, v, *, tol=DEFAULT_TOL):
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
    return _certify_arrays(a, b, C, P, u, v, tol)
