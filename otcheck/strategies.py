r"""Hypothesis strategies for optimal-transport proof checks.

Composable strategies that draw the objects of discrete optimal transport: probability vectors,
discrete measures, cost matrices, feasible couplings of given marginals, row-stochastic encoders
:math:`Q(Z|X)` and whole problems ``(a, b, C)``. They follow ``hypothesis.extra.numpy``:

* essential arguments are positional, every knob is keyword-only;
* arguments are validated when the strategy is *built*, raising
  ``hypothesis.errors.InvalidArgument`` that names the bad argument, so a mistake surfaces before
  any example is drawn;
* every strategy shrinks towards a small, readable instance: weights are built from small
  positive integers and normalized (they shrink to the uniform vector), coordinates and costs
  shrink towards ``0``, sizes towards their minimum.

Sizes ``n``, ``m`` may be an ``int`` or a strategy drawing ints.

Examples
--------
>>> from hypothesis import given, settings
>>> from otcheck import solve_ot
>>> from otcheck.strategies import ot_problems
>>> @settings(max_examples=10, deadline=None)
... @given(ot_problems(max_n=3, max_m=3))
... def test_optimum_is_certified(problem):
...     a, b, C = problem
...     assert solve_ot(a, b, C).certificate.ok
>>> test_optimum_is_certified()
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from .claims._instances import DecoderInstance
    from .measures import DiscreteMeasure

__all__ = [
    "weights",
    "measures",
    "cost_matrices",
    "couplings",
    "encoders",
    "ot_problems",
    "log_uniform",
    "lambda_grids",
    "decoders",
    "decoder_instances",
    "DYADIC_BITS",
]

#: Dyadic weights are multiples of ``2**-DYADIC_BITS``.
DYADIC_BITS = 10

# Largest small integer a weight is built from: weights are k_i / sum(k), k_i in [lo, _KMAX].
_KMAX = 8

#: float64 numpy array (what the array strategies draw)
FloatArray = NDArray[np.float64]
#: a size argument: an int or a strategy drawing ints
Size = int | st.SearchStrategy[int]


# --------------------------------------------------------------------------------------------
# argument checks (at build time, raising InvalidArgument that names the argument)
# --------------------------------------------------------------------------------------------
def _check_size(value: object, name: str, *, minimum: int = 0) -> st.SearchStrategy[int]:
    """An int >= minimum or a strategy (drawn values are checked at draw time)."""
    if isinstance(value, st.SearchStrategy):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgument(f"{name}: expected an int or a strategy of ints, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise InvalidArgument(f"{name}: must be >= {minimum}, got {value}")
    return st.just(int(value))


def _check_int(value: object, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgument(f"{name}: expected an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise InvalidArgument(f"{name}: must be >= {minimum}, got {value}")
    return int(value)


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidArgument(f"{name}: expected a bool, got {type(value).__name__} {value!r}")
    return bool(value)


def _check_real(
    value: object, name: str, *, lo: float | None = None, hi: float | None = None, strict_lo: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidArgument(f"{name}: expected a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise InvalidArgument(f"{name}: must be finite, got {value}")
    if lo is not None and (value < lo or (strict_lo and value == lo)):
        raise InvalidArgument(f"{name}: must be {'>' if strict_lo else '>='} {lo:g}, got {value:g}")
    if hi is not None and value > hi:
        raise InvalidArgument(f"{name}: must be <= {hi:g}, got {value:g}")
    return value


def _check_marginal(x: object, name: str) -> FloatArray:
    from ._validation import as_weights

    if isinstance(x, st.SearchStrategy):
        raise InvalidArgument(f"{name}: expected an array of weights, got a strategy; use data.draw() or flatmap")
    try:
        return as_weights(x, name)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(str(exc)) from exc


# --------------------------------------------------------------------------------------------
# weights
# --------------------------------------------------------------------------------------------
def _dyadic(k: NDArray[np.int64], bits: int = DYADIC_BITS) -> FloatArray:
    """Round ``k / sum(k)`` to multiples of ``2**-bits`` summing exactly to one (largest remainder)."""
    unit = 1 << bits
    total = int(k.sum())
    exact = k.astype(np.int64) * unit
    q, r = np.divmod(exact, total)
    missing = unit - int(q.sum())
    # hand the missing units to the largest remainders among positive entries (ties: lowest index)
    order = np.lexsort((np.arange(k.size), -r))
    order = order[k[order] > 0]
    q[order[:missing]] += 1
    return q / float(unit)


@st.composite
def _weights(
    draw: st.DrawFn, n_strategy: st.SearchStrategy[int], min_weight: float, zeros: bool, dyadic: bool
) -> FloatArray:
    n = draw(n_strategy)
    if n < 1:
        raise InvalidArgument(f"n: must be >= 1, drew {n}")
    if n * min_weight > 1.0 + 1e-12:
        # only reachable when n is a strategy: the draw cannot satisfy min_weight
        from hypothesis import reject

        reject()
    lo = 0 if zeros else 1
    k = np.array(draw(st.lists(st.integers(lo, _KMAX), min_size=n, max_size=n)), dtype=np.int64)
    if k.sum() == 0:
        k[0] = 1  # at least one atom carries mass
    if dyadic:
        return _dyadic(k)
    w = k / float(k.sum())
    if min_weight > 0:
        w = min_weight + (1.0 - n * min_weight) * w
    return w


def weights(
    n: Size, *, min_weight: float = 0.0, zeros: bool = False, dyadic: bool = False
) -> st.SearchStrategy[FloatArray]:
    r"""Probability vectors :math:`w \in \Delta_n` (float64, non-negative, summing to one).

    Each vector is :math:`w_i = k_i / \sum_j k_j` for small integers ``k_i`` in ``[1, 8]``, so a
    failing example shrinks to the uniform vector :math:`(1/n, \dots, 1/n)`.

    Parameters
    ----------
    n : int or strategy of ints
        Length (>= 1).
    min_weight : float, default 0.0
        * every weight is at least ``min_weight``: ``w = min_weight + (1 - n min_weight) k / sum(k)``;
          needs ``n * min_weight <= 1`` (draws of a strategy ``n`` that break it are rejected).
    zeros : bool, default False
        * allow exact zero weights (``k_i = 0``); at least one weight stays positive. Cannot be
          combined with ``min_weight > 0``.
    dyadic : bool, default False
        * round the weights to multiples of ``2**-10`` that sum to one *exactly* in float64, so
          the vector is an exact rational and :func:`otcheck.exact.certify_exact` can prove
          results about it (meant for small ``n``: with ``n`` near 1024 small weights may round
          to 0). Cannot be combined with ``min_weight > 0``.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(weights(3), lambda w: True).tolist()  # the minimal example is uniform
    [0.3333333333333333, 0.3333333333333333, 0.3333333333333333]
    >>> find(weights(3, dyadic=True), lambda w: True).tolist()
    [0.333984375, 0.3330078125, 0.3330078125]
    """
    n = _check_size(n, "n", minimum=1)
    min_weight = _check_real(min_weight, "min_weight", lo=0.0, hi=1.0)
    zeros = _check_bool(zeros, "zeros")
    dyadic = _check_bool(dyadic, "dyadic")
    if min_weight > 0 and zeros:
        raise InvalidArgument("zeros: cannot be True together with min_weight > 0")
    if min_weight > 0 and dyadic:
        raise InvalidArgument("dyadic: cannot be True together with min_weight > 0")
    fixed = getattr(n, "value", None)  # st.just(int)
    if isinstance(fixed, int) and fixed * min_weight > 1.0 + 1e-12:
        raise InvalidArgument(f"min_weight: n * min_weight = {fixed * min_weight:g} > 1 for n = {fixed}")
    return _weights(n, min_weight, zeros, dyadic)


# --------------------------------------------------------------------------------------------
# measures
# --------------------------------------------------------------------------------------------
@st.composite
def _measures(
    draw: st.DrawFn,
    dim: int,
    min_atoms: int,
    max_atoms: int,
    duplicates: bool,
    zero_weights: bool,
    scale: float,
    integer: bool,
) -> DiscreteMeasure:
    from .measures import DiscreteMeasure

    n = draw(st.integers(min_atoms, max_atoms))
    coord: st.SearchStrategy[float]
    if integer:
        coord = st.integers(-10, 10)
    else:
        coord = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    if duplicates and n > 1:
        # draw a few distinct rows, then index them with repetition
        k = draw(st.integers(1, n))
        base = [draw(st.lists(coord, min_size=dim, max_size=dim)) for _ in range(k)]
        idx = draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
        rows = [base[i] for i in idx]
    else:
        # distinct as points after scaling (0.0 == -0.0, and a tiny t * scale may underflow to 0)
        rows = draw(
            st.lists(
                st.lists(coord, min_size=dim, max_size=dim),
                min_size=n,
                max_size=n,
                unique_by=lambda r: tuple(float(t) * scale for t in r),
            )
        )
    X = np.array(rows, dtype=np.float64).reshape(n, dim) * scale
    w = draw(_weights(st.just(n), 0.0, zero_weights, integer))
    return DiscreteMeasure(X, w)


def measures(
    dim: int = 1,
    *,
    min_atoms: int = 1,
    max_atoms: int = 6,
    duplicates: bool = False,
    zero_weights: bool = False,
    scale: float = 1.0,
    integer: bool = False,
) -> st.SearchStrategy[DiscreteMeasure]:
    r"""Discrete probability measures :math:`\mu = \sum_{i=1}^n w_i \delta_{x_i}` on
    :math:`\mathbb R^{d}` (:class:`otcheck.DiscreteMeasure`).

    Coordinates are ``scale * t`` with ``t`` a float in ``[-1, 1]`` (or an integer in
    ``[-10, 10]`` when ``integer``), weights come from :func:`weights`; a failing example shrinks
    to one atom at the origin.

    Parameters
    ----------
    dim : int, default 1
        Dimension ``d`` of the atoms (>= 1).
    min_atoms, max_atoms : int, default 1, 6
        * the number of atoms ``n`` is drawn in ``[min_atoms, max_atoms]`` (duplicates counted).
    duplicates : bool, default False
        * when true, atoms are drawn from a few distinct points with repetition, so coinciding
          atoms are frequent (test :meth:`~otcheck.DiscreteMeasure.merged` and degenerate OT);
          when false, the atoms are pairwise distinct points (``merged()`` keeps all ``n``).
    zero_weights : bool, default False
        * when true, some atoms may carry weight exactly 0.
    scale : float, default 1.0
        * multiplies every coordinate; use ``1e-6`` or ``1e6`` for tiny and huge scales. Must lie
          in ``[1e-100, 1e100]`` so that squared distances stay finite normal floats.
    integer : bool, default False
        * when true, coordinates are integers times ``scale`` and the weights are dyadic (exact
          rationals summing exactly to one, see :func:`weights`): with ``scale=1`` and a squared
          cost the whole OT problem is rational, for :func:`otcheck.exact.certify_exact`.

    Examples
    --------
    >>> from hypothesis import find
    >>> mu = find(measures(dim=2), lambda mu: True)
    >>> mu.atoms.tolist(), mu.weights.tolist()
    ([[0.0, 0.0]], [1.0])
    >>> find(measures(min_atoms=2, duplicates=True), lambda mu: True).merged().n
    1
    """
    dim = _check_int(dim, "dim", minimum=1)
    min_atoms = _check_int(min_atoms, "min_atoms", minimum=1)
    max_atoms = _check_int(max_atoms, "max_atoms", minimum=1)
    if max_atoms < min_atoms:
        raise InvalidArgument(f"max_atoms: must be >= min_atoms = {min_atoms}, got {max_atoms}")
    duplicates = _check_bool(duplicates, "duplicates")
    zero_weights = _check_bool(zero_weights, "zero_weights")
    scale = _check_real(scale, "scale", lo=1e-100, hi=1e100)
    integer = _check_bool(integer, "integer")
    if integer and not duplicates and min_atoms > 21 ** min(dim, 8):
        raise InvalidArgument(
            f"min_atoms: {min_atoms} distinct integer atoms do not exist in [-10, 10]^{dim}; "
            "allow duplicates=True or lower min_atoms"
        )
    return _measures(dim, min_atoms, max_atoms, duplicates, zero_weights, scale, integer)


# --------------------------------------------------------------------------------------------
# cost matrices
# --------------------------------------------------------------------------------------------
@st.composite
def _cost_matrices(
    draw: st.DrawFn,
    n_strategy: st.SearchStrategy[int],
    m_strategy: st.SearchStrategy[int],
    integer: bool,
    max_value: float,
    ties: bool,
) -> FloatArray:
    n = draw(n_strategy)
    m = draw(m_strategy)
    if n < 1 or m < 1:
        raise InvalidArgument(f"n, m: must be >= 1, drew {n}, {m}")
    pool: list[float]
    elem: st.SearchStrategy[float]
    if ties:
        # a pool of at most three distinct values: many ties, degenerate problems
        if integer:
            pool = draw(st.lists(st.integers(0, int(max_value)), min_size=1, max_size=3, unique=True))
        else:
            pool = draw(st.lists(st.floats(0.0, max_value, allow_subnormal=False), min_size=1, max_size=3, unique=True))
        elem = st.sampled_from(sorted(pool))
    elif integer:
        elem = st.integers(0, int(max_value))
    else:
        elem = st.floats(0.0, max_value, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    vals = draw(st.lists(elem, min_size=n * m, max_size=n * m))
    return np.array(vals, dtype=np.float64).reshape(n, m)


def cost_matrices(
    n: Size, m: Size, *, integer: bool = False, max_value: float = 10, ties: bool = False
) -> st.SearchStrategy[FloatArray]:
    r"""Non-negative cost matrices :math:`C \in [0, \text{max\_value}]^{n \times m}` (float64).

    Entries shrink towards ``0``, so a failing example shrinks to a matrix of zeros and a few
    small entries.

    Parameters
    ----------
    n, m : int or strategy of ints
        Shape (each >= 1).
    integer : bool, default False
        * when true, entries are integers in ``[0, max_value]`` (stored as float64, exactly).
    max_value : float, default 10
        * upper bound of the entries (> 0; an integer when ``integer``).
    ties : bool, default False
        * when true, all entries come from a pool of at most three distinct values, so ties (and
          degenerate, non-unique optima) are the rule. When false, entries are drawn
          independently; ties are still possible.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(cost_matrices(2, 3), lambda C: True).tolist()
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    >>> C = find(cost_matrices(3, 3, ties=True, integer=True), lambda C: C.max() > 0)
    >>> len(set(C.ravel().tolist())) <= 3
    True
    """
    n = _check_size(n, "n", minimum=1)
    m = _check_size(m, "m", minimum=1)
    integer = _check_bool(integer, "integer")
    max_value = _check_real(max_value, "max_value", lo=0.0, strict_lo=True, hi=1e300)
    if integer and max_value != int(max_value):
        raise InvalidArgument(f"max_value: must be an integer when integer=True, got {max_value:g}")
    ties = _check_bool(ties, "ties")
    return _cost_matrices(n, m, integer, max_value, ties)


# --------------------------------------------------------------------------------------------
# couplings
# --------------------------------------------------------------------------------------------
def _north_west(a: FloatArray, b: FloatArray, rows: Sequence[int], cols: Sequence[int]) -> FloatArray:
    """North-west-corner coupling of ``a[rows]`` and ``b[cols]`` (a vertex of the polytope)."""
    n, m = a.size, b.size
    P = np.zeros((n, m))
    ra = a.astype(np.float64).copy()
    rb = b.astype(np.float64).copy()
    i = j = 0
    while i < n and j < m:
        r, c = rows[i], cols[j]
        t = min(ra[r], rb[c])
        P[r, c] += t
        ra[r] -= t
        rb[c] -= t
        if ra[r] <= rb[c]:
            i += 1
        else:
            j += 1
    return P


@st.composite
def _couplings(draw: st.DrawFn, a: FloatArray, b: FloatArray) -> FloatArray:
    n, m = a.size, b.size
    k = draw(st.integers(1, 3))
    mix = np.array(draw(st.lists(st.integers(1, _KMAX), min_size=k, max_size=k)), dtype=np.float64)
    mix /= mix.sum()
    P = np.zeros((n, m))
    for t in range(k):
        kind = draw(st.sampled_from(["product", "vertex"]))
        if kind == "product":
            P += mix[t] * np.outer(a, b)
        else:
            rows = draw(st.permutations(range(n)))
            cols = draw(st.permutations(range(m)))
            P += mix[t] * _north_west(a, b, rows, cols)
    return P


def couplings(a: ArrayLike, b: ArrayLike) -> st.SearchStrategy[FloatArray]:
    r"""Feasible couplings :math:`P \in \Pi(a, b) = \{P \ge 0 : P\mathbf 1 = a, P^\top \mathbf 1 = b\}`.

    Each coupling is a convex combination (small integer mixing weights) of at most three points
    of the transport polytope, each either a vertex (the north-west-corner rule applied after a
    permutation of rows and columns) or the independent coupling :math:`a b^\top`. The minimal
    example is the independent coupling. Marginals hold up to float
    rounding (about ``1e-16``).

    Parameters
    ----------
    a : array_like, shape (n,)
        Row marginal, a probability vector (validated when the strategy is built).
    b : array_like, shape (m,)
        Column marginal, a probability vector.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(couplings([0.5, 0.5], [0.25, 0.75]), lambda P: True).tolist()
    [[0.125, 0.375], [0.125, 0.375]]
    """
    a = _check_marginal(a, "a")
    b = _check_marginal(b, "b")
    return _couplings(a, b)


# --------------------------------------------------------------------------------------------
# encoders
# --------------------------------------------------------------------------------------------
@st.composite
def _encoders(
    draw: st.DrawFn,
    n_strategy: st.SearchStrategy[int],
    m_strategy: st.SearchStrategy[int],
    deterministic: bool,
    zeros: bool,
) -> FloatArray:
    n = draw(n_strategy)
    m = draw(m_strategy)
    if n < 1 or m < 1:
        raise InvalidArgument(f"n, m: must be >= 1, drew {n}, {m}")
    Q = np.zeros((n, m))
    if deterministic:
        cols = draw(st.lists(st.integers(0, m - 1), min_size=n, max_size=n))
        Q[np.arange(n), cols] = 1.0
        return Q
    row = _weights(st.just(m), 0.0, zeros, False)
    for i in range(n):
        Q[i] = draw(row)
    return Q


def encoders(n: Size, m: Size, *, deterministic: bool = False, zeros: bool = False) -> st.SearchStrategy[FloatArray]:
    r"""Row-stochastic matrices :math:`Q_{ij} = Q(z_j \mid x_i)`, each row a probability vector.

    Rows are drawn by :func:`weights`, so a failing example shrinks to the uniform encoder
    :math:`Q_{ij} = 1/m` (or, when ``deterministic``, to every ``x_i`` sent to ``z_0``).

    Parameters
    ----------
    n, m : int or strategy of ints
        Number of inputs ``x`` and of codes ``z`` (each >= 1).
    deterministic : bool, default False
        * when true, each row is one-hot: a deterministic encoder :math:`z = e(x)`.
    zeros : bool, default False
        * when true (and not deterministic), rows may contain exact zeros.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(encoders(2, 2), lambda Q: True).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    >>> find(encoders(2, 3, deterministic=True), lambda Q: True).tolist()
    [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    """
    n = _check_size(n, "n", minimum=1)
    m = _check_size(m, "m", minimum=1)
    deterministic = _check_bool(deterministic, "deterministic")
    zeros = _check_bool(zeros, "zeros")
    return _encoders(n, m, deterministic, zeros)


# --------------------------------------------------------------------------------------------
# whole problems
# --------------------------------------------------------------------------------------------
@st.composite
def _ot_problems(
    draw: st.DrawFn,
    min_n: int,
    max_n: int,
    min_m: int,
    max_m: int,
    integer: bool,
    zero_weights: bool,
    ties: bool,
    max_value: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    n = draw(st.integers(min_n, max_n))
    m = draw(st.integers(min_m, max_m))
    a = draw(_weights(st.just(n), 0.0, zero_weights, integer))
    b = draw(_weights(st.just(m), 0.0, zero_weights, integer))
    C = draw(_cost_matrices(st.just(n), st.just(m), integer, max_value, ties))
    return a, b, C


def ot_problems(
    *,
    min_n: int = 1,
    max_n: int = 6,
    min_m: int = 1,
    max_m: int = 6,
    integer: bool = False,
    zero_weights: bool = False,
    ties: bool = False,
    max_value: float = 10,
) -> st.SearchStrategy[tuple[FloatArray, FloatArray, FloatArray]]:
    r"""Discrete OT problems ``(a, b, C)``: :math:`\min_{P \in \Pi(a, b)} \langle C, P\rangle`.

    Shrinks to ``a = b = [1.0]``, ``C = [[0.0]]``.

    Parameters
    ----------
    min_n, max_n : int, default 1, 6
        * range of the number of sources ``n``.
    min_m, max_m : int, default 1, 6
        * range of the number of targets ``m``.
    integer : bool, default False
        * when true, ``C`` has integer entries and ``a``, ``b`` are dyadic weights that sum to one
          exactly, so the problem is rational and :func:`otcheck.exact.certify_exact` applies.
    zero_weights : bool, default False
        * allow weights that are exactly 0.
    ties : bool, default False
        * cost entries from a pool of at most three values (degenerate problems), see
          :func:`cost_matrices`.
    max_value : float, default 10
        * bound of the cost entries.

    Examples
    --------
    >>> from hypothesis import find
    >>> a, b, C = find(ot_problems(), lambda p: True)
    >>> a.tolist(), b.tolist(), C.tolist()
    ([1.0], [1.0], [[0.0]])
    """
    min_n = _check_int(min_n, "min_n", minimum=1)
    max_n = _check_int(max_n, "max_n", minimum=1)
    min_m = _check_int(min_m, "min_m", minimum=1)
    max_m = _check_int(max_m, "max_m", minimum=1)
    if max_n < min_n:
        raise InvalidArgument(f"max_n: must be >= min_n = {min_n}, got {max_n}")
    if max_m < min_m:
        raise InvalidArgument(f"max_m: must be >= min_m = {min_m}, got {max_m}")
    integer = _check_bool(integer, "integer")
    zero_weights = _check_bool(zero_weights, "zero_weights")
    ties = _check_bool(ties, "ties")
    max_value = _check_real(max_value, "max_value", lo=0.0, strict_lo=True, hi=1e300)
    if integer and max_value != int(max_value):
        raise InvalidArgument(f"max_value: must be an integer when integer=True, got {max_value:g}")
    return _ot_problems(min_n, max_n, min_m, max_m, integer, zero_weights, ties, max_value)


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
    min_n = _check_int(min_n, "min_n", minimum=1)
    max_n = _check_int(max_n, "max_n", minimum=1)
    min_m = _check_int(min_m, "min_m", minimum=1)
    max_m = _check_int(max_m, "max_m", minimum=1)
    if max_n < min_n:
        raise InvalidArgument(f"max_n: must be >= min_n = {min_n}, got {max_n}")
    if max_m < min_m:
        raise InvalidArgument(f"max_m: must be >= min_m = {min_m}, got {max_m}")
    scale = _check_real(scale, "scale", lo=1e-100, hi=1e100)
    zero_weights = _check_bool(zero_weights, "zero_weights")
    coincide = _check_bool(coincide, "coincide")
    return _decoder_instances(dim, min_n, max_n, min_m, max_m, scale, zero_weights, coincide)
