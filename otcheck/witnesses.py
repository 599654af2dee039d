r"""Constructions behind the section-4 and appendix claims that are not claims themselves (layer 3).

Everything here *computes* something the claims of :mod:`otcheck.claims.section4` and
:mod:`otcheck.claims.appendix` compare:

* the :math:`W_1` dual LP over 1-Lipschitz witnesses on the supports (:func:`w1_dual`);
* the constructions of appendix B.4 (Proposition 3): a smooth witness class with stated
  Lipschitz and Hessian bounds (:class:`SmoothWitnessClass`), its best member by a certified LP
  (:func:`best_smooth_witness`), the optimal witness :math:`f^*`, the :math:`\varepsilon`-optimal
  :math:`f_\varepsilon`, :math:`h_\varepsilon`, and their gradients with respect to :math:`G` by
  torch autograd (:func:`prop3_instance`);
* the objectives of section 4.1 on discrete instances with a Gaussian decoder (VAE, AVB, AAE,
  POT), the posterior encoder (eq. 14), the optimal decoder for a fixed encoder;
* the :math:`d`-dimensional linear-Gaussian decoder of Proposition 2 fitted with torch
  (:func:`fit_linear_decoder`).

Numbers are float64 numpy; torch is imported inside the functions that need it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ._validation import (as_float_array, as_generator, as_points, as_weights, check_nonnegative,
                          check_positive_int)

__all__ = [
    "W1Witness", "w1_dual", "c_transform_witness", "EncoderLP", "constrained_encoder",
    "gaussian_nll_matrix", "posterior_encoder", "neg_log_likelihood", "vae_objective",
    "aggregated_posterior", "reconstruction", "aae_objective", "pot_objective", "avb_objective",
    "optimal_decoder", "least_squares_decoder", "decoder_coordinate_minimum", "decoder_blur", "primal_gradient",
    "LinearDecoderFit", "bures_w2_torch", "fit_linear_decoder",
    "SmoothWitnessClass", "SmoothWitness", "best_smooth_witness",
    "Prop3Row", "prop3_instance", "mixture_moments_quad", "PairSearch", "search_pairs",
]


# ----------------------------------------------------------------------------------------------
# W_1 dual LP
# ----------------------------------------------------------------------------------------------

#: Relative width under which an LP result of this module counts as tight: HiGHS works here to
#: feasibility tolerances of 1e-10 (:data:`HIGHS_FEAS_TOL`), whose effect on the value grows with the
#: number of variables; its optimal gaps measured here are below 1e-10.
LP_TIGHT_GAP = 1e-8

#: The primal and dual feasibility tolerances this module asks HiGHS for. A dual infeasible by
#: ``delta`` in each reduced cost overstates a lower bound by up to ``delta`` times the primal mass,
#: so LP bounds are widened by it.
HIGHS_FEAS_TOL = 1e-10


def _lp_bound(primal, dual, residual_effect, method):
    """A Bound between an LP's primal and dual values, widened by float rounding and by the effect of
    the solver's feasibility tolerances; one-sided when the dual value is NaN (no feasible dual).
    Tight when its whole width is within :data:`LP_TIGHT_GAP` of the value's size (so a bound much
    wider than a tiny value is never tight)."""
    from .bounds import FLOAT_REL_ERROR, Bound

    size = max(abs(primal), abs(dual) if dual == dual else 0.0)
    err = FLOAT_REL_ERROR * size + abs(residual_effect)
    if dual != dual:
        return Bound(primal, primal - err, np.inf, method=method, guarantee="estimate", tight=False)
    lo, hi = min(primal, dual) - err, max(primal, dual) + err
    return Bound(primal, lo, hi, method=method, guarantee="estimate", tight=bool(hi - lo <= LP_TIGHT_GAP * size))


@dataclass(frozen=True)
class W1Witness:
    r"""Optimal 1-Lipschitz witness of :math:`W_1(\mu, \nu)` on the union of the supports.

    Attributes
    ----------
    value : float
        :math:`\max_f \sum_k m_k f(p_k)`, the dual value (:math:`= W_1`).
    points : ndarray, shape (N, d)
        The distinct points of :math:`\mathrm{supp}\,\mu \cup \mathrm{supp}\,\nu`.
    values : ndarray, shape (N,)
        The optimal witness :math:`f(p_k)` (normalized so that ``values[0] == 0``).
    masses : ndarray, shape (N,)
        :math:`m_k = \mu(p_k) - \nu(p_k)`.
    lipschitz_violation : float
        :math:`\max_{k \ne l} (f(p_k) - f(p_l) - \|p_k - p_l\|)^+`, checked on the returned values.
    dual_value : float
        Value of the LP dual (a min-cost flow) from the solver's multipliers, NaN when that flow
        is not feasible (conservation or sign violated by more than 1e-9) or when the witness did
        not come from the LP (:func:`c_transform_witness`); ``value - dual_value`` is the
        certified duality gap.
    flow_residual : float
        Largest violation of the flow's conservation or sign (at most 1e-9 when ``dual_value`` is
        finite): the flow is feasible for masses off by that much at each point, which moves its
        value by at most ``N * flow_residual * diameter``.
    """

    value: float
    points: np.ndarray = field(repr=False)
    values: np.ndarray = field(repr=False)
    masses: np.ndarray = field(repr=False)
    lipschitz_violation: float
    dual_value: float
    flow_residual: float = 0.0

    @property
    def gap(self):
        """Absolute duality gap of the LP."""
        return abs(self.value - self.dual_value)

    @property
    def bound(self):
        r""":math:`W_1` as a :class:`~otcheck.bounds.Bound`: between the witness value and the flow value.

        An ``"estimate"`` (HiGHS works to tolerances, the sums are float64); one-sided (upper end
        ``inf``) when the flow of the LP dual is not feasible. Tight when the gap is within
        :data:`~otcheck.bounds.FLOAT_REL_ERROR`-scaled rounding plus 1e-9 of the value's size.
        """
        N = self.points.shape[0]
        diameter = float(_distances(self.points).max()) if N > 1 else 0.0
        return _lp_bound(self.value, self.dual_value, self.lipschitz_violation * float(np.abs(self.masses).sum())
                         + N * self.flow_residual * diameter, "W1 dual LP over 1-Lipschitz witnesses (HiGHS)")

    def extension(self, y):
        r"""McShane extension :math:`\tilde f(y) = \min_k f(p_k) + \|y - p_k\|`, 1-Lipschitz on
        :math:`\mathbb R^d` and equal to ``values`` on ``points`` (up to ``lipschitz_violation``).

        Parameters
        ----------
        y : array_like, shape (n, d) or (n,)

        Returns
        -------
        ndarray, shape (n,)
        """
        return (self.values[None, :] + _distances(as_points(y, "y"), self.points)).min(axis=1)


def _two_measures(a, X, b, Y):
    """Validate two discrete measures (weights, atoms) of the same dimension; errors name the argument."""
    X = as_points(X, "X")
    Y = as_points(Y, "Y")
    a = as_weights(a, "a", n=X.shape[0])
    b = as_weights(b, "b", n=Y.shape[0])
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"Y: points have dimension {Y.shape[1]}, but X has dimension {X.shape[1]}")
    return a, X, b, Y


def w1_dual(a, X, b, Y):
    r"""Solve the dual of :math:`W_1` as an LP over 1-Lipschitz witnesses on the supports (eq. 2).

    .. math::

        W_1(\mu, \nu) = \max_{f:\ |f(p_k) - f(p_l)| \le \|p_k - p_l\|}
            \sum_i a_i f(x_i) - \sum_j b_j f(y_j),

    where :math:`p_1, \dots, p_N` are the distinct points of both supports. By McShane's
    extension any feasible ``f`` on the points extends to a 1-Lipschitz function on
    :math:`\mathbb R^d`, so this is the sup over all 1-Lipschitz functions. Solved with HiGHS;
    the LP dual (min-cost flow) value is returned for a duality-gap certificate.

    Parameters
    ----------
    a : array_like, shape (n,)
        Weights of :math:`\mu`.
    X : array_like, shape (n, d) or (n,)
        Atoms of :math:`\mu`.
    b : array_like, shape (m,)
        Weights of :math:`\nu`.
    Y : array_like, shape (m, d) or (m,)
        Atoms of :math:`\nu`.

    Returns
    -------
    W1Witness

    Raises
    ------
    ValueError
        Bad weights or points (named), or the LP solver failing.

    Examples
    --------
    >>> w = w1_dual([0.5, 0.5], [0.0, 1.0], [1.0], [3.0])
    >>> round(w.value, 9), w.lipschitz_violation <= 1e-9
    (2.5, True)
    """
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    a, X, b, Y = _two_measures(a, X, b, Y)
    P, inv = np.unique(np.vstack([X, Y]), axis=0, return_inverse=True)
    inv = inv.ravel()
    N = P.shape[0]
    m = np.zeros(N)
    np.add.at(m, inv[:X.shape[0]], a)
    np.add.at(m, inv[X.shape[0]:], -b)
    if N == 1:
        return W1Witness(0.0, P, np.zeros(1), m, 0.0, 0.0)
    D = _distances(P)
    kk, ll = np.where(~np.eye(N, dtype=bool))
    # one row per ordered pair (k, l): f_k - f_l <= ||p_k - p_l||; sparse, 2 entries a row
    rows, cols = np.repeat(np.arange(kk.size), 2), np.column_stack([kk, ll]).ravel()
    A = coo_matrix((np.tile([1.0, -1.0], kk.size), (rows, cols)), shape=(kk.size, N)).tocsr()
    bounds = [(0.0, 0.0)] + [(None, None)] * (N - 1)
    res = linprog(-m, A_ub=A, b_ub=D[kk, ll], bounds=bounds, method="highs",
                  options={"primal_feasibility_tolerance": HIGHS_FEAS_TOL, "dual_feasibility_tolerance": HIGHS_FEAS_TOL})
    if res.status != 0:
        raise ValueError(f"a, b: the W_1 dual LP failed ({res.message})")
    f = np.asarray(res.x, dtype=float)
    value = float(m @ f)
    viol = _lipschitz_violation(P, f, D)
    # HiGHS multipliers of A_ub x <= b_ub are <= 0 for a minimization; the flow is -marginals.
    flow = -np.asarray(res.ineqlin.marginals, dtype=float)
    dual_value = float(flow @ D[kk, ll])
    # the flow is dual-feasible when it is non-negative and conserves mass: out(k) - in(k) = m_k
    net = np.zeros(N)
    np.add.at(net, kk, flow)
    np.add.at(net, ll, -flow)
    residual = float(max(np.abs(net - m).max(), max(0.0, -flow.min())))
    dual_value = dual_value if residual <= 1e-9 else float("nan")
    return W1Witness(value=value, points=P, values=f, masses=m, lipschitz_violation=viol, dual_value=dual_value,
                     flow_residual=residual)


def _distances(P, Q=None):
    """Euclidean distance matrix between the rows of ``P`` and of ``Q`` (default ``P``)."""
    Q = P if Q is None else Q
    return np.sqrt(((P[:, None, :] - Q[None, :, :]) ** 2).sum(-1))


def _lipschitz_violation(P, f, D=None):
    r""":math:`\max_{k, l} (f_k - f_l - \|p_k - p_l\|)^+` (0 for a 1-Lipschitz ``f`` on the points ``P``)."""
    D = _distances(P) if D is None else D
    return float(max(0.0, (f[:, None] - f[None, :] - D).max()))


def c_transform_witness(a, X, b, Y, v):
    r"""1-Lipschitz witness of :math:`W_1` from the target-side potential ``v`` of the primal problem.

    .. math:: f(x) = \min_j \|x - y_j\| - v_j

    is 1-Lipschitz on :math:`\mathbb R^d` (a minimum of 1-Lipschitz functions), so
    :math:`\sum_i a_i f(x_i) - \sum_j b_j f(y_j) \le W_1` for *any* ``v`` (weak duality), with
    equality when ``v`` is an optimal potential of the primal LP (``OTResult.v`` of the Euclidean
    cost). Unlike :func:`w1_dual` it solves nothing: it turns a primal solver's output into a
    witness whose value and Lipschitz constant are checked independently.

    Parameters
    ----------
    a, X, b, Y
        As in :func:`w1_dual`.
    v : array_like, shape (m,)
        A potential on the atoms of :math:`\nu`.

    Returns
    -------
    W1Witness
        On the distinct points of both supports; ``dual_value`` is NaN (no LP certificate).

    Raises
    ------
    ValueError
        Bad weights or points, or ``v`` of the wrong shape (named).

    Examples
    --------
    >>> w = c_transform_witness([0.5, 0.5], [0.0, 1.0], [1.0], [3.0], [0.0])
    >>> w.value, w.lipschitz_violation
    (2.5, 0.0)
    """
    a, X, b, Y = _two_measures(a, X, b, Y)
    v = as_float_array(v, "v", ndim=1)
    if v.shape != (Y.shape[0],):
        raise ValueError(f"v: has shape {v.shape}, expected ({Y.shape[0]},)")
    P, inv = np.unique(np.vstack([X, Y]), axis=0, return_inverse=True)
    inv = inv.ravel()
    f = (_distances(P, Y) - v[None, :]).min(axis=1)
    m = np.zeros(P.shape[0])
    np.add.at(m, inv[:X.shape[0]], a)
    np.add.at(m, inv[X.shape[0]:], -b)
    return W1Witness(value=float(m @ f), points=P, values=f, masses=m, lipschitz_violation=_lipschitz_violation(P, f),
                     dual_value=float("nan"))


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
    encoder: np.ndarray = field(repr=False)
    dual_value: float
    residual: float

    @property
    def gap(self):
        """Absolute duality gap of the LP."""
        return abs(self.value - self.dual_value)

    @property
    def bound(self):
        """The LP optimum as a :class:`~otcheck.bounds.Bound` between the primal and dual values (an
        ``"estimate"``: HiGHS tolerances, float64 sums; tight when the gap is at rounding level)."""
        n = self.encoder.shape[0]
        # the rows of Q sum to one: the primal mass is n, and a dual infeasible by HIGHS_FEAS_TOL per
        # reduced cost can overstate the optimum by that much
        return _lp_bound(self.value, self.dual_value, self.residual * max(abs(self.value), 1.0) + HIGHS_FEAS_TOL * n,
                         "LP over encoders, eq. 11 (HiGHS)")


def constrained_encoder(a, b, C):
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
    a : array_like, shape (n,)
        :math:`P_X` weights.
    b : array_like, shape (m,)
        :math:`P_Z` weights.
    C : array_like, shape (n, m)
        :math:`c(x_i, G(z_j))`.

    Returns
    -------
    EncoderLP

    Raises
    ------
    ValueError
        Bad weights or costs (named), or the LP solver failing.

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
    res = linprog((a[:, None] * C).ravel(), A_eq=A, b_eq=rhs, bounds=(0, None), method="highs",
                  options={"primal_feasibility_tolerance": HIGHS_FEAS_TOL, "dual_feasibility_tolerance": HIGHS_FEAS_TOL})
    if res.status != 0:
        raise ValueError(f"C: the encoder LP failed ({res.message})")
    Q = np.maximum(np.asarray(res.x, dtype=float).reshape(n, m), 0.0)
    residual = float(max(np.abs(Q.sum(1) - 1).max(), np.abs(a @ Q - b).max()))
    dual = float(np.asarray(res.eqlin.marginals, dtype=float) @ rhs)
    return EncoderLP(value=float(a @ (Q * C).sum(1)), encoder=Q, dual_value=dual, residual=residual)


# ----------------------------------------------------------------------------------------------
# Discrete instances with a Gaussian decoder: VAE, AVB, AAE, POT objectives
# ----------------------------------------------------------------------------------------------

def _encoder(Q, n, m, name="Q"):
    Q = as_float_array(Q, name, ndim=2)
    if Q.shape != (n, m):
        raise ValueError(f"{name}: has shape {Q.shape}, expected {(n, m)}")
    if np.any(Q < 0):
        raise ValueError(f"{name}: has a negative entry {Q.min()!r}")
    if np.any(np.abs(Q.sum(1) - 1.0) > 1e-9):
        raise ValueError(f"{name}: rows must sum to one (a conditional law Q(z|x) per row)")
    return Q


def _as_nll(L):
    r"""A matrix of :math:`-\log p_G(x_i|z_j)`: finite or :math:`+\infty` (an output the code cannot produce).

    NaN and :math:`-\infty` are rejected, and so is a row that is :math:`+\infty` everywhere (an input
    no code can produce: :math:`p_G(x_i) = 0`).
    """
    L = np.asarray(L, dtype=float)
    if L.ndim != 2:
        raise ValueError(f"L: expected a 2-D array, got shape {L.shape}")
    if np.isnan(L).any() or (L == -np.inf).any():
        raise ValueError("L: contains NaN or -inf (negative log-likelihoods are finite or +inf)")
    dead = np.flatnonzero(np.isinf(L).all(axis=1))
    if dead.size:
        raise ValueError(f"L: row {int(dead[0])} is +inf for every code (that input has likelihood 0)")
    return L


def gaussian_nll_matrix(X, G, sigma2):
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


def posterior_encoder(b, L):
    r"""The posterior :math:`P_G(Z|X)` of eq. 14 on a discrete prior: the optimal unrestricted encoder.

    .. math::

        Q^*(z_j | x_i) = \frac{p_G(x_i | z_j)\, b_j}{\sum_k p_G(x_i | z_k)\, b_k},
        \qquad p_G(x_i|z_j) = e^{-\ell_{ij}}

    Parameters
    ----------
    b : array_like, shape (m,)
        Prior weights :math:`P_Z(z_j)`.
    L : array_like, shape (n, m)
        :math:`\ell_{ij} = -\log p_G(x_i|z_j)` (e.g. from :func:`gaussian_nll_matrix`).

    Returns
    -------
    ndarray, shape (n, m), row-stochastic

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


