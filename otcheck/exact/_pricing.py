r"""The exact all-pairs search of the sparse engine: a box tree with per-node bounds of the potentials.

For every point :math:`x_i` the column generation needs every :math:`j` that can attain
:math:`\min_j (C_{ij} - w_j)` over **all** columns, with :math:`C_{ij} = h(\|x_i - y_j\|)` and
:math:`h` increasing (:math:`h(r) = r^p`). A :class:`BoxTree` splits the points :math:`y` into
nested boxes (median splits on the widest side, down to leaves of a few points). For a box
:math:`B` holding the columns :math:`J_B`,

.. math::

    C_{ij} - w_j \;\ge\; h\big(\operatorname{dist}(x_i, B)\big) - \max_{j \in J_B} w_j
    \qquad (j \in J_B),

so a box whose bound exceeds a value :math:`\bar t_i` already attained by some column cannot hold
the minimum: the search (:meth:`BoxTree.search`) descends from the root, level by level for all
rows at once, keeps the (row, box) pairs whose bound is at most :math:`\bar t_i` plus a rounding
margin, and evaluates the exact float costs of every column of every leaf reached. The bound is
tight where the potentials vary little inside a box, which is what makes the search
:math:`O(n \log n)` in practice: it adapts to the potentials (a global lift :math:`\sqrt{M - w_j}`
of a nearest-neighbour query does not, and degrades to :math:`O(n^2)` when :math:`w` spreads).

**Rounding.** The costs are the float values :math:`\mathrm{fl}(C_{ij})` computed coordinate by
coordinate. The box distance is computed in float too, and a float sum of :math:`d` squares is within
a relative :math:`(d + 2)\,\varepsilon` of the exact one; both sides are shrunk by the factor
:data:`_shrink` (at least :math:`2^{-30}`, and :math:`4 (p + 1)(d + 4)\,\varepsilon`) so that the
bound stays below every float cost of the box. The comparison with :math:`\bar t_i` has an absolute
margin of :math:`2^{-40}` of the size of the numbers compared (:math:`|\bar t_i| + \max |w|`), far
above the rounding of one subtraction. Every column within that margin of the row's minimum is
returned, so the minimum of the returned float values is the minimum over all columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["BoxTree", "Query"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Relative margin of the comparisons of the search (module docstring).
SEARCH_SLACK = 2.0**-40

#: Rows searched at once (bounds the size of the (row, box) frontier).
_ROW_BLOCK = 256


def _shrink(dim: int, p: float) -> float:
    """The factor that keeps a float box bound below every float cost of the box (module docstring)."""
    return 1.0 - max(2.0**-30, 4 * (p + 1) * (dim + 4) * float(np.finfo(float).eps))


@dataclass(frozen=True)
class Query:
    r"""What one search of a :class:`BoxTree` looks for: rows, potentials and the cost between them.

    Attributes
    ----------
    P : ndarray of shape (n, d)
        The points :math:`x_i` of the rows.
    w : ndarray of shape (m,)
        The potentials :math:`w_j` of the tree's columns; a column with :math:`w_j = -\infty` is excluded.
    h : callable
        Maps float squared distances to costs (:math:`h(r^2) = r^p`).
    p : float
        The power of the cost (it sizes the rounding factor :func:`_shrink`).
    cost : callable
        ``cost(i, j)``: the float costs :math:`\mathrm{fl}(C_{ij})` of index pairs.
    trend : ndarray of shape (d,), optional
        Squared Euclidean cost only: a vector :math:`g` whose linear part :math:`\langle g, y_j \rangle`
        is taken out of the potentials before the boxes' maxima (:func:`_trend_frame`).
    """

    P: FloatArray
    w: FloatArray
    h: Callable[[FloatArray], FloatArray]
    p: float
    cost: Callable[[IntArray, IntArray], FloatArray]
    trend: FloatArray | None = None


class BoxTree:
    """Nested boxes of the points ``Q`` (rows of an ``(m, d)`` array): median splits on the widest side.

    Parameters
    ----------
    Q : ndarray of shape (m, d)
        The points.
    leaf : int
        The most points in a leaf.
    """

    def __init__(self, Q: FloatArray, leaf: int = 16) -> None:
        m, d = Q.shape
        self.Q, self.dim = Q, d
        perm = np.arange(m, dtype=np.int64)
        starts: list[int] = []
        ends: list[int] = []
        lefts: list[int] = []
        rights: list[int] = []
        depth: list[int] = []
        lo_l: list[FloatArray] = []
        hi_l: list[FloatArray] = []
        stack = [(0, m, -1, 0, 0)]  # (start, end, parent, side, depth)
        while stack:
            s, e, parent, side, dep = stack.pop()
            k = len(starts)
            pts = Q[perm[s:e]]
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            starts.append(s)
            ends.append(e)
            lefts.append(-1)
            rights.append(-1)
            depth.append(dep)
            lo_l.append(lo)
            hi_l.append(hi)
            if parent >= 0:
                (lefts if side == 0 else rights)[parent] = k
            if e - s <= leaf or not np.any(hi > lo):
                continue
            axis = int(np.argmax(hi - lo))
            mid = (s + e) // 2
            part = np.argpartition(pts[:, axis], mid - s)
            perm[s:e] = perm[s:e][part]
            stack.append((mid, e, k, 1, dep + 1))
            stack.append((s, mid, k, 0, dep + 1))
        self.perm = perm
        self.start = np.asarray(starts, dtype=np.int64)
        self.end = np.asarray(ends, dtype=np.int64)
        self.left = np.asarray(lefts, dtype=np.int64)
        self.right = np.asarray(rights, dtype=np.int64)
        self.lo = np.asarray(lo_l, dtype=np.float64).reshape(len(starts), d)
        self.hi = np.asarray(hi_l, dtype=np.float64).reshape(len(starts), d)
        self._depth = np.asarray(depth, dtype=np.int64)
        self.leaves = np.flatnonzero(self.left < 0)

    def node_max(self, w: FloatArray) -> FloatArray:
        r""":math:`\max_{j \in J_B} w_j` for every node (``-inf`` for a node of excluded columns only)."""
        out = np.full(self.start.size, -np.inf)
        order = self.leaves[np.argsort(self.start[self.leaves])]
        wp = w[self.perm]
        out[order] = np.maximum.reduceat(wp, self.start[order])
        inner = np.flatnonzero(self.left >= 0)
        for dep in sorted(set(self._depth[inner].tolist()), reverse=True):
            k = inner[self._depth[inner] == dep]
            out[k] = np.maximum(out[self.left[k]], out[self.right[k]])
        return out

    def search(self, q: Query, ub: FloatArray) -> tuple[IntArray, IntArray]:
        r"""Pairs ``(i, j)`` holding, for every row ``i`` of ``q.P``, every column ``j`` within the search's
        margin of :math:`\min_j (\mathrm{fl}(C_{ij}) - w_j)` over all columns (module docstring).

        ``ub[i]`` is a value :math:`C_{ij} - w_j` attained by some column (``inf`` if none is known).
        """
        rows_out: list[IntArray] = []
        cols_out: list[IntArray] = []
        for b0, rows, cols, t, slack in self._leaf_pairs(q, ub):
            best = np.full(_ROW_BLOCK, np.inf)
            np.minimum.at(best, rows - b0, t)
            sel = t <= best[rows - b0] + slack
            rows_out.append(rows[sel])
            cols_out.append(cols[sel])
        if not rows_out:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(rows_out), np.concatenate(cols_out)

    def smallest(self, q: Query, bound: FloatArray, cap: int) -> tuple[IntArray, IntArray, FloatArray]:
        r"""Pairs ``(i, j, t)``: for every row ``i`` of ``q.P``, its ``cap`` columns of least
        :math:`t = \mathrm{fl}(C_{ij}) - w_j` among those with :math:`t \le` ``bound[i]`` (fewer if fewer
        are), by the same descent as :meth:`search` with the fixed bound ``bound`` in place of a
        row's attained value. A heuristic's helper (more pairs a round): nothing certified rests on it."""
        rows_out: list[IntArray] = []
        cols_out: list[IntArray] = []
        vals_out: list[FloatArray] = []
        for _, rows, cols, t, _ in self._leaf_pairs(q, bound):
            sel = t <= bound[rows]
            rows, cols, t = rows[sel], cols[sel], t[sel]
            order = np.lexsort((t, rows))
            rows, cols, t = rows[order], cols[order], t[order]
            rank = np.arange(rows.size) - np.searchsorted(rows, rows)
            sel = rank < cap
            rows_out.append(rows[sel])
            cols_out.append(cols[sel])
            vals_out.append(t[sel])
        if not rows_out:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(rows_out), np.concatenate(cols_out), np.concatenate(vals_out)

    def _leaf_pairs(self, q: Query, ub: FloatArray) -> Iterator[tuple[int, IntArray, IntArray, FloatArray, FloatArray]]:
        r"""The descent of :meth:`search`, a block of rows at a time: ``(first row, rows, cols, t, slack)`` for every
        column of every leaf whose bound is within the margin of ``ub[i]``, with
        :math:`t = \mathrm{fl}(C_{ij}) - w_j` and the row's comparison margin ``slack``."""
        P, w, h, cost, trend = q.P, q.w, q.h, q.cost, q.trend
        Pb, wb, cb, e_row, e_w = _trend_frame(P, self.Q, w, trend)
        wmax = self.node_max(wb)
        finite = np.isfinite(w)
        wabs = float(np.abs(w[finite]).max()) if finite.any() else 0.0
        shrink = _shrink(self.dim, q.p)
        n = P.shape[0]
        for b0 in range(0, n, _ROW_BLOCK):
            rows = np.arange(b0, min(n, b0 + _ROW_BLOCK), dtype=np.int64)
            ubb = ub[rows]
            slack = SEARCH_SLACK * (np.where(np.isfinite(ubb), np.abs(ubb), 0.0) + wabs) + 1e-300
            limit = ubb + cb[rows] + e_w + 2 * slack
            root = float(np.sqrt(self.dim))
            r = rows - b0
            k = np.zeros(rows.size, dtype=np.int64)
            leaf_r: list[IntArray] = []
            leaf_k: list[IntArray] = []
            while r.size:
                x = Pb[rows[r]]
                md2 = np.zeros(r.size)
                for c in range(self.dim):
                    g = np.maximum(np.maximum(self.lo[k, c] - x[:, c], x[:, c] - self.hi[k, c]), 0.0)
                    md2 += g * g
                if trend is not None:  # the shifted points are off by e_row per coordinate
                    md2 = np.maximum(np.sqrt(md2) - root * e_row[rows[r]], 0.0) ** 2
                with np.errstate(over="ignore", invalid="ignore"):
                    bound = h(md2) * shrink - wmax[k]
                keep = bound <= limit[r]
                r, k = r[keep], k[keep]
                leaf = self.left[k] < 0
                leaf_r.append(r[leaf])
                leaf_k.append(k[leaf])
                r, k = r[~leaf], k[~leaf]
                r = np.repeat(r, 2)
                k = np.stack([self.left[k], self.right[k]], axis=1).ravel()
            lr, lk = np.concatenate(leaf_r), np.concatenate(leaf_k)
            count = self.end[lk] - self.start[lk]
            total = int(count.sum())
            offsets = np.repeat(self.start[lk] - (np.cumsum(count) - count), count) + np.arange(total, dtype=np.int64)
            pr = np.repeat(lr, count)
            pj = self.perm[offsets]
            del offsets, count, leaf_r, leaf_k, lr, lk  # the frontier's arrays: not held while the caller filters
            with np.errstate(over="ignore", invalid="ignore"):
                t = cost(rows[pr], pj) - w[pj]  # +inf for an excluded column
            yield b0, rows[pr], pj, t, slack[pr]


