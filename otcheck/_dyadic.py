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

__all__ = ["mantissas", "integer_weights", "exact_dot", "to_fraction", "round_down", "round_up",
           "round_nearest", "lower_bound_of_min"]

_MAX = np.finfo(np.float64).max


def mantissas(x):
    r"""Integer mantissas and exponents with ``x == M * 2.0**E`` exactly (int64 arrays).

    ``np.frexp`` gives :math:`x = f 2^e` with :math:`f \in [\tfrac12, 1)`; :math:`M = f 2^{53}`
    is an integer below :math:`2^{53}` (subnormals included), so the product is exact.
    """
    f, e = np.frexp(np.asarray(x, dtype=np.float64))
    return np.ldexp(f, 53).astype(np.int64), e.astype(np.int64) - 53


def integer_weights(w):
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


def exact_dot(coef, x):
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


def to_fraction(N, E, den=1):
    r"""``Fraction(N * 2**E, den)`` without building ``2**E`` as a float."""
    if E >= 0:
        return Fraction(N << E, den)
    return Fraction(N, den << -E)


def round_nearest(q):
    """The float nearest to the rational ``q`` (``±inf`` beyond the float range)."""
    q = Fraction(q)
    try:
        return float(q)  # int / int true division is correctly rounded
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def round_down(q):
    """The largest float ``<= q`` (``-inf`` below the float range, ``max float`` above it)."""
    q = Fraction(q)
    f = round_nearest(q)
    if math.isinf(f):
        return -math.inf if f < 0 else float(_MAX)
    if Fraction(f) > q:
        f = math.nextafter(f, -math.inf)
    return f


def round_up(q):
    """The smallest float ``>= q`` (``+inf`` above the float range, ``-max float`` below it)."""
    q = Fraction(q)
    f = round_nearest(q)
    if math.isinf(f):
        return math.inf if f > 0 else -float(_MAX)
    if Fraction(f) < q:
        f = math.nextafter(f, math.inf)
    return f


def lower_bound_of_min(T):
    r"""A rigorous lower bound of :math:`\min_j t_j`, per row, from the *rounded* differences ``T``.

    ``T[i, j] = fl(x_ij - y_ij)`` is a float difference of two floats, so the exact difference
    :math:`t_{ij}` satisfies :math:`t_{ij} \ge T_{ij} - u|T_{ij}|` (:math:`u = 2^{-53}`); a zero
    ``T`` is exact (a float difference that rounds to zero is zero), and an overflow to ``+inf``
    means :math:`t_{ij} > \max\text{float}`. Since :math:`x \mapsto x - u|x|` is increasing, the
    bound of the row minimum is that of the rounded minimum ``m``; it is returned as
    :math:`m - 2^{-50}|m| - 2^{-1070}` (``m`` when ``m == 0``), whose own roundings the extra
    :math:`3u|m|` and the absolute term cover.

    Parameters
    ----------
    T : ndarray, shape (k, m)
        Rounded differences (``-inf`` allowed: the bound is then ``-inf``).

    Returns
    -------
    ndarray, shape (k,)
    """
    m = np.minimum(T.min(1), _MAX)  # +inf only when every difference overflowed upwards
    with np.errstate(invalid="ignore", over="ignore"):
        lb = m - np.abs(m) * 2.0 ** -50 - 2.0 ** -1070
    return np.where(m == 0.0, 0.0, lb)
