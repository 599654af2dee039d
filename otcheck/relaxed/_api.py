"""The public solves: :func:`relaxed_cost`, :func:`relaxed_path`, :func:`constrained_cost` (layer 3)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .._validation import as_float_array, check_nonnegative
from ..exact import UncertifiedError
from ._constants import DEFAULT_TOL
from ._penalties import _dual_bound, _validate
from ._results import ConstrainedResult, RelaxedPath, RelaxedResult
from ._solver import _encoder, _Evaluated, _gap_scale, _residual, _solve_at, _Solver


def relaxed_cost(
    a: ArrayLike,
    b: ArrayLike,
    C: ArrayLike,
    lam: float,
    penalty: str = "kl",
    *,
    kernel_matrix: ArrayLike | None = None,
    tol: float = DEFAULT_TOL,
) -> RelaxedResult:
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
    return _solve_at(_Solver(a, b, C, penalty, kern, "penalized"), lam, tol)


def relaxed_path(
    a: ArrayLike,
    b: ArrayLike,
    C: ArrayLike,
    lams: ArrayLike,
    penalty: str = "kl",
    *,
    kernel_matrix: ArrayLike | None = None,
    tol: float = DEFAULT_TOL,
) -> RelaxedPath:
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
    solver = _Solver(a, b, C, penalty, kern, "penalized")  # one program for the path: its support grows along it
    return RelaxedPath(lams=grid, results=tuple(_solve_at(solver, lam, tol) for lam in grid.tolist()))


def _tighten_multiplier(solver: _Solver, ev: _Evaluated, mult: float, mu: float) -> tuple[float, float]:
    r"""Lagrangian bound of the constrained form, maximized over the multiplier near the solver's.

    For fixed ``v`` (or a fixed tangent point for ``mmd2``) the bound
    :math:`\eta \mapsto D(v, \eta) - \eta\mu` is concave in :math:`\eta`; a 1-D search around the
    solver's multiplier removes the first-order loss from its rounding. Returns ``(bound, eta)``.
    """
    from scipy.optimize import minimize_scalar

    a, b, C, penalty, kern, allowed = solver.a, solver.b, solver.C, solver.penalty, solver.kern, solver.allowed

    def lagrangian(eta: float) -> float:
        return _dual_bound(penalty, a, b, C, eta, [ev.v], allowed, kern, ev.q)[0] - eta * mu

    best, eta_best = ev.bound - mult * mu, mult
    delta = 1e-3 * mult + 1e-9 * max(1.0, float(np.abs(C).max()))
    res = minimize_scalar(
        lambda e: -lagrangian(e),
        bounds=(max(0.0, mult - delta), mult + delta),
        method="bounded",
        options={"xatol": 1e-14 * (mult + delta)},
    )
    if -float(res.fun) > best:
        best, eta_best = -float(res.fun), float(res.x)
    return best, eta_best


def constrained_cost(
    a: ArrayLike,
    b: ArrayLike,
    C: ArrayLike,
    mu: float,
    penalty: str = "kl",
    *,
    kernel_matrix: ArrayLike | None = None,
    tol: float = DEFAULT_TOL,
) -> ConstrainedResult:
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

    def build(ev: _Evaluated, mult: float | None, mode: str, status: str = "", frac: float = 1.0) -> ConstrainedResult:
        value = ev.transport
        if mode == "marginal":  # exact OT: ev.bound is the LP dual bound
            bound = ev.bound
            mult = float("nan")
        else:
            assert mult is not None, "the constrained program reports its multiplier"
            bound, mult = _tighten_multiplier(solver, ev, mult, mu)
        scale = _gap_scale(a, C, ev.P, value)
        resid = max(_residual(ev.P, a), max(ev.Fq - mu, 0.0))
        return ConstrainedResult(
            value=value,
            penalty_value=ev.Fq,
            multiplier=mult,
            mu=mu,
            encoder=_encoder(ev.P, a),
            aggregated=ev.q,
            penalty=penalty,
            status=status,
            plan=ev.P,
            dual_bound=bound,
            primal_residual=resid,
            scale=scale,
            tol=tol * frac,
        )

    ev, mult, status = solver.run(mu, lambda ev, mult, mode, frac: build(ev, mult, mode, frac=frac).certified)
    res = build(ev, mult, "marginal" if mu == 0.0 else "constrained", status)
    if not res.certified:
        raise UncertifiedError(
            f"constrained solve ({penalty}, mu={mu:g}) not certified: gap {res.gap:.3e} (scale {res.scale:.3e}, "
            f"tol {tol:g}), primal residual {res.primal_residual:.3e}"
        )
    return res
