r"""The constructions of appendix B.4 behind Proposition 3 (layer 5, used by :mod:`otcheck.claims.section4_2`).

Proposition 3 says that :math:`\varepsilon`-optimal critics of :math:`W_1` can have gradients with
respect to the generator's outputs that are wrong by a fixed angle. This module builds the
witnesses the proof sketch uses and measures them; the claim in :mod:`otcheck.claims.section4_2`
compares the numbers.

* A smooth witness class with exact Lipschitz and Hessian bounds,

  .. math::

      H = \Big\{ h(y) = \sum_k \theta_k\, \psi_s(y - c_k) + w^\top y :
          \sum_k |\theta_k| + \|w\|_1 \le 1,\ \sum_k |\theta_k| \le \beta s \Big\},
      \qquad \psi_s(r) = \sqrt{\|r\|^2 + s^2} - s,

  with :math:`\nabla\psi_s(r) = r/\sqrt{\|r\|^2 + s^2}` and :math:`\nabla^2\psi_s(r) =
  (I - rr^\top/(\|r\|^2 + s^2))/\sqrt{\|r\|^2 + s^2}` (:class:`SmoothWitnessClass`), and its best
  member for :math:`J_D(h) = \sum_i a_i h(x_i) - \sum_j b_j h(y_j)` by an LP (:func:`best_smooth_witness`).
* The optimal 1-Lipschitz witness :math:`f^*(y) = -\min_z \|y - x_z\|`, its
  :math:`\varepsilon`-optimal modification :math:`f_\varepsilon`, :math:`h^*`, :math:`h_\varepsilon`,
  and the gradients of :math:`J_D` with respect to :math:`G(z)`, all analytic
  (:func:`prop3_instance`): :math:`\partial J_D / \partial y_j = -b_j \nabla f(y_j)`.

numpy and scipy only; every gradient is written out (no automatic differentiation).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import as_float_array, as_generator, as_points, as_weights, check_nonnegative
from ..bounds import Bound
from ..exact import UncertifiedError, w1_dual

__all__ = ["SmoothWitnessClass", "SmoothWitness", "best_smooth_witness", "Prop3Row", "prop3_instance"]

#: float64 numpy array (the type of every array this module returns)
FloatArray = NDArray[np.float64]

#: A witness as this module evaluates it: points ``(n, d)`` -> values ``(n,)`` and gradients ``(n, d)``.
Witness = Callable[[FloatArray], tuple[FloatArray, FloatArray]]


def _psi_np(R: FloatArray, s: float) -> FloatArray:
    return np.sqrt((R**2).sum(-1) + s * s) - s


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
        The centers :math:`c_k` of the :math:`K` bumps :math:`\psi_s(y - c_k)`; :math:`d` is the dimension the
        members live in.
    s : float
        Smoothing radius, > 0.
    beta : float
        Hessian bound, > 0.
    """

    centers: FloatArray = field(repr=False)
    s: float = 0.25
    beta: float = 2.0

    @classmethod
    def grid(cls, *, s: float = 0.25, beta: float = 2.0) -> SmoothWitnessClass:
        """The default 2-D class: centers on the grid {-1.5, ..., 1.5} x {-1, ..., 1}, step 0.5.

        Parameters
        ----------
        s : float
            Smoothing radius, > 0.
        beta : float
            Hessian bound, > 0.

        Returns
        -------
        SmoothWitnessClass
            The class with the 35 centers of that 7 x 5 grid (``centers`` of shape (35, 2)), radius ``s`` and
            Hessian bound ``beta``.
        """
        s = check_nonnegative(s, "s", strict=True)
        beta = check_nonnegative(beta, "beta", strict=True)
        g1, g2 = np.meshgrid(np.arange(-1.5, 1.51, 0.5), np.arange(-1.0, 1.01, 0.5), indexing="ij")
        return cls(centers=np.column_stack([g1.ravel(), g2.ravel()]), s=s, beta=beta)

    def features(self, Y: ArrayLike) -> FloatArray:
        r"""Feature matrix :math:`[\psi_s(y - c_1), \dots, \psi_s(y - c_K), y]`, shape (n, K + d).

        :math:`h(y) = [\theta, w] \cdot \mathrm{features}(y)`, so :math:`J_D` is linear in the coefficients.

        Parameters
        ----------
        Y : array_like, shape (n, d)
            The points :math:`y_i`, one per row, in the dimension of ``centers``.

        Returns
        -------
        ndarray, shape (n, K + d)
            Row ``i``: :math:`\psi_s(y_i - c_k)` for the K centers, then the coordinates of :math:`y_i`.
        """
        Y = as_points(Y, "Y")
        return np.hstack([_psi_np(Y[:, None, :] - self.centers[None], self.s), Y])

    def evaluate(self, theta: ArrayLike, w: ArrayLike, Y: ArrayLike) -> tuple[FloatArray, FloatArray]:
        r"""The member's values and gradients at the rows of ``Y``.

        .. math::

            h(y) = \sum_k \theta_k \psi_s(y - c_k) + w^\top y, \qquad
            \nabla h(y) = \sum_k \theta_k \frac{y - c_k}{\sqrt{\|y - c_k\|^2 + s^2}} + w

        Parameters
        ----------
        theta : array_like, shape (K,)
            The bump weights :math:`\theta_k`, one per center.
        w : array_like, shape (d,)
            The linear part :math:`w` of :math:`h`.
        Y : array_like, shape (n, d)
            The points :math:`y_i` at which to evaluate, one per row.

        Returns
        -------
        values : ndarray, shape (n,)
            :math:`h(y_i)` for each row :math:`y_i` of ``Y``.
        gradients : ndarray, shape (n, d)
            Row ``i`` is :math:`\nabla h(y_i)`.
        """
        Y = as_points(Y, "Y")
        theta, w = np.asarray(theta, dtype=float), np.asarray(w, dtype=float)
        R = Y[:, None, :] - self.centers[None]
        rho = np.sqrt((R**2).sum(-1) + self.s * self.s)
        return (rho - self.s) @ theta + Y @ w, np.einsum("nk,nkd->nd", theta[None, :] / rho, R) + w[None, :]

    def hessian(self, theta: ArrayLike, w: ArrayLike, Y: ArrayLike) -> FloatArray:
        r"""The member's Hessians at the rows of ``Y``, shape (n, d, d).

        .. math::

            \nabla^2 h(y) = \sum_k \frac{\theta_k}{\rho_k}\Big(I - \frac{r_k r_k^\top}{\rho_k^2}\Big),
            \qquad r_k = y - c_k,\ \rho_k = \sqrt{\|r_k\|^2 + s^2}

        (the linear part has none; ``w`` is accepted for a uniform signature). The arguments are those of
        :meth:`evaluate`; returns an array of shape ``(n, d, d)``.
        """
        Y = as_points(Y, "Y")
        theta = np.asarray(theta, dtype=float)
        R = Y[:, None, :] - self.centers[None]
        rho = np.sqrt((R**2).sum(-1) + self.s * self.s)
        d = Y.shape[1]
        c = theta[None, :] / rho
        return c.sum(1)[:, None, None] * np.eye(d)[None] - np.einsum("nk,nki,nkj->nij", c / rho**2, R, R)

    def function(self, theta: ArrayLike, w: ArrayLike) -> Witness:
        r"""The member as a callable ``Y (n, d) -> (values (n,), gradients (n, d))`` (:meth:`evaluate`).

        Parameters
        ----------
        theta, w : array_like, shapes (K,) and (d,)
            The member's bump weights :math:`\theta_k` and linear part :math:`w`, as in :meth:`evaluate`.

        Returns
        -------
        callable
            ``Y -> (values, gradients)``, as :meth:`evaluate` on copies of ``theta`` and ``w`` (changing the
            arrays passed later does not change it).
        """
        theta, w = np.asarray(theta, dtype=float).copy(), np.asarray(w, dtype=float).copy()
        return lambda Y: self.evaluate(theta, w, Y)


