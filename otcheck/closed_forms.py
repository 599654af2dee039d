r"""Closed forms of Wasserstein distances (layer 3).

* :func:`gaussian_w2`: :math:`W_2^2` between two Gaussians (the Bures formula);
* :func:`w2_1d_gaussians`: its one-dimensional case;
* :func:`wp_1d_discrete`: :math:`W_p^p` between two 1-D discrete laws by merging their quantile
  functions (exact up to rounding);
* :func:`wp_discrete_gmm_1d`: :math:`W_p^p` between a 1-D discrete law and a 1-D Gaussian mixture
  by quantile integration, with a stated error bound.

All return :math:`W_p^p` (for ``p = 2`` the squared distance), matching :func:`otcheck.wasserstein`
with ``cost=p``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from ._validation import as_float_array, as_weights, check_nonnegative
from .gaussian import _mix1d, _quantile_bracket

if TYPE_CHECKING:
    from .bounds import Bound

__all__ = [
    "sqrtm_psd",
    "gaussian_w2",
    "w2_1d_gaussians",
    "wp_1d_discrete",
    "wp_discrete_gmm_1d",
    "QuantileIntegral",
]

_EPS = np.finfo(float).eps

#: float64 numpy array (the type of every array this module returns)
FloatArray = NDArray[np.float64]


def _as_psd(S: ArrayLike, name: str, d: int) -> FloatArray:
    M = as_float_array(S, name)
    if M.ndim == 0:
        M = M.reshape(1, 1)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"{name}: expected a square matrix, got shape {M.shape}")
    if M.shape[0] != d:
        raise ValueError(f"{name}: has shape {M.shape}, expected ({d}, {d}) (the dimension of the means)")
    scale = max(float(np.abs(M).max()), np.finfo(float).tiny)
    if np.abs(M - M.T).max() > 1e-10 * scale:
        raise ValueError(f"{name}: is not symmetric")
    M = 0.5 * (M + M.T)
    w = np.linalg.eigvalsh(M)
    if w.min() < -1e-10 * scale:
        raise ValueError(f"{name}: is not positive semi-definite (smallest eigenvalue {w.min():.3e})")
    return M


def sqrtm_psd(S: ArrayLike) -> FloatArray:
    r"""Symmetric square root of a symmetric PSD matrix via ``eigh``, tiny negative eigenvalues clipped.

    .. math::

        S = V \operatorname{diag}(w) V^\top \;\Rightarrow\; S^{1/2} = V \operatorname{diag}(\sqrt{\max(w, 0)}) V^\top

    Parameters
    ----------
    S : array_like, shape (d, d)
        Symmetric positive semi-definite (eigenvalues below ``-1e-10 max|S|`` are an error).

    Returns
    -------
    ndarray, shape (d, d)
        Symmetric PSD, squaring to ``S`` up to rounding.

    Examples
    --------
    >>> sqrtm_psd([[4.0, 0.0], [0.0, 9.0]]).tolist()
    [[2.0, 0.0], [0.0, 3.0]]
    """
    S = as_float_array(S, "S")
    d = S.shape[0] if S.ndim == 2 else 1
    return _sqrtm(_as_psd(S, "S", d))


def _sqrtm(S: FloatArray) -> FloatArray:
    w, V = np.linalg.eigh(S)
    R = (V * np.sqrt(np.clip(w, 0.0, None))) @ V.T
    return 0.5 * (R + R.T)


def gaussian_w2(m1: ArrayLike, S1: ArrayLike, m2: ArrayLike, S2: ArrayLike) -> float:
    r"""Squared 2-Wasserstein distance between two Gaussians (Bures formula).

    .. math::

        W_2^2\big(\mathcal N(m_1, \Sigma_1), \mathcal N(m_2, \Sigma_2)\big)
        = \|m_1 - m_2\|^2 + \operatorname{tr}\Big(\Sigma_1 + \Sigma_2
          - 2\big(\Sigma_1^{1/2} \Sigma_2 \Sigma_1^{1/2}\big)^{1/2}\Big)

    Square roots are symmetric (``eigh``, eigenvalues clipped at 0), so degenerate covariances
    (Diracs, low rank) are allowed. The result is clipped at 0 against rounding.

    Parameters
    ----------
    m1, m2 : array_like, shape (d,) or scalar
        Means.
    S1, S2 : array_like, shape (d, d) or scalar
        Covariances, symmetric PSD (a scalar is a variance in ``d = 1``).

    Returns
    -------
    float
        The squared 2-Wasserstein distance :math:`W_2^2` (not :math:`W_2`), clipped at 0 against rounding;
        finite (an overflow raises ``ValueError``).

    Raises
    ------
    ValueError
        On shape mismatches or a covariance that is not symmetric PSD.

    Examples
    --------
    >>> gaussian_w2([0.0], [[1.0]], [1.0], [[4.0]])      # (0 - 1)^2 + (1 - 2)^2
    2.0
    >>> round(gaussian_w2(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2)), 12)
    4.0
    """
    m1 = np.atleast_1d(as_float_array(m1, "m1"))
    m2 = np.atleast_1d(as_float_array(m2, "m2"))
    if m1.ndim != 1:
        raise ValueError(f"m1: expected a vector, got shape {m1.shape}")
    if m2.shape != m1.shape:
        raise ValueError(f"m2: has shape {m2.shape}, expected {m1.shape} (the shape of m1)")
    d = m1.shape[0]
    S1 = _as_psd(S1, "S1", d)
    S2 = _as_psd(S2, "S2", d)
    R1 = _sqrtm(S1)
    cross = _sqrtm(R1 @ S2 @ R1)
    val = float(((m1 - m2) ** 2).sum() + np.trace(S1) + np.trace(S2) - 2.0 * np.trace(cross))
    if not np.isfinite(val):
        raise ValueError(f"m1, S1, m2, S2: W2^2 overflows float64 ({val}); rescale the means and covariances")
    return max(val, 0.0)


def w2_1d_gaussians(m1: float, var1: float, m2: float, var2: float) -> float:
    r"""Squared 2-Wasserstein distance between two 1-D Gaussians, given their variances.

    .. math::

        W_2^2\big(\mathcal N(m_1, s_1^2), \mathcal N(m_2, s_2^2)\big) = (m_1 - m_2)^2 + (s_1 - s_2)^2

    Parameters
    ----------
    m1, m2 : float
        Means.
    var1, var2 : float
        Variances :math:`s_1^2, s_2^2 \ge 0` (not standard deviations).

    Returns
    -------
    float
        :math:`W_2^2 = (m_1 - m_2)^2 + (s_1 - s_2)^2 \ge 0` (not :math:`W_2`); finite (an overflow raises
        ``ValueError``).

    Examples
    --------
    >>> w2_1d_gaussians(0.0, 1.0, 1.0, 4.0)
    2.0
    """
    for name, v in (("m1", m1), ("m2", m2)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
            raise TypeError(f"{name}: expected a finite real number, got {v!r}")
    v1 = check_nonnegative(var1, "var1")
    v2 = check_nonnegative(var2, "var2")
    with np.errstate(over="ignore"):
        val = float((np.float64(m1) - np.float64(m2)) ** 2 + (np.sqrt(v1) - np.sqrt(v2)) ** 2)
    if not np.isfinite(val):
        raise ValueError(f"m1, m2: W2^2 overflows float64 ({val}); rescale the means and variances")
    return val


def _check_p(p: object) -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"p: expected a real number >= 1, got {type(p).__name__} {p!r}")
    p = float(p)
    if not np.isfinite(p) or p < 1:
        raise ValueError(f"p: must be a finite number >= 1, got {p}")
    return p


def _discrete_1d(
    atoms: ArrayLike, weights: ArrayLike | None, name_x: str, name_w: str
) -> tuple[FloatArray, FloatArray]:
    x = as_float_array(atoms, name_x)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"{name_x}: expected 1-D atoms, shape (n,) or (n, 1), got {x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"{name_x}: is empty")
    w = np.full(x.shape[0], 1.0 / x.shape[0]) if weights is None else as_weights(weights, name_w, n=x.shape[0])
    keep = w > 0
    x, w = x[keep], w[keep]
    order = np.argsort(x, kind="stable")
    return x[order], w[order]


def wp_1d_discrete(x: ArrayLike, a: ArrayLike | None, y: ArrayLike, b: ArrayLike | None, p: float = 2) -> float:
    r""":math:`W_p^p` between two 1-D discrete laws, by merging their quantile functions.

    .. math::

        W_p^p(\mu, \nu) = \int_0^1 |F_\mu^{-1}(t) - F_\nu^{-1}(t)|^p\, dt
        = \sum_k (t_k - t_{k-1})\, |x_{(i_k)} - y_{(j_k)}|^p,

    where :math:`0 = t_0 < t_1 < \dots` merges the cumulative weights of both laws; both quantile
    functions are constant on each piece. Exact up to rounding (the sorted, monotone coupling is
    optimal for every convex cost in 1-D).

    Parameters
    ----------
    x : array_like, shape (n,)
        Atoms of :math:`\mu`.
    a : array_like, shape (n,) or None
        Weights of :math:`\mu` (uniform when None).
    y : array_like, shape (m,)
        Atoms of :math:`\nu`.
    b : array_like, shape (m,) or None
        Weights of :math:`\nu`.
    p : float, default 2
        Exponent, :math:`p \ge 1`.

    Returns
    -------
    float
        :math:`W_p^p(\mu, \nu) \ge 0` (not :math:`W_p`), exact up to rounding; finite (an overflow raises
        ``ValueError``).

    Examples
    --------
    >>> wp_1d_discrete([0.0, 1.0], None, [1.0, 2.0], None, p=2)
    1.0
    >>> wp_1d_discrete([0.0], None, [0.0, 3.0], [2 / 3, 1 / 3], p=1)
    1.0
    """
    p = _check_p(p)
    x, a = _discrete_1d(x, a, "x", "a")
    y, b = _discrete_1d(y, b, "y", "b")
    ta = np.cumsum(a)
    tb = np.cumsum(b)
    ta[-1] = tb[-1] = 1.0
    t = np.union1d(ta, tb)
    widths = np.diff(np.concatenate([[0.0], t]))
    mids = t - 0.5 * widths
    i = np.minimum(np.searchsorted(ta, mids), x.shape[0] - 1)
    j = np.minimum(np.searchsorted(tb, mids), y.shape[0] - 1)
    with np.errstate(over="ignore", invalid="ignore"):
        val = float(widths @ np.abs(x[i] - y[j]) ** p)
    return _finite_wp(val, "x, y")


@dataclass(frozen=True)
class QuantileIntegral:
    r"""A :math:`W_p^p` computed by quantile integration, with its error bound.

    Attributes
    ----------
    value : float
        The computed :math:`W_p^p`.
    error_bound : float
        :math:`|\text{value} - W_p^p| \le` ``error_bound`` (see :func:`wp_discrete_gmm_1d` for what
        is rigorous and what is an estimate).
    p : float
        The exponent.
    method : str
        ``"closed form"`` (partial moments, ``p`` in {1, 2}) or ``"quadrature"``.
    pieces : int
        Number of quantile pieces (atoms of positive weight).
    """

    value: float
    error_bound: float
    p: float
    method: str
    pieces: int

    @property
    def interval(self) -> tuple[float, float]:
        """``(value - error_bound, value + error_bound)``, clipped at 0 from below."""
        return (max(self.value - self.error_bound, 0.0), self.value + self.error_bound)

    @property
    def bound(self) -> Bound:
        """The value as a :class:`~otcheck.bounds.Bound` (``"estimate"``: the quadrature's error is
        partly estimated, see :func:`wp_discrete_gmm_1d`)."""
        from .bounds import Bound

        lo, hi = self.interval
        return Bound(
            self.value, min(lo, self.value), hi, method=f"1-D quantile integral ({self.method})", guarantee="estimate"
        )

    def __str__(self) -> str:
        return f"W_p^p = {self.value:.12g} ± {self.error_bound:.1e} (p={self.p:g}, {self.method})"


def _std_partial(alpha: FloatArray, beta: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Standard normal partial moments on [alpha, beta]: (M0, M1, M2) = int z^k phi(z) dz, k = 0, 1, 2."""
    phi_a = np.where(np.isfinite(alpha), np.exp(-0.5 * np.where(np.isfinite(alpha), alpha, 0.0) ** 2), 0.0)
    phi_b = np.where(np.isfinite(beta), np.exp(-0.5 * np.where(np.isfinite(beta), beta, 0.0) ** 2), 0.0)
    phi_a = phi_a / np.sqrt(2 * np.pi)
    phi_b = phi_b / np.sqrt(2 * np.pi)
    # upper tail computed from the right to avoid cancellation in Phi(beta) - Phi(alpha)
    upper = alpha > 0
    M0 = np.where(upper, ndtr(-alpha) - ndtr(-beta), ndtr(beta) - ndtr(alpha))
    M0 = np.maximum(M0, 0.0)
    M1 = phi_a - phi_b
    a_phi = np.where(np.isfinite(alpha), np.where(np.isfinite(alpha), alpha, 0.0) * phi_a, 0.0)
    b_phi = np.where(np.isfinite(beta), np.where(np.isfinite(beta), beta, 0.0) * phi_b, 0.0)
    M2 = M0 + a_phi - b_phi
    return M0, M1, M2


