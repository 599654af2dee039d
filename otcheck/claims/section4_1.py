r"""Claims of section 4.1 on random decoders: Lemma 8 (the variance of :math:`P_G^\sigma`) and Proposition 2
(the minimizer of :math:`W_c` moves with :math:`\sigma^2`, that of :math:`W_c^\dagger` does not).

Each claim has two entry points, as in :mod:`otcheck.claims.section2`: a public function taking an
explicit instance and returning :class:`~otcheck.claims.Evidence`, and a registered check
``check(seed=0, **sizes)`` building a seeded random instance and calling it.

Every comparison reads two :class:`~otcheck.bounds.Bound`\ s: a quadrature or float64 evaluation
of a closed form is an estimate with the size of the numbers it was computed from, an exact right
side is a rational (:func:`~otcheck.claims._common.rational_bound`), a numerical minimizer's argmin
is an estimate whose error comes from its stopping rule and the objective's curvature
(:func:`~otcheck.claims._common.argmin_bound`), and sampled comparisons are Student-t intervals
widened by a stated bias bound (exactly 0 for unbiased batch variances; the exact bias of the
sorted coupling for Prop. 2's samples). A sampled equality holds only as an equivalence test with a
margin stated in its note. No comparison has a tolerance of its own.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

from .. import autoencoders as AE
from .._validation import as_float_array, as_generator, as_points, as_weights, check_nonnegative, check_positive_int
from ..bounds import FLOAT_REL_ERROR, Bound, student_t_interval
from ..costs import cost_matrix
from ..exact import solve_ot
from ._common import ZERO, argmin_bound, curvature, float_bound, headline, rational_bound, record_worst, with_sizes
from ._evidence import Evidence, Recorder
from ._instances import (
    FloatArray,
    Seed,
    check_confidence,
    check_sigma2s,
    gauss_hermite_sqcost,
    random_weights,
    seeded,
)
from ._registry import register

__all__ = ["lemma8", "prop2_1d", "prop2_linear", "prop2_sampled"]


# --------------------------------------------------------------------------------------------
# lemma8
# --------------------------------------------------------------------------------------------
def _variance_bound(y: ArrayLike, confidence: float, batches: int, what: str) -> Bound:
    r"""Confidence bound of :math:`\operatorname{Var}[Y]` from i.i.d. draws ``y``: the draws are split into
    ``batches`` equal batches, each batch's sample variance (``ddof=1``) is an unbiased estimate
    (bias exactly 0, a theorem for i.i.d. draws), and :meth:`~otcheck.bounds.Bound.from_samples` gives the
    Student-t interval of their mean."""
    y = np.asarray(y, dtype=float)
    k = max(2, min(int(batches), y.size // 2))
    per = y.size // k
    est = y[: k * per].reshape(k, per).var(axis=1, ddof=1)
    return Bound.from_samples(
        est,
        confidence=confidence,
        bias=0.0,
        method=f"sampled: {what} ({k} batches of {per} draws, unbiased batch variances)",
    )


def lemma8(
    codes_weights: ArrayLike,
    means: ArrayLike,
    sigma2: float,
    *,
    n_samples: int = 20000,
    confidence: float = 0.99,
    seed: Seed = 0,
    rel_margin: float = 0.1,
    batches: int = 40,
) -> Evidence:
    r"""Evidence for Lemma 8 (per coordinate): :math:`\operatorname{Var}[Y] = \sigma^2 + \operatorname{Var}_Z[G(Z)]`.

    .. math::

        Y \sim P_G^\sigma = \sum_j b_j \mathcal N(G(z_j), \sigma^2 I_d):\qquad
        \operatorname{Var}[Y_k] = \sigma^2 + \sum_j b_j (G(z_j)_k - \bar G_k)^2

    Left side computed two ways, neither using the variance decomposition: (1) the moments
    :math:`\mathbb E Y_k`, :math:`\mathbb E Y_k^2` of the mixture by Gauss-Hermite quadrature of each
    component (exact for these polynomials), :math:`\operatorname{Var} = \mathbb E Y^2 - (\mathbb E Y)^2`,
    a float64 evaluation with the size of :math:`\mathbb E Y^2`, against the right side in exact
    rational arithmetic; (2) from ``n_samples`` draws, split
    into ``batches`` batches whose sample variances are unbiased (bias exactly 0), with a Student-t
    interval at level :math:`1 - (1 - \text{confidence})/d` per coordinate (Bonferroni over the
    ``d`` coordinates). The sampled equality is an equivalence test with the margin
    ``rel_margin`` times the right side: it holds when the interval lies within that margin of the
    right side, fails only when it lies entirely outside it, and is undecided otherwise.

    Reading: "Var" is the per-coordinate variance (the OCR's scalar formula, applied to each
    coordinate of an isotropic decoder :math:`\mathcal N(G(z), \sigma^2 I_d)`).

    Returns
    -------
    Evidence
        Headline: the variance of the first coordinate by quadrature ``==`` the exact right side.
    """
    from ..gaussian import GaussianMixture

    b = as_weights(codes_weights, "codes_weights")
    G = as_points(means, "means")
    if G.shape[0] != b.size:
        raise ValueError(f"means: has {G.shape[0]} rows, expected one per code ({b.size})")
    sigma2 = check_nonnegative(sigma2, "sigma2", strict=True)
    n_samples = check_positive_int(n_samples, "n_samples", minimum=4)
    confidence = check_confidence(confidence)
    rel_margin = check_nonnegative(rel_margin, "rel_margin", strict=True)
    batches = check_positive_int(batches, "batches", minimum=2)
    rng = as_generator(seed)
    d = G.shape[1]
    rhs = sigma2 + b @ (G - b @ G) ** 2
    size = sigma2 + b @ G**2  # E Y_k^2: the size of the numbers of the quadrature
    inst = {"b": b, "G": G, "sigma2": sigma2}
    rec = Recorder("lemma8", instance=inst)
    fb = [Fraction(float(w)) for w in b]
    right = []
    for k in range(d):  # the right side in exact arithmetic on the given numbers
        g = [Fraction(float(v)) for v in G[:, k]]
        mean = sum(w * v for w, v in zip(fb, g))
        right.append(
            rational_bound(
                Fraction(sigma2) + sum(w * (v - mean) ** 2 for w, v in zip(fb, g)), "sigma^2 + Var_Z G(Z)_k (rational)"
            )
        )
    for k in range(d):
        m1 = float(b @ G[:, k])  # E Y_k = sum_j b_j G_k(z_j) (mean of each component)
        m2 = float(b @ gauss_hermite_sqcost(np.zeros((1, 1)), G[:, k : k + 1], sigma2)[0])
        rec.compare(
            float_bound(m2 - m1**2, max(m2, size[k]), "E Y_k^2 - (E Y_k)^2 by Gauss-Hermite quadrature"),
            right[k],
            "==",
            instance={**inst, "coordinate": k},
            note=f"coordinate {k}: Var[Y] by quadrature of the mixture",
        )
    Y = GaussianMixture(b, G, np.full(d, sigma2)).sample(n_samples, rng)
    level = 1.0 - (1.0 - confidence) / d
    for k in range(d):
        margin = float(rel_margin * rhs[k])
        rec.compare(
            _variance_bound(Y[:, k], level, batches, f"Var[Y_{k}] from {n_samples} draws"),
            right[k],
            "==",
            margin=margin,
            instance={**inst, "coordinate": k, "n_samples": n_samples},
            note=f"coordinate {k}: sample variance of {n_samples} draws (bias 0); equivalence margin "
            f"{rel_margin:.3g} x Var[Y_k] = {margin:.3g}, TOST at {level:.4g} (Bonferroni over {d})",
        )
    return rec.evidence(**headline(rec.parts[0]), details={"rhs": rhs})


@register(
    "lemma8",
    location="Sec. 4.1 / App. B.3, Lemma 8",
    section="4",
    relation="==",
    statement="for Y ~ P_G^sigma: Var[Y] = sigma^2 + Var_{Z ~ P_Z}[G(Z)] (per coordinate)",
    reading="Var is per coordinate (the decoder covariance is sigma^2 I_d).",
)
def _check_lemma8(
    seed: Seed = 0,
    m: int = 5,
    dim: int = 2,
    sigma2: float = 0.3,
    n_samples: int = 200000,
    rel_margin: float = 0.03,
    confidence: float = 0.99,
) -> Evidence:
    """Discrete P_Z with Gaussian decoders in d = 2: the mixture's variance by Gauss-Hermite quadrature equals the
    right side exactly, and the sample variance (unbiased batch variances) agrees within a stated equivalence
    margin; plus the paper's example G(z) = sqrt(1 - sigma^2) z, P_Z = N(0, 1) (Var[Y] = 1) from samples."""
    rng, (m, dim) = seeded(seed, m=m, dim=dim)
    sigma2 = check_nonnegative(sigma2, "sigma2", strict=True)
    n_samples = check_positive_int(n_samples, "n_samples", minimum=4)
    rel_margin = check_nonnegative(rel_margin, "rel_margin", strict=True)
    confidence = check_confidence(confidence)
    b = random_weights(rng, m)
    G = rng.uniform(-2, 2, size=(m, dim))
    # Bonferroni over the dim + 1 sampled comparisons: dim coordinates below, the paper's example
    alpha = (1.0 - confidence) / (dim + 1)
    main = lemma8(b, G, sigma2, n_samples=n_samples, seed=rng, rel_margin=rel_margin, confidence=1.0 - alpha * dim)
    # paper's example (B.3): P_Z = N(0, 1), G(z) = sqrt(1 - s2) z, so Var[Y] = (1 - s2) + s2 = 1
    s2 = min(sigma2, 0.99)
    z = rng.normal(size=n_samples)
    y = np.sqrt(1 - s2) * z + np.sqrt(s2) * rng.normal(size=n_samples)
    var = _variance_bound(y, 1.0 - alpha, 40, f"Var[Y] from {n_samples} draws")
    rec = Recorder(instance={"sigma2": s2, "n_samples": n_samples})
    main_part = rec.add(main)
    rec.compare(
        var,
        Bound.exact(1),
        "==",
        margin=rel_margin,
        instance={"sigma2": s2, "n_samples": n_samples},
        note=f"paper's example: G(z) = sqrt(1 - sigma^2) z, P_Z = N(0, 1): Var[Y] = 1 (bias 0; equivalence "
        f"margin {rel_margin:.3g}, TOST at {1 - alpha:.4g})",
    )
    ev = rec.evidence(**headline(main_part), details={"discrete": main.details, "example_variance": var.value})
    return with_sizes(ev, seed=seed, m=m, dim=dim, sigma2=sigma2, n_samples=n_samples)


