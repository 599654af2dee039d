r"""The rigorous certificate of the exact layer: a proven interval ``[L, U]`` around the optimum.

The problem certified is the transport LP with the weights rescaled *exactly* to total one and the
costs taken at their float values,

.. math::

    \mathrm{OPT} = \min_{P \ge 0,\ P\mathbf 1 = a',\ P^\top\mathbf 1 = b'} \langle C, P\rangle,
    \qquad a' = a / \textstyle\sum_i a_i,\quad b' = b / \textstyle\sum_j b_j \quad\text{(exact rationals)}.

* ``L`` (weak duality). For any float potentials ``(u, v)`` one blocked sweep over ``C`` computes,
  for every row, a lower bound :math:`\ell_i` of :math:`\min_j (C_{ij} - v_j)` that accounts for the
  rounding of every difference (:func:`otcheck._dyadic.lower_bound_of_min`: the exact rounding
  error of the few differences near the row minimum, by TwoSum). Then
  :math:`\tilde u_i = \min(u_i, \ell_i)` makes :math:`(\tilde u, v)` *exactly* feasible,
  :math:`\tilde u_i + v_j \le C_{ij}`, and :math:`L = a'^\top \tilde u + b'^\top v` is summed in
  exact rational arithmetic (products included). So :math:`L \le \mathrm{OPT}`.
* ``U`` (a feasible plan). A spanning forest of the returned plan's support is taken (largest flows
  first); components whose exact masses do not balance are linked by arcs of least reduced cost;
  the flows on this forest are then the unique ones that carry the exact marginals
  :math:`a', b'`, computed in integers. If they are all non-negative they form a feasible plan
  :math:`P^\star` and :math:`U = \langle C, P^\star\rangle`, summed exactly, is an upper bound. (Arcs
  whose exact flow comes out negative are dropped from the forest and the rebuild is repeated.)

Both bounds are proven for every finite input; the float ``lower``/``upper`` of the certificate are
``L`` rounded down and ``U`` rounded up. The certificate is *tight* (``ok``) when
:math:`U - L \le \mathrm{tol}\cdot s`, with :math:`s = \sum_{ij} P^\star_{ij}|C_{ij}|` the size of the
costs the rebuilt plan uses (never the size of the duals, never :math:`\max|C|`).

When the engine's duals do not make the interval tight, two repairs are tried, each certified the
same way: c-transforms of the centred duals, and potentials rebuilt on the plan's support (tight on
its spanning forest, the forest's components shifted against each other by Bellman-Ford rounds
over all pairs). Memory beyond the inputs: :math:`O(n + m)` plus one block of rows.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING, Literal, TypeAlias, overload

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components, minimum_spanning_tree

from .._dyadic import (
    coarse_lower_bound,
    exact_dot,
    integer_weights,
    lower_bound_of_min,
    round_down,
    round_nearest,
    round_up,
    to_fraction,
)
from .._validation import FloatArray

if TYPE_CHECKING:
    from .result import Certificate

__all__ = ["DenseCosts", "CertifiedProblem"]

# Entries per block when sweeping the (n, m) cost matrix: bounds the temporaries to ~8 MB.
BLOCK_ELEMS = 1_000_000

_TINY = float(np.finfo(np.float64).tiny)

#: Integer index arrays (rows ``I``, columns ``J``, flat positions).
IndexArray: TypeAlias = NDArray[np.intp]
#: Object arrays of Python integers (exact weights and flows).
IntArray: TypeAlias = NDArray[np.object_]
#: How a rounding error is bounded (:meth:`DenseCosts.row_bounds`).
Rigor: TypeAlias = Literal["coarse", "tight", False]
#: A plan's support: rows, columns and the (float) values there.
Support: TypeAlias = tuple[IndexArray, IndexArray, FloatArray]

_NO_INDEX: IndexArray = np.zeros(0, dtype=np.intp)


class CostView(ABC):
    """What a certificate needs from the costs: the dense matrix (:class:`DenseCosts`) or points
    (:class:`otcheck.exact._sparse.PointCosts`, which never forms the matrix).

    A view implements :meth:`_row_bounds`, the one search behind :meth:`row_bounds`; the public
    method only fixes its typing (no lower bounds with ``rigorous=False``).
    """

    shape: tuple[int, int]

    @abstractmethod
    def entries(self, i: IndexArray, j: IndexArray) -> FloatArray: ...

    @abstractmethod
    def block(self, I: IndexArray, J: IndexArray) -> FloatArray: ...

    @abstractmethod
    def subset(self, rows: IndexArray, cols: IndexArray) -> CostView: ...

    @overload
    def row_bounds(
        self, w: FloatArray, *, rigorous: Literal["coarse", "tight"] = ...
    ) -> tuple[FloatArray, FloatArray]: ...

    @overload
    def row_bounds(self, w: FloatArray, *, rigorous: Literal[False]) -> tuple[FloatArray, None]: ...

    def row_bounds(self, w: FloatArray, *, rigorous: Rigor = "coarse") -> tuple[FloatArray, FloatArray | None]:
        r"""Per row: the float :math:`\min_j (C_{ij} - w_j)` over all columns and a proven lower bound of
        it (``None`` for ``rigorous=False``). How ``"coarse"`` and ``"tight"`` bound the rounding is
        stated in each view's class docstring (:class:`DenseCosts`, ``PointCosts``)."""
        return self._row_bounds(w, rigorous)

    @abstractmethod
    def _row_bounds(self, w: FloatArray, rigorous: Rigor) -> tuple[FloatArray, FloatArray | None]: ...

    @abstractmethod
    def col_min(self, w: FloatArray) -> FloatArray: ...


