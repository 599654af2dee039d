r"""The parameter and decoder strategies of :mod:`otcheck.strategies`, which re-exports them: positive
parameters on a log scale (variances, penalty weights), grids of penalty weights, row-stochastic
decoders on a finite output set and whole decoder instances ``(a, X, b, G)`` (Theorem 1, Gaussian
decoders).

Import the strategies from :mod:`otcheck.strategies`; this module is private.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ._strategies_ot import (
    _KMAX,
    FloatArray,
    Size,
    _check_bool,
    _check_int,
    _check_real,
    _check_shape_range,
    _check_size,
    _dyadic,
    _measures,
    _weights,
)

if TYPE_CHECKING:
    from .claims._instances import DecoderInstance


# --------------------------------------------------------------------------------------------
# parameters on a log scale: variances, penalty weights
# --------------------------------------------------------------------------------------------
def _check_range(lo: object, hi: object) -> tuple[float, float]:
    lo = _check_real(lo, "lo", lo=0.0, strict_lo=True)
    hi = _check_real(hi, "hi", lo=0.0, strict_lo=True)
    if hi < lo:
        raise InvalidArgument(f"hi: must be >= lo = {lo:g}, got {hi:g}")
    return lo, hi


def _from_exponent(u: float, lo: float, hi: float, llo: float, lhi: float) -> float:
    """``10**u`` clipped to ``[lo, hi]``, the ends exactly ``lo`` and ``hi``."""
    if u <= llo:
        return lo
    if u >= lhi:
        return hi
    return min(max(10.0**u, lo), hi)


def log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    r"""Positive floats in ``[lo, hi]`` spread evenly on a log scale: :math:`10^u`, :math:`u` drawn in
    :math:`[\log_{10} lo, \log_{10} hi]`.

    Both ends are drawn exactly (hypothesis tries the bounds of a range often), so a parameter such as
    a decoder variance :math:`\sigma^2` or a penalty weight :math:`\lambda` is tried at
    both ends of its range as well as in between. A failing example shrinks towards ``1`` when the
    range contains it.

    Parameters
    ----------
    lo, hi : float
        The range, ``0 < lo <= hi`` (finite).

    Examples
    --------
    >>> from hypothesis import find
    >>> find(log_uniform(1e-6, 1e6), lambda x: True)
    1.0
    >>> find(log_uniform(1e-6, 1e6), lambda x: x > 1e5) >= 1e5
    True
    """
    lo, hi = _check_range(lo, hi)
    llo, lhi = math.log10(lo), math.log10(hi)
    if llo == lhi:
        return st.just(lo)
    return st.floats(llo, lhi, allow_nan=False, allow_infinity=False).map(lambda u: _from_exponent(u, lo, hi, llo, lhi))


def lambda_grids(
    *, min_size: int = 1, max_size: int = 4, lo: float = 1e-3, hi: float = 1e4, zero: bool = True
) -> st.SearchStrategy[list[float]]:
    r"""Strictly increasing grids of penalty weights :math:`0 \le \lambda_1 < \dots < \lambda_k`.

    Each :math:`\lambda` is ``0`` (when ``zero``) or drawn by :func:`log_uniform` in ``[lo, hi]``,
    so a grid may start at 0, reach ``hi`` and jump over several orders of magnitude. A failing
    example shrinks to ``[0.0]``.

    Parameters
    ----------
    min_size, max_size : int, default 1, 4
        * the number of values (>= 1).
    lo, hi : float, default 1e-3, 1e4
        * the range of the positive values, ``0 < lo <= hi``.
    zero : bool, default True
        * also draw :math:`\lambda = 0`.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(lambda_grids(), lambda g: True)
    [0.0]
    >>> find(lambda_grids(zero=False), lambda g: True)
    [1.0]
    >>> find(lambda_grids(), lambda g: g[-1] >= 1e4)[-1]
    10000.0
    """
    min_size = _check_int(min_size, "min_size", minimum=1)
    max_size = _check_int(max_size, "max_size", minimum=1)
    if max_size < min_size:
        raise InvalidArgument(f"max_size: must be >= min_size = {min_size}, got {max_size}")
    lo, hi = _check_range(lo, hi)
    zero = _check_bool(zero, "zero")
    distinct = (1 if lo == hi else max_size) + int(zero)
    if min_size > distinct:
        raise InvalidArgument(f"min_size: {min_size} distinct values do not exist in {{0}} and [{lo:g}, {hi:g}]")
    value = log_uniform(lo, hi)
    if zero:
        value = value | st.just(0.0)
    return st.lists(value, min_size=min_size, max_size=max_size, unique=True).map(sorted)


# --------------------------------------------------------------------------------------------
# decoders
# --------------------------------------------------------------------------------------------
_DECODER_ROWS = ("mixed", "dirac", "spread")


@st.composite
def _decoder_row(draw: st.DrawFn, k: int, dirac: bool, dyadic: bool) -> FloatArray:
    row = np.zeros(k)
    if dirac or k == 1:
        row[draw(st.integers(0, k - 1))] = 1.0
        return row
    counts = np.array(draw(st.lists(st.integers(0, _KMAX), min_size=k, max_size=k)), dtype=np.int64)
    first = draw(st.integers(0, k - 1))
    second = draw(st.integers(0, k - 2))
    second += second >= first  # two distinct points carry mass: the row is not a Dirac
    counts[[first, second]] = np.maximum(counts[[first, second]], 1)
    return _dyadic(counts) if dyadic else counts / float(counts.sum())


@st.composite
def _decoders(
    draw: st.DrawFn, m_strategy: st.SearchStrategy[int], k_strategy: st.SearchStrategy[int], rows: str, dyadic: bool
) -> FloatArray:
    m = draw(m_strategy)
    k = draw(k_strategy)
    if m < 1 or k < 1:
        raise InvalidArgument(f"m, k: must be >= 1, drew {m}, {k}")
    D = np.zeros((m, k))
    for z in range(m):
        dirac = rows == "dirac" or (rows == "mixed" and draw(st.booleans()))
        D[z] = draw(_decoder_row(k, dirac, dyadic))
    return D


def decoders(m: Size, k: Size, *, rows: str = "mixed", dyadic: bool = False) -> st.SearchStrategy[FloatArray]:
    r"""Random decoders on a finite output set: row-stochastic :math:`D_{zy} = P_G(Y = y \mid Z = z)`, ``(m, k)``.

    A row is either a *Dirac* (one-hot: the deterministic decoder :math:`Y = G(z)` of Theorem 1) or
    *spread*: positive on at least two output points (when ``k >= 2``), with zeros elsewhere
    possible, built from small integers like :func:`weights`. A failing example shrinks to the
    decoder whose spread rows are :math:`(1/2, 1/2, 0, \dots)` and whose Dirac rows sit on
    :math:`y_0`.

    Parameters
    ----------
    m, k : int or strategy of ints
        Number of codes and of output points (each >= 1).
    rows : {"mixed", "dirac", "spread"}, default "mixed"
        * ``"dirac"``: every row one-hot; ``"spread"``: no row is a Dirac (when ``k >= 2``; with
          ``k = 1`` every row is the Dirac at :math:`y_0`); ``"mixed"``: each row either.
    dyadic : bool, default False
        * spread rows are rounded to multiples of ``2**-10`` that sum to one *exactly* (see
          :func:`weights`), so the decoder is an exact rational for :func:`otcheck.exact.certify_exact`.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(decoders(2, 3, rows="spread"), lambda D: True).tolist()
    [[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]]
    >>> D = find(decoders(3, 2), lambda D: ((D > 0).sum(1) == 1).any() and ((D > 0).sum(1) == 2).any())
    >>> sorted((D > 0).sum(1).tolist())
    [1, 2, 2]
    """
    m = _check_size(m, "m", minimum=1)
    k = _check_size(k, "k", minimum=1)
    if rows not in _DECODER_ROWS:
        raise InvalidArgument(f"rows: expected one of {_DECODER_ROWS}, got {rows!r}")
    dyadic = _check_bool(dyadic, "dyadic")
    return _decoders(m, k, rows, dyadic)


@st.composite
def _decoder_instances(
    draw: st.DrawFn,
    dim_strategy: st.SearchStrategy[int],
    min_n: int,
    max_n: int,
    min_m: int,
    max_m: int,
    scale: float,
    zero_weights: bool,
    coincide: bool,
) -> DecoderInstance:
    from .claims._instances import DecoderInstance

    dim = draw(dim_strategy)
    if dim < 1:
        raise InvalidArgument(f"dim: must be >= 1, drew {dim}")
    mu = draw(_measures(dim, min_n, max_n, False, zero_weights, scale, False))
    m = draw(st.integers(min_m, max_m))
    b = draw(_weights(st.just(m), 0.0, zero_weights, False))
    coord = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    fresh = st.lists(coord, min_size=dim, max_size=dim).map(lambda r: np.array(r, dtype=np.float64) * scale)
    G = np.zeros((m, dim))
    for j in range(m):
        kinds = ["fresh", "atom", "repeat"] if coincide else ["fresh"]
        kind = draw(st.sampled_from(kinds if j > 0 else kinds[:2]))
        if kind == "atom":  # G(z_j) on a data point: a zero cost
            G[j] = mu.atoms[draw(st.integers(0, mu.n - 1))]
        elif kind == "repeat":  # G(z_j) = G(z_l): a decoder that is not injective
            G[j] = G[draw(st.integers(0, j - 1))]
        else:
            G[j] = draw(fresh)
    return DecoderInstance(np.array(mu.weights), np.array(mu.atoms), b, G)


def decoder_instances(
    dim: Size = 1,
    *,
    min_n: int = 1,
    max_n: int = 4,
    min_m: int = 1,
    max_m: int = 4,
    scale: float = 1.0,
    zero_weights: bool = False,
    coincide: bool = True,
) -> st.SearchStrategy[DecoderInstance]:
    r"""Discrete instances ``(a, X, b, G)`` of a decoder: :math:`P_X = \sum_i a_i \delta_{x_i}` on
    :math:`\mathbb R^d`, a prior :math:`P_Z` with weights ``b`` on ``m`` codes and the decoded points
    :math:`G(z_j)`, one row per code (:class:`otcheck.claims._instances.DecoderInstance`).

    With a decoder variance it is a Gaussian decoder :math:`\mathcal N(G(z_j), \sigma^2 I_d)`, and
    :math:`P_G = \sum_j b_j \mathcal N(G(z_j), \sigma^2 I_d)` a Gaussian mixture. ``P_X`` is drawn
    by :func:`measures` (distinct atoms), ``b`` by :func:`weights`, each :math:`G(z_j)` is a fresh
    point of ``scale * [-1, 1]^d``, or (when ``coincide``) a data point :math:`x_i` (a zero cost) or an
    earlier :math:`G(z_l)` (a non-injective decoder, many codes to one point). Shrinks towards one
    data point and one code.

    Parameters
    ----------
    dim : int or strategy of ints, default 1
        Dimension ``d`` (>= 1).
    min_n, max_n : int, default 1, 4
        * range of the number of data points ``n``.
    min_m, max_m : int, default 1, 4
        * range of the number of codes ``m``.
    scale : float, default 1.0
        * multiplies every coordinate, in ``[1e-100, 1e100]``.
    zero_weights : bool, default False
        * allow weights exactly 0 in ``a`` and ``b``.
    coincide : bool, default True
        * let decoded points coincide with data points and with each other.

    Examples
    --------
    >>> from hypothesis import find
    >>> a, X, b, G = find(decoder_instances(2, coincide=False), lambda inst: True)
    >>> a.tolist(), X.tolist(), b.tolist(), G.tolist()
    ([1.0], [[0.0, 0.0]], [1.0], [[0.0, 0.0]])
    >>> a, X, b, G = find(decoder_instances(1, min_m=3), lambda inst: len(set(inst.G[:, 0])) < 3)
    >>> G.shape  # three codes, at most two decoded points
    (3, 1)
    """
    dim = _check_size(dim, "dim", minimum=1)
    min_n, max_n, min_m, max_m = _check_shape_range(min_n, max_n, min_m, max_m)
    scale = _check_real(scale, "scale", lo=1e-100, hi=1e100)
    zero_weights = _check_bool(zero_weights, "zero_weights")
    coincide = _check_bool(coincide, "coincide")
    return _decoder_instances(dim, min_n, max_n, min_m, max_m, scale, zero_weights, coincide)
