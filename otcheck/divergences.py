r"""Divergences between probability laws (layer 3).

Discrete divergences take two probability vectors ``p`` and ``q`` on the *same* finite support
(same length, index ``i`` is the same atom in both). Conventions, stated once here and again in
each docstring:

* natural logarithm everywhere (values in nats);
* :math:`0 \log 0 = 0` and :math:`0 \log(0/0) = 0`; a term :math:`p_i \log(p_i/q_i)` with
  :math:`p_i > 0 = q_i` is :math:`+\infty`;
* total variation is :math:`\tfrac12 \|p - q\|_1 = \sup_A |P(A) - Q(A)|`, in :math:`[0, 1]`;
* Jensen-Shannon is in nats, in :math:`[0, \log 2]`;
* :math:`D_{GAN}` is the value of the GAN game (eq. 4 of the paper), :math:`2 D_{JS} - \log 4`,
  in :math:`[-\log 4, 0]`.

Zero mass is handled by masks, never by adding an epsilon, and never emits a ``RuntimeWarning``.

:func:`mmd2` estimates the squared maximum mean discrepancy from samples (biased V-statistic,
unbiased U-statistic) or computes it exactly for two weighted discrete laws.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._docs import fill_doc
from ._validation import as_float_array, as_points, as_weights, check_nonnegative
from .costs import _sqdist  # coordinate sums (no cancellation far from the origin)

if TYPE_CHECKING:
    from .bounds import Bound

__all__ = [
    "kl",
    "js",
    "tv",
    "chi2",
    "gan",
    "gan_discriminator",
    "gan_objective",
    "gan_restricted",
    "RestrictedGanResult",
    "kernel_matrix",
    "mmd2",
    "KERNELS",
]

#: Kernel names accepted by :func:`kernel_matrix` and :func:`mmd2`.
KERNELS = ("gaussian", "imq")

_LOG4 = float(np.log(4.0))

#: float64 numpy array (the type of every array this module returns)
FloatArray = NDArray[np.float64]

# The parameters the discrete divergences share, documented once (each ``%(name)s`` line of a
# docstring below is replaced by its entry: :func:`otcheck._docs.fill_doc`).
_PARAMS = {
    "pq": """Parameters
----------
p, q : array_like, shape (n,)
    Probability vectors on the same support.""",
}


def _pair(p: ArrayLike, q: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validate two probability vectors of the same length."""
    p = as_weights(p, "p")
    q = as_weights(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"q: has length {q.shape[0]}, expected {p.shape[0]} (the length of p: same support)")
    return p, q


def _xlogy_ratio(x: FloatArray, y: FloatArray) -> FloatArray:
    r"""Elementwise :math:`x \log(x / y)` with :math:`0 \log(0/y) = 0` and :math:`x > 0 = y \mapsto +\infty`."""
    out = np.zeros_like(x)
    pos = x > 0
    both = pos & (y > 0)
    out[both] = x[both] * np.log(x[both] / y[both])
    out[pos & ~(y > 0)] = np.inf
    return out


def kl(p: ArrayLike, q: ArrayLike) -> float:
    r"""Kullback-Leibler divergence :math:`D_{KL}(P \| Q)` of two discrete laws, in nats.

    .. math::

        D_{KL}(P \| Q) = \sum_i p_i \log \frac{p_i}{q_i},
        \qquad 0 \log \tfrac{0}{q} = 0, \quad p_i > 0 = q_i \Rightarrow +\infty .

    Parameters
    ----------
    p, q : array_like, shape (n,)
        Probability vectors on the same support (non-negative, summing to one).

    Returns
    -------
    float
        In :math:`[0, +\infty]`; ``inf`` exactly when ``p`` puts mass where ``q`` has none.

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a probability vector, or their lengths differ.

    Examples
    --------
    >>> round(kl([0.5, 0.5], [0.25, 0.75]), 6)
    0.143841
    >>> kl([0.5, 0.5], [1.0, 0.0])
    inf
    >>> bool(kl([1.0, 0.0], [0.5, 0.5]) == np.log(2))
    True
    """
    p, q = _pair(p, q)
    return float(_xlogy_ratio(p, q).sum())


