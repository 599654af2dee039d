"""Column generation for the relaxed objective: the convex program on a support, polishing, pricing (layer 3)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..exact import UncertifiedError
from ._constants import SOLVER, SOLVER_OPTIONS
from ._penalties import (
    BoolArray,
    FloatArray,
    Kernel,
    _cvx_penalty,
    _dual_bound,
    _forced_zero,
    _ot_polish,
    _penalty,
    _stationary_dual,
)
from ._results import RelaxedResult

# --------------------------------------------------------------------------------------- solving


class _Program:
    """A cvxpy program for one (a, b, C, penalty) restricted to the pairs ``mask``, re-solvable for new values.

    The plan is a vector ``x`` over the pairs ``(I, J)`` of ``mask``; ``q`` is a variable over the
    allowed columns linked to the column sums of ``x`` (the dual of that link is the vector ``v``
    of the certificate).
    """

    def __init__(
        self,
        a: FloatArray,
        b: FloatArray,
        C: FloatArray,
        penalty: str,
        kern: Kernel,
        mode: str,
        allowed: BoolArray,
        mask: BoolArray,
    ) -> None:
        import cvxpy as cp
        import scipy.sparse as sp

        self.cp = cp
        self.a, self.b, self.C, self.penalty, self.kern, self.mode = a, b, C, penalty, kern, mode
        self.allowed = allowed
        n, m = C.shape
        cols = np.flatnonzero(allowed)
        k = cols.shape[0]
        colpos = np.full(m, -1)
        colpos[cols] = np.arange(k)
        self.I, self.J = np.nonzero(mask)
        N = self.I.shape[0]
        rows_op = sp.csr_matrix((np.ones(N), (self.I, np.arange(N))), shape=(n, N))
        cols_op = sp.csr_matrix((np.ones(N), (colpos[self.J], np.arange(N))), shape=(k, N))
        self.x = cp.Variable(N, nonneg=True)
        self.q = cp.Variable(k)
        self.par = cp.Parameter(nonneg=True)
        # 1 / scale of the objective: the solver's absolute tolerances then mean the same at every scale
        self.cpar = cp.Parameter(nonneg=True)
        transport = self.cpar * (C[self.I, self.J] @ self.x)
        F = _cvx_penalty(cp, penalty, self.q, b, allowed, kern)
        self.link = self.q == cols_op @ self.x
        cons = [rows_op @ self.x == a, self.link]
        self.bound_con = None
        if mode == "penalized":
            obj = transport + self.par * F  # par = lambda * cscale (set in solve)
        elif mode == "constrained":
            # epigraph variable: the multiplier is the dual of a scalar linear constraint for every F
            t = cp.Variable()
            self.bound_con = t <= self.par
            cons += [F <= t, self.bound_con]
            obj = transport
        else:  # "marginal": F(q) <= 0 has no interior; it is the constraint q = b itself
            cons.append(self.q == b[allowed])
            obj = transport
        self.problem = cp.Problem(cp.Minimize(obj), cons)

    def solve(self, value: float, cscale: float = 1.0) -> tuple[FloatArray, FloatArray, float | None, str]:
        """Solve at ``value`` (lambda or mu) with the objective multiplied by ``cscale``.

        Returns ``(P, v, mult, status)`` with ``v`` and ``mult`` in the units of the unscaled objective.
        """
        self.par.value = value * cscale if self.mode == "penalized" else value
        self.cpar.value = cscale
        problem = self.problem
        last = None
        for options in (SOLVER_OPTIONS, {}):  # tight tolerances first; Clarabel's defaults if that fails
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)  # "solution may be inaccurate": certified below
                    problem.solve(solver=SOLVER, **options)
            except self.cp.error.SolverError as exc:
                last = f"the convex solver failed: {exc}"
                continue
            # "optimal_inaccurate" is accepted here: the answer is judged by the certificate computed
            # afterwards, independently of the solver, and rejected there if the gap is too large.
            if problem.status in (self.cp.OPTIMAL, self.cp.OPTIMAL_INACCURATE):
                last = None
                break
            last = f"the convex solver returned status {problem.status!r}, not 'optimal'"
        if last is not None:
            raise UncertifiedError(last)
        P = np.zeros(self.C.shape)
        np.add.at(P, (self.I, self.J), np.asarray(self.x.value, dtype=float))
        v = np.zeros(self.b.shape)
        if self.link.dual_value is not None:
            v[self.allowed] = np.asarray(self.link.dual_value, dtype=float) / cscale
        mult = None
        if self.bound_con is not None:
            mult = max(float(np.asarray(self.bound_con.dual_value).ravel()[0]), 0.0) / cscale
        return P, v, mult, problem.status


def _clean_plan(P: FloatArray, a: FloatArray) -> FloatArray:
    """Project a solver plan onto {P >= 0, P 1 = a} by clipping and rescaling each row."""
    P = np.clip(P, 0.0, None)
    rows = P.sum(axis=1)
    out = np.zeros_like(P)
    pos = a > 0
    ok = pos & (rows > 0)
    out[ok] = P[ok] * (a[ok] / rows[ok])[:, None]
    bad = pos & ~(rows > 0)
    if np.any(bad):  # cannot happen for a feasible solve; never leave a row empty
        raise UncertifiedError("the convex solver returned a plan with an empty row of positive weight")
    return out


def _encoder(P: FloatArray, a: FloatArray) -> FloatArray:
    n, m = P.shape
    Q = np.full((n, m), 1.0 / m)
    pos = a > 0
    Q[pos] = P[pos] / a[pos, None]
    return Q


def _residual(P: FloatArray, a: FloatArray) -> float:
    return max(float(np.abs(P.sum(axis=1) - a).max()), max(0.0, -float(P.min())))


@dataclass(frozen=True)
class _Evaluated:
    P: FloatArray
    q: FloatArray
    transport: float
    Fq: float
    bound: float
    v: FloatArray  # the dual vector of the best bound (used to price pairs outside the support)
    support: BoolArray  # support of the OT polish (pairs worth adding)


#: ``certified(ev, mult, mode, frac)``: whether a solve is good enough to stop (see :meth:`_Solver.run`)
_Certified = Callable[[_Evaluated, float | None, str, float], bool]
#: ``(ev, mult, status)``: an evaluated solve, the constraint's multiplier (constrained form) and the solver status
_Solved = tuple[_Evaluated, float | None, str]


def _initial_mask(a: FloatArray, b: FloatArray, C: FloatArray, allowed: BoolArray, k: int = 6) -> BoolArray:
    """The k cheapest allowed codes of each input, and the support of an exact OT plan between a and b."""
    import ot

    n, m = C.shape
    Ca = np.where(allowed[None, :], C, np.inf)
    kk = min(k, int(allowed.sum()))
    idx = np.argpartition(Ca, kk - 1, axis=1)[:, :kk]
    mask = np.zeros((n, m), dtype=bool)
    mask[np.arange(n)[:, None], idx] = True
    ba = b[allowed] / b[allowed].sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = ot.emd(a, ba, np.ascontiguousarray(C[:, allowed]), numItermax=10_000_000)
    sub = np.zeros((n, m), dtype=bool)
    sub[:, allowed] = plan > 0
    return mask | sub


def _price(C: FloatArray, v: FloatArray, mask: BoolArray, allowed: BoolArray, per_row: int = 8) -> BoolArray:
    """Pairs outside ``mask`` whose reduced cost C_ij - v_j is below the row's best inside: the columns to add."""
    R = np.where(allowed[None, :], C - v[None, :], np.inf)
    inside = np.where(mask, R, np.inf).min(axis=1)
    scale = max(float(np.abs(C).max()), 1.0)
    viol = (~mask) & (R < inside[:, None] - 1e-12 * scale)
    add = np.zeros_like(mask)
    if not viol.any():
        return add
    Rv = np.where(viol, R, np.inf)
    kk = min(per_row, C.shape[1])
    idx = np.argpartition(Rv, kk - 1, axis=1)[:, :kk]
    rows = np.arange(C.shape[0])[:, None]
    add[rows, idx] = viol[rows, idx]
    return add