def _trend_frame(
    P: FloatArray, Q: FloatArray, w: FloatArray, g: FloatArray | None
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, float]:
    r"""The search's frame for a linear trend :math:`g` of the potentials (squared Euclidean cost).

    For every :math:`g`, :math:`\|x - y\|^2 - w_j = \|x + g/2 - y\|^2 - r_j - c(x)` with
    :math:`r_j = w_j - \langle g, y_j \rangle` and :math:`c(x) = \langle g, x \rangle + |g|^2 / 4`, so
    over a box :math:`B`: :math:`C_{ij} - w_j \ge \operatorname{dist}(x_i + g/2, B)^2 - \max_B r - c(x_i)`.
    Potentials with a trend (two clouds shifted apart) have boxes whose :math:`\max w` is far above
    most of their columns; :math:`r` has none, and the bound stays tight.

    Returns ``(Pb, r, c, e_row, e_w)``: the shifted points, :math:`r`, :math:`c`, a bound of each shifted
    point's rounding per coordinate and one of the rounding of :math:`r` and :math:`c` (absolute:
    :math:`4 (d + 2)\,\varepsilon` of the size of the terms); without ``g``: ``(P, w, 0, 0, 0)``.
    """
    n, d = P.shape
    if g is None:
        return P, w, np.zeros(n), np.zeros(n), 0.0
    eps = float(np.finfo(float).eps)
    ga = float(np.abs(g).sum())
    Pb = P + g / 2
    with np.errstate(invalid="ignore"):
        r = w - Q @ g  # -inf stays -inf (excluded columns)
    c = P @ g + float(g @ g) / 4
    fin = np.isfinite(w)
    wabs = float(np.abs(w[fin]).max()) if fin.any() else 0.0
    qabs = float(np.abs(Q).max()) if Q.size else 0.0
    e_row = 2 * eps * (np.abs(P).max(axis=1) + float(np.abs(g).max()))
    e_w = 4 * (d + 2) * eps * (wabs + ga * qabs + ga * (float(np.abs(P).max()) if P.size else 0.0) + float(g @ g))
    return Pb, r, c, e_row, e_w