def neg_log_likelihood(a, b, L):
    r""":math:`-\mathbb E_{P_X} \log p_G(X)` with :math:`p_G(x_i) = \sum_j b_j e^{-\ell_{ij}}` (eq. 3).

    Parameters
    ----------
    a : array_like, shape (n,)
        Data weights.
    b : array_like, shape (m,)
        Prior weights.
    L : array_like, shape (n, m)
        :math:`-\log p_G(x_i | z_j)`.

    Returns
    -------
    float

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
    return float(-(a @ lp))


def _kl_rows(Q, b):
    """Row-wise KL(Q_i || b) with 0 log 0 = 0 (infinite where Q puts mass on b = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(Q > 0, Q * (np.log(Q) - np.log(b)[None, :]), 0.0)
    return t.sum(axis=1)


def _expect_rows(Q, C):
    r"""Row-wise :math:`\sum_j Q_{ij} C_{ij}` with :math:`0 \cdot \infty = 0` (a code never used costs nothing)."""
    with np.errstate(invalid="ignore"):
        return np.where(Q > 0, Q * C, 0.0).sum(axis=1)


def reconstruction(a, Q, C):
    r"""Expected cost of an encoder, :math:`\sum_i a_i \sum_j Q_{ij} C_{ij}`.

    Examples
    --------
    >>> reconstruction([0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]], [[0.0, 2.0], [2.0, 4.0]])
    2.0
    """
    C = as_float_array(C, "C", ndim=2)
    a = as_weights(a, "a", n=C.shape[0])
    Q = _encoder(Q, *C.shape)
    return float(a @ _expect_rows(Q, C))


def aggregated_posterior(a, Q):
    r"""The aggregated posterior :math:`Q_Z = \sum_i a_i Q(\cdot | x_i)`.

    Examples
    --------
    >>> aggregated_posterior([0.5, 0.5], [[1.0, 0.0], [0.0, 1.0]]).tolist()
    [0.5, 0.5]
    """
    Q = as_float_array(Q, "Q", ndim=2)
    a = as_weights(a, "a", n=Q.shape[0])
    Q = _encoder(Q, *Q.shape)
    return a @ Q


def vae_objective(a, b, L, Q):
    r"""The VAE objective of eq. 5 for one encoder (:math:`D_{VAE}` is its infimum over Q).

    .. math::

        \mathbb E_{P_X}\big[D_{KL}(Q(Z|X), P_Z) - \mathbb E_{Q(Z|X)} \log p_G(X|Z)\big]
        = \sum_i a_i \Big[\sum_j Q_{ij}\log\frac{Q_{ij}}{b_j} + \sum_j Q_{ij}\ell_{ij}\Big]

    Examples
    --------
    >>> vae_objective([1.0], [0.5, 0.5], [[1.0, 3.0]], [[0.5, 0.5]])
    2.0
    """
    L = _as_nll(L)
    a = as_weights(a, "a", n=L.shape[0])
    b = as_weights(b, "b", n=L.shape[1])
    Q = _encoder(Q, *L.shape)
    return float(a @ (_kl_rows(Q, b) + _expect_rows(Q, L)))


def aae_objective(a, b, L, Q):
    r"""The AAE objective of eq. 7 for one encoder, with the exact (nonparametric) :math:`D_{GAN}`.

    .. math::

        D_{GAN}(Q_Z, P_Z) + \sum_i a_i \sum_j Q_{ij} \ell_{ij},
        \qquad D_{GAN} = 2 D_{JS} - \log 4 \in [-\log 4, 0]

    (:func:`otcheck.divergences.gan`).

    Examples
    --------
    >>> round(aae_objective([1.0], [0.5, 0.5], [[1.0, 3.0]], [[0.5, 0.5]]) + math.log(4), 12)
    2.0
    """
    from .divergences import gan

    L = as_float_array(L, "L", ndim=2)
    a = as_weights(a, "a", n=L.shape[0])
    b = as_weights(b, "b", n=L.shape[1])
    Q = _encoder(Q, *L.shape)
    return float(gan(a @ Q, b)) + float(a @ (Q * L).sum(axis=1))


def pot_objective(a, b, C, Q, lam):
    r"""The POT objective of eq. 13 for one encoder, exact :math:`D_{GAN}`.

    .. math::

        \sum_i a_i \sum_j Q_{ij} C_{ij} + \lambda\, D_{GAN}(Q_Z, P_Z)

    Examples
    --------
    >>> round(pot_objective([1.0], [1.0], [[2.0]], [[1.0]], 0.5) + 0.5 * math.log(4), 12)
    2.0
    """
    from .divergences import gan

    C = as_float_array(C, "C", ndim=2)
    a = as_weights(a, "a", n=C.shape[0])
    b = as_weights(b, "b", n=C.shape[1])
    Q = _encoder(Q, *C.shape)
    lam = check_nonnegative(lam, "lam")
    return float(a @ (Q * C).sum(axis=1)) + lam * float(gan(a @ Q, b))


def avb_objective(a, b, L, Q, regularizer="gan"):
    r"""The AVB objective (eq. 6) for one encoder, with a per-input regularizer.

    .. math::

        \sum_i a_i \Big[ R(Q(\cdot|x_i), P_Z) + \sum_j Q_{ij} \ell_{ij} \Big],
        \qquad R = D_{GAN}\ (\text{as in the proof of Prop. 4}) \text{ or } D_{KL}

    Parameters
    ----------
    regularizer : {"gan", "kl"}
        ``"gan"`` is the reading of the proof of Proposition 4; ``"kl"`` is the quantity the
        f-GAN term of eq. 6 approximates (then the objective is :func:`vae_objective`).

    Examples
    --------
    >>> avb_objective([1.0], [0.5, 0.5], [[1.0, 3.0]], [[0.5, 0.5]], regularizer="kl")
    2.0
    """
    from .divergences import gan

    L = as_float_array(L, "L", ndim=2)
    a = as_weights(a, "a", n=L.shape[0])
    b = as_weights(b, "b", n=L.shape[1])
    Q = _encoder(Q, *L.shape)
    if regularizer == "kl":
        reg = _kl_rows(Q, b)
    elif regularizer == "gan":
        reg = np.array([float(gan(q, b)) for q in Q])
    else:
        raise ValueError(f"regularizer: expected 'gan' or 'kl', got {regularizer!r}")
    return float(a @ (reg + (Q * L).sum(axis=1)))


# ----------------------------------------------------------------------------------------------
# Decoders for a fixed encoder
# ----------------------------------------------------------------------------------------------

def _weighted_median(x, w):
    """Smallest minimizer of sum_k w_k |x_k - t| (the lower weighted median)."""
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cw = np.cumsum(ws)
    k = int(np.searchsorted(cw, 0.5 * cw[-1] - 1e-15 * cw[-1]))
    return float(xs[min(k, xs.size - 1)])


def optimal_decoder(a, X, Q, cost="sqeuclidean"):
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
    X = as_points(X, "X")
    a = as_weights(a, "a", n=X.shape[0])
    Q = as_float_array(Q, "Q", ndim=2)
    if Q.shape[0] != X.shape[0]:
        raise ValueError(f"Q: has {Q.shape[0]} rows, expected {X.shape[0]} (one per data atom)")
    Q = _encoder(Q, *Q.shape)
    if cost not in ("sqeuclidean", "euclidean"):
        raise ValueError(f"cost: expected 'sqeuclidean' or 'euclidean', got {cost!r}")
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


def least_squares_decoder(a, X, Q):
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
    X = as_points(X, "X")
    a = as_weights(a, "a", n=X.shape[0])
    Q = as_float_array(Q, "Q", ndim=2)
    if Q.shape[0] != X.shape[0]:
        raise ValueError(f"Q: has {Q.shape[0]} rows, expected {X.shape[0]} (one per data atom)")
    Q = _encoder(Q, *Q.shape)
    ii, jj = np.nonzero(a[:, None] * Q > 0)
    sw = np.sqrt(a[ii] * Q[ii, jj])
    E = np.zeros((ii.size, Q.shape[1]))
    E[np.arange(ii.size), jj] = sw
    B = sw[:, None] * X[ii]
    G = np.linalg.lstsq(E, B, rcond=None)[0]
    return G, float(((E @ G - B) ** 2).sum())


def decoder_coordinate_minimum(a, x, Q, G, j, cost="sqeuclidean"):
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

    Returns
    -------
    g : float
        The minimizer found.
    value : float
        The criterion there.

    Examples
    --------
    >>> g, v = decoder_coordinate_minimum([0.5, 0.5], [0.0, 2.0], [[1.0], [1.0]], [0.0], 0)
    >>> round(g, 8), round(v, 8)
    (1.0, 1.0)
    """
    from scipy.optimize import minimize_scalar

    from .costs import cost_matrix

    x = as_float_array(x, "x", ndim=1)
    a = as_weights(a, "a", n=x.size)
    Q = _encoder(as_float_array(Q, "Q", ndim=2), x.size, np.shape(Q)[1])
    G = np.where(np.isnan(np.asarray(G, dtype=float)), 0.0, np.asarray(G, dtype=float)).reshape(-1)
    if G.size != Q.shape[1]:
        raise ValueError(f"G: has {G.size} codes, expected {Q.shape[1]} (one per column of Q)")
    j = int(j)
    if not 0 <= j < G.size:
        raise ValueError(f"j: must index a code in [0, {G.size}), got {j}")
    if cost not in ("sqeuclidean", "euclidean"):
        raise ValueError(f"cost: expected 'sqeuclidean' or 'euclidean', got {cost!r}")

    def criterion(g):
        G2 = G.copy()
        G2[j] = g
        return reconstruction(a, Q, cost_matrix(x[:, None], G2[:, None], cost))

    res = minimize_scalar(criterion, bounds=(float(x.min()) - 1.0, float(x.max()) + 1.0), method="bounded",
                          options={"xatol": 1e-11})
    return float(res.x), float(res.fun)


def decoder_blur(X, G, conditional, weights):
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
    return {"distance": float(w[ok] @ dist[ok]), "spread": float(w[ok] @ spread[ok]),
            "per_code_distance": dist.tolist()}


def primal_gradient(a, X, Q, G, cost="sqeuclidean"):
    r"""Gradient of the primal criterion with respect to the decoder values, by torch autograd.

    .. math::

        J_P(G) = \sum_i a_i \sum_j Q_{ij}\, c(x_i, G(z_j)), \qquad
        \frac{\partial J_P}{\partial G(z_j)} = \sum_i a_i Q_{ij}\, \nabla_y c(x_i, G(z_j))

    so a code with :math:`Q_Z(z_j) = 0` gets exactly zero gradient. For ``"euclidean"`` the
    (sub)gradient of :math:`\|x - y\|` at :math:`x = y` is taken as 0 (torch's convention for
    the norm at 0 is replaced by an explicit mask).

    Parameters
    ----------
    a, X, Q : as in :func:`optimal_decoder`
    G : array_like, shape (m, d)
        Decoder values :math:`G(z_j)`.
    cost : {"sqeuclidean", "euclidean"}

    Returns
    -------
    value : float
    grad : ndarray, shape (m, d)

    Examples
    --------
    >>> v, g = primal_gradient([1.0], [[1.0]], [[1.0, 0.0]], [[0.0], [5.0]])
    >>> v, g.tolist()
    (1.0, [[-2.0], [0.0]])
    """
    import torch

    X = as_points(X, "X")
    a = as_weights(a, "a", n=X.shape[0])
    Gn = as_points(G, "G")
    Q = _encoder(Q, X.shape[0], Gn.shape[0])
    if Gn.shape[1] != X.shape[1]:
        raise ValueError(f"G: has dimension {Gn.shape[1]}, but X has dimension {X.shape[1]}")
    if cost not in ("sqeuclidean", "euclidean"):
        raise ValueError(f"cost: expected 'sqeuclidean' or 'euclidean', got {cost!r}")
    Gt = torch.tensor(Gn, dtype=torch.float64, requires_grad=True)
    Xt = torch.tensor(X, dtype=torch.float64)
    diff = Xt[:, None, :] - Gt[None, :, :]
    sq = (diff ** 2).sum(-1)
    if cost == "sqeuclidean":
        Cm = sq
    else:
        pos = sq > 0
        Cm = torch.where(pos, torch.sqrt(torch.where(pos, sq, torch.ones_like(sq))), torch.zeros_like(sq))
    J = (torch.tensor(a)[:, None] * torch.tensor(Q) * Cm).sum()
    J.backward()
    return float(J.detach()), Gt.grad.detach().numpy().copy()


# ----------------------------------------------------------------------------------------------
# Proposition 2 in d dimensions: linear decoder G(z) = A z, Gaussian P_X, P_Z
# ----------------------------------------------------------------------------------------------

def bures_w2_torch(S1_sqrt, S2):
    r"""Squared Bures–Wasserstein distance between centred Gaussians, differentiable in ``S2``.

    .. math::

        W_2^2(\mathcal N(0, S_1), \mathcal N(0, S_2)) = \mathrm{tr}\,S_1 + \mathrm{tr}\,S_2
        - 2\,\mathrm{tr}\big(S_1^{1/2} S_2 S_1^{1/2}\big)^{1/2}

    The trace of the square root is :math:`\sum_k \sqrt{\lambda_k}` of the symmetric matrix
    :math:`S_1^{1/2} S_2 S_1^{1/2}`; ``eigvalsh``'s backward pass needs no eigenvalue gaps.

    Parameters
    ----------
    S1_sqrt : torch.Tensor, shape (d, d)
        Symmetric square root of :math:`S_1`.
    S2 : torch.Tensor, shape (d, d)
        Positive definite.

    Returns
    -------
    torch.Tensor (scalar)
    """
    import torch

    M = S1_sqrt @ S2 @ S1_sqrt
    M = 0.5 * (M + M.T)
    lam = torch.linalg.eigvalsh(M).clamp_min(0.0)
    return torch.trace(S1_sqrt @ S1_sqrt) + torch.trace(S2) - 2.0 * torch.sqrt(lam + 1e-300).sum()


@dataclass(frozen=True)
class LinearDecoderFit:
    r"""A linear decoder :math:`G(z) = A z` fitted to :math:`P_X = \mathcal N(0, \Sigma_X)`.

    Attributes
    ----------
    A : ndarray, shape (d, k)
    gram : ndarray, shape (d, d)
        :math:`A A^\top` (the identifiable part: :math:`P_G` depends on A only through it).
    value : float
        The objective at ``A``.
    objective : str
        ``"w2"`` (:math:`W_2^2(P_X, P_G^\sigma)`) or ``"w2dagger"`` (:math:`W_c^\dagger`, eq. 16).
    sigma2 : float
    grad_norm : float
        Norm of the gradient at the returned ``A`` (first-order optimality).
    iterations : int
    """

    A: np.ndarray = field(repr=False)
    gram: np.ndarray = field(repr=False)
    value: float
    objective: str
    sigma2: float
    grad_norm: float
    iterations: int

    @property
    def bound(self):
        """The objective value as a :class:`~otcheck.bounds.Bound` (a float64 evaluation of a closed
        form at the fitted ``A``: an ``"estimate"`` of the value at ``A``, not of the minimum)."""
        from .bounds import Bound

        return Bound.floating(self.value, method=f"{self.objective} at a fitted linear decoder (float64)")


def fit_linear_decoder(Sigma_X, sigma2, objective="w2", *, k=None, seed=0, max_iter=200, tol=1e-10):
    r"""Minimize over :math:`A` the Prop. 2 objectives for :math:`G(z) = A z` (torch gradients, L-BFGS).

    With :math:`P_X = \mathcal N(0, \Sigma_X)`, :math:`P_Z = \mathcal N(0, I_k)` and the Gaussian
    decoder :math:`P_G(Y|Z) = \mathcal N(AZ, \sigma^2 I_d)`, :math:`P_G^\sigma = \mathcal N(0,
    AA^\top + \sigma^2 I)` and

    .. math::

        W_c(P_X, P_G^\sigma) = W_2^2\big(\mathcal N(0,\Sigma_X), \mathcal N(0, AA^\top + \sigma^2 I)\big),
        \qquad
        W_c^\dagger(P_X, P_G^\sigma) = d\sigma^2 + W_2^2\big(\mathcal N(0,\Sigma_X), \mathcal N(0, AA^\top)\big)

    (the second by Corollary 7 and Theorem 1). Both :math:`W_2^2` are Bures formulas
    (:func:`bures_w2_torch`), differentiated by torch autograd and minimized by scipy's L-BFGS-B
    (``torch.optim`` is avoided: its first import costs seconds). The known minimizers are
    :math:`AA^\top = \Sigma_X - \sigma^2 I`
    (when PSD) and :math:`AA^\top = \Sigma_X`; the fit does not use them.

    Parameters
    ----------
    Sigma_X : array_like, shape (d, d)
        Symmetric positive definite data covariance.
    sigma2 : float
        Decoder variance, >= 0.
    objective : {"w2", "w2dagger"}
    k : int, optional
        Latent dimension (default ``d``).
    seed : int or numpy.random.Generator
        Initial ``A``.
    max_iter : int
        L-BFGS iterations.
    tol : float
        Gradient tolerance.

    Returns
    -------
    LinearDecoderFit

    Examples
    --------
    >>> fit = fit_linear_decoder([[2.0]], 0.5, "w2")
    >>> round(float(fit.gram[0, 0]), 6)
    1.5
    """
    import torch

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
    rng = as_generator(seed)
    S_half = torch.tensor((V * np.sqrt(ev)) @ V.T, dtype=torch.float64)
    A0 = rng.standard_normal((d, k)) * 0.5 + np.eye(d, k)
    eye = torch.eye(d, dtype=torch.float64)

    def f(A):
        gram = A @ A.T
        if objective == "w2":
            return bures_w2_torch(S_half, gram + s2 * eye)
        return d * s2 + bures_w2_torch(S_half, gram + 1e-12 * eye)

    from scipy.optimize import minimize

    def fun_grad(flat):
        At = torch.tensor(flat.reshape(d, k), dtype=torch.float64, requires_grad=True)
        v = f(At)
        v.backward()
        return float(v.detach()), At.grad.numpy().ravel().copy()

    res = minimize(fun_grad, A0.ravel(), jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "gtol": tol, "ftol": 1e-15, "maxcor": 20})
    An = res.x.reshape(d, k)
    value, grad = fun_grad(res.x)
    return LinearDecoderFit(A=An, gram=An @ An.T, value=value, objective=objective, sigma2=s2,
                            grad_norm=float(np.linalg.norm(grad)), iterations=int(res.nit))


# ----------------------------------------------------------------------------------------------
# Lemma 8: moments of a Gaussian-decoder mixture by quadrature
# ----------------------------------------------------------------------------------------------

def mixture_moments_quad(b, G, sigma2):
    r"""Mean, variance and the cross term of :math:`Y \sim P_G^\sigma` (1-D) by adaptive quadrature.

    For :math:`Z \sim \sum_j b_j \delta_{z_j}` and :math:`Y|Z \sim \mathcal N(G(Z), \sigma^2)`,

    .. math::

        m = \int y\, p(y)\,dy, \quad v = \int (y - m)^2 p(y)\,dy, \quad
        \text{cross} = \sum_j b_j \int (y - G_j)(G_j - m)\, \mathcal N(y; G_j, \sigma^2)\,dy,

    each integral by ``scipy.integrate.quad`` over :math:`\mathbb R` (the density is never
    integrated in closed form here: this is an independent check of Lemma 8's algebra).

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

    def q(fun):
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


# ----------------------------------------------------------------------------------------------
# Proposition 3 (appendix B.4): smooth witnesses and epsilon-optimal witnesses
# ----------------------------------------------------------------------------------------------

def _psi_np(R, s):
    return np.sqrt((R ** 2).sum(-1) + s * s) - s


@dataclass(frozen=True)
class SmoothWitnessClass:
    r"""A class H of smooth 1-Lipschitz witnesses with a stated Hessian bound.

    .. math::

        H = \Big\{ h(y) = \sum_k \theta_k\, \psi_s(y - c_k) + w^\top y \;:\;
            \sum_k |\theta_k| + \|w\|_1 \le 1,\ \ \sum_k |\theta_k| \le \beta s \Big\},
        \qquad \psi_s(r) = \sqrt{\|r\|^2 + s^2} - s .

    :math:`\|\nabla\psi_s\| < 1` and the eigenvalues of :math:`\nabla^2\psi_s(r)` are
    :math:`1/\sqrt{\|r\|^2+s^2}` and :math:`s^2/(\|r\|^2+s^2)^{3/2}`, both at most :math:`1/s`;
    by the triangle inequality every member is 1-Lipschitz with :math:`\|\nabla^2 h\|_{op} \le
    \beta` everywhere (exact bounds, no sampling). H is convex and contains the linear functions
    :math:`w^\top y`, :math:`\|w\|_1 \le 1`.

    Attributes
    ----------
    centers : ndarray, shape (K, d)
    s : float
        Smoothing radius, > 0.
    beta : float
        Hessian bound, > 0.
    """

    centers: np.ndarray = field(repr=False)
    s: float = 0.25
    beta: float = 2.0

    @classmethod
    def grid(cls, *, s=0.25, beta=2.0):
        """The default 2-D class: centers on the grid {-1.5, ..., 1.5} x {-1, ..., 1}, step 0.5."""
        s = check_nonnegative(s, "s", strict=True)
        beta = check_nonnegative(beta, "beta", strict=True)
        g1, g2 = np.meshgrid(np.arange(-1.5, 1.51, 0.5), np.arange(-1.0, 1.01, 0.5), indexing="ij")
        return cls(centers=np.column_stack([g1.ravel(), g2.ravel()]), s=s, beta=beta)

    def features(self, Y):
        """Feature matrix ``[psi_s(y - c_k) ..., y]``, shape (n, K + d)."""
        Y = as_points(Y, "Y")
        return np.hstack([_psi_np(Y[:, None, :] - self.centers[None], self.s), Y])

    def torch_function(self, theta, w):
        """The member as a torch callable ``y (n, d) -> (n,)``."""
        import torch

        C = torch.tensor(self.centers, dtype=torch.float64)
        th = torch.tensor(theta, dtype=torch.float64)
        wt = torch.tensor(w, dtype=torch.float64)
        s = self.s

        def h(y):
            r = y[:, None, :] - C[None]
            return (torch.sqrt((r ** 2).sum(-1) + s * s) - s) @ th + y @ wt

        return h


@dataclass(frozen=True)
class SmoothWitness:
    r"""A member of a :class:`SmoothWitnessClass` with its criterion value and certified bounds.

    Attributes
    ----------
    theta : ndarray, shape (K,)
    w : ndarray, shape (d,)
    value : float
        :math:`J_D(h)`.
    lipschitz_bound : float
        :math:`\sum|\theta_k| + \|w\|_1` (an exact upper bound on the Lipschitz constant).
    hessian_bound : float
        :math:`\sum|\theta_k| / s` (an exact upper bound on :math:`\sup\|\nabla^2 h\|_{op}`).
    gap : float
        Duality gap of the LP that produced it (0 for members built otherwise).
    """

    theta: np.ndarray = field(repr=False)
    w: np.ndarray = field(repr=False)
    value: float
    lipschitz_bound: float
    hessian_bound: float
    gap: float = 0.0

    @property
    def bound(self):
        """:math:`J_D(h)` of this member as a :class:`~otcheck.bounds.Bound` (float64, an ``"estimate"``)."""
        from .bounds import Bound

        return Bound.floating(self.value, method="criterion J_D of a smooth witness (float64)")


def _member(H, theta, w, coef):
    theta = np.asarray(theta, float)
    w = np.asarray(w, float)
    return SmoothWitness(theta=theta, w=w, value=float(coef[:-w.size] @ theta + coef[-w.size:] @ w),
                         lipschitz_bound=float(np.abs(theta).sum() + np.abs(w).sum()),
                         hessian_bound=float(np.abs(theta).sum() / H.s))


def _criterion_coefficients(H, a, X, b, Y):
    return a @ H.features(X) - b @ H.features(Y)


def best_smooth_witness(H, a, X, b, Y, *, reflections=()):
    r"""Best member :math:`h^* = \arg\max_{h \in H} J_D(h)` of a smooth class, by a certified LP.

    .. math::

        J_D(h) = \sum_i a_i h(x_i) - \sum_j b_j h(y_j)

    is linear in :math:`(\theta, w)` and H is a polytope in these coefficients, so the best
    member solves an LP (HiGHS); its dual multipliers give the duality gap. The optimum need not
    be unique: with ``reflections`` (orthogonal matrices :math:`R` mapping the centers onto
    themselves, under which the instance is invariant) the LP optimum is averaged over the group
    they generate, :math:`h \mapsto \frac12(h + h\circ R)`, which keeps it in H and optimal and
    makes it :math:`R`-invariant (this is the member the Prop. 3 claims use).

    Parameters
    ----------
    H : SmoothWitnessClass
    a, X : weights (n,) and atoms (n, d) of :math:`P_X`
    b, Y : weights (m,) and atoms (m, d) of :math:`P_G`
    reflections : sequence of (d, d) arrays

    Returns
    -------
    SmoothWitness

    Examples
    --------
    >>> H = SmoothWitnessClass.grid()
    >>> h = best_smooth_witness(H, [0.5, 0.5], [[-1.0, 0.0], [1.0, 0.0]], [1.0], [[0.0, 0.0]])
    >>> h.value <= 1.0 + 1e-12, h.lipschitz_bound <= 1 + 1e-12, h.hessian_bound <= H.beta + 1e-9
    (True, True, True)
    """
    from scipy.optimize import linprog

    if not isinstance(H, SmoothWitnessClass):
        raise TypeError(f"H: expected a SmoothWitnessClass, got {type(H).__name__}")
    X = as_points(X, "X")
    Y = as_points(Y, "Y")
    a = as_weights(a, "a", n=X.shape[0])
    b = as_weights(b, "b", n=Y.shape[0])
    d = H.centers.shape[1]
    for name, P in (("X", X), ("Y", Y)):
        if P.shape[1] != d:
            raise ValueError(f"{name}: has dimension {P.shape[1]}, but the class lives in dimension {d}")
    coef = _criterion_coefficients(H, a, X, b, Y)
    K = H.centers.shape[0]
    nv = 2 * (K + d)
    c = -np.concatenate([coef, -coef])  # x = [theta+, w+, theta-, w-]
    A = np.zeros((2, nv))
    A[0, :] = 1.0
    A[1, :K] = 1.0
    A[1, K + d:2 * K + d] = 1.0
    bub = np.array([1.0, H.beta * H.s])
    res = linprog(c, A_ub=A, b_ub=bub, bounds=[(0, None)] * nv, method="highs")
    if res.status != 0:
        raise ValueError(f"H: the best-witness LP failed ({res.message})")
    x = res.x
    theta = x[:K] - x[K + d:2 * K + d]
    w = x[K:K + d] - x[2 * K + d:]
    y = np.asarray(res.ineqlin.marginals, float)
    gap = abs(float(-res.fun) - float(-(bub @ y)))
    reduced = c - A.T @ y
    gap = max(gap, max(0.0, -float(reduced.min())))
    for R in reflections:
        R = as_float_array(R, "reflections", ndim=2)
        img = H.centers @ R.T
        perm = np.array([int(np.argmin(((H.centers - p) ** 2).sum(1))) for p in img])
        if not np.allclose(H.centers[perm], img):
            raise ValueError("reflections: a reflection does not map the centers onto themselves")
        th2 = np.zeros(K)
        th2[perm] = theta
        theta = 0.5 * (theta + th2)
        w = 0.5 * (w + R @ w)
    h = _member(H, theta, w, coef)
    return SmoothWitness(theta=h.theta, w=h.w, value=h.value, lipschitz_bound=h.lipschitz_bound,
                         hessian_bound=h.hessian_bound, gap=gap)


def _grad_J(fun, a, X, b, Y):
    """Gradient of J_D(f) = sum a f(X) - sum b f(Y) with respect to the decoder outputs Y (torch)."""
    import torch

    Yt = torch.tensor(Y, dtype=torch.float64, requires_grad=True)
    Xt = torch.tensor(X, dtype=torch.float64)
    J = torch.tensor(a) @ fun(Xt) - torch.tensor(b) @ fun(Yt)
    J.backward()
    return float(J.detach()), Yt.grad.detach().numpy().copy()


def _cos(u, v):
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu == 0 or nv == 0:
        return float("nan")
    return float(u @ v / (nu * nv))


def _sampled_lipschitz(fun, rng, d, n=400, scale=2.0):
    """Largest |f(p) - f(q)| / |p - q| over random pairs, and over pairs at distance 1e-3."""
    import torch

    P = rng.uniform(-scale, scale, (n, d))
    Qp = np.vstack([rng.uniform(-scale, scale, (n, d)), P + 1e-3 * rng.standard_normal((n, d))])
    P = np.vstack([P, P])
    with torch.no_grad():
        fp = fun(torch.tensor(P)).numpy()
        fq = fun(torch.tensor(Qp)).numpy()
    return float(np.max(np.abs(fp - fq) / np.linalg.norm(P - Qp, axis=1)))


def _sampled_hessian(fun, rng, d, n=60, scale=2.0):
    import torch
    from torch.autograd.functional import hessian

    worst = 0.0
    for p in rng.uniform(-scale, scale, (n, d)):
        Hm = hessian(lambda y: fun(y[None, :])[0], torch.tensor(p)).numpy()
        worst = max(worst, float(np.abs(np.linalg.eigvalsh(0.5 * (Hm + Hm.T))).max()))
    return worst


@dataclass(frozen=True)
class Prop3Row:
    r"""The appendix-B.4 constructions at one :math:`\varepsilon` (Proposition 3).

    Part (i) and (ii) use :math:`P_X = \frac12(\delta_{x_0} + \delta_{x_1})`, :math:`x_{0,1} =
    (\mp 1, 0)`, :math:`P_Z = \frac12(\delta_0 + \delta_1)`, :math:`y_0 = G(0) = (-\kappa, \eta)`,
    :math:`y_1 = G(1) = (\kappa, \eta)` with :math:`\kappa = \varepsilon/4` (so :math:`\|y_0 - y_1\|
    = \varepsilon/2`, "close to each other") and :math:`\eta` fixed. Part (iii) puts
    :math:`y_{0,1} = (\mp a, 0)` on the segment, :math:`a = \varepsilon/(4\beta)`.

    Attributes
    ----------
    eps : float
    w1 : float
        :math:`J_D(f^*) = W_1` of the (i)/(ii) instance.
    gap_f : float
        :math:`|J_D(f_\varepsilon) - J_D(f^*)|` (must be :math:`\le \varepsilon`).
    cos_f : float
        :math:`A(f_\varepsilon, f^*)` at :math:`z = 0`.
    gap_hstar : float
        :math:`W_1 - J_D(h^*)` of the (i)/(ii) instance: the smooth class's own gap to the optimum.
    cos_hstar_fstar : tuple of float
        :math:`A(h^*, f^*)` at :math:`z = 0` and :math:`z = 1`.
    gap_h : float
        :math:`|J_D(h_\varepsilon) - J_D(h^*)|` on the (iii) instance (must be :math:`\le\varepsilon`).
    cos_h : float
        :math:`A(h_\varepsilon, h^*)` at :math:`z = 0` on the (iii) instance.
    cos_full : dict
        The same cosines for the full gradient (both points concatenated), for reference.
    mechanism : dict
        Why (ii) happens: :math:`\|\nabla h^*(y_0) - \nabla h^*(y_1)\|` against the bound
        :math:`\beta\|y_0 - y_1\|` that the Hessian bound forces, and the cosine between
        :math:`\nabla f^*(y_0)` and :math:`\nabla f^*(y_1)` (nearly opposite).
    lipschitz : dict
        Certified (by construction) and sampled Lipschitz constants of every witness.
    hessian : dict
        Certified and sampled Hessian bounds of :math:`h^*`, :math:`h_\varepsilon`.
    lp_gap : float
        Largest duality gap of the LPs (W_1 dual and the two best-member LPs).
    """

    eps: float
    w1: float
    gap_f: float
    cos_f: float
    gap_hstar: float
    cos_hstar_fstar: tuple
    gap_h: float
    cos_h: float
    mechanism: dict = field(default_factory=dict)
    cos_full: dict = field(default_factory=dict)
    lipschitz: dict = field(default_factory=dict)
    hessian: dict = field(default_factory=dict)
    lp_gap: float = 0.0

    @property
    def worst_cos_hstar_fstar(self):
        """:math:`\\min_z A(h^*, f^*)` ("at some point z")."""
        return min(self.cos_hstar_fstar)

    def as_dict(self):
        return {"eps": self.eps, "w1": self.w1, "gap_f": self.gap_f, "cos_f": self.cos_f,
                "gap_hstar": self.gap_hstar, "cos_hstar_fstar": list(self.cos_hstar_fstar),
                "gap_h": self.gap_h, "cos_h": self.cos_h, "mechanism": dict(self.mechanism),
                "cos_full": dict(self.cos_full),
                "lipschitz": dict(self.lipschitz), "hessian": dict(self.hessian), "lp_gap": self.lp_gap}


def prop3_instance(eps, *, H=None, eta=0.25, seed=0, sampled_checks=True):
    r"""Build the constructions of appendix B.4 at one :math:`\varepsilon` and measure them.

    * :math:`f^*(y) = -\min(\|y - x_0\|, \|y - x_1\|)` is 1-Lipschitz and attains
      :math:`J_D(f^*) = \frac12(\|y_0 - x_0\| + \|y_1 - x_1\|) = W_1(P_X, P_G)` (checked against
      :func:`w1_dual`); it is differentiable at :math:`y_0, y_1` with
      :math:`\nabla f^*(y_z) = -(y_z - x_z)/\|y_z - x_z\|`.
    * :math:`f_\varepsilon = \min(\max(f^*, \ell), f^* + \varepsilon)` with the affine
      :math:`\ell(y) = f^*(y_0) + \varepsilon/2 - \nabla f^*(y_0)^\top(y - y_0)`: min and max of
      1-Lipschitz functions, :math:`|f_\varepsilon - f^*| \le \varepsilon`, and
      :math:`f_\varepsilon = \ell` near :math:`y_0`, so :math:`\nabla f_\varepsilon(y_0) =
      -\nabla f^*(y_0)` (the local modification of the sketch).
    * :math:`h^*` is the best member of the smooth class ``H`` (:func:`best_smooth_witness`,
      symmetrized); with :math:`\|y_0 - y_1\| = \varepsilon/2` its gradients at the two points
      differ by at most :math:`\beta\varepsilon/2` while those of :math:`f^*` are nearly opposite.
    * (iii) on the segment, :math:`h^*` is invariant under both axis reflections, so
      :math:`\nabla h^*(0) = 0` and :math:`\|\nabla h^*(y_0)\| \le \beta a`;
      :math:`h_\varepsilon = (1 - t) h^* + t\, u^\top y` with
      :math:`u = -\nabla h^*(y_0)/\|\nabla h^*(y_0)\|_1` and :math:`t = \min(1, \varepsilon /
      |J_D(u^\top y) - J_D(h^*)|)` is in H (convexity), :math:`\varepsilon`-optimal, and its
      gradient at :math:`y_0` points against that of :math:`h^*` once :math:`t/(1-t) >
      \|\nabla h^*(y_0)\|_1`.

    Gradients of :math:`J_D` with respect to :math:`G(z)` come from torch autograd.

    Parameters
    ----------
    eps : float
        :math:`0 < \varepsilon \le 1`.
    H : SmoothWitnessClass, optional
        Default :meth:`SmoothWitnessClass.grid`.
    eta : float
        Height of :math:`y_0, y_1` above the segment in part (ii).
    seed : int
        For the sampled Lipschitz/Hessian cross-checks.
    sampled_checks : bool
        Also estimate the Lipschitz constants and Hessian norms from random points (a
        cross-check of the exact bounds).

    Returns
    -------
    Prop3Row

    Examples
    --------
    >>> row = prop3_instance(0.1, sampled_checks=False)
    >>> row.gap_f <= 0.1, row.cos_f, row.gap_h <= 0.1, row.cos_h <= 0
    (True, -1.0, True, True)
    """
    import torch

    eps = check_nonnegative(eps, "eps", strict=True)
    if eps > 1:
        raise ValueError(f"eps: the constructions are built for 0 < eps <= 1, got {eps}")
    eta = check_nonnegative(eta, "eta", strict=True)
    H = SmoothWitnessClass.grid() if H is None else H
    if not isinstance(H, SmoothWitnessClass) or H.centers.shape[1] != 2:
        raise TypeError("H: expected a 2-D SmoothWitnessClass")
    rng = as_generator(seed)
    half = np.array([0.5, 0.5])
    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    kappa = eps / 4
    Y = np.array([[-kappa, eta], [kappa, eta]])
    Xt = torch.tensor(X)

    def fstar(y):
        return -torch.minimum(torch.linalg.norm(y - Xt[0], dim=-1), torch.linalg.norm(y - Xt[1], dim=-1))

    J_star, g_star = _grad_J(fstar, half, X, half, Y)
    dual = w1_dual(half, X, half, Y)
    grad_f0 = -(Y[0] - X[0]) / np.linalg.norm(Y[0] - X[0])  # analytic gradient of f* at y0
    f0 = float(-np.linalg.norm(Y[0] - X[0]))
    y0t, ut = torch.tensor(Y[0]), torch.tensor(-grad_f0)

    def feps(y):
        fs = fstar(y)
        ell = f0 + eps / 2 + (y - y0t) @ ut
        return torch.minimum(torch.maximum(fs, ell), fs + eps)

    J_f, g_f = _grad_J(feps, half, X, half, Y)

    # (ii) best smooth witness on the same instance
    refl1 = np.diag([-1.0, 1.0])
    hs = best_smooth_witness(H, half, X, half, Y, reflections=[refl1])
    hfun = H.torch_function(hs.theta, hs.w)
    J_h, g_h = _grad_J(hfun, half, X, half, Y)

    # (iii) the segment instance
    a_seg = eps / (4 * H.beta)
    Y3 = np.array([[-a_seg, 0.0], [a_seg, 0.0]])
    hs3 = best_smooth_witness(H, half, X, half, Y3, reflections=[refl1, np.diag([1.0, -1.0])])
    h3 = H.torch_function(hs3.theta, hs3.w)
    J3, g3 = _grad_J(h3, half, X, half, Y3)
    gy0 = -g3[0] / 0.5  # grad h*(y0) (dJ/dy0 = -b_0 grad h(y0))
    n1 = float(np.abs(gy0).sum())
    u = -gy0 / n1 if n1 > 0 else np.array([1.0, 0.0])
    coef3 = _criterion_coefficients(H, half, X, half, Y3)
    J_lin = float(coef3[-2:] @ u)
    t = 1.0 if J_lin == hs3.value else min(1.0, 0.9 * eps / abs(J_lin - hs3.value))
    he = _member(H, (1 - t) * hs3.theta, (1 - t) * hs3.w + t * u, coef3)
    hefun = H.torch_function(he.theta, he.w)
    J3e, g3e = _grad_J(hefun, half, X, half, Y3)

    lip = {"f_star": 1.0, "f_eps": 1.0, "h_star": hs.lipschitz_bound, "h_star_iii": hs3.lipschitz_bound,
           "h_eps": he.lipschitz_bound}
    hess = {"beta": H.beta, "h_star": hs.hessian_bound, "h_star_iii": hs3.hessian_bound, "h_eps": he.hessian_bound}
    if sampled_checks:
        lip.update({"f_star_sampled": _sampled_lipschitz(fstar, rng, 2),
                    "f_eps_sampled": _sampled_lipschitz(feps, rng, 2),
                    "h_star_sampled": _sampled_lipschitz(hfun, rng, 2),
                    "h_eps_sampled": _sampled_lipschitz(hefun, rng, 2)})
        hess.update({"h_star_sampled": _sampled_hessian(hfun, rng, 2, n=25),
                     "h_eps_sampled": _sampled_hessian(hefun, rng, 2, n=25)})
    return Prop3Row(
        eps=eps, w1=float(dual.value), gap_f=abs(J_f - J_star), cos_f=_cos(g_f[0], g_star[0]),
        gap_hstar=float(dual.value - J_h), cos_hstar_fstar=(_cos(g_h[0], g_star[0]), _cos(g_h[1], g_star[1])),
        gap_h=abs(J3e - J3), cos_h=_cos(g3e[0], g3[0]),
        mechanism={"h_star_grad_difference": float(np.linalg.norm(g_h[0] - g_h[1]) / 0.5),
                   "hessian_bound_times_distance": float(H.beta * np.linalg.norm(Y[0] - Y[1])),
                   "cos_f_star_y0_y1": _cos(g_star[0], g_star[1])},
        cos_full={"f_eps_f_star": _cos(g_f.ravel(), g_star.ravel()), "h_star_f_star": _cos(g_h.ravel(), g_star.ravel()),
                  "h_eps_h_star": _cos(g3e.ravel(), g3.ravel()), "J_f_star": J_star,
                  "J_f_star_minus_w1": J_star - dual.value},
        lipschitz=lip, hessian=hess, lp_gap=max(dual.gap, hs.gap, hs3.gap),
    )


# ----------------------------------------------------------------------------------------------
# Counterexample search for inequalities between divergences (appendix proof steps)
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PairSearch:
    r"""Result of :func:`search_pairs`: the worst violation of an inequality over pairs of laws.

    Attributes
    ----------
    worst : float
        Largest ``violation(p, q)`` seen (positive means the inequality fails there).
    p, q : ndarray
        The pair attaining ``worst``.
    counterexample : tuple or None
        ``(p, q, violation)``, the *smallest* violating pair found (fewest atoms, then simplest
        decimals), or None when nothing violated.
    checked : int
        Number of pairs evaluated.
    """

    worst: float
    p: np.ndarray = field(repr=False)
    q: np.ndarray = field(repr=False)
    counterexample: tuple | None = field(repr=False, default=None)
    checked: int = 0

    @property
    def bound(self):
        """The worst violation found as a :class:`~otcheck.bounds.Bound` (float64, an ``"estimate"``;
        a search proves nothing about pairs it did not try)."""
        from .bounds import Bound

        return Bound.floating(self.worst, method=f"worst violation over {self.checked} searched pairs (float64)")


def _simplest(violation, p, q):
    """Round a violating pair to the fewest decimals at which it still violates."""
    for dec in (1, 2, 3):
        pr, qr = np.round(p, dec), np.round(q, dec)
        if np.all(pr >= 0) and np.all(qr >= 0) and pr.sum() > 0 and qr.sum() > 0:
            pr, qr = pr / pr.sum(), qr / qr.sum()
            if np.allclose(pr.sum(), 1) and violation(pr, qr) > 0:
                return pr, qr
    return p, q


def search_pairs(violation, *, seed=0, draws=2000, sizes=(2, 3, 4)):
    r"""Seeded search for pairs of probability vectors violating an inequality ``lhs(p, q) <= rhs(p, q)``.

    ``violation(p, q)`` returns ``lhs - rhs``. Candidates: Diracs and disjoint laws, small
    perturbations of the uniform law (the regime of Pinsker-type bounds), and Dirichlet draws of
    several concentrations, for each support size in ``sizes`` (smallest first). The smallest
    counterexample is the first violating pair of the smallest support, rounded to the fewest
    decimals at which it still violates.

    Parameters
    ----------
    violation : callable ``(p, q) -> float``
    seed : int or numpy.random.Generator
    draws : int
        Random pairs per support size.
    sizes : sequence of int
        Support sizes, each >= 2.

    Returns
    -------
    PairSearch

    Examples
    --------
    >>> res = search_pairs(lambda p, q: abs(p - q).sum() - 2.0, draws=50)
    >>> res.counterexample is None, round(res.worst, 12)
    (True, 0.0)
    """
    rng = as_generator(seed)
    draws = check_positive_int(draws, "draws")
    if not callable(violation):
        raise TypeError(f"violation: expected a callable, got {type(violation).__name__}")
    worst, wp, wq, cex, checked = -math.inf, None, None, None, 0
    for n in sizes:
        n = check_positive_int(n, "sizes", minimum=2)
        cands = [(np.eye(n)[0], np.eye(n)[1])]
        u = np.full(n, 1.0 / n)
        for dlt in (0.3, 0.1, 0.01):
            e = np.zeros(n)
            e[0], e[1] = dlt / n, -dlt / n
            cands += [(u + e, u), (u, u + e)]
        for t in (0.9, 0.5, 0.2, 0.05):
            q = np.full(n, t / (n - 1))
            q[0] = 1 - t
            cands += [(np.eye(n)[0], q), (q, np.eye(n)[0])]
        for k in range(draws):
            alpha = (0.2, 1.0, 5.0)[k % 3]
            cands.append((rng.dirichlet(np.full(n, alpha)), rng.dirichlet(np.full(n, alpha))))
        for p, q in cands:
            v = float(violation(p, q))
            checked += 1
            if v > worst:
                worst, wp, wq = v, p, q
            if v > 0 and cex is None:
                sp, sq = _simplest(violation, p, q)
                cex = (sp, sq, float(violation(sp, sq)))
    return PairSearch(worst=worst, p=wp, q=wq, counterexample=cex, checked=checked)