# --------------------------------------------------------------------------------------------
# prop2
# --------------------------------------------------------------------------------------------
def prop2_1d(sigma2s: ArrayLike = (0.1, 0.3, 0.6)) -> Evidence:
    r"""Proposition 2 on the example of B.3, in closed form and by numerical minimization.

    :math:`P_X = P_Z = \mathcal N(0,1)`, :math:`G(z) = az`, :math:`P_G^\sigma = \mathcal N(0, a^2 +
    \sigma^2)`:

    .. math::

        W_c(P_X, P_G^\sigma) = \big(1 - \sqrt{a^2 + \sigma^2}\big)^2 \ \text{(min at } a = \sqrt{1-\sigma^2}),
        \qquad W_c^\dagger = \sigma^2 + (1 - a)^2 \ \text{(min at } a = 1).

    The two objectives are evaluated with the Bures formula (:func:`otcheck.closed_forms.gaussian_w2`,
    :math:`W_c^\dagger = \sigma^2 + W_2^2(P_X, G_\# P_Z)` by Corollary 7 and Theorem 1), checked
    against B.3's expressions on a grid of :math:`a` (both float64 evaluations, of the size
    :math:`1 + a^2 + \sigma^2` of the covariances), and
    minimized over :math:`a \in [0, 2]` with ``scipy.optimize.minimize_scalar``
    (bounded, ``xatol=1e-10``); each minimizer is an ``"estimate"`` whose error comes from the
    search's stopping rule and the objective's curvature there (a second difference of the Bures
    objective, not B.3's formula). The minimizers are compared with the closed forms, with each
    other across :math:`\sigma^2` ("depends on" / "does not depend on"), and :math:`G^\dagger`
    with the minimizer of :math:`W_c(P_X, P_G^0) = (1-|a|)^2`.

    Parameters
    ----------
    sigma2s : sequence of float
        At least two decoder variances in (0, 1).

    Returns
    -------
    Evidence
        Parts: B.3's formulas, each minimizer against its closed form, their dependence on :math:`\sigma^2`.

    Raises
    ------
    ValueError
        Fewer than two variances, or one outside (0, 1).

    Examples
    --------
    >>> ev = prop2_1d((0.2, 0.5))
    >>> ev.verdict, ev.guarantee
    ('holds', 'estimate')
    """
    from scipy.optimize import minimize_scalar

    from ..closed_forms import gaussian_w2

    s2 = check_sigma2s(sigma2s, below=1.0)

    def Wc(a: float, s: float) -> float:  # W_2^2(P_X, P_G^sigma)
        return gaussian_w2([0.0], [[1.0]], [0.0], [[a * a + s]])

    def Wd(a: float, s: float) -> float:  # eq. 16 with Theorem 1
        return s + gaussian_w2([0.0], [[1.0]], [0.0], [[a * a]])

    rec = Recorder("prop2", instance={"sigma2": s2})
    grid = np.linspace(0.0, 2.0, 41)
    formula = []
    for a in grid:
        for s in s2:
            size = 1.0 + a * a + s  # the covariances the Bures formula is computed from
            formula.append(
                (
                    Bound.floating(Wc(a, s), scale=size, method="Bures formula (float64)"),
                    Bound.floating((1 - math.sqrt(a * a + s)) ** 2, scale=size, method="B.3 formula (float64)"),
                )
            )
            formula.append(
                (
                    Bound.floating(Wd(a, s), scale=size, method="Bures formula (float64)"),
                    Bound.floating(s + (1 - a) ** 2, scale=size, method="B.3 formula (float64)"),
                )
            )
    record_worst(
        rec, formula, "==", note="B.3's formulas (1 - sqrt(a^2 + s^2))^2 and s^2 + (1 - a)^2 == Bures on a grid of a"
    )
    xatol = 1e-10
    opt = dict(bounds=(0.0, 2.0), method="bounded", options={"xatol": xatol})

    def argmin(f: Callable[[float], float], scale: float, what: str) -> Bound:
        res = minimize_scalar(f, **opt)
        return argmin_bound(
            res.x,
            xatol=xatol,
            curvature=curvature(f, float(res.x)),
            fscale=scale,
            tight=bool(res.success),
            method=f"argmin of {what} (bounded Brent, scipy)",
        )

    a_w = [argmin(functools.partial(Wc, s=s), 2.0 + s, "W_c") for s in s2]
    a_d = [argmin(functools.partial(Wd, s=s), 2.0 + s, "W_c^dagger") for s in s2]
    a_0 = argmin(functools.partial(Wc, s=0.0), 2.0, "W_c at sigma = 0")
    record_worst(
        rec,
        [
            (a, Bound.floating(math.sqrt(1 - s), scale=1.0, method="sqrt(1 - sigma^2) (float64)"))
            for a, s in zip(a_w, s2)
        ],
        "==",
        note="argmin_a W_c == sqrt(1 - sigma^2) for every sigma^2",
    )
    record_worst(rec, [(a, Bound.exact(1.0)) for a in a_d], "==", note="argmin_a W_c^dagger == 1 for every sigma^2")
    rec.compare(a_w[0], a_w[-1], "depends on", note=f"argmin W_c at sigma^2={s2[0]:g} vs {s2[-1]:g}")
    rec.compare(a_d[0], a_d[-1], "does not depend on", note=f"argmin W_c^dagger at sigma^2={s2[0]:g} vs {s2[-1]:g}")
    rec.compare(a_0, a_d[0], "==", note="G^dagger also minimizes W_c(P_X, P_G^0)")
    det = {
        "sigma2": s2,
        "argmin_Wc": np.array([float(b.value) for b in a_w]),
        "argmin_Wc_dagger": np.array([float(b.value) for b in a_d]),
        "closed_form_Wc": np.sqrt(1 - s2),
        "argmin_Wc_sigma0": float(a_0.value),
        "argmin_error_estimate": max(float(b.width) / 2 for b in a_w + a_d),
    }
    return rec.evidence(details=det)