@fill_doc(_PARAMS)
def js(p: ArrayLike, q: ArrayLike) -> float:
    r"""Jensen-Shannon divergence of two discrete laws, in nats (maximum :math:`\log 2`).

    .. math::

        D_{JS}(P, Q) = \tfrac12 D_{KL}(P \| M) + \tfrac12 D_{KL}(Q \| M),
        \qquad M = \tfrac12 (P + Q).

    Always finite, symmetric, zero iff ``p == q``, equal to :math:`\log 2` iff the supports are
    disjoint. (``scipy.spatial.distance.jensenshannon`` returns the *square root* of this.)

    %(pq)s

    Returns
    -------
    float
        In :math:`[0, \log 2]`.

    Examples
    --------
    >>> bool(js([1.0, 0.0], [0.0, 1.0]) == np.log(2))
    True
    >>> js([0.3, 0.7], [0.3, 0.7])
    0.0
    """
    p, q = _pair(p, q)
    m = 0.5 * (p + q)
    val = 0.5 * float(_xlogy_ratio(p, m).sum() + _xlogy_ratio(q, m).sum())
    return min(max(val, 0.0), float(np.log(2.0)))


@fill_doc(_PARAMS)
def tv(p: ArrayLike, q: ArrayLike) -> float:
    r"""Total variation distance, normalized as half the :math:`L^1` norm.

    .. math::

        \mathrm{TV}(P, Q) = \tfrac12 \sum_i |p_i - q_i| = \sup_{A} |P(A) - Q(A)| \in [0, 1].

    %(pq)s

    Returns
    -------
    float
        :math:`\mathrm{TV}(P, Q) \in [0, 1]`: 0 for equal laws, 1 for disjoint supports.

    Examples
    --------
    >>> tv([1.0, 0.0], [0.0, 1.0])
    1.0
    >>> tv([0.5, 0.5, 0.0], [0.25, 0.25, 0.5])
    0.5
    """
    p, q = _pair(p, q)
    return float(0.5 * np.abs(p - q).sum())


def chi2(p: ArrayLike, q: ArrayLike) -> float:
    r"""Pearson :math:`\chi^2` divergence of ``p`` from ``q``.

    .. math::

        \chi^2(P \| Q) = \sum_i \frac{(p_i - q_i)^2}{q_i},
        \qquad \tfrac{0}{0} = 0, \quad p_i > 0 = q_i \Rightarrow +\infty .

    Parameters
    ----------
    p, q : array_like, shape (n,)
        Probability vectors on the same support; ``q`` is the reference law.

    Returns
    -------
    float
        In :math:`[0, +\infty]`.

    Examples
    --------
    >>> chi2([0.5, 0.5], [0.25, 0.75])
    0.3333333333333333
    >>> chi2([0.5, 0.5], [1.0, 0.0])
    inf
    """
    p, q = _pair(p, q)
    pos = q > 0
    if np.any(p[~pos] > 0):
        return float("inf")
    with np.errstate(over="ignore"):  # a subnormal q_i can make a term overflow to inf, the honest value
        return float(((p[pos] - q[pos]) ** 2 / q[pos]).sum())


@fill_doc(_PARAMS)
def gan_discriminator(p: ArrayLike, q: ArrayLike) -> FloatArray:
    r"""The optimal unrestricted GAN discriminator :math:`T^* = p / (p + q)`.

    .. math::

        T^*_i = \frac{p_i}{p_i + q_i} \quad (p_i + q_i > 0), \qquad T^*_i = \tfrac12 \quad (p_i = q_i = 0).

    On atoms where both laws are zero ``T`` does not enter the objective; ``1/2`` is a choice.

    %(pq)s

    Returns
    -------
    ndarray, shape (n,)
        Values in :math:`[0, 1]`.

    Examples
    --------
    >>> gan_discriminator([0.5, 0.5, 0.0], [0.0, 0.5, 0.5]).tolist()
    [1.0, 0.5, 0.0]
    """
    p, q = _pair(p, q)
    return _discriminator(p, q)


