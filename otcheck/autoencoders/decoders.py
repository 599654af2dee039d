r"""Decoders for a fixed encoder, the linear decoder of Proposition 2, Lemma 8's mixture moments
(layer 3; see :mod:`otcheck.autoencoders`).

* For a fixed encoder :math:`Q` the primal criterion :math:`J_P(G) = \sum_i a_i \sum_j Q_{ij}\,
  c(x_i, G(z_j))` separates over codes; its minimizer is a conditional mean (squared cost) or
  median (:math:`|x - y|` on the line): :func:`optimal_decoder`, checked by two independent routes
  (:func:`least_squares_decoder`, :func:`decoder_coordinate_minimum`), with its analytic gradient
  (:func:`primal_gradient`) and a measure of how much it averages (:func:`decoder_blur`).
* Proposition 2 in :math:`d` dimensions: :math:`G(z) = Az` fitted to :math:`P_X = \mathcal N(0,
  \Sigma_X)` by L-BFGS-B on Bures formulas with analytic gradients (:func:`fit_linear_decoder`).
* Lemma 8: moments of a 1-D Gaussian-decoder mixture by adaptive quadrature
  (:func:`mixture_moments_quad`).

numpy and scipy only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import as_float_array, as_generator, as_points, as_weights, check_nonnegative, check_positive_int
from ..bounds import Bound
from ..exact.result import UncertifiedError
from .objectives import _encoder, reconstruction

if TYPE_CHECKING:
    from ..costs import Cost

__all__ = [
    "optimal_decoder",
    "least_squares_decoder",
    "decoder_coordinate_minimum",
    "decoder_blur",
    "primal_gradient",
    "LinearDecoderFit",
    "fit_linear_decoder",
    "mixture_moments_quad",
]

#: float64 numpy array (the type of every array this module returns)
FloatArray = NDArray[np.float64]


class DecoderBlur(TypedDict):
    """What :func:`decoder_blur` returns."""

    distance: float
    spread: float
    per_code_distance: list[float]


def _check_cost(cost: str | Cost) -> str:
    """``"sqeuclidean"`` or ``"euclidean"`` for a name or a :class:`~otcheck.costs.Cost` of power 2 or 1."""
    from ..costs import COST_NAMES, as_cost_fn

    try:
        fn = as_cost_fn(cost)
    except (TypeError, ValueError):
        fn = None
    if fn is None or fn.power not in (1.0, 2.0):
        raise ValueError(f"cost: expected one of {COST_NAMES} (or a Cost of power 2 or 1), got {cost!r}")
    return "sqeuclidean" if fn.power == 2.0 else "euclidean"


def _weighted_median(x: FloatArray, w: FloatArray) -> float:
    """Smallest minimizer of sum_k w_k |x_k - t| (the lower weighted median)."""
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cw = np.cumsum(ws)
    k = int(np.searchsorted(cw, 0.5 * cw[-1] - 1e-15 * cw[-1]))
    return float(xs[min(k, xs.size - 1)])


def _data_and_encoder(a: ArrayLike, X: ArrayLike, Q: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    X = as_points(X, "X")
    a = as_weights(a, "a", n=X.shape[0])
    Q = as_float_array(Q, "Q", ndim=2)
    if Q.shape[0] != X.shape[0]:
        raise ValueError(f"Q: has {Q.shape[0]} rows, expected {X.shape[0]} (one per data atom)")
    return a, X, _encoder(Q, *Q.shape)


def optimal_decoder(
    a: ArrayLike, X: ArrayLike, Q: ArrayLike, cost: str = "sqeuclidean"
) -> tuple[FloatArray, FloatArray]:
    r"""Decoder minimizing :math:`\sum_i a_i \sum_j Q_{ij}\, c(x_i, G(z_j))` for a fixed encoder.

    The problem separates over codes :math:`z_j`: with :math:`P^*_{z_j}(x_i) \propto a_i Q_{ij}`,

    .. math::

        G^*(z_j) = \mathbb E_{P^*_{z_j}}[X] \quad (c = \|x-y\|^2), \qquad
        G^*(z_j) = \operatorname{median}_{P^*_{z_j}} X \quad (c = |x - y|,\ d = 1).

    Codes that receive no mass (:math:`Q_Z(z_j) = 0`) have an undetermined decoder: NaN rows.

    Parameters
    ----------
    a : array_like, shape (n,)
        Data weights.
    X : array_like, shape (n, d) or (n,)
        Data atoms.
    Q : array_like, shape (n, m)
        Encoder, row-stochastic.
    cost : {"sqeuclidean", "euclidean"}
        ``"euclidean"`` is supported for ``d = 1`` (exact weighted median).

    Returns
    -------
    G : ndarray, shape (m, d)
        The optimal decoder (NaN where undetermined).
    conditional : ndarray, shape (m, n)
        :math:`P^*_{z_j}(x_i)` (NaN rows where :math:`Q_Z(z_j) = 0`).

    Examples
    --------
    >>> G, _ = optimal_decoder([0.5, 0.5], [0.0, 2.0], [[1.0], [1.0]])
    >>> G.tolist()
    [[1.0]]
    """
    a, X, Q = _data_and_encoder(a, X, Q)
    cost = _check_cost(cost)
    if cost == "euclidean" and X.shape[1] != 1:
        raise ValueError(f"X: the euclidean (median) decoder is exact only for d = 1, got d = {X.shape[1]}")
    W = (a[:, None] * Q).T  # (m, n)
    mass = W.sum(axis=1)
    cond = np.full_like(W, np.nan)
    G = np.full((Q.shape[1], X.shape[1]), np.nan)
    for j in np.flatnonzero(mass > 0):
        cond[j] = W[j] / mass[j]
        if cost == "sqeuclidean":
            G[j] = cond[j] @ X
        else:
            G[j, 0] = _weighted_median(X[:, 0], cond[j])
    return G, cond


def least_squares_decoder(a: ArrayLike, X: ArrayLike, Q: ArrayLike) -> tuple[FloatArray, float]:
    r"""The squared-cost optimal decoder for a fixed encoder, by a generic least-squares solve.

    .. math::

        \min_{G \in \mathbb R^{m \times d}} \sum_{i, j} a_i Q_{ij} \|x_i - G_j\|^2
        = \min_G \big\| \sqrt{w} \odot (E G - \tilde X) \big\|_F^2,\qquad w_{ij} = a_i Q_{ij},

    one row :math:`\sqrt{w_{ij}}\, e_j^\top` of the design :math:`E` and one target
    :math:`\sqrt{w_{ij}}\, x_i^\top` per pair with :math:`w_{ij} > 0`, solved by
    ``numpy.linalg.lstsq`` (SVD). It does not use the conditional-mean formula of
    :func:`optimal_decoder`, so the two are independent routes to the same minimum.

    Parameters
    ----------
    a, X, Q
        As in :func:`optimal_decoder`.

    Returns
    -------
    G : ndarray, shape (m, d)
        A minimizer (the minimum-norm one: 0 on codes with no mass).
    value : float
        The minimal expected squared cost.

    Examples
    --------
    >>> G, v = least_squares_decoder([0.5, 0.5], [0.0, 2.0], [[1.0], [1.0]])
    >>> G.round(12).tolist(), round(v, 12)
    ([[1.0]], 1.0)
    """
    a, X, Q = _data_and_encoder(a, X, Q)
    ii, jj = np.nonzero(a[:, None] * Q > 0)
    sw = np.sqrt(a[ii] * Q[ii, jj])
    E = np.zeros((ii.size, Q.shape[1]))
    E[np.arange(ii.size), jj] = sw
    B = sw[:, None] * X[ii]
    G = np.asarray(np.linalg.lstsq(E, B, rcond=None)[0], dtype=np.float64)
    return G, float(((E @ G - B) ** 2).sum())


def decoder_coordinate_minimum(
    a: ArrayLike, x: ArrayLike, Q: ArrayLike, G: ArrayLike, j: int | np.integer, cost: str = "sqeuclidean"
) -> tuple[float, float]:
    r"""Minimize the primal criterion over one decoded code :math:`G(z_j)` (1-D data), the others fixed.

    .. math::

        g^* = \arg\min_{g \in [\min x - 1,\ \max x + 1]} \sum_i a_i \sum_k Q_{ik}\, c(x_i, G_k),
        \qquad G_j = g

    by a bounded Brent search (``scipy.optimize.minimize_scalar``, ``xatol=1e-11``): a generic
    minimizer that knows nothing of means or medians, to compare with :func:`optimal_decoder`.
    The criterion is convex in :math:`g` for both costs, so the search finds its minimum.

    Parameters
    ----------
    a : array_like, shape (n,)
        Data weights.
    x : array_like, shape (n,)
        1-D data atoms.
    Q : array_like, shape (n, m)
        Encoder.
    G : array_like, shape (m,) or (m, 1)
        The other decoded codes (NaN entries count as 0: they carry no mass when ``Q_Z = 0``).
    j : int
        The code to move.
    cost : {"sqeuclidean", "euclidean"}
        :math:`c(x, y) = (x - y)^2` or :math:`|x - y|`; a :class:`~otcheck.costs.Cost` of power 2 or 1 is
        accepted too.

    Returns
    -------
    g : float
        The minimizer found.
    value : float
        The criterion there.

    Raises
    ------
    ValueError, TypeError
        Bad weights, data, encoder, codes, ``j`` or ``cost`` (named).
    otcheck.UncertifiedError
        The search did not converge.

    Examples
    --------
    >>> g, v = decoder_coordinate_minimum([0.5, 0.5], [0.0, 2.0], [[1.0], [1.0]], [0.0], 0)
    >>> round(g, 8), round(v, 8)
    (1.0, 1.0)
    """
    from scipy.optimize import minimize_scalar

    from ..costs import cost_matrix

    x = as_float_array(x, "x", ndim=1)
    a = as_weights(a, "a", n=x.size)
    Q = _encoder(as_float_array(Q, "Q", ndim=2), x.size, np.shape(Q)[1])
    G = as_float_array(G, "G", check_finite=False)
    G = np.where(np.isnan(G), 0.0, G).reshape(-1)
    if G.size != Q.shape[1]:
        raise ValueError(f"G: has {G.size} codes, expected {Q.shape[1]} (one per column of Q)")
    j = int(j)
    if not 0 <= j < G.size:
        raise ValueError(f"j: must index a code in [0, {G.size}), got {j}")
    _check_cost(cost)

    def criterion(g: float) -> float:
        G2 = G.copy()
        G2[j] = g
        return reconstruction(a, Q, cost_matrix(x[:, None], G2[:, None], cost))

    res = minimize_scalar(
        criterion, bounds=(float(x.min()) - 1.0, float(x.max()) + 1.0), method="bounded", options={"xatol": 1e-11}
    )
    if not res.success:
        raise UncertifiedError(f"decoder_coordinate_minimum: the bounded Brent search did not converge ({res.message})")
    return float(res.x), float(res.fun)


def decoder_blur(X: ArrayLike, G: ArrayLike, conditional: ArrayLike, weights: ArrayLike) -> DecoderBlur:
    r"""How much a decoder averages: picture-ready numbers.

    .. math::

        \text{distance} = \sum_j w_j \min_i \|G(z_j) - x_i\|, \qquad
        \text{spread} = \sum_j w_j\, \mathrm{tr\,Cov}_{P^*_{z_j}}[X]

    ``distance`` is 0 exactly when every decoded point is a data point; ``spread`` is 0 exactly
    when every :math:`P^*_z` is a single point (no averaging). Rows with NaN (codes without mass)
    are skipped.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Data atoms.
    G : array_like, shape (m, d)
        Decoder values.
    conditional : array_like, shape (m, n)
        :math:`P^*_{z_j}`, as returned by :func:`optimal_decoder`.
    weights : array_like, shape (m,)
        Weights of the codes (usually :math:`Q_Z`).

    Returns
    -------
    dict
        ``{"distance": float, "spread": float, "per_code_distance": list}``

    Examples
    --------
    >>> decoder_blur([[0.0], [2.0]], [[1.0]], [[0.5, 0.5]], [1.0])["distance"]
    1.0
    """
    X = as_points(X, "X")
    G = np.asarray(G, dtype=float)
    P = np.asarray(conditional, dtype=float)
    w = np.asarray(weights, dtype=float)
    ok = ~np.isnan(G).any(axis=1)
    dist = np.full(G.shape[0], np.nan)
    spread = np.zeros(G.shape[0])
    for j in np.flatnonzero(ok):
        dist[j] = float(np.sqrt(((X - G[j]) ** 2).sum(1)).min())
        mu = P[j] @ X
        spread[j] = float(P[j] @ ((X - mu) ** 2).sum(1))
    return {
        "distance": float(w[ok] @ dist[ok]),
        "spread": float(w[ok] @ spread[ok]),
        "per_code_distance": dist.tolist(),
    }


def primal_gradient(
    a: ArrayLike, X: ArrayLike, Q: ArrayLike, G: ArrayLike, cost: str = "sqeuclidean"
) -> tuple[float, FloatArray]:
    r"""The primal criterion and its analytic gradient with respect to the decoder values.

    .. math::

        J_P(G) = \sum_i a_i \sum_j Q_{ij}\, c(x_i, G(z_j)), \qquad
        \frac{\partial J_P}{\partial G(z_j)} = \sum_i a_i Q_{ij}\, \nabla_y c(x_i, G(z_j)),

    that is :math:`2\sum_i a_i Q_{ij} (G_j - x_i)` for :math:`c = \|x - y\|^2` and
    :math:`\sum_i a_i Q_{ij} (G_j - x_i)/\|G_j - x_i\|` for :math:`c = \|x - y\|`, where the
    (sub)gradient of :math:`\|x - y\|` at :math:`x = y` is taken as 0. A code with
    :math:`Q_Z(z_j) = 0` gets exactly zero gradient.

    Parameters
    ----------
    a, X, Q : array_like
        As in :func:`optimal_decoder`: data weights, shape (n,); data atoms, shape (n, d) or (n,); encoder,
        shape (n, m), row-stochastic.
    G : array_like, shape (m, d)
        Decoder values :math:`G(z_j)`.
    cost : {"sqeuclidean", "euclidean"}
        :math:`c(x, y) = \|x - y\|^2` or :math:`\|x - y\|` (any :math:`d`); a :class:`~otcheck.costs.Cost` of
        power 2 or 1 is accepted too.

    Returns
    -------
    value : float
        :math:`J_P(G)`, the expected cost of the coupling :math:`a_i Q_{ij}` between the data and the decoded
        codes.
    grad : ndarray, shape (m, d)
        Row ``j`` is :math:`\partial J_P / \partial G(z_j)`; exactly zero for a code with
        :math:`Q_Z(z_j) = 0`.

    Examples
    --------
    >>> v, g = primal_gradient([1.0], [[1.0]], [[1.0, 0.0]], [[0.0], [5.0]])
    >>> v, g.tolist()
    (1.0, [[-2.0], [0.0]])
    """
    X = as_points(X, "X")
    a = as_weights(a, "a", n=X.shape[0])
    G = as_points(G, "G")
    Q = _encoder(Q, X.shape[0], G.shape[0])
    if G.shape[1] != X.shape[1]:
        raise ValueError(f"G: has dimension {G.shape[1]}, but X has dimension {X.shape[1]}")
    cost = _check_cost(cost)
    diff = G[None, :, :] - X[:, None, :]  # (n, m, d): G_j - x_i
    sq = (diff**2).sum(-1)
    W = a[:, None] * Q
    if cost == "sqeuclidean":
        value = float((W * sq).sum())
        coef = 2.0 * W
    else:
        norm = np.sqrt(sq)
        value = float((W * norm).sum())
        coef = np.divide(W, norm, out=np.zeros_like(W), where=norm > 0)
    return value, np.einsum("ij,ijd->jd", coef, diff)


# ----------------------------------------------------------------------------------------------
# Proposition 2 in d dimensions: linear decoder G(z) = A z, Gaussian P_X, P_Z
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinearDecoderFit:
    r"""A linear decoder :math:`G(z) = A z` fitted to :math:`P_X = \mathcal N(0, \Sigma_X)`.

    Attributes
    ----------
    A : ndarray, shape (d, k)
        The fitted decoder matrix (data dimension :math:`d`, latent dimension :math:`k`): where L-BFGS-B
        stopped, with gradient norm ``grad_norm``. Determined at best up to :math:`A \mapsto AU`,
        :math:`U` orthogonal, as the objective depends on ``A`` only through ``gram``.
    gram : ndarray, shape (d, d)
        :math:`A A^\top` (the identifiable part: :math:`P_G` depends on A only through it).
    value : float
        The objective at ``A``.
    objective : str
        ``"w2"`` (:math:`W_2^2(P_X, P_G^\sigma)`) or ``"w2dagger"`` (:math:`W_c^\dagger`, eq. 16).
    sigma2 : float
        The decoder variance :math:`\sigma^2 \ge 0` of :math:`P_G(Y|Z) = \mathcal N(AZ, \sigma^2 I_d)` the fit
        used, as validated.
    grad_norm : float
        Norm of the gradient at the returned ``A`` (first-order optimality).
    iterations : int
        L-BFGS-B iterations run (scipy's ``nit``), at most ``max_iter``.
    """

    A: FloatArray = field(repr=False)
    gram: FloatArray = field(repr=False)
    value: float
    objective: str
    sigma2: float
    grad_norm: float
    iterations: int

    @property
    def bound(self) -> Bound:
        """The objective value as a :class:`~otcheck.bounds.Bound` (a float64 evaluation of a closed
        form at the fitted ``A``: an ``"estimate"`` of the value at ``A``, not of the minimum)."""
        return Bound.floating(self.value, method=f"{self.objective} at a fitted linear decoder (float64)")


def _bures_and_gradient(S_half: FloatArray, tr_S: float, A: FloatArray, shift: float) -> tuple[float, FloatArray]:
    r"""The Bures formula at :math:`M = AA^\top + sI` and its gradient in :math:`A`.

    .. math::

        f(A) = \mathrm{tr}\,\Sigma + \mathrm{tr}\,M - 2\,\mathrm{tr}\,(S M S)^{1/2}, \qquad
        \nabla_A f = 2A - 2\, S\, (S M S)^{-1/2} S A, \qquad S = \Sigma^{1/2},

    from :math:`d\,\mathrm{tr}\,K^{1/2} = \frac12 \mathrm{tr}(K^{-1/2} dK)` and :math:`dM = dA\,A^\top
    + A\,dA^\top`. :math:`\mathrm{tr}(SMS)^{1/2}` is :math:`\sum_k \sqrt{\lambda_k}` over the
    eigenvalues of the symmetrized :math:`K = SMS`, those below :math:`d\,\epsilon\,\lambda_{max}`
    (rounding noise of a rank-deficient :math:`K`) clamped to 0; the inverse root is then the
    pseudo-inverse one, which gives the gradient on the range of :math:`SA`, where it lives.
    """
    d = A.shape[0]
    M = A @ A.T + shift * np.eye(d)
    K = S_half @ M @ S_half
    lam, U = np.linalg.eigh(0.5 * (K + K.T))
    floor = d * np.finfo(float).eps * max(float(lam.max()), 0.0)
    lam = np.where(lam > floor, lam, 0.0)  # rounding noise of a zero eigenvalue would add its square root
    value = tr_S + float(np.trace(M)) - 2.0 * float(np.sqrt(lam).sum())
    inv_root = np.divide(1.0, np.sqrt(lam), out=np.zeros_like(lam), where=lam > 0)
    grad = 2.0 * A - 2.0 * S_half @ ((U * inv_root) @ U.T) @ (S_half @ A)
    return value, grad


def fit_linear_decoder(
    Sigma_X: ArrayLike,
    sigma2: float,
    objective: str = "w2",
    *,
    k: int | None = None,
    seed: int | np.random.Generator = 0,
    max_iter: int = 200,
    tol: float = 1e-10,
) -> LinearDecoderFit:
    r"""Minimize over :math:`A` the Prop. 2 objectives for :math:`G(z) = A z` (analytic gradients, L-BFGS-B).

    With :math:`P_X = \mathcal N(0, \Sigma_X)`, :math:`P_Z = \mathcal N(0, I_k)` and the Gaussian
    decoder :math:`P_G(Y|Z) = \mathcal N(AZ, \sigma^2 I_d)`, :math:`P_G^\sigma = \mathcal N(0,
    AA^\top + \sigma^2 I)` and

    .. math::

        W_c(P_X, P_G^\sigma) = W_2^2\big(\mathcal N(0,\Sigma_X), \mathcal N(0, AA^\top + \sigma^2 I)\big),
        \qquad
        W_c^\dagger(P_X, P_G^\sigma) = d\sigma^2 + W_2^2\big(\mathcal N(0,\Sigma_X), \mathcal N(0, AA^\top)\big)

    (the second by Corollary 7 and Theorem 1; :math:`AA^\top + 10^{-12} I` in its Bures term). Both
    :math:`W_2^2` are Bures formulas, :math:`\mathrm{tr}\,\Sigma_X + \mathrm{tr}\,M - 2\,\mathrm{tr}
    (S M S)^{1/2}` with :math:`S = \Sigma_X^{1/2}`, whose gradient in :math:`A` is
    :math:`2A - 2S(SMS)^{-1/2}SA` (:func:`_bures_and_gradient`); scipy's L-BFGS-B minimizes them.
    The known minimizers are :math:`AA^\top = \Sigma_X - \sigma^2 I` (when PSD) and
    :math:`AA^\top = \Sigma_X`; the fit does not use them.

    Parameters
    ----------
    Sigma_X : array_like, shape (d, d)
        Symmetric positive definite data covariance.
    sigma2 : float
        Decoder variance, >= 0.
    objective : {"w2", "w2dagger"}
        Which objective to minimize: :math:`W_2^2(P_X, P_G^\sigma)` or :math:`W_c^\dagger(P_X, P_G^\sigma)`,
        both as displayed above.
    k : int, optional
        Latent dimension (default ``d``).
    seed : int or numpy.random.Generator
        Initial ``A`` (one ``standard_normal((d, k))`` draw).
    max_iter : int
        L-BFGS iterations.
    tol : float
        Gradient tolerance.

    Returns
    -------
    LinearDecoderFit
        The fitted ``A`` with its Gram matrix :math:`AA^\top`, the objective at ``A`` (:math:`W_2^2` or
        :math:`W_c^\dagger`, a float64 evaluation), the gradient norm there (converged, or at most the limit
        above) and the number of L-BFGS-B iterations.

    Raises
    ------
    ValueError, TypeError
        A bad covariance, variance, objective or option (named).
    otcheck.UncertifiedError
        The fit did not converge: L-BFGS-B stopped without success (iteration limit, failed line
        search) at a gradient norm above :math:`10^{-4} \max(1, \mathrm{tr}\,\Sigma_X)`, or at a
        non-finite value. A smaller gradient norm is returned in ``grad_norm`` for the caller to
        bound the error by.

    Examples
    --------
    >>> fit = fit_linear_decoder([[2.0]], 0.5, "w2")
    >>> round(float(fit.gram[0, 0]), 6)
    1.5
    """
    from scipy.optimize import minimize

    S = as_float_array(Sigma_X, "Sigma_X", ndim=2)
    d = S.shape[0]
    if S.shape != (d, d) or not np.allclose(S, S.T):
        raise ValueError(f"Sigma_X: expected a symmetric (d, d) matrix, got shape {S.shape}")
    ev, V = np.linalg.eigh(S)
    if ev.min() <= 0:
        raise ValueError(f"Sigma_X: must be positive definite (smallest eigenvalue {ev.min():g})")
    s2 = check_nonnegative(sigma2, "sigma2")
    if objective not in ("w2", "w2dagger"):
        raise ValueError(f"objective: expected 'w2' or 'w2dagger', got {objective!r}")
    k = d if k is None else check_positive_int(k, "k")
    max_iter = check_positive_int(max_iter, "max_iter")
    tol = check_nonnegative(tol, "tol", strict=True)
    rng = as_generator(seed)
    S_half = (V * np.sqrt(ev)) @ V.T
    tr_S = float(np.trace(S_half @ S_half))
    A0 = rng.standard_normal((d, k)) * 0.5 + np.eye(d, k)
    shift, offset = (s2, 0.0) if objective == "w2" else (1e-12, d * s2)

    def fun_grad(flat: FloatArray) -> tuple[float, FloatArray]:
        value, grad = _bures_and_gradient(S_half, tr_S, flat.reshape(d, k), shift)
        return offset + value, grad.ravel()

    res = minimize(
        fun_grad,
        A0.ravel(),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter, "gtol": tol, "ftol": 1e-15, "maxcor": 20},
    )
    An = res.x.reshape(d, k)
    value, grad = fun_grad(res.x)
    grad_norm = float(np.linalg.norm(grad))
    limit = 1e-4 * max(1.0, tr_S)
    if not (math.isfinite(value) and math.isfinite(grad_norm)) or (not res.success and grad_norm > limit):
        raise UncertifiedError(
            f"fit_linear_decoder: the L-BFGS-B fit of A ({objective}, sigma2={s2:g}) did not "
            f"converge: {res.message} after {res.nit} iterations, gradient norm {grad_norm:.3g} "
            f"(limit {limit:.3g})"
        )
    return LinearDecoderFit(
        A=An, gram=An @ An.T, value=value, objective=objective, sigma2=s2, grad_norm=grad_norm, iterations=int(res.nit)
    )


# ----------------------------------------------------------------------------------------------
# Lemma 8: moments of a Gaussian-decoder mixture by quadrature
# ----------------------------------------------------------------------------------------------


def mixture_moments_quad(b: ArrayLike, G: ArrayLike, sigma2: float) -> dict[str, float]:
    r"""Mean, variance and the cross term of :math:`Y \sim P_G^\sigma` (1-D) by adaptive quadrature.

    For :math:`Z \sim \sum_j b_j \delta_{z_j}` and :math:`Y|Z \sim \mathcal N(G(Z), \sigma^2)`,

    .. math::

        m = \int y\, p(y)\,dy, \quad v = \int (y - m)^2 p(y)\,dy, \quad
        \text{cross} = \sum_j b_j \int (y - G_j)(G_j - m)\, \mathcal N(y; G_j, \sigma^2)\,dy,

    each integral by ``scipy.integrate.quad`` over :math:`\mathbb R` (the density is never
    integrated in closed form here: this is an independent check of Lemma 8's algebra).

    Parameters
    ----------
    b : array_like, shape (m,)
        Prior weights.
    G : array_like, shape (m,)
        Decoder means :math:`G(z_j)` on the line.
    sigma2 : float
        Decoder variance, > 0.

    Returns
    -------
    dict
        ``{"mean", "var", "within", "between", "cross", "abserr"}``, with ``within`` :math:`=\sum_j b_j
        \int (y - G_j)^2 \ldots` and ``between`` :math:`=\sum_j b_j (G_j - m)^2 \int \ldots`.

    Examples
    --------
    >>> r = mixture_moments_quad([1.0], [0.0], 2.0)
    >>> round(r["var"], 8)
    2.0
    """
    from scipy import integrate, stats

    G = as_float_array(G, "G", ndim=1)
    b = as_weights(b, "b", n=G.shape[0])
    s2 = check_nonnegative(sigma2, "sigma2", strict=True)
    s = math.sqrt(s2)
    err = 0.0

    def q(fun: Callable[..., float]) -> float:
        nonlocal err
        val, e = integrate.quad(fun, -np.inf, np.inf, epsabs=1e-12, epsrel=1e-12, limit=200)
        err = max(err, e)
        return val

    dens = lambda y: float(b @ stats.norm.pdf(y, loc=G, scale=s))  # noqa: E731
    m = q(lambda y: y * dens(y))
    var = q(lambda y: (y - m) ** 2 * dens(y))
    within = sum(bj * q(lambda y, g=g: (y - g) ** 2 * stats.norm.pdf(y, g, s)) for bj, g in zip(b, G))
    between = sum(bj * (g - m) ** 2 * q(lambda y, g=g: stats.norm.pdf(y, g, s)) for bj, g in zip(b, G))
    cross = sum(bj * q(lambda y, g=g: (y - g) * (g - m) * stats.norm.pdf(y, g, s)) for bj, g in zip(b, G))
    return {"mean": m, "var": var, "within": within, "between": between, "cross": cross, "abserr": err}