def _gram_bounds(
    fit: AE.LinearDecoderFit, S: FloatArray, target: FloatArray
) -> tuple[list[list[Bound]], list[list[Bound]], Bound, float]:
    r"""Bounds of the fitted Gram matrix's entries and of the fitted objective value (``"estimate"``).

    A fit stopped at gradient norm :math:`g` (w.r.t. :math:`A`) is within
    :math:`g\,\lambda_{max}(\Sigma_X) / \sigma_{min}(A)` of the optimal Gram matrix (first order: the
    Bures distance has curvature at least :math:`1/(2\lambda_{max})` in the covariance, and
    :math:`\|\nabla_A f\| \ge 2\sigma_{min}(A)\|\nabla_M f\|`), plus the float error of the covariances'
    size; its objective value is within the float error of the traces plus :math:`g` times the
    distance to the optimum in :math:`A`.
    """
    lam = float(np.linalg.eigvalsh(S).max())
    smin = float(np.linalg.svd(fit.A, compute_uv=False).min())
    size = float(np.trace(S) + np.trace(fit.gram)) + S.shape[0] * fit.sigma2
    if smin > 0:
        err = fit.grad_norm * lam / smin + FLOAT_REL_ERROR * size
        verr = FLOAT_REL_ERROR * size + fit.grad_norm * err / smin
    else:
        err = verr = math.inf
    how = f"L-BFGS-B fit of A ({fit.objective}, sigma^2={fit.sigma2:g}), error from the gradient norm"
    if not math.isfinite(err):
        gram = [
            [Bound(v, -math.inf, math.inf, method=how, guarantee="estimate", tight=False) for v in row]
            for row in fit.gram
        ]
        value = Bound(fit.value, -math.inf, math.inf, method=how, guarantee="estimate", tight=False)
    else:
        gram = [[Bound.estimate(v, err, method=how) for v in row] for row in fit.gram]
        value = Bound.estimate(fit.value, verr, method=how)
    tgt = [[Bound.floating(v, scale=lam + fit.sigma2, method="closed form (float64)") for v in row] for row in target]
    return gram, tgt, value, size