def _discriminator(p: FloatArray, q: FloatArray) -> FloatArray:
    s = p + q
    T = np.full_like(p, 0.5)
    pos = s > 0
    T[pos] = p[pos] / s[pos]
    return T


def _objective(p: FloatArray, q: FloatArray, T: FloatArray) -> float:
    """E_P log T + E_Q log(1 - T) with 0 log 0 = 0 and -inf where a law with mass meets log 0."""
    total = 0.0
    for w, t in ((p, T), (q, 1.0 - T)):
        pos = w > 0
        if np.any(t[pos] <= 0):
            return float("-inf")
        total += float(w[pos] @ np.log(t[pos]))
    return total


@fill_doc(_PARAMS)
def gan_objective(p: ArrayLike, q: ArrayLike, T: ArrayLike) -> float:
    r"""The GAN game's value for a given discriminator ``T`` (eq. 4 of the paper).

    .. math::

        V(T) = \mathbb E_P \log T(X) + \mathbb E_Q \log(1 - T(Y))
             = \sum_i p_i \log T_i + q_i \log(1 - T_i),

    natural log, :math:`0 \log 0 = 0`, and :math:`-\infty` when a law puts mass where the
    corresponding factor is 0. Every ``T`` gives :math:`V(T) \le D_{GAN}(P, Q)` (see :func:`gan`).

    %(pq)s
    T : array_like, shape (n,)
        Discriminator values in :math:`[0, 1]`.

    Returns
    -------
    float
        :math:`V(T) \le D_{GAN}(P, Q) \le 0`, in nats; :math:`-\infty` when a law puts mass where its factor
        (:math:`T_i` or :math:`1 - T_i`) is 0.

    Examples
    --------
    >>> p, q = [0.5, 0.5], [0.25, 0.75]
    >>> bool(gan_objective(p, q, [0.5, 0.5]) == -np.log(4))
    True
    >>> bool(np.isclose(gan_objective(p, q, gan_discriminator(p, q)), gan(p, q), rtol=1e-14))
    True
    """
    p, q = _pair(p, q)
    T = as_float_array(T, "T", ndim=1)
    if T.shape != p.shape:
        raise ValueError(f"T: has length {T.shape[0]}, expected {p.shape[0]}")
    if np.any((T < 0) | (T > 1)):
        raise ValueError(f"T: values must lie in [0, 1], got min {T.min()!r}, max {T.max()!r}")
    return _objective(p, q, T)


@overload
def gan(p: ArrayLike, q: ArrayLike, *, return_witness: Literal[False] = ...) -> float: ...
@overload
def gan(p: ArrayLike, q: ArrayLike, *, return_witness: Literal[True]) -> tuple[float, FloatArray]: ...
@overload
def gan(p: ArrayLike, q: ArrayLike, *, return_witness: bool) -> float | tuple[float, FloatArray]: ...
@fill_doc(_PARAMS)
def gan(p: ArrayLike, q: ArrayLike, *, return_witness: bool = False) -> float | tuple[float, FloatArray]:
    r"""Exact GAN divergence :math:`D_{GAN}(P, Q)` of two discrete laws (eq. 4), in nats.

    .. math::

        D_{GAN}(P, Q) = \sup_{T: \mathcal X \to [0, 1]} \mathbb E_P \log T(X) + \mathbb E_Q \log(1 - T(Y))
                      = \sum_i p_i \log\frac{p_i}{p_i + q_i} + q_i \log\frac{q_i}{p_i + q_i}
                      = 2 D_{JS}(P, Q) - \log 4,

    attained by :math:`T^* = p / (p + q)` (:func:`gan_discriminator`). Natural log,
    :math:`0 \log 0 = 0`. The value lies in :math:`[-\log 4, 0]`: :math:`-\log 4` iff ``p == q``,
    0 iff the supports are disjoint. The sum is computed directly (not from :func:`js`).

    %(pq)s
    return_witness : bool, default False
        Also return the optimal discriminator :math:`T^*`.

    Returns
    -------
    float or (float, ndarray)
        The value, and :math:`T^*` when ``return_witness``.

    Examples
    --------
    >>> bool(gan([0.5, 0.5], [0.5, 0.5]) == -np.log(4))
    True
    >>> gan([1.0, 0.0], [0.0, 1.0])
    0.0
    >>> v, T = gan([0.5, 0.5], [0.25, 0.75], return_witness=True)
    >>> bool(np.isclose(v, 2 * js([0.5, 0.5], [0.25, 0.75]) - np.log(4))), T.round(3).tolist()
    (True, [0.667, 0.4])
    """
    p, q = _pair(p, q)
    T = _discriminator(p, q)
    s = p + q
    val = float(_xlogy_ratio(p, s).sum() + _xlogy_ratio(q, s).sum())
    val = min(max(val, -_LOG4), 0.0)
    return (val, T) if return_witness else val


