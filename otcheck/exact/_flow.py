r"""The restricted solver of the sparse engine for uniform weights: OR-Tools' min cost flow.

When every source atom has the same weight and every target atom has the same weight (the case of
empirical measures, samples of a model, point clouds), the restricted problem of the column
generation (:func:`otcheck.exact._sparse.column_generation`) is a transportation problem with integer
supplies: each row supplies :math:`m / g` units and each column takes :math:`n / g`
(:math:`g = \gcd(n, m)`). OR-Tools' cost-scaling push-relabel min cost flow
(``ortools.graph.python.min_cost_flow``) solves it, on sparse arcs, far faster than a network
simplex started from scratch (it does not slow down on long geometric instances).

**Integer costs, and what the certificate closes.** The solver needs integer costs. The candidate
costs are scaled by :math:`2^s` and rounded, :math:`\tilde c_{ij} = \operatorname{rint}(2^s c_{ij})`,
with :math:`s` chosen so that :math:`\max \tilde c \le 2^K` and :math:`K + \log_2(n + m + 1) \le 60`
(the solver multiplies costs by the number of nodes). Its node potentials can still overflow int64
on sparse restricted graphs (their range grows with the length of the paths that carry the flow, not
only with the largest cost); it then reports ``BAD_COST_RANGE`` and returns no flow, and the problem is
solved again with :math:`K` lowered by 4, down to :data:`MIN_LEVELS` (a coarser quantum, accounted
for like any other). The flow is optimal for :math:`\tilde c`; it is
feasible, with the exact marginals, for the real problem. Its value for the real costs differs from
the optimum by at most :math:`2^{-s}` (each plan's rounded cost is within :math:`2^{-s-1}` of its real
cost, the plans having mass 1). Nothing of that is assumed by the certificate: it evaluates the plan
exactly on the real float costs and bounds the optimum from below by c-transformed duals, exactly as
for every other engine.

**Duals.** The solver returns no potentials. They are recovered from the optimal flow by shortest
paths in its residual graph (an arc :math:`i \to j` of length :math:`\tilde c_{ij}` for every
candidate pair, and :math:`j \to i` of length :math:`-\tilde c_{ij}` where the flow is positive).
The flow being optimal, that graph has no negative cycle; the distances :math:`d` from a virtual
source joined to every node by arcs of length 0 satisfy :math:`\tilde c_{ij} + d_i - d_j \ge 0`
on every candidate pair, with equality on the flow's support. They are computed in **int64**
arithmetic, exactly, by a queue-based Bellman-Ford (a pass relaxes only the arcs out of the nodes
whose distance changed in the previous pass), and :math:`u = -2^{-s} d_{\text{rows}}`,
:math:`v = 2^{-s} d_{\text{cols}}` are the duals of the real problem up to the rounding quantum
:math:`2^{-s}`: the column generation treats a pair as violated only when its reduced cost is below
:math:`-2^{-s}` beyond float rounding.

**A basic plan.** A cost-scaling solver returns *an* optimal flow, not a vertex of the transportation
polytope: under ties (duplicated points, integer grids, costs equal after rounding) its support may
hold cycles. The certificate rebuilds its exact plan on a spanning forest of the support
(:mod:`otcheck.exact._certificate`), and on a support with cycles that forest need not carry the
optimal plan (found on merged duplicates: the rebuilt plan was dearer than the optimum). So the flow
is made basic first (:func:`basic_flow`): every cycle of its support is cancelled by pushing integer
flow around it, which keeps the marginals and the rounded cost, and leaves a support that is a forest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ._certificate import CostView, _forest_order
from .result import UncertifiedError

__all__ = ["flow_available", "uniform_supplies", "restricted_flow", "residual_potentials", "basic_flow"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
Int64Array = NDArray[np.int64]

MIN_LEVELS = 24
"""The coarsest rounding the solver is retried at, :math:`2^{24}` cost levels (module docstring)."""


def flow_available() -> bool:
    """True when OR-Tools (the ``[flow]`` extra) can be imported."""
    try:
        from ortools.graph.python import min_cost_flow  # noqa: F401
    except ImportError:
        return False
    return True


def uniform_supplies(
    a: FloatArray, b: FloatArray, counts: tuple[IntArray, IntArray] | None = None
) -> tuple[Int64Array, Int64Array] | None:
    r"""Integer supplies and demands when all ``a`` are equal and all ``b`` are equal (exactly, as
    floats), else ``None``: :math:`m / g` per row and :math:`n / g` per column, :math:`g = \gcd(n, m)`.

    ``counts`` (the multiplicities of merged duplicate atoms, whose weights are then sums of equal
    weights): the supplies are multiplied by them, and ``a``, ``b`` are the weights before merging.
    """
    n, m = a.size, b.size
    if n == 0 or m == 0 or not (np.all(a == a[0]) and np.all(b == b[0])):
        return None
    g = math.gcd(n, m)
    rows = np.full(n, m // g, dtype=np.int64)
    cols = np.full(m, n // g, dtype=np.int64)
    if counts is not None:
        rows = np.bincount(counts[0]).astype(np.int64) * (m // g)
        cols = np.bincount(counts[1]).astype(np.int64) * (n // g)
    return rows, cols


@dataclass
class _Forest:
    """A spanning forest of the support by parent pointers: ``parent[v]`` (-1 at a root), ``pedge[v]``
    the arc to the parent; ``jitter`` a fixed pseudo-random key per arc (the last tie-break of the
    direction of a cycle); ``mark``, ``pos`` and ``stamp`` are the scratch of the path searches."""

    parent: list[int]
    pedge: list[int]
    jitter: list[float] = field(default_factory=list)
    mark: list[int] = field(default_factory=list)
    pos: list[int] = field(default_factory=list)
    stamp: int = 0


def _reroot(path: list[int], t: int, parent: list[int], pedge: list[int]) -> None:
    """Reverse the parent pointers along ``path[0], ..., path[t]`` (each the parent of the one before),
    forgetting the arc from ``path[t]`` to its old parent; ``path[0]`` is left for the caller to attach."""
    for i in range(t, 0, -1):
        parent[path[i]] = path[i - 1]
        pedge[path[i]] = pedge[path[i - 1]]


def _tree_path(x: int, y: int, tree: _Forest) -> tuple[list[int], list[int]]:
    """The nodes from ``x`` and from ``y`` up to their lowest common ancestor (included in both):
    both ends climb in turn until one meets the other's path, so the cost is of the path's length."""
    parent, mark, pos = tree.parent, tree.mark, tree.pos
    tree.stamp += 2
    sx, sy = tree.stamp, tree.stamp + 1
    xs, ys = [x], [y]
    mark[x], pos[x], mark[y], pos[y] = sx, 0, sy, 0
    ux, uy = x, y
    while ux >= 0 or uy >= 0:
        if ux >= 0:
            ux = parent[ux]
            if ux >= 0:
                xs.append(ux)
                if mark[ux] == sy:
                    return xs, ys[: pos[ux] + 1]
                mark[ux], pos[ux] = sx, len(xs) - 1
        if uy >= 0:
            uy = parent[uy]
            if uy >= 0:
                ys.append(uy)
                if mark[uy] == sx:
                    return xs[: pos[uy] + 1], ys
                mark[uy], pos[uy] = sy, len(ys) - 1
    raise UncertifiedError("engine 'sparse': a support arc joins two trees of its spanning forest (internal error)")


def _cancel_cycle(
    e: int, tail: list[int], head: list[int], flow: list[int], cost: list[int], tie: list[float], tree: _Forest
) -> None:
    """Push flow around the cycle that the arc ``e`` closes in ``tree`` until an arc of it empties, and
    swap that arc out of the tree for ``e`` (:func:`basic_flow`); ``flow`` and ``tree`` are updated."""
    x, y = tail[e], head[e]
    xs, ys = _tree_path(x, y, tree)
    pedge = tree.pedge
    # the cycle: e (sign +), the tree arcs from x up to the common ancestor, then down to y; signs
    # alternate, the arcs next to x and to y having sign - (xe[k], ye[k]: - for even k, + for odd k)
    xe = [pedge[v] for v in xs[:-1]]
    ye = [pedge[v] for v in ys[:-1]]

    def around(values: list[int] | list[float]) -> float:
        """The signed sum of ``values`` around the cycle: + on e, then -, +, ... along each path."""
        signed = [sum(values[g] if k % 2 else -values[g] for k, g in enumerate(arcs)) for arcs in (xe, ye)]
        return values[e] + signed[0] + signed[1]

    total = around(cost)
    if total == 0:  # the case of an optimal flow: the real costs break the tie
        real = around(tie)
        if real == 0:  # a tie of the real costs too (duplicates, grids): a fixed pseudo-random key
            real = around(tree.jitter)
        up = bool(real <= 0)
    else:
        up = total < 0
    lose = 0 if up else 1  # the arcs that lose flow: sign - when e gains, else e and sign +
    delta = min(flow[g] for g in xe[lose::2] + ye[lose::2] + ([] if up else [e]))
    step = delta if up else -delta
    flow[e] += step
    for k, g in enumerate(xe):
        flow[g] += step if k % 2 else -step
    for k, g in enumerate(ye):
        flow[g] += step if k % 2 else -step
    if flow[e] == 0:
        return  # e leaves: the tree stays as it is
    # one emptied tree arc leaves (others that emptied stay in the tree, empty), e enters
    for path, arcs, end, other in ((xs, xe, x, y), (ys, ye, y, x)):
        out = [k for k in range(lose, len(arcs), 2) if flow[arcs[k]] == 0]
        if out:
            _reroot(path, out[0], tree.parent, pedge)
            tree.parent[end], pedge[end] = other, e
            return


def basic_flow(
    nodes: int, tail: Int64Array, head: Int64Array, flow: Int64Array, cost: Int64Array, tie: FloatArray
) -> Int64Array:
    r"""An integer flow with the same node balances and no larger cost whose support (the arcs of
    positive flow) is a forest: a basic solution of the transportation problem.

    The arcs ``tail -> head`` (rows to columns, ``tail < head``) carry ``flow`` at the integer unit
    costs ``cost``. A spanning forest :math:`T` of the support is taken (breadth first), and every
    other support arc :math:`e = (x, y)` is pivoted in, as in the network simplex: it closes a cycle
    :math:`e, g_1, \dots, g_L` with the path of :math:`T` from :math:`x` to :math:`y` (:math:`L` odd,
    the graph being bipartite). Pushing :math:`\theta \delta` around it, :math:`+` on
    :math:`e, g_2, g_4, \dots` and :math:`-` on :math:`g_1, g_3, \dots`, keeps every balance and
    changes the cost by :math:`\theta \delta \sigma`, :math:`\sigma = c_e - c_{g_1} + c_{g_2} - \dots
    - c_{g_L}`. The direction is :math:`\theta = -\operatorname{sign} \sigma`. For an optimal flow
    :math:`\sigma = 0` exactly: each arc of a cycle of the support has :math:`0 < f <` its capacity
    :math:`\min(\text{supply}, \text{demand})` (an arc at capacity is its row's or column's only
    arc), so both orientations of the cycle are residual and neither may be negative. The tie is then
    broken by the same alternating sum of the real costs ``tie`` (the plan's real cost does not
    rise), and a tie of those too (duplicates, grids) by the alternating sum of a fixed pseudo-random
    key per arc: on degenerate supports (equal costs, equal flows) a fixed rule keeps lengthening the
    same tree paths, random directions do not. The step :math:`\delta` is the least flow among the
    arcs that lose, so one of them empties; it leaves :math:`T` and :math:`e` takes its place (the
    path from :math:`e`'s end to it re-rooted), unless :math:`e` itself emptied. Other arcs that
    emptied at the same step stay in :math:`T` with no flow (a later cycle through one of them is a
    pivot of step 0), so :math:`T` stays a spanning forest of the support's components, every arc
    closes a cycle, and an arc out of :math:`T` never regains flow: at the end the positive arcs lie
    in :math:`T`, a forest. Each arc costs the length of its cycle, :math:`O(\text{support} \cdot
    \text{depth})` in all, in exact integers; the components of the support without a cycle (fewer
    arcs than nodes) are not visited, so a flow that is already a forest costs one
    ``connected_components`` call.
    """
    flow = flow.copy()
    arcs = np.flatnonzero(flow > 0)
    t, h = tail[arcs], head[arcs]
    if arcs.size == 0:
        return flow
    ncomp, label = connected_components(coo_matrix((np.ones(arcs.size), (t, h)), shape=(nodes, nodes)), directed=False)
    if arcs.size == nodes - ncomp:
        return flow  # already a forest
    cyclic = np.bincount(label[t], minlength=ncomp) >= np.bincount(label, minlength=ncomp)
    keep = cyclic[label[t]]
    arcs, t, h = arcs[keep], t[keep], h[keep]
    _, pred, _, _ = _forest_order(nodes, t, h)
    keys = t * nodes + h  # one key per arc (tail < head), looked up for each tree link
    order = np.argsort(keys, kind="stable")
    child = np.flatnonzero(pred >= 0)
    lo, hi = np.minimum(child, pred[child]), np.maximum(child, pred[child])
    link = order[np.searchsorted(keys, lo * nodes + hi, sorter=order)]
    pedge = np.full(nodes, -1, dtype=np.int64)
    pedge[child] = link
    in_tree = np.zeros(arcs.size, dtype=np.bool_)
    in_tree[link] = True
    jitter = np.random.default_rng(0).random(arcs.size).tolist()
    tree = _Forest(pred.tolist(), pedge.tolist(), jitter, [0] * nodes, [0] * nodes)
    T, H, F = t.tolist(), h.tolist(), flow[arcs].tolist()
    Cs, Ts = cost[arcs].tolist(), tie[arcs].tolist()
    for e in np.flatnonzero(~in_tree).tolist():
        _cancel_cycle(e, T, H, F, Cs, Ts, tree)
    flow[arcs] = F
    return flow


def residual_potentials(
    nodes: int, tail: Int64Array, head: Int64Array, length: Int64Array, start: Int64Array | None = None
) -> Int64Array:
    r"""A potential :math:`d` with :math:`d_{\text{head}} \le d_{\text{tail}} + \text{length}` on every
    arc of a graph without negative cycles, in exact int64 arithmetic.

    Label-correcting (queue-based Bellman-Ford): from the labels ``start`` (zeros: the distances from
    a virtual source joined to every node by arcs of length 0), each pass relaxes the arcs out of the
    nodes whose label fell in the previous pass, until no arc is violated. From any finite start the
    labels converge, in a graph without negative cycles, to
    :math:`d_j = \min_k (\text{start}_k + \text{dist}(k, j))`, which satisfies every arc; a start
    close to a solution (the previous round's duals) needs few passes.

    Raises
    ------
    UncertifiedError
        If the passes exceed ``nodes + 1`` (a negative cycle: the flow was not optimal).
    """
    order = np.argsort(tail, kind="stable")
    tail, head, length = tail[order], head[order], length[order]
    first = np.searchsorted(tail, np.arange(nodes + 1)).astype(np.int64)
    d = np.zeros(nodes, dtype=np.int64) if start is None else start.astype(np.int64, copy=True)
    front = np.arange(nodes, dtype=np.int64)
    mark = np.zeros(nodes, dtype=np.bool_)
    passes = 0
    while front.size:
        passes += 1
        if passes > nodes + 1:
            raise UncertifiedError("engine 'sparse': the min cost flow's residual graph has a negative cycle")
        if front.size == nodes:  # every arc (the first pass): no gathered copies of the arcs
            target, relaxed = head, d[tail] + length
        else:
            count = first[front + 1] - first[front]
            total = int(count.sum())
            if total == 0:
                break
            offsets = np.repeat(first[front] - (np.cumsum(count) - count), count) + np.arange(total, dtype=np.int64)
            target = head[offsets]
            relaxed = d[tail[offsets]] + length[offsets]
            del offsets
        before = d[target]
        np.minimum.at(d, target, relaxed)
        changed = target[d[target] < before]
        del target, relaxed, before
        mark[changed] = True
        front = np.flatnonzero(mark)
        mark[front] = False
    return d


def restricted_flow(
    supplies: tuple[Int64Array, Int64Array],
    costs: CostView,
    keys: IntArray,
    warm: tuple[FloatArray, FloatArray] | None = None,
    clip: float | None = None,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray, float]:
    r"""The transportation problem with uniform weights on the candidate pairs ``keys`` (flat
    ``i * m + j``), by OR-Tools' min cost flow on the rounded costs :math:`\operatorname{rint}(2^s c)`:
    ``(I, J, flows, u, v, quantum)`` with positive flows only, on a forest (:func:`basic_flow`: a basic
    optimal plan), duals from the residual graph
    (:func:`residual_potentials`, started from the duals ``warm`` of a previous round if given) and
    ``quantum`` :math:`= 2^{-s}` (module docstring). Costs above ``clip`` are clipped to it.

    Raises
    ------
    UncertifiedError
        If the solver does not report an optimal flow (``BAD_COST_RANGE`` only once the rounding at
        :data:`MIN_LEVELS` overflows too).
    """
    from ortools.graph.python import min_cost_flow

    n, m = costs.shape
    row_supply, col_demand = supplies
    I, J = keys // m, keys % m
    real = costs.entries(I, J)
    c = real if clip is None else np.minimum(real, clip)  # the costs the solver sees (_sparse.clip_level)
    shift = min(float(c.min()), 0.0)
    c = c - shift
    top = max(float(c.max()), float(np.finfo(float).tiny))
    cap = np.minimum(row_supply[I], col_demand[J])
    supply = np.concatenate([row_supply, -col_demand])
    K = min(50, 60 - (n + m + 1).bit_length())
    while True:  # the solver's potentials overflowed: coarser costs, 4 bits at a time (module docstring)
        s = K - int(np.frexp(top)[1])
        ci = np.rint(np.ldexp(c, s)).astype(np.int64)
        flow = min_cost_flow.SimpleMinCostFlow()
        arcs = flow.add_arcs_with_capacity_and_unit_cost(I.astype(np.int32), (n + J).astype(np.int32), cap, ci)
        flow.set_nodes_supplies(np.arange(n + m, dtype=np.int32), supply)
        status = flow.solve()
        if status != min_cost_flow.SimpleMinCostFlow.BAD_COST_RANGE or K - 4 < MIN_LEVELS:
            break
        K -= 4
    if status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        raise UncertifiedError(f"engine 'sparse': OR-Tools' min cost flow stopped with status {status!r}")
    f = np.asarray(flow.flows(arcs), dtype=np.int64)
    del flow, arcs, cap, c
    f = basic_flow(n + m, I.astype(np.int64), (n + J).astype(np.int64), f, ci, real)  # support: a forest
    del real  # the arrays of every candidate arc are what bounds the memory of a round: free them early
    pos = f > 0
    tail = np.concatenate([I, n + J[pos]]).astype(np.int64)
    head = np.concatenate([n + J, I[pos]]).astype(np.int64)
    length = np.concatenate([ci, -ci[pos]])
    start = None
    if warm is not None:
        lim = float(2**61)
        start = np.concatenate([-np.ldexp(warm[0] - shift, s), np.ldexp(warm[1], s)])
        start = np.rint(np.clip(np.nan_to_num(start, nan=0.0, posinf=0.0, neginf=0.0), -lim, lim)).astype(np.int64)
    d = residual_potentials(n + m, tail, head, length, start)
    u = -np.ldexp(d[:n].astype(np.float64), -s) + shift
    v = np.ldexp(d[n:].astype(np.float64), -s)
    total = float(row_supply.sum())
    F = f[pos].astype(np.float64) / total
    return I[pos].astype(np.intp), J[pos].astype(np.intp), F, u, v, float(np.ldexp(1.0, -s))