def prop2_linear(Sigma_X: ArrayLike, sigma2s: ArrayLike, *, seed: Seed = 0) -> Evidence:
    r"""Proposition 2 beyond the paper: :math:`d`-dimensional Gaussians, linear decoder :math:`G(z) = Az`.

    :math:`A` is fitted by L-BFGS-B with analytic gradients (:func:`otcheck.autoencoders.fit_linear_decoder`) for both
    objectives (Bures formula for :math:`W_2^2`) at each :math:`\sigma^2`; the Gram matrices
    :math:`AA^\top` (what :math:`P_G` depends on) are compared entry by entry with the closed forms
    :math:`\Sigma_X - \sigma^2 I` (for :math:`W_c`) and :math:`\Sigma_X` (for :math:`W_c^\dagger`),
    and across :math:`\sigma^2`; the fitted objective values are cross-checked with
    :func:`otcheck.closed_forms.gaussian_w2`. A fitted entry is an ``"estimate"`` whose error comes
    from the fit's final gradient norm (:func:`_gram_bounds`).

    Parameters
    ----------
    Sigma_X : array_like, shape (d, d)
        Data covariance, symmetric positive definite.
    sigma2s : sequence of float
        At least two decoder variances, below the smallest eigenvalue of ``Sigma_X``.
    seed : int or numpy.random.Generator
        Initial decoder of the fits.

    Returns
    -------
    Evidence
        Parts: the fitted Gram matrices, the objective values, their dependence on :math:`\sigma^2`.

    Raises
    ------
    ValueError
        A bad covariance or variance (named).

    Examples
    --------
    >>> prop2_linear([[2.0, 0.0], [0.0, 1.5]], (0.1, 0.5)).verdict
    'holds'
    """
    from ..closed_forms import gaussian_w2

    S = as_float_array(Sigma_X, "Sigma_X", ndim=2)
    lam_min = float(np.linalg.eigvalsh(S).min()) if S.shape[0] == S.shape[1] else 0.0
    s2 = check_sigma2s(sigma2s, below=lam_min if lam_min > 0 else None)
    d = S.shape[0]
    fits_w = [AE.fit_linear_decoder(S, s, "w2", seed=seed) for s in s2]
    fits_d = [AE.fit_linear_decoder(S, s, "w2dagger", seed=seed) for s in s2]
    bw = [_gram_bounds(f, S, S - s * np.eye(d)) for f, s in zip(fits_w, s2)]
    bd = [_gram_bounds(f, S, S) for f in fits_d]
    entries = lambda g: [x for row in g for x in row]  # noqa: E731
    rec = Recorder("prop2", instance={"Sigma_X": S, "sigma2": s2})
    record_worst(
        rec,
        [(g, t) for gram, tgt, _, _ in bw for g, t in zip(entries(gram), entries(tgt))],
        "==",
        note="fitted AA^T for W_c == Sigma_X - sigma^2 I (every entry, every sigma^2)",
    )
    record_worst(
        rec,
        [(g, t) for gram, tgt, _, _ in bd for g, t in zip(entries(gram), entries(tgt))],
        "==",
        note="fitted AA^T for W_c^dagger == Sigma_X (every entry, every sigma^2)",
    )
    z = np.zeros(d)
    vals = []
    for (_, _, _, size), f, s in zip(bw, fits_w, s2):
        vals.append(
            (
                Bound.floating(f.value, scale=size, method="Bures objective of the fit (float64)"),
                Bound.floating(
                    gaussian_w2(z, S, z, f.gram + s * np.eye(d)),
                    scale=size,
                    method="closed_forms.gaussian_w2 (float64)",
                ),
            )
        )
    for (_, _, _, size), f, s in zip(bd, fits_d, s2):
        vals.append(
            (
                Bound.floating(f.value, scale=size, method="Bures objective of the fit (float64)"),
                Bound.floating(
                    d * s + gaussian_w2(z, S, z, f.gram), scale=size, method="closed_forms.gaussian_w2 (float64)"
                ),
            )
        )
    record_worst(rec, vals, "==", note="Bures objective of the fit == closed_forms.gaussian_w2 at the fitted A")
    opts = [(value, ZERO) for _, _, value, _ in bw]
    opts += [(value, Bound.floating(d * s, method="d sigma^2 (float64)")) for (_, _, value, _), s in zip(bd, s2)]
    record_worst(rec, opts, "==", note="optimal values: W_c = 0 (P_G^sigma = P_X reachable) and W_c^dagger = d sigma^2")
    g0w, g1w, g0d, g1d = entries(bw[0][0]), entries(bw[-1][0]), entries(bd[0][0]), entries(bd[-1][0])
    record_worst(
        rec,
        list(zip(g0w, g1w)),
        "depends on",
        any_of=True,
        note=f"the W_c minimizer moves with sigma^2 (some entry of AA^T at {s2[0]:g} vs {s2[-1]:g})",
    )
    record_worst(
        rec,
        list(zip(g0d, g1d)),
        "does not depend on",
        note=f"the W_c^dagger minimizer does not move with sigma^2 (every entry at {s2[0]:g} vs {s2[-1]:g})",
    )
    det = {
        "sigma2": s2,
        "Sigma_X": S,
        "gram_Wc": [f.gram for f in fits_w],
        "gram_Wc_dagger": [f.gram for f in fits_d],
        "value_Wc": [f.value for f in fits_w],
        "value_Wc_dagger": [f.value for f in fits_d],
        "grad_norm": [f.grad_norm for f in fits_w + fits_d],
        "scale": float(np.abs(S).max()),
    }
    return rec.evidence(details=det)


