"""``solve_ot``: one entry point, several engines, every result certified."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
from numpy.typing import NDArray

from .._validation import ArrayInput, FloatArray, as_cost, as_weights, check_nonnegative
from ._assignment import is_uniform_square, solve_assignment
from ._emd import solve_emd
from ._highs import solve_highs
from ._lp import solve_lp
from ._quantile import is_convex_1d_cost, solve_ot_1d
from ._sparse import DEFAULT_MEMORY_BUDGET
from .result import DEFAULT_TOL, Certificate, OTResult, UncertifiedError, _checker

if TYPE_CHECKING:
    from ..costs import CostLike
    from ..measures import DiscreteMeasure
    from ._certificate import CostView
    from .result import _Checker

#: What an engine returns: ``(plan, u, v, info)``.
EngineResult: TypeAlias = tuple[FloatArray, FloatArray, FloatArray, dict[str, object]]
#: A certified (or the best uncertified) run: ``(plan, u, v, certificate)``.
_Run: TypeAlias = tuple[FloatArray, FloatArray, FloatArray, Certificate]
#: A problem in exact rationals: ``(a, b, C)`` as object arrays.
_Exact: TypeAlias = tuple[NDArray[np.object_], ...]

__all__ = ["solve_ot", "wasserstein", "METHODS", "AUTO_ASSIGNMENT_MAX_N"]

#: Engines of :func:`solve_ot`. ``"quantile"`` needs the atoms: see :func:`wasserstein` and
#: :func:`otcheck.exact.solve_ot_1d`.
METHODS = ("auto", "emd", "lp", "highs", "assignment", "sparse")

#: ``method="auto"`` uses "assignment" for square uniform problems up to this size. Measured in
#: ``benchmarks/bench_exact.py`` (2-D Gaussian points, squared cost): the assignment engine is
#: faster than the network simplex up to about n = 50 and slower beyond (``linear_sum_assignment``
#: alone already is, before its duals are computed).
AUTO_ASSIGNMENT_MAX_N = 48

#: ``otcheck.wasserstein(..., method="auto")`` uses the sparse engine (never forming the cost
#: matrix) from this many pairs ``n * m`` on (``n = m = 3000``), or whenever the dense matrix and plan
#: would exceed the memory budget (``memory_budget``, default
#: :data:`otcheck.exact._sparse.DEFAULT_MEMORY_BUDGET`, 1 GiB). Below it the dense network simplex
#: takes under 2 s; the sparse engine is faster there only on well-spread clouds (2-D Gaussians: 0.5
#: to 0.6 of the dense time at n = 2000 to 3000) and slower on clustered ones (8-mode rings, as a
#: generator's samples against its data: 2 to 5 times). Measured in ``benchmarks/bench_scale.py``.
AUTO_SPARSE_MIN_PAIRS = 9_000_000

_ENGINES: dict[str, Callable[..., EngineResult]] = {
    "emd": solve_emd,
    "highs": solve_highs,
    "lp": solve_lp,
    "assignment": solve_assignment,
}

#: Engine option carrying HiGHS settings, and the tight tolerances of their last retry.
_TIGHT: dict[str, tuple[str, dict[str, float]]] = {
    "lp": ("solver_options", {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}),
    "highs": ("options", {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}),
}


def _exponent(C: FloatArray, engine: str, extremes: tuple[float, float] | None = None) -> int:
    """``k`` with ``max|C| / 2**k`` in ``[1/2, 1)``, or 0 when no rescaling is needed.

    The network simplex and the assignment solver only need it for extreme costs (their comparisons
    against machine epsilon fail for ``max|C|`` around ``1e-12``, and POT's network simplex reports
    "infeasible" when sums of costs overflow, measured at ``max|C| = 1.7e308``), so they get a scaled
    copy only when ``max|C| < 2**-4`` or ``max|C| >= 2**512``; the tolerance-based LP solvers always
    see ``1/2 <= max|C| < 1``.
    """
    cmin, cmax = extremes if extremes is not None else (float(C.min()), float(C.max()))
    s = max(cmax, -cmin)  # max|C| without an (n, m) temporary
    if s == 0.0:
        return 0
    k = int(np.frexp(s)[1])
    if engine in ("emd", "assignment") and -4 < k <= 512:
        return 0
    return k


def _run_engine(
    engine: str,
    a: FloatArray,
    b: FloatArray,
    Ce: FloatArray,
    options: Mapping[str, object],
    extremes: tuple[float, float] | None = None,
) -> EngineResult:
    """One engine run on ``Ce`` (``C`` or ``C`` clipped); returns ``(plan, u, v)`` for ``Ce`` itself.

    POT's network simplex fails on negative costs ("infeasible"): it sees ``Ce - min(Ce)`` (OT is
    invariant to adding a constant). Solvers compare costs with absolute tolerances (POT's simplex
    with machine epsilon, HiGHS and Clarabel with about 1e-7): they see the costs scaled by a power
    of two so that ``max|Ce|`` is of order one. The duals are mapped back; being rounded, they are
    certified against ``C`` like any others (the certificate repairs, never trusts, them).
    """
    shift = 0.0
    cmin, cmax = extremes if extremes is not None else (float(Ce.min()), float(Ce.max()))
    if engine == "emd" and cmin < 0:
        shift = cmin
        Ce = Ce - cmin
        cmin, cmax = 0.0, float(Ce.max())
    k = _exponent(Ce, engine, (cmin, cmax))
    Cs = np.ldexp(Ce, -k) if k else Ce
    plan, u, v, info = _ENGINES[engine](a, b, Cs, **options)
    u = np.ldexp(u, k) if k else u
    v = np.ldexp(v, k) if k else v
    return plan, u + shift, v, info


def _check_options(engine: str, options: Mapping[str, object]) -> None:
    import inspect

    fn = _ENGINES[engine]
    allowed = [p.name for p in inspect.signature(fn).parameters.values() if p.kind == p.KEYWORD_ONLY]
    if engine != "emd":
        allowed.append("max_retries")
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(
            f"options: engine {engine!r} does not take {', '.join(map(repr, unknown))}; "
            f"it takes {', '.join(allowed) if allowed else 'no options'}"
        )


def _pick(a: FloatArray, b: FloatArray) -> str:
    if is_uniform_square(a, b) and a.size <= AUTO_ASSIGNMENT_MAX_N:
        return "assignment"
    return "emd"


def _as_int(x: object, name: str, minimum: int = 0) -> int:
    """An integer option read from ``**options``, at least ``minimum``: a ``TypeError`` naming it for a
    bool, float, string or other type (nothing is converted), a ``ValueError`` below ``minimum``."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer, got {type(x).__name__} {x!r}")
    if x < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {x}")
    return int(x)


