r"""Figures of Corollary 7 / Lemma 8, of the AAE = POT affine map and of the W1 primal/dual pair.

- :func:`fig_sigma2_gap`: the additive :math:`\sigma^2` gap of Gaussian decoders (Corollary 7,
  eq. 16, and Lemma 8);
- :func:`fig_aae_pot`: AAE against POT over a family of encoders and decoders, on the affine map
  of section 4.1 ("Relation to AAE");
- :func:`fig_w1_primal_dual`: the optimal plan and the optimal 1-Lipschitz witness of
  :math:`W_1` (section 4.2, eq. 2), with both certified values.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from .._optional import require
from .._validation import as_generator, check_positive_int
from ..bounds import Bound
from ._base import band, certified_points, line, need, new_figure, rasterize
from ._data import record, record_bounds

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["fig_sigma2_gap", "fig_aae_pot", "fig_w1_primal_dual"]


def _shifted(b: Bound, shift: float, method: str) -> Bound:
    """``b + shift`` with the shift's float64 rounding accounted for."""
    return b + Bound.floating(shift, method=method)


def fig_sigma2_gap(
    seed: int | np.random.Generator = 0,
    *,
    n: int = 5,
    m: int = 4,
    sigma2: ArrayLike | None = None,
    n_samples: int = 4000,
    reps: int = 8,
) -> Figure:
    r"""Corollary 7 and Lemma 8: a Gaussian decoder adds exactly :math:`\sigma^2`, as a gap and as variance.

    One-dimensional instance: :math:`P_X` uniform on :math:`n` points :math:`x_i \sim \mathcal N(0, 1)`,
    :math:`P_Z` uniform on :math:`m` codes with decoder means :math:`g_j \sim \mathcal N(0, 1)`, and
    the Gaussian decoder :math:`Y \mid z_j \sim \mathcal N(g_j, \sigma^2)`, so
    :math:`P_G^\sigma = \frac1m \sum_j \mathcal N(g_j, \sigma^2)`. Left (Corollary 7, eq. 16):

    .. math::

        W_c(P_X, P_G^\sigma) \;\le\; W_c^\dagger = \sigma^2 + \min_{P \in \Pi(P_X, P_Z)} \mathbb E_P |X - G(Z)|^2,

    with the right side from certified exact OT plus :math:`\sigma^2` (points, certified intervals)
    and the left side by quantile quadrature with an error bound
    (:func:`otcheck.closed_forms.wp_discrete_gmm_1d`). Right (Lemma 8):
    :math:`\operatorname{Var} Y = \sigma^2 + \operatorname{Var}_{Z} G(Z)` exactly (points), and the
    sample variance of :math:`Y` (``reps`` batches of ``n_samples`` draws, a Student-t interval over
    the unbiased batch variances at 95 %) as a band.

    Parameters
    ----------
    seed : int or numpy.random.Generator
        Draws the instance and the samples.
    n, m : int, default 5 and 4
        Numbers of data points and of codes.
    sigma2 : array_like, optional
        Decoder variances :math:`\sigma^2 > 0`, default ``[0.05, 0.1, 0.2, 0.4, 0.8]``.
    n_samples, reps : int, default 4000 and 8
        Sampling of the right panel.

    Returns
    -------
    matplotlib.figure.Figure
        Left axes: lines labelled ``"W_c^dagger"`` and ``"W_c(P_X, P_G)"`` (x data = ``sigma2``);
        right axes: ``"Var Y (exact)"`` and ``"Var Y (sampled)"`` over its interval band.

    Examples
    --------
    >>> fig = fig_sigma2_gap(seed=0, sigma2=[0.1, 0.5], n_samples=200, reps=4)
    >>> [l.get_label() for l in fig.axes[0].get_lines() if not l.get_label().startswith("_")]
    ['W_c^dagger', 'W_c(P_X, P_G)', '$W_c(P_X, G_\\# P_Z)$: $\\sigma^2 = 0$']
    """
    need("fig_sigma2_gap", "otcheck.closed_forms", "wp_discrete_gmm_1d")
    from .. import cost_matrix, solve_ot
    from ..closed_forms import wp_discrete_gmm_1d

    rng = as_generator(seed)
    n = check_positive_int(n, "n")
    m = check_positive_int(m, "m")
    n_samples = check_positive_int(n_samples, "n_samples", minimum=2)
    reps = check_positive_int(reps, "reps", minimum=2)
    s2 = np.array([0.05, 0.1, 0.2, 0.4, 0.8]) if sigma2 is None else np.asarray(sigma2, dtype=float).ravel()
    if s2.size == 0 or not np.all(np.isfinite(s2)) or np.any(s2 <= 0):
        raise ValueError("sigma2: expected finite variances > 0")
    x = rng.normal(size=n)
    g = rng.normal(size=m)
    a, b = np.full(n, 1.0 / n), np.full(m, 1.0 / m)
    ot = solve_ot(a, b, cost_matrix(x[:, None], g[:, None]))
    dagger = [_shifted(ot.bound, float(s), "+ sigma^2 (float64)") for s in s2]
    direct = [wp_discrete_gmm_1d(x, a, g, np.full(m, s), b, 2).bound for s in s2]
    var_g = float(np.mean((g - g.mean()) ** 2))
    exact_var = [Bound.floating(float(s) + var_g, method="sigma^2 + Var G(Z) (float64)") for s in s2]
    sampled = []
    for s in s2:
        codes = rng.integers(0, m, size=(reps, n_samples))
        y = g[codes] + math.sqrt(float(s)) * rng.normal(size=(reps, n_samples))
        sampled.append(Bound.from_samples(y.var(axis=1, ddof=1), confidence=0.95, method="sample variance"))

    fig, (left, right) = new_figure(2.8, ncols=2, narrow_height=4.6)
    certified_points(left, s2, dagger, 1, "W_c^dagger")
    certified_points(left, s2, direct, 2, "W_c(P_X, P_G)")
    left.axhline(float(ot.cost), color="black", lw=0.6, ls=":", label=r"$W_c(P_X, G_\# P_Z)$: $\sigma^2 = 0$")
    left.set_xlabel(r"decoder variance $\sigma^2$")
    left.set_ylabel("squared-cost transport")
    left.set_title(r"Cor. 7: $W_c(P_X, P_G) \leq W_c^\dagger$")
    left.legend()
    certified_points(right, s2, exact_var, 1, "Var Y (exact)")
    band(right, s2, sampled, 3, "Var Y (sampled)")
    right.set_xlabel(r"decoder variance $\sigma^2$")
    right.set_ylabel(r"$\operatorname{Var}\, Y$")
    right.set_title(r"Lemma 8: $\operatorname{Var} Y = \sigma^2 + \operatorname{Var} G(Z)$")
    right.legend()
    fig.suptitle(rf"Gaussian decoders add $\sigma^2$ (n={n}, m={m}, d=1)")
    record_bounds(fig, "W_c^dagger", s2, dagger, x_label="sigma^2", y_label="W_c^dagger")
    record_bounds(fig, "W_c(P_X, P_G)", s2, direct, x_label="sigma^2", y_label="W_2^2 by quantile quadrature")
    record_bounds(fig, "Var Y (exact)", s2, exact_var, x_label="sigma^2", y_label="Var Y")
    record_bounds(fig, "Var Y (sampled)", s2, sampled, x_label="sigma^2", y_label="Var Y")
    return fig