class DenseCosts(CostView):
    r"""A float cost matrix, swept in blocks of rows (the dense engines' view of ``C``).

    :meth:`row_bounds` with ``rigorous="coarse"`` bounds the rounding of each row minimum by
    :math:`2^{-50}|m| + 2^{-1070}` (no extra pass); ``"tight"`` computes the exact rounding error of
    the few differences near the minimum (:func:`otcheck._dyadic.lower_bound_of_min`: exact whenever
    the minimum was); ``False`` skips the bound.
    """

    def __init__(self, C: FloatArray) -> None:
        self.C = C
        self.shape: tuple[int, int] = (C.shape[0], C.shape[1])
        n, m = C.shape
        self._rows = max(1, BLOCK_ELEMS // max(m, 1))
        self._buf: FloatArray | None = None

    def entries(self, i: IndexArray, j: IndexArray) -> FloatArray:
        """``C[i, j]`` for index arrays."""
        return self.C[i, j]

    def block(self, I: IndexArray, J: IndexArray) -> FloatArray:
        """The sub-matrix ``C[I][:, J]``."""
        return self.C[np.ix_(I, J)]

    def subset(self, rows: IndexArray, cols: IndexArray) -> DenseCosts:
        """The view of the sub-matrix ``C[rows][:, cols]`` (a contiguous copy)."""
        return DenseCosts(np.ascontiguousarray(self.C[np.ix_(rows, cols)]))

    def max_abs(self) -> float:
        """:math:`\\max|C_{ij}|` without an ``(n, m)`` temporary."""
        return max(float(self.C.max()), -float(self.C.min()))

    def _row_bounds(self, w: FloatArray, rigorous: Rigor) -> tuple[FloatArray, FloatArray | None]:
        r"""Per row: the float :math:`\min_j (C_{ij} - w_j)` and a proven lower bound of it (the
        rounding bounds of the class docstring)."""
        n, m = self.shape
        rows = self._rows
        if self._buf is None:
            self._buf = np.empty((min(rows, n), m))
        mins = np.empty(n)
        lbs = np.empty(n) if rigorous else None
        with np.errstate(over="ignore", invalid="ignore"):
            for s in range(0, n, rows):
                Cb = self.C[s : s + rows]
                T = np.subtract(Cb, w[None, :], out=self._buf[: Cb.shape[0]])
                mins[s : s + rows] = T.min(1)
                if rigorous == "tight" and lbs is not None:
                    lbs[s : s + rows] = lower_bound_of_min(T, Cb, w[None, :])
            if rigorous == "coarse" and lbs is not None:
                lbs[:] = coarse_lower_bound(mins)
        return mins, lbs

    def col_min(self, w: FloatArray) -> FloatArray:
        r""":math:`\min_i (C_{ij} - w_i)` per column (float)."""
        n, m = self.shape
        out = np.full(m, np.inf)
        with np.errstate(over="ignore", invalid="ignore"):
            for s in range(0, n, self._rows):
                np.minimum(out, (self.C[s : s + self._rows] - w[s : s + self._rows, None]).min(0), out=out)
        return out


def _center(
    u: FloatArray,
    v: FloatArray,
    size: float = 0.0,
    rows: NDArray[np.bool_] | None = None,
    cols: NDArray[np.bool_] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Remove the gauge freedom ``(u + c, v - c)`` by balancing ``max u`` and ``max v`` (finite entries
    of the ``rows``/``cols`` of positive weight when given: a zero-weight row's potential enters no
    dual value, and balancing on it could round the others away), when the shift ``c`` is larger
    than ``size`` (smaller shifts cost no precision worth a copy)."""
    fu = u[np.isfinite(u) & (True if rows is None else rows)]
    fv = v[np.isfinite(v) & (True if cols is None else cols)]
    if not fu.size or not fv.size:
        return u, v
    c = 0.5 * (float(fv.max()) - float(fu.max()))
    if not abs(c) > size:
        return u, v
    return u + c, v - c


def _support(P: FloatArray) -> IndexArray:
    """Flat indices of the non-zero entries of ``P``, found in blocks of rows: no ``(n, m)`` temporary
    (``P != 0`` per block, then ``flatnonzero`` of the booleans: several times faster than
    ``np.flatnonzero(P)`` on a float array)."""
    n, m = P.shape
    rows = max(1, BLOCK_ELEMS // max(m, 1))
    parts = []
    for s in range(0, n, rows):
        parts.append(np.flatnonzero(P[s : s + rows] != 0) + s * m)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _forest_order(N: int, X: IndexArray, Y: IndexArray) -> tuple[IndexArray, IndexArray, IndexArray, int]:
    """One BFS over a forest on ``N`` nodes with edges ``(X, Y)``: ``(order, pred, label, ncomp)``.

    A virtual root joined to one node of every component makes a single scipy call cover the whole
    forest; ``pred`` is -1 for each component's root, and ``order`` lists parents before children.
    """
    k = X.size
    g = coo_matrix((np.ones(k), (X, Y)), shape=(N, N)).tocsr()
    ncomp, label = connected_components(g, directed=False)
    roots = np.full(ncomp, -1, dtype=np.int64)
    roots[label[::-1]] = np.arange(N)[::-1]  # the first node of each component
    ext = coo_matrix(
        (np.ones(k + ncomp), (np.concatenate([X, np.full(ncomp, N)]), np.concatenate([Y, roots]))), shape=(N + 1, N + 1)
    ).tocsr()
    order, pred = breadth_first_order(ext, N, directed=False, return_predecessors=True)
    order = order[1:]
    pred = pred[:N].copy()
    pred[pred == N] = -1
    return order, pred, label, ncomp


class _Rebuilt:
    """An exact plan on a forest: arcs ``(I, J)``, integer flows ``F`` (over ``den``), or a failure."""

    __slots__ = ("I", "J", "F", "den", "failure", "links")

    def __init__(
        self,
        I: IndexArray | None = None,
        J: IndexArray | None = None,
        F: IntArray | None = None,
        den: int = 1,
        failure: str = "",
        links: int = 0,
    ) -> None:
        # a failure has no arcs: empty arrays rather than None
        self.I: IndexArray = _NO_INDEX if I is None else I
        self.J: IndexArray = _NO_INDEX if J is None else J
        self.F: IntArray = np.zeros(0, dtype=object) if F is None else F
        self.den, self.failure, self.links = den, failure, links


class CertifiedProblem:
    r"""One transport problem ``(a, b, C)``, prepared once for any number of certificates.

    Holds the exact rescaled weights (integers ``A``, ``B`` with :math:`a' = A / \sum A`) and the
    cost view. :meth:`check` certifies a plan and duals, trying the dual repairs in turn.
    """

    def __init__(self, a: FloatArray, b: FloatArray, costs: CostView, tol: float) -> None:
        self.a, self.b, self.costs, self.tol = a, b, costs, float(tol)
        self.n, self.m = costs.shape
        self.A, _ = integer_weights(a)
        self.B, _ = integer_weights(b)
        self.SA = int(self.A.sum())
        self.SB = int(self.B.sum())
        # flows are integers over den = SA * SB: row i supplies A_i * SB, column j demands B_j * SA
        self.den = self.SA * self.SB
        self.supply = self.A * self.SB
        self.demand = self.B * self.SA

    # ----------------------------------------------------------------------------------- bounds

    def lower(
        self, u: FloatArray, v: FloatArray, rigorous: Literal["coarse", "tight"] = "coarse"
    ) -> tuple[Fraction | None, FloatArray, float]:
        r"""``(L, u~, violation)``: the exact dual bound of :math:`(\min(u, \ell), v)` (a Fraction).

        ``u`` may hold ``+inf`` for rows whose potential is to be the c-transform itself;
        ``rigorous`` is passed to the cost view's ``row_bounds``.
        """
        if not np.all(np.isfinite(v)) or np.any(np.isnan(u)) or np.any(u == -np.inf):
            return None, u, np.inf
        _, lb = self.costs.row_bounds(v, rigorous=rigorous)
        ut = np.minimum(u, lb)
        if not np.all(np.isfinite(ut)):
            return None, ut, np.inf
        fin = np.isfinite(u)
        viol = float(np.max(u[fin] - lb[fin], initial=0.0)) if fin.any() else 0.0
        Nu, Eu = exact_dot(self.A, ut)
        Nv, Ev = exact_dot(self.B, v)
        L = to_fraction(Nu, Eu, self.SA) + to_fraction(Nv, Ev, self.SB)
        return L, ut, max(viol, 0.0)

    def upper(self, R: _Rebuilt) -> tuple[Fraction, float]:
        r"""``(U, s)``: the exact cost of the rebuilt plan and the float size :math:`\sum P^\star|C|`."""
        c = self.costs.entries(R.I, R.J)
        N, E = exact_dot(R.F, c)
        U = to_fraction(N, E, R.den)
        Ns, Es = exact_dot(R.F, np.abs(c))
        return U, round_nearest(to_fraction(Ns, Es, R.den))

    # ---------------------------------------------------------------------------------- rebuild

    def _forest(self, I: IndexArray, J: IndexArray, vals: FloatArray) -> IndexArray:
        """A spanning forest of the support, largest flows first; returns the kept arc indices."""
        n, m = self.n, self.m
        k = I.size
        if k == 0:
            return np.zeros(0, dtype=np.int64)
        ncomp, _ = connected_components(coo_matrix((np.ones(k), (I, n + J)), shape=(n + m, n + m)), directed=False)
        if k == n + m - ncomp:
            return np.arange(k)  # already a forest (a basic plan)
        desc = np.argsort(-vals, kind="stable")  # rank r (1-based) belongs to arc desc[r - 1]
        rank = np.empty(k)
        rank[desc] = np.arange(1, k + 1)
        T = minimum_spanning_tree(coo_matrix((rank, (I, n + J)), shape=(n + m, n + m)).tocsr())
        kept = np.rint(T.tocoo().data).astype(np.int64) - 1
        return np.sort(desc[kept])

    def rebuild(self, I: IndexArray, J: IndexArray, vals: FloatArray, u: FloatArray, v: FloatArray) -> _Rebuilt:
        """Exact plan on a forest of the support ``(I, J, vals)``; links chosen by reduced cost w.r.t. ``(u, v)``.

        For a plan whose support is a forest, the exact flows differ from the float flows by at most
        the total amount by which the plan's float marginals miss the exact ones (every arc carries
        the imbalance of the subtree it cuts off). Arcs whose float flow is below that amount could come out negative:
        they are dropped at once (their mass is re-routed through links), and any arc that still comes
        out negative is dropped in the next round.
        """
        rows = np.bincount(I, weights=vals, minlength=self.n)
        cols = np.bincount(J, weights=vals, minlength=self.m)
        miss = float(np.abs(rows - self.a).sum() + np.abs(cols - self.b).sum())
        keep = self._forest(I, J, vals)
        I, J, vals = I[keep], J[keep], vals[keep]
        at_risk = 2.0 * miss + 8 * np.finfo(float).eps  # the exact weights differ from a, b by rounding too
        safe = vals > at_risk
        if not safe.all():
            I, J, vals = I[safe], J[safe], vals[safe]
        for _ in range(64):
            R, negative = self._flows(I, J, u, v)
            if R.failure or not negative.size:
                return R
            # the arcs that came out negative carried (numerically) nothing: drop them, and with them
            # every arc of the forest whose float flow is not larger than theirs
            cut = float(vals[negative].max())
            drop = vals <= cut
            drop[negative] = True
            I, J, vals = I[~drop], J[~drop], vals[~drop]
        return _Rebuilt(failure="the exact flows on the plan's support stay negative after 64 rebuilds")

    def _flows(self, I: IndexArray, J: IndexArray, u: FloatArray, v: FloatArray) -> tuple[_Rebuilt, IndexArray]:
        """Flows on the forest ``(I, J)`` plus linking arcs.

        Returns the rebuilt plan and the forest arcs whose exact flow came out negative.
        """
        n, m = self.n, self.m
        N = n + m
        k = I.size
        order, pred, label, ncomp = _forest_order(N, I, n + J)
        bal = np.concatenate([self.supply, -self.demand])  # object ints
        imb = [0] * ncomp
        for x, lab in enumerate(label.tolist()):
            imb[lab] += bal[x]
        links_I, links_J, links_F = [], [], []
        surplus = [(c, d) for c, d in enumerate(imb) if d > 0]
        deficit = [(c, -d) for c, d in enumerate(imb) if d < 0]
        if surplus:
            members: dict[int, list[int]] = {}
            for x, lab in enumerate(label.tolist()):
                members.setdefault(lab, []).append(x)
            for _cs, _cd, t, i, j in self._links(surplus, deficit, members, u, v):
                if i < 0:
                    return _Rebuilt(failure="a component without rows or columns cannot be linked"), np.zeros(0, int)
                links_I.append(i)
                links_J.append(j)
                links_F.append(t)
                bal[i] -= t
                bal[n + j] += t
        # flows on each tree of the forest: peel the leaves first (reverse BFS order)
        flow = np.zeros(k, dtype=object)
        arc_of = {}
        for e, (i, j) in enumerate(zip(I.tolist(), J.tolist())):
            arc_of[(i, n + j)] = e
            arc_of[(n + j, i)] = e
        net = bal.tolist()
        for x in order[::-1].tolist():
            p = int(pred[x])
            if p < 0:
                if net[x] != 0:
                    return _Rebuilt(failure="the forest does not carry the exact marginals (internal error)"), np.zeros(
                        0, int
                    )
                continue
            e = arc_of[(x, p)]
            flow[e] = net[x] if x < n else -net[x]  # a row pushes its subtree's surplus; a column pulls
            net[p] += net[x]
        neg = np.array([e for e in range(k) if flow[e] < 0], dtype=np.int64)
        if neg.size:
            return _Rebuilt(), neg
        allI = np.concatenate([I, np.array(links_I, dtype=np.int64)])
        allJ = np.concatenate([J, np.array(links_J, dtype=np.int64)])
        allF = np.concatenate([flow, np.array(links_F, dtype=object)])
        pos = np.array([f != 0 for f in allF], dtype=bool) if allF.size else np.zeros(0, bool)
        return _Rebuilt(allI[pos], allJ[pos], allF[pos], self.den, links=len(links_F)), np.zeros(0, int)

    def _links(
        self,
        surplus: list[tuple[int, int]],
        deficit: list[tuple[int, int]],
        members: dict[int, list[int]],
        u: FloatArray,
        v: FloatArray,
    ) -> list[tuple[int, int, int, int, int]]:
        """Arcs that carry each surplus component's excess to deficit components: ``(cs, cd, amount, i, j)``.

        Between two components the arc of least reduced cost :math:`C_{ij} - u_i - v_j` is used.
        When there are few imbalanced components, the pairs are chosen greedily by that cost (the
        cheapest pair first, as much as it can take); each step saturates a component, so the links
        form a forest over the components. Otherwise they are paired in order (north-west corner).
        """
        n = self.n

        def best(cs: int, cd: int) -> tuple[float, int, int]:
            rows = np.array([x for x in members[cs] if x < n], dtype=np.int64)
            cols = np.array([x - n for x in members[cd] if x >= n], dtype=np.int64)
            if not rows.size or not cols.size:
                return np.inf, -1, -1
            with np.errstate(over="ignore", invalid="ignore"):
                red = self.costs.block(rows, cols) - u[rows, None] - v[None, cols]
            red = np.where(np.isnan(red), np.inf, red)
            p, q = np.unravel_index(int(np.argmin(red)), red.shape)
            return float(red[p, q]), int(rows[p]), int(cols[q])

        rest_s = {c: d for c, d in surplus}
        rest_d = {c: d for c, d in deficit}
        out = []
        if len(surplus) * len(deficit) <= 4096:
            pairs = sorted(((best(cs, cd), cs, cd) for cs, _ in surplus for cd, _ in deficit), key=lambda t: t[0][0])
            for (_, i, j), cs, cd in pairs:
                if rest_s[cs] == 0 or rest_d[cd] == 0:
                    continue
                t = min(rest_s[cs], rest_d[cd])
                out.append((cs, cd, t, i, j))
                rest_s[cs] -= t
                rest_d[cd] -= t
            return out
        si = di = 0
        while si < len(surplus) and di < len(deficit):
            cs, cd = surplus[si][0], deficit[di][0]
            t = min(rest_s[cs], rest_d[cd])
            _, i, j = best(cs, cd)
            out.append((cs, cd, t, i, j))
            rest_s[cs] -= t
            rest_d[cd] -= t
            si += rest_s[cs] == 0
            di += rest_d[cd] == 0
        return out

    # ------------------------------------------------------------------------------- potentials

    def support_potentials(self, I: IndexArray, J: IndexArray, vals: FloatArray) -> tuple[FloatArray, FloatArray]:
        r"""Potentials tight on a spanning forest of the support, components shifted to feasibility.

        Per tree: :math:`u_{root} = 0` and :math:`u_i + v_j = C_{ij}` along it. Components are then
        shifted, :math:`(u + \delta_{c(i)}, v - \delta_{c(j)})`, by Bellman-Ford rounds
        :math:`\delta_p \leftarrow \min(\delta_p, \min_{i \in p} \min_j (C_{ij} - u_i - v_j + \delta_{c(j)}))`,
        each one sweep of ``C``, until no shift moves by more than rounding (at most the number of
        components + 1 rounds). For an optimal plan the result is optimal duals, computed from the
        costs the plan uses. Rows outside the support get ``+inf`` (their c-transform is taken by
        :meth:`lower`), columns outside it their c-transform.
        """
        n, m = self.n, self.m
        N = n + m
        keep = self._forest(I, J, vals)
        I, J = I[keep], J[keep]
        cvals = self.costs.entries(I, J)
        cost_of = {}
        for i, j, c in zip(I.tolist(), J.tolist(), cvals.tolist()):
            cost_of[(i, n + j)] = c
            cost_of[(n + j, i)] = c
        order, pred, label, ncomp = _forest_order(N, I, n + J)
        pot = np.full(N, np.nan)
        for x in order.tolist():
            p = int(pred[x])
            if p < 0:
                pot[x] = 0.0
            else:
                pot[x] = cost_of[(x, p)] - pot[p]
        sizes = np.bincount(label, minlength=ncomp)
        pot[sizes[label] == 1] = np.nan  # a lone row or column: filled in below
        u, v = pot[:n].copy(), pot[n:].copy()
        lone_r = np.isnan(u)
        lone_c = np.isnan(v)
        cr, cc = label[:n], label[n:]
        scale = max(float(np.max(np.abs(cvals), initial=0.0)), _TINY)
        eps = 8 * np.finfo(float).eps * scale
        delta = np.zeros(ncomp)
        live_r = ~lone_r
        for _ in range(min(ncomp + 1, 64)):
            w = np.where(lone_c, -np.inf, v - delta[cc])
            mins, _ = self.costs.row_bounds(w, rigorous=False)
            t = mins - u
            new = delta.copy()
            np.minimum.at(new, cr[live_r], t[live_r])
            if not np.any(delta - new > eps):
                break
            delta = new
        u = np.where(lone_r, np.inf, u + delta[cr])
        v = v - delta[cc]
        if lone_c.any():
            v[lone_c] = self.costs.col_min(np.where(lone_r, -np.inf, u))[lone_c]
            v[lone_c] = np.where(np.isfinite(v[lone_c]), v[lone_c], 0.0)
        return u, v

    # ------------------------------------------------------------------------------- the check

    def check(
        self,
        P: FloatArray | None,
        u: FloatArray,
        v: FloatArray,
        *,
        support: Support | None = None,
        repair: bool = True,
    ) -> tuple[Certificate, FloatArray, FloatArray]:
        """Certify ``plan`` and ``(u, v)``, trying the dual repairs; returns ``(Certificate, u, v)``.

        Without ``repair`` only the given potentials are used (made exactly feasible by lowering
        each :math:`u_i` by its row's violation, which is part of every dual bound).

        ``support`` is ``(I, J, vals)`` of the plan's positive entries when already known (``P`` may
        then be ``None``).
        """
        if support is None:
            if P is None:
                raise TypeError("P: the plan is needed when its support is not given")
            nz = _support(P)
            vals = P.reshape(-1)[nz]
            if not np.all(np.isfinite(vals)):
                from .result import Certificate

                return (
                    Certificate(
                        lower=-np.inf,
                        upper=np.inf,
                        scale=_TINY,
                        tol=self.tol,
                        marginal_residual=np.inf,
                        failure="the plan contains NaN or inf",
                    ),
                    u,
                    v,
                )
            negative = max(0.0, -float(vals.min())) if vals.size else 0.0
            if negative > 0:
                keep = vals > 0
                nz, vals = nz[keep], vals[keep]
            m = self.m
            I = nz // m
            support = (I, nz - I * m, vals)
        else:
            negative = 0.0
        I, J, vals = support
        marginal = self._marginal(P, support, negative)
        with np.errstate(over="ignore", invalid="ignore"):
            cs = self.costs.entries(I, J)
            size = 2.0 * float(np.max(np.abs(cs), initial=0.0))
        primal_defect = marginal > self.tol or negative > self.tol
        u = np.asarray(u, dtype=np.float64)
        v = np.asarray(v, dtype=np.float64)
        attempts = [("engine", u, v)]
        best = None
        R = None
        for k in range(3 if repair else 1):
            if k == 1:
                if primal_defect:
                    break
                uc, _ = _center(u, v, rows=self.a > 0, cols=self.b > 0)
                with np.errstate(over="ignore", invalid="ignore"):
                    vp = self.costs.col_min(uc)
                    vp = np.where(np.isfinite(vp), vp, 0.0)
                    mins, _ = self.costs.row_bounds(vp, rigorous=False)
                attempts.append(("c-transformed", mins, vp))
            elif k == 2:
                # potentials tight on the rebuilt plan's own tree (its linking arcs included), so that
                # complementary slackness holds for the very plan whose cost is U
                if R is not None and not R.failure and R.I.size:
                    tree = (R.I, R.J, np.array([float(Fraction(f, R.den)) for f in R.F]))
                else:
                    tree = (I, J, vals)
                attempts.append(("support", *self.support_potentials(*tree)))
            name, uu, vv = attempts[-1]
            if name == "engine":
                uu, vv = _center(uu, vv, size, rows=self.a > 0, cols=self.b > 0)
            L, ut, viol = self.lower(uu, vv)
            if R is None or (R.links and name != "support"):  # links are chosen by reduced cost: redo them
                R = self.rebuild(I, J, vals, np.where(np.isfinite(ut), ut, 0.0), vv)
            cert = self._certificate(L, R, viol, marginal, negative, name, support)
            if not cert.ok and not cert.failure and cert.gap > self.tol:
                # the coarse rounding bound may be what is missing: bound the rounding exactly instead
                L, ut, viol = self.lower(uu, vv, rigorous="tight")
                cert = self._certificate(L, R, viol, marginal, negative, name, support)
            if best is None or cert.ok or (not best.ok and cert.gap < best.gap):
                best, bu, bv = cert, ut, vv
            if cert.ok:
                break
        assert best is not None  # the engine's own potentials are always tried
        return best, bu, bv

    def _plan_excess(self, support: Support, U: Fraction, s: float) -> float:
        r""":math:`\max(0, \langle C, P\rangle - U) / s` for the returned float plan ``P``: how much
        more it costs than the proven plan (a plan cheaper than ``U`` is so only by its marginal
        residual, which is checked on its own)."""
        I, J, vals = support
        with np.errstate(over="ignore", invalid="ignore"):
            cost = float(vals @ self.costs.entries(I, J)) if I.size else 0.0
        if not np.isfinite(cost):
            return np.inf
        return max(0.0, round_up((Fraction(cost) - U) / Fraction(s)))

    def _marginal(self, P: FloatArray | None, support: Support, negative: float) -> float:
        """Largest marginal residual of the returned plan (its negative entries included, when any)."""
        I, J, vals = support
        if P is not None and negative > 0:
            rows_sum, cols_sum = P.sum(1), P.sum(0)
        else:
            rows_sum = np.bincount(I, weights=vals, minlength=self.n)
            cols_sum = np.bincount(J, weights=vals, minlength=self.m)
        return max(float(np.abs(rows_sum - self.a).max()), float(np.abs(cols_sum - self.b).max()))

    def _certificate(
        self,
        L: Fraction | None,
        R: _Rebuilt,
        viol: float,
        marginal: float,
        negative: float,
        duals: str,
        support: Support,
    ) -> Certificate:
        from .result import Certificate

        failure = ""
        if L is None:
            failure = "the dual potentials are not finite (or overflow against C)"
        if R.failure:
            failure = (failure + "; " if failure else "") + R.failure
        if failure or L is None:  # L is None only with a failure
            return Certificate(
                lower=-np.inf if L is None else round_down(L),
                upper=np.inf,
                scale=_TINY,
                tol=self.tol,
                marginal_residual=marginal,
                negative_mass=negative,
                dual_violation=np.inf,
                failure=failure,
                duals=duals,
                exact_lower=L,
            )
        U, s = self.upper(R)
        s = max(s, _TINY)
        from .result import Certificate

        bounds = Certificate(
            lower=round_down(L),
            upper=round_up(U),
            scale=s,
            tol=self.tol,
            marginal_residual=marginal,
            negative_mass=negative,
            duals=duals,
            exact_lower=L,
        )
        if L > U:
            # weak duality makes L <= OPT <= U: an inverted interval means a bound was computed
            # unsoundly (a cost view's row minimum overstated); never certify it
            return replace(
                bounds,
                failure=f"the dual bound {float(L)!r} exceeds the primal bound {float(U)!r}: a bound is unsound",
            )
        gap = round_up((U - L) / Fraction(s))
        return replace(
            bounds,
            dual_violation=viol / s,
            gap=max(gap, 0.0),
            plan_gap=self._plan_excess(support, U, s),
            exact_upper=U,
            value=round_nearest(U),
        )