def _oriented(C: FloatArray, P: FloatArray, v: FloatArray, mask: BoolArray) -> FloatArray:
    """The solver's dual vector with the sign that satisfies complementary slackness on the support.

    With the right sign, the pairs carrying mass have the smallest reduced cost ``C_ij - v_j`` of
    their row; the wrong sign violates that. Used for pricing only (the bound tries both signs).
    """
    best, out = np.inf, v
    for sign in (1.0, -1.0):
        R = np.where(mask, C - sign * v[None, :], np.inf)
        slack = float((P * np.where(mask, R - R.min(axis=1, keepdims=True), 0.0)).sum())
        if slack < best:
            best, out = slack, sign * v
    return out


#: Rounds of column generation before falling back to the full problem.
_MAX_ROUNDS = 8
#: Column generation keeps adding priced-out pairs until the gap is below this fraction of ``tol``
#: (or nothing prices out); the result is then checked against ``tol`` itself.
_TARGET = 1e-3


class _Solver:
    """Column generation on the pairs (i, j): solve on a support, certify globally, add priced-out pairs.

    The certificate is computed over *all* pairs, so a restricted support never produces a wrong
    answer; it only costs extra rounds. After ``_MAX_ROUNDS`` the full problem is solved.

    The convex program sees its objective divided by ``max(max|C|, lambda s_F)`` (by ``max|C|`` in
    the constrained form): the solutions are the same, and the solver's absolute tolerances then
    mean the same thing at every scale. Duals are converted back before they are used.
    """

    prog_mask_size: int  # size of the support the current program was built on (set with prog)

    def __init__(self, a: FloatArray, b: FloatArray, C: FloatArray, penalty: str, kern: Kernel, mode: str) -> None:
        self.a, self.b, self.C, self.penalty, self.kern, self.mode = a, b, C, penalty, kern, mode
        self.allowed = ~_forced_zero(penalty, b)
        self.mask: BoolArray | None = None
        self.prog: _Program | None = None
        self.clip: float | None = None

    def _program(self, mode: str) -> _Program:
        assert self.mask is not None, "the support is set (by _run) before a program is built"
        if self.prog is None or self.prog.mode != mode or self.prog_mask_size != int(self.mask.sum()):
            C = self.C if self.clip is None else np.minimum(self.C, self.clip)
            self.prog = _Program(self.a, self.b, C, self.penalty, self.kern, mode, self.allowed, self.mask)
            self.prog_mask_size = int(self.mask.sum())
        return self.prog

    def run(self, value: float, certified: _Certified) -> _Solved:
        """Solve at ``value`` (lambda or mu); ``certified(ev, mult, mode, frac)`` says when to stop.

        The solver first sees ``C`` clipped at ``1000 * _typical_max(C)``: a lone outlier cost
        (``1e9`` among costs of order one) otherwise breaks the conic solver. Safe: the plan is
        evaluated and the dual bound computed on ``C`` itself, so a plan that needed a clipped pair
        is not certified, and then the solve is repeated on ``C``.
        """
        typical = _typical_max(self.C)
        clips = [1000.0 * typical, None] if 0 < 1000.0 * typical < float(np.abs(self.C).max()) else [None]
        for clip in clips:
            if clip != self.clip:
                self.clip, self.prog, self.mask = clip, None, None
            try:
                last = self._run(value, certified)
            except UncertifiedError:
                if clip is None:
                    raise
                continue
            mode = "marginal" if self.mode == "constrained" and value == 0.0 else self.mode
            if clip is None or certified(last[0], last[1], mode, 1.0):
                return last
        return last

    def _run(self, value: float, certified: _Certified) -> _Solved:
        if self.mask is None:
            self.mask = _initial_mask(self.a, self.b, self.C, self.allowed)
        mode = self.mode
        if mode == "constrained" and value == 0.0:
            mode = "marginal"
        cscale = 1.0 / _scale(self.C, value if mode == "penalized" else 0.0, self.penalty, self.kern, 0.0)
        full = self.allowed[None, :] & np.ones(self.C.shape, dtype=bool)
        last: _Solved | None = None
        for rnd in range(_MAX_ROUNDS + 1):
            if rnd == _MAX_ROUNDS:
                self.mask = full.copy()
            P, v, mult, status = self._program(mode).solve(value, cscale)
            weight = value if mode == "penalized" else (mult if mode == "constrained" else None)
            ev = self.evaluate(P, v, weight)
            last = (ev, mult, status)
            if certified(ev, mult, mode, _TARGET) or np.array_equal(self.mask, full):
                break
            add = (
                _price(self.C, ev.v, self.mask, self.allowed)
                | _price(self.C, _oriented(self.C, P, v, self.mask), self.mask, self.allowed)
                | (ev.support & ~self.mask)
            )
            if not add.any():
                break  # nothing prices out: the remaining gap is the solver's accuracy
            self.mask = self.mask | add
        assert last is not None  # the loop runs at least once
        return last

    def evaluate(self, P: FloatArray, v: FloatArray, lam: float | None) -> _Evaluated:
        """Clean the solver's plan, polish it by exact OT on its own aggregate, and bound the optimum below.

        ``lam`` is the weight of F in the Lagrangian bound (the multiplier for the constrained form).
        """
        a, b, C, penalty, kern, allowed = self.a, self.b, self.C, self.penalty, self.kern, self.allowed
        P = _clean_plan(P, a)
        q = P.sum(axis=0)
        transport = float(np.einsum("ij,ij->", C, P))
        # Polish: for the same aggregate q, exact OT gives the cheapest plan (never worse) and a dual vector.
        P_ot, v_ot = _ot_polish(a, q, C, allowed)
        support = np.zeros(C.shape, dtype=bool)
        if P_ot is not None:
            P_ot = _clean_plan(P_ot, a)
            support = P_ot > 0
            t_ot = float(np.einsum("ij,ij->", C, P_ot))
            if t_ot < transport:
                P, transport = P_ot, t_ot
                q = P.sum(axis=0)
        Fq = _penalty(penalty, q, b, kern)
        v_fin = None if v_ot is None else np.where(np.isfinite(v_ot), v_ot, 0.0)
        candidates = [v, v_fin, None if lam is None else _stationary_dual(penalty, q, b, lam, allowed, v_fin)]
        bound, v_best = _dual_bound(penalty, a, b, C, lam, candidates, allowed, kern, q)
        return _Evaluated(P=P, q=q, transport=transport, Fq=Fq, bound=bound, v=v_best, support=support)

    def vertex_candidates(self, lam: float, ev: _Evaluated) -> _Evaluated:
        """``ev`` with its plan replaced by the better of two exactly computed primal points, if one is
        better: the OT plan (``Q_Z = b``, ``F = 0``) and the lambda = 0 plan (each input to its cheapest
        admissible code). An interior-point answer that should sit on such a vertex (value 2e-11 where
        the optimum is 0) is then exact; the dual bound is unchanged, so nothing is loosened."""
        a, b, C, penalty, kern, allowed = self.a, self.b, self.C, self.penalty, self.kern, self.allowed
        plans = []
        P_ot, _ = _ot_polish(a, b, C, allowed)
        if P_ot is not None:
            plans.append(_clean_plan(P_ot, a))
        P0 = np.zeros(C.shape)
        cols = np.flatnonzero(allowed)
        P0[np.arange(C.shape[0]), cols[C[:, cols].argmin(axis=1)]] = a
        plans.append(P0)
        best = ev
        for P in plans:
            q = P.sum(axis=0)
            t = float(np.einsum("ij,ij->", C, P))
            F = _penalty(penalty, q, b, kern)
            if t + lam * F < best.transport + lam * best.Fq:
                best = replace(best, P=P, q=q, transport=t, Fq=F)
        return best


