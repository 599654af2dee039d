"""Result types of the relaxed objective: one penalized solve, one constrained solve, a path (layer 3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ._constants import DEFAULT_TOL

if TYPE_CHECKING:
    from ..bounds import Bound

#: float64 numpy array (the type of every array this module returns)
FloatArray = NDArray[np.float64]

# --------------------------------------------------------------------------------------- results


class _GapCertified:
    """``gap`` and ``certified`` shared by the two result types (fields ``value``, ``dual_bound``,
    ``primal_residual``, ``scale``, ``tol``)."""

    __slots__ = ()

    # fields of both result types (the dataclasses below define them; declared here for the type checker)
    value: float
    dual_bound: float
    penalty_value: float
    primal_residual: float
    scale: float
    tol: float

    def _bound_method(self) -> str:
        raise NotImplementedError

    @property
    def gap(self) -> float:
        """``value - dual_bound`` (non-negative up to rounding): how far ``value`` may be above the optimum."""
        return self.value - self.dual_bound

    @property
    def certified(self) -> bool:
        """True when ``gap / scale`` and ``primal_residual`` are at most ``tol``."""
        return self.gap <= self.tol * self.scale and self.primal_residual <= self.tol

    @property
    def bound(self) -> Bound:
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
        from ..bounds import FLOAT_REL_ERROR, Bound

        if isinstance(self, ConstrainedResult):
            multiplier = self.multiplier
            lam = multiplier if multiplier == multiplier else 0.0
            excess = max(self.penalty_value - self.mu, 0.0)
        else:
            assert isinstance(self, RelaxedResult), type(self).__name__
            multiplier, lam, excess = float("nan"), self.lam, 0.0
        err = FLOAT_REL_ERROR * (self.scale + abs(lam))
        lo = min(self.dual_bound, self.value) - err
        hi = self.value + err
        if excess > 0:
            hi = hi + multiplier * excess if multiplier == multiplier else np.inf
        return Bound(
            self.value,
            lo,
            hi,
            method=self._bound_method(),
            guarantee="estimate",
            tight=bool(self.certified) and bool(np.isfinite(hi)),
        )


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
    encoder: FloatArray = field(repr=False)
    aggregated: FloatArray = field(repr=False)
    lam: float
    penalty: str
    status: str
    plan: FloatArray = field(repr=False)
    dual_bound: float
    primal_residual: float
    scale: float = field(repr=False, default=1.0)
    tol: float = field(repr=False, default=DEFAULT_TOL)

    def _bound_method(self) -> str:
        return f"relaxed OT eq. 12 ({self.penalty}, lambda={self.lam:g}): convex program + Lagrangian bound"

    @property
    def interval(self) -> tuple[float, float]:
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

    def _bound_method(self) -> str:
        return f"constrained OT ({self.penalty} <= {self.mu:g}): convex program + Lagrangian bound"

    value: float
    penalty_value: float
    multiplier: float
    mu: float
    encoder: FloatArray = field(repr=False)
    aggregated: FloatArray = field(repr=False)
    penalty: str
    status: str
    plan: FloatArray = field(repr=False)
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

    lams: FloatArray = field(repr=False)
    results: tuple[RelaxedResult, ...] = field(repr=False)

    @property
    def values(self) -> FloatArray:
        r""":math:`W_c^\lambda` at each grid point, shape ``(k,)``."""
        return np.array([r.value for r in self.results])

    @property
    def bounds(self) -> tuple[Bound, ...]:
        """The :class:`~otcheck.bounds.Bound` of each grid point (see :attr:`RelaxedResult.bound`)."""
        return tuple(r.bound for r in self.results)

    @property
    def transports(self) -> FloatArray:
        r""":math:`\langle C, P_\lambda\rangle` at each grid point."""
        return np.array([r.transport for r in self.results])

    @property
    def penalty_values(self) -> FloatArray:
        r""":math:`F(Q_Z^\lambda)` at each grid point (the :math:`\mu_\lambda` of the constrained form)."""
        return np.array([r.penalty_value for r in self.results])

    @property
    def gaps(self) -> FloatArray:
        """Certified gap of each solve."""
        return np.array([r.gap for r in self.results])

    def __repr__(self) -> str:
        return f"RelaxedPath(k={len(self.results)}, penalty={self.results[0].penalty!r})"
