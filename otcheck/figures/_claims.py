r"""The first figures of the paper's claims: Theorem 1, eq. 12, Proposition 2, VAE blur, Proposition 3.

- :func:`fig_theorem1`: the optimal coupling of Theorem 1, ``X -> Z -> Y = G(Z)``, for a decoder
  that maps two codes to one point (:func:`otcheck.solve_ot`, :func:`otcheck.wasserstein`);
- :func:`fig_relaxation_path`: :math:`W_c^\lambda` against :math:`\lambda` for each penalty of
  eq. 12, below :math:`W_c` and tending to it (:func:`otcheck.relaxed.relaxed_cost`);
- :func:`fig_prop2`: the two minimizers of Proposition 2 against :math:`\sigma^2`
  (:func:`otcheck.closed_forms.gaussian_w2`);
- :func:`fig_vae_blur`: the conditional-mean decoder of Gaussian (VAE) encoders averaging distinct
  inputs (the claim ``vae-blur``);
- :func:`fig_prop3`: the cosines of Proposition 3 as :math:`\varepsilon` shrinks (the claim ``prop3``).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._optional import require
from .._validation import as_generator, check_positive_int
from ._base import claim, line, need, new_figure
from ._data import record, record_bounds

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["fig_theorem1", "fig_relaxation_path", "fig_prop2", "fig_vae_blur", "fig_prop3", "PENALTIES"]

#: Penalties :func:`fig_relaxation_path` draws by default (eq. 12; ``"gan"`` is POT's eq. 13).
PENALTIES = ("kl", "js", "gan", "mmd2", "chi2", "tv")


def fig_theorem1(seed: int | np.random.Generator = 0, *, n: int = 6, m: int = 5) -> Figure:
    r"""Theorem 1: the optimal coupling ``X -> Z -> Y = G(Z)`` for a decoder that is not injective.

    Draws :math:`n` points :math:`x_i \sim \mathcal N(0, I_2)` with uniform weights (``P_X``),
    :math:`m` equally spaced codes :math:`z_j = j/(m-1)` with uniform weights (``P_Z``), and the
    decoder :math:`G(z) = (\cos 2\pi z, \sin 2\pi z)`, which maps :math:`z = 0` and
    :math:`z = 1` to the same point. It solves, with certificates, both sides of eq. 10-11:

    .. math::

        W_c(P_X, P_G) \;=\; \min_{\Gamma \in \Pi(P_X, P_Z)} \mathbb E_\Gamma\, \|X - G(Z)\|^2,
        \qquad P_G = G_\# P_Z,

    and draws the optimal :math:`\Gamma` twice: left, the codes :math:`z_j` (marker area
    proportional to their weight); right, the data points (black), the decoded points
    :math:`G(z_j)` (coloured as their codes) and a segment :math:`x_i \to G(z_j)` for every
    :math:`\Gamma_{ij} > 0`, its width proportional to :math:`\Gamma_{ij}`. The title shows both
    values, which Theorem 1 says are equal.

    Parameters
    ----------
    seed : int or numpy.random.Generator
        Draws the data points.
    n : int, default 6
        Number of data points.
    m : int, default 5
        Number of codes (at least 2; the first and the last share their image).

    Returns
    -------
    matplotlib.figure.Figure
        Right axes: a scatter labelled ``"P_X"`` (offsets = the data points), one labelled
        ``"P_G"`` (offsets = the decoded codes, in code order) and a ``LineCollection`` labelled
        ``"coupling"`` (one segment per positive entry of :math:`\Gamma`, row-major order).

    Examples
    --------
    >>> fig = fig_theorem1(seed=0)
    >>> [c.get_label() for c in fig.axes[1].collections]
    ['coupling', 'P_X', 'P_G']
    """
    LineCollection = require("matplotlib.collections", "otcheck.figures").LineCollection

    from .. import DiscreteMeasure, cost_matrix, solve_ot, wasserstein

    rng = as_generator(seed)
    n = check_positive_int(n, "n")
    m = check_positive_int(m, "m", minimum=2)
    X = rng.normal(size=(n, 2))
    Z = np.linspace(0.0, 1.0, m)[:, None]

    def G(z: ArrayLike) -> NDArray[np.float64]:
        angle = np.mod(2 * np.pi * np.asarray(z)[:, 0], 2 * np.pi)  # z = 0 and z = 1: the same point
        return np.stack([np.cos(angle), np.sin(angle)], axis=1)

    px = DiscreteMeasure(X)
    pz = DiscreteMeasure(Z)
    Y = G(Z)
    coupling = solve_ot(px.weights, pz.weights, cost_matrix(X, Y))  # right side of eq. 10-11
    direct = wasserstein(px, pz.pushforward(G))  # W_c(P_X, P_G)

    fig, (axz, axx) = new_figure(3.6, ncols=2, narrow_height=4.6, width_ratios=[1, 3])
    area = 600.0 * min(1.0, fig.get_figwidth() / 6.75)  # marker area per unit weight
    colors = [f"C{(j + 1) % 8}" for j in range(m)]
    axz.scatter(np.zeros(m), Z[:, 0], s=area * pz.weights, c=colors, label="P_Z", zorder=3)
    for j in range(m):
        axz.annotate(f"z{j}", (0.0, Z[j, 0]), xytext=(12, -4), textcoords="offset points")
    axz.set_xticks([])
    axz.set_xlim(-1, 1)
    axz.set_ylabel("code z")
    axz.set_title("latent codes $P_Z$")

    P = coupling.plan
    rows, cols = np.nonzero(P > 0)
    segments = [(X[i], Y[j]) for i, j in zip(rows, cols)]
    lines = LineCollection(
        segments,
        linewidths=1 + 8 * P[rows, cols] / P.max(),
        colors=[colors[j] for j in cols],
        alpha=0.55,
        label="coupling",
        zorder=1,
    )
    axx.add_collection(lines)
    axx.scatter(X[:, 0], X[:, 1], s=area * px.weights, c="black", label="P_X", zorder=3)
    axx.scatter(Y[:, 0], Y[:, 1], s=area * pz.weights, c=colors, marker="s", edgecolors="white", label="P_G", zorder=2)
    for y in np.unique(Y, axis=0):  # name the codes of each decoded point, e.g. G(z0) = G(z4)
        codes = [j for j in range(m) if np.array_equal(Y[j], y)]
        axx.annotate(" = ".join(f"G(z{j})" for j in codes), tuple(y), xytext=(8, 8), textcoords="offset points")
    axx.set_aspect("equal", adjustable="datalim")
    axx.autoscale_view()
    axx.set_title(
        rf"$W_c(P_X, P_G)$ = {direct.cost:.10g}"
        "\n"
        rf"$\min_\Gamma E\,c(X, G(Z))$ = {coupling.cost:.10g}"
    )
    axx.legend(loc="best")
    record_bounds(
        fig,
        "W_c(P_X, P_G) and min over couplings",
        [0, 1],
        [direct.bound, coupling.bound],
        x_label="0: W_c(P_X, P_G) directly; 1: through the codes (eq. 10-11)",
        y_label="cost",
    )
    rows_, cols_ = np.nonzero(P > 0)
    record(
        fig,
        "coupling",
        np.arange(rows_.size),
        P[rows_, cols_],
        guarantee="proof",
        method="optimal plan of the certified solve; x = index of the positive entry (row-major)",
        y_label="Gamma_ij",
    )
    fig.suptitle(f"Theorem 1 (eq. 10-11), n={n}, m={m}: both sides certified")
    return fig


def fig_relaxation_path(
    seed: int | np.random.Generator = 0,
    *,
    a: ArrayLike | None = None,
    b: ArrayLike | None = None,
    C: ArrayLike | None = None,
    n: int = 5,
    m: int = 5,
    lams: ArrayLike | None = None,
    penalties: Iterable[str] = PENALTIES,
    kernel_matrix: ArrayLike | None = None,
) -> Figure:
    r"""eq. 12: the relaxed cost :math:`W_c^\lambda` against :math:`\lambda`, one line per penalty.

    .. math::

        W_c^\lambda = \min_{Q(Z|X)} \sum_i a_i \sum_j Q_{ij} C_{ij} + \lambda F(Q_Z),
        \qquad Q_Z = a^\top Q,

    solved exactly (and certified) by :func:`otcheck.relaxed.relaxed_path` for each penalty
    :math:`F`, drawn with the certified :math:`W_c = \min_{\Gamma \in \Pi(a, b)} \langle C, \Gamma\rangle` (a horizontal
    line): each curve is non-decreasing, stays below :math:`W_c` and reaches it as :math:`\lambda`
    grows (claim ``relaxation-bound``).

    Parameters
    ----------
    seed : int or numpy.random.Generator
        Draws the instance when ``C`` is not given: :math:`x_i \sim \mathcal N(0, I_2)`,
        :math:`z_j \sim \mathcal N(0, I_2)`, uniform weights, :math:`C_{ij} = \|x_i - z_j\|^2`.
    a, b, C : array_like, optional
        An instance of your own: weights of ``P_X`` (n,), of the prior ``P_Z`` (m,), costs
        :math:`c(x_i, G(z_j))` (n, m). Uniform weights when ``C`` is given without them.
    n, m : int, default 5
        Sizes of the drawn instance.
    lams : array_like, optional
        The values of :math:`\lambda \ge 0`, default ``numpy.logspace(-2, 3, 11)``.
    penalties : sequence of str
        Penalties passed to :func:`~otcheck.relaxed.relaxed_path`.
    kernel_matrix : array_like, optional
        Kernel matrix on the codes for ``"mmd2"``. Default: the Gaussian kernel (bandwidth 1) of the
        drawn codes (:func:`otcheck.divergences.kernel_matrix`), or the identity when ``C`` is given.

    Returns
    -------
    matplotlib.figure.Figure
        One line per penalty, labelled with its name (x data = ``lams``, y data = the values) and
        a horizontal line labelled ``"W_c"``.

    Raises
    ------
    ImportError
        When :mod:`otcheck.relaxed` is not available.

    Examples
    --------
    >>> fig = fig_relaxation_path(seed=0, n=3, m=3, lams=[0.1, 10.0], penalties=["tv"])
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['tv', 'W_c']
    """
    need("fig_relaxation_path", "otcheck.relaxed", "relaxed_path")
    from .. import cost_matrix, solve_ot
    from ..relaxed import relaxed_path

    if C is None:
        rng = as_generator(seed)
        n = check_positive_int(n, "n")
        m = check_positive_int(m, "m")
        X, Z = rng.normal(size=(n, 2)), rng.normal(size=(m, 2))
        C = cost_matrix(X, Z)
        if kernel_matrix is None and "mmd2" in penalties:
            need("fig_relaxation_path", "otcheck.divergences", "kernel_matrix")
            from ..divergences import kernel_matrix as kernel

            kernel_matrix = kernel(Z)
    C = np.asarray(C, dtype=float)
    if C.ndim != 2:
        raise ValueError(f"C: expected a 2-D cost matrix, got shape {C.shape}")
    a = np.full(C.shape[0], 1.0 / C.shape[0]) if a is None else a
    b = np.full(C.shape[1], 1.0 / C.shape[1]) if b is None else b
    if kernel_matrix is None:
        kernel_matrix = np.eye(C.shape[1])
    lams = np.logspace(-2, 3, 11) if lams is None else np.asarray(lams, dtype=float).ravel()
    if lams.size == 0 or not np.all(np.isfinite(lams)) or np.any(lams < 0):
        raise ValueError("lams: expected finite non-negative values of lambda")
    penalties = tuple(penalties)
    if not penalties:
        raise ValueError("penalties: expected at least one penalty")
    exact = solve_ot(a, b, C)
    paths = {p: relaxed_path(a, b, C, lams, p, kernel_matrix=kernel_matrix if p == "mmd2" else None) for p in penalties}

    fig, (ax,) = new_figure(3.6, narrow_height=2.8)
    for k, (penalty, path) in enumerate(paths.items()):
        bounds = [r.bound for r in path.results]
        ax.plot(lams, path.values, label=penalty, lw=1.0, **line(k + 1))
        # certified intervals of each solve (error bars, visible only where wider than the marker)
        lo = np.array([float(b.lower) for b in bounds])
        hi = np.array([float(b.upper) for b in bounds])
        v = np.asarray(path.values, dtype=float)
        ax.errorbar(
            lams,
            v,
            yerr=np.vstack([np.maximum(v - lo, 0), np.maximum(hi - v, 0)]),
            fmt="none",
            ecolor=f"C{(k + 1) % 8}",
            elinewidth=0.8,
        )
        record_bounds(fig, penalty, lams, bounds, x_label="lambda", y_label="W_c^lambda")
    ax.axhline(exact.cost, color="black", ls="--", label="W_c")
    ax.axhspan(float(exact.bound.lower), float(exact.bound.upper), color="black", alpha=0.15, lw=0)
    record_bounds(fig, "W_c", [0.0], [exact.bound], x_label="-", y_label="W_c (certified exact OT)")
    if np.any(lams == 0):  # lambda = 0 on a log axis: linear near zero
        ax.set_xscale("symlog", linthresh=float(np.min(lams[lams > 0], initial=1.0)))
    else:
        ax.set_xscale("log")
    ax.set_xlabel(r"$\lambda$")
    ax.set_ylabel(r"$W_c^\lambda$")
    ax.set_title(r"eq. 12: $W_c^\lambda \uparrow W_c$" "\n" f"(certified $W_c$ = {exact.cost:.6g})")
    ax.legend(ncol=2)
    return fig


def fig_prop2(seed: int | np.random.Generator = 0, *, sigma2: ArrayLike | None = None) -> Figure:
    r"""Proposition 2: the minimizer of :math:`W_c` depends on :math:`\sigma^2`, that of :math:`W_c^\dagger` does not.

    The example of appendix B.3: :math:`P_X = P_Z = \mathcal N(0, 1)`, decoder
    :math:`G(z) = a z` with Gaussian noise :math:`\sigma^2`, so that
    :math:`P_G^\sigma = \mathcal N(0, a^2 + \sigma^2)` and (Corollary 7)

    .. math::

        W_c(P_X, P_G^\sigma) = W_2^2\big(\mathcal N(0,1), \mathcal N(0, a^2 + \sigma^2)\big)
        = \big(1 - \sqrt{a^2 + \sigma^2}\big)^2, \qquad
        W_c^\dagger = \sigma^2 + W_2^2\big(\mathcal N(0,1), \mathcal N(0, a^2)\big)
        = \sigma^2 + (1 - a)^2 .

    Both are evaluated with :func:`otcheck.closed_forms.gaussian_w2` (Bures) and minimized over
    :math:`a \ge 0` numerically (bounded Brent search to ``1e-10``); the paper's answers are
    :math:`a^* = \sqrt{1 - \sigma^2}` and :math:`a^\dagger = 1`. Left: both objectives against
    :math:`a` for each :math:`\sigma^2`; right: the two minimizers against :math:`\sigma^2`.

    Parameters
    ----------
    seed : int or numpy.random.Generator
        Unused (nothing is random); accepted for a uniform signature.
    sigma2 : array_like, optional
        Values of :math:`\sigma^2` in ``(0, 1)``, default ``numpy.linspace(0.05, 0.95, 19)``.

    Returns
    -------
    matplotlib.figure.Figure
        Right axes: lines labelled ``"argmin W_c"`` and ``"argmin W_c^dagger"`` (x data =
        ``sigma2``, y data = the numerical minimizers) and ``"sqrt(1 - sigma^2)"`` (the paper's).

    Raises
    ------
    ImportError
        When :mod:`otcheck.closed_forms` is not available.
    """
    from scipy.optimize import minimize_scalar

    as_generator(seed)
    sigma2 = np.linspace(0.05, 0.95, 19) if sigma2 is None else np.asarray(sigma2, dtype=float).ravel()
    if sigma2.size == 0 or np.any(~np.isfinite(sigma2)) or np.any(sigma2 <= 0) or np.any(sigma2 >= 1):
        raise ValueError("sigma2: expected values in (0, 1) (the example needs a^2 = 1 - sigma^2 > 0)")
    need("fig_prop2", "otcheck.closed_forms", "gaussian_w2")
    from ..closed_forms import gaussian_w2

    zero, one = np.zeros(1), np.eye(1)

    def w2(var: float) -> float:  # W_2^2(N(0, 1), N(0, var)), Bures
        return float(gaussian_w2(zero, one, zero, var * one))

    def w_c(a: float, s2: float) -> float:
        return w2(a * a + s2)

    def w_dagger(a: float, s2: float) -> float:
        return s2 + w2(a * a)

    def argmin(f: Callable[[float, float], float], s2: float) -> float:
        return minimize_scalar(lambda a: f(a, s2), bounds=(0.0, 2.0), method="bounded", options={"xatol": 1e-10}).x

    a_star = np.array([argmin(w_c, s) for s in sigma2])
    a_dagger = np.array([argmin(w_dagger, s) for s in sigma2])

    fig, (left, right) = new_figure(2.9, ncols=2, narrow_height=4.6)
    grid = np.linspace(0.0, 1.6, 161)
    shown = sigma2[np.unique(np.linspace(0, sigma2.size - 1, min(4, sigma2.size)).round().astype(int))]
    for k, s2 in enumerate(shown):
        left.plot(grid, [w_c(a, s2) for a in grid], color=f"C{k + 1}", ls="-", label=rf"$W_c$, $\sigma^2$={s2:.2g}")
        left.plot(
            grid,
            [w_dagger(a, s2) for a in grid],
            color=f"C{k + 1}",
            ls="--",
            label=rf"$W_c^\dagger$, $\sigma^2$={s2:.2g}",
        )
    left.set_xlabel("decoder slope a  (G(z) = a z)")
    left.set_ylabel("objective")
    left.set_title("the two objectives")
    left.legend(ncol=2, handlelength=1.8, columnspacing=0.8)

    right.plot(sigma2, a_star, label="argmin W_c", **line(1))
    right.plot(sigma2, a_dagger, label="argmin W_c^dagger", **line(2))
    right.plot(sigma2, np.sqrt(1 - sigma2), color="black", ls=":", label="sqrt(1 - sigma^2)")
    method = "bounded Brent search (xatol 1e-10) on the Bures closed forms"
    for label, slope in (("argmin W_c", a_star), ("argmin W_c^dagger", a_dagger)):
        record(
            fig,
            label,
            sigma2,
            slope,
            lower=slope - 1e-10,
            upper=slope + 1e-10,
            guarantee="estimate",
            method=method,
            x_label="sigma^2",
            y_label="minimizing slope a",
        )
    right.set_xlabel(r"decoder variance $\sigma^2$")
    right.set_ylabel("minimizing slope a")
    right.set_title(r"$G^*$ depends on $\sigma^2$," "\n" r"$G^\dagger$ does not")
    right.legend()
    fig.suptitle(r"Prop. 2 (App. B.3): $P_X = P_Z = N(0,1)$, $G(z) = a z$")
    return fig


def fig_vae_blur(
    seed: int | np.random.Generator = 0, *, n: int = 4, encoder_std: float = 0.6, grid: int = 401
) -> Figure:
    r"""VAE blurriness (section 4.1): the conditional-mean decoder of Gaussian encoders averages inputs.

    For a fixed encoder :math:`Q(Z|X)` the decoder minimizing :math:`\mathbb E\|X - G(Z)\|^2` is

    .. math::

        G^*(z) = \mathbb E_{P^*_z}[X] = \frac{\sum_i a_i\, q(z|x_i)\, x_i}{\sum_i a_i\, q(z|x_i)},
        \qquad P^*_z(x_i) \propto a_i\, q(z|x_i),

    which averages every pair of inputs whose encoders overlap (claim ``vae-blur``). The figure
    draws :math:`n` inputs :math:`x_i` (uniform weights :math:`a_i`) on the line, Gaussian encoders
    :math:`Q(Z|X = x_i) = \mathcal N(x_i, s^2)` (densities by :func:`otcheck.gaussian.gmm_pdf`),
    and against the code :math:`z`: the encoders' densities (top) and :math:`G^*(z)` (bottom), with
    the inputs as horizontal lines. Wherever two encoders overlap, :math:`G^*(z)` lies strictly
    between two inputs: the decoder outputs points that are no input (a "blurred" average). The
    deterministic encoder :math:`z = x_i` of a POT/AAE optimum (Theorem 1) does not overlap, and
    its optimal decoder returns the inputs themselves (markers).

    Parameters
    ----------
    seed : int or numpy.random.Generator
        Draws the inputs: consecutive gaps uniform in :math:`[0.6, 1.4]`, centred at 0.
    n : int, default 4
        Number of inputs (at least 2).
    encoder_std : float, default 0.6
        The encoders' standard deviation :math:`s > 0`.
    grid : int, default 401
        Number of codes :math:`z` on which :math:`G^*` is evaluated.

    Returns
    -------
    matplotlib.figure.Figure
        Top axes: one line per encoder; bottom axes: a line labelled ``"G*(z)"`` (x data = the codes,
        y data = :math:`G^*`), one horizontal line per input, and a scatter labelled
        ``"deterministic encoder"``. The title gives the largest distance from :math:`G^*(z)` to
        the nearest input over codes where the encoders have density.

    Raises
    ------
    ImportError
        When :mod:`otcheck.gaussian` is not available.

    Examples
    --------
    >>> fig = fig_vae_blur(seed=0, n=3)
    >>> [line.get_label() for line in fig.axes[1].get_lines()][0]
    'G*(z)'
    """
    need("fig_vae_blur", "otcheck.gaussian", "gmm_pdf")
    from ..gaussian import gmm_pdf

    rng = as_generator(seed)
    n = check_positive_int(n, "n", minimum=2)
    grid = check_positive_int(grid, "grid", minimum=2)
    if not np.isfinite(encoder_std) or encoder_std <= 0:
        raise ValueError(f"encoder_std: must be a finite number > 0, got {encoder_std!r}")
    x = np.concatenate([[0.0], np.cumsum(rng.uniform(0.6, 1.4, size=n - 1))])
    x -= x.mean()  # inputs at least 0.6 apart
    a = np.full(n, 1.0 / n)
    s2 = float(encoder_std) ** 2
    z = np.linspace(x[0] - 3 * encoder_std, x[-1] + 3 * encoder_std, grid)
    q = np.stack([gmm_pdf(z, [xi], s2, [1.0]) for xi in x])  # q[i, k] = q(z_k | x_i)
    joint = a[:, None] * q
    g_star = (joint * x[:, None]).sum(0) / joint.sum(0)  # E[X | Z = z_k]
    blur = np.abs(g_star[:, None] - x[None, :]).min(1)  # distance to the nearest input

    fig, (top, bottom) = new_figure(4.4, nrows=2, sharex=True, narrow_height=4.4)
    for i in range(n):
        top.plot(z, q[i], color=f"C{(i + 1) % 8}", ls=line(i + 1)["linestyle"], label=f"Q(z | x{i})")
    top.set_ylabel("encoder density")
    top.set_title(rf"encoders $N(x_i, {encoder_std:g}^2)$ overlap")
    top.legend(ncol=2)
    bottom.plot(z, g_star, color="black", lw=2, label="G*(z)")
    for i in range(n):
        bottom.axhline(x[i], color=f"C{(i + 1) % 8}", ls=":", lw=1)
    bottom.scatter(x, x, color=[f"C{(i + 1) % 8}" for i in range(n)], zorder=3, label="deterministic encoder")
    record(
        fig,
        "G*(z)",
        z,
        g_star,
        guarantee="estimate",
        method="conditional mean, float64",
        x_label="code z",
        y_label="G*(z)",
    )
    record(fig, "inputs", np.arange(n), x, guarantee="proof", method="drawn from the seed", y_label="x_i")
    bottom.set_xlabel("code z")
    bottom.set_ylabel(r"$G^*(z) = E[X \mid Z = z]$")
    bottom.set_title(f"G*: up to {blur.max():.3g} from every input")
    bottom.legend()
    fig.suptitle("VAE blur (Sec. 4.1): the optimal decoder\naverages inputs")
    return fig


def fig_prop3(seed: int | np.random.Generator = 0, *, eps: ArrayLike | None = None) -> Figure:
    r"""Proposition 3: cosines between WGAN gradients stay wrong as the optimality gap :math:`\varepsilon` shrinks.

    Draws, against :math:`\varepsilon` (log scale, decreasing to the right), the three cosines of
    Proposition 3 computed by the claim ``prop3`` (the explicit constructions of appendix B.4,
    :func:`otcheck.claims._prop3.prop3_instance`), with the bounds they must stay under:

    .. math::

        A(f_\varepsilon, f^*) \le 1 - C, \qquad A(h^*, f^*) \le 1 - C, \qquad
        A(h_\varepsilon, h^*) \le 0, \qquad A(f, f') = \cos(\nabla J_D(f), \nabla J_D(f')),

    (the middle one in the proof-sketch reading, at the worse of the two codes), and on the right
    the optimality gaps :math:`|J_D(f_\varepsilon) - J_D(f^*)|` and
    :math:`|J_D(h_\varepsilon) - J_D(h^*)|` under the line :math:`\varepsilon`: the witnesses get
    arbitrarily close to optimal while their gradients do not.

    Parameters
    ----------
    seed : int or numpy.random.Generator
        Passed to the claim's check.
    eps : sequence of float, optional
        The values of :math:`\varepsilon` (the claim's default when omitted).

    Returns
    -------
    matplotlib.figure.Figure
        Left axes: lines labelled ``"A(f_eps, f*)"``, ``"A(h*, f*)"``, ``"A(h_eps, h*)"`` (x data =
        the :math:`\varepsilon` values) and ``"1 - C"``; right axes: ``"gap f_eps"``,
        ``"gap h_eps"`` and ``"eps"``.

    Raises
    ------
    ImportError
        When the claim ``prop3`` is not registered or its evidence lacks the table drawn here.
    """
    sizes = {} if eps is None else {"eps": tuple(float(e) for e in np.ravel(eps))}
    ev = claim("fig_prop3", "prop3", seed, **sizes)
    try:
        table, C_value = ev.details["table"], ev.details["C"]
        if not isinstance(table, (list, tuple)) or not isinstance(C_value, numbers.Real):
            raise TypeError("details['table'] as a list of rows and details['C'] as a number")
        C = float(C_value)
        e = np.array([r["eps"] for r in table], dtype=float)
        cos_f = np.array([r["cos_f"] for r in table], dtype=float)
        cos_hf = np.array([max(r["cos_hstar_fstar"]) for r in table], dtype=float)
        cos_h = np.array([r["cos_h"] for r in table], dtype=float)
        gap_f = np.array([r["gap_f"] for r in table], dtype=float)
        gap_h = np.array([r["gap_h"] for r in table], dtype=float)
    except (KeyError, TypeError) as exc:
        raise ImportError(
            f"fig_prop3 needs details['table'] rows (eps, cos_f, cos_hstar_fstar, cos_h, gap_f, "
            f"gap_h) and details['C'] from the claim 'prop3'; this version lacks {exc}"
        ) from exc

    fig, (left, right) = new_figure(2.9, ncols=2, narrow_height=4.6)
    left.plot(e, cos_f, label="A(f_eps, f*)", markersize=7, **line(1))  # large: often under A(h_eps, h*)
    left.plot(e, cos_hf, label="A(h*, f*)", **line(2))
    left.plot(e, cos_h, label="A(h_eps, h*)", **line(3))
    left.axhline(1 - C, color="black", ls="--", label="1 - C")
    left.axhline(0.0, color="gray", ls=":", lw=1)
    left.set_xscale("log")
    left.invert_xaxis()
    left.set_ylim(-1.05, 1.05)
    left.set_xlabel(r"$\varepsilon$")
    left.set_ylabel("cosine between gradients w.r.t. G")
    left.set_title(f"gradients stay wrong\nC = {C:.4g}")
    left.legend()

    right.plot(e, gap_f, label="gap f_eps", **line(1))
    right.plot(e, gap_h, label="gap h_eps", **line(3))
    right.plot(e, e, color="black", ls="--", label="eps")
    right.set_xscale("log")
    right.set_yscale("log" if np.all(np.concatenate([gap_f, gap_h]) > 0) else "linear")
    right.invert_xaxis()
    right.set_xlabel(r"$\varepsilon$")
    right.set_ylabel(r"$|J_D(\cdot) - J_D(\mathrm{optimum})|$")
    right.set_title("while the witnesses\nare eps-optimal")
    right.legend()
    fig.suptitle(f"Prop. 3 (App. B.4): claim 'prop3' {ev.verdict}")
    for name, values in (
        ("A(f_eps, f*)", cos_f),
        ("A(h*, f*)", cos_hf),
        ("A(h_eps, h*)", cos_h),
        ("gap f_eps", gap_f),
        ("gap h_eps", gap_h),
    ):
        record(
            fig,
            name,
            e,
            values,
            guarantee="estimate",
            method="claim 'prop3' (analytic gradients, float64)",
            x_label="eps",
            y_label=name,
        )
    record(fig, "1 - C", [0.0], [1 - C], guarantee="estimate", method="claim 'prop3'", x_label="-")
    return fig