@dataclass(frozen=True)
class SmoothWitness:
    r"""A member of a :class:`SmoothWitnessClass` with its criterion value and certified bounds.

    Attributes
    ----------
    theta : ndarray, shape (K,)
        The bump weights :math:`\theta_k` of :math:`h`, one per center of the class.
    w : ndarray, shape (d,)
        The linear part :math:`w` of :math:`h`.
    value : float
        :math:`J_D(h)`.
    lipschitz_bound : float
        :math:`\sum|\theta_k| + \|w\|_1` (an exact upper bound on the Lipschitz constant).
    hessian_bound : float
        :math:`\sum|\theta_k| / s` (an exact upper bound on :math:`\sup\|\nabla^2 h\|_{op}`).
    gap : float
        Duality gap of the LP that produced it (0 for members built otherwise).
    """

    theta: FloatArray = field(repr=False)
    w: FloatArray = field(repr=False)
    value: float
    lipschitz_bound: float
    hessian_bound: float
    gap: float = 0.0

    @property
    def bound(self) -> Bound:
        """:math:`J_D(h)` of this member as a :class:`~otcheck.bounds.Bound` (float64, an ``"estimate"``)."""
        return Bound.floating(self.value, method="criterion J_D of a smooth witness (float64)")


def _member(H: SmoothWitnessClass, theta: ArrayLike, w: ArrayLike, coef: FloatArray) -> SmoothWitness:
    theta = np.asarray(theta, float)
    w = np.asarray(w, float)
    return SmoothWitness(
        theta=theta,
        w=w,
        value=float(coef[: -w.size] @ theta + coef[-w.size :] @ w),
        lipschitz_bound=float(np.abs(theta).sum() + np.abs(w).sum()),
        hessian_bound=float(np.abs(theta).sum() / H.s),
    )