def fig_aae_pot(
    seed: int | np.random.Generator = 0,
    *,
    n: int = 4,
    m: int = 3,
    decoders: int = 3,
    encoders: int = 40,
    sigma2: float = 0.5,
) -> Figure:
    r"""Section 4.1, "Relation to AAE": AAE is an affine function of POT, so they share minimizers.

    For a Gaussian decoder :math:`p_G(x|z) = \mathcal N(x; G(z), \sigma^2 I_d)` and
    :math:`\lambda = 2\sigma^2`,

    .. math::

        \text{AAE}(Q, G) = \frac{\text{POT}_{2\sigma^2}(Q, G)}{2\sigma^2} + \frac d2 \log(2\pi\sigma^2).

    Draws a random instance in :math:`d = 2` (:math:`n` points, :math:`m` codes, uniform weights),
    ``decoders`` random decoders and ``encoders`` random row-stochastic encoders (Dirichlet(1)); each
    pair :math:`(Q, G)` is a point (POT, AAE) from :func:`otcheck.autoencoders.pot_objective` and
    :func:`~otcheck.autoencoders.aae_objective`, on the line of the map. The infima over all
    encoders of each decoder, two separate certified convex programs
    (:func:`otcheck.relaxed.relaxed_cost`), are the large points with their intervals.

    Parameters
    ----------
    seed : int or numpy.random.Generator
        Draws the instance: the data points, the decoders and the encoders.
    n, m : int, default 4 and 3
        Numbers of data points and of codes (``m >= 2``).
    decoders, encoders : int, default 3 and 40
        Numbers of random decoders :math:`G` (the images of the codes, standard normal) and of random
        encoders :math:`Q` (Dirichlet(1) rows); every pair is one point of the scatter.
    sigma2 : float, default 0.5
        Decoder variance, > 0.

    Returns
    -------
    matplotlib.figure.Figure
        A scatter labelled ``"(Q, G) pairs"`` (offsets = (POT, AAE)), a line ``"affine map"`` and
        one line ``"inf_Q, decoder j"`` per decoder.
    """
    need("fig_aae_pot", "otcheck.autoencoders", "aae_objective", "pot_objective", "gaussian_nll_matrix")
    need("fig_aae_pot", "otcheck.relaxed", "relaxed_cost")
    from .. import cost_matrix
    from ..autoencoders import aae_objective, gaussian_nll_matrix, pot_objective
    from ..relaxed import relaxed_cost

    rng = as_generator(seed)
    n = check_positive_int(n, "n")
    m = check_positive_int(m, "m", minimum=2)
    decoders = check_positive_int(decoders, "decoders")
    encoders = check_positive_int(encoders, "encoders")
    if not (isinstance(sigma2, (int, float)) and math.isfinite(sigma2) and sigma2 > 0):
        raise ValueError(f"sigma2: expected a finite number > 0, got {sigma2!r}")
    s2 = float(sigma2)
    d = 2
    X = rng.normal(size=(n, d))
    a, b = np.full(n, 1.0 / n), np.full(m, 1.0 / m)
    Gs = [rng.normal(size=(m, d)) for _ in range(decoders)]
    Qs = [rng.dirichlet(np.ones(m), size=n) for _ in range(encoders)]
    const = 0.5 * d * math.log(2 * math.pi * s2)
    log4 = math.log(4.0)
    pot, aae, inf_pot, inf_aae = [], [], [], []
    for G in Gs:
        C = cost_matrix(X, G)
        L = gaussian_nll_matrix(X, G, s2)
        for Q in Qs:
            pot.append(pot_objective(a, b, C, Q, 2 * s2))
            aae.append(aae_objective(a, b, L, Q))
        # relaxed "gan" is D_GAN + log 4; remove lambda log 4
        inf_pot.append(_shifted(relaxed_cost(a, b, C, 2 * s2, "gan").bound, -2 * s2 * log4, "- lambda log 4"))
        inf_aae.append(_shifted(relaxed_cost(a, b, L, 1.0, "gan").bound, -log4, "- log 4"))

    fig, (ax,) = new_figure(3.4, narrow_height=2.8)
    ax.scatter(pot, aae, rasterized=rasterize(pot), s=6, color="C2", alpha=0.6, label="(Q, G) pairs", zorder=2)
    span = np.array([min(pot + [float(b.lower) for b in inf_pot]), max(pot)])
    ax.plot(span, span / (2 * s2) + const, color="black", lw=0.8, ls="--", label="affine map")
    for j, (bp, ba) in enumerate(zip(inf_pot, inf_aae)):
        ax.errorbar(
            [float(bp.value)],
            [float(ba.value)],
            xerr=[[float(bp.value - bp.lower)], [float(bp.upper - bp.value)]],
            yerr=[[float(ba.value - ba.lower)], [float(ba.upper - ba.value)]],
            label=f"inf_Q, decoder {j}",
            markersize=6,
            **line(j + 3),
        )
    ax.set_xlabel(r"$\mathrm{POT}_{2\sigma^2}(Q, G)$")
    ax.set_ylabel(r"$\mathrm{AAE}(Q, G)$")
    ax.set_title(rf"AAE = POT / (2$\sigma^2$) + (d/2) log(2$\pi\sigma^2$)" "\n" rf"$\sigma^2$ = {s2:g}, d = 2")
    ax.legend()
    record(
        fig,
        "(Q, G) pairs",
        pot,
        aae,
        guarantee="estimate",
        method="float64 objectives",
        x_label="POT(Q, G)",
        y_label="AAE(Q, G)",
    )
    record_bounds(fig, "inf_Q POT", np.arange(decoders), inf_pot, x_label="decoder", y_label="inf_Q POT")
    record_bounds(fig, "inf_Q AAE", np.arange(decoders), inf_aae, x_label="decoder", y_label="inf_Q AAE")
    return fig


