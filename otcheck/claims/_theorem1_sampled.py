r"""Theorem 1 in a continuous setting (layer 5, used by the ``theorem1`` claim of :mod:`otcheck.claims.section3_1`).

:func:`theorem1_sampled` compares the closed-form :math:`W_2^2(P_X, G_\# P_Z)` of two uniform laws
on the line with eq. 10 estimated from samples, whose estimator has an exactly known bias (the sorted
coupling of uniform order statistics) and a bounded-difference confidence interval valid at every
sample size. The helpers compute each of these in exact rationals where the statement allows it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from fractions import Fraction
from typing import TypedDict

import numpy as np
from numpy.typing import ArrayLike

from .._validation import as_generator, check_nonnegative, check_positive_int
from ..bounds import FLOAT_REL_ERROR, Bound
from ..costs import cost_matrix
from ..exact import solve_ot
from ._common import float_bound, headline
from ._evidence import FAILS, Evidence, Number, Recorder, decide
from ._instances import FloatArray, Seed, check_confidence

__all__ = ["theorem1_sampled"]


# The continuous instance of theorem1_sampled, in exact rationals: X = x0 + sx U, Z = z0 + sz V with U, V
# uniform on [0, 1], and the increasing affine decoder G(z) = g1 z + g0.
_T1_X = (Fraction(2), Fraction(1))  # P_X = U[2, 3]
_T1_Z = (Fraction(-1), Fraction(2))  # P_Z = U[-1, 1]
_T1_G = (Fraction(1, 4), Fraction(1, 4))  # G(z) = z / 4 + 1 / 4, so G#P_Z = U[0, 1/2]


def _uniform_w2(x0: Fraction, sx: Fraction, c0: Fraction, s: Fraction) -> Fraction:
    r""":math:`W_2^2(U[x_0, x_0 + s_x], U[c_0, c_0 + s])` (``sx, s > 0``), exact for rationals.

    The monotone coupling pairs the quantiles :math:`x_0 + s_x t` and :math:`c_0 + s t`, so with
    :math:`\Delta = x_0 - c_0` and :math:`e = s_x - s`,

    .. math:: W_2^2 = \int_0^1 (\Delta + e t)^2\, dt = \Delta^2 + \Delta e + e^2 / 3.

    Examples
    --------
    >>> _uniform_w2(Fraction(2), Fraction(1), Fraction(0), Fraction(1, 2))
    Fraction(61, 12)
    """
    delta, e = x0 - c0, sx - s
    return delta * delta + delta * e + e * e / 3


def _sorted_coupling_bias(sx: Fraction, s: Fraction, n: int) -> Fraction:
    r"""Exact bias :math:`\mathbb E\,\widehat W_n - W_2^2` of the sorted coupling of ``n`` + ``n`` uniform samples.

    With :math:`X_{(i)} = x_0 + s_x U_{(i)}`, :math:`G(Z)_{(i)} = c_0 + s V_{(i)}`, independent uniform
    order statistics :math:`U_{(i)}, V_{(i)} \sim \mathrm{Beta}(i, n + 1 - i)`
    (:math:`p_i = \mathbb E U_{(i)} = i / (n + 1)`, :math:`v_i = \operatorname{Var} U_{(i)} =
    i (n + 1 - i) / ((n + 1)^2 (n + 2))`), the sorted coupling is optimal for the squared cost, and

    .. math::

        \mathbb E\,\widehat W_n = \frac 1n \sum_{i=1}^n \big(\Delta^2 + 2\Delta e\, p_i + e^2 p_i^2
        + (s_x^2 + s^2)\, v_i\big)
        = \Delta^2 + \Delta e + e^2 \frac{2n + 1}{6(n + 1)} + \frac{s_x^2 + s^2}{6(n + 1)}

    (:math:`\sum_i i^2 = n(n+1)(2n+1)/6`, :math:`\sum_i i(n+1-i) = n(n+1)(n+2)/6`), so, with
    :func:`_uniform_w2`, the bias is exactly :math:`s_x s / (3(n + 1))`.

    Examples
    --------
    >>> _sorted_coupling_bias(Fraction(1), Fraction(1, 2), 999)
    Fraction(1, 6000)
    """
    return sx * s / (3 * (n + 1))


def _term_spread(x0: Fraction, sx: Fraction, c0: Fraction, s: Fraction) -> Fraction:
    r""":math:`\max (x - y)^2 - \min (x - y)^2` over :math:`x \in [x_0, x_0 + s_x]`,
    :math:`y \in [c_0, c_0 + s]` (exact)."""
    lo, hi = x0 - (c0 + s), x0 + sx - c0
    top = max(lo * lo, hi * hi)
    return top - (0 if lo <= 0 <= hi else min(lo * lo, hi * hi))


def _sorted_cost(x: FloatArray, y: FloatArray) -> float:
    """Eq. 10 on ``n`` + ``n`` samples of the line, squared cost: the sorted (monotone) coupling."""
    return float(np.mean((np.sort(x) - np.sort(y)) ** 2))


def _sampled_eq10(
    rng: np.random.Generator,
    n: int,
    reps: int,
    x: tuple[float, float],
    z: tuple[float, float],
    g: tuple[float, float],
) -> FloatArray:
    """``reps`` replicates of eq. 10 on ``n`` + ``n`` samples (sorted coupling), drawn in blocks of replicates."""
    (x0, sx), (z0, sz), (g1, g0) = x, z, g
    out = []
    block = max(1, (1 << 21) // n)
    for start in range(0, reps, block):
        r = min(block, reps - start)
        X = np.sort(x0 + sx * rng.uniform(size=(r, n)), axis=1)
        Y = np.sort(g1 * (z0 + sz * rng.uniform(size=(r, n))) + g0, axis=1)
        out.append(np.mean((X - Y) ** 2, axis=1))
    return np.concatenate(out)


def _bounded_difference_bound(
    vals: ArrayLike, n: int, spread: Fraction | float, beta: Fraction | float, level: float
) -> Bound:
    r"""Confidence bound for :math:`W` from ``R`` replicates of :math:`\widehat W_n`, at level ``level``.

    :math:`\widehat W_n = \min_\sigma \frac 1n \sum_i (X_i - Y_{\sigma(i)})^2` changes by at most
    ``spread``:math:`/n` when one of its :math:`2n` independent draws changes (keep the old optimal
    matching: one term changes, and every term lies in an interval of length ``spread``), so the
    mean of ``R`` replicates is a function of :math:`2nR` independent draws with differences
    ``spread``:math:`/(nR)` and McDiarmid's inequality gives
    :math:`P(|\bar W - \mathbb E \widehat W_n| \ge t) \le 2\exp(-nR t^2 / \text{spread}^2)`:
    :math:`t = \text{spread}\sqrt{\log(2/\alpha) / (nR)}`, valid at every ``n`` and ``R`` (a Student-t
    interval is not: its coverage falls below the nominal level for the skewed law of
    :math:`\widehat W_n` at small ``n``). Minus the exact bias ``beta``, it covers :math:`W` itself.
    A float64 rounding allowance of :data:`~otcheck.bounds.FLOAT_REL_ERROR` times the largest term is
    added.
    """
    vals = np.asarray(vals, dtype=float)
    reps = vals.size
    mean = float(vals.mean())
    t = float(spread) * math.sqrt(math.log(2.0 / (1.0 - level)) / (n * reps)) + FLOAT_REL_ERROR * float(vals.max())
    corrected = mean - float(Fraction(beta))
    lo, hi = math.nextafter(corrected - t, -math.inf), math.nextafter(corrected + t, math.inf)
    return Bound.interval(
        lo,
        hi,
        corrected,
        guarantee="confidence",
        confidence=level,
        tight=False,
        method=f"sampled eq. 10 at n = {n} ({reps} replicates): McDiarmid bounded-difference "
        f"interval minus the exact bias {beta}",
    )


class _Row(TypedDict):
    n: int
    mean: float
    bias: Fraction
    interval: tuple[Number, Number]
    width: Number
    bound: Bound


class _SampledRow(_Row, total=False):
    student_t_interval: tuple[Number, Number]


def theorem1_sampled(
    sizes: int | Iterable[int] = (1000, 10000, 100000),
    *,
    reps: int = 10,
    confidence: float = 0.95,
    rel_margin: float = 0.01,
    seed: Seed = 0,
) -> Evidence:
    r"""Theorem 1 in a continuous setting: exact :math:`W_2^2(P_X, G_\# P_Z)` vs the sampled eq. 10.

    :math:`P_X = U[2, 3]`, :math:`P_Z = U[-1, 1]`, :math:`G(z) = z/4 + 1/4`, so
    :math:`G_\# P_Z = U[0, 1/2]` and the left side is :math:`W_2^2 = 61/12` exactly
    (:func:`_uniform_w2`, the integral of a quadratic along the monotone coupling). The right side
    :math:`\inf_{P \in \Pi(P_X, P_Z)} \mathbb E (X - G(Z))^2` is estimated from ``n`` samples of
    ``X`` and ``n`` of ``Z``: the cost :math:`(x - G(z))^2` is submodular in :math:`(x, z)` for an
    increasing ``G``, so the sorted coupling of the samples is optimal (cross-checked against the
    certified :func:`otcheck.solve_ot` at ``n = 64``). Its bias is known exactly,
    :math:`\mathbb E\,\widehat W_n - W = s_x s / (3(n+1)) = 1 / (6(n + 1))`
    (:func:`_sorted_coupling_bias`, from the Beta moments of uniform order statistics).

    Decision, for any sizes in any order: at each of the ``k`` sizes, the ``reps`` replicates give
    a confidence interval for :math:`\mathbb E\,\widehat W_n` at level :math:`1 - \alpha/k`
    (Bonferroni, :math:`\alpha = 1 -` ``confidence``) by McDiarmid's bounded-difference inequality
    (:func:`_bounded_difference_bound`, valid at every ``n`` and ``reps``); minus the exact bias it
    is an interval for :math:`W` itself. All ``k`` cover :math:`W` together with probability at least
    ``confidence``, so their intersection does. The equality is an equivalence test with the margin
    ``rel_margin`` :math:`\cdot W` (stated in the part's note): it holds when the intersection lies
    within :math:`W \pm` margin, fails only when it lies entirely outside (then one of the ``k``
    intervals does), and is undecided otherwise. So a true statement is reported false with
    probability at most :math:`\alpha`, whatever the sizes, their order, ``reps`` and the seed.
    ``details["intervals"]`` also shows each size's Student-t interval (not used to decide).

    Parameters
    ----------
    sizes : int or sequence of int, each >= 2
        Sample sizes ``n`` (any order; each decides).
    reps : int, >= 1
        Replicates per size.
    confidence : float in (0, 1)
        Family-wise level of the ``k`` intervals.
    rel_margin : float > 0
        Equivalence margin, as a fraction of :math:`W`.
    seed : int or Generator
        Draws the samples of ``X`` and ``Z`` of every replicate at every size (one generator for all).

    Returns
    -------
    Evidence
        Headline: the closed-form :math:`W_2^2` ``==`` the intersection of the bias-corrected intervals.
    """
    sizes = tuple(
        check_positive_int(s, "sizes", minimum=2) for s in (sizes if isinstance(sizes, Iterable) else (sizes,))
    )
    if not sizes:
        raise ValueError("sizes: give at least one sample size")
    reps = check_positive_int(reps, "reps")
    confidence = check_confidence(confidence)
    rel_margin = check_nonnegative(rel_margin, "rel_margin", strict=True)
    rng = as_generator(seed)
    (x0, sx), (z0, sz), (g1, g0) = _T1_X, _T1_Z, _T1_G
    c0, s = g0 + g1 * z0, g1 * sz
    W = _uniform_w2(x0, sx, c0, s)
    spread = _term_spread(x0, sx, c0, s)
    exact = Bound.exact(W, method="closed form W_2^2 of two uniforms (rational)")
    margin = float(rel_margin * W)
    k = len(sizes)
    level = 1.0 - (1.0 - confidence) / k
    fx, fsx, fz0, fsz, fg1, fg0 = map(float, (x0, sx, z0, sz, g1, g0))
    rows: list[_SampledRow] = []
    for n in sizes:
        vals = _sampled_eq10(rng, n, reps, (fx, fsx), (fz0, fsz), (fg1, fg0))
        beta = _sorted_coupling_bias(sx, s, n)
        bound = _bounded_difference_bound(vals, n, spread, beta, level)
        row: _SampledRow = {
            "n": n,
            "mean": float(np.mean(vals)),
            "bias": beta,
            "interval": (bound.lower, bound.upper),
            "width": bound.upper - bound.lower,
            "bound": bound,
        }
        if reps >= 2:
            t = Bound.from_samples(vals, confidence=level)
            row["student_t_interval"] = (t.lower, t.upper)
        rows.append(row)
    rows.sort(key=lambda r: r["n"])
    inst = {"sizes": sizes, "reps": reps, "confidence": confidence, "rel_margin": rel_margin}
    rec = Recorder("theorem1", instance=inst)
    lo, hi = max(r["bound"].lower for r in rows), min(r["bound"].upper for r in rows)
    what = (
        f"equivalence margin {rel_margin:.3g} x W = {margin:.4g} (TOST on the {confidence:.0%} family of "
        f"bias-corrected intervals at n = {', '.join(str(r['n']) for r in rows)}, Bonferroni {level:.4g} each)"
    )
    if lo <= hi:
        both = Bound.interval(
            lo,
            hi,
            method=f"intersection of {k} bias-corrected bounded-difference intervals of "
            f"sampled eq. 10 (Bonferroni, {level:.4g} each)",
            guarantee="confidence",
            confidence=confidence,
            tight=False,
        )
        rec.compare(
            exact,
            both,
            "==",
            margin=margin,
            note=f"continuous: closed-form W_2^2 = {W} vs sampled eq. 10, bias removed exactly; {what}",
        )
    else:
        apart = [r for r in rows if decide(exact, r["bound"], "==", margin=margin) == FAILS]
        if apart:
            rec.compare(
                exact,
                replace(apart[0]["bound"], confidence=confidence),
                "==",
                margin=margin,
                note=f"continuous: the bias-corrected interval at n = {apart[0]['n']} lies outside the margin "
                f"band; {what}",
            )
        else:
            rec.undecided(
                exact,
                math.nan,
                "==",
                note=f"continuous: the bias-corrected intervals are disjoint yet none lies outside the "
                f"margin band -- undecided; {what}",
            )
    xs = fx + fsx * rng.uniform(size=64)
    ys = fg1 * (fz0 + fsz * rng.uniform(size=64)) + fg0
    w = np.full(64, 1.0 / 64)
    lp = solve_ot(w, w, cost_matrix(xs, ys))
    rec.compare(
        float_bound(_sorted_cost(xs, ys), float(np.mean(xs**2) + np.mean(ys**2)), "sorted coupling cost"),
        lp.bound,
        "==",
        instance={"x": xs, "y": ys},
        note="on samples the sorted coupling solves eq. 10 (vs certified LP, n = 64)",
    )
    table = [{key: val for key, val in r.items() if key != "bound"} for r in rows]
    return rec.evidence(
        **headline(rec.parts[0]),
        note="continuous case: P_X, P_Z uniform, G increasing affine; sampled eq. 10 with its exact "
        "bias removed vs the closed form",
        details={"exact": W, "margin": margin, "level_each": level, "spread": spread, "intervals": table},
    )