def _criterion_coefficients(
    H: SmoothWitnessClass, a: FloatArray, X: FloatArray, b: FloatArray, Y: FloatArray
) -> FloatArray:
    return a @ H.features(X) - b @ H.features(Y)


def best_smooth_witness(
    H: SmoothWitnessClass,
    a: ArrayLike,
    X: ArrayLike,
    b: ArrayLike,
    Y: ArrayLike,
    *,
    reflections: Sequence[ArrayLike] = (),
) -> SmoothWitness:
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
        The class to search: its centers, radius :math:`s` and Hessian bound :math:`\beta`.
    a, X : array_like, shapes (n,) and (n, d)
        Weights and atoms of :math:`P_X = \sum_i a_i \delta_{x_i}`.
    b, Y : array_like, shapes (m,) and (m, d)
        Weights and atoms of :math:`P_G = \sum_j b_j \delta_{y_j}`.
    reflections : sequence of array_like, each shape (d, d)
        Orthogonal matrices :math:`R`, each mapping the centers onto themselves (checked; a
        :class:`ValueError` otherwise) and leaving the instance invariant (assumed, not checked); the LP
        optimum is replaced by :math:`\frac12(h + h\circ R)` for each in turn. Empty: the LP optimum as is.

    Returns
    -------
    SmoothWitness
        The best member (averaged over the group of ``reflections`` when given): its coefficients,
        :math:`J_D(h^*)`, its exact Lipschitz and Hessian bounds, and the LP's duality gap (at least its
        largest dual infeasibility).

    Raises
    ------
    TypeError, ValueError
        A bad class, measure or reflection (named).
    otcheck.UncertifiedError
        The LP solver failed.

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
    A[1, K + d : 2 * K + d] = 1.0
    bub = np.array([1.0, H.beta * H.s])
    res = linprog(c, A_ub=A, b_ub=bub, bounds=[(0, None)] * nv, method="highs")
    if res.status != 0:
        raise UncertifiedError(
            f"best_smooth_witness: the best-witness LP failed, no member could be certified "
            f"(HiGHS status {res.status}: {res.message})"
        )
    x = res.x
    theta = x[:K] - x[K + d : 2 * K + d]
    w = x[K : K + d] - x[2 * K + d :]
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
    return SmoothWitness(
        theta=h.theta, w=h.w, value=h.value, lipschitz_bound=h.lipschitz_bound, hessian_bound=h.hessian_bound, gap=gap
    )


# ----------------------------------------------------------------------------------------------
# the 1-Lipschitz witnesses f* and f_eps, with their gradients
# ----------------------------------------------------------------------------------------------


