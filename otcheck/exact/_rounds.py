r"""The pricing steps of a round of the sparse engine's column generation
(:func:`otcheck.exact._sparse.column_generation`): which pairs are violated, which join the candidates,
which candidates are pruned. Heuristics of speed only: the certificate proves the result whatever
pairs they add or keep."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ._certificate import BLOCK_ELEMS, CostView, DenseCosts

if TYPE_CHECKING:
    from ._sparse import PointCosts

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


def point_violations(costs: PointCosts, u: FloatArray, v: FloatArray) -> tuple[IntArray, IntArray, FloatArray]:
    r"""For every row, the columns that can attain :math:`\min_j (C_{ij} - v_j)` (the exact search of
    :meth:`PointCosts.candidates`) and their reduced costs :math:`C_{ij} - u_i - v_j`: if none is
    negative, no pair is."""
    ci, cj = costs.candidates(v)
    return ci, cj, costs.entries(ci, cj) - v[cj] - u[ci]


def neighbour_pairs(
    costs: PointCosts, ci: IntArray, cj: IntArray, u: FloatArray, v: FloatArray, k: int = 4
) -> tuple[IntArray, IntArray, FloatArray]:
    """Pairs next to the violating pairs ``(ci, cj)``: ``(i', j)`` for the ``k`` spatial neighbours
    ``i'`` of ``x_i`` and ``(i, j')`` for those of ``y_j``, with their reduced costs (a cheap widening
    of a round's additions: a violated pair's neighbours are likely violated too)."""
    if ci.size == 0:
        return ci, cj, np.zeros(0)
    kx, ky = min(k, costs.shape[0]), min(k, costs.shape[1])
    _, ni = costs._tree("x").query(costs.X[ci], k=kx)
    _, nj = costs._tree("y").query(costs.Y[cj], k=ky)
    ni = np.asarray(ni, dtype=np.int64).reshape(ci.size, kx)
    nj = np.asarray(nj, dtype=np.int64).reshape(cj.size, ky)
    I = np.concatenate([ni.ravel(), np.repeat(ci, ky)])
    J = np.concatenate([np.repeat(cj, kx), nj.ravel()])
    return I, J, costs.entries(I, J) - v[J] - u[I]


#: Each violated row adds up to this many pairs of negative reduced cost a round, most negative first
#: (:func:`negative_pairs`): on clustered data the duals of whole clusters are off, and one pair a row
#: a round left the column generation at 20 to 25 rounds.
NEGATIVE_PER_ROW = 16


def negative_pairs(
    costs: PointCosts, ci: IntArray, cj: IntArray, u: FloatArray, v: FloatArray, cap: int
) -> tuple[IntArray, IntArray, FloatArray]:
    r"""For each violated row ``i`` of ``ci`` (``cj``: its column of least :math:`C_{ij} - v_j`), its ``cap``
    pairs of most negative reduced cost over all columns, with their reduced costs.

    The search (:meth:`PointCosts.smallest`) is bounded per row by :math:`u_i` and by the ``cap``-th
    least :math:`C_{ij'} - v_{j'}` over the ``cap`` nearest neighbours :math:`y_{j'}` of :math:`y_j`
    (a value that at least ``cap`` columns attain), so it visits little more than the pairs it returns."""
    m = costs.shape[1]
    if ci.size == 0 or cap < 2:
        return ci[:0], cj[:0], np.zeros(0)
    rows, first = np.unique(ci, return_index=True)
    k = min(cap, m)
    _, nb = costs._tree("y").query(costs.Y[cj[first]], k=k)
    nb = np.asarray(nb, dtype=np.int64).reshape(rows.size, k)
    vals = costs.entries(np.repeat(rows, k), nb.ravel()) - v[nb.ravel()]
    bound = np.minimum(vals.reshape(rows.size, k).max(axis=1), u[rows])
    I, J, t = costs.smallest(v, rows, bound, cap)
    return I, J, t - u[I]


def _missing(cand: IntArray, keys: IntArray) -> IntArray:
    """The distinct entries of ``cand`` not in the sorted array ``keys`` (binary search, no re-sort of keys)."""
    cand = np.unique(cand)
    if keys.size == 0 or cand.size == 0:
        return cand
    pos = np.minimum(np.searchsorted(keys, cand), keys.size - 1)
    return cand[keys[pos] != cand]


def _violated(red: FloatArray, ui: FloatArray, vj: FloatArray, quantum: float = 0.0) -> NDArray[np.bool_]:
    """Pairs whose float reduced cost :math:`C_{ij} - u_i - v_j` is negative beyond its own rounding
    (16 units of :math:`|C_{ij}| + |u_i| + |v_j|`: per pair, so that huge potentials elsewhere, an
    outlier 10^6 away, do not hide real violations of size 0.1 here) and beyond ``quantum``, the
    rounding of the costs a restricted solver worked with (:mod:`otcheck.exact._flow`)."""
    size = np.abs(red + ui + vj) + np.abs(ui) + np.abs(vj)
    return red < -16 * np.finfo(float).eps * size - quantum


def _prune(costs: CostView, keys: IntArray, u: FloatArray, v: FloatArray, tiny: float, keep: int) -> IntArray:
    """The candidate pairs worth keeping for the next round: every pair of reduced cost <= ``tiny``
    (the restricted optimum's basis and its ties: the current plan stays feasible, so the restricted
    optimum never gets worse) and each row's and each column's ``keep`` pairs of least reduced cost."""
    m = costs.shape[1]
    kI, kJ = keys // m, keys % m  # keys are sorted: kI is non-decreasing
    red = costs.entries(kI, kJ) - u[kI] - v[kJ]
    order = np.lexsort((red, kI))
    starts = np.searchsorted(kI, kI)  # first position of each pair's row
    rank = np.empty(keys.size, dtype=np.int64)
    rank[order] = np.arange(keys.size) - starts[order]
    order = np.lexsort((red, kJ))  # and each column's: few rows and many columns need them
    sj = kJ[order]
    crank = np.empty(keys.size, dtype=np.int64)
    crank[order] = np.arange(keys.size) - np.searchsorted(sj, sj)
    return keys[(rank < keep) | (crank < keep) | (red <= tiny)]


def dense_violations(costs: DenseCosts, u: FloatArray, v: FloatArray) -> tuple[IntArray, IntArray, FloatArray]:
    """For every row of a dense matrix, its column of least reduced cost (one blocked sweep)."""
    C = costs.C
    n, m = C.shape
    rows = max(1, BLOCK_ELEMS // max(m, 1))
    cj = np.empty(n, dtype=np.int64)
    red = np.empty(n)
    for s in range(0, n, rows):
        R = C[s : s + rows] - v[None, :]
        j = np.argmin(R, axis=1)
        cj[s : s + rows] = j
        red[s : s + rows] = R[np.arange(R.shape[0]), j] - u[s : s + rows]
    return np.arange(n, dtype=np.int64), cj, red