@functools.lru_cache(maxsize=32)
def _normal_order_variance(n: int) -> tuple[float, float]:
    r""":math:`\kappa_n = \frac1n \sum_i \mathrm{Var}\, X_{(i)}` for :math:`n` i.i.d. standard normals, with its error.

    :math:`\sum_i \mathbb E X_{(i)}^2 = n`, so :math:`\kappa_n = 1 - \frac1n\sum_i m_i^2` with
    :math:`m_i = \mathbb E X_{(i)} = -m_{n+1-i}`; each :math:`m_i` is an adaptive quadrature
    (``scipy.integrate.quad``) of :math:`x f_{(i)}(x)` over :math:`[-12, 12]`, the order statistic's
    density in logs. Returns ``(kappa, error)``: the error adds the quadratures' error estimates
    and the tails beyond 12 (:math:`|m_i|` changes by at most :math:`2n\varphi(12)` there).
    """
    from scipy import integrate, special, stats

    m = np.zeros(n)
    qerr = 0.0
    log_n = special.gammaln(n + 1)
    for i in range(1, n // 2 + 1):
        lc = log_n - special.gammaln(i) - special.gammaln(n - i + 1) - 0.5 * math.log(2 * math.pi)

        def f(
            x: float, i: int = i, lc: float = lc
        ) -> float:  # x times the density of the i-th order statistic of n standard normals
            return x * math.exp(lc + (i - 1) * special.log_ndtr(x) + (n - i) * special.log_ndtr(-x) - 0.5 * x * x)

        v, e = integrate.quad(
            f, -12.0, 12.0, points=[float(stats.norm.ppf((i - 0.5) / n))], epsabs=1e-14, epsrel=1e-13, limit=200
        )
        m[i - 1], m[n - i] = v, -v
        qerr = max(qerr, e)
    dm = qerr + 2 * n * math.exp(-72.0) / math.sqrt(2 * math.pi)
    kappa = 1.0 - float((m**2).sum()) / n
    err = float(2 * np.abs(m).sum() * dm + n * dm * dm) / n + FLOAT_REL_ERROR
    return kappa, err


def prop2_sampled(
    sigma2: float = 0.5, *, n: int = 200, reps: int = 12, seed: Seed = 0, confidence: float = 0.95
) -> Evidence:
    r"""Proposition 2 from samples: exact OT between empirical laws, with bias-corrected Student-t intervals.

    For :math:`a_\sigma = \sqrt{1 - \sigma^2}` and :math:`a = 1`, ``reps`` independent pairs of
    ``n``-samples of :math:`P_X = \mathcal N(0,1)` and of :math:`P_G^\sigma` (resp. of
    :math:`P_Z`) give certified :math:`W_2^2` between the empirical laws
    (:func:`otcheck.solve_ot`). Checks :math:`W_c(a_\sigma) - W_c(1) < 0` and
    :math:`W_c^\dagger(1) - W_c^\dagger(a_\sigma) < 0` with :math:`W_c^\dagger(a) = \sigma^2 +
    W_2^2(P_X, aP_Z)`, each by a Student-t interval of the paired differences (both values of
    :math:`a` use the same samples), widened by the estimator's bias: for two independent
    :math:`n`-samples of :math:`\mathcal N(0,1)` and :math:`\mathcal N(0,c^2)`,
    :math:`\mathbb E\, W_2^2(\hat\mu_n, \hat\nu_n) = (1-c)^2 + 2c\,\kappa_n` exactly (sorted
    coupling; :math:`\sum_i \mathbb E X_{(i)}^2 = n`), with :math:`\kappa_n` the mean variance of the
    normal order statistics (:func:`_normal_order_variance`), so the bias of a difference is
    :math:`2\kappa_n(c_1 - c_2)`; the certified OT intervals' widths are added. A strict ``<`` holds
    only when the whole interval is below 0 (``undecided`` otherwise). The separate intervals of
    the four means are in ``details``.

    Parameters
    ----------
    sigma2 : float
        Decoder variance in (0, 1).
    n : int
        Sample size of each empirical law.
    reps : int
        Independent replications (>= 2) for the Student-t intervals.
    seed : int or numpy.random.Generator
        Draws the samples of :math:`X`, :math:`Z` and the decoder noise of every replication (both values of
        :math:`a` share them).
    confidence : float
        Level of each interval.

    Returns
    -------
    Evidence
        Two strict inequalities, each a paired, bias-corrected Student-t interval below 0.

    Examples
    --------
    >>> prop2_sampled(0.5, n=60, reps=4, seed=0).guarantee
    'confidence'
    """
    s2 = check_nonnegative(sigma2, "sigma2", strict=True)
    if s2 >= 1:
        raise ValueError(f"sigma2: must be < 1 for the example of B.3, got {s2}")
    n = check_positive_int(n, "n", minimum=2)
    reps = check_positive_int(reps, "reps", minimum=2)
    rng = as_generator(seed)
    a_s = math.sqrt(1 - s2)
    w = np.full(n, 1.0 / n)
    vals: dict[str, list[float]] = {k: [] for k in ("Wc_asigma", "Wc_1", "Wd_asigma", "Wd_1")}
    width = 0.0  # largest width of a certified OT value (the replicates use the float value)
    for _ in range(reps):
        x = rng.standard_normal(n)
        z = rng.standard_normal(n)
        e = rng.standard_normal(n)
        for a, key in ((a_s, "asigma"), (1.0, "1")):
            y = a * z + math.sqrt(s2) * e
            rc, rd = solve_ot(w, w, cost_matrix(x, y)), solve_ot(w, w, cost_matrix(x, a * z))
            width = max(width, float(rc.bound.width), float(rd.bound.width))
            vals["Wc_" + key].append(rc.cost)
            vals["Wd_" + key].append(rd.cost)  # W_c^dagger - sigma^2: sigma^2 cancels in the difference
    kappa, kerr = _normal_order_variance(n)
    k_lo, k_hi = max(kappa - kerr, 0.0), kappa + kerr
    # E[estimate] - truth of a difference of two W_2^2 estimates at scales c1, c2: 2 kappa_n (c1 - c2)
    c_c = (math.sqrt(a_s * a_s + s2), math.sqrt(1.0 + s2))  # P_G^sigma at a_sigma and at a = 1
    c_d = (1.0, a_s)  # a P_Z at a = 1 and at a_sigma

    def bias(c1: float, c2: float) -> tuple[float, float]:
        ends = sorted((2 * k_lo * (c1 - c2), 2 * k_hi * (c1 - c2)))
        slack = 2 * width + FLOAT_REL_ERROR * (1.0 + abs(ends[0]) + abs(ends[1]))
        return ends[0] - slack, ends[1] + slack

    d_c = np.subtract(vals["Wc_asigma"], vals["Wc_1"])
    d_d = np.subtract(vals["Wd_1"], vals["Wd_asigma"])
    how = f"paired difference ({reps} pairs of n={n} samples, exact OT), bias-corrected"
    inst = {"sigma2": s2, "n": n, "reps": reps, "seed": seed if isinstance(seed, int) else "generator"}
    rec = Recorder("prop2", instance=inst)
    bias_note = (
        f"bias 2 kappa_n (c1 - c2) from E W_2^2 = (1 - c)^2 + 2 c kappa_n (kappa_{n} = {kappa:.6g} by "
        "quadrature), plus the certified OT widths"
    )
    rec.compare(
        Bound.from_samples(d_c, confidence=confidence, bias=bias(*c_c), method=how),
        ZERO,
        "<",
        note="sampled W_c(a=sqrt(1-sigma^2)) - W_c(a=1) < 0 (paired samples; " + bias_note + ")",
    )
    rec.compare(
        Bound.from_samples(d_d, confidence=confidence, bias=bias(*c_d), method=how),
        ZERO,
        "<",
        note="sampled W_c^dagger(a=1) - W_c^dagger(a=sqrt(1-sigma^2)) < 0 (paired samples; " + bias_note + ")",
    )
    ci = {}
    for k, v in vals.items():
        mean, half = student_t_interval(v, confidence)
        ci[k] = (mean - half, mean + half)
    return rec.evidence(
        details={"intervals": ci, "kappa_n": kappa, "bias_Wc": bias(*c_c), "bias_Wc_dagger": bias(*c_d)}
    )


@register(
    "prop2",
    location="Sec. 4.1, Prop. 2; App. B.3",
    section="4",
    relation="depends on",
    statement="argmin_G W_c(P_X, P_G^sigma) depends on sigma^2, argmin W_c^dagger does not and also "
    "minimizes W_c(P_X, P_G^0)",
)
def _check_prop2(seed: Seed = 0, dim: int = 3, n: int = 200, reps: int = 12) -> Evidence:
    """B.3 example in closed form and by numerical minimization; d-dim linear decoder fitted by L-BFGS-B against the
    Bures closed forms; sampled version with exact OT and bias-corrected intervals."""
    rng, (dim,) = seeded(seed, dim=dim)
    V, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    S = (V * np.linspace(1.0, 2.0, dim)) @ V.T
    rec = Recorder(instance={"seed": seed, "dim": dim, "n": n, "reps": reps})
    one_d = rec.add(prop2_1d())
    rec.add(prop2_linear(S, (0.1, 0.6), seed=rng))
    rec.add(prop2_sampled(0.5, n=n, reps=reps, seed=rng))
    head = next(p for p in one_d.parts if p.relation == "depends on")
    return rec.evidence(
        **headline(head),
        details={
            "argmin_Wc_1d": one_d.details["argmin_Wc"],
            "argmin_Wc_dagger_1d": one_d.details["argmin_Wc_dagger"],
            "sigma2_1d": one_d.details["sigma2"],
        },
    )