def _row_lmed_nonzero(absC: FloatArray) -> FloatArray:
    """Lower median of the non-zero entries of each row (0 for an all-zero row)."""
    S = np.sort(absC, axis=1)
    m = S.shape[1]
    zeros = m - np.count_nonzero(S, axis=1)
    idx = np.minimum(zeros + (m - zeros - 1) // 2, m - 1)
    return S[np.arange(S.shape[0]), idx]


def _gap_scale(a: FloatArray, C: FloatArray, P: FloatArray, value: float) -> float:
    r"""Scale of the relative gap: the size of the numbers in the objective, never a lone outlier cost.

    .. math::

        \max\Bigl(|\text{value}|,\ \min\bigl(\max(\textstyle\sum_{ij} P_{ij}|C_{ij}|,\
        \sum_i a_i \operatorname{lmed}_j |C_{ij}|),\ \max|C|\bigr)\Bigr)

    (``lmed`` the lower median of the non-zero entries of a row), or ``max|C|`` when all of these
    are 0, and at least 1 when ``C`` is identically 0. With ``max|C|`` as the scale, one unused
    cost ``1e9`` among costs of order one let values 3% off the optimum pass as certified. (Not
    lambda: the optimum is at most :math:`W_c \le \max|C|` whatever lambda is.)
    """
    absC = np.abs(C)
    cmax = float(absC.max())
    if cmax == 0:
        return max(1.0, abs(value))
    typical = float(a @ _row_lmed_nonzero(absC))
    used = float(np.einsum("ij,ij->", np.abs(P), absC))
    scale = max(abs(value), min(max(used, typical), cmax))
    return scale if scale > 0 else cmax


def _typical_max(C: FloatArray) -> float:
    """``max(max_i lmed_j |C_ij|, max_j lmed_i |C_ij|)`` (lower medians): ``max|C|`` without lone outliers.

    A row or a column of large costs still counts; a single far pair (``1e9`` among costs of order
    one) does not, so it no longer shrinks the rest of the objective below the solver's tolerances.
    """
    absC = np.abs(C)
    n, m = absC.shape
    rows = np.partition(absC, (m - 1) // 2, axis=1)[:, (m - 1) // 2].max()
    cols = np.partition(absC, (n - 1) // 2, axis=0)[(n - 1) // 2, :].max()
    typical = float(max(rows, cols))
    return typical if typical > 0 else float(absC.max())


def _scale(C: FloatArray, lam: float, penalty: str, kern: Kernel, value: float) -> float:
    """Scale of the objective given to the solver: max(max|C|, lam * s_F, |value|), or 1 if all are 0."""
    s_F = 1.0
    if penalty == "mmd2":
        assert kern is not None, "penalty 'mmd2' is validated with its kernel matrix"
        s_F = float(np.abs(kern[0]).max())
    scale = max(_typical_max(C), lam * s_F, abs(value))
    return scale if scale > 0 else 1.0


def _result(
    a: FloatArray,
    C: FloatArray,
    penalty: str,
    lam: float,
    P: FloatArray,
    q: FloatArray,
    transport: float,
    Fq: float,
    status: str,
    dual_bound: float | None,
    tol: float,
) -> RelaxedResult:
    """The result of the plan ``P`` (aggregate ``q``, transport cost ``transport``, penalty ``Fq``) at
    ``lam``: its value, encoder, residual and gap scale. ``dual_bound=None``: the plan is the only
    admissible one, so the bound is its value, exactly."""
    value = transport + lam * Fq if lam else transport  # at lambda = 0 the penalty does not count (0 * inf = 0)
    return RelaxedResult(
        value=value,
        transport=transport,
        penalty_value=Fq,
        encoder=_encoder(P, a),
        aggregated=q,
        lam=lam,
        penalty=penalty,
        status=status,
        plan=P,
        dual_bound=value if dual_bound is None else dual_bound,
        primal_residual=_residual(P, a),
        scale=_gap_scale(a, C, P, value),
        tol=tol,
    )


def _closed_form_zero(
    a: FloatArray, b: FloatArray, C: FloatArray, penalty: str, kern: Kernel, tol: float
) -> RelaxedResult:
    """lambda = 0: every input goes to its cheapest code (first one on ties)."""
    n, m = C.shape
    P = np.zeros((n, m))
    P[np.arange(n), C.argmin(axis=1)] = a
    q = P.sum(axis=0)
    transport = float(np.einsum("ij,ij->", C, P))
    Fq = _penalty(penalty, q, b, kern)
    return _result(a, C, penalty, 0.0, P, q, transport, Fq, "closed form", float(a @ C.min(axis=1)), tol)


def _closed_form_single(
    a: FloatArray, b: FloatArray, C: FloatArray, penalty: str, kern: Kernel, lam: float, tol: float, j: int
) -> RelaxedResult:
    """One admissible code ``j``: the encoder is forced (every input to ``j``, so ``Q_Z = b``), and
    the minimum over that one-point set is its value; the bound equals it exactly."""
    n, m = C.shape
    P = np.zeros((n, m))
    P[:, j] = a
    q = P.sum(axis=0)
    Fq = _penalty(penalty, q, b, kern)
    return _result(a, C, penalty, lam, P, q, float(a @ C[:, j]), Fq, "closed form (one admissible code)", None, tol)


def _check(res: RelaxedResult, tol: float) -> RelaxedResult:
    if not res.certified:
        raise UncertifiedError(
            f"relaxed solve ({res.penalty}, lam={res.lam:g}) not certified: gap {res.gap:.3e} "
            f"(scale {res.scale:.3e}, tol {tol:g}), primal residual {res.primal_residual:.3e}"
        )
    return res


def _penalized(solver: _Solver, lam: float, tol: float) -> RelaxedResult:
    a, C, penalty = solver.a, solver.C, solver.penalty

    def result(ev: _Evaluated, status: str, frac: float = 1.0) -> RelaxedResult:
        return _result(a, C, penalty, lam, ev.P, ev.q, ev.transport, ev.Fq, status, ev.bound, tol * frac)

    def ok(ev: _Evaluated, mult: float | None, mode: str, frac: float) -> bool:
        return result(ev, "", frac).certified

    ev, _, status = solver.run(lam, ok)
    res = result(ev, status)
    if not res.certified:
        ev = solver.vertex_candidates(lam, ev)
        res = result(ev, status)
    return _check(res, tol)


def _solve_at(solver: _Solver, lam: float, tol: float) -> RelaxedResult:
    r""":math:`W_c^\lambda` at one ``lam``, certified: in closed form at ``lam = 0`` or when an encoder
    may use one code only (``m == 1``, or KL/chi2 with one code of positive prior weight), else by
    column generation with ``solver`` (whose support, kept between calls, grows along a path)."""
    a, b, C, penalty, kern = solver.a, solver.b, solver.C, solver.penalty, solver.kern
    if lam == 0.0:
        return _closed_form_zero(a, b, C, penalty, kern, tol)
    allowed = np.flatnonzero(solver.allowed)
    if allowed.size == 1:
        return _closed_form_single(a, b, C, penalty, kern, lam, tol, int(allowed[0]))
    return _penalized(solver, lam, tol)