def _ladder(
    engine: str,
    a: FloatArray,
    b: FloatArray,
    C: FloatArray,
    check: _Checker,
    options: Mapping[str, object],
    extremes: tuple[float, float],
) -> tuple[_Run | None, list[str]]:
    """Run ``engine`` until a certificate holds: plain, then on ``C`` clipped above the costs the
    plan used (x1024 per attempt), then (emd) on a permuted problem or (HiGHS) at tight tolerances.

    Returns ``((plan, u, v, cert), history)``, the run ``None`` when no run returned a plan.
    Costs far above those the optimum uses (a "forbidden" pair at 1e20 among costs of order one)
    cost the solvers their precision, since their tolerances scale with ``max|C|``; the clipped
    problem ``min(C, K)`` has the same optimum when the optimum avoids the clipped pairs, its duals
    are feasible for ``C``, and the certificate, always computed on ``C`` itself, proves the plan
    optimal only if it is.
    """
    options = dict(options)
    max_retries = (
        _as_int(options["max_retries"] if engine == "emd" else options.pop("max_retries", 3), "max_retries")
        if ("max_retries" in options)
        else 3
    )
    engine_options = dict(options)
    history: list[str] = []
    best: _Run | None = None
    cmax = max(extremes[1], -extremes[0])
    clip: float | None = None
    tight_done = False
    attempt = 0
    perm: tuple[NDArray[np.int64], NDArray[np.int64]] | None
    while attempt <= max_retries:
        label, Ce, perm = "plain", C, None
        if attempt:
            if clip is not None and clip < cmax:
                label, Ce = f"C clipped at {clip:.3g}", np.minimum(C, clip)
                clip *= 1024.0
            elif engine == "emd":  # a different pivoting path through the simplex
                rng = np.random.default_rng(attempt)
                perm = (rng.permutation(a.size), rng.permutation(b.size))
                label = "permuted"
            elif (
                engine in _TIGHT
                and not tight_done
                and _TIGHT[engine][0] not in options
                and str(options.get("solver", "HIGHS")).upper() == "HIGHS"
            ):
                key, val = _TIGHT[engine]
                engine_options = {**options, key: val}
                label, tight_done = "tolerances 1e-10", True
            else:
                break
        try:
            if perm is None:
                plan, u, v, info = _run_engine(engine, a, b, Ce, engine_options, extremes if Ce is C else None)
            else:
                pr, pc = perm
                plan, u, v, info = _run_engine(
                    engine, a[pr], b[pc], np.ascontiguousarray(Ce[np.ix_(pr, pc)]), engine_options
                )
                ir, ic = np.argsort(pr), np.argsort(pc)
                plan, u, v = plan[np.ix_(ir, ic)], u[ir], v[ic]
            engine_history = info.get("history")
            if isinstance(engine_history, list) and engine_history:
                label += f" (after {', '.join(map(str, engine_history))})"
        except UncertifiedError as exc:
            history.append(f"{label}: {exc}")
            attempt += 1
            if engine == "emd" and "numItermax" in str(exc):
                break  # the iteration limit was already raised max_retries times inside the engine
            continue
        cert, u, v = check(plan, u, v)
        if best is None or cert.ok or cert.worst < best[3].worst:
            best = (plan, u, v, cert)
        if cert.ok:
            history.append(f"{label}: certified")
            return best, history
        history.append(f"{label}: uncertified ({cert.failure or f'gap {cert.gap:.1e}'})")
        if clip is None and not cert.failure and cert.marginal_residual <= cert.tol and cert.negative_mass <= cert.tol:
            nz = np.flatnonzero(plan > 0)
            used = float(np.abs(C.reshape(-1)[nz]).max()) if nz.size else 0.0
            clip = max(2.0 * used, np.finfo(float).tiny)
        del plan, u, v
        attempt += 1
    return best, history


