r"""The array and measure strategies of :mod:`otcheck.strategies`, which re-exports them: probability
vectors, discrete measures, cost matrices, couplings, row-stochastic encoders and whole OT problems
``(a, b, C)``, with the argument checks that every strategy shares (the decoder strategies of
:mod:`otcheck._strategies_decoders` use them too).

Import the strategies from :mod:`otcheck.strategies`; this module is private.
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
    from .measures import DiscreteMeasure

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


def _check_shape_range(min_n: object, max_n: object, min_m: object, max_m: object) -> tuple[int, int, int, int]:
    """``min_n, max_n, min_m, max_m``: ints >= 1, each maximum at least its minimum (else ``InvalidArgument``)."""
    min_n = _check_int(min_n, "min_n", minimum=1)
    max_n = _check_int(max_n, "max_n", minimum=1)
    min_m = _check_int(min_m, "min_m", minimum=1)
    max_m = _check_int(max_m, "max_m", minimum=1)
    if max_n < min_n:
        raise InvalidArgument(f"max_n: must be >= min_n = {min_n}, got {max_n}")
    if max_m < min_m:
        raise InvalidArgument(f"max_m: must be >= min_m = {min_m}, got {max_m}")
    return min_n, max_n, min_m, max_m


def _draw_shape(
    draw: st.DrawFn, n_strategy: st.SearchStrategy[int], m_strategy: st.SearchStrategy[int]
) -> tuple[int, int]:
    """``(n, m)`` drawn from the two strategies, both >= 1 (else ``InvalidArgument``)."""
    n = draw(n_strategy)
    m = draw(m_strategy)
    if n < 1 or m < 1:
        raise InvalidArgument(f"n, m: must be >= 1, drew {n}, {m}")
    return n, m


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
    n, m = _draw_shape(draw, n_strategy, m_strategy)
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
    n, m = _draw_shape(draw, n_strategy, m_strategy)
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
    min_n, max_n, min_m, max_m = _check_shape_range(min_n, max_n, min_m, max_m)
    integer = _check_bool(integer, "integer")
    zero_weights = _check_bool(zero_weights, "zero_weights")
    ties = _check_bool(ties, "ties")
    max_value = _check_real(max_value, "max_value", lo=0.0, strict_lo=True, hi=1e300)
    if integer and max_value != int(max_value):
        raise InvalidArgument(f"max_value: must be an integer when integer=True, got {max_value:g}")
    return _ot_problems(min_n, max_n, min_m, max_m, integer, zero_weights, ties, max_value)
