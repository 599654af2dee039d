r"""Exact arithmetic on float64 values (layer 0): every float is a dyadic rational.

A finite float64 is :math:`M \cdot 2^E` with an integer mantissa :math:`|M| < 2^{53}`. Sums of
products of such numbers with Python integers are therefore integers times a power of two, and
are computed here *exactly*, with no rounding at all, in time linear in the number of terms
(numpy object arrays of Python integers). Results are turned back into floats with a stated
rounding direction (:func:`round_down`, :func:`round_up`), which is how the certificates of the
exact layer bound every rounding error they make.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "mantissas",
    "integer_weights",
    "exact_dot",
    "to_fraction",
    "round_down",
    "round_up",
    "round_nearest",
    "coarse_lower_bound",
    "two_diff",
    "lower_bound_of_min",
]

_MAX = np.finfo(np.float64).max


def mantissas(x: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    r"""Integer mantissas and exponents with ``x == M * 2.0**E`` exactly (int64 arrays).

    ``np.frexp`` gives :math:`x = f 2^e` with :math:`f \in [\tfrac12, 1)`; :math:`M = f 2^{53}`
    is an integer below :math:`2^{53}` (subnormals included), so the product is exact.
    """
    f, e = np.frexp(np.asarray(x, dtype=np.float64))
    return np.ldexp(f, 53).astype(np.int64), e.astype(np.int64) - 53


def integer_weights(w: ArrayLike) -> tuple[NDArray[np.object_], int]:
    r"""A weight vector as integers over a common power of two: ``w == W * 2.0**E`` exactly.

    Returns the object array ``W`` of Python integers (non-negative for weights) and the integer
    ``E``; ``sum(W)`` is then the exact total mass times :math:`2^{-E}`, so ``W / sum(W)`` is
    the exact rescaling of ``w`` to total one.
    """
    M, e = mantissas(w)
    nz = M != 0
    if not nz.any():
        return np.zeros(M.shape, dtype=object), 0
    emin = int(e[nz].min())
    W = np.left_shift(M.astype(object), (np.where(nz, e, emin) - emin).astype(object))
    return W, emin


def exact_dot(coef: ArrayLike, x: ArrayLike) -> tuple[int, int]:
    r"""The exact value of :math:`\sum_k c_k x_k` for integers ``coef`` and floats ``x``, as ``(N, E)``.

    The sum equals ``N * 2**E`` with no rounding. ``x`` must be finite.
    """
    M, e = mantissas(x)
    keep = M != 0
    if not keep.any():
        return 0, 0
    M, e = M[keep], e[keep]
    c = np.asarray(coef, dtype=object)[keep]
    emin = int(e.min())
    terms = np.left_shift(c * M.astype(object), (e - emin).astype(object))
    return int(terms.sum()), emin


def to_fraction(N: int, E: int, den: int = 1) -> Fraction:
    r"""``Fraction(N * 2**E, den)`` without building ``2**E`` as a float."""
    if E >= 0:
        return Fraction(N << E, den)
    return Fraction(N, den << -E)


def round_nearest(q: Fraction | float) -> float:
    """The float nearest to the rational ``q`` (``±inf`` beyond the float range)."""
    q = Fraction(q)
    try:
        return float(q)  # int / int true division is correctly rounded
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def round_down(q: Fraction | float) -> float:
    """The largest float ``<= q`` (``-inf`` below the float range, ``max float`` above it)."""
    q = Fraction(q)
    f = round_nearest(q)
    if math.isinf(f):
        return -math.inf if f < 0 else float(_MAX)
    if Fraction(f) > q:
        f = math.nextafter(f, -math.inf)
    return f


def round_up(q: Fraction | float) -> float:
    """The smallest float ``>= q`` (``+inf`` above the float range, ``-max float`` below it)."""
    q = Fraction(q)
    f = round_nearest(q)
    if math.isinf(f):
        return math.inf if f > 0 else -float(_MAX)
    if Fraction(f) < q:
        f = math.nextafter(f, math.inf)
    return f


def coarse_lower_bound(m: NDArray[np.float64]) -> NDArray[np.float64]:
    r"""A rigorous lower bound of the exact minimum of float differences whose rounded minimum is ``m``.

    Each difference was rounded to nearest, so its exact value is at least :math:`t - u|t|`
    (:math:`u = 2^{-53}`); :math:`x \mapsto x - u|x|` is increasing, so the exact minimum is at least
    :math:`m - u|m|`. Returned as :math:`m - 2^{-50}|m| - 2^{-1070}` (the extra :math:`3u|m|` and the
    absolute term cover the roundings of this very expression), ``m`` itself when ``m == 0`` (a
    difference that rounds to zero is zero), the largest float for ``+inf``.
    """
    m = np.minimum(m, _MAX)
    with np.errstate(invalid="ignore", over="ignore"):
        lb = m - np.abs(m) * 2.0**-50 - 2.0**-1070
    return np.where(m == 0.0, 0.0, lb)


def two_diff(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""``(t, e)`` with ``t = fl(x - y)`` and ``x - y == t + e`` *exactly* (Knuth's TwoSum on ``x + (-y)``).

    Valid for every pair of finite floats whose difference does not overflow; six float operations,
    vectorized.
    """
    t = x - y
    z = t - x
    e = (x - (t - z)) + (-y - z)
    return t, e


def lower_bound_of_min(T: NDArray[np.float64], X: ArrayLike, Y: ArrayLike) -> NDArray[np.float64]:
    r"""A rigorous lower bound of :math:`\min_j (x_{ij} - y_{ij})` per row, from ``T = fl(X - Y)``.

    Only entries within two units in the last place of the row's rounded minimum ``m`` can be below
    it in exact arithmetic (any other ``t`` rounds down to above ``m``). For those few the exact
    rounding error is computed (:func:`two_diff`), and the bound is ``t`` itself where the
    difference was exact or rounded down, one float below ``t`` where it was rounded up. So the
    bound equals ``m`` whenever the minimum was computed exactly, and is never above the exact
    minimum. A row minimum that overflowed to ``+inf`` gives the largest float (the exact value is
    larger); ``-inf`` gives ``-inf``.

    Parameters
    ----------
    T : ndarray, shape (k, m)
        ``X - Y`` as computed in float64 (``X`` and ``Y`` broadcast to it).
    X, Y : ndarray
        The operands.

    Returns
    -------
    ndarray, shape (k,)
        Per row, a float64 number never above the exact :math:`\min_j (x_{ij} - y_{ij})`: ``T.min(1)`` itself
        when that minimum was computed exactly, else at most one float below it; the largest float for a row
        whose minimum overflowed to ``+inf``, ``-inf`` for a row at ``-inf``.
    """
    m = T.min(1)
    out = np.where(m == np.inf, _MAX, m)
    fin = np.isfinite(m)
    if not fin.any():
        return out
    window = np.nextafter(np.nextafter(m, np.inf), np.inf)
    with np.errstate(invalid="ignore"):
        cand = T <= window[:, None]
    cand &= fin[:, None]
    ri, cj = np.nonzero(cand)
    Xb = np.broadcast_to(X, T.shape)
    Yb = np.broadcast_to(Y, T.shape)
    t = T[ri, cj]
    _, e = two_diff(Xb[ri, cj], Yb[ri, cj])
    lb = np.where(e < 0, np.nextafter(t, -np.inf), t)
    res = np.full(T.shape[0], np.inf)
    np.minimum.at(res, ri, lb)
    return np.where(fin, res, out)