def _piece_moments(
    lo: FloatArray, hi: FloatArray, x: FloatArray, mu: FloatArray, s: FloatArray, w: FloatArray, p: float
) -> tuple[FloatArray, FloatArray]:
    """sum_k w_k int_lo^hi |x - y|^p N(y; mu_k, s_k^2) dy for p in {1, 2}; returns (value, abs_sum)."""
    # broadcast: pieces (N,) x components (K,)
    lo = lo[:, None]
    hi = hi[:, None]
    x = x[:, None]
    d = x - mu[None, :]
    if p == 2.0:
        M0, M1, M2 = _std_partial((lo - mu) / s, (hi - mu) / s)
        terms: tuple[FloatArray, ...] = (d * d * M0, -2.0 * d * s * M1, s * s * M2)
    else:  # p == 1: split [lo, hi] at x
        mid = np.clip(x, lo, hi)
        L0, L1, _ = _std_partial((lo - mu) / s, (mid - mu) / s)  # y < x: (x - y) = d - s z
        R0, R1, _ = _std_partial((mid - mu) / s, (hi - mu) / s)  # y > x: (y - x) = s z - d
        terms = (d * L0, -s * L1, s * R1, -d * R0)
    val = sum(terms)
    absval = sum(np.abs(t) for t in terms)
    val = np.maximum(val, 0.0)
    return (val * w).sum(axis=1), (absval * w).sum(axis=1)


