r"""Exact certificate of optimality in rational arithmetic.

From the support of a floating-point plan, the plan and the dual potentials are rebuilt exactly
(Python integers after clearing denominators), and primal feasibility, dual feasibility and the
equality of the primal and dual values are checked with no rounding. Weak duality then *proves*
that the rebuilt plan is optimal and that its value is the optimal value.
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import ArrayInput, FloatArray
from .result import DEFAULT_TOL, Certificate, OTResult, UncertifiedError

#: Object arrays of exact numbers (Python ints or Fractions).
ExactArray: TypeAlias = NDArray[np.object_]
#: Cells ``(i, j)`` of a plan.
Cells: TypeAlias = list[tuple[int, int]]

__all__ = ["certify_exact", "ExactCertificateError"]


class ExactCertificateError(UncertifiedError):
    """The exact (rational) proof of optimality could not be built; nothing is claimed."""


def _as_fractions(x: object, name: str, ndim: int) -> ExactArray:
    """Array of :class:`~fractions.Fraction` from ints, Fractions or floats (taken at their exact binary value)."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        x = x.detach().cpu().numpy()
    if isinstance(x, (str, bytes, dict, set)) or x is None:
        raise TypeError(f"{name}: expected an array of numbers, got {type(x).__name__}")
    try:
        arr = np.asarray(x, dtype=object)
    except Exception as exc:
        raise ValueError(f"{name}: could not be read as an array ({exc})") from exc
    if arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name}: is empty, shape {arr.shape}")
    out = np.empty(arr.shape, dtype=object)
    flat = out.reshape(-1)
    for k, v in enumerate(arr.reshape(-1)):
        if isinstance(v, (bool, np.bool_)):
            raise TypeError(f"{name}: expected numbers, got a bool at flat index {k}")
        if isinstance(v, numbers.Rational):
            flat[k] = Fraction(int(v.numerator), int(v.denominator))
        elif isinstance(v, (float, np.floating)):
            if not math.isfinite(float(v)):
                raise ValueError(f"{name}: contains a non-finite value ({v}) at flat index {k}")
            flat[k] = Fraction(float(v))
        elif isinstance(v, np.integer):
            flat[k] = Fraction(int(v))
        else:
            raise TypeError(f"{name}: expected integers, Fractions or floats, got {type(v).__name__} at flat index {k}")
    return out