def solve_ot(
    a: ArrayInput, b: ArrayInput, C: ArrayInput, method: str = "auto", *, tol: float = DEFAULT_TOL, **options: object
) -> OTResult:
    r"""Solve the discrete optimal transport problem exactly and certify the answer.

    .. math::

        \min_{P \ge 0,\; P\mathbf 1 = a,\; P^\top \mathbf 1 = b} \langle C, P\rangle
        \;=\; \max_{u_i + v_j \le C_{ij}} a^\top u + b^\top v

    Every engine returns a plan and dual potentials; nothing is returned before a
    :class:`~otcheck.exact.Certificate` *proves* that the optimum (with ``a``, ``b`` rescaled
    exactly to total one and ``C`` at its float values) lies in ``[certificate.lower,
    certificate.upper]``, an interval of width at most ``tol`` times the size of the costs the plan
    uses. Rounding errors are bounded, not neglected (see ``docs/certificates.rst``).

    When a run does not certify, the same engine is run again on ``C`` clipped above the costs its
    plan used (huge unused costs, the "forbid this pair" idiom, cost the solvers their precision),
    then on a permuted problem (emd) or at tight tolerances (HiGHS); ``method="auto"`` then tries
    the next engine. Negative costs are shifted for the engine and certified on ``C`` itself.

    Parameters
    ----------
    a : array_like, shape (n,)
        Source weights: non-negative, summing to one (within 1e-9; never renormalized in floats,
        rescaled exactly by the certificate).
    b : array_like, shape (m,)
        Target weights.
    C : array_like, shape (n, m)
        Finite cost matrix (any sign).
    method : {"auto", "emd", "lp", "highs", "assignment"}, default "auto"
        The engine:

        * ``"emd"``: POT's network simplex; an early stop (``numItermax``) is retried with a ten
          times larger limit (options ``num_iter_max``, default ``max(100000, 1000 (n + m))``, and
          ``max_retries=3``);
        * ``"lp"``: the LP through cvxpy (option ``solver="HIGHS"`` or ``"CLARABEL"``,
          ``solver_options``);
        * ``"highs"``: ``scipy.optimize.linprog(method="highs")`` on a sparse constraint matrix
          (option ``options``, passed to linprog);
        * ``"assignment"``: ``scipy.optimize.linear_sum_assignment``, only for ``n == m`` and
          uniform weights, with shortest-path duals;
        * ``"auto"``: ``"assignment"`` for uniform square problems with ``n <= 48``, else
          ``"emd"`` (the faster one in measurements); if it cannot certify, ``"emd"`` and then
          ``"highs"``.
    tol : float, default 1e-8
        Relative width of the certified interval.
    **options
        Passed to the engine (see above); ``max_retries`` (default 3) bounds the runs of each
        engine after the first.

    Returns
    -------
    OTResult
        With ``certificate.ok`` true; ``method`` names the engine actually used, ``bound`` the
        certified interval.

    Raises
    ------
    ValueError
        Bad weights or costs (the message names the argument), an unknown method, or
        ``"assignment"`` on a non-square or non-uniform problem.
    UncertifiedError
        When no engine run could be certified: the message lists every attempt and why it failed.

    Examples
    --------
    >>> res = solve_ot([0.5, 0.5], [0.5, 0.5], [[0.0, 1.0], [1.0, 0.0]])
    >>> res.value, res.method, res.certificate.ok
    (0.0, 'assignment', True)
    >>> solve_ot([0.5, 0.5], [1.0], [[1.0], [3.0]], method="highs").value
    2.0
    >>> solve_ot([0.875, 0.125], [1.0], [[-44.0], [-44.0]]).value   # negative costs
    -44.0
    """
    exact_input = _is_rational_input(a, b, C)
    a = as_weights(a, "a")
    b = as_weights(b, "b")
    C, extremes = as_cost(C, "C", shape=(a.shape[0], b.shape[0]), extremes=True)
    tol = check_nonnegative(tol, "tol", strict=True)
    if method == "quantile":
        raise ValueError(
            "method: 'quantile' needs the atoms, not only C; use otcheck.wasserstein(mu, nu, "
            "method='quantile') or otcheck.exact.solve_ot_1d(x_a, x_b, a, b)"
        )
    if method not in METHODS:
        raise ValueError(f"method: unknown engine {method!r}; expected one of {METHODS}")
    if method == "sparse":
        from ._certificate import DenseCosts
        from ._sparse import dense_initial_candidates

        view = DenseCosts(C)
        k = _sparse_k(options)

        def first_keys(a1: FloatArray, b1: FloatArray, costs: CostView) -> NDArray[np.intp]:
            assert isinstance(costs, DenseCosts)
            return dense_initial_candidates(a1, b1, costs.C, k)

        res = _sparse_result(a, b, view, first_keys, tol, options)
        plan = np.zeros(C.shape)
        sp_plan = res.plan
        assert not isinstance(sp_plan, np.ndarray)
        coo = sp_plan.tocoo()
        plan[coo.row, coo.col] = coo.data
        return OTResult(
            value=res.value,
            plan=plan,
            u=res.u,
            v=res.v,
            method="sparse",
            certificate=res.certificate,
            a=a,
            b=b,
            C=C,
            info=res.info,
        )
    first = _pick(a, b) if method == "auto" else method
    _check_options(first, options)
    if first == "assignment" and not is_uniform_square(a, b):
        solve_assignment(a, b, C)  # raises the ValueError that names the problem
    chain = [first] if method != "auto" else list(dict.fromkeys([first, "emd", "highs"]))
    check = _checker(a, b, C, tol)
    tried: list[str] = []
    best: tuple[FloatArray, FloatArray, FloatArray, Certificate, str] | None = None
    for engine in chain:
        opts = options if engine == first else {k: val for k, val in options.items() if k == "max_retries"}
        run, history = _ladder(engine, a, b, C, check, opts, extremes)
        tried += [f"{engine} {h}" for h in history]
        if run is not None and (best is None or run[3].ok or run[3].worst < best[3].worst):
            best = (*run, engine)
        if run is not None and run[3].ok:
            break
    if best is None or not best[3].ok:
        cert = best[3] if best is not None else None
        detail = "; ".join(f"attempt {k + 1}: {h}" for k, h in enumerate(tried))
        raise UncertifiedError(f"no certified optimum after {len(tried)} attempts ({detail}){_why(cert, tol)}", cert)
    plan, u, v, cert, engine = best
    res = OTResult(
        value=cert.value, plan=plan, u=u, v=v, method=engine, certificate=cert, a=a, b=b, C=C, info={"attempts": tried}
    )
    if exact_input is not None:
        res = _exact_result(res, *exact_input)
    return res