def wp_discrete_gmm_1d(
    atoms: ArrayLike,
    weights: ArrayLike | None,
    means: ArrayLike,
    variances: ArrayLike,
    mix_weights: ArrayLike,
    p: float = 2,
    *,
    tol: float = 1e-10,
    method: str = "auto",
) -> QuantileIntegral:
    r""":math:`W_p^p` between a 1-D discrete law and a 1-D Gaussian mixture, by quantile integration.

    With :math:`\mu = \sum_i a_i \delta_{x_i}` (atoms sorted, cumulative weights :math:`t_i`) and
    :math:`\nu = \sum_k w_k \mathcal N(m_k, s_k^2)` with cdf :math:`G`,

    .. math::

        W_p^p(\mu, \nu) = \int_0^1 |F_\mu^{-1}(t) - G^{-1}(t)|^p\, dt
        = \sum_i \int_{t_{i-1}}^{t_i} |x_i - G^{-1}(t)|^p\, dt
        = \sum_i \int_{y_{i-1}}^{y_i} |x_i - y|^p\, g(y)\, dy,

    with :math:`y_i = G^{-1}(t_i)` (:math:`y_0 = -\infty`, :math:`y_n = +\infty`): the discrete
    quantile is constant on each piece, and the substitution :math:`t = G(y)` turns each piece into
    an integral against the mixture density :math:`g`.

    * For ``p`` in {1, 2} each piece is a sum over components of Gaussian partial moments, in closed
      form (``method="closed form"``); otherwise each piece is integrated by adaptive quadrature
      (``scipy.integrate.quad``, ``method="quadrature"``).
    * The breakpoints :math:`y_i` are found by bisection on a bracket
      :math:`[\ell_i, h_i] \ni y_i` (:func:`otcheck.gaussian.gmm_quantile`). Using the midpoint
      :math:`\hat y_i` instead of :math:`y_i` moves at most :math:`G(h_i) - G(\ell_i)` of mass between
      pieces ``i`` and ``i+1``; since :math:`y \mapsto |x_i - y|^p - |x_{i+1} - y|^p` is monotone,
      the error is at most :math:`(G(h_i) - G(\ell_i)) \max(|\delta_i(\ell_i)|, |\delta_i(h_i)|)`,
      a rigorous bound (in exact arithmetic).

    ``error_bound`` is the sum of these breakpoint bounds, a rounding term
    (:math:`64\,\epsilon` times the sum of absolute values of the closed-form terms), and, for
    quadrature, the sum of ``quad``'s own error estimates (an estimate, not a proof).

    Parameters
    ----------
    atoms : array_like, shape (n,)
        Atoms of the discrete law.
    weights : array_like, shape (n,) or None
        Its weights (uniform when None); zero-weight atoms are dropped.
    means : array_like, shape (k,)
        Component means.
    variances : float or array_like, shape (k,)
        Component variances (> 0).
    mix_weights : array_like, shape (k,)
        Mixture weights.
    p : float, default 2
        Exponent, :math:`p \ge 1`.
    tol : float, default 1e-10
        Relative precision of the breakpoints (bisection width, relative to the mixture's spread)
        and the absolute tolerance given to quadrature.
    method : {"auto", "quadrature"}
        ``"auto"`` uses closed forms for ``p`` in {1, 2}; ``"quadrature"`` forces quadrature (a
        cross-check).

    Returns
    -------
    QuantileIntegral
        ``value``, ``error_bound``, ``interval``.

    Examples
    --------
    >>> res = wp_discrete_gmm_1d([0.0], None, [0.0], 1.0, [1.0], p=2)   # E Y^2 for Y ~ N(0, 1)
    >>> round(res.value, 12), bool(res.error_bound < 1e-12)
    (1.0, True)
    >>> res = wp_discrete_gmm_1d([-1.0, 1.0], None, [-1.0, 1.0], 0.01, [0.5, 0.5], p=1)
    >>> bool(abs(res.value - 0.1 * np.sqrt(2 / np.pi)) < 1e-9)         # each atom to its own component
    True
    """
    p = _check_p(p)
    x, a = _discrete_1d(atoms, weights, "atoms", "weights")
    mu, var, w = _mix1d(means, variances, mix_weights)
    tol = check_nonnegative(tol, "tol", strict=True)
    if method not in ("auto", "quadrature"):
        raise ValueError(f"method: expected 'auto' or 'quadrature', got {method!r}")
    s = np.sqrt(var)
    keep = w > 0
    mu, s, w = mu[keep], s[keep], w[keep]
    n = x.shape[0]
    t = np.cumsum(a)[:-1]
    if n > 1:
        lo, hi, mid = _quantile_bracket(t, mu, s * s, w, xtol=tol)
    else:
        lo = hi = mid = np.empty(0)
    edges_lo = np.concatenate([[-np.inf], mid])
    edges_hi = np.concatenate([mid, [np.inf]])
    closed = method == "auto" and p in (1.0, 2.0)
    if closed:
        vals, absvals = _piece_moments(edges_lo, edges_hi, x, mu, s, w, p)
        value = float(vals.sum())
        err: float = 64 * _EPS * float(absvals.sum())
        name = "closed form"
    else:
        from scipy.integrate import quad

        def dens(y: float) -> float:
            return float((w * np.exp(-0.5 * ((y - mu) / s) ** 2) / (s * np.sqrt(2 * np.pi))).sum())

        value = 0.0
        err = 0.0
        # where the mixture's mass lives: quad on an interval that is mostly empty (e.g. (-inf, 40]
        # for N(0, 1) mass, or [x, inf) beyond it) samples only the tails and returned 0 +- 0
        bulk = set(np.concatenate([mu, mu - 8 * s, mu + 8 * s]).tolist())
        for i in range(n):
            # split each piece at the atom (kink of |x - y|^p), at the mixture's bulk, and at the finite ends
            pts = sorted(({edges_lo[i], x[i], edges_hi[i]} | bulk) - {np.inf, -np.inf})
            pts = [v for v in pts if edges_lo[i] <= v <= edges_hi[i]]
            bounds = [edges_lo[i]] + [v for v in pts if edges_lo[i] < v < edges_hi[i]] + [edges_hi[i]]
            for lo_i, hi_i in zip(bounds[:-1], bounds[1:]):
                if lo_i == hi_i:
                    continue
                v, e = quad(
                    lambda y, xi=x[i]: abs(xi - y) ** p * dens(y),
                    lo_i,
                    hi_i,
                    epsabs=tol * 1e-2,
                    epsrel=1e-12,
                    limit=200,
                )
                value += v
                err += e
        err += 64 * _EPS * abs(value)
        name = "quadrature"
    # breakpoint error: mass G(hi) - G(lo) moved between neighbouring pieces
    if n > 1:
        G = lambda z: (w * ndtr((z[:, None] - mu) / s)).sum(-1)  # noqa: E731
        # a level t_i that rounds to 0 or 1 has an exact breakpoint (-inf or +inf): no error there
        fin = np.isfinite(lo) & np.isfinite(hi)
        lo_f, hi_f = lo[fin], hi[fin]
        dmass = np.maximum(G(hi_f) - G(lo_f), 0.0) + 4 * _EPS
        delta_lo = np.abs(np.abs(x[:-1][fin] - lo_f) ** p - np.abs(x[1:][fin] - lo_f) ** p)
        delta_hi = np.abs(np.abs(x[:-1][fin] - hi_f) ** p - np.abs(x[1:][fin] - hi_f) ** p)
        err += float((dmass * np.maximum(delta_lo, delta_hi)).sum())
    _finite_wp(value, "atoms, means")
    return QuantileIntegral(value=value, error_bound=err, p=p, method=name, pieces=n)


def _finite_wp(value: float, names: str) -> float:
    """``value``, or a ``ValueError`` when :math:`W_p^p` overflowed float64 (inf or NaN, never returned)."""
    if not np.isfinite(value):
        raise ValueError(f"{names}: W_p^p overflows float64 ({value}); rescale the points or lower p")
    return value
