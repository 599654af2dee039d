r"""Instance builders, argument checks and small OT-side helpers shared by the claims modules.

Nothing here decides a claim: these functions build seeded random instances (measures, decoders,
encoders), turn a random decoder into the averaged cost of :math:`W_c^\dagger`, compute
quadrature for Gaussian decoders, and Student-t intervals for sampled numbers. (The
Kantorovich-Rubinstein witnesses live in :mod:`otcheck.exact`, :func:`~otcheck.exact.w1_dual`.) Each helper
states the math it computes.

Every random choice flows from an explicit ``numpy.random.Generator``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import as_float_array, as_generator, as_points, as_weights, check_nonnegative, check_positive_int
from ..bounds import Bound
from ..costs import cost_matrix
from ..exact import solve_ot
from ..measures import DiscreteMeasure
from ._common import float_bound

__all__ = [
    "random_weights",
    "random_measure",
    "random_decoder",
    "random_encoders",
    "decoder_cost",
    "decoder_law",
    "gauss_hermite_sqcost",
    "gaussian_decoder_wc",
    "mean_interval",
    "two_row_vertex_costs",
    "check_sigma2",
    "check_sigma2s",
    "check_lambdas",
    "check_sizes",
    "check_confidence",
    "check_measures",
    "seeded",
    "decoder_instance",
    "seeded_decoder_instance",
    "check_same_dim",
    "decoder_args",
]

#: float64 numpy array
FloatArray = NDArray[np.float64]

#: A seed: an int or a numpy Generator (:func:`otcheck._validation.as_generator`).
Seed = int | np.random.Generator


class DecoderInstance(NamedTuple):
    r"""A discrete instance of sections 4 and A, the bundle every such claim takes (documented once here).

    A Gaussian decoder adds :math:`\sigma^2`: :math:`P_G(Y | Z = z_j) = \mathcal N(G(z_j), \sigma^2 I_d)`.
    Built and validated by :func:`decoder_args` (every error names its argument) or drawn by
    :func:`decoder_instance`; unpacks as ``a, X, b, G``.

    Attributes
    ----------
    a : ndarray, shape (n,)
        Weights of :math:`P_X = \sum_i a_i \delta_{x_i}`.
    X : ndarray, shape (n, d)
        Its atoms :math:`x_i`.
    b : ndarray, shape (m,)
        Weights of the prior :math:`P_Z` on ``m`` codes.
    G : ndarray, shape (m, d)
        The decoder means :math:`G(z_j)`, one row per code, in the data's dimension.
    """

    a: FloatArray
    X: FloatArray
    b: FloatArray
    G: FloatArray


# --------------------------------------------------------------------------------------------
# argument checks shared by the claims
# --------------------------------------------------------------------------------------------
def check_sigma2(value: ArrayLike, name: str = "sigma2") -> float | FloatArray:
    """A decoder variance: a finite real number ``>= 0`` (a float), or a 1-D array of them."""
    if np.ndim(value) == 0:
        return check_nonnegative(value, name)
    arr = np.asarray(value, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name}: expected a number or a non-empty 1-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name}: variances must be finite and >= 0, got {arr.tolist()}")
    return arr


def check_sigma2s(values: ArrayLike, name: str = "sigma2s", *, below: float | None = None) -> FloatArray:
    """At least two decoder variances, each ``> 0`` (and ``< below`` when given), as a float array.

    Examples
    --------
    >>> check_sigma2s([0.1, 0.5]).tolist()
    [0.1, 0.5]
    """
    arr = as_float_array(values, name, ndim=1)
    if arr.size < 2:
        raise ValueError(f"{name}: need at least two values to see a dependence, got {arr.size}")
    if np.any(arr <= 0):
        raise ValueError(f"{name}: must be > 0, got {arr.min()!r}")
    if below is not None and np.any(arr >= below):
        raise ValueError(f"{name}: must be < {below} (so that the W_c minimizer exists), got {arr.max()!r}")
    return arr


def check_sizes(**sizes: object) -> tuple[int, ...]:
    """Validate every keyword as a positive integer (the error names it); return them in order.

    Examples
    --------
    >>> check_sizes(n=3, m=2)
    (3, 2)
    """
    return tuple(check_positive_int(v, name) for name, v in sizes.items())


def check_confidence(confidence: float, name: str = "confidence") -> float:
    """A confidence level: a real number in (0, 1).

    Examples
    --------
    >>> check_confidence(1.0)
    Traceback (most recent call last):
    ...
    ValueError: confidence: must be in (0, 1), got 1.0
    """
    c = check_nonnegative(confidence, name)
    if not 0.0 < c < 1.0:
        raise ValueError(f"{name}: must be in (0, 1), got {confidence!r}")
    return c


def seeded(seed: int | np.random.Generator, **sizes: object) -> tuple[np.random.Generator, tuple[int, ...]]:
    """The prologue of a registered check: ``(generator, sizes)``, every size a positive integer.

    Examples
    --------
    >>> rng, (n, dim) = seeded(0, n=3, dim=2)
    >>> n, dim
    (3, 2)
    """
    return as_generator(seed), check_sizes(**sizes)


def check_measures(**measures: object) -> None:
    """Raise ``TypeError`` naming the first keyword that is not a :class:`~otcheck.DiscreteMeasure`.

    Examples
    --------
    >>> check_measures(mu=DiscreteMeasure([0.0]), nu=[0.0])
    Traceback (most recent call last):
    ...
    TypeError: nu: expected a DiscreteMeasure, got list
    """
    for name, m in measures.items():
        if not isinstance(m, DiscreteMeasure):
            raise TypeError(f"{name}: expected a DiscreteMeasure, got {type(m).__name__}")


def check_same_dim(X: FloatArray, Y: FloatArray, name: str, *, reference: str = "X") -> None:
    """Raise ``ValueError`` naming ``name`` when the points ``Y`` and ``X`` differ in dimension.

    Examples
    --------
    >>> check_same_dim(np.zeros((2, 2)), np.zeros((3, 1)), "G")
    Traceback (most recent call last):
    ...
    ValueError: G: has dimension 1, but X has dimension 2
    """
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"{name}: has dimension {Y.shape[1]}, but {reference} has dimension {X.shape[1]}")


def decoder_args(a: ArrayLike, X: ArrayLike, b: ArrayLike, G: ArrayLike) -> DecoderInstance:
    """Validate a discrete instance ``(a, X, b, G)``, the notation of the section-4 and appendix claims.

    ``a`` ``(n,)`` and ``X`` ``(n, d)`` are the data weights and atoms (:math:`P_X`), ``b`` ``(m,)``
    the prior weights (:math:`P_Z` on ``m`` codes) and ``G`` ``(m, d)`` the decoder means
    :math:`G(z_j)`, one row per prior weight, in the data's dimension; every error names its
    argument.

    Examples
    --------
    >>> decoder_args([1.0], [[0.0]], [0.5, 0.5], [[0.0]])
    Traceback (most recent call last):
    ...
    ValueError: G: has 1 rows, expected len(b) = 2 (one decoded point per code)
    """
    X = as_points(X, "X")
    a = as_weights(a, "a", n=X.shape[0])
    b = as_weights(b, "b")
    G = as_points(G, "G")
    if G.shape[0] != b.size:
        raise ValueError(f"G: has {G.shape[0]} rows, expected len(b) = {b.size} (one decoded point per code)")
    check_same_dim(X, G, "G")
    return DecoderInstance(a, X, b, G)


def check_lambdas(values: ArrayLike, name: str = "lambdas") -> tuple[float, ...]:
    """A non-empty increasing tuple of penalty weights :math:`\\lambda \\ge 0`."""
    items = values if isinstance(values, Iterable) and np.ndim(values) != 0 else (values,)
    out = tuple(check_nonnegative(v, name) for v in items)
    if not out:
        raise ValueError(f"{name}: is empty")
    if any(b <= a for a, b in zip(out, out[1:])):
        raise ValueError(f"{name}: must be strictly increasing, got {list(out)}")
    return out


# --------------------------------------------------------------------------------------------
# instance builders
# --------------------------------------------------------------------------------------------
def random_weights(rng: np.random.Generator, n: int, *, min_weight: float = 0.05) -> FloatArray:
    r"""Probability vector of length ``n`` with every entry at least ``min_weight / n``.

    .. math:: w = \frac{m}{n} \mathbf 1 + (1 - m)\, g / \textstyle\sum g, \quad g_i \sim U(0, 1)

    Examples
    --------
    >>> w = random_weights(np.random.default_rng(0), 4)
    >>> bool(abs(w.sum() - 1) < 1e-15), bool(w.min() > 0)
    (True, True)
    """
    n = check_positive_int(n, "n")
    g = rng.uniform(0.0, 1.0, size=n) + 1e-3
    w = min_weight / n + (1.0 - min_weight) * g / g.sum()
    return w / w.sum()


def random_measure(
    rng: np.random.Generator, n: int, dim: int, *, scale: float = 1.0, integer: bool = False
) -> DiscreteMeasure:
    """A discrete measure with ``n`` distinct random atoms in ``[-scale, scale]^dim`` and positive weights.

    With ``integer=True`` the atoms are distinct integers in ``[-2n, 2n]^dim`` (ties in costs).

    Examples
    --------
    >>> mu = random_measure(np.random.default_rng(0), 3, 2)
    >>> mu.n, mu.dim
    (3, 2)
    """
    n = check_positive_int(n, "n")
    dim = check_positive_int(dim, "dim")
    if integer:
        pts: set[tuple[int, ...]] = set()
        while len(pts) < n:
            pts.add(tuple(int(v) for v in rng.integers(-2 * n, 2 * n + 1, size=dim)))
        X = np.array(sorted(pts), dtype=float)
    else:
        X = rng.uniform(-scale, scale, size=(n, dim))
    return DiscreteMeasure(X, random_weights(rng, n))


def decoder_instance(rng: np.random.Generator, n: int, m: int, dim: int, *, scale: float = 1.0) -> DecoderInstance:
    r"""A discrete :math:`P_X`, :math:`P_Z` and decoder means :math:`G(z_j)`, as used by section 4 and the appendix.

    .. math:: a \sim \mathrm{Dir}(2 \cdot \mathbf 1_n),\ b \sim \mathrm{Dir}(2 \cdot \mathbf 1_m),\
              X_{ik}, G_{jk} \sim \mathcal N(0, \text{scale}^2)

    Returns
    -------
    a : ndarray, shape (n,)
        Data weights :math:`P_X(x_i)`: a Dirichlet draw, positive, summing to 1.
    X : ndarray, shape (n, dim)
        Data atoms :math:`x_i`.
    b : ndarray, shape (m,)
        Prior weights :math:`P_Z(z_j)`: a Dirichlet draw, positive, summing to 1.
    G : ndarray, shape (m, dim)
        Decoder means :math:`G(z_j)`.

    Examples
    --------
    >>> a, X, b, G = decoder_instance(np.random.default_rng(0), 3, 2, 1)
    >>> X.shape, G.shape, bool(abs(a.sum() - 1) < 1e-12)
    ((3, 1), (2, 1), True)
    """
    n, m, dim = check_sizes(n=n, m=m, dim=dim)
    a = rng.dirichlet(np.full(n, 2.0))
    b = rng.dirichlet(np.full(m, 2.0))
    return DecoderInstance(a, rng.normal(0.0, scale, (n, dim)), b, rng.normal(0.0, scale, (m, dim)))


def seeded_decoder_instance(
    seed: int | np.random.Generator, n: int, m: int, dim: int, **sizes: object
) -> tuple[np.random.Generator, DecoderInstance]:
    """The prologue of a section-4 or appendix check: validate ``n, m, dim`` and every other size in
    ``sizes`` (positive integers), then draw :func:`decoder_instance` from the seed.

    Returns
    -------
    rng : numpy.random.Generator
        The generator, after the draw (for anything else the check draws).
    instance : tuple
        ``(a, X, b, G)``.
    """
    rng, _ = seeded(seed, n=n, m=m, dim=dim, **sizes)
    return rng, decoder_instance(rng, n, m, dim)


def random_decoder(rng: np.random.Generator, m: int, k: int, *, dirac: bool = False, support: int = 2) -> FloatArray:
    r"""Row-stochastic ``(m, k)`` matrix :math:`D_{zy} = P_G(Y = y_k \mid Z = z)`.

    With ``dirac=True`` each row is one-hot (a deterministic decoder :math:`Y = G(Z)`);
    otherwise each row spreads over ``min(support, k)`` distinct points (``support >= 2`` makes
    every row non-Dirac).

    Examples
    --------
    >>> D = random_decoder(np.random.default_rng(0), 3, 4)
    >>> bool(np.allclose(D.sum(1), 1)), int((D > 0).sum(1).min())
    (True, 2)
    """
    m = check_positive_int(m, "m")
    k = check_positive_int(k, "k")
    D = np.zeros((m, k))
    for z in range(m):
        if dirac:
            D[z, rng.integers(k)] = 1.0
        else:
            cols = rng.choice(k, size=min(support, k), replace=False)
            D[z, cols] = random_weights(rng, cols.size, min_weight=0.3)
    return D


def random_encoders(rng: np.random.Generator, n: int, m: int, k: int) -> list[FloatArray]:
    """``k`` random encoders ``(n, m)``: Dirichlet rows of varied concentration, and every third deterministic.

    Examples
    --------
    >>> Qs = random_encoders(np.random.default_rng(0), 2, 3, 3)
    >>> [Q.shape for Q in Qs], bool(np.allclose(Qs[0].sum(1), 1)), int((Qs[2] > 0).sum())
    ([(2, 3), (2, 3), (2, 3)], True, 2)
    """
    fam = []
    for t in range(k):
        if t % 3 == 2:
            Q = np.zeros((n, m))
            Q[np.arange(n), rng.integers(0, m, n)] = 1.0
        else:
            Q = rng.dirichlet(np.full(m, [0.3, 2.0][t % 2]), size=n)
        fam.append(Q)
    return fam


def decoder_law(b: ArrayLike, D: ArrayLike) -> FloatArray:
    r"""Law of :math:`Y` for :math:`Z \sim b`, :math:`Y \mid Z \sim D_{Z\cdot}`: :math:`P_G = b^\top D`."""
    b = as_weights(b, "b")
    D = np.asarray(D, dtype=float)
    if D.ndim != 2 or D.shape[0] != b.size:
        raise ValueError(f"D: expected shape ({b.size}, k), got {D.shape}")
    nu = b @ D
    return nu / nu.sum()


def decoder_cost(C: ArrayLike, D: ArrayLike) -> FloatArray:
    r"""Averaged cost of a random decoder: :math:`\bar C_{xz} = \mathbb E_{Y \sim P_G(\cdot|z)} c(x, Y)`.

    .. math:: \bar C = C D^\top, \qquad C_{xy} = c(x, y),\ D_{zy} = P_G(y \mid z)

    so that :math:`W_c^\dagger(P_X, P_G) = \min_{P \in \Pi(P_X, P_Z)} \langle \bar C, P\rangle`
    (eq. 9 with the tower rule of appendix B.1).

    Examples
    --------
    >>> decoder_cost(np.array([[0.0, 2.0]]), np.array([[0.5, 0.5], [1.0, 0.0]])).tolist()
    [[1.0, 0.0]]
    """
    C = np.asarray(C, dtype=float)
    D = np.asarray(D, dtype=float)
    if C.ndim != 2 or D.ndim != 2 or C.shape[1] != D.shape[1]:
        raise ValueError(f"D: expected shape (m, {C.shape[-1]}) to match C's columns, got {D.shape}")
    return C @ D.T


# --------------------------------------------------------------------------------------------
# Gaussian decoders: quadrature
# --------------------------------------------------------------------------------------------
def gauss_hermite_sqcost(X: ArrayLike, means: ArrayLike, variances: ArrayLike, *, order: int = 8) -> FloatArray:
    r"""Averaged squared cost of a Gaussian decoder by Gauss-Hermite quadrature.

    .. math::

        \bar C_{ij} = \mathbb E_{Y \sim \mathcal N(G(z_j), \operatorname{diag}\sigma^2)} \|x_i - Y\|^2
                    = \sum_{k=1}^d \sum_{q} w_q\, (x_{ik} - G(z_j)_k - \sigma_k \sqrt 2\, t_q)^2 / \sqrt\pi

    The squared cost is a sum over coordinates, so the ``d``-dimensional expectation is ``d``
    one-dimensional Gauss-Hermite sums; with ``order >= 2`` the rule is exact for the quadratic
    integrand (to rounding). This evaluates the expectation by integration, *not* by the
    identity :math:`\|x - G(z)\|^2 + \sum_k \sigma_k^2` that Corollary 7 asserts.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Data atoms :math:`x_i`, the rows of :math:`\bar C`.
    means : array_like, shape (m, d)
        Decoder means :math:`G(z_j)`.
    variances : float or array_like, shape (d,)
        :math:`\sigma^2` (one for all coordinates) or :math:`\sigma_1^2, \dots, \sigma_d^2`.
    order : int, default 8
        Number of quadrature nodes.

    Returns
    -------
    ndarray, shape (n, m)
        :math:`\bar C_{ij} \ge 0` by quadrature: for ``order >= 2`` equal, up to rounding, to
        :math:`\|x_i - G(z_j)\|^2 + \sum_k \sigma_k^2`.

    Examples
    --------
    >>> gauss_hermite_sqcost([[0.0]], [[1.0]], 0.25).round(12).tolist()
    [[1.25]]
    """
    X = as_points(X, "X")
    M = as_points(means, "means")
    if X.shape[1] != M.shape[1]:
        raise ValueError(f"means: has dimension {M.shape[1]}, but X has dimension {X.shape[1]}")
    var = np.broadcast_to(check_sigma2(variances, "variances"), (X.shape[1],)).astype(float)
    t, w = np.polynomial.hermite.hermgauss(check_positive_int(order, "order"))
    w = w / math.sqrt(math.pi)
    out = np.zeros((X.shape[0], M.shape[0]))
    for k in range(X.shape[1]):
        diff = X[:, k][:, None, None] - M[:, k][None, :, None] - math.sqrt(2.0 * var[k]) * t[None, None, :]
        out += (diff**2) @ w
    return out


def gaussian_decoder_wc(
    mu: DiscreteMeasure,
    b: FloatArray,
    G: FloatArray,
    var: FloatArray,
    *,
    n_samples: int,
    reps: int,
    confidence: float,
    rng: np.random.Generator,
) -> tuple[Bound, dict[str, object], str]:
    r""":math:`W_2^2(P_X, P_G)` as a Bound, for :math:`P_G = \sum_j b_j \mathcal N(G_j, \operatorname{diag} var)`.

    ``d = 1``: by quantile quadrature (:func:`otcheck.closed_forms.wp_discrete_gmm_1d`) with its error
    bound (:attr:`~otcheck.closed_forms.QuantileIntegral.bound`, an estimate).
    ``d > 1``: from ``reps`` replicates of the certified :math:`W_2^2` between :math:`P_X` and
    ``n_samples`` draws. The estimator's bias is one-sided and proven:
    :math:`\mathbb E\, W_c(P_X, \hat P_G) \ge W_c(P_X, P_G)` (joint convexity of :math:`W_c`,
    :math:`\mathbb E \hat P_G = P_G`), so the top of the Student-t interval bounds :math:`W_c` from above
    at the stated confidence; the bottom is :math:`\|\mathbb E X - \mathbb E Y\|^2 \le W_c` (Jensen), a
    proven lower end: an upper bound, to compare with ``<=``.

    Returns
    -------
    bound : Bound
        An interval containing :math:`W_2^2(P_X, P_G)`: the quadrature value with its error bound (``d = 1``,
        an estimate), or :math:`\|\mathbb E X - \mathbb E Y\|^2` up to the top of the Student-t interval
        (``d > 1``, at ``confidence``).
    details : dict
        The value and its error bound (``d = 1``) or interval (``d > 1``).
    how : str
        How it was obtained, for the note of the comparison.
    """
    from .. import closed_forms
    from ..gaussian import GaussianMixture

    if mu.dim == 1:
        res = closed_forms.wp_discrete_gmm_1d(
            mu.atoms[:, 0], mu.weights, G[:, 0], np.full(b.size, float(var[0])), b, p=2
        )
        return (
            res.bound,
            {"W_c": float(res.value), "error_bound": float(res.error_bound)},
            "W_2^2 by 1-D quantile quadrature (error bound as interval)",
        )
    mix = GaussianMixture(b, G, var)
    vals = []
    for _ in range(reps):
        Y = mix.sample(n_samples, rng)
        vals.append(solve_ot(mu.weights, np.full(n_samples, 1.0 / n_samples), cost_matrix(mu.atoms, Y)).cost)
    top = Bound.from_samples(vals, confidence=confidence)  # bias in [0, inf): the upper end stands as it is
    ex, ey = mu.mean(), b @ G
    jensen = float_bound(np.sum((ex - ey) ** 2), np.sum((np.abs(ex) + np.abs(ey)) ** 2), "||E X - E Y||^2").lower
    lo = min(jensen, top.upper)
    wc = Bound.interval(
        lo,
        top.upper,
        min(max(top.value, lo), top.upper),
        guarantee="confidence",
        confidence=confidence,
        tight=False,
        method=f"sampled ({reps} x {n_samples} draws, certified OT each): Student-t upper end "
        "(E W_c(P_X, empirical P_G) >= W_c by convexity), lower end ||E X - E Y||^2 <= W_c",
    )
    return (
        wc,
        {"W_c_sampled": top.value, "interval": (wc.lower, wc.upper), "n_samples": n_samples, "reps": reps},
        f"W_c from {reps} x {n_samples} samples; the estimator's bias is >= 0 (convexity), so only the "
        "interval's top is used; its bottom is ||E X - E Y||^2 <= W_c",
    )


# --------------------------------------------------------------------------------------------
# sampled numbers
# --------------------------------------------------------------------------------------------
def mean_interval(values: ArrayLike, confidence: float = 0.95) -> tuple[float, tuple[float, float]]:
    r"""Student-t confidence interval for the mean of i.i.d. replicates.

    .. math:: \bar v \pm t_{(1+\gamma)/2,\, R-1}\, s / \sqrt R

    Parameters
    ----------
    values : array_like, shape (R,), R >= 2
        The :math:`R` independent replicates :math:`v_r` (finite); :math:`\bar v` is their mean and :math:`s`
        their sample standard deviation (``ddof=1``).
    confidence : float in (0, 1)
        The level :math:`\gamma`: the interval covers the true mean with probability :math:`\gamma` when the
        replicates are i.i.d. normal (approximately, by the central limit theorem, otherwise).

    Returns
    -------
    mean : float
        The sample mean :math:`\bar v`.
    interval : tuple of float
        ``(low, high)`` = :math:`\bar v \mp t_{(1+\gamma)/2,\, R-1}\, s / \sqrt R`.

    Examples
    --------
    >>> m, (lo, hi) = mean_interval([1.0, 2.0, 3.0])
    >>> m, lo < 2 < hi
    (2.0, True)
    """
    from ..bounds import student_t_interval

    m, half = student_t_interval(values, confidence)
    return m, (m - half, m + half)


# --------------------------------------------------------------------------------------------
# transport polytope vertices (two rows)
# --------------------------------------------------------------------------------------------
def two_row_vertex_costs(k: int) -> list[FloatArray]:
    r"""Cost matrices whose unique optimal couplings are all the vertices of a 2-row transport polytope.

    For :math:`\Pi(a, \nu)` with ``a`` of length 2 and :math:`\nu > 0` of length ``k``, every
    vertex is the north-west-corner coupling for some order :math:`\pi` of the columns (a
    spanning tree of the 2 x k bipartite graph has one shared column). The cost
    :math:`C_{1j} = \operatorname{rank}_\pi(j)`, :math:`C_{2j} = 0` makes that vertex the unique
    minimizer: row 1 fills the columns greedily in the order :math:`\pi`.

    Returns
    -------
    list of ndarray, shape (2, k)
        One per permutation of the columns (``k!`` of them).

    Examples
    --------
    >>> [C.tolist() for C in two_row_vertex_costs(2)]
    [[[0.0, 1.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]]]
    """
    k = check_positive_int(k, "k")
    out = []
    for perm in itertools.permutations(range(k)):
        C = np.zeros((2, k))
        C[0, list(perm)] = np.arange(k, dtype=float)
        out.append(C)
    return out
