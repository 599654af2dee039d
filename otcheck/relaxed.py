r"""The relaxed optimal transport objective of eq. 12, solved exactly as a convex program (layer 3).

For discrete :math:`P_X = \sum_i a_i \delta_{x_i}`, prior :math:`P_Z = \sum_j b_j \delta_{z_j}` and cost
:math:`C_{ij} = c(x_i, G(z_j))`, an encoder is a row-stochastic matrix :math:`Q_{ij} = Q(z_j | x_i)`; its
joint law is :math:`P_{ij} = a_i Q_{ij}` and its aggregated posterior is :math:`Q_Z = a^\top Q = P^\top \mathbf 1`.
Eq. 12 of the paper is

.. math::

    W_c^\lambda = \min_{Q} \sum_{ij} a_i Q_{ij} C_{ij} + \lambda F(Q_Z)
                = \min_{P \ge 0,\ P \mathbf 1 = a} \langle C, P \rangle + \lambda F(P^\top \mathbf 1),

with a convex :math:`F \ge 0` that vanishes exactly at :math:`Q_Z = b`. The penalties (``penalty=``):

=========  ===================================================================================
``kl``     :math:`F(q) = D_{KL}(q \| b) = \sum_j q_j \log(q_j / b_j)` (nats; :math:`q_j = 0` forced where :math:`b_j = 0`)
``js``     :math:`F(q) = D_{JS}(q, b)` (nats, at most :math:`\log 2`)
``gan``    :math:`F(q) = D_{GAN}(q, b) + \log 4 = 2 D_{JS}(q, b)` (eq. 13, the POT objective)
``mmd2``   :math:`F(q) = (q - b)^\top K (q - b)`, the MMD² of the two laws on the codes for a PSD kernel matrix ``K``
``chi2``   :math:`F(q) = \sum_j (q_j - b_j)^2 / b_j` (:math:`q_j = 0` forced where :math:`b_j = 0`)
``tv``     :math:`F(q) = \tfrac12 \|q - b\|_1`
=========  ===================================================================================

Every solve is checked: the plan returned is primal feasible to rounding (it is projected back onto
:math:`\{P \ge 0, P\mathbf 1 = a\}` after the solver), and a *dual bound* is computed independently of
the solver from the Lagrangian

.. math::

    \min_P \langle C, P\rangle + \lambda F(P^\top\mathbf 1) \;\ge\;
    \sum_i a_i \min_j (C_{ij} - v_j) + \min_{q \in [0,1]^m} \big[(v + \tau)^\top q + \lambda F(q)\big] - \tau
    \quad \text{for every } v \in \mathbb R^m, \tau \in \mathbb R

(the inner minimum is separable and in closed form for every penalty but ``mmd2``; for ``mmd2`` the
convex :math:`F` is bounded below by its tangent at the solution, which gives an LP bound). The gap
between the value and this bound is the certificate; the exact optimum lies in
``(result.dual_bound, result.value)``.

How it is solved: column generation on the pairs :math:`(i, j)`. The convex program (cvxpy, Clarabel)
is first solved on a small support (the 6 cheapest codes of each input and the support of an exact
OT plan between ``a`` and ``b``); the solution is polished by exact OT (POT) on its own aggregate
:math:`Q_Z`, the dual bound above is computed over *all* pairs, and pairs whose reduced cost
:math:`C_{ij} - v_j` prices out are added until the gap is below ``tol / 1000`` (at most 8 rounds,
then the full problem). A restricted support can therefore cost rounds but never a wrong answer.

The gap is measured relative to the size of the objective's numbers: :math:`|\text{value}|`, the
transport cost :math:`\sum P_{ij}|C_{ij}|` or a typical cost (lower medians of the non-zero
:math:`|C_{ij}|` of each row),
capped at :math:`\max|C|` (never to :math:`\lambda`: the optimum is at most
:math:`W_c \le \max|C|` whatever :math:`\lambda` is; never to a lone outlier cost either).

Range: on random instances the solves certify at ``tol = 1e-6`` up to about
:math:`\lambda = 10^4 \max|C|` (most also at :math:`10^5 \max|C|`); beyond, the interior-point
solver loses accuracy and :class:`otcheck.UncertifiedError` is raised rather than an uncertified
number returned.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace, field

import numpy as np

from ._validation import as_cost, as_float_array, as_weights, check_nonnegative
from .exact import UncertifiedError

__all__ = [
    "PENALTIES",
    "RelaxedResult",
    "ConstrainedResult",
    "RelaxedPath",
    "relaxed_cost",
    "constrained_cost",
    "relaxed_path",
    "penalty_value",
]

#: Penalty names accepted by :func:`relaxed_cost`, :func:`constrained_cost` and :func:`relaxed_path`.
PENALTIES = ("kl", "js", "gan", "mmd2", "chi2", "tv")

#: Default tolerance of the certificate: ``gap / scale`` and the primal residual must be below it.
DEFAULT_TOL = 1e-6

_SOLVER = "CLARABEL"
# Tighter than Clarabel's defaults (1e-8): the certificate is computed from the returned point, and
# at large lambda its gap scales like lambda times the solver's residuals.
_SOLVER_OPTIONS = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "tol_ktratio": 1e-8}


# --------------------------------------------------------------------------------------- results


class _GapCertified:
    """``gap`` and ``certified`` shared by the two result types (fields ``value``, ``dual_bound``,
    ``primal_residual``, ``scale``, ``tol``)."""

    __slots__ = ()

    @property
    def gap(self):
        """``value - dual_bound`` (non-negative up to rounding): how far ``value`` may be above the optimum."""
        return self.value - self.dual_bound

    @property
    def certified(self):
        """True when ``gap / scale`` and ``primal_residual`` are at most ``tol``."""
        return self.gap <= self.tol * self.scale and self.primal_residual <= self.tol

    @property
    def bound(self):
        r"""The value as a :class:`~otcheck.bounds.Bound`.

        An ``"estimate"``: the Lagrangian lower bound and the primal value are exact formulas, but
        evaluated in float64 with no bound on their rounding; both ends are widened by
        :data:`~otcheck.bounds.FLOAT_REL_ERROR` times :math:`\text{scale} + \lambda` (the Lagrangian
        bound is computed from numbers of size :math:`\lambda`). For a :class:`ConstrainedResult`
        whose plan exceeds the constraint by :math:`\varepsilon = (F(Q_Z) - \mu)^+`, the upper end
        is raised by :math:`\lambda_\mu \varepsilon` (the optimum :math:`V(\mu)` is convex and
        non-increasing in :math:`\mu` with slope :math:`-\lambda_\mu`), and is infinite when the
        multiplier is unknown. Tight when ``certified``.
        """
        from .bounds import FLOAT_REL_ERROR, Bound

        lam = getattr(self, "lam", None)
        if lam is None:
            lam = self.multiplier if self.multiplier == self.multiplier else 0.0
        err = FLOAT_REL_ERROR * (self.scale + abs(lam))
        lo = min(self.dual_bound, self.value) - err
        hi = self.value + err
        excess = max(self.penalty_value - self.mu, 0.0) if hasattr(self, "mu") else 0.0
        if excess > 0:
            hi = hi + self.multiplier * excess if self.multiplier == self.multiplier else np.inf
        return Bound(self.value, lo, hi, method=self._bound_method(), guarantee="estimate",
                     tight=bool(self.certified) and bool(np.isfinite(hi)))


@dataclass(frozen=True)
class RelaxedResult(_GapCertified):
    r"""Solution of the penalized problem (eq. 12) at one :math:`\lambda`, with its certificate.

    Attributes
    ----------
    value : float
        :math:`\langle C, P\rangle + \lambda F(Q_Z)` evaluated at the returned plan (a primal value,
        hence an upper bound of :math:`W_c^\lambda`).
    transport : float
        :math:`\langle C, P\rangle = \mathbb E_{P_X} \mathbb E_{Q(Z|X)} c(X, G(Z))`.
    penalty_value : float
        :math:`F(Q_Z)` at the returned plan.
    encoder : ndarray, shape (n, m)
        Row-stochastic :math:`Q(z_j | x_i) = P_{ij} / a_i`; a row with :math:`a_i = 0` is set to the
        uniform law (it does not enter any quantity).
    aggregated : ndarray, shape (m,)
        :math:`Q_Z = P^\top \mathbf 1`.
    lam : float
        :math:`\lambda`.
    penalty : str
        The penalty name (see :data:`PENALTIES`).
    status : str
        The solver status of the last solve (``"optimal"``, or ``"optimal_inaccurate"``, accepted only
        when the certificate holds), or ``"closed form"`` for :math:`\lambda = 0`.
    plan : ndarray, shape (n, m)
        The joint law :math:`P_{ij} = a_i Q(z_j | x_i)`.
    dual_bound : float
        A lower bound of :math:`W_c^\lambda` computed from the Lagrangian (see the module docstring).
    primal_residual : float
        :math:`\max(\|P\mathbf 1 - a\|_\infty, \max(0, -\min P))` of the returned plan.
    scale : float
        The scale of the relative gap: :math:`|\text{value}|`, the transport cost
        :math:`\sum P_{ij}|C_{ij}|` or a typical cost (row lower medians of non-zero :math:`|C|`), whichever
        is largest, capped at :math:`\max|C|` (at least 1 when :math:`C = 0`). Not :math:`\lambda`:
        the optimum is at most :math:`W_c \le \max|C|`; not a lone outlier cost.
    tol : float
        Tolerance of ``certified``.
    """

    value: float
    transport: float
    penalty_value: float
    encoder: np.ndarray = field(repr=False)
    aggregated: np.ndarray = field(repr=False)
    lam: float
    penalty: str
    status: str
    plan: np.ndarray = field(repr=False)
    dual_bound: float
    primal_residual: float
    scale: float = field(repr=False, default=1.0)
    tol: float = field(repr=False, default=DEFAULT_TOL)

    def _bound_method(self):
        return f"relaxed OT eq. 12 ({self.penalty}, lambda={self.lam:g}): convex program + Lagrangian bound"

    @property
    def interval(self):
        r"""``(dual_bound, value)``: the exact :math:`W_c^\lambda` lies in it (up to rounding).

        Compare ``dual_bound`` when checking an upper bound on :math:`W_c^\lambda` (e.g. ``<= W_c``)
        and ``value`` when checking a lower bound.
        """
        return (min(self.dual_bound, self.value), self.value)


@dataclass(frozen=True)
class ConstrainedResult(_GapCertified):
    r"""Solution of the constrained form :math:`\min \langle C, P\rangle` s.t. :math:`F(Q_Z) \le \mu`.

    Attributes
    ----------
    value : float
        :math:`\langle C, P\rangle` at the returned plan.
    penalty_value : float
        :math:`F(Q_Z)` at the returned plan (at most ``mu`` up to ``primal_residual``).
    multiplier : float
        The Lagrange multiplier :math:`\lambda_\mu \ge 0` of the constraint: the same plan solves the
        penalized problem at :math:`\lambda = \lambda_\mu`. ``nan`` when :math:`\mu = 0` (the constraint
        is then :math:`Q_Z = b` and a finite multiplier need not exist).
    mu : float
        :math:`\mu`.
    encoder, aggregated, plan : ndarray
        As in :class:`RelaxedResult`.
    penalty, status : str
        As in :class:`RelaxedResult`.
    dual_bound : float
        A lower bound of the constrained optimum (Lagrangian bound at the multiplier).
    primal_residual : float
        Largest of the marginal residual, the negative mass, and :math:`\max(F(Q_Z) - \mu, 0)`.
    scale, tol : float
        As in :class:`RelaxedResult`.
    """

    def _bound_method(self):
        return f"constrained OT ({self.penalty} <= {self.mu:g}): convex program + Lagrangian bound"

    value: float
    penalty_value: float
    multiplier: float
    mu: float
    encoder: np.ndarray = field(repr=False)
    aggregated: np.ndarray = field(repr=False)
    penalty: str
    status: str
    plan: np.ndarray = field(repr=False)
    dual_bound: float
    primal_residual: float
    scale: float = field(repr=False, default=1.0)
    tol: float = field(repr=False, default=DEFAULT_TOL)


@dataclass(frozen=True)
class RelaxedPath:
    r""":math:`W_c^\lambda` on a grid of :math:`\lambda` (see :func:`relaxed_path`).

    Attributes
    ----------
    lams : ndarray, shape (k,)
        The grid, in the order given.
    results : tuple of RelaxedResult
        One solve per grid point.
    """

    lams: np.ndarray = field(repr=False)
    results: tuple = field(repr=False)

    @property
    def values(self):
        r""":math:`W_c^\lambda` at each grid point, shape ``(k,)``."""
        return np.array([r.value for r in self.results])

    @property
    def bounds(self):
        """The :class:`~otcheck.bounds.Bound` of each grid point (see :attr:`RelaxedResult.bound`)."""
        return tuple(r.bound for r in self.results)

    @property
    def transports(self):
        r""":math:`\langle C, P_\lambda\rangle` at each grid point."""
        return np.array([r.transport for r in self.results])

    @property
    def penalty_values(self):
        r""":math:`F(Q_Z^\lambda)` at each grid point (the :math:`\mu_\lambda` of the constrained form)."""
        return np.array([r.penalty_value for r in self.results])

    @property
    def gaps(self):
        """Certified gap of each solve."""
        return np.array([r.gap for r in self.results])

    def __repr__(self):
        return f"RelaxedPath(k={len(self.results)}, penalty={self.results[0].penalty!r})"


# ------------------------------------------------------------------------------------- validation


def _validate(a, b, C, penalty, kernel_matrix):
    a = as_weights(a, "a")
    b = as_weights(b, "b")
    C = as_cost(C, "C", shape=(a.shape[0], b.shape[0]))
    if not isinstance(penalty, str) or penalty not in PENALTIES:
        raise ValueError(f"penalty: unknown penalty {penalty!r}; expected one of {PENALTIES}")
    R = None
    if penalty == "mmd2":
        if kernel_matrix is None:
            raise ValueError("kernel_matrix: required for penalty 'mmd2' (a PSD (m, m) matrix on the codes, "
                             "e.g. otcheck.divergences.kernel_matrix(codes))")
        K = as_float_array(kernel_matrix, "kernel_matrix", ndim=2)
        m = b.shape[0]
        if K.shape != (m, m):
            raise ValueError(f"kernel_matrix: has shape {K.shape}, expected ({m}, {m}) (len(b), len(b))")
        kmax = max(float(np.abs(K).max()), np.finfo(float).tiny)
        if np.abs(K - K.T).max() > 1e-10 * kmax:
            raise ValueError("kernel_matrix: is not symmetric")
        K = 0.5 * (K + K.T)
        w, V = np.linalg.eigh(K)
        if w.min() < -1e-9 * kmax:
            raise ValueError(f"kernel_matrix: is not positive semi-definite (smallest eigenvalue {w.min():.3e})")
        # K = R^T R up to the eigenvalues below 1e-12 max (dropped: a smaller dense factor solves several
        # times faster); the value and the certificate use K itself.
        keep = w > 1e-12 * max(float(w.max()), np.finfo(float).tiny)
        R = np.sqrt(w[keep])[:, None] * V[:, keep].T
        R = (K, R)
    elif kernel_matrix is not None:
        raise ValueError(f"kernel_matrix: only used by penalty 'mmd2', got penalty {penalty!r}")
    return a, b, C, R


def _forced_zero(penalty, b):
    """Columns where F is infinite unless q_j = 0."""
    if penalty in ("kl", "chi2"):
        return b <= 0
    return np.zeros(b.shape, dtype=bool)


# ----------------------------------------------------------------------------------- the penalties


def _penalty(penalty, q, b, kern):
    """F(q) for a validated aggregate q (sums to one up to rounding)."""
    from . import divergences as dv

    q = np.clip(q, 0.0, None)
    q = q / q.sum()
    if penalty == "kl":
        return dv.kl(q, b)
    if penalty == "js":
        return dv.js(q, b)
    if penalty == "gan":
        return 2.0 * dv.js(q, b)
    if penalty == "chi2":
        return dv.chi2(q, b)
    if penalty == "tv":
        return dv.tv(q, b)
    K = kern[0]
    d = q - b
    return max(float(d @ K @ d), 0.0)


def penalty_value(q, b, penalty, *, kernel_matrix=None):
    r"""The penalty :math:`F(q)` of eq. 12 used by :func:`relaxed_cost` (see the module table).

    Parameters
    ----------
    q : array_like, shape (m,)
        A probability vector (an aggregated posterior :math:`Q_Z`).
    b : array_like, shape (m,)
        The prior :math:`P_Z`.
    penalty : str
        One of :data:`PENALTIES`.
    kernel_matrix : array_like, shape (m, m), optional
        PSD kernel matrix on the codes, required for ``"mmd2"``.

    Returns
    -------
    float
        :math:`F(q) \ge 0`, zero when ``q == b``.

    Examples
    --------
    >>> bool(np.isclose(penalty_value([1.0, 0.0], [0.0, 1.0], "gan"), 2 * np.log(2)))  # disjoint supports
    True
    >>> penalty_value([1.0, 0.0], [0.5, 0.5], "tv")
    0.5
    """
    q = as_weights(q, "q")
    b_arr = as_weights(b, "b")
    if q.shape != b_arr.shape:
        raise ValueError(f"q: has length {q.shape[0]}, expected {b_arr.shape[0]} (the length of b)")
    _, b_arr, _, kern = _validate(np.ones(1), b_arr, np.zeros((1, b_arr.shape[0])), penalty, kernel_matrix)
    return _penalty(penalty, q, b_arr, kern)


def _cvx_penalty(cp, penalty, q, b, allowed, kern):
    """The cvxpy expression of F(q) (q the variable over the allowed columns)."""
    bs = b[allowed]
    if penalty == "kl":
        return cp.sum(cp.rel_entr(q, bs))
    if penalty == "chi2":
        return cp.sum_squares(cp.multiply(1.0 / np.sqrt(bs), q - bs))
    if penalty == "tv":
        return 0.5 * cp.norm1(q - bs)
    if penalty in ("js", "gan"):
        mid = 0.5 * (q + bs)
        pos = bs > 0
        expr = cp.sum(cp.rel_entr(q, mid)) + cp.sum(cp.rel_entr(bs[pos], mid[pos]))
        return expr if penalty == "gan" else 0.5 * expr
    _, R = kern
    return cp.sum_squares(R[:, allowed] @ (q - bs))


def _box_min(penalty, c, b, lam):
    r"""Elementwise :math:`\min_{x \in [0,1]} c_j x + \lambda f_j(x)` for separable penalties (closed form).

    ``b`` are the prior weights of the columns; columns forced to zero are handled by the caller.
    """
    if lam == 0.0:
        return np.minimum(c, 0.0)
    if penalty == "kl":
        # f(x) = x log(x / b); stationary point x = b exp(-c/lam - 1)
        with np.errstate(over="ignore"):
            x = np.minimum(b * np.exp(np.minimum(-c / lam - 1.0, 700.0)), 1.0)
        f = np.zeros_like(x)
        pos = x > 0
        f[pos] = x[pos] * np.log(x[pos] / b[pos])
        return np.minimum(c * x + lam * f, 0.0)
    if penalty in ("js", "gan"):
        s = 2.0 if penalty == "gan" else 1.0
        # f(x) = (s/2)[x log(2x/(x+b)) + b log(2b/(x+b))]; f'(x) = (s/2) log(2x/(x+b))
        with np.errstate(over="ignore"):  # c / lam beyond float range: the exponent is clipped anyway
            r = np.exp(np.minimum(-2.0 * c / (lam * s), 700.0))
        x = np.ones_like(c)
        ok = r < 2.0
        x[ok] = np.minimum(r[ok] * b[ok] / (2.0 - r[ok]), 1.0)
        return _js_box_value(c, b, x, lam, s)
    if penalty == "chi2":
        with np.errstate(over="ignore"):
            x = np.clip(b - c * b / (2.0 * lam), 0.0, 1.0)
        return c * x + lam * (x - b) ** 2 / np.where(b > 0, b, 1.0)
    if penalty == "tv":
        cand = np.stack([np.zeros_like(b), b, np.ones_like(b)])
        return (c * cand + lam * 0.5 * np.abs(cand - b)).min(axis=0)
    raise AssertionError(penalty)


def _js_box_value(c, b, x, lam, s):
    out = c * x
    m = x + b
    f = np.zeros_like(x)
    px = x > 0
    f[px] += x[px] * np.log(2.0 * x[px] / m[px])
    pb = b > 0
    f[pb] += b[pb] * np.log(2.0 * b[pb] / m[pb])
    return out + lam * 0.5 * s * f


def _dual_bound(penalty, a, b, C, lam, candidates, allowed, kern, q_hat):
    r"""Lower bound of :math:`\min_P \langle C,P\rangle + \lambda F(P^\top 1)` (see the module docstring).

    Returns ``(bound, v)`` with ``v`` the dual vector (length ``m``) that gave it.

    Separable penalties: the Lagrangian bound for each candidate dual vector ``v`` (and ``-v``: the
    sign convention of a solver's dual is irrelevant since every ``v`` gives a valid bound),
    maximized over the shift ``tau`` of the simplex constraint; the best is returned.
    ``mmd2``: the tangent-plane (Frank-Wolfe) bound at ``q_hat``, :math:`F(q) \ge F(\hat q) +
    \nabla F(\hat q)^\top (q - \hat q)`, which turns the problem into an assignment of each row to
    its cheapest column. ``lam=None`` is the marginal constraint ``q = b`` (exact OT): the bound is
    the LP dual :math:`\sum_i a_i \min_j (C_{ij} - v_j) + b^\top v`.
    """
    m = C.shape[1]
    if penalty == "mmd2" and lam is not None and lam > 0:
        K = kern[0]
        d = q_hat - b
        g = 2.0 * lam * (K @ d)
        Fq = max(float(d @ K @ d), 0.0)
        Ca = C[:, allowed] + g[allowed][None, :]
        tangent = float(a @ Ca.min(axis=1)) + lam * Fq - float(g @ q_hat)
        return max(tangent, float(a @ C[:, allowed].min(axis=1))), -g  # F >= 0: cheapest-code bound too
    from scipy.optimize import minimize_scalar

    Ca = C[:, allowed]
    ba = b[allowed]

    # D(v, tau) = sum_i a_i min_j (C_ij - v_j - tau) + sum_j min_{x in [0,1]} [(v_j + tau) x + lam f_j(x)]:
    # the Lagrangian of q = P^T 1 with multiplier v + tau, the simplex constraint on q relaxed to the box.
    def dual(tau, vs):
        first = float(a @ (Ca - (vs + tau)[None, :]).min(axis=1))
        if lam is None:  # q = b: the shift cancels exactly
            inner = float(ba @ (vs + tau))
        elif penalty == "mmd2":  # lam == 0 (constrained form with an inactive constraint)
            inner = float(np.minimum(vs + tau, 0.0).sum())
        else:
            inner = float(_box_min(penalty, vs + tau, ba, lam).sum())
        return first + inner

    def kl_exact(vs):
        # KL has a closed-form simplex conjugate: min_q v.q + lam KL(q || b) = -lam log sum_j b_j e^{-v_j/lam},
        # evaluated with a max shift and log1p/expm1 so that lam >> |v| keeps its digits (no tau search).
        w = -vs / lam
        top = float(w.max())
        inner = -lam * (top + float(np.log1p(ba @ np.expm1(w - top))))
        return float(a @ (Ca - vs[None, :]).min(axis=1)) + inner

    best, v_best = -np.inf, np.zeros(m)
    for v in candidates:
        if v is None or not np.all(np.isfinite(v)):
            continue
        for sign in (1.0, -1.0):
            vs = sign * np.asarray(v, dtype=float)[allowed]
            if penalty == "kl" and lam is not None and lam > 0:
                val = kl_exact(vs)
                if val > best:
                    best = val
                    v_best = np.zeros(m)
                    v_best[allowed] = vs
            if lam is None:
                val, tau = dual(0.0, vs), 0.0
            else:
                span = float(np.abs(Ca).max() + np.abs(vs).max() + lam + 1.0)
                res = minimize_scalar(lambda t, vs=vs: -dual(t, vs), bounds=(-4 * span, 4 * span),
                                      method="bounded", options={"xatol": 1e-13 * span})
                val, tau = dual(0.0, vs), 0.0
                if -float(res.fun) > val:
                    val, tau = -float(res.fun), float(res.x)
            if val > best:
                best = val
                v_best = np.zeros(m)
                v_best[allowed] = vs + tau
    # F >= 0, so every input at its cheapest admissible code is a bound too; it is exact where the
    # Lagrangian bound loses costs below the rounding of lambda (costs ~1e-276 beside lambda = 1)
    return max(best, float(a @ Ca.min(axis=1))), v_best


def _stationary_dual(penalty, q, b, lam, allowed, fallback):
    r"""The dual vector :math:`v = -\lambda F'(q)` from stationarity in ``q``, ``fallback`` where undefined."""
    if lam == 0.0 or penalty in ("tv", "mmd2") or fallback is None:
        return None
    v = np.array(fallback, dtype=float)
    ok = allowed & (q > 0)
    qo, bo = q[ok], b[ok]
    if penalty == "kl":
        v[ok] = -lam * (np.log(qo / bo) + 1.0)
    elif penalty in ("js", "gan"):
        s = 2.0 if penalty == "gan" else 1.0
        v[ok] = -lam * 0.5 * s * np.log(2.0 * qo / (qo + bo))
    elif penalty == "chi2":
        v[ok] = -lam * 2.0 * (qo - bo) / bo
    return v


def _ot_polish(a, q, C, allowed):
    """Exact OT between ``a`` and ``q`` on the allowed columns: (plan, column potential) or (None, None)."""
    import ot

    qa = q[allowed]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            Pa, log = ot.emd(a, qa * (a.sum() / qa.sum()), np.ascontiguousarray(C[:, allowed]), numItermax=1_000_000,
                             log=True)
        except Exception:  # the polish is optional: the solver's plan stays
            return None, None
    if int(log.get("result_code", 0)) != 1:
        return None, None
    P = np.zeros(C.shape)
    P[:, allowed] = Pa
    v = np.zeros(C.shape[1])
    v[allowed] = np.asarray(log["v"], dtype=float)
    v[~allowed] = np.inf
    return P, v


# --------------------------------------------------------------------------------------- solving


class _Program:
    """A cvxpy program for one (a, b, C, penalty) restricted to the pairs ``mask``, re-solvable for new values.

    The plan is a vector ``x`` over the pairs ``(I, J)`` of ``mask``; ``q`` is a variable over the
    allowed columns linked to the column sums of ``x`` (the dual of that link is the vector ``v``
    of the certificate).
    """

    def __init__(self, a, b, C, penalty, kern, mode, allowed, mask):
        import cvxpy as cp
        import scipy.sparse as sp

        self.cp = cp
        self.a, self.b, self.C, self.penalty, self.kern, self.mode = a, b, C, penalty, kern, mode
        self.allowed = allowed
        n, m = C.shape
        cols = np.flatnonzero(allowed)
        k = cols.shape[0]
        colpos = np.full(m, -1)
        colpos[cols] = np.arange(k)
        self.I, self.J = np.nonzero(mask)
        N = self.I.shape[0]
        rows_op = sp.csr_matrix((np.ones(N), (self.I, np.arange(N))), shape=(n, N))
        cols_op = sp.csr_matrix((np.ones(N), (colpos[self.J], np.arange(N))), shape=(k, N))
        self.x = cp.Variable(N, nonneg=True)
        self.q = cp.Variable(k)
        self.par = cp.Parameter(nonneg=True)
        # 1 / scale of the objective: the solver's absolute tolerances then mean the same at every scale
        self.cpar = cp.Parameter(nonneg=True)
        transport = self.cpar * (C[self.I, self.J] @ self.x)
        F = _cvx_penalty(cp, penalty, self.q, b, allowed, kern)
        self.link = self.q == cols_op @ self.x
        cons = [rows_op @ self.x == a, self.link]
        self.bound_con = None
        if mode == "penalized":
            obj = transport + self.par * F  # par = lambda * cscale (set in solve)
        elif mode == "constrained":
            # epigraph variable: the multiplier is the dual of a scalar linear constraint for every F
            t = cp.Variable()
            self.bound_con = t <= self.par
            cons += [F <= t, self.bound_con]
            obj = transport
        else:  # "marginal": F(q) <= 0 has no interior; it is the constraint q = b itself
            cons.append(self.q == b[allowed])
            obj = transport
        self.problem = cp.Problem(cp.Minimize(obj), cons)

    def solve(self, value, cscale=1.0):
        """Solve at ``value`` (lambda or mu) with the objective multiplied by ``cscale``.

        Returns ``(P, v, mult, status)`` with ``v`` and ``mult`` in the units of the unscaled objective.
        """
        self.par.value = value * cscale if self.mode == "penalized" else value
        self.cpar.value = cscale
        problem = self.problem
        last = None
        for options in (_SOLVER_OPTIONS, {}):  # tight tolerances first; Clarabel's defaults if that fails
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)  # "solution may be inaccurate": certified below
                    problem.solve(solver=_SOLVER, **options)
            except self.cp.error.SolverError as exc:
                last = f"the convex solver failed: {exc}"
                continue
            # "optimal_inaccurate" is accepted here: the answer is judged by the certificate computed
            # afterwards, independently of the solver, and rejected there if the gap is too large.
            if problem.status in (self.cp.OPTIMAL, self.cp.OPTIMAL_INACCURATE):
                last = None
                break
            last = f"the convex solver returned status {problem.status!r}, not 'optimal'"
        if last is not None:
            raise UncertifiedError(last)
        P = np.zeros(self.C.shape)
        np.add.at(P, (self.I, self.J), np.asarray(self.x.value, dtype=float))
        v = np.zeros(self.b.shape)
        if self.link.dual_value is not None:
            v[self.allowed] = np.asarray(self.link.dual_value, dtype=float) / cscale
        mult = None
        if self.bound_con is not None:
            mult = max(float(np.asarray(self.bound_con.dual_value).ravel()[0]), 0.0) / cscale
        return P, v, mult, problem.status


def _clean_plan(P, a):
    """Project a solver plan onto {P >= 0, P 1 = a} by clipping and rescaling each row."""
    P = np.clip(P, 0.0, None)
    rows = P.sum(axis=1)
    out = np.zeros_like(P)
    pos = a > 0
    ok = pos & (rows > 0)
    out[ok] = P[ok] * (a[ok] / rows[ok])[:, None]
    bad = pos & ~(rows > 0)
    if np.any(bad):  # cannot happen for a feasible solve; never leave a row empty
        raise UncertifiedError("the convex solver returned a plan with an empty row of positive weight")
    return out


def _encoder(P, a):
    n, m = P.shape
    Q = np.full((n, m), 1.0 / m)
    pos = a > 0
    Q[pos] = P[pos] / a[pos, None]
    return Q


def _residual(P, a):
    return max(float(np.abs(P.sum(axis=1) - a).max()), max(0.0, -float(P.min())))


@dataclass(frozen=True)
class _Evaluated:
    P: np.ndarray
    q: np.ndarray
    transport: float
    Fq: float
    bound: float
    v: np.ndarray  # the dual vector of the best bound (used to price pairs outside the support)
    support: np.ndarray  # support of the OT polish (pairs worth adding)


def _evaluate(a, b, C, penalty, kern, allowed, P, v, lam):
    """Clean the solver's plan, polish it by exact OT on its own aggregate, and bound the optimum below.

    ``lam`` is the weight of F in the Lagrangian bound (the multiplier for the constrained form).
    """
    P = _clean_plan(P, a)
    q = P.sum(axis=0)
    transport = float(np.einsum("ij,ij->", C, P))
    # Polish: for the same aggregate q, exact OT gives the cheapest plan (never worse) and a dual vector.
    P_ot, v_ot = _ot_polish(a, q, C, allowed)
    support = np.zeros(C.shape, dtype=bool)
    if P_ot is not None:
        P_ot = _clean_plan(P_ot, a)
        support = P_ot > 0
        t_ot = float(np.einsum("ij,ij->", C, P_ot))
        if t_ot < transport:
            P, transport = P_ot, t_ot
            q = P.sum(axis=0)
    Fq = _penalty(penalty, q, b, kern)
    v_fin = None if v_ot is None else np.where(np.isfinite(v_ot), v_ot, 0.0)
    candidates = [v, v_fin, None if lam is None else _stationary_dual(penalty, q, b, lam, allowed, v_fin)]
    bound, v_best = _dual_bound(penalty, a, b, C, lam, candidates, allowed, kern, q)
    return _Evaluated(P=P, q=q, transport=transport, Fq=Fq, bound=bound, v=v_best, support=support)


def _initial_mask(a, b, C, allowed, k=6):
    """The k cheapest allowed codes of each input, and the support of an exact OT plan between a and b."""
    import ot

    n, m = C.shape
    Ca = np.where(allowed[None, :], C, np.inf)
    kk = min(k, int(allowed.sum()))
    idx = np.argpartition(Ca, kk - 1, axis=1)[:, :kk]
    mask = np.zeros((n, m), dtype=bool)
    mask[np.arange(n)[:, None], idx] = True
    ba = b[allowed] / b[allowed].sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = ot.emd(a, ba, np.ascontiguousarray(C[:, allowed]), numItermax=10_000_000)
    sub = np.zeros((n, m), dtype=bool)
    sub[:, allowed] = plan > 0
    return mask | sub


def _price(C, v, mask, allowed, per_row=8):
    """Pairs outside ``mask`` whose reduced cost C_ij - v_j is below the row's best inside: the columns to add."""
    R = np.where(allowed[None, :], C - v[None, :], np.inf)
    inside = np.where(mask, R, np.inf).min(axis=1)
    scale = max(float(np.abs(C).max()), 1.0)
    viol = (~mask) & (R < inside[:, None] - 1e-12 * scale)
    add = np.zeros_like(mask)
    if not viol.any():
        return add
    Rv = np.where(viol, R, np.inf)
    kk = min(per_row, C.shape[1])
    idx = np.argpartition(Rv, kk - 1, axis=1)[:, :kk]
    rows = np.arange(C.shape[0])[:, None]
    add[rows, idx] = viol[rows, idx]
    return add


def _oriented(C, P, v, mask):
    """The solver's dual vector with the sign that satisfies complementary slackness on the support.

    With the right sign, the pairs carrying mass have the smallest reduced cost ``C_ij - v_j`` of
    their row; the wrong sign violates that. Used for pricing only (the bound tries both signs).
    """
    best, out = np.inf, v
    for sign in (1.0, -1.0):
        R = np.where(mask, C - sign * v[None, :], np.inf)
        slack = float((P * np.where(mask, R - R.min(axis=1, keepdims=True), 0.0)).sum())
        if slack < best:
            best, out = slack, sign * v
    return out


#: Rounds of column generation before falling back to the full problem.
_MAX_ROUNDS = 8
#: Column generation keeps adding priced-out pairs until the gap is below this fraction of ``tol``
#: (or nothing prices out); the result is then checked against ``tol`` itself.
_TARGET = 1e-3


class _Solver:
    """Column generation on the pairs (i, j): solve on a support, certify globally, add priced-out pairs.

    The certificate is computed over *all* pairs, so a restricted support never produces a wrong
    answer; it only costs extra rounds. After ``_MAX_ROUNDS`` the full problem is solved.

    The convex program sees its objective divided by ``max(max|C|, lambda s_F)`` (by ``max|C|`` in
    the constrained form): the solutions are the same, and the solver's absolute tolerances then
    mean the same thing at every scale. Duals are converted back before they are used.
    """

    def __init__(self, a, b, C, penalty, kern, mode):
        self.a, self.b, self.C, self.penalty, self.kern, self.mode = a, b, C, penalty, kern, mode
        self.allowed = ~_forced_zero(penalty, b)
        self.mask = None
        self.prog = None
        self.clip = None

    def _program(self, mode):
        if self.prog is None or self.prog.mode != mode or self.prog_mask_size != int(self.mask.sum()):
            C = self.C if self.clip is None else np.minimum(self.C, self.clip)
            self.prog = _Program(self.a, self.b, C, self.penalty, self.kern, mode, self.allowed, self.mask)
            self.prog_mask_size = int(self.mask.sum())
        return self.prog

    def run(self, value, certified):
        """Solve at ``value`` (lambda or mu); ``certified(ev, mult, mode, frac)`` says when to stop.

        The solver first sees ``C`` clipped at ``1000 * _typical_max(C)``: a lone outlier cost
        (``1e9`` among costs of order one) otherwise breaks the conic solver. Safe: the plan is
        evaluated and the dual bound computed on ``C`` itself, so a plan that needed a clipped pair
        is not certified, and then the solve is repeated on ``C``.
        """
        typical = _typical_max(self.C)
        clips = [1000.0 * typical, None] if 0 < 1000.0 * typical < float(np.abs(self.C).max()) else [None]
        for clip in clips:
            if clip != self.clip:
                self.clip, self.prog, self.mask = clip, None, None
            try:
                last = self._run(value, certified)
            except UncertifiedError:
                if clip is None:
                    raise
                continue
            mode = "marginal" if self.mode == "constrained" and value == 0.0 else self.mode
            if clip is None or certified(last[0], last[1], mode, 1.0):
                return last
        return last

    def _run(self, value, certified):
        if self.mask is None:
            self.mask = _initial_mask(self.a, self.b, self.C, self.allowed)
        mode = self.mode
        if mode == "constrained" and value == 0.0:
            mode = "marginal"
        cscale = 1.0 / _scale(self.C, value if mode == "penalized" else 0.0, self.penalty, self.kern, 0.0)
        full = self.allowed[None, :] & np.ones(self.C.shape, dtype=bool)
        last = None
        for rnd in range(_MAX_ROUNDS + 1):
            if rnd == _MAX_ROUNDS:
                self.mask = full.copy()
            P, v, mult, status = self._program(mode).solve(value, cscale)
            weight = value if mode == "penalized" else (mult if mode == "constrained" else None)
            ev = _evaluate(self.a, self.b, self.C, self.penalty, self.kern, self.allowed, P, v, weight)
            last = (ev, mult, status)
            if certified(ev, mult, mode, _TARGET) or np.array_equal(self.mask, full):
                break
            add = (_price(self.C, ev.v, self.mask, self.allowed)
                   | _price(self.C, _oriented(self.C, P, v, self.mask), self.mask, self.allowed)
                   | (ev.support & ~self.mask))
            if not add.any():
                break  # nothing prices out: the remaining gap is the solver's accuracy
            self.mask = self.mask | add
        return last


def _row_lmed_nonzero(absC):
    """Lower median of the non-zero entries of each row (0 for an all-zero row)."""
    S = np.sort(absC, axis=1)
    m = S.shape[1]
    zeros = m - np.count_nonzero(S, axis=1)
    idx = np.minimum(zeros + (m - zeros - 1) // 2, m - 1)
    return S[np.arange(S.shape[0]), idx]


def _gap_scale(a, C, P, value):
    r"""Scale of the relative gap: the size of the numbers in the objective, never a lone outlier cost.

    .. math::

        \max\Bigl(|\text{value}|,\ \min\bigl(\max(\textstyle\sum_{ij} P_{ij}|C_{ij}|,\
        \sum_i a_i \operatorname{lmed}_j |C_{ij}|),\ \max|C|\bigr)\Bigr)

    (``lmed`` the lower median of the non-zero entries of a row), or ``max|C|`` when all of these
    are 0, and at least 1 when ``C`` is identically 0. With ``max|C|`` as the scale, one unused
    cost ``1e9`` among costs of order one let values 3% off the optimum pass as certified. (Not
    lambda: the optimum is at most :math:`W_c \le \max|C|` whatever lambda is.)
    """
    absC = np.abs(C)
    cmax = float(absC.max())
    if cmax == 0:
        return max(1.0, abs(value))
    typical = float(a @ _row_lmed_nonzero(absC))
    used = float(np.einsum("ij,ij->", np.abs(P), absC))
    scale = max(abs(value), min(max(used, typical), cmax))
    return scale if scale > 0 else cmax


def _typical_max(C):
    """``max(max_i lmed_j |C_ij|, max_j lmed_i |C_ij|)`` (lower medians): ``max|C|`` without lone outliers.

    A row or a column of large costs still counts; a single far pair (``1e9`` among costs of order
    one) does not, so it no longer shrinks the rest of the objective below the solver's tolerances.
    """
    absC = np.abs(C)
    n, m = absC.shape
    rows = np.partition(absC, (m - 1) // 2, axis=1)[:, (m - 1) // 2].max()
    cols = np.partition(absC, (n - 1) // 2, axis=0)[(n - 1) // 2, :].max()
    typical = float(max(rows, cols))
    return typical if typical > 0 else float(absC.max())


def _scale(C, lam, penalty, kern, value):
    """Scale of the objective given to the solver: max(max|C|, lam * s_F, |value|), or 1 if all are 0."""
    s_F = float(np.abs(kern[0]).max()) if penalty == "mmd2" else 1.0
    scale = max(_typical_max(C), lam * s_F, abs(value))
    return scale if scale > 0 else 1.0


def _finish(a, b, C, penalty, kern, lam, ev, status, tol):
    value = ev.transport + lam * ev.Fq
    scale = _gap_scale(a, C, ev.P, value)
    return RelaxedResult(value=value, transport=ev.transport, penalty_value=ev.Fq, encoder=_encoder(ev.P, a),
                         aggregated=ev.q, lam=lam, penalty=penalty, status=status, plan=ev.P, dual_bound=ev.bound,
                         primal_residual=_residual(ev.P, a), scale=scale, tol=tol)


def _closed_form_zero(a, b, C, penalty, kern, tol):
    """lambda = 0: every input goes to its cheapest code (first one on ties)."""
    n, m = C.shape
    P = np.zeros((n, m))
    P[np.arange(n), C.argmin(axis=1)] = a
    q = P.sum(axis=0)
    transport = float(np.einsum("ij,ij->", C, P))
    Fq = _penalty(penalty, q, b, kern)
    scale = _gap_scale(a, C, P, transport)
    return RelaxedResult(value=transport, transport=transport, penalty_value=Fq, encoder=_encoder(P, a),
                         aggregated=q, lam=0.0, penalty=penalty, status="closed form", plan=P,
                         dual_bound=float(a @ C.min(axis=1)), primal_residual=_residual(P, a), scale=scale, tol=tol)


def _single_code(a, b, C, penalty):
    """Index of the only code an encoder may use (``m == 1``, or KL/chi2 with one code of positive
    prior weight), else ``None``."""
    allowed = np.flatnonzero(~_forced_zero(penalty, b))
    return int(allowed[0]) if allowed.size == 1 else None


def _closed_form_single(a, b, C, penalty, kern, lam, tol, j):
    """One admissible code ``j``: the encoder is forced (every input to ``j``, so ``Q_Z = b``), and
    the minimum over that one-point set is its value; the bound equals it exactly."""
    n, m = C.shape
    P = np.zeros((n, m))
    P[:, j] = a
    q = P.sum(axis=0)
    transport = float(a @ C[:, j])
    Fq = _penalty(penalty, q, b, kern)
    value = transport + lam * Fq
    return RelaxedResult(value=value, transport=transport, penalty_value=Fq, encoder=_encoder(P, a), aggregated=q,
                         lam=lam, penalty=penalty, status="closed form (one admissible code)", plan=P,
                         dual_bound=value, primal_residual=_residual(P, a),
                         scale=_gap_scale(a, C, P, value), tol=tol)


def _check(res, tol):
    if not res.certified:
        raise UncertifiedError(
            f"relaxed solve ({res.penalty}, lam={res.lam:g}) not certified: gap {res.gap:.3e} "
            f"(scale {res.scale:.3e}, tol {tol:g}), primal residual {res.primal_residual:.3e}")
    return res


def _vertex_candidates(a, b, C, penalty, kern, allowed, lam, ev):
    """``ev`` with its plan replaced by the better of two exactly computed primal points, if one is
    better: the OT plan (``Q_Z = b``, ``F = 0``) and the lambda = 0 plan (each input to its cheapest
    admissible code). An interior-point answer that should sit on such a vertex (value 2e-11 where
    the optimum is 0) is then exact; the dual bound is unchanged, so nothing is loosened."""
    plans = []
    P_ot, _ = _ot_polish(a, b, C, allowed)
    if P_ot is not None:
        plans.append(_clean_plan(P_ot, a))
    P0 = np.zeros(C.shape)
    cols = np.flatnonzero(allowed)
    P0[np.arange(C.shape[0]), cols[C[:, cols].argmin(axis=1)]] = a
    plans.append(P0)
    best = ev
    for P in plans:
        q = P.sum(axis=0)
        t = float(np.einsum("ij,ij->", C, P))
        F = _penalty(penalty, q, b, kern)
        if t + lam * F < best.transport + lam * best.Fq:
            best = replace(best, P=P, q=q, transport=t, Fq=F)
    return best


def _penalized(solver, lam, tol):
    a, b, C, penalty = solver.a, solver.b, solver.C, solver.penalty

    def ok(ev, mult, mode, frac):
        return _finish(a, b, C, penalty, solver.kern, lam, ev, "", tol * frac).certified

    ev, _, status = solver.run(lam, ok)
    res = _finish(a, b, C, penalty, solver.kern, lam, ev, status, tol)
    if not res.certified:
        ev = _vertex_candidates(a, b, C, penalty, solver.kern, solver.allowed, lam, ev)
        res = _finish(a, b, C, penalty, solver.kern, lam, ev, status, tol)
    return _check(res, tol)


def relaxed_cost(a, b, C, lam, penalty="kl", *, kernel_matrix=None, tol=DEFAULT_TOL):
    r"""Solve the relaxed objective :math:`W_c^\lambda` of eq. 12 exactly (convex program, Clarabel).

    .. math::

        W_c^\lambda(a, b, C) = \min_{Q \text{ row-stochastic}}
            \sum_{i,j} a_i Q_{ij} C_{ij} + \lambda F(a^\top Q)

    with :math:`F` one of the penalties of the module table (:data:`PENALTIES`). At
    :math:`\lambda = 0` the minimum is in closed form: each :math:`x_i` goes to its cheapest code
    (the first on ties). :math:`W_c^\lambda` is non-decreasing and concave in :math:`\lambda`,
    at most the exact :math:`W_c` (:func:`otcheck.solve_ot`) and tends to it as :math:`\lambda \to \infty`;
    for ``"tv"`` it equals :math:`W_c` once :math:`\lambda` exceeds a finite threshold.

    Parameters
    ----------
    a : array_like, shape (n,)
        Weights of the inputs :math:`P_X`.
    b : array_like, shape (m,)
        Weights of the prior :math:`P_Z` on the codes.
    C : array_like, shape (n, m)
        :math:`C_{ij} = c(x_i, G(z_j))`, finite.
    lam : float
        :math:`\lambda \ge 0`.
    penalty : str, default "kl"
        One of ``"kl"``, ``"js"``, ``"gan"`` (:math:`2 D_{JS}`), ``"mmd2"``, ``"chi2"``, ``"tv"``.
    kernel_matrix : array_like, shape (m, m), optional
        Symmetric PSD kernel matrix on the codes; required for ``"mmd2"`` (see
        :func:`otcheck.divergences.kernel_matrix`). With a merely semi-definite matrix,
        :math:`F(q) = 0` does not force :math:`q = b` and the limit may stay below :math:`W_c`.
    tol : float, default 1e-6
        Tolerance of the certificate: relative duality gap and primal residual.

    Returns
    -------
    RelaxedResult
        Certified (``result.certified`` is true).

    Raises
    ------
    ValueError
        On bad weights, a cost of the wrong shape, ``lam < 0``, an unknown penalty, or a missing or
        non-PSD ``kernel_matrix``.
    TypeError
        If ``lam`` is not a real number.
    UncertifiedError
        If the solver does not report an optimum or its answer cannot be certified within ``tol``.

    Examples
    --------
    >>> C = np.array([[0.0, 1.0], [0.0, 1.0]])          # both inputs prefer code 0
    >>> a = b = np.array([0.5, 0.5])
    >>> relaxed_cost(a, b, C, 0.0).value                 # lambda = 0: no penalty
    0.0
    >>> res = relaxed_cost(a, b, C, 4.0, "tv")           # TV is an exact penalty: W_c for large lambda
    >>> round(res.value, 6), round(res.penalty_value, 6)
    (0.5, 0.0)
    >>> res = relaxed_cost(a, b, C, 1.0, "kl")
    >>> 0.0 < res.value < 0.5 and res.certified
    True
    """
    a, b, C, kern = _validate(a, b, C, penalty, kernel_matrix)
    lam = check_nonnegative(lam, "lam")
    tol = check_nonnegative(tol, "tol", strict=True)
    if lam == 0.0:
        return _closed_form_zero(a, b, C, penalty, kern, tol)
    j = _single_code(a, b, C, penalty)
    if j is not None:
        return _closed_form_single(a, b, C, penalty, kern, lam, tol, j)
    return _penalized(_Solver(a, b, C, penalty, kern, "penalized"), lam, tol)


def relaxed_path(a, b, C, lams, penalty="kl", *, kernel_matrix=None, tol=DEFAULT_TOL):
    r""":math:`W_c^\lambda` of eq. 12 on a grid of :math:`\lambda` values (one program, re-solved).

    .. math::

        \lambda_k \mapsto W_c^{\lambda_k}(a, b, C), \qquad k = 1, \dots, K

    Same problem as :func:`relaxed_cost`; the convex program is built once and re-solved with a
    new parameter value, which is faster than separate calls.

    Parameters
    ----------
    a, b, C, penalty, kernel_matrix, tol
        As in :func:`relaxed_cost`.
    lams : array_like, shape (K,)
        Non-negative values of :math:`\lambda` (any order).

    Returns
    -------
    RelaxedPath
        ``.values``, ``.transports``, ``.penalty_values``, ``.results``.

    Examples
    --------
    >>> C = np.array([[0.0, 1.0], [0.0, 1.0]])
    >>> path = relaxed_path([0.5, 0.5], [0.5, 0.5], C, [0.0, 0.5, 1.0, 4.0], "tv")
    >>> path.values.round(6).tolist()
    [0.0, 0.25, 0.5, 0.5]
    """
    a, b, C, kern = _validate(a, b, C, penalty, kernel_matrix)
    grid = as_float_array(lams, "lams", ndim=1)
    if grid.size == 0:
        raise ValueError("lams: is empty")
    if np.any(grid < 0):
        raise ValueError(f"lams: must be >= 0, got {grid.min()!r}")
    tol = check_nonnegative(tol, "tol", strict=True)
    j = _single_code(a, b, C, penalty)
    solver = None if j is not None else _Solver(a, b, C, penalty, kern, "penalized")  # support grows along the path
    results = []
    for lam in grid.tolist():
        if lam == 0.0:
            results.append(_closed_form_zero(a, b, C, penalty, kern, tol))
        elif j is not None:
            results.append(_closed_form_single(a, b, C, penalty, kern, lam, tol, j))
        else:
            results.append(_penalized(solver, lam, tol))
    return RelaxedPath(lams=grid, results=tuple(results))


def _tighten_multiplier(penalty, a, b, C, kern, allowed, ev, mult, mu):
    r"""Lagrangian bound of the constrained form, maximized over the multiplier near the solver's.

    For fixed ``v`` (or a fixed tangent point for ``mmd2``) the bound
    :math:`\eta \mapsto D(v, \eta) - \eta\mu` is concave in :math:`\eta`; a 1-D search around the
    solver's multiplier removes the first-order loss from its rounding. Returns ``(bound, eta)``.
    """
    from scipy.optimize import minimize_scalar

    def lagrangian(eta):
        return _dual_bound(penalty, a, b, C, eta, [ev.v], allowed, kern, ev.q)[0] - eta * mu

    best, eta_best = ev.bound - mult * mu, mult
    delta = 1e-3 * mult + 1e-9 * max(1.0, float(np.abs(C).max()))
    res = minimize_scalar(lambda e: -lagrangian(e), bounds=(max(0.0, mult - delta), mult + delta), method="bounded",
                          options={"xatol": 1e-14 * (mult + delta)})
    if -float(res.fun) > best:
        best, eta_best = -float(res.fun), float(res.x)
    return best, eta_best


def constrained_cost(a, b, C, mu, penalty="kl", *, kernel_matrix=None, tol=DEFAULT_TOL):
    r"""The constrained form of eq. 12: minimal transport cost under :math:`F(Q_Z) \le \mu`.

    .. math::

        \min_{P \ge 0,\ P\mathbf 1 = a} \langle C, P\rangle
        \quad\text{subject to}\quad F(P^\top \mathbf 1) \le \mu ,

    returning also the Lagrange multiplier :math:`\lambda_\mu` of the constraint. By convex
    duality (ref. [13] of the paper) the plan also solves the penalized problem
    (:func:`relaxed_cost`) at :math:`\lambda = \lambda_\mu`, and conversely the penalized solution at
    :math:`\lambda` solves this problem with :math:`\mu_\lambda = F(Q_Z^\lambda)`, non-increasing in
    :math:`\lambda`. :math:`\mu = 0` is the exact OT problem (:math:`Q_Z = b`).

    Parameters
    ----------
    a, b, C, penalty, kernel_matrix, tol
        As in :func:`relaxed_cost`.
    mu : float
        :math:`\mu \ge 0`.

    Returns
    -------
    ConstrainedResult
        Certified (``result.certified`` is true).

    Raises
    ------
    ValueError, TypeError, UncertifiedError
        As in :func:`relaxed_cost` (``mu < 0`` is a ``ValueError``).

    Examples
    --------
    >>> C = np.array([[0.0, 1.0], [0.0, 1.0]])
    >>> res = constrained_cost([0.5, 0.5], [0.5, 0.5], C, 0.25, "tv")
    >>> round(res.value, 6), round(res.penalty_value, 6), round(res.multiplier, 4)
    (0.25, 0.25, 1.0)
    """
    a, b, C, kern = _validate(a, b, C, penalty, kernel_matrix)
    mu = check_nonnegative(mu, "mu")
    tol = check_nonnegative(tol, "tol", strict=True)
    solver = _Solver(a, b, C, penalty, kern, "constrained")

    def build(ev, mult, mode, status="", frac=1.0):
        value = ev.transport
        if mode == "marginal":  # exact OT: ev.bound is the LP dual bound
            bound = ev.bound
            mult = float("nan")
        else:
            bound, mult = _tighten_multiplier(penalty, a, b, C, kern, solver.allowed, ev, mult, mu)
        scale = _gap_scale(a, C, ev.P, value)
        resid = max(_residual(ev.P, a), max(ev.Fq - mu, 0.0))
        return ConstrainedResult(value=value, penalty_value=ev.Fq, multiplier=mult, mu=mu, encoder=_encoder(ev.P, a),
                                 aggregated=ev.q, penalty=penalty, status=status, plan=ev.P, dual_bound=bound,
                                 primal_residual=resid, scale=scale, tol=tol * frac)

    ev, mult, status = solver.run(mu, lambda ev, mult, mode, frac: build(ev, mult, mode, frac=frac).certified)
    res = build(ev, mult, "marginal" if mu == 0.0 else "constrained", status)
    if not res.certified:
        raise UncertifiedError(
            f"constrained solve ({penalty}, mu={mu:g}) not certified: gap {res.gap:.3e} (scale {res.scale:.3e}, "
            f"tol {tol:g}), primal residual {res.primal_residual:.3e}")
    return res
