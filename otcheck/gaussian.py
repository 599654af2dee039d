r"""Gaussian decoders and Gaussian mixtures (layer 3).

A Gaussian decoder (section 3 of the paper) maps a code :math:`z` to the law
:math:`P_G(Y | Z = z) = \mathcal N(G(z), \operatorname{diag}(\sigma_1^2, \dots, \sigma_d^2))`
(:math:`\sigma_k^2 = \sigma^2` for the isotropic case). With a discrete prior
:math:`P_Z = \sum_j b_j \delta_{z_j}`, the law of :math:`Y` is the Gaussian mixture

.. math::

    P_G = \sum_j b_j\, \mathcal N\big(G(z_j), \operatorname{diag}(\sigma^2)\big).

:class:`GaussianMixture` holds such a mixture (diagonal covariances), with density, sampling from
an explicit seed, moments and, in one dimension, the cdf and the quantile function (bracketed root
finding to a stated precision). :class:`GaussianDecoder` builds one from a decoder mean on the codes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr, ndtri

from ._validation import as_float_array, as_generator, as_points, as_weights, check_positive_int

__all__ = [
    "GaussianMixture",
    "GaussianDecoder",
    "gmm_pdf",
    "gmm_cdf",
    "gmm_quantile",
    "QUANTILE_XTOL",
]

#: Default absolute precision of :func:`gmm_quantile` (relative to the mixture's spread).
QUANTILE_XTOL = 1e-12

#: float64 numpy array (the type of every array this module returns)
FloatArray = NDArray[np.float64]


def _variances(variances: ArrayLike, k: int, d: int, name: str = "variances") -> FloatArray:
    """Broadcast variances to (k, d): scalar, (d,), (k,) for d == 1 ambiguity resolved as per-component, or (k, d)."""
    v = as_float_array(variances, name)
    if v.ndim == 0:
        v = np.full((k, d), float(v))
    elif v.ndim == 1:
        if v.shape[0] == d and d != 1:
            v = np.broadcast_to(v, (k, d)).copy()
        elif v.shape[0] == k:
            v = np.broadcast_to(v[:, None], (k, d)).copy()
        elif v.shape[0] == d:
            v = np.broadcast_to(v, (k, d)).copy()
        else:
            raise ValueError(
                f"{name}: has length {v.shape[0]}, expected {d} (one per coordinate) or {k} (one per component)"
            )
    elif v.shape != (k, d):
        raise ValueError(f"{name}: has shape {v.shape}, expected ({k}, {d})")
    if np.any(v <= 0):
        raise ValueError(
            f"{name}: must be > 0, got minimum {v.min()!r} (a zero variance is a Dirac: use a DiscreteMeasure)"
        )
    return np.ascontiguousarray(v, dtype=np.float64)


def _set_frozen(obj: object, **arrays: FloatArray) -> None:
    """Set the fields of a frozen dataclass from its ``__init__``, each array made read-only first."""
    for name, arr in arrays.items():
        arr.setflags(write=False)
        object.__setattr__(obj, name, arr)


@dataclass(frozen=True)
class GaussianMixture:
    r"""A mixture of Gaussians with diagonal covariances, :math:`\sum_k w_k \mathcal N(m_k, \operatorname{diag}(s_k))`.

    Parameters
    ----------
    weights : array_like, shape (k,)
        Mixture weights (non-negative, summing to one).
    means : array_like, shape (k, d) or (k,)
        Component means; a 1-D array means ``d = 1``.
    variances : float or array_like, shape (d,), (k,) or (k, d)
        Component variances (all > 0): one shared value, one per coordinate, one per component,
        or one per component and coordinate.

    Examples
    --------
    >>> mix = GaussianMixture([0.5, 0.5], [-1.0, 1.0], 1.0)
    >>> mix.dim, mix.k, mix.mean().tolist(), mix.covariance().tolist()
    (1, 2, [0.0], [[2.0]])
    >>> float(mix.cdf(0.0))
    0.5
    >>> bool(abs(mix.quantile(0.5)) < 1e-11)
    True
    """

    weights: FloatArray = field(repr=False)
    means: FloatArray = field(repr=False)
    variances: FloatArray = field(repr=False)

    def __init__(self, weights: ArrayLike, means: ArrayLike, variances: ArrayLike) -> None:
        M = as_points(means, "means")
        k, d = M.shape
        w = as_weights(weights, "weights", n=k)
        _set_frozen(self, weights=w, means=M, variances=_variances(variances, k, d))

    @property
    def k(self) -> int:
        """Number of components."""
        return self.means.shape[0]

    @property
    def dim(self) -> int:
        """Dimension ``d``."""
        return self.means.shape[1]

    def __repr__(self) -> str:
        return f"GaussianMixture(k={self.k}, dim={self.dim})"

    def mean(self) -> FloatArray:
        r"""Mean :math:`\sum_k w_k m_k`, shape ``(d,)``."""
        return self.weights @ self.means

    def covariance(self) -> FloatArray:
        r"""Covariance, shape ``(d, d)``.

        .. math::

            \sum_k w_k \big(\operatorname{diag}(s_k) + m_k m_k^\top\big) - \bar m \bar m^\top
        """
        mbar = self.mean()
        Mc = self.means - mbar
        return np.diag(self.weights @ self.variances) + (Mc.T * self.weights) @ Mc

    def logpdf(self, x: ArrayLike) -> FloatArray:
        r"""Log density at points ``x`` (shape ``(N, d)``, or ``(N,)`` when ``d = 1``), computed with log-sum-exp."""
        X = as_points(x, "x")
        if X.shape[1] != self.dim:
            raise ValueError(f"x: points have dimension {X.shape[1]}, expected {self.dim}")
        # log N(x; m_k, diag s_k) for every pair
        diff2 = (X[:, None, :] - self.means[None, :, :]) ** 2 / self.variances[None, :, :]
        logn = -0.5 * (diff2.sum(-1) + np.log(2 * np.pi * self.variances).sum(-1)[None, :])
        with np.errstate(divide="ignore"):
            logw = np.log(self.weights)
        t = logn + logw[None, :]
        mx = t.max(axis=1, keepdims=True)
        return (mx + np.log(np.exp(t - mx).sum(axis=1, keepdims=True)))[:, 0]

    def pdf(self, x: ArrayLike) -> FloatArray:
        """Density at points ``x``."""
        return np.exp(self.logpdf(x))

    def sample(self, size: int, seed: int | np.random.Generator) -> FloatArray:
        r"""Draw ``size`` points, shape ``(size, d)``, from an explicit seed.

        Parameters
        ----------
        size : int
            Number of points (>= 1).
        seed : int or numpy.random.Generator
            The source of randomness (required).

        Examples
        --------
        >>> mix = GaussianMixture([1.0], [[0.0, 0.0]], 1.0)
        >>> mix.sample(3, seed=0).shape
        (3, 2)
        >>> bool(np.array_equal(mix.sample(3, seed=0), mix.sample(3, seed=0)))
        True
        """
        size = check_positive_int(size, "size")
        rng = as_generator(seed)
        comp = rng.choice(self.k, size=size, p=self.weights)
        noise = rng.standard_normal((size, self.dim))
        return self.means[comp] + np.sqrt(self.variances[comp]) * noise

    def _require_1d(self, what: str) -> None:
        if self.dim != 1:
            raise ValueError(f"{what}: defined for one-dimensional mixtures only (dim={self.dim})")

    def cdf(self, x: ArrayLike) -> FloatArray:
        r"""Cumulative distribution function in one dimension, :math:`F(x) = \sum_k w_k \Phi((x - m_k)/s_k)`."""
        self._require_1d("cdf")
        return gmm_cdf(x, self.means[:, 0], self.variances[:, 0], self.weights)

    def quantile(self, t: ArrayLike, *, xtol: float = QUANTILE_XTOL) -> FloatArray:
        r"""Quantile function in one dimension (see :func:`gmm_quantile`)."""
        self._require_1d("quantile")
        return gmm_quantile(t, self.means[:, 0], self.variances[:, 0], self.weights, xtol=xtol)


@dataclass(frozen=True)
class GaussianDecoder:
    r"""A Gaussian decoder :math:`P_G(Y|Z=z_j) = \mathcal N(G(z_j), \operatorname{diag}(\sigma^2))` on discrete codes.

    Parameters
    ----------
    means : array_like, shape (m, d) or (m,)
        The decoder mean :math:`G(z_j)` of each code.
    sigma2 : float or array_like, shape (d,)
        The variance :math:`\sigma^2` (isotropic) or :math:`(\sigma_1^2, \dots, \sigma_d^2)`
        (diagonal, Corollary 7); all > 0.

    Examples
    --------
    >>> dec = GaussianDecoder.from_map(lambda z: 2 * z, [[0.0], [1.0]], 0.25)
    >>> dec.means.ravel().tolist(), dec.trace_covariance
    ([0.0, 2.0], 0.25)
    >>> dec.decoded([0.5, 0.5]).covariance().tolist()    # Lemma 8: sigma^2 + Var G(Z)
    [[1.25]]
    """

    means: FloatArray = field(repr=False)
    sigma2: FloatArray = field(repr=False)

    def __init__(self, means: ArrayLike, sigma2: ArrayLike) -> None:
        M = as_points(means, "means")
        s = as_float_array(sigma2, "sigma2")
        d = M.shape[1]
        if s.ndim == 0:
            s = np.full(d, float(s))
        elif s.shape != (d,):
            raise ValueError(f"sigma2: has shape {s.shape}, expected a scalar or ({d},) (one per coordinate)")
        if np.any(s <= 0):
            raise ValueError(f"sigma2: must be > 0, got minimum {s.min()!r} (sigma2 = 0 is a deterministic decoder)")
        _set_frozen(self, means=M, sigma2=np.ascontiguousarray(s, dtype=np.float64))

    @classmethod
    def from_map(cls, G: Callable[[FloatArray], ArrayLike], codes: ArrayLike, sigma2: ArrayLike) -> GaussianDecoder:
        r"""Build the decoder from a vectorized map ``G`` evaluated on the codes (shape ``(m, d_z)``)."""
        if not callable(G):
            raise TypeError(f"G: expected a callable, got {type(G).__name__}")
        Z = as_points(codes, "codes")
        Y = np.asarray(G(Z), dtype=float)
        if Y.ndim == 1:
            Y = Y[:, None]
        if Y.ndim != 2 or Y.shape[0] != Z.shape[0]:
            raise ValueError(f"G: returned shape {Y.shape}; expected one image per code, shape ({Z.shape[0]}, d)")
        return cls(Y, sigma2)

    @property
    def m(self) -> int:
        """Number of codes."""
        return self.means.shape[0]

    @property
    def dim(self) -> int:
        """Output dimension ``d``."""
        return self.means.shape[1]

    @property
    def trace_covariance(self) -> float:
        r""":math:`\sum_k \sigma_k^2` (:math:`d \sigma^2` when isotropic), the constant of Corollary 7."""
        return float(self.sigma2.sum())

    def __repr__(self) -> str:
        return f"GaussianDecoder(m={self.m}, dim={self.dim})"

    def decoded(self, prior_weights: ArrayLike) -> GaussianMixture:
        r"""The law :math:`P_G = \sum_j b_j \mathcal N(G(z_j), \operatorname{diag}(\sigma^2))` of ``Y``."""
        b = as_weights(prior_weights, "prior_weights", n=self.m)
        return GaussianMixture(b, self.means, np.broadcast_to(self.sigma2, self.means.shape))

    def sample(self, code_index: ArrayLike, seed: int | np.random.Generator) -> FloatArray:
        r"""Draw one :math:`Y \sim P_G(Y | Z = z_j)` per entry of ``code_index``; shape ``(N, d)``."""
        rng = as_generator(seed)
        idx = np.asarray(code_index)
        if idx.ndim != 1 or idx.dtype.kind not in "iu":
            raise TypeError("code_index: expected a 1-D array of integer code indices")
        if idx.size and (idx.min() < 0 or idx.max() >= self.m):
            raise ValueError(f"code_index: indices must lie in [0, {self.m}), got range [{idx.min()}, {idx.max()}]")
        return self.means[idx] + np.sqrt(self.sigma2) * rng.standard_normal((idx.shape[0], self.dim))


# ------------------------------------------------------------------------------ 1-D mixtures


def _levels(x: ArrayLike, name: str) -> FloatArray:
    """A finite-or-infinite float array keeping the shape of ``x`` (scalars stay 0-d)."""
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name}: expected numbers, got {type(x).__name__}")
    if isinstance(x, (bool, np.bool_)) or np.asarray(x).dtype.kind == "b":
        raise TypeError(f"{name}: expected real numbers, got booleans")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: expected real numbers ({exc})") from exc
    if np.any(np.isnan(arr)):
        raise ValueError(f"{name}: contains NaN")
    return arr


def _mix1d(means: ArrayLike, variances: ArrayLike, weights: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    mu = as_float_array(means, "means", ndim=1)
    k = mu.shape[0]
    if k == 0:
        raise ValueError("means: is empty")
    w = as_weights(weights, "weights", n=k)
    var = _variances(variances, k, 1)[:, 0]
    return mu, var, w


def gmm_pdf(x: ArrayLike, means: ArrayLike, variances: ArrayLike, weights: ArrayLike) -> FloatArray:
    r"""Density of a 1-D Gaussian mixture, :math:`f(x) = \sum_k w_k \varphi((x - m_k)/s_k) / s_k`.

    Parameters
    ----------
    x : array_like
        Evaluation points (any shape).
    means : array_like, shape (k,)
        The component means :math:`m_k`.
    variances : float or array_like, shape (k,)
        :math:`s_k^2 > 0`.
    weights : array_like, shape (k,)
        Mixture weights.

    Returns
    -------
    ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> round(float(gmm_pdf(0.0, [0.0], 1.0, [1.0])), 10)
    0.3989422804
    """
    mu, var, w = _mix1d(means, variances, weights)
    x = _levels(x, "x")
    s = np.sqrt(var)
    z = (x[..., None] - mu) / s
    return (w * np.exp(-0.5 * z * z) / (s * np.sqrt(2 * np.pi))).sum(-1)


def gmm_cdf(x: ArrayLike, means: ArrayLike, variances: ArrayLike, weights: ArrayLike) -> FloatArray:
    r"""Cdf of a 1-D Gaussian mixture, :math:`F(x) = \sum_k w_k \Phi((x - m_k)/s_k)`.

    Parameters
    ----------
    x : array_like
        Evaluation points (any shape).
    means, variances, weights
        As in :func:`gmm_pdf`.

    Returns
    -------
    ndarray
        Same shape as ``x``, values in :math:`[0, 1]`.

    Examples
    --------
    >>> gmm_cdf([-np.inf, 0.0, np.inf], [0.0], 1.0, [1.0]).tolist()
    [0.0, 0.5, 1.0]
    """
    mu, var, w = _mix1d(means, variances, weights)
    x = _levels(x, "x")
    return np.clip((w * ndtr((x[..., None] - mu) / np.sqrt(var))).sum(-1), 0.0, 1.0)


def gmm_quantile(
    t: ArrayLike, means: ArrayLike, variances: ArrayLike, weights: ArrayLike, *, xtol: float = QUANTILE_XTOL
) -> FloatArray:
    r"""Quantile function of a 1-D Gaussian mixture by bracketed bisection, to a stated precision.

    .. math::

        F^{-1}(t) = \inf\{x : F(x) \ge t\}, \qquad
        \min_k Q_k(t) \le F^{-1}(t) \le \max_k Q_k(t),

    where :math:`Q_k(t) = m_k + s_k \Phi^{-1}(t)` are the component quantiles (components with
    zero weight excluded): at the lower end every component's cdf is :math:`\le t`, at the upper
    end :math:`\ge t`. Bisection on this bracket stops when its width is at most
    ``xtol * max(1, spread)`` with ``spread = max|m_k| + max s_k``; the midpoint is returned, so the
    error is at most half that width. :math:`t = 0` and :math:`t = 1` give :math:`\mp\infty`.

    Parameters
    ----------
    t : array_like
        Levels in :math:`[0, 1]` (any shape).
    means, variances, weights
        As in :func:`gmm_pdf`.
    xtol : float, default 1e-12
        Relative precision of the result (see above).

    Returns
    -------
    ndarray
        Same shape as ``t``.

    Examples
    --------
    >>> x = gmm_quantile([0.1, 0.5, 0.9], [-1.0, 2.0], [1.0, 0.25], [0.3, 0.7])
    >>> bool(np.allclose(gmm_cdf(x, [-1.0, 2.0], [1.0, 0.25], [0.3, 0.7]), [0.1, 0.5, 0.9], atol=1e-10))
    True
    """
    lo, hi, x = _quantile_bracket(t, means, variances, weights, xtol=xtol)
    return x


def _quantile_bracket(
    t: ArrayLike, means: ArrayLike, variances: ArrayLike, weights: ArrayLike, *, xtol: float = QUANTILE_XTOL
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Bisection; returns (lo, hi, mid) with F(lo) <= t <= F(hi) (in floating point) for 0 < t < 1."""
    mu, var, w = _mix1d(means, variances, weights)
    t = _levels(t, "t")
    if np.any((t < 0) | (t > 1)):
        raise ValueError(f"t: levels must lie in [0, 1], got range [{t.min()!r}, {t.max()!r}]")
    if not (isinstance(xtol, (int, float)) and xtol > 0):
        raise ValueError(f"xtol: must be a positive number, got {xtol!r}")
    s = np.sqrt(var)
    keep = w > 0
    mu_k, s_k, w_k = mu[keep], s[keep], w[keep]
    shape = t.shape
    tt = t.ravel()
    inner = (tt > 0) & (tt < 1)
    lo = np.where(tt <= 0, -np.inf, np.inf)
    hi = lo.copy()
    if np.any(inner):
        zq = ndtri(tt[inner])
        comp = mu_k[None, :] + s_k[None, :] * zq[:, None]
        L = comp.min(axis=1)
        H = comp.max(axis=1)
        width_tol = xtol * max(1.0, float(np.abs(mu_k).max() + s_k.max()))
        ti = tt[inner]
        for _ in range(200):
            if np.all(H - L <= width_tol):
                break
            M = 0.5 * (L + H)
            Fm = (w_k * ndtr((M[:, None] - mu_k) / s_k)).sum(-1)
            up = Fm >= ti
            H = np.where(up, M, H)
            L = np.where(up, L, M)
        lo[inner] = L
        hi[inner] = H
    mid = np.where(inner, 0.5 * (lo + hi), lo)
    return lo.reshape(shape), hi.reshape(shape), mid.reshape(shape)