def _pick(first: FloatArray, second: FloatArray, g_first: FloatArray, g_second: FloatArray) -> FloatArray:
    """Gradient of the selection between two functions: the gradient of the chosen one, their average
    on a tie (the convention of a one-sided derivative's midpoint; ties do not occur at the points
    where the claims take gradients)."""
    return np.where(
        (first > second)[:, None], g_first, np.where((second > first)[:, None], g_second, 0.5 * (g_first + g_second))
    )


def _fstar(X: FloatArray) -> Witness:
    r""":math:`f^*(y) = -\min(\|y - x_0\|, \|y - x_1\|)` and its gradient
    :math:`-(y - x_z)/\|y - x_z\|` for the nearer :math:`x_z` (0 at :math:`y = x_z`)."""

    def f(Y: FloatArray) -> tuple[FloatArray, FloatArray]:
        R0, R1 = Y - X[0], Y - X[1]
        d0, d1 = np.linalg.norm(R0, axis=-1), np.linalg.norm(R1, axis=-1)
        g0 = -np.divide(R0, d0[:, None], out=np.zeros_like(R0), where=d0[:, None] > 0)
        g1 = -np.divide(R1, d1[:, None], out=np.zeros_like(R1), where=d1[:, None] > 0)
        # -min(d0, d1) = max(-d0, -d1)
        return -np.minimum(d0, d1), _pick(-d0, -d1, g0, g1)

    return f


def _feps(fstar: Witness, y0: FloatArray, f0: float, u: FloatArray, eps: float) -> Witness:
    r""":math:`f_\varepsilon = \min(\max(f^*, \ell), f^* + \varepsilon)`, :math:`\ell(y) = f_0 + \varepsilon/2
    + u^\top (y - y_0)`, and its gradient (that of the selected piece: :math:`\nabla f^*` or :math:`u`)."""

    def f(Y: FloatArray) -> tuple[FloatArray, FloatArray]:
        fs, gs = fstar(Y)
        ell = f0 + eps / 2 + (Y - y0) @ u
        g_ell = np.broadcast_to(u, gs.shape)
        upper = np.maximum(fs, ell)
        g_upper = _pick(fs, ell, gs, g_ell)
        # min(upper, fs + eps) = -max(-upper, -(fs + eps))
        return np.minimum(upper, fs + eps), _pick(-upper, -(fs + eps), g_upper, gs)

    return f


def _grad_J(fun: Witness, a: FloatArray, X: FloatArray, b: FloatArray, Y: FloatArray) -> tuple[float, FloatArray]:
    r""":math:`J_D(f) = \sum_i a_i f(x_i) - \sum_j b_j f(y_j)` and its gradient with respect to the decoder
    outputs, :math:`\partial J_D / \partial y_j = -b_j \nabla f(y_j)`."""
    fx, _ = fun(X)
    fy, gy = fun(Y)
    return float(a @ fx - b @ fy), -b[:, None] * gy


def _cos(u: FloatArray, v: FloatArray) -> float:
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu == 0 or nv == 0:
        return float("nan")
    return float(u @ v / (nu * nv))


def _sampled_lipschitz(fun: Witness, rng: np.random.Generator, d: int, n: int = 400, scale: float = 2.0) -> float:
    """Largest |f(p) - f(q)| / |p - q| over random pairs, and over pairs at distance 1e-3."""
    P = rng.uniform(-scale, scale, (n, d))
    Qp = np.vstack([rng.uniform(-scale, scale, (n, d)), P + 1e-3 * rng.standard_normal((n, d))])
    P = np.vstack([P, P])
    fp, fq = fun(P)[0], fun(Qp)[0]
    return float(np.max(np.abs(fp - fq) / np.linalg.norm(P - Qp, axis=1)))


def _sampled_hessian(
    hess: Callable[[FloatArray], FloatArray], rng: np.random.Generator, d: int, n: int = 60, scale: float = 2.0
) -> float:
    """Largest operator norm of the (analytic) Hessian at ``n`` random points."""
    worst = 0.0
    for Hm in hess(rng.uniform(-scale, scale, (n, d))):
        worst = max(worst, float(np.abs(np.linalg.eigvalsh(0.5 * (Hm + Hm.T))).max()))
    return worst