@dataclass(frozen=True)
class RestrictedGanResult:
    r"""The GAN game restricted to :math:`T_w = \sigma(\Phi w)` (see :func:`gan_restricted`).

    Attributes
    ----------
    value : float
        :math:`V(T_w)` at the returned ``w``: a value *attained* by a member of the class, hence a
        certified lower bound of both the restricted supremum and :math:`D_{GAN}`.
    upper_bound : float
        :math:`\text{value} + \text{gap}`, an upper bound of the restricted supremum from the
        solver's dual (``inf`` if unavailable).
    weights : ndarray, shape (k,)
        The maximizing coefficients ``w``.
    discriminator : ndarray, shape (n,)
        :math:`T_w` on the atoms.
    status : str
        The solver status.
    """

    value: float
    upper_bound: float
    weights: FloatArray = field(repr=False)
    discriminator: FloatArray = field(repr=False)
    status: str

    @property
    def gap(self) -> float:
        """``upper_bound - value``: how far the attained value may be below the restricted supremum."""
        return self.upper_bound - self.value

    @property
    def bound(self) -> Bound:
        """The restricted supremum as a :class:`~otcheck.bounds.Bound` ``[value, upper_bound]`` (an
        ``"estimate"``: float64 sums; the value is attained, the upper end is the solver's dual)."""
        from .bounds import FLOAT_REL_ERROR, Bound

        err = FLOAT_REL_ERROR * max(abs(self.value), 1.0)
        hi = self.upper_bound + err if np.isfinite(self.upper_bound) else np.inf
        return Bound(
            self.value,
            self.value - err,
            max(hi, self.value),
            method="GAN game over logistic discriminators (Clarabel)",
            guarantee="estimate",
            tight=bool(self.gap <= 1e-7),
        )