def _sparse_int(options: Mapping[str, object], name: str, default: int) -> int:
    """An integer option of the sparse engine, >= 1 (no strings, no floats, no booleans)."""
    val = options.get(name, default)
    if isinstance(val, (bool, np.bool_)) or not isinstance(val, (int, np.integer)) or val < 1:
        raise ValueError(f"{name}: expected an integer >= 1, got {val!r}")
    return int(val)


def _sparse_k(options: Mapping[str, object]) -> int:
    k = options.get("k", 8)
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k: the number of nearest candidates per point must be an integer >= 1, got {k!r}")
    return int(k)


#: The sparse engine shows a progress bar (``tqdm.auto``, on stderr) from this many pairs ``n * m`` on,
#: unless ``progress=False``.
PROGRESS_MIN_PAIRS = 10**9

#: A rational problem solved by the sparse engine is also certified exactly (in rationals) up to this
#: many pairs ``n * m``; beyond, its float certificate stands alone.
EXACT_DENSE_MAX_PAIRS = 4_000_000

_SPARSE_OPTIONS = ("k", "max_rounds", "num_iter_max", "progress", "solver")


def _sparse_result(
    a: FloatArray,
    b: FloatArray,
    view: CostView,
    first_keys: Callable[[FloatArray, FloatArray, CostView], NDArray[np.intp]],
    tol: float,
    options: Mapping[str, object],
) -> OTResult:
    """Column generation on the positive-weight part of ``view`` from the candidate pairs
    ``first_keys(a+, b+, view+)``, duals extended to the zero-weight atoms by c-transforms, then the
    certificate of the dense engines on the whole problem."""
    import scipy.sparse as sp

    from ._certificate import CertifiedProblem
    from ._sparse import (
        column_generation,
        extend_duals,
        merge_duplicates,
        positive_part,
        restricted_solver,
        split_merged,
    )

    unknown = sorted(set(options) - set(_SPARSE_OPTIONS))
    if unknown:
        raise TypeError(
            f"options: engine 'sparse' does not take {', '.join(map(repr, unknown))}; "
            f"it takes {', '.join(_SPARSE_OPTIONS)}"
        )
    max_rounds = _sparse_int(options, "max_rounds", 60)
    nim = None if options.get("num_iter_max") is None else _sparse_int(options, "num_iter_max", 0)
    show = options.get("progress", view.shape[0] * view.shape[1] >= PROGRESS_MIN_PAIRS)
    if not isinstance(show, (bool, np.bool_)):
        raise TypeError(f"progress: expected True or False, got {show!r}")
    solver = options.get("solver", "auto")
    if not isinstance(solver, str):
        raise TypeError(f"solver: expected 'auto', 'network_simplex' or 'min_cost_flow', got {solver!r}")
    rows, cols, sub = positive_part(a, b, view)
    a_sub, b_sub = a[rows], b[cols]
    merged = merge_duplicates(a_sub, b_sub, sub)
    a_cg, b_cg, view_cg = (a_sub, b_sub, sub) if merged is None else merged[:3]
    from ._flow import uniform_supplies

    # merged duplicates of uniform weights: integer supplies (multiplicities) for the min cost flow
    supplies = None if merged is None else uniform_supplies(a_sub, b_sub, (merged[3], merged[4]))
    flow_first = solver == "auto" and restricted_solver(a_cg, b_cg, solver, supplies)[0] == "min_cost_flow"
    prob = CertifiedProblem(a, b, view, tol)
    accepted: list[tuple[Certificate, FloatArray, FloatArray]] = []

    def to_full(
        I: NDArray[np.intp], J: NDArray[np.intp], F: FloatArray, u: FloatArray, v: FloatArray
    ) -> tuple[NDArray[np.intp], NDArray[np.intp], FloatArray, FloatArray, FloatArray]:
        """The column generation's plan and duals as the whole problem's (copies split, zero weights back)."""
        if merged is not None:
            inv_x, inv_y = merged[3], merged[4]
            I, J, F = split_merged(I, J, F, a_sub, b_sub, inv_x, inv_y)
            u, v = u[inv_x], v[inv_y]
        uu, vv = extend_duals(view, rows, cols, u, v)
        return rows[I], cols[J], F, uu, vv

    def accept(I: NDArray[np.intp], J: NDArray[np.intp], F: FloatArray, u: FloatArray, v: FloatArray) -> bool:
        """Stop early when the rigorous certificate already holds (the gap estimate is small)."""
        fI, fJ, fF, uu, vv = to_full(I, J, F, u, v)
        found = prob.check(None, uu, vv, support=(fI, fJ, fF))
        if found[0].ok:
            accepted.append(found)
        return found[0].ok

    # "auto": when the min cost flow does not end in a certified plan (its costs are integers at 2^42
    # levels at most, fewer when OR-Tools reports a cost range it cannot hold: a plan optimal for them
    # can miss the tolerance, or the rounds run out), the network simplex solves the problem again on
    # the float costs (only then: a simplex run that failed is not repeated); a forced solver reports
    # the failure
    solvers = ["min_cost_flow", "network_simplex"] if flow_first else [solver]
    keys = first_keys(a_cg, b_cg, view_cg)  # column_generation does not change them: one search serves both tries
    for k, attempt in enumerate(solvers):
        try:
            I, J, F, u, v, info = column_generation(
                a_cg,
                b_cg,
                view_cg,
                keys,
                max_rounds=max_rounds,
                num_iter_max=nim,
                progress=bool(show),
                accept=accept,
                tol=tol,
                solver=attempt,
                supplies=supplies,
            )
        except UncertifiedError:
            if k + 1 < len(solvers):
                continue
            raise
        I, J, F, u, v = to_full(I, J, F, u, v)
        if accepted:
            cert, u2, v2 = accepted[-1]
        else:
            cert, u2, v2 = prob.check(None, u, v, support=(I, J, F))
        if cert.ok:
            break
    if not cert.ok:
        raise UncertifiedError(
            f"engine 'sparse': the column generation's plan is not certified: {cert}{_why(cert, tol)}", cert
        )
    n, m = view.shape
    plan = sp.coo_array((F, (I, J)), shape=(n, m))
    return OTResult(
        value=cert.value,
        plan=plan,
        u=u2,
        v=v2,
        method="sparse",
        certificate=cert,
        a=a,
        b=b,
        C=None,
        info={**info},
        costs=view,
    )