# ----------------------------------------------------------------------------------------------
# one epsilon of Proposition 3
# ----------------------------------------------------------------------------------------------


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
        The :math:`\varepsilon > 0` of this row: the optimality slack of :math:`f_\varepsilon` and
        :math:`h_\varepsilon`, and the scale of the instances (:math:`\kappa = \varepsilon/4`,
        :math:`a = \varepsilon/(4\beta)`).
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
    cos_hstar_fstar: tuple[float, ...]
    gap_h: float
    cos_h: float
    mechanism: dict[str, float] = field(default_factory=dict)
    cos_full: dict[str, float] = field(default_factory=dict)
    lipschitz: dict[str, float] = field(default_factory=dict)
    hessian: dict[str, float] = field(default_factory=dict)
    lp_gap: float = 0.0

    @property
    def worst_cos_hstar_fstar(self) -> float:
        """:math:`\\min_z A(h^*, f^*)` ("at some point z")."""
        return min(self.cos_hstar_fstar)

    def as_dict(self) -> dict[str, object]:
        """Every field as plain Python (lists for the tuple, copies of the dicts)."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else dict(value) if isinstance(value, dict) else value
        return out


def prop3_instance(
    eps: float,
    *,
    H: SmoothWitnessClass | None = None,
    eta: float = 0.25,
    seed: int | np.random.Generator = 0,
    sampled_checks: bool = True,
) -> Prop3Row:
    r"""Build the constructions of appendix B.4 at one :math:`\varepsilon` and measure them.

    * :math:`f^*(y) = -\min(\|y - x_0\|, \|y - x_1\|)` is 1-Lipschitz and attains
      :math:`J_D(f^*) = \frac12(\|y_0 - x_0\| + \|y_1 - x_1\|) = W_1(P_X, P_G)` (checked against
      :func:`otcheck.exact.w1_dual`); it is differentiable at :math:`y_0, y_1` with
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

    Gradients of :math:`J_D` with respect to :math:`G(z) = y_z` are analytic,
    :math:`\partial J_D/\partial y_z = -b_z \nabla f(y_z)`, with the gradients of the witnesses
    above (of the selected piece for :math:`f^*` and :math:`f_\varepsilon`; of
    :meth:`SmoothWitnessClass.evaluate` for members of H). The sampled Hessians are the analytic
    ones (:meth:`SmoothWitnessClass.hessian`) at random points.

    Parameters
    ----------
    eps : float
        :math:`0 < \varepsilon \le 1`.
    H : SmoothWitnessClass, optional
        Default :meth:`SmoothWitnessClass.grid`.
    eta : float
        Height of :math:`y_0, y_1` above the segment in part (ii).
    seed : int or numpy.random.Generator
        For the sampled Lipschitz/Hessian cross-checks.
    sampled_checks : bool
        Also estimate the Lipschitz constants (difference quotients) and Hessian norms at random
        points (a cross-check of the exact bounds).

    Returns
    -------
    Prop3Row
        The measurements of parts (i) to (iii) at this :math:`\varepsilon`: :math:`W_1`, the gaps
        :math:`|J_D(f_\varepsilon) - J_D(f^*)|` and :math:`|J_D(h_\varepsilon) - J_D(h^*)|` (each to compare
        with :math:`\varepsilon`), the gradient cosines and the mechanism behind (ii).

    Raises
    ------
    ValueError, TypeError
        ``eps`` outside :math:`(0, 1]`, a bad ``eta`` or ``H`` (named).
    otcheck.UncertifiedError
        An LP (the :math:`W_1` dual, a best member of H) failed.

    Examples
    --------
    >>> row = prop3_instance(0.1, sampled_checks=False)
    >>> row.gap_f <= 0.1, row.cos_f, row.gap_h <= 0.1, row.cos_h <= 0
    (True, -1.0, True, True)
    """
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

    fstar = _fstar(X)
    J_star, g_star = _grad_J(fstar, half, X, half, Y)
    dual = w1_dual(X, Y, half, half)
    grad_f0 = -(Y[0] - X[0]) / np.linalg.norm(Y[0] - X[0])  # analytic gradient of f* at y0
    f0 = float(-np.linalg.norm(Y[0] - X[0]))
    feps = _feps(fstar, Y[0], f0, -grad_f0, eps)
    J_f, g_f = _grad_J(feps, half, X, half, Y)

    # (ii) best smooth witness on the same instance
    refl1 = np.diag([-1.0, 1.0])
    hs = best_smooth_witness(H, half, X, half, Y, reflections=[refl1])
    hfun = H.function(hs.theta, hs.w)
    J_h, g_h = _grad_J(hfun, half, X, half, Y)

    # (iii) the segment instance
    a_seg = eps / (4 * H.beta)
    Y3 = np.array([[-a_seg, 0.0], [a_seg, 0.0]])
    hs3 = best_smooth_witness(H, half, X, half, Y3, reflections=[refl1, np.diag([1.0, -1.0])])
    h3 = H.function(hs3.theta, hs3.w)
    J3, g3 = _grad_J(h3, half, X, half, Y3)
    gy0 = -g3[0] / 0.5  # grad h*(y0) (dJ/dy0 = -b_0 grad h(y0))
    n1 = float(np.abs(gy0).sum())
    u = -gy0 / n1 if n1 > 0 else np.array([1.0, 0.0])
    coef3 = _criterion_coefficients(H, half, X, half, Y3)
    J_lin = float(coef3[-2:] @ u)
    t = 1.0 if J_lin == hs3.value else min(1.0, 0.9 * eps / abs(J_lin - hs3.value))
    he = _member(H, (1 - t) * hs3.theta, (1 - t) * hs3.w + t * u, coef3)
    hefun = H.function(he.theta, he.w)
    J3e, g3e = _grad_J(hefun, half, X, half, Y3)

    lip = {
        "f_star": 1.0,
        "f_eps": 1.0,
        "h_star": hs.lipschitz_bound,
        "h_star_iii": hs3.lipschitz_bound,
        "h_eps": he.lipschitz_bound,
    }
    hess = {"beta": H.beta, "h_star": hs.hessian_bound, "h_star_iii": hs3.hessian_bound, "h_eps": he.hessian_bound}
    if sampled_checks:
        lip.update(
            {
                "f_star_sampled": _sampled_lipschitz(fstar, rng, 2),
                "f_eps_sampled": _sampled_lipschitz(feps, rng, 2),
                "h_star_sampled": _sampled_lipschitz(hfun, rng, 2),
                "h_eps_sampled": _sampled_lipschitz(hefun, rng, 2),
            }
        )
        hess.update(
            {
                "h_star_sampled": _sampled_hessian(lambda P: H.hessian(hs.theta, hs.w, P), rng, 2, n=25),
                "h_eps_sampled": _sampled_hessian(lambda P: H.hessian(he.theta, he.w, P), rng, 2, n=25),
            }
        )
    return Prop3Row(
        eps=eps,
        w1=float(dual.value),
        gap_f=abs(J_f - J_star),
        cos_f=_cos(g_f[0], g_star[0]),
        gap_hstar=float(dual.value - J_h),
        cos_hstar_fstar=(_cos(g_h[0], g_star[0]), _cos(g_h[1], g_star[1])),
        gap_h=abs(J3e - J3),
        cos_h=_cos(g3e[0], g3[0]),
        mechanism={
            "h_star_grad_difference": float(np.linalg.norm(g_h[0] - g_h[1]) / 0.5),
            "hessian_bound_times_distance": float(H.beta * np.linalg.norm(Y[0] - Y[1])),
            "cos_f_star_y0_y1": _cos(g_star[0], g_star[1]),
        },
        cos_full={
            "f_eps_f_star": _cos(g_f.ravel(), g_star.ravel()),
            "h_star_f_star": _cos(g_h.ravel(), g_star.ravel()),
            "h_eps_h_star": _cos(g3e.ravel(), g3.ravel()),
            "J_f_star": J_star,
            "J_f_star_minus_w1": J_star - dual.value,
        },
        lipschitz=lip,
        hessian=hess,
        lp_gap=max(dual.gap, hs.gap, hs3.gap),
    )