@fill_doc(_PARAMS)
def gan_restricted(
    p: ArrayLike, q: ArrayLike, features: ArrayLike, *, radius: float | None = None
) -> RestrictedGanResult:
    r"""The GAN game restricted to logistic discriminators of a feature map, solved as a concave program.

    .. math::

        D_{GAN}^{\Phi}(P, Q) = \sup_{w \in \mathbb R^k,\ \|w\|_2 \le r}
            \sum_i p_i \log \sigma(\phi_i^\top w) + q_i \log(1 - \sigma(\phi_i^\top w))
            \;\le\; D_{GAN}(P, Q),

    with :math:`\sigma(s) = 1/(1+e^{-s})`. The objective is concave in ``w`` (a weighted logistic
    log-likelihood), so the maximum is found exactly (cvxpy, Clarabel); include a constant column
    in ``features`` for a bias. When the two laws can be separated by the class, the supremum
    (0) is approached but not attained; give a finite ``radius`` to make it attained.

    %(pq)s
    features : array_like, shape (n, k)
        Row ``i`` is :math:`\phi(x_i)`.
    radius : float, optional
        Bound on :math:`\|w\|_2`; unbounded when omitted.

    Returns
    -------
    RestrictedGanResult
        ``value``, the objective at the weights found, evaluated in float64 (a lower bound of
        :math:`D_{GAN}^{\Phi}`); ``upper_bound``, the solver's optimal value (at least ``value``); the weights
        :math:`w`, the discriminator :math:`\sigma(\phi_i^\top w)` on the atoms and the solver status.

    Raises
    ------
    RuntimeError
        If the solver does not report an optimal solution (an "optimal_inaccurate" one is accepted
        with a finite ``radius`` when its ``w`` is feasible: ``value`` is then the exact objective at
        that ``w``, a lower bound of the restricted supremum, and ``status`` says so).

    Examples
    --------
    >>> p, q = np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])
    >>> res = gan_restricted(p, q, np.ones((3, 1)))       # constant T: the best is T = 1/2
    >>> bool(np.isclose(res.value, -np.log(4), atol=1e-7)), res.value <= gan(p, q)
    (True, True)
    """
    import cvxpy as cp

    p, q = _pair(p, q)
    Phi = as_float_array(features, "features", ndim=2)
    if Phi.shape[0] != p.shape[0]:
        raise ValueError(f"features: has {Phi.shape[0]} rows, expected {p.shape[0]} (one per atom)")
    if Phi.shape[1] == 0:
        raise ValueError("features: has no columns")
    if radius is not None:
        radius = check_nonnegative(radius, "radius")
    w = cp.Variable(Phi.shape[1])
    s = Phi @ w
    # log sigma(s) = -logistic(-s); log(1 - sigma(s)) = -logistic(s)
    obj = -(p @ cp.logistic(-s)) - (q @ cp.logistic(s))
    cons = [cp.norm(w, 2) <= radius] if radius is not None else []
    prob = cp.Problem(cp.Maximize(obj), cons)
    prob.solve(solver="CLARABEL")
    wv = None if w.value is None else np.asarray(w.value, dtype=float)
    # "optimal_inaccurate" with a finite radius still gives a feasible w: its objective, evaluated
    # exactly below, is a lower bound of the restricted supremum (so still <= D_GAN); status says so.
    feasible = (
        wv is not None
        and np.all(np.isfinite(wv))
        and radius is not None
        and float(np.linalg.norm(wv)) <= radius * (1.0 + 1e-6)
    )
    if wv is None or not (prob.status == cp.OPTIMAL or (prob.status == cp.OPTIMAL_INACCURATE and feasible)):
        raise RuntimeError(f"gan_restricted: solver status {prob.status!r} (try a finite radius)")
    sv = Phi @ wv
    T = 1.0 / (1.0 + np.exp(-np.clip(sv, -700, 700)))
    # Evaluate the attained value stably: log sigma(s) = -log1p(exp(-s)).
    value = -float(p @ np.logaddexp(0.0, -sv) + q @ np.logaddexp(0.0, sv))
    upper = max(float(prob.value), value)
    return RestrictedGanResult(value=value, upper_bound=upper, weights=wv, discriminator=T, status=prob.status)


# --------------------------------------------------------------------------------------------- MMD


def _bandwidths(bandwidth: ArrayLike, kernel: str) -> list[float]:
    if isinstance(bandwidth, (bool, np.bool_)):
        raise TypeError(f"bandwidth: expected a positive number or a sequence of them, got a bool {bandwidth!r}")
    if isinstance(bandwidth, numbers.Real):
        hs = [bandwidth]
    else:
        hs = list(as_float_array(bandwidth, "bandwidth").ravel())  # refuses bools, strings, NaN
        if not hs:
            raise ValueError("bandwidth: is empty")
    return [check_nonnegative(float(h), "bandwidth", strict=True) for h in hs]


