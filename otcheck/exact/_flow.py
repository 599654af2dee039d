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
(the solver multiplies costs by the number of nodes). The flow is optimal for :math:`\tilde c`; it is
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
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ._certificate import CostView
from .result import UncertifiedError

__all__ = ["flow_available", "uniform_supplies", "restricted_flow", "residual_potentials"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
Int64Array = NDArray[np.int64]


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
        count = first[front + 1] - first[front]
        total = int(count.sum())
        if total == 0:
            break
        offsets = np.repeat(first[front] - (np.cumsum(count) - count), count) + np.arange(total, dtype=np.int64)
        target = head[offsets]
        before = d[target]
        np.minimum.at(d, target, d[tail[offsets]] + length[offsets])
        changed = target[d[target] < before]
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
    ``(I, J, flows, u, v, quantum)`` with positive flows only, duals from the residual graph
    (:func:`residual_potentials`, started from the duals ``warm`` of a previous round if given) and
    ``quantum`` :math:`= 2^{-s}` (module docstring). Costs above ``clip`` are clipped to it.

    Raises
    ------
    UncertifiedError
        If the solver does not report an optimal flow.
    """
    from ortools.graph.python import min_cost_flow

    n, m = costs.shape
    row_supply, col_demand = supplies
    I, J = keys // m, keys % m
    c = costs.entries(I, J)
    if clip is not None:  # the costs the solver sees (otcheck.exact._sparse.clip_level)
        c = np.minimum(c, clip)
    shift = min(float(c.min()), 0.0)
    c = c - shift
    K = min(50, 60 - (n + m + 1).bit_length())
    top = max(float(c.max()), float(np.finfo(float).tiny))
    s = K - int(np.frexp(top)[1])
    ci = np.rint(np.ldexp(c, s)).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    cap = np.minimum(row_supply[I], col_demand[J])
    arcs = flow.add_arcs_with_capacity_and_unit_cost(I.astype(np.int32), (n + J).astype(np.int32), cap, ci)
    supply = np.concatenate([row_supply, -col_demand])
    flow.set_nodes_supplies(np.arange(n + m, dtype=np.int32), supply)
    status = flow.solve()
    if status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        raise UncertifiedError(f"engine 'sparse': OR-Tools' min cost flow stopped with status {status!r}")
    f = np.asarray(flow.flows(arcs), dtype=np.int64)
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
