r"""Encoders and the section-4.1 objectives on discrete instances (layer 3; see :mod:`otcheck.autoencoders`).

A data law :math:`P_X = \sum_i a_i \delta_{x_i}`, a prior :math:`P_Z = \sum_j b_j \delta_{z_j}`, a
decoder given by the negative log-likelihoods :math:`\ell_{ij} = -\log p_G(x_i | z_j)` (or by costs
:math:`C_{ij} = c(x_i, G(z_j))`) and an encoder :math:`Q_{ij} = Q(z_j | x_i)` (row-stochastic):

* the encoder LP of eq. 11 (:func:`constrained_encoder`), the posterior of eq. 14
  (:func:`posterior_encoder`), the aggregated posterior :math:`Q_Z = a^\top Q`;
* :math:`-\mathbb E\log p_G(X)` (eq. 3), the objectives of VAE (eq. 5), AVB (eq. 6), AAE (eq. 7)
  and POT (eq. 13) for one encoder, and the expected cost :math:`\sum_i a_i \sum_j Q_{ij}C_{ij}`.

The convention for infinite entries is stated once, in :mod:`otcheck.autoencoders`, and
implemented by :func:`_as_nll`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._docs import fill_doc
from .._validation import as_float_array, as_points, as_weights, check_nonnegative
from ..bounds import Bound
from ..exact.result import UncertifiedError
from ..exact.w1 import HIGHS_FEAS_TOL, _lp_bound

__all__ = [
    "EncoderLP",
    "constrained_encoder",
    "gaussian_nll_matrix",
    "posterior_encoder",
    "log_posterior_encoder",
    "kl_to_posterior",
    "neg_log_likelihood",
    "reconstruction",
    "aggregated_posterior",
    "vae_objective",
    "aae_objective",
    "pot_objective",
    "avb_objective",
]

#: float64 numpy array (the type of every array this module returns)
FloatArray = NDArray[np.float64]

# The parameters the functions of this module share, documented once (each ``%(name)s`` line of a
# docstring below is replaced by its entry: :func:`otcheck._docs.fill_doc`).
_PARAMS = {
    "a": r"""a : array_like, shape (n,)
    Data weights :math:`P_X(x_i)`.""",
    "b": r"""b : array_like, shape (m,)
    Prior weights :math:`P_Z(z_j)`.""",
    "L": r"""L : array_like, shape (n, m)
    :math:`\ell_{ij} = -\log p_G(x_i | z_j)` (e.g. from :func:`gaussian_nll_matrix`); finite or
    :math:`+\infty` (the rule of :mod:`otcheck.autoencoders`).""",
    "Q": r"""Q : array_like, shape (n, m)
    Encoder :math:`Q(z_j | x_i)`, row-stochastic.""",
}


@dataclass(frozen=True)
class EncoderLP:
    r"""Optimal encoder of eq. 11 found as an LP over the encoder's entries (:func:`constrained_encoder`).

    Attributes
    ----------
    value : float
        :math:`\min_Q \sum_i a_i \sum_j Q_{ij} C_{ij}` over encoders with :math:`Q_Z = P_Z`.
    encoder : ndarray, shape (n, m)
        A minimizer :math:`Q(z_j | x_i)`, row-stochastic.
    dual_value : float
        Value of the LP dual from the solver's multipliers (:math:`\sum_i \alpha_i + \sum_j b_j \beta_j`).
    residual : float
        Largest violation of the constraints (row sums, :math:`a^\top Q = b`, :math:`Q \ge 0`) by ``encoder``.
    """

    value: float
    encoder: FloatArray = field(repr=False)
    dual_value: float
    residual: float

    @property
    def gap(self) -> float:
        """Absolute duality gap of the LP."""
        return abs(self.value - self.dual_value)

    @property
    def bound(self) -> Bound:
        """The LP optimum as a :class:`~otcheck.bounds.Bound` between the primal and dual values (an
        ``"estimate"``: HiGHS tolerances, float64 sums; tight when the gap is at rounding level)."""
        n = self.encoder.shape[0]
        # the rows of Q sum to one: the primal mass is n, and a dual infeasible by HIGHS_FEAS_TOL per
        # reduced cost can overstate the optimum by that much
        return _lp_bound(
            self.value,
            self.dual_value,
            self.residual * max(abs(self.value), 1.0) + HIGHS_FEAS_TOL * n,
            "LP over encoders, eq. 11 (HiGHS)",
        )


@fill_doc(_PARAMS)
def constrained_encoder(a: ArrayLike, b: ArrayLike, C: ArrayLike) -> EncoderLP:
    r"""Eq. 11 solved directly over encoders: an LP in the conditional probabilities :math:`Q_{ij}`.

    .. math::

        \min_{Q \ge 0}\ \sum_{i,j} a_i C_{ij} Q_{ij}
        \quad \text{s.t.}\quad \sum_j Q_{ij} = 1\ \forall i,\qquad \sum_i a_i Q_{ij} = b_j\ \forall j

    (HiGHS, ``scipy.optimize.linprog``). The variables are the encoder's rows, not a coupling, so
    this is a different program from the OT problem of eq. 10, solved by a different solver;
    Theorem 1 says the two values agree. Inputs with :math:`a_i = 0` keep the row constraint (any
    row is optimal for them).

    Parameters
    ----------
    %(a)s
    %(b)s
    C : array_like, shape (n, m)
        :math:`c(x_i, G(z_j))`, finite.

    Returns
    -------
    EncoderLP
        The LP optimum :math:`\sum_i a_i \sum_j Q_{ij} C_{ij}` and a minimizing ``encoder`` (rounding below 0
        clipped), the dual value from HiGHS's multipliers and the largest constraint violation of that
        encoder; :attr:`EncoderLP.bound` makes them an interval.

    Raises
    ------
    ValueError
        Bad weights or costs (named).
    otcheck.UncertifiedError
        The LP solver failed (no encoder is returned).

    Examples
    --------
    >>> r = constrained_encoder([0.5, 0.5], [0.5, 0.5], [[0.0, 1.0], [1.0, 0.0]])
    >>> r.value, r.encoder.tolist()
    (0.0, [[1.0, 0.0], [0.0, 1.0]])
    """
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix, vstack

    C = as_float_array(C, "C", ndim=2)
    n, m = C.shape
    a = as_weights(a, "a", n=n)
    b = as_weights(b, "b", n=m)
    idx = np.arange(n * m).reshape(n, m)
    rows = coo_matrix((np.ones(n * m), (np.repeat(np.arange(n), m), idx.ravel())), shape=(n, n * m))
    cols = coo_matrix((np.repeat(a, m), (np.tile(np.arange(m), n), idx.ravel())), shape=(m, n * m))
    A = vstack([rows, cols]).tocsr()
    rhs = np.concatenate([np.ones(n), b])
    res = linprog(
        (a[:, None] * C).ravel(),
        A_eq=A,
        b_eq=rhs,
        bounds=(0, None),
        method="highs",
        options={"primal_feasibility_tolerance": HIGHS_FEAS_TOL, "dual_feasibility_tolerance": HIGHS_FEAS_TOL},
    )
    if res.status != 0:
        raise UncertifiedError(
            f"constrained_encoder: the encoder LP of eq. 11 failed, no encoder could be certified "
            f"(HiGHS status {res.status}: {res.message})"
        )
    Q = np.maximum(np.asarray(res.x, dtype=float).reshape(n, m), 0.0)
    residual = float(max(np.abs(Q.sum(1) - 1).max(), np.abs(a @ Q - b).max()))
    dual = float(np.asarray(res.eqlin.marginals, dtype=float) @ rhs)
    return EncoderLP(value=float(a @ (Q * C).sum(1)), encoder=Q, dual_value=dual, residual=residual)


def _encoder(Q: ArrayLike, n: int, m: int, name: str = "Q") -> FloatArray:
    Q = as_float_array(Q, name, ndim=2)
    if Q.shape != (n, m):
        raise ValueError(f"{name}: has shape {Q.shape}, expected {(n, m)}")
    if np.any(Q < 0):
        raise ValueError(f"{name}: has a negative entry {Q.min()!r}")
    if np.any(np.abs(Q.sum(1) - 1.0) > 1e-9):
        raise ValueError(f"{name}: rows must sum to one (a conditional law Q(z|x) per row)")
    return Q


def _as_nll(L: ArrayLike, name: str = "L") -> FloatArray:
    r"""A matrix of :math:`-\log p_G(x_i|z_j)` (or of costs): finite or :math:`+\infty` (an output the code
    cannot produce, a pair that is forbidden).

    NaN and :math:`-\infty` are rejected, and so is a row that is :math:`+\infty` everywhere (an input
    no code can produce: :math:`p_G(x_i) = 0`). This is the one rule of :mod:`otcheck.autoencoders`
    for every function taking such a matrix.
    """
    L = as_float_array(L, name, ndim=2, check_finite=False)
    if L.size == 0:
        raise ValueError(f"{name}: is empty, shape {L.shape}")
    if np.isnan(L).any() or (L == -np.inf).any():
        raise ValueError(f"{name}: contains NaN or -inf (negative log-likelihoods are finite or +inf)")
    dead = np.flatnonzero(np.isinf(L).all(axis=1))
    if dead.size:
        raise ValueError(f"{name}: row {int(dead[0])} is +inf for every code (that input has likelihood 0)")
    return L


def gaussian_nll_matrix(X: ArrayLike, G: ArrayLike, sigma2: float) -> FloatArray:
    r"""Negative log-likelihoods :math:`\ell_{ij} = -\log \mathcal N(x_i; G_j, \sigma^2 I_d)`.

    .. math::

        \ell_{ij} = \frac{\|x_i - G_j\|^2}{2\sigma^2} + \frac d2 \log(2\pi\sigma^2)

    Parameters
    ----------
    X : array_like, shape (n, d) or (n,)
        Data atoms.
    G : array_like, shape (m, d) or (m,)
        Decoder means :math:`G(z_j)`.
    sigma2 : float
        Decoder variance, > 0.

    Returns
    -------
    ndarray, shape (n, m)
        Entry ``(i, j)`` is :math:`\ell_{ij}` in nats: finite, and negative where the density at :math:`x_i`
        exceeds 1 (a small :math:`\sigma^2`).

    Examples
    --------
    >>> float(gaussian_nll_matrix([0.0], [0.0], 1.0)[0, 0]) == 0.5 * math.log(2 * math.pi)
    True
    """
    X = as_points(X, "X")
    G = as_points(G, "G")
    if X.shape[1] != G.shape[1]:
        raise ValueError(f"G: has dimension {G.shape[1]}, but X has dimension {X.shape[1]}")
    s2 = check_nonnegative(sigma2, "sigma2", strict=True)
    sq = ((X[:, None, :] - G[None, :, :]) ** 2).sum(-1)
    return sq / (2 * s2) + 0.5 * X.shape[1] * math.log(2 * math.pi * s2)


@fill_doc(_PARAMS)
def posterior_encoder(b: ArrayLike, L: ArrayLike) -> FloatArray:
    r"""The posterior :math:`P_G(Z|X)` of eq. 14 on a discrete prior: the optimal unrestricted encoder.

    .. math::

        Q^*(z_j | x_i) = \frac{p_G(x_i | z_j)\, b_j}{\sum_k p_G(x_i | z_k)\, b_k},
        \qquad p_G(x_i|z_j) = e^{-\ell_{ij}}

    (:math:`Q^*_{ij} = 0` where :math:`\ell_{ij} = +\infty`).

    Parameters
    ----------
    %(b)s
    %(L)s

    Returns
    -------
    ndarray, shape (n, m), row-stochastic
        Row ``i`` is :math:`Q^*(\cdot | x_i)`: entries in :math:`[0, 1]` summing to 1, exactly 0 where
        :math:`b_j = 0` or :math:`\ell_{ij} = +\infty`, and where :math:`Q^*_{ij}` underflows (below
        :math:`e^{-745}`).

    Examples
    --------
    >>> posterior_encoder([0.5, 0.5], [[0.0, 0.0]]).tolist()
    [[0.5, 0.5]]
    """
    L = _as_nll(L)
    b = as_weights(b, "b", n=L.shape[1])
    with np.errstate(divide="ignore"):
        logit = np.log(b)[None, :] - L
    logit -= logit.max(axis=1, keepdims=True)
    Q = np.exp(logit)
    return Q / Q.sum(axis=1, keepdims=True)


@fill_doc(_PARAMS)
def log_posterior_encoder(b: ArrayLike, L: ArrayLike) -> FloatArray:
    r"""The logarithm of the posterior of eq. 14, computed in the log domain (nothing underflows).

    .. math::

        \log Q^*(z_j | x_i) = \log b_j - \ell_{ij} - \log \sum_k b_k e^{-\ell_{ik}}

    (log-sum-exp), :math:`-\infty` exactly where :math:`b_j = 0` or :math:`\ell_{ij} = +\infty`:
    :math:`Q^*_{ij} > 0` iff the entry is finite, however far below :math:`e^{-745}` (where
    :func:`posterior_encoder` rounds to 0) it lies.

    Parameters
    ----------
    %(b)s
    %(L)s

    Returns
    -------
    ndarray, shape (n, m)
        :math:`\log Q^*(z_j | x_i) \le 0`; :math:`-\infty` exactly where :math:`Q^*_{ij} = 0`, finite
        elsewhere however small :math:`Q^*_{ij}` is.

    Raises
    ------
    ValueError
        ``L``: some :math:`x_i` has zero likelihood under every code of positive prior mass (no posterior).

    Examples
    --------
    >>> lq = log_posterior_encoder([0.5, 0.5], [[0.0, 1000.0]])
    >>> float(lq[0, 0]), float(lq[0, 1])
    (0.0, -1000.0)
    >>> float(posterior_encoder([0.5, 0.5], [[0.0, 1000.0]])[0, 1])
    0.0
    """
    from scipy.special import logsumexp

    L = _as_nll(L)
    b = as_weights(b, "b", n=L.shape[1])
    with np.errstate(divide="ignore"):
        logit = np.log(b)[None, :] - L
    if not np.isfinite(logit).any(axis=1).all():
        raise ValueError("L: some x has zero likelihood under every code of positive prior mass (no posterior)")
    return logit - logsumexp(logit, axis=1, keepdims=True)


@fill_doc(_PARAMS)
def kl_to_posterior(b: ArrayLike, L: ArrayLike, Q: ArrayLike) -> FloatArray:
    r"""Row-wise :math:`D_{KL}(Q(\cdot|x_i), P_G(\cdot|x_i))`, the gap of eq. 15, in the log domain.

    .. math::

        \sum_j Q_{ij}\big(\log Q_{ij} - \log Q^*_{ij}\big)

    with :math:`\log Q^*` from :func:`log_posterior_encoder` (so a posterior entry below :math:`e^{-745}`
    gives its true finite term, not :math:`+\infty`), :math:`0 \log 0 = 0`, and :math:`+\infty` exactly
    where ``Q`` charges an entry with :math:`Q^*_{ij} = 0` (:math:`b_j = 0` or :math:`\ell_{ij} = +\infty`).

    Parameters
    ----------
    %(b)s
    %(L)s
    %(Q)s

    Returns
    -------
    ndarray, shape (n,)
        Entry ``i`` is :math:`D_{KL}(Q(\cdot|x_i), P_G(\cdot|x_i)) \ge 0` (up to rounding) in nats;
        :math:`+\infty` where row ``i`` of ``Q`` charges a code the posterior excludes.

    Examples
    --------
    >>> float(kl_to_posterior([0.5, 0.5], [[0.0, 1000.0]], [[0.5, 0.5]])[0])  # doctest: +ELLIPSIS
    499.30685...
    """
    L = _as_nll(L)
    Q = _encoder(Q, *L.shape)
    lq = log_posterior_encoder(b, L)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(Q > 0, Q * (np.log(Q) - lq), 0.0)
    return t.sum(axis=1)


@fill_doc(_PARAMS)
def neg_log_likelihood(a: ArrayLike, b: ArrayLike, L: ArrayLike) -> float:
    r""":math:`-\mathbb E_{P_X} \log p_G(X)` with :math:`p_G(x_i) = \sum_j b_j e^{-\ell_{ij}}` (eq. 3).

    Parameters
    ----------
    %(a)s
    %(b)s
    %(L)s

    Returns
    -------
    float
        :math:`+\infty` when an input of positive weight has :math:`p_G(x_i) = 0` through the prior
        (every code it can come from has :math:`b_j = 0`).

    Examples
    --------
    >>> neg_log_likelihood([1.0], [0.5, 0.5], [[0.0, 0.0]])
    0.0
    """
    from scipy.special import logsumexp

    L = _as_nll(L)
    a = as_weights(a, "a", n=L.shape[0])
    b = as_weights(b, "b", n=L.shape[1])
    with np.errstate(divide="ignore"):
        lp = logsumexp(np.log(b)[None, :] - L, axis=1)
    return _weighted(a, -lp)


def _kl_rows(Q: FloatArray, b: FloatArray) -> FloatArray:
    """Row-wise KL(Q_i || b) with 0 log 0 = 0 (infinite where Q puts mass on b = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(Q > 0, Q * (np.log(Q) - np.log(b)[None, :]), 0.0)
    return t.sum(axis=1)


def _expect_rows(Q: FloatArray, C: FloatArray) -> FloatArray:
    r"""Row-wise :math:`\sum_j Q_{ij} C_{ij}` with :math:`0 \cdot \infty = 0` (a code never used costs nothing)."""
    with np.errstate(invalid="ignore"):
        return np.where(Q > 0, Q * C, 0.0).sum(axis=1)


def _weighted(a: FloatArray, rows: FloatArray) -> float:
    r""":math:`\sum_i a_i r_i` with :math:`0 \cdot \infty = 0` (an input of weight 0 contributes nothing)."""
    if np.isfinite(rows).all():
        return float(a @ rows)
    with np.errstate(invalid="ignore"):
        return float(np.where(a > 0, a * rows, 0.0).sum())


def _objective_inputs(
    a: ArrayLike, b: ArrayLike, L: ArrayLike, Q: ArrayLike, name: str = "L"
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """``(a, b, L, Q)`` of an objective, validated: ``L`` (the argument ``name``) by the rule of
    :func:`_as_nll`, then the weights and the encoder against its shape."""
    L = _as_nll(L, name)
    return as_weights(a, "a", n=L.shape[0]), as_weights(b, "b", n=L.shape[1]), L, _encoder(Q, *L.shape)


@fill_doc(_PARAMS)
def reconstruction(a: ArrayLike, Q: ArrayLike, C: ArrayLike) -> float:
    r"""Expected cost of an encoder, :math:`\sum_i a_i \sum_j Q_{ij} C_{ij}`.

    ``C`` is a cost matrix or a matrix of negative log-likelihoods :math:`\ell_{ij}` (then this is
    the reconstruction term :math:`-\mathbb E_{P_X}\mathbb E_{Q(Z|X)}\log p_G(X|Z)`); finite or
    :math:`+\infty` with :math:`0 \cdot \infty = 0` (the rule of :mod:`otcheck.autoencoders`).

    Parameters
    ----------
    %(a)s
    %(Q)s
    C : array_like, shape (n, m)
        Costs or negative log-likelihoods.

    Returns
    -------
    float
        :math:`\sum_i a_i \sum_j Q_{ij} C_{ij}`; :math:`+\infty` when an input of positive weight puts encoder
        mass on an infinite entry of ``C``.

    Examples
    --------
    >>> reconstruction([0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]], [[0.0, 2.0], [2.0, 4.0]])
    2.0
    """
    C = _as_nll(C, "C")
    a = as_weights(a, "a", n=C.shape[0])
    Q = _encoder(Q, *C.shape)
    return _weighted(a, _expect_rows(Q, C))


@fill_doc(_PARAMS)
def aggregated_posterior(a: ArrayLike, Q: ArrayLike) -> FloatArray:
    r"""The aggregated posterior :math:`Q_Z = \sum_i a_i Q(\cdot | x_i)`.

    Parameters
    ----------
    %(a)s
    %(Q)s

    Returns
    -------
    ndarray, shape (m,)
        :math:`Q_Z(z_j) = \sum_i a_i Q_{ij}`, a probability vector on the codes (non-negative, summing to 1 up
        to rounding).

    Examples
    --------
    >>> aggregated_posterior([0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]]).tolist()
    [0.5, 0.5]
    """
    Q = as_float_array(Q, "Q", ndim=2)
    a = as_weights(a, "a", n=Q.shape[0])
    Q = _encoder(Q, *Q.shape)
    return a @ Q


@fill_doc(_PARAMS)
def vae_objective(a: ArrayLike, b: ArrayLike, L: ArrayLike, Q: ArrayLike) -> float:
    r"""The VAE objective of eq. 5 for one encoder (:math:`D_{VAE}` is its infimum over Q).

    .. math::

        \mathbb E_{P_X}\big[D_{KL}(Q(Z|X), P_Z) - \mathbb E_{Q(Z|X)} \log p_G(X|Z)\big]
        = \sum_i a_i \Big[\sum_j Q_{ij}\log\frac{Q_{ij}}{b_j} + \sum_j Q_{ij}\ell_{ij}\Big]

    With :math:`0 \cdot \infty = 0`, the value is :math:`+\infty` when ``Q`` puts mass on an
    infinite entry of ``L``.

    Parameters
    ----------
    %(a)s
    %(b)s
    %(L)s
    %(Q)s

    Returns
    -------
    float
        The objective in nats, at least :math:`D_{VAE}`; :math:`+\infty` when an input of positive weight puts
        encoder mass on an infinite entry of ``L`` or on a code with :math:`b_j = 0`.

    Examples
    --------
    >>> vae_objective([1.0], [0.5, 0.5], [[1.0, 3.0]], [[0.5, 0.5]])
    2.0
    """
    a, b, L, Q = _objective_inputs(a, b, L, Q)
    return _weighted(a, _kl_rows(Q, b) + _expect_rows(Q, L))


@fill_doc(_PARAMS)
def aae_objective(a: ArrayLike, b: ArrayLike, L: ArrayLike, Q: ArrayLike) -> float:
    r"""The AAE objective of eq. 7 for one encoder, with the exact (nonparametric) :math:`D_{GAN}`.

    .. math::

        D_{GAN}(Q_Z, P_Z) + \sum_i a_i \sum_j Q_{ij} \ell_{ij},
        \qquad D_{GAN} = 2 D_{JS} - \log 4 \in [-\log 4, 0]

    (:func:`otcheck.divergences.gan`).

    Parameters
    ----------
    %(a)s
    %(b)s
    %(L)s
    %(Q)s

    Returns
    -------
    float
        The value in nats: the reconstruction term plus :math:`D_{GAN}(Q_Z, P_Z) \in [-\log 4, 0]`;
        :math:`+\infty` when an input of positive weight puts encoder mass on an infinite entry of ``L``.

    Examples
    --------
    >>> round(aae_objective([1.0], [0.5, 0.5], [[1.0, 3.0]], [[0.5, 0.5]]) + math.log(4), 12)
    2.0
    """
    from ..divergences import gan

    a, b, L, Q = _objective_inputs(a, b, L, Q)
    return float(gan(a @ Q, b)) + _weighted(a, _expect_rows(Q, L))


@fill_doc(_PARAMS)
def pot_objective(a: ArrayLike, b: ArrayLike, C: ArrayLike, Q: ArrayLike, lam: float) -> float:
    r"""The POT objective of eq. 13 for one encoder, exact :math:`D_{GAN}`.

    .. math::

        \sum_i a_i \sum_j Q_{ij} C_{ij} + \lambda\, D_{GAN}(Q_Z, P_Z)

    ``C`` is finite or :math:`+\infty` (a forbidden pair) with :math:`0 \cdot \infty = 0`, like a
    negative log-likelihood (the rule of :mod:`otcheck.autoencoders`).

    Parameters
    ----------
    %(a)s
    %(b)s
    C : array_like, shape (n, m)
        :math:`c(x_i, G(z_j))`, finite or :math:`+\infty` (as ``L`` in :func:`vae_objective`).
    %(Q)s
    lam : float
        :math:`\lambda \ge 0`.

    Returns
    -------
    float
        The expected cost plus :math:`\lambda D_{GAN}(Q_Z, P_Z)`, so at least the expected cost minus
        :math:`\lambda \log 4`; :math:`+\infty` when an input of positive weight puts encoder mass on a
        forbidden pair.

    Examples
    --------
    >>> round(pot_objective([1.0], [1.0], [[2.0]], [[1.0]], 0.5) + 0.5 * math.log(4), 12)
    2.0
    """
    from ..divergences import gan

    a, b, C, Q = _objective_inputs(a, b, C, Q, "C")
    lam = check_nonnegative(lam, "lam")
    return _weighted(a, _expect_rows(Q, C)) + lam * float(gan(a @ Q, b))


def avb_objective(a: ArrayLike, b: ArrayLike, L: ArrayLike, Q: ArrayLike, regularizer: str = "gan") -> float:
    r"""The AVB objective (eq. 6) for one encoder, with a per-input regularizer.

    .. math::

        \sum_i a_i \Big[ R(Q(\cdot|x_i), P_Z) + \sum_j Q_{ij} \ell_{ij} \Big],
        \qquad R = D_{GAN}\ (\text{as in the proof of Prop. 4}) \text{ or } D_{KL}

    ``L`` is finite or :math:`+\infty` with :math:`0 \cdot \infty = 0` (the rule of
    :mod:`otcheck.autoencoders`).

    Parameters
    ----------
    a, b, L, Q
        As in :func:`vae_objective`.
    regularizer : {"gan", "kl"}
        ``"gan"`` is the reading of the proof of Proposition 4; ``"kl"`` is the quantity the
        f-GAN term of eq. 6 approximates (then the objective is :func:`vae_objective`).

    Returns
    -------
    float
        The value in nats (with ``"kl"``, that of :func:`vae_objective`); :math:`+\infty` when an input of
        positive weight puts encoder mass on an infinite entry of ``L`` (with ``"kl"``, also on a code with
        :math:`b_j = 0`).

    Examples
    --------
    >>> avb_objective([1.0], [0.5, 0.5], [[1.0, 3.0]], [[0.5, 0.5]], regularizer="kl")
    2.0
    """
    from ..divergences import gan

    a, b, L, Q = _objective_inputs(a, b, L, Q)
    if regularizer == "kl":
        reg = _kl_rows(Q, b)
    elif regularizer == "gan":
        reg = np.array([float(gan(q, b)) for q in Q])
    else:
        raise ValueError(f"regularizer: expected 'gan' or 'kl', got {regularizer!r}")
    return _weighted(a, reg + _expect_rows(Q, L))