def kernel_matrix(
    X: ArrayLike, Y: ArrayLike | None = None, *, kernel: str = "gaussian", bandwidth: ArrayLike = 1.0
) -> FloatArray:
    r"""Kernel matrix :math:`K_{ij} = k(x_i, y_j)`, optionally summed over several scales.

    .. math::

        k_{\text{gaussian}}(x, y) = \sum_h \exp\!\Big(-\frac{\|x - y\|^2}{2 h^2}\Big), \qquad
        k_{\text{imq}}(x, y) = \sum_C \frac{C}{C + \|x - y\|^2}.

    Both kernels are characteristic and strictly positive definite on distinct points.

    Parameters
    ----------
    X : array_like, shape (n, d) or (n,)
        Points.
    Y : array_like, shape (m, d) or (m,), optional
        Points; ``X`` when omitted (the matrix is then symmetrized exactly).
    kernel : {"gaussian", "imq"}
        Kernel family.
    bandwidth : float or sequence of float, default 1.0
        The Gaussian width :math:`h`, or the inverse-multiquadratic scale :math:`C`; a sequence sums
        the kernels at each scale.

    Returns
    -------
    ndarray, shape (n, m)
        :math:`K_{ij} = k(x_i, y_j)`, in :math:`[0, S]` for :math:`S` scales; with ``Y`` omitted, exactly
        symmetric with diagonal :math:`S`.

    Examples
    --------
    >>> kernel_matrix([0.0, 1.0], kernel="imq", bandwidth=1.0).tolist()
    [[1.0, 0.5], [0.5, 1.0]]
    """
    sym = Y is None
    X, Y, hs = _kernel_inputs(X, X if Y is None else Y, kernel, bandwidth)
    return _kernel(X, Y, kernel, hs, sym)


def _kernel_inputs(
    X: ArrayLike, Y: ArrayLike, kernel: str, bandwidth: ArrayLike
) -> tuple[FloatArray, FloatArray, list[float]]:
    """``(X, Y, scales)`` validated for :func:`kernel_matrix` and :func:`mmd2`: the kernel's name and
    scales, then the two point sets, of one dimension."""
    if kernel not in KERNELS:
        raise ValueError(f"kernel: unknown kernel {kernel!r}; expected one of {KERNELS}")
    hs = _bandwidths(bandwidth, kernel)
    X = as_points(X, "X")
    Y = as_points(Y, "Y")
    if Y.shape[1] != X.shape[1]:
        raise ValueError(f"Y: points have dimension {Y.shape[1]}, expected {X.shape[1]} (that of X)")
    return X, Y, hs


def _kernel(X: FloatArray, Y: FloatArray, kernel: str, hs: Sequence[float], sym: bool = False) -> FloatArray:
    D = _sqdist(X, Y)
    if sym:
        np.fill_diagonal(D, 0.0)
        D = 0.5 * (D + D.T)
    K = np.zeros_like(D)
    for h in hs:
        if kernel == "gaussian":
            K += np.exp(-D / (2.0 * h * h))
        else:
            K += h / (h + D)
    return K


