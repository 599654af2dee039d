"""The penalties F of eq. 12: validation, values, closed-form box minima and the Lagrangian dual bound (layer 3)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import as_cost, as_float_array, as_weights
from ._constants import PENALTIES

if TYPE_CHECKING:
    import cvxpy as cp

#: float64 numpy array
FloatArray = NDArray[np.float64]
#: boolean numpy array (a mask of columns or of pairs)
BoolArray = NDArray[np.bool_]
#: ``(K, R)`` with ``K = R^T R`` (up to tiny eigenvalues) for ``"mmd2"``; ``None`` for every other penalty
Kernel = tuple[FloatArray, FloatArray] | None

# ------------------------------------------------------------------------------------- validation


def _validate(
    a: ArrayLike, b: ArrayLike, C: ArrayLike, penalty: str, kernel_matrix: ArrayLike | None
) -> tuple[FloatArray, FloatArray, FloatArray, Kernel]:
    a = as_weights(a, "a")
    b = as_weights(b, "b")
    C = as_cost(C, "C", shape=(a.shape[0], b.shape[0]))
    if not isinstance(penalty, str) or penalty not in PENALTIES:
        raise ValueError(f"penalty: unknown penalty {penalty!r}; expected one of {PENALTIES}")
    kern: Kernel = None
    if penalty == "mmd2":
        if kernel_matrix is None:
            raise ValueError(
                "kernel_matrix: required for penalty 'mmd2' (a PSD (m, m) matrix on the codes, "
                "e.g. otcheck.divergences.kernel_matrix(codes))"
            )
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
        kern = (K, R)
    elif kernel_matrix is not None:
        raise ValueError(f"kernel_matrix: only used by penalty 'mmd2', got penalty {penalty!r}")
    return a, b, C, kern


def _forced_zero(penalty: str, b: FloatArray) -> BoolArray:
    """Columns where F is infinite unless q_j = 0."""
    if penalty in ("kl", "chi2"):
        return b <= 0
    return np.zeros(b.shape, dtype=bool)


# ----------------------------------------------------------------------------------- the penalties


def _penalty(penalty: str, q: FloatArray, b: FloatArray, kern: Kernel) -> float:
    """F(q) for a validated aggregate q (sums to one up to rounding)."""
    from .. import divergences as dv

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
    assert kern is not None, "penalty 'mmd2' is validated with its kernel matrix"
    K = kern[0]
    d = q - b
    return max(float(d @ K @ d), 0.0)


def penalty_value(q: ArrayLike, b: ArrayLike, penalty: str, *, kernel_matrix: ArrayLike | None = None) -> float:
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


def _cvx_penalty(
    cp: ModuleType, penalty: str, q: cp.Variable, b: FloatArray, allowed: BoolArray, kern: Kernel
) -> cp.Expression:
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
    assert kern is not None, "penalty 'mmd2' is validated with its kernel matrix"
    _, R = kern
    return cp.sum_squares(R[:, allowed] @ (q - bs))


def _box_min(penalty: str, c: FloatArray, b: FloatArray, lam: float) -> FloatArray:
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


def _js_box_value(c: FloatArray, b: FloatArray, x: FloatArray, lam: float, s: float) -> FloatArray:
    out = c * x
    m = x + b
    f = np.zeros_like(x)
    px = x > 0
    f[px] += x[px] * np.log(2.0 * x[px] / m[px])
    pb = b > 0
    f[pb] += b[pb] * np.log(2.0 * b[pb] / m[pb])
    return out + lam * 0.5 * s * f


def _dual_bound(
    penalty: str,
    a: FloatArray,
    b: FloatArray,
    C: FloatArray,
    lam: float | None,
    candidates: Iterable[FloatArray | None],
    allowed: BoolArray,
    kern: Kernel,
    q_hat: FloatArray,
) -> tuple[float, FloatArray]:
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
        assert kern is not None, "penalty 'mmd2' is validated with its kernel matrix"
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
    def dual(tau: float, vs: FloatArray) -> float:
        first = float(a @ (Ca - (vs + tau)[None, :]).min(axis=1))
        if lam is None:  # q = b: the shift cancels exactly
            inner = float(ba @ (vs + tau))
        elif penalty == "mmd2":  # lam == 0 (constrained form with an inactive constraint)
            inner = float(np.minimum(vs + tau, 0.0).sum())
        else:
            inner = float(_box_min(penalty, vs + tau, ba, lam).sum())
        return first + inner

    def kl_exact(vs: FloatArray, lam: float) -> float:
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
                val = kl_exact(vs, lam)
                if val > best:
                    best = val
                    v_best = np.zeros(m)
                    v_best[allowed] = vs
            if lam is None:
                val, tau = dual(0.0, vs), 0.0
            else:
                span = float(np.abs(Ca).max() + np.abs(vs).max() + lam + 1.0)
                res = minimize_scalar(
                    lambda t, vs=vs: -dual(t, vs),
                    bounds=(-4 * span, 4 * span),
                    method="bounded",
                    options={"xatol": 1e-13 * span},
                )
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


def _stationary_dual(
    penalty: str, q: FloatArray, b: FloatArray, lam: float, allowed: BoolArray, fallback: FloatArray | None
) -> FloatArray | None:
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


def _ot_polish(
    a: FloatArray, q: FloatArray, C: FloatArray, allowed: BoolArray
) -> tuple[FloatArray, FloatArray] | tuple[None, None]:
    """Exact OT between ``a`` and ``q`` on the allowed columns: (plan, column potential) or (None, None)."""
    import ot

    qa = q[allowed]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            Pa, log = ot.emd(
                a, qa * (a.sum() / qa.sum()), np.ascontiguousarray(C[:, allowed]), numItermax=1_000_000, log=True
            )
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
