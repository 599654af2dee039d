r"""Engine "sparse": certified OT between point clouds without ever forming the ``n x m`` cost matrix.

For costs given by points, :math:`c(x, y) = \|x - y\|^p` (``"sqeuclidean"``, ``"euclidean"``,
powers), the optimal plan has at most :math:`n + m - 1` non-zeros, near the diagonal of space. The
engine:

1. solves the OT problem restricted to a sparse set of **candidate pairs**: the ``k`` nearest
   neighbours of each point (a KD-tree), the nearest neighbours of each point displaced by its share
   of a coarse optimal plan between adaptive cells (a multiscale start: :func:`_coarse_targets`),
   and a monotone staircase along the first coordinate (it makes the restricted problem feasible);
   the restricted problem is solved by OR-Tools' min cost flow for equal weights on each side
   (:mod:`otcheck.exact._flow`) or by POT's network simplex on sparse arcs (``ot.emd`` with a
   ``scipy.sparse`` cost), on costs clipped far above the median (:func:`clip_level`);
2. **prices out** every pair: with the duals :math:`(u, v)` of the restricted problem, the pairs of
   negative reduced cost :math:`C_{ij} - u_i - v_j` are found by an exact search over *all* pairs
   (:mod:`otcheck.exact._pricing`: a box tree with per-box maxima of the potentials) and added; this
   repeats until none is left;
3. certifies the result exactly as the dense engines are certified
   (:class:`~otcheck.exact._certificate.CertifiedProblem`): the dual lower bound needs, for every
   row, a proven lower bound of :math:`\min_j (C_{ij} - v_j)` over all columns, which the same
   search provides, and the upper bound is the cost of the plan rebuilt exactly on its support.

The costs are the float values :math:`C_{ij}` computed coordinate by coordinate, as
:func:`otcheck.cost_matrix` computes them for :math:`d \le 16`: the certificate is about those
float values.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from .._dyadic import two_diff
from ..costs import Cost, _NormPower
from ._certificate import BLOCK_ELEMS, CostView, DenseCosts, Rigor
from ._pricing import BoxTree, Query
from ._rounds import (
    NEGATIVE_PER_ROW,
    _missing,
    _prune,
    _violated,
    dense_violations,
    negative_pairs,
    neighbour_pairs,
    point_violations,
)
from .result import UncertifiedError

__all__ = ["PointCosts", "column_generation", "clip_level", "DEFAULT_MEMORY_BUDGET"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: ``method="auto"`` of :func:`otcheck.wasserstein` switches to this engine when the dense cost
#: matrix would take more than this many bytes (1 GiB).
DEFAULT_MEMORY_BUDGET = 2**30

_MAX = float(np.finfo(np.float64).max)


class PointCosts(CostView):
    r"""The cost view of two point clouds for :class:`~otcheck.exact._certificate.CertifiedProblem`.

    :math:`C_{ij} = h(\|x_i - y_j\|)` computed on demand, coordinate by coordinate (the same float
    values as :func:`otcheck.cost_matrix`, in every dimension); never an ``(n, m)`` array.

    :meth:`row_bounds` finds each row's candidate columns by an exact tree search
    (:meth:`candidates`) and bounds the one subtraction :math:`C_{ij} - w_j` at the minimum by its
    exact rounding error (``two_diff``: one float below where it rounded up), for ``"coarse"`` and
    ``"tight"`` alike; ``False`` skips the bound.
    """

    def __init__(self, X: FloatArray, Y: FloatArray, cost: Cost) -> None:
        if not isinstance(cost, _NormPower):
            raise ValueError(f"cost: the sparse engine needs a cost ||x - y||^p, got {cost!r}")
        self.X, self.Y, self.cost = X, Y, cost
        self.shape = (X.shape[0], Y.shape[0])
        self.p = float(cost.power)
        self._trees: dict[str, cKDTree] = {}  # built on first use, per side "x" / "y"
        self._box_trees: dict[str, BoxTree] = {}
        if X.size and Y.size and not np.isfinite(self.max_abs()):
            raise ValueError(
                f"X, Y: the {cost!r} cost of these points may overflow float64 (the diameter of their bounding "
                "box does); rescale the points"
            )

    # ----------------------------------------------------------------------------- the costs

    def _sq(self, A: FloatArray, B: FloatArray) -> FloatArray:
        """Squared distances of paired rows, summed coordinate by coordinate (as ``cost_matrix``)."""
        out = np.zeros(A.shape[0])
        for k in range(A.shape[1]):
            t = A[:, k] - B[:, k]
            t *= t
            out += t
        return out

    def _h(self, sq: FloatArray) -> FloatArray:
        return self.cost.from_sq(sq)

    def entries(self, i: IntArray, j: IntArray) -> FloatArray:
        """:math:`C_{ij}` for index arrays."""
        return self._h(self._sq(self.X[i], self.Y[j]))

    def block(self, I: IntArray, J: IntArray) -> FloatArray:
        """The sub-matrix ``C[I][:, J]`` (small blocks only)."""
        ii = np.repeat(np.asarray(I, dtype=np.int64), len(J))
        jj = np.tile(np.asarray(J, dtype=np.int64), len(I))
        return self.entries(ii, jj).reshape(len(I), len(J))

    def max_abs(self) -> float:
        """An upper bound of :math:`\\max C`: :math:`h` of the diameter of the union's bounding box."""
        lo = np.minimum(self.X.min(0), self.Y.min(0))
        hi = np.maximum(self.X.max(0), self.Y.max(0))
        with np.errstate(over="ignore"):
            return float(self._h(np.array([float(((hi - lo) ** 2).sum())]))[0])

    # ------------------------------------------------------------------------- the search

    def subset(self, rows: IntArray, cols: IntArray) -> PointCosts:
        """The view of the points ``X[rows]`` and ``Y[cols]`` (the same float costs)."""
        return PointCosts(self.X[rows], self.Y[cols], self.cost)

    def _points(self, side: str) -> FloatArray:
        if side not in ("x", "y"):
            raise ValueError(f"side: expected 'x' or 'y', got {side!r}")
        return self.Y if side == "y" else self.X

    def _tree(self, side: str) -> cKDTree:
        """The k-d tree of one side's points (nearest-neighbour queries), built once."""
        if side not in self._trees:
            self._trees[side] = cKDTree(self._points(side))
        return self._trees[side]

    def _boxes(self, side: str) -> BoxTree:
        """The box tree of one side's points (exact pricing, :mod:`otcheck.exact._pricing`), built once."""
        if side not in self._box_trees:
            self._box_trees[side] = BoxTree(self._points(side))
        return self._box_trees[side]

    def candidates(self, w: FloatArray, *, transpose: bool = False) -> tuple[IntArray, IntArray]:
        r"""Pairs ``(i, j)`` containing, for every row ``i``, every column ``j`` that can attain
        :math:`\min_j (C_{ij} - w_j)` (for ``transpose``: every row for every column of
        :math:`\min_i (C_{ij} - w_i)`), by the exact box-tree search of :mod:`otcheck.exact._pricing`."""
        P = self.Y if transpose else self.X
        n, m = P.shape[0], (self.X if transpose else self.Y).shape[0]
        finite = np.isfinite(w)
        if not finite.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        side = "x" if transpose else "y"
        # a value attained by some column bounds each row's minimum: the best of its k nearest neighbours
        k = min(4, m)
        _, nn = self._tree(side).query(P, k=k)
        nn = np.asarray(nn, dtype=np.int64).reshape(n, k)
        rows0 = np.repeat(np.arange(n, dtype=np.int64), k)

        def cost(i: IntArray, j: IntArray) -> FloatArray:
            return self.entries(j, i) if transpose else self.entries(i, j)

        with np.errstate(over="ignore", invalid="ignore"):
            t0 = cost(rows0, nn.ravel()) - w[nn.ravel()]  # +inf for an excluded column (w = -inf)
        ub = np.full(n, np.inf)
        np.minimum.at(ub, rows0, t0)
        Q = self.X if transpose else self.Y
        trend = _linear_trend(Q, w) if self.p == 2.0 else None
        rows, cols = self._boxes(side).search(Query(P, w, self._h, self.p, cost, trend), ub)
        return (cols, rows) if transpose else (rows, cols)

    def smallest(
        self, w: FloatArray, rows: IntArray, bound: FloatArray, cap: int
    ) -> tuple[IntArray, IntArray, FloatArray]:
        r"""``(i, j, t)``: for each row ``i`` of ``rows``, its ``cap`` columns of least
        :math:`t = C_{ij} - w_j` among those with :math:`t \le` ``bound`` (the box-tree descent,
        :meth:`~otcheck.exact._pricing.BoxTree.smallest`)."""
        trend = _linear_trend(self.Y, w) if self.p == 2.0 else None

        def cost(i: IntArray, j: IntArray) -> FloatArray:
            return self.entries(rows[i], j)

        r, c, t = self._boxes("y").smallest(Query(self.X[rows], w, self._h, self.p, cost, trend), bound, cap)
        return rows[r], c, t

    def _row_bounds(self, w: FloatArray, rigorous: Rigor) -> tuple[FloatArray, FloatArray | None]:
        r"""Per row: the float :math:`\min_j (C_{ij} - w_j)` over all columns and a proven lower bound of it."""
        n = self.shape[0]
        I, J = self.candidates(w)
        c = self.entries(I, J)
        with np.errstate(over="ignore", invalid="ignore"):
            t = c - w[J]  # +inf where w_j = -inf: such a column is excluded
        mins = np.full(n, np.inf)
        np.minimum.at(mins, I, t)
        lbs = None
        if rigorous:  # the caller's w is finite here (the certificate checks it)
            _, e = two_diff(c, w[J])
            lb = np.where(e < 0, np.nextafter(t, -np.inf), t)
            lbs = np.full(n, np.inf)
            np.minimum.at(lbs, I, lb)
            lbs = np.where(np.isinf(lbs) & (lbs > 0), _MAX, lbs)
        return mins, lbs

    def col_min(self, w: FloatArray) -> FloatArray:
        r""":math:`\min_i (C_{ij} - w_i)` per column (float), by the same search on the transposed problem."""
        m = self.shape[1]
        I, J = self.candidates(w, transpose=True)
        vals = self.entries(I, J) - w[I]
        out = np.full(m, np.inf)
        np.minimum.at(out, J, vals)
        return out