def mmd2(
    X: ArrayLike,
    Y: ArrayLike,
    *,
    kernel: str = "gaussian",
    bandwidth: ArrayLike = 1.0,
    unbiased: bool = False,
    weights_x: ArrayLike | None = None,
    weights_y: ArrayLike | None = None,
) -> float:
    r"""Squared maximum mean discrepancy: sample estimators, or exact for weighted discrete laws.

    With kernel matrices :math:`K^{XX}, K^{YY}, K^{XY}` (see :func:`kernel_matrix`):

    .. math::

        \widehat{\mathrm{MMD}}^2_V &= \frac{1}{n^2}\sum_{i,i'} K^{XX}_{ii'}
            + \frac{1}{m^2}\sum_{j,j'} K^{YY}_{jj'} - \frac{2}{nm}\sum_{i,j} K^{XY}_{ij}
            \quad\text{(biased V-statistic)}, \\
        \widehat{\mathrm{MMD}}^2_U &= \frac{1}{n(n-1)}\sum_{i \ne i'} K^{XX}_{ii'}
            + \frac{1}{m(m-1)}\sum_{j \ne j'} K^{YY}_{jj'} - \frac{2}{nm}\sum_{i,j} K^{XY}_{ij}
            \quad\text{(unbiased U-statistic)}, \\
        \mathrm{MMD}^2(P, Q) &= w_x^\top K^{XX} w_x + w_y^\top K^{YY} w_y - 2 w_x^\top K^{XY} w_y
            \quad\text{(weights given)}.

    With weights, :math:`P = \sum_i w_{x,i} \delta_{x_i}` and :math:`Q = \sum_j w_{y,j}\delta_{y_j}` and
    the value is the exact population MMD² of these two discrete laws (a V-statistic with weights).
    The V-statistic and the exact value are :math:`\ge 0` (clipped at 0 against rounding); the
    U-statistic can be negative and is not clipped.

    Parameters
    ----------
    X : array_like, shape (n, d) or (n,)
        Sample (or atoms) of :math:`P`.
    Y : array_like, shape (m, d) or (m,)
        Sample (or atoms) of :math:`Q`.
    kernel : {"gaussian", "imq"}
        See :func:`kernel_matrix`.
    bandwidth : float or sequence of float, default 1.0
        Kernel scale(s); several scales are summed.
    unbiased : bool, default False
        Use the U-statistic (needs ``n, m >= 2``; not allowed with weights).
    weights_x, weights_y : array_like, optional
        Probability weights of the atoms; uniform when only one is given.

    Returns
    -------
    float
        The squared MMD (not :math:`\mathrm{MMD}`): the V-statistic or the exact value, clipped at 0 against
        rounding, or the U-statistic, not clipped and possibly negative.

    Raises
    ------
    ValueError
        On mismatched dimensions, bad weights, ``unbiased`` with weights or with fewer than 2 points.

    Examples
    --------
    >>> mmd2([0.0, 1.0], [0.0, 1.0])
    0.0
    >>> mmd2([0.0], [1.0], kernel="imq", bandwidth=1.0)  # 1 + 1 - 2 * 0.5
    1.0
    >>> mmd2([0.0, 1.0], [0.0, 1.0], unbiased=True) < 0   # unbiased can go below zero
    True
    """
    X, Y, hs = _kernel_inputs(X, Y, kernel, bandwidth)
    n, m = X.shape[0], Y.shape[0]
    if not isinstance(unbiased, (bool, np.bool_)):
        raise TypeError(f"unbiased: expected True or False, got {type(unbiased).__name__} {unbiased!r}")
    weighted = weights_x is not None or weights_y is not None
    if weighted and unbiased:
        raise ValueError(
            "unbiased: the U-statistic applies to unweighted samples; with weights the exact "
            "MMD² of the two discrete laws is computed (use unbiased=False)"
        )
    Kxx = _kernel(X, X, kernel, hs, sym=True)
    Kyy = _kernel(Y, Y, kernel, hs, sym=True)
    Kxy = _kernel(X, Y, kernel, hs)
    if unbiased:
        for name, k in (("X", n), ("Y", m)):
            if k < 2:
                raise ValueError(f"{name}: the unbiased estimator needs at least 2 points, got {k}")
        sxx = (Kxx.sum() - np.trace(Kxx)) / (n * (n - 1))
        syy = (Kyy.sum() - np.trace(Kyy)) / (m * (m - 1))
        return float(sxx + syy - 2.0 * Kxy.mean())
    wx = np.full(n, 1.0 / n) if weights_x is None else as_weights(weights_x, "weights_x", n=n)
    wy = np.full(m, 1.0 / m) if weights_y is None else as_weights(weights_y, "weights_y", n=m)
    val = float(wx @ Kxx @ wx + wy @ Kyy @ wy - 2.0 * wx @ Kxy @ wy)
    return max(val, 0.0)