def _scaled_ints(*arrays: ExactArray) -> tuple[int, list[ExactArray]]:
    """Common denominator ``D`` and the integer arrays ``D * x`` (object dtype, Python ints)."""
    den = 1
    for arr in arrays:
        for f in arr.reshape(-1):
            den = den * f.denominator // math.gcd(den, f.denominator)
    outs = []
    for arr in arrays:
        out = np.empty(arr.shape, dtype=object)
        out.reshape(-1)[:] = [f.numerator * (den // f.denominator) for f in arr.reshape(-1)]
        outs.append(out)
    return den, outs


class _Forest:
    """Union-find over the ``n + m`` nodes (rows ``0..n-1``, columns ``n..n+m-1``)."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, x: int, y: int) -> bool:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return False
        self.parent[ry] = rx
        return True


def _tree_potentials(n: int, m: int, edges: Cells, Ci: ExactArray) -> tuple[list[int], list[int], int]:
    """Potentials tight on a forest: per component, the root row/column gets 0, then BFS."""
    adj: list[list[int]] = [[] for _ in range(n + m)]
    for i, j in edges:
        adj[i].append(n + j)
        adj[n + j].append(i)
    pot = [0] * (n + m)  # every node is set before it is read: as a root (0) or from its BFS parent
    comp = [-1] * (n + m)
    k = 0
    for start in range(n + m):
        if comp[start] >= 0:
            continue
        pot[start] = 0
        comp[start] = k
        stack = [start]
        while stack:
            x = stack.pop()
            for y in adj[x]:
                if comp[y] < 0:
                    comp[y] = k
                    i, j = (x, y - n) if x < n else (y, x - n)
                    pot[y] = Ci[i, j] - pot[x]  # u_i + v_j = C_ij
                    stack.append(y)
        k += 1
    return pot, comp, k


def _shifts(ncomp: int, W: dict[tuple[int, int], tuple[int, int, int]], delta: list[int]) -> Cells:
    """Feasible component shifts ``delta`` (filled in place) and the tight links of a spanning tree.

    Constraints ``delta_p - delta_q <= W[p, q]`` (``p`` holds rows, ``q`` columns). Bellman-Ford from
    a virtual source finds a feasible ``delta`` (or proves none exists: a negative cycle). Groups of
    components joined by tight constraints are then shifted as blocks until a constraint between
    two groups becomes tight, until one group spans everything. Returns the ``(i, j)`` cells that
    link the components into a tree, each with zero reduced cost.
    """
    for _ in range(ncomp + 1):
        changed = False
        for (p, q), (w, _i, _j) in W.items():
            if delta[q] + w < delta[p]:
                delta[p] = delta[q] + w
                changed = True
        if not changed:
            break
    else:
        raise ExactCertificateError(
            "plan: its support admits no feasible dual potentials (a negative cycle in exact arithmetic): "
            "the plan is not optimal"
        )
    while True:
        uf = _Forest(ncomp)
        links = []
        for (p, q), (w, i, j) in W.items():
            if p != q and delta[p] - delta[q] == w and uf.union(p, q):
                links.append((i, j))
        if len(links) == ncomp - 1:
            return links
        group = {c for c in range(ncomp) if uf.find(c) == uf.find(0)}
        up = [w - (delta[p] - delta[q]) for (p, q), (w, _i, _j) in W.items() if p in group and q not in group]
        if up:
            t = min(up)  # raise the group until its first outgoing constraint is tight
        else:
            down = [w - (delta[p] - delta[q]) for (p, q), (w, _i, _j) in W.items() if q in group and p not in group]
            t = -min(down)
        for c in group:
            delta[c] += t


def _tight_flow(n: int, m: int, ai: ExactArray, bi: ExactArray, cells: Cells) -> ExactArray | None:
    """An integer plan with marginals ``ai``, ``bi`` using only ``cells``, by Edmonds-Karp; ``None`` if none.

    Network: source -> row ``i`` (capacity ``ai[i]``), row ``i`` -> column ``j`` for each cell
    (unbounded), column ``j`` -> sink (capacity ``bi[j]``). A plan exists iff the max flow is
    ``sum(ai)``.
    """
    from collections import deque

    S, T = n + m, n + m + 1
    cap: list[dict[int, int]] = [dict() for _ in range(n + m + 2)]

    def add(x: int, y: int, c: int) -> None:
        cap[x][y] = cap[x].get(y, 0) + c
        cap[y].setdefault(x, 0)

    total = int(sum(ai))
    for i in range(n):
        if ai[i]:
            add(S, i, int(ai[i]))
    for j in range(m):
        if bi[j]:
            add(n + j, T, int(bi[j]))
    for i, j in cells:
        add(i, n + j, total)
    flow = 0
    while flow < total:
        prev: dict[int, int | None] = {S: None}
        queue = deque([S])
        while queue and T not in prev:
            x = queue.popleft()
            for y, c in cap[x].items():
                if c > 0 and y not in prev:
                    prev[y] = x
                    queue.append(y)
        if T not in prev:
            return None
        path = []
        y = T
        while (p := prev[y]) is not None:
            path.append((p, y))
            y = p
        push = min(cap[x][y] for x, y in path)
        for x, y in path:
            cap[x][y] -= push
            cap[y][x] += push
        flow += push
    P = np.zeros((n, m), dtype=object)
    for i, j in cells:
        P[i, j] = cap[n + j].get(i, 0)  # residual of the reverse arc = flow sent on (i, j)
    return P


def _tree_flows(n: int, m: int, edges: Cells, ai: ExactArray, bi: ExactArray) -> list[int] | None:
    """Flows on a spanning tree from the marginals by peeling leaves; ``None`` if masses do not balance."""
    adj: list[dict[int, int]] = [dict() for _ in range(n + m)]
    for e, (i, j) in enumerate(edges):
        adj[i][n + j] = e
        adj[n + j][i] = e
    resid = [int(x) for x in ai] + [int(x) for x in bi]
    flow = [0] * len(edges)
    leaves = [x for x in range(n + m) if len(adj[x]) == 1]
    done = 0
    while leaves:
        x = leaves.pop()
        if len(adj[x]) != 1:
            continue
        ((y, e),) = adj[x].items()
        flow[e] = resid[x]
        resid[y] -= resid[x]
        resid[x] = 0
        del adj[x][y]
        del adj[y][x]
        done += 1
        if len(adj[y]) == 1:
            leaves.append(y)
    if done != len(edges) or any(resid):
        return None
    return flow


#: How far the *given* floating plan may be from a transport plan with the proven optimal value
#: (marginals relative to the total mass, cost relative to ``max|C|``), as in :func:`certify`.
GIVEN_PLAN_TOL = DEFAULT_TOL


def _check_given_plan(
    P: FloatArray, af: ExactArray, bf: ExactArray, Cf: ExactArray, value: Fraction, scale: float
) -> None:
    """Refuse a proof about the rebuilt plan when the plan the caller gave is not (nearly) optimal itself.

    The proof concerns the exact plan rebuilt from the support; the support of an infeasible or
    non-optimal plan (e.g. an optimal plan scaled by 2) can still carry it, and an ``ok`` certificate
    would then be read as a statement about the caller's plan.
    """
    mass = max(float(sum(af)), np.finfo(float).tiny)
    a_f = np.array([float(x) for x in af])
    b_f = np.array([float(x) for x in bf])
    C_f = np.array([float(x) for x in Cf.reshape(-1)]).reshape(Cf.shape)
    marginal = max(float(np.abs(P.sum(1) - a_f).max()), float(np.abs(P.sum(0) - b_f).max())) / mass
    negative = max(0.0, -float(P.min())) / mass
    cost_gap = abs(float((P * C_f).sum()) - float(value)) / (scale * mass)
    if max(marginal, negative, cost_gap) > GIVEN_PLAN_TOL:
        raise ExactCertificateError(
            f"plan: the given plan is not an optimal transport plan of (a, b) within {GIVEN_PLAN_TOL:g} (marginal "
            f"residual {marginal:.1e}, negative mass {negative:.1e}, cost off the proven optimum {value} by "
            f"{cost_gap:.1e} relative); an exact optimum exists on its support, but nothing is claimed about this plan"
        )


def certify_exact(a: ArrayInput, b: ArrayInput, C: ArrayInput, plan: ArrayLike | OTResult) -> Certificate:
    r"""Prove optimality in exact rational arithmetic, from the support of a (floating) plan.

    With :math:`S` the support of ``plan`` (entries above ``1e-12`` times its largest entry):

    1. a spanning forest :math:`F \subseteq S` is chosen (largest flows first) and dual
       potentials tight on it, :math:`u_i + v_j = C_{ij}` on :math:`F`, are computed exactly;
    2. the components of :math:`F` are shifted against each other (:math:`u + \delta`,
       :math:`v - \delta` per component) by exact shortest paths, so that
       :math:`u_i + v_j \le C_{ij}` everywhere; the shortest-path tree adds zero-reduced-cost
       edges that complete :math:`F` to a spanning tree :math:`T` (a basis);
    3. the plan :math:`P^\star` supported on :math:`T` is rebuilt exactly from the marginals; if
       it has a negative entry (the support was not a feasible basis, e.g. an interior plan with
       cycles), :math:`P^\star` is instead any exact plan on the cells of zero reduced cost, found
       by an integer max flow;
    4. then, with no rounding,

    .. math::

        P^\star \ge 0,\quad P^\star\mathbf 1 = a,\quad P^{\star\top}\mathbf 1 = b,\quad
        u_i + v_j \le C_{ij}\ \forall i,j,\quad \langle C, P^\star\rangle = a^\top u + b^\top v

    are checked. By weak duality this proves :math:`P^\star` optimal and its value the optimal
    value. The proof concerns :math:`P^\star`, which equals ``plan`` whenever ``plan`` is a
    (rounded) basic optimal solution, as returned by the "emd", "highs" and "assignment" engines.

    Parameters
    ----------
    a : array_like, shape (n,)
        Source masses: ints, :class:`~fractions.Fraction` or floats (a float is taken at its
        exact binary value, e.g. ``0.1`` is ``3602879701896397/36028797018963968``).
        Non-negative; only the equality of the total masses ``sum(a) == sum(b)`` is required, so
        integer counts are accepted as they are.
    b : array_like, shape (m,)
        Target masses, same rules.
    C : array_like, shape (n, m)
        Costs: ints, Fractions or finite floats.
    plan : array_like, shape (n, m), or OTResult
        The floating-point plan whose support guides the construction (e.g. ``solve_ot(...)``).

    Returns
    -------
    Certificate
        ``exact=True``, every residual exactly ``0.0``, ``tol=0.0``, and ``exact_value`` the
        optimal value as a :class:`~fractions.Fraction`.

    Raises
    ------
    ExactCertificateError
        When no proof can be built: total masses differ exactly, the support admits no feasible
        duals (the plan is not optimal), or no exact plan lives on the support's basis nor on the
        cells of zero reduced cost; or when the given plan itself is not, within ``1e-8``, a
        transport plan of ``(a, b)`` with the proven optimal value (its support may carry an
        optimum that it is not). Nothing is claimed then.
    ValueError, TypeError
        Malformed input (the message names the argument).

    Examples
    --------
    >>> from fractions import Fraction
    >>> from otcheck import solve_ot
    >>> a = [Fraction(1, 3), Fraction(2, 3)]
    >>> b = [Fraction(1, 2), Fraction(1, 2)]
    >>> C = [[0, 3], [2, 1]]
    >>> cert = certify_exact(a, b, C, solve_ot(a, b, C))
    >>> cert.exact, cert.ok, cert.exact_value
    (True, True, Fraction(5, 6))
    """
    if isinstance(plan, OTResult):
        plan = plan.plan
    af = _as_fractions(a, "a", 1)
    bf = _as_fractions(b, "b", 1)
    Cf = _as_fractions(C, "C", 2)
    n, m = af.size, bf.size
    if Cf.shape != (n, m):
        raise ValueError(f"C: has shape {Cf.shape}, expected {(n, m)} (len(a), len(b))")
    for name, w in (("a", af), ("b", bf)):
        neg = [k for k, x in enumerate(w) if x < 0]
        if neg:
            raise ValueError(f"{name}: has a negative mass {w[neg[0]]} at index {neg[0]}")
    if sum(af) != sum(bf):
        raise ExactCertificateError(
            f"a, b: total masses differ exactly (sum(a) = {sum(af)}, sum(b) = {sum(bf)}), so the transport "
            "polytope is empty in exact arithmetic; give exact weights (ints, Fractions or dyadic floats)"
        )
    P = np.asarray(plan.detach().cpu().numpy() if hasattr(plan, "detach") else plan, dtype=np.float64)
    if P.shape != (n, m):
        raise ValueError(f"plan: has shape {P.shape}, expected {(n, m)}")
    if not np.all(np.isfinite(P)):
        raise ValueError("plan: contains NaN or inf")

    # integers: D_w * a, D_w * b, D_c * C
    dw, (ai, bi) = _scaled_ints(af, bf)
    dc, (Ci,) = _scaled_ints(Cf)

    # 1. spanning forest of the support, largest flows first
    top = float(P.max()) if P.size else 0.0
    rows, cols = np.nonzero(P > 1e-12 * top) if top > 0 else (np.array([], int), np.array([], int))
    order = np.argsort(-P[rows, cols], kind="stable")
    uf = _Forest(n + m)
    forest = []
    for k in order:
        i, j = int(rows[k]), int(cols[k])
        if uf.union(i, n + j):
            forest.append((i, j))
    pot, comp, ncomp = _tree_potentials(n, m, forest, Ci)

    # 2. shifts between components: delta_P - delta_Q <= W[P, Q] = min_{i in P, j in Q} R_ij
    u = np.array(pot[:n], dtype=object)
    v = np.array(pot[n:], dtype=object)
    R = Ci - u[:, None] - v[None, :]
    links = []
    if ncomp > 1:
        cr = np.array(comp[:n])
        cc = np.array(comp[n:])
        W = {}
        for p in np.unique(cr):
            block = R[cr == p]
            ridx = np.nonzero(cr == p)[0]
            arg = np.argmin(block, axis=0) if block.shape[0] > 1 else np.zeros(m, dtype=int)
            colmin = block[arg, np.arange(m)]
            for q in np.unique(cc):
                js = np.nonzero(cc == q)[0]
                jbest = js[np.argmin(colmin[js])] if js.size > 1 else js[0]
                W[(int(p), int(q))] = (colmin[jbest], int(ridx[arg[jbest]]), int(jbest))
        delta = [0] * ncomp
        links = _shifts(ncomp, W, delta)
        dr = np.array([delta[c] for c in comp[:n]], dtype=object)
        dcol = np.array([delta[c] for c in comp[n:]], dtype=object)
        u = u + dr
        v = v - dcol
        R = Ci - u[:, None] - v[None, :]
    tree = forest + [(int(i), int(j)) for i, j in links]

    # 3. exact plan on the spanning tree
    flows = _tree_flows(n, m, tree, ai, bi)
    if flows is None:
        raise ExactCertificateError("plan: the rebuilt basis does not carry the marginals (internal error)")
    Pi: ExactArray = np.zeros((n, m), dtype=object)
    for (i, j), f in zip(tree, flows):
        Pi[i, j] = f
    if any(f < 0 for f in flows):
        # The support is not a feasible basis (e.g. an interior plan with cycles from Clarabel): look
        # for any exact plan on the cells of zero reduced cost, by a max flow in integers. Such a
        # plan is optimal by complementary slackness, checked in step 4 like any other.
        tight = [(int(i), int(j)) for i, j in zip(*np.nonzero(R == 0))] if R.min() >= 0 else []
        tight_plan = _tight_flow(n, m, ai, bi, tight)
        if tight_plan is None:
            worst = min(flows)
            raise ExactCertificateError(
                f"plan: the exact plan on its support has a negative entry ({Fraction(worst, dw)}) and no plan "
                "lives on the cells of zero reduced cost: the support is not an optimal basis, so no exact proof "
                "is claimed"
            )
        Pi = tight_plan

    # 4. the proof, checked with no rounding
    if not (all(Pi.sum(1) == ai) and all(Pi.sum(0) == bi)):
        raise ExactCertificateError("plan: the rebuilt exact plan misses the marginals (internal error)")
    if R.size and R.min() < 0:
        i, j = (int(k) for k in np.unravel_index(np.argmin(R), R.shape))
        raise ExactCertificateError(
            f"plan: dual infeasible in exact arithmetic at ({i}, {j}): u_i + v_j - C_ij = {Fraction(-R[i, j], dc)} > 0"
        )
    primal = int((Pi * Ci).sum())  # scaled by dw * dc
    dual = int((ai * u).sum() + (bi * v).sum())
    if primal != dual:
        raise ExactCertificateError(
            f"plan: primal value {Fraction(primal, dw * dc)} != dual value {Fraction(dual, dw * dc)} in exact "
            "arithmetic: not optimal"
        )
    value = Fraction(primal, dw * dc)
    scale = max(float(max(abs(x) for x in Cf.reshape(-1))), np.finfo(float).tiny)
    _check_given_plan(P, af, bf, Cf, value, scale)
    from .._dyadic import round_down, round_nearest, round_up

    return Certificate(
        lower=round_down(value),
        upper=round_up(value),
        scale=scale,
        tol=0.0,
        marginal_residual=0.0,
        negative_mass=0.0,
        dual_violation=0.0,
        gap=0.0,
        exact=True,
        exact_value=value,
        duals="exact",
        exact_lower=value,
        exact_upper=value,
        value=round_nearest(value),
    )