def _why(cert: Certificate | None, tol: float) -> str:
    """One sentence on why the best certificate is not ``ok``."""
    if cert is None:
        return ". No engine returned a plan."
    if cert.failure:
        return f". The best attempt could not build its interval: {cert.failure}."
    if cert.marginal_residual > tol or cert.negative_mass > tol:
        return (
            f". The plans returned miss the marginals (residual {cert.marginal_residual:.1e}, negative mass "
            f"{cert.negative_mass:.1e}) beyond tol={tol:g}."
        )
    if cert.gap <= 1e-12:
        return (
            f". The best proven interval [{cert.lower:.17g}, {cert.upper:.17g}] has relative width {cert.gap:.1e}: "
            f"tol={tol:g} asks for more than the float64 rounding of the costs allows."
        )
    return (
        f". The best proven interval [{cert.lower:.17g}, {cert.upper:.17g}] is {cert.gap:.1e} wide relative to "
        f"the size of the costs its plan uses ({cert.scale:.3g}), more than tol={tol:g}: the engines' plans and "
        "duals are not optimal to that precision."
    )


def _is_rational_input(a: object, b: object, C: object) -> _Exact | None:
    """``(a, b, C)`` as Fraction arrays when every entry is an int or a Fraction and some entry is a
    Fraction (object arrays or lists of them), else ``None``: such a problem is then certified in
    rational arithmetic (float and integer data are exact dyadic numbers already)."""
    import numbers
    from fractions import Fraction

    out: list[NDArray[np.object_]] = []
    fraction_seen = False
    for x in (a, b, C):
        if isinstance(x, np.ndarray) and x.dtype != object:
            if x.dtype.kind not in "iu":
                return None
        try:
            arr = np.asarray(x, dtype=object)
        except Exception:  # noqa: BLE001 - the validators report it
            return None
        flat = arr.reshape(-1)
        if not flat.size or not all(
            isinstance(v, (numbers.Rational, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in flat
        ):
            return None
        fraction_seen = fraction_seen or any(isinstance(v, Fraction) for v in flat)
        out.append(
            np.array(
                [
                    Fraction(int(v.numerator), int(v.denominator))
                    if isinstance(v, numbers.Rational)
                    else Fraction(int(v))
                    for v in flat
                ],
                dtype=object,
            ).reshape(arr.shape)
        )
    return tuple(out) if fraction_seen else None


def _exact_result(res: OTResult, af: NDArray[np.object_], bf: NDArray[np.object_], Cf: NDArray[np.object_]) -> OTResult:
    """The float result ``res`` with its certificate replaced by the rational proof of :func:`certify_exact`."""
    from dataclasses import replace

    from ._exact import certify_exact

    cert = certify_exact(af, bf, Cf, res.plan)
    assert cert.exact_value is not None  # an exact certificate always carries its value
    return replace(res, value=float(cert.exact_value), certificate=cert)


def wasserstein(
    mu: DiscreteMeasure,
    nu: DiscreteMeasure,
    cost: CostLike = "sqeuclidean",
    method: str = "auto",
    *,
    tol: float = DEFAULT_TOL,
    **options: object,
) -> OTResult:
    r"""Certified optimal transport cost :math:`W_c(\mu, \nu)` between two discrete measures.

    .. math::

        W_c(\mu, \nu) = \min_{\Gamma \in \Pi(\mu, \nu)} \mathbb E_\Gamma\, c(X, Y)

    (eq. 1 of the paper; with ``cost="sqeuclidean"`` this is :math:`W_2^2`, not :math:`W_2`).

    Parameters
    ----------
    mu, nu : DiscreteMeasure
        The two measures (same dimension).
    cost : str, float or callable
        Passed to :func:`otcheck.cost_matrix`.
    method : {"auto", "quantile", "emd", "lp", "highs", "assignment"}, default "auto"
        ``"quantile"``: the sorted coupling (:func:`otcheck.exact.solve_ot_1d`), for 1-D measures
        and a cost convex in ``x - y``. ``"auto"``: ``"quantile"`` when it applies, else as in
        :func:`solve_ot`. Other names go to :func:`solve_ot`.
    tol : float, default 1e-8
        Relative tolerance of the certificate (as in :func:`solve_ot`).
    **options
        Passed to the engine.

    Returns
    -------
    OTResult
        With ``certificate.ok`` true: ``value`` (alias ``cost``) is :math:`W_c(\mu, \nu)`, ``method`` names
        the engine used and ``bound`` the certified interval; for rational measures the certificate is the
        rational proof and ``bound.value`` the exact Fraction.

    Examples
    --------
    >>> from otcheck import DiscreteMeasure
    >>> res = wasserstein(DiscreteMeasure([0.0, 1.0]), DiscreteMeasure([1.0, 2.0]))
    >>> res.cost, res.method
    (1.0, 'quantile')

    Rational measures (``int`` and :class:`~fractions.Fraction` atoms and weights) are certified in
    rational arithmetic, so the value is exact:

    >>> from fractions import Fraction as F
    >>> mu = DiscreteMeasure([[0, 0], [1, 0]], [F(1, 3), F(2, 3)])
    >>> nu = DiscreteMeasure([[0, 1], [F(1, 2), 0]], [F(1, 2), F(1, 2)])
    >>> wasserstein(mu, nu).bound.value
    Fraction(19, 24)
    """
    from ..costs import cost_matrix
    from ..measures import DiscreteMeasure

    for name, m in (("mu", mu), ("nu", nu)):
        if not isinstance(m, DiscreteMeasure):
            raise TypeError(f"{name}: expected a DiscreteMeasure, got {type(m).__name__}")
    if mu.dim != nu.dim:
        raise ValueError(f"nu: has dimension {nu.dim}, but mu has dimension {mu.dim}")
    one_d = mu.dim == 1 and is_convex_1d_cost(cost)
    tol = check_nonnegative(tol, "tol", strict=True)  # every engine's, checked before any is picked
    exact = _rational_problem(mu, nu, cost)
    budget = options.pop("memory_budget", DEFAULT_MEMORY_BUDGET)
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not budget > 0:
        raise ValueError(f"memory_budget: expected a number of bytes > 0, got {budget!r}")
    if method == "sparse" or (method == "auto" and not one_d and _wants_sparse(mu, nu, cost, float(budget))):
        from ..costs import as_cost_fn
        from ._sparse import PointCosts, dense_bytes, initial_candidates, is_point_cost

        fn = as_cost_fn(cost)
        if not is_point_cost(fn):
            raise ValueError(f"method: 'sparse' needs a cost ||x - y||^p given by name or power, got {cost!r}")
        view = PointCosts(mu.atoms, nu.atoms, fn)
        k = _sparse_k(options)

        def first_keys(a1: FloatArray, b1: FloatArray, costs: CostView) -> NDArray[np.intp]:
            assert isinstance(costs, PointCosts)
            return initial_candidates(costs.X, costs.Y, a1, b1, fn, k)

        sparse: OTResult | None = None
        try:
            sparse = _sparse_result(mu.weights, nu.weights, view, first_keys, tol, options)
        except UncertifiedError:
            if method == "sparse" or dense_bytes(mu.n, nu.n) > float(budget):
                raise
            # auto, and the dense matrix fits: the dense engines and their retry ladder take over
            # (huge potentials, e.g. an outlier 10^6 away, can cost the sparse duals their precision)
            options = {key: val for key, val in options.items() if key not in _SPARSE_OPTIONS}
        if sparse is not None:
            if exact is None:
                return sparse
            if mu.n * nu.n > EXACT_DENSE_MAX_PAIRS:
                return sparse  # the rational certificate needs the dense plan: the float certificate stands
            assert not isinstance(sparse.plan, np.ndarray)
            return _exact_result(dataclasses.replace(sparse, plan=sparse.plan.toarray()), *exact)
    if method == "quantile" or (method == "auto" and one_d):
        if not one_d:
            raise ValueError(
                f"method: 'quantile' needs 1-D measures and a cost convex in x - y; got dimension {mu.dim} "
                f"and cost {cost!r}"
            )
        res = solve_ot_1d(mu.atoms[:, 0], nu.atoms[:, 0], a=mu.weights, b=nu.weights, cost=cost, tol=tol, **options)
    else:
        C = cost_matrix(mu.atoms, nu.atoms, cost=cost)
        res = solve_ot(mu.weights, nu.weights, C, method=method, tol=tol, **options)
    if exact is not None:
        res = _exact_result(res, *exact)
    return res


def _wants_sparse(mu: DiscreteMeasure, nu: DiscreteMeasure, cost: CostLike, budget: float) -> bool:
    """``method="auto"``: the sparse engine when the dense cost matrix and plan would not fit in ``budget``
    bytes (for a cost ``||x - y||^p``), or, for the squared cost, when the problem has at least
    :data:`AUTO_SPARSE_MIN_PAIRS` pairs (below it the dense engines take under 2 s, and the sparse
    engine is slower on clustered clouds; measured in ``benchmarks/bench_scale.py``)."""
    from ..costs import as_cost_fn
    from ._sparse import dense_bytes, is_point_cost

    try:
        fn = as_cost_fn(cost)
    except (TypeError, ValueError):
        return False
    if not is_point_cost(fn):
        return False
    if dense_bytes(mu.n, nu.n) > budget:
        return True
    # the squared cost is worth it from this size on (measured); for other powers the all-pairs search
    # is a ball bound, much wider than the lifted query, so only memory makes them sparse
    return fn.power == 2.0 and mu.n * nu.n >= AUTO_SPARSE_MIN_PAIRS


def _rational_problem(mu: DiscreteMeasure, nu: DiscreteMeasure, cost: CostLike) -> _Exact | None:
    """``(a, b, C)`` as Fractions when both measures are rational and ``cost`` keeps rationals rational
    (``"sqeuclidean"``; ``"euclidean"`` and integer powers on the line; even integer powers), else ``None``."""
    from ..costs import CallableCost, as_cost_fn

    if not (mu.is_rational and nu.is_rational):
        return None

    d = mu.dim
    fn = as_cost_fn(cost)
    p = fn.power
    if isinstance(fn, CallableCost) or p is None or not float(p).is_integer():
        return None
    p = int(p)
    half_power: int | None
    if d == 1:
        half_power = None
    elif p % 2 == 0:
        half_power = p // 2
    else:
        return None
    X, Y = mu.exact_atoms, nu.exact_atoms
    if X is None or Y is None:  # not reached: both measures are rational
        return None
    C = np.empty((len(X), len(Y)), dtype=object)
    for i, x in enumerate(X):
        for j, y in enumerate(Y):
            if half_power is None:
                C[i, j] = abs(x[0] - y[0]) ** p
            else:
                C[i, j] = sum((xk - yk) ** 2 for xk, yk in zip(x, y)) ** half_power
    a = np.array(mu.exact_weights, dtype=object)
    b = np.array(nu.exact_weights, dtype=object)
    return a, b, C