def _linear_trend(Q: FloatArray, w: FloatArray) -> FloatArray | None:
    r"""The least-squares :math:`g` of :math:`w_j \approx \alpha + \langle g, y_j \rangle` over the finite
    :math:`w_j` (``None`` if it is not finite): the search takes this trend out of the potentials
    (:func:`otcheck.exact._pricing._trend_frame`); any :math:`g` keeps the search exact."""
    fin = np.isfinite(w)
    if fin.sum() <= Q.shape[1]:
        return None
    A = np.hstack([Q[fin], np.ones((int(fin.sum()), 1))])
    with np.errstate(all="ignore"):
        sol = np.linalg.lstsq(A, w[fin], rcond=None)[0]
    g = np.asarray(sol[:-1], dtype=np.float64)
    return g if np.all(np.isfinite(g)) else None


def _leaf_labels(tree: BoxTree, size: int) -> IntArray:
    """The leaf of every point of a :class:`~otcheck.exact._pricing.BoxTree` (leaves numbered 0, 1, ...)."""
    labels = np.empty(size, dtype=np.int64)
    for k, leaf in enumerate(tree.leaves.tolist()):
        labels[tree.perm[tree.start[leaf] : tree.end[leaf]]] = k
    return labels


def _coarse_targets(X: FloatArray, Y: FloatArray, a: FloatArray, b: FloatArray, cost: Cost) -> FloatArray:
    """Where a coarse optimal plan sends each source point: a multiscale start.

    Both clouds are cut into adaptive cells (the leaves of a :class:`~otcheck.exact._pricing.BoxTree`,
    at most about 1500 a side, so dense clusters get many cells), the optimal plan between the cells'
    centroids is solved exactly (POT), and every source cell's points are dealt out to its target
    cells in proportion to the plan (north-west corner within the cell). A point goes where its
    target cell is: ``x_i + c_B - c_A``. (Displacing every point of a cell by the plan's barycentre
    instead collapses one-to-many transport: a tight cluster spread over the other cloud had all its
    targets at its own centroid, and column generation then needed hundreds of rounds.)
    """
    import ot

    n, d = X.shape
    m = Y.shape[0]
    leaf = max(16, -(-max(n, m) // 1500))
    tx, ty = BoxTree(X, leaf), BoxTree(Y, leaf)
    inv_x, inv_y = _leaf_labels(tx, n), _leaf_labels(ty, m)
    kx, ky = int(inv_x.max()) + 1, int(inv_y.max()) + 1
    wa = np.bincount(inv_x, weights=a, minlength=kx)
    wb = np.bincount(inv_y, weights=b, minlength=ky)
    cx = np.zeros((kx, d))
    cy = np.zeros((ky, d))
    for c in range(d):
        cx[:, c] = np.bincount(inv_x, weights=a * X[:, c], minlength=kx) / np.where(wa > 0, wa, 1.0)
        cy[:, c] = np.bincount(inv_y, weights=b * Y[:, c], minlength=ky) / np.where(wb > 0, wb, 1.0)
    D = ((cx[:, None, :] - cy[None, :, :]) ** 2).sum(-1)
    if cost.power != 2.0:
        D = np.sqrt(D) ** float(cost.power or 1.0)
    wa_n, wb_n = wa / wa.sum(), wb / wb.sum()
    G = ot.emd(wa_n, wb_n, D, numItermax=10**7)
    rows, cols = np.nonzero(G > 0)  # row-major: sorted by source cell
    mass = G[rows, cols]
    # each point's place in its cell's mass (midpoint of its share, as a fraction of the cell's total)
    order = np.lexsort((np.arange(n), inv_x))
    share = a[order] / np.where(wa > 0, wa, 1.0)[inv_x[order]]
    first = np.searchsorted(inv_x[order], np.arange(kx))
    cum = np.cumsum(share)
    frac = cum - share / 2 - np.concatenate([[0.0], cum])[first][inv_x[order]]
    # each arc's upper end within its row, as a fraction of the row's total
    row_total = np.bincount(rows, weights=mass, minlength=kx)
    acum = np.cumsum(mass)
    afirst = np.searchsorted(rows, np.arange(kx))
    upper = (acum - np.concatenate([[0.0], acum])[afirst][rows]) / np.where(row_total > 0, row_total, 1.0)[rows]
    arc = np.searchsorted(rows + np.minimum(upper, 1.0), inv_x[order] + frac, side="left")
    arc = np.clip(
        arc, afirst[inv_x[order]], np.maximum(afirst[inv_x[order]], np.r_[afirst[1:], rows.size][inv_x[order]] - 1)
    )
    arc = np.minimum(arc, rows.size - 1)
    target = np.empty(n, dtype=np.int64)
    target[order] = cols[arc]
    return X + cy[target] - cx[inv_x]


def initial_candidates(X: FloatArray, Y: FloatArray, a: FloatArray, b: FloatArray, cost: Cost, k: int) -> IntArray:
    """Flat keys ``i * m + j`` of the first candidate pairs: the ``k`` nearest neighbours of each point
    and the ``k`` nearest neighbours of each point displaced by the coarse plan (:func:`_coarse_targets`),
    from both sides (a column that no row has near it, the edge of a wide cluster facing a tight one,
    would otherwise be reached by the staircase only, and its dual be far off), and a staircase along
    the first coordinate that makes the restricted problem feasible."""
    m = Y.shape[0]
    parts = []
    for P, Q, wp, wq, flip in ((X, Y, a, b, False), (Y, X, b, a, True)):
        tree = cKDTree(Q)
        kq = min(k, Q.shape[0])
        for S in (P, _coarse_targets(P, Q, wp, wq, cost)):
            _, nn = tree.query(S, k=kq)
            near = np.asarray(nn, dtype=np.int64).ravel()
            own = np.repeat(np.arange(P.shape[0], dtype=np.int64), kq)
            parts.append(near * m + own if flip else own * m + near)
    ix, iy = np.argsort(X[:, 0], kind="stable"), np.argsort(Y[:, 0], kind="stable")
    from ._quantile import staircase

    Is, Js, _ = staircase(a[ix], b[iy])
    parts.append(ix[Is].astype(np.int64) * m + iy[Js].astype(np.int64))
    return np.unique(np.concatenate(parts))


def _restricted(
    a: FloatArray,
    b: FloatArray,
    costs: CostView,
    keys: IntArray,
    num_iter_max: int,
    warm: tuple[FloatArray, FloatArray] | None = None,
    clip: float | None = None,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray]:
    """POT's network simplex on the candidate arcs, costs clipped at ``clip`` (:func:`clip_level`):
    ``(I, J, flows, u, v)`` (positive flows only)."""
    import warnings

    import ot
    import scipy.sparse as sp

    n, m = costs.shape
    I, J = keys // m, keys % m
    c = costs.entries(I, J)
    if clip is not None:
        c = np.minimum(c, clip)
    shift = min(float(c.min()), 0.0)  # POT's simplex needs costs >= 0 (OT is invariant to a constant)
    c = c - shift
    scale = max(float(c.max()), float(np.finfo(float).tiny))
    k = int(np.frexp(scale)[1])
    M = sp.coo_array((np.ldexp(c, -k), (I, J)), shape=(n, m))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        init = None if warm is None else (np.ldexp(warm[0] - shift, -k), np.ldexp(warm[1], -k))
        G, log = ot.emd(a, b, M, log=True, numItermax=num_iter_max, potentials_init=init)
    code = int(log["result_code"])
    if code != 1:
        raise UncertifiedError(
            f"engine 'sparse': the restricted network simplex stopped ({log.get('warning')}, result code {code})"
        )
    G = G.tocoo()
    pos = G.data > 0
    u = np.ldexp(np.asarray(log["u"], dtype=np.float64), k) + shift
    v = np.ldexp(np.asarray(log["v"], dtype=np.float64), k)
    return G.row[pos].astype(np.int64), G.col[pos].astype(np.int64), np.asarray(G.data[pos], dtype=np.float64), u, v


#: The restricted problems see their costs clipped at this many times the median candidate cost
#: (above the least one) at first (:func:`clip_level`), raised by :data:`CLIP_RAISE` while a plan uses
#: a clipped pair.
CLIP_FACTOR = 2.0**16
CLIP_RAISE = 2.0**6


def clip_level(c: FloatArray, previous: float | None = None, needed: float | None = None) -> float | None:
    r"""The level at which the restricted problems' costs ``c`` are clipped, ``None`` for none.

    A "forbidden" pair (a cost of 1e20 among costs of order one), or the far pairs a feasible start
    needs, would set the scale of the restricted solver and cost it the precision of every other
    cost (POT's simplex compares with machine epsilon; the min cost flow rounds costs to integers of
    :math:`2^{42}` levels). The restricted problems therefore see :math:`\min(c, L)`, with
    :math:`L - c_{\min}` :data:`CLIP_FACTOR` times the median of :math:`c - c_{\min}`. This is safe:
    duals feasible for the clipped costs are feasible for the real ones (they are larger); a plan
    that avoids the clipped pairs costs the same under both, and is then optimal for the real problem
    when no pair is violated; a plan that uses a clipped pair makes the column generation raise
    :math:`L` (by :data:`CLIP_RAISE`, ``previous`` given, and at least to ``needed``, the dearest real
    cost that plan uses, so that its pairs are no longer clipped) and solve again, until nothing is
    clipped.
    """
    if c.size == 0:
        return None
    lo, hi = float(c.min()), float(c.max())
    if previous is not None:
        level = lo + (previous - lo) * CLIP_RAISE if previous > lo else hi
        if needed is not None:
            level = max(level, needed)
    else:
        pos = c[c > lo] - lo
        if pos.size == 0:
            return None
        level = lo + CLIP_FACTOR * float(np.median(pos))
    return level if np.isfinite(level) and level < hi else None


def plan_clip(c: FloatArray, plan: FloatArray, clip: float | None) -> float | None:
    r"""A lower clip level at the scale of the current plan, or ``None`` when it would not be lower.

    The first level (:func:`clip_level`) follows the median candidate cost; a plan far cheaper than
    that (clusters of near-identical points whose neighbours are far) is then below the restricted
    solver's precision: rounded to the same integer, or compared with an epsilon of the scale.
    :math:`L = c_{\min} + 2^{16} (\max_{\text{plan}} c - c_{\min})` puts that scale back; it is
    returned when it is at least :data:`CLIP_RAISE` times lower than the present level. It is as safe
    as every clip (:func:`clip_level`): a plan that needs a dearer pair rides the clip and raises it.
    """
    if c.size == 0 or plan.size == 0:
        return None
    lo = float(c.min())
    top = float(plan.max()) - lo
    if not top > 0:
        return None
    level = lo + CLIP_FACTOR * top
    now = clip if clip is not None else float(c.max())
    return level if np.isfinite(level) and (level - lo) * CLIP_RAISE <= (now - lo) else None


def restricted_solver(
    a: FloatArray, b: FloatArray, solver: str, supplies: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None
) -> tuple[str, tuple[NDArray[np.int64], NDArray[np.int64]] | None]:
    """The restricted solver :func:`column_generation` uses for ``solver`` and its integer supplies.

    Returns
    -------
    name : str
        ``"min_cost_flow"`` when it is asked for, or when ``solver="auto"``, the weights are uniform on
        each side (or ``supplies`` are given) and OR-Tools is installed; else ``"network_simplex"``.
    supplies : tuple of int64 ndarray or None
        The min cost flow's supplies and demands (``supplies`` as given, else from uniform ``a``, ``b``:
        :func:`otcheck.exact._flow.uniform_supplies`); ``None`` for the network simplex.

    Raises
    ------
    ValueError
        An unknown ``solver``, or ``"min_cost_flow"`` with weights that are not uniform.
    ImportError
        ``"min_cost_flow"`` without OR-Tools.
    """
    from ._flow import flow_available, uniform_supplies

    if solver not in ("auto", "network_simplex", "min_cost_flow"):
        raise ValueError(f"solver: expected 'auto', 'network_simplex' or 'min_cost_flow', got {solver!r}")
    if solver == "network_simplex":
        return solver, None
    if supplies is None:
        supplies = uniform_supplies(a, b)
    if solver == "min_cost_flow" and supplies is None:
        raise ValueError("solver: 'min_cost_flow' needs equal weights on each side (uniform a and b)")
    if supplies is not None and not flow_available():
        if solver == "min_cost_flow":
            raise ImportError("solver 'min_cost_flow' needs OR-Tools: pip install 'otcheck[flow]'")
        supplies = None
    return ("network_simplex" if supplies is None else "min_cost_flow"), supplies


def column_generation(
    a: FloatArray,
    b: FloatArray,
    costs: CostView,
    keys: IntArray,
    *,
    max_rounds: int = 60,
    num_iter_max: int | None = None,
    progress: bool = False,
    accept: Callable[[IntArray, IntArray, FloatArray, FloatArray, FloatArray], bool] | None = None,
    tol: float = 1e-8,
    keep_per_row: int = 4,
    solver: str = "auto",
    supplies: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray, dict[str, object]]:
    r"""Solve on the candidate pairs ``keys`` (flat ``i * m + j``), price out every pair, add the
    violating ones, repeat; returns ``(I, J, flows, u, v, info)`` of the last restricted solve.

    Each round prices every row exactly (:meth:`PointCosts.candidates`: its columns of least
    :math:`C_{ij} - v_j`), which bounds what the restricted optimum can miss:
    :math:`\text{gap} \le \sum_i a_i \max(0, -\min_j (C_{ij} - u_i - v_j))` (replace :math:`u_i` by
    the c-transform). When that estimate is below ``tol / 8`` of the costs the plan uses, ``accept``
    (the caller's rigorous certificate) is asked whether to stop early; otherwise the violating pairs,
    and the negative pairs next to them (:func:`neighbour_pairs`), are added. The result is
    certified by the caller either way; ``info`` holds the rounds, the number of candidate pairs,
    the restricted solver and the history of each round.

    The restricted problems are solved by ``solver``: ``"network_simplex"`` (POT's, on sparse arcs,
    warm-started where POT allows), ``"min_cost_flow"`` (OR-Tools', for uniform weights on each side:
    :mod:`otcheck.exact._flow`), or ``"auto"``: the min cost flow when the weights are uniform and
    OR-Tools is installed, else the network simplex. ``supplies``: the integer supplies and demands
    for the min cost flow when the caller knows them (merged duplicates of uniform weights:
    :func:`otcheck.exact._flow.uniform_supplies`); by default they are found from uniform ``a``, ``b``.
    """
    from ._flow import restricted_flow

    n, m = costs.shape
    used_solver, supplies = restricted_solver(a, b, solver, supplies)
    limit = num_iter_max if num_iter_max is not None else max(10**6, 200 * (n + m))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(desc="sparse OT rounds", unit="round")  # the number of rounds is not known ahead
    history: list[dict[str, object]] = []
    keys = np.unique(keys)  # sorted, for the binary searches of _missing
    keep = keep_per_row  # pairs of least reduced cost kept per row and column (doubled while stalling)
    previous = -1  # the violations added by the previous round
    warm: tuple[FloatArray, FloatArray] | None = None
    clip = clip_level(costs.entries(keys // m, keys % m))
    try:
        for rnd in range(1, max_rounds + 1):
            quantum = 0.0
            if supplies is None:
                I, J, F, u, v = _restricted(a, b, costs, keys, limit, warm, clip)
            else:
                I, J, F, u, v, quantum = restricted_flow(supplies, costs, keys, warm, clip)
            warm = (u, v)
            plan_c = costs.entries(I, J)
            cand_c = costs.entries(keys // m, keys % m)
            riding = clip is not None and bool(np.any(plan_c > clip))
            tighter = None
            if riding:  # the plan uses a clipped pair: solve again with a higher clip
                clip = clip_level(cand_c, clip, float(plan_c.max()))
            else:  # a plan far cheaper than the clip: the next solve is clipped at the plan's scale
                tighter = plan_clip(cand_c, plan_c, clip)
            del cand_c  # a float per candidate: not held through the pricing
            tiny = max(1e-12 * max(float(np.max(np.abs(u))), float(np.max(np.abs(v))), 1e-300), 2 * quantum)
            if isinstance(costs, PointCosts):
                ci, cj, red = point_violations(costs, u, v)
                if m > 2 * n:  # few rows, many columns: each column's best rows too (else ~1 column a row a round)
                    ti, tj = costs.candidates(u, transpose=True)
                    ci, cj = np.concatenate([ci, ti]), np.concatenate([cj, tj])
                    red = np.concatenate([red, costs.entries(ti, tj) - v[tj] - u[ti]])
            elif isinstance(costs, DenseCosts):
                ci, cj, red = dense_violations(costs, u, v)
            else:
                raise TypeError(f"costs: expected PointCosts or DenseCosts, got {type(costs).__name__}")
            rowmin = np.zeros(n)
            np.minimum.at(rowmin, ci, red)
            gap = float(np.dot(a, -rowmin))
            used = float(np.dot(F, np.abs(plan_c)))  # the certificate's scale: the plan's cost
            bad = _violated(red, u[ci], v[cj], quantum)
            new = _missing(ci[bad] * m + cj[bad], keys)
            stop = not riding and (
                not new.size or (gap <= tol * used / 8 and accept is not None and accept(I, J, F, u, v))
            )
            if stop and tighter is not None and not new.size and accept is not None and not accept(I, J, F, u, v):
                stop = False  # no violation, yet uncertified: the solver lacked precision at the plan's scale
            if not stop and tighter is not None:
                clip = tighter
            if not stop and isinstance(costs, PointCosts):
                wi, wj, wred = neighbour_pairs(costs, ci[bad], cj[bad], u, v)
                wbad = _violated(wred, u[wi], v[wj], quantum)
                xi, xj, xred = negative_pairs(costs, ci[bad], cj[bad], u, v, NEGATIVE_PER_ROW)
                xbad = _violated(xred, u[xi], v[xj], quantum)
                new = np.unique(
                    np.concatenate(
                        [new, _missing(wi[wbad] * m + wj[wbad], keys), _missing(xi[xbad] * m + xj[xbad], keys)]
                    )
                )
            history.append(
                {"round": rnd, "candidates": int(keys.size), "violations": int(new.size), "gap_estimate": gap}
            )
            if bar is not None:
                bar.update(1)
                bar.set_postfix(candidates=int(keys.size), violations=int(new.size), gap=f"{gap:.1e}")
            if stop:
                info: dict[str, object] = {"rounds": rnd, "candidates": int(keys.size), "solver": used_solver}
                return I, J, F, u, v, {**info, "history": history}
            if previous >= 0 and 2 * new.size > previous:  # not halving: pruning dropped pairs the plan needs back
                keep = min(2 * keep, 64)
            previous = int(new.size)
            if keep:  # the plan's own arcs always stay: the restricted problem stays feasible
                keys = np.union1d(_prune(costs, keys, u, v, tiny, keep), I * m + J)
                new = _missing(new, keys)
            keys = np.sort(np.concatenate([keys, new]))  # new is disjoint from keys
    finally:
        if bar is not None:
            bar.close()
    if history[-1]["violations"]:
        raise UncertifiedError(
            f"engine 'sparse': pairs of negative reduced cost remain after {max_rounds} rounds "
            f"({history[-1]['violations']} found in the last); raise max_rounds"
        )
    why = "used pairs above the clip level" if riding else "was not certified at the scale of its own cost"
    raise UncertifiedError(
        f"engine 'sparse': no certified plan after {max_rounds} rounds: the last round found no pair of "
        f"negative reduced cost beyond the rounding margin, but its plan {why}; raise max_rounds, or use "
        "a dense engine (method='emd' or 'highs')"
    )


def positive_part(a: FloatArray, b: FloatArray, costs: CostView) -> tuple[IntArray, IntArray, CostView]:
    """The rows and columns of positive weight, and the costs restricted to them.

    Zero-weight atoms carry no mass: the column generation runs without them, and their duals are
    set afterwards by c-transforms (:func:`extend_duals`), which keeps every pair touching them feasible.
    """
    rows, cols = np.flatnonzero(a > 0), np.flatnonzero(b > 0)
    if rows.size == a.size and cols.size == b.size:
        return rows, cols, costs
    return rows, cols, costs.subset(rows, cols)


def extend_duals(
    costs: CostView, rows: IntArray, cols: IntArray, u_sub: FloatArray, v_sub: FloatArray
) -> tuple[FloatArray, FloatArray]:
    r"""Duals of the whole problem from those of its positive-weight part.

    A zero-weight column gets :math:`v_j = \min_{i \in \text{rows}} (C_{ij} - u_i)`, then a
    zero-weight row gets :math:`u_i = \min_j (C_{ij} - v_j)` over all columns: every pair with a
    zero-weight end is then feasible (up to the rounding the certificate bounds), and the dual value
    :math:`\sum a_i u_i + \sum b_j v_j` is unchanged.
    """
    n, m = costs.shape
    u = np.full(n, -np.inf)
    u[rows] = u_sub
    v = np.zeros(m)
    v[cols] = v_sub
    if cols.size < m:
        zc = np.setdiff1d(np.arange(m), cols)
        v[zc] = costs.col_min(u)[zc]  # rows of weight 0 have u = -inf: C - (-inf) is never the minimum
    if rows.size < n:
        zr = np.setdiff1d(np.arange(n), rows)
        u[zr] = costs.row_bounds(v, rigorous=False)[0][zr]
    return u, v


def merge_duplicates(
    a: FloatArray, b: FloatArray, costs: CostView
) -> tuple[FloatArray, FloatArray, PointCosts, IntArray, IntArray] | None:
    """Identical points merged into one atom each (their weights summed): ``(a', b', costs', inv_x, inv_y)``
    with ``X = X'[inv_x]``, or ``None`` when no point repeats (or the costs are not points).

    Duplicated points are exact ties for every pair they are in; column generation on them stalls
    (each round adds pairs to one more copy). Merged, the problem is smaller and tie-free there; the
    plan is split back by :func:`split_merged` and the duals are shared by the copies."""
    if not isinstance(costs, PointCosts):
        return None
    ux, inv_x = np.unique(costs.X, axis=0, return_inverse=True)
    uy, inv_y = np.unique(costs.Y, axis=0, return_inverse=True)
    if ux.shape[0] == costs.X.shape[0] and uy.shape[0] == costs.Y.shape[0]:
        return None
    inv_x = np.asarray(inv_x, dtype=np.int64).ravel()
    inv_y = np.asarray(inv_y, dtype=np.int64).ravel()
    return (
        np.asarray(np.bincount(inv_x, weights=a, minlength=ux.shape[0]), dtype=np.float64),
        np.asarray(np.bincount(inv_y, weights=b, minlength=uy.shape[0]), dtype=np.float64),
        PointCosts(ux, uy, costs.cost),
        inv_x,
        inv_y,
    )


def _starts(keys: IntArray, groups: int) -> tuple[IntArray, IntArray]:
    order = np.argsort(keys, kind="stable")
    return order, np.searchsorted(keys[order], np.arange(groups + 1))


def _side_split(
    group_of_arc: IntArray, F: FloatArray, inv: IntArray, w: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """``(arc, copy, amount)``: each merged atom's arcs and its copies matched by the north-west corner
    rule (the arcs' flows against the copies' weights; equal totals up to rounding)."""
    from ._quantile import staircase

    groups = int(inv.max()) + 1
    corder, cstart = _starts(inv, groups)
    aorder, astart = _starts(group_of_arc, groups)
    ncopies = np.diff(cstart)
    single = ncopies[group_of_arc] == 1
    arcs = [np.flatnonzero(single)]
    copies = [corder[cstart[group_of_arc[single]]]]
    amounts = [F[single]]
    for g in np.flatnonzero(ncopies > 1).tolist():
        ks = aorder[astart[g] : astart[g + 1]]
        if ks.size == 0:
            continue
        cs = corder[cstart[g] : cstart[g + 1]]
        Is, Js, T = staircase(F[ks], w[cs])
        keep = T > 0
        arcs.append(ks[Is[keep]])
        copies.append(cs[Js[keep]])
        amounts.append(T[keep])
    return np.concatenate(arcs), np.concatenate(copies), np.concatenate(amounts)


def split_merged(
    I: IntArray, J: IntArray, F: FloatArray, a: FloatArray, b: FloatArray, inv_x: IntArray, inv_y: IntArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """A plan ``(I, J, F)`` between merged atoms split into one between the original points.

    Each merged row's arcs are matched to its copies, each merged column's arcs to its copies (north-west
    corner), and each arc's row pieces to its column pieces: row sums are the copies' weights, column
    sums too, and the support stays of the order of ``n + m`` (a forest per arc)."""
    from ._quantile import staircase

    ra, rc, rt = _side_split(I, F, inv_x, a)
    ca, cc, ct = _side_split(J, F, inv_y, b)
    k = F.size
    nr, nc = np.bincount(ra, minlength=k), np.bincount(ca, minlength=k)
    rows, cols, amounts = [], [], []
    row_of = np.full(k, -1, dtype=np.int64)
    row_of[ra[nr[ra] == 1]] = rc[nr[ra] == 1]
    sel = nr[ca] == 1  # one row piece: the column pieces are the arc's cells
    rows.append(row_of[ca[sel]])
    cols.append(cc[sel])
    amounts.append(ct[sel])
    col_of = np.full(k, -1, dtype=np.int64)
    col_of[ca[nc[ca] == 1]] = cc[nc[ca] == 1]
    sel = (nr[ra] > 1) & (nc[ra] == 1)  # several row pieces, one column piece
    rows.append(rc[sel])
    cols.append(col_of[ra[sel]])
    amounts.append(rt[sel])
    both = np.flatnonzero((nr > 1) & (nc > 1))
    if both.size:
        ro, rs = _starts(ra, k)
        co, cs = _starts(ca, k)
        for arc in both.tolist():
            r_idx, c_idx = ro[rs[arc] : rs[arc + 1]], co[cs[arc] : cs[arc + 1]]
            Is, Js, T = staircase(rt[r_idx], ct[c_idx])
            keep = T > 0
            rows.append(rc[r_idx][Is[keep]])
            cols.append(cc[c_idx][Js[keep]])
            amounts.append(T[keep])
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(amounts)


def dense_initial_candidates(a: FloatArray, b: FloatArray, C: FloatArray, k: int) -> IntArray:
    """The ``k`` cheapest columns of each row, and the north-west-corner staircase in index order
    (which makes the restricted problem feasible)."""
    from ._quantile import staircase

    n, m = C.shape
    kk = min(k, m)
    rows = max(1, BLOCK_ELEMS // max(m, 1))
    parts = []
    for s in range(0, n, rows):
        blk = C[s : s + rows]
        idx = np.argpartition(blk, kk - 1, axis=1)[:, :kk] if kk < m else np.tile(np.arange(m), (blk.shape[0], 1))
        parts.append((np.arange(s, s + blk.shape[0], dtype=np.int64)[:, None] * m + idx).ravel())
    Is, Js, _ = staircase(a, b)
    parts.append(Is.astype(np.int64) * m + Js.astype(np.int64))
    return np.unique(np.concatenate(parts))


def is_point_cost(cost: object) -> bool:
    """True for costs the sparse engine handles: ``||x - y||^p`` with ``p > 0``."""
    return isinstance(cost, _NormPower)


def dense_bytes(n: int, m: int) -> int:
    """Bytes of a dense float64 ``(n, m)`` cost matrix (and as much again for the plan)."""
    return 16 * n * m