def fig_w1_primal_dual(seed: int | np.random.Generator = 0, *, n: int = 6, m: int = 5, grid: int = 121) -> Figure:
    r"""Section 4.2: the primal (optimal plan) and dual (1-Lipschitz witness) of :math:`W_1` agree.

    .. math::

        W_1(\mu, \nu) = \min_{\Gamma \in \Pi(\mu, \nu)} \mathbb E_\Gamma \|X - Y\|
        = \max_{\|f\|_L \le 1} \mathbb E_\mu f - \mathbb E_\nu f .

    :math:`\mu` uniform on :math:`n` points :math:`\sim \mathcal N(0, I_2)`, :math:`\nu` uniform on
    :math:`m` decoded codes of which two share an image (the decoder is not injective, as in
    Theorem 1). Left: the optimal plan of certified exact OT with cost :math:`\|x - y\|` (a segment
    per positive entry); right: the optimal witness :math:`f` of the dual LP
    (:func:`otcheck.exact.w1_dual`) on the points, and its McShane extension
    :math:`\tilde f(y) = \min_k f(p_k) + \|y - p_k\|` (1-Lipschitz on the plane) as a rasterized
    image. The titles give both values with their intervals.

    Parameters
    ----------
    seed : int or numpy.random.Generator
        Draws the points of :math:`\mu` and the decoded codes of :math:`\nu`.
    n, m : int, default 6 and 5
        Sizes (``m >= 2``).
    grid : int, default 121
        Pixels per side of the witness image.

    Returns
    -------
    matplotlib.figure.Figure
        Left axes: ``"mu"``, ``"nu"`` (scatters) and ``"plan"`` (segments); right axes: ``"witness f"``
        (a scatter of the points coloured by :math:`f`).
    """
    need("fig_w1_primal_dual", "otcheck.exact", "w1_dual")
    from .. import cost_matrix, solve_ot
    from ..exact import w1_dual

    LineCollection = require("matplotlib.collections", "otcheck.figures").LineCollection
    rng = as_generator(seed)
    n = check_positive_int(n, "n")
    m = check_positive_int(m, "m", minimum=2)
    grid = check_positive_int(grid, "grid", minimum=2)
    X = rng.normal(size=(n, 2))
    Y = rng.normal(size=(m, 2)) + np.array([1.0, 0.0])
    Y[-1] = Y[0]  # two codes, one image
    a, b = np.full(n, 1.0 / n), np.full(m, 1.0 / m)
    primal = solve_ot(a, b, cost_matrix(X, Y, "euclidean"))
    dual = w1_dual(X, Y, a, b)

    fig, (left, right) = new_figure(3.0, ncols=2, narrow_height=5.0)
    P = primal.plan
    rows, cols = np.nonzero(P > 0)
    left.add_collection(
        LineCollection(
            [(X[i], Y[j]) for i, j in zip(rows, cols)],
            linewidths=0.5 + 3 * P[rows, cols] / P.max(),
            colors="C5",
            alpha=0.7,
            label="plan",
        )
    )
    left.scatter(X[:, 0], X[:, 1], s=14, color="C0", marker="o", label="mu", zorder=3)
    left.scatter(Y[:, 0], Y[:, 1], s=18, color="C1", marker="s", label="nu", zorder=3)
    left.set_aspect("equal", adjustable="datalim")
    left.autoscale_view()
    pb = primal.bound
    left.set_title(
        f"primal: min E|X - Y| = {float(pb.value):.6f}\n(certified in [{float(pb.lower):.6g}, {float(pb.upper):.6g}])"
    )
    left.legend(loc="best")

    pts = np.vstack([X, Y])
    lo, hi = pts.min(0) - 0.6, pts.max(0) + 0.6
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid))
    f = dual.extension(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    mesh = right.pcolormesh(gx, gy, f, shading="auto", rasterized=True, cmap="cividis")
    fig.colorbar(mesh, ax=right, label=r"McShane extension $\tilde f$")
    right.scatter(
        dual.points[:, 0],
        dual.points[:, 1],
        c=dual.values,
        cmap="cividis",
        s=22,
        edgecolors="white",
        linewidths=0.6,
        label="witness f",
        zorder=3,
    )
    right.set_aspect("equal", adjustable="datalim")
    db = dual.bound
    right.set_title(
        f"dual: max E_mu f - E_nu f = {float(db.value):.6f}\n(LP bracket [{float(db.lower):.6g}, "
        f"{float(db.upper):.6g}])"
    )
    fig.suptitle("Sec. 4.2: primal and dual $W_1$ (c = |x - y|)")
    record_bounds(
        fig, "W_1 primal and dual", [0, 1], [pb, db], x_label="0: primal (plan); 1: dual (witness)", y_label="W_1"
    )
    record(
        fig,
        "witness f",
        np.arange(dual.values.size),
        dual.values,
        guarantee="estimate",
        method="dual LP (HiGHS); x = index of the point in mu's then nu's support",
        y_label="f(p_k)",
    )
    return fig
