"""``solve_ot``: one entry point, several engines, every result certified."""

from __future__ import annotations

import numpy as np

from .._validation import as_cost, as_weights, check_nonnegative
from ._assignment import is_uniform_square, solve_assignment
from ._emd import solve_emd
from ._highs import solve_highs
from ._lp import solve_lp
from ._quantile import is_convex_1d_cost, solve_ot_1d
from .result import DEFAULT_TOL, OTResult, UncertifiedError, _checker

__all__ = ["solve_ot", "wasserstein", "METHODS", "AUTO_ASSIGNMENT_MAX_N"]

#: Engines of :func:`solve_ot`. ``"quantile"`` needs the atoms: see :func:`wasserstein` and
#: :func:`otcheck.exact.solve_ot_1d`.
METHODS = ("auto", "emd", "lp", "highs", "assignment")

#: ``method="auto"`` uses "assignment" for square uniform problems up to this size. Measured in
#: ``benchmarks/bench_exact.py`` (2-D Gaussian points, squared cost): the assignment engine is
#: faster than the network simplex up to about n = 50 and slower beyond (``linear_sum_assignment``
#: alone already is, before its duals are computed).
AUTO_ASSIGNMENT_MAX_N = 48

_ENGINES = {"highs": solve_highs, "lp": solve_lp, "assignment": solve_assignment}


def _exponent(C, engine):
    """``k`` with ``max|C| / 2**k`` in ``[1/2, 1)``, or 0 when no rescaling is needed.

    The network simplex and the assignment solver only need it for extreme costs (their comparisons
    against machine epsilon fail for ``max|C|`` around ``1e-12``, and POT's network simplex reports
    "infeasible" when sums of costs overflow, measured at ``max|C| = 1.7e308``; ``1e300`` is fine),
    so they get a scaled copy only when ``max|C| < 2**-4`` or ``max|C| >= 2**512`` and large
    problems with ordinary costs pay no copy of ``C``; the tolerance-based LP solvers always see
    ``1/2 <= max|C| < 1``.
    """
    s = max(float(C.max()), -float(C.min()))  # max|C| without an (n, m) temporary
    if s == 0.0:
        return 0
    k = int(np.frexp(s)[1])
    if engine in ("emd", "assignment") and -4 < k <= 512:
        return 0
    return k


def _run_engine(engine, a, b, Ce, check, options):
    """One certified solve: the engine sees ``Ce`` (``C`` or ``C`` clipped), ``check`` certifies on ``C``.

    Solvers compare costs with absolute tolerances (POT's network simplex with machine epsilon,
    HiGHS and Clarabel with about 1e-7): they get ``Ce`` scaled by a power of two ``2**-k`` so
    that ``max|Ce|`` is of order one. Power-of-two scaling is exact in floating point, so the plan
    is the plan of ``Ce`` itself and the duals scale back without rounding.
    """
    k = _exponent(Ce, engine)
    Cs = np.ldexp(Ce, -k) if k else Ce
    if engine == "emd":
        def check_scaled(P, u, v):
            return check(P, np.ldexp(u, k), np.ldexp(v, k))

        plan, u, v, cert, _info = solve_emd(a, b, Cs, check=check_scaled, **options)
        return plan, u, v, cert
    plan, u, v, _info = _ENGINES[engine](a, b, Cs, **options)
    cert, u, v = check(plan, np.ldexp(u, k), np.ldexp(v, k))
    return plan, u, v, cert


#: Engine option carrying HiGHS settings, and the tight tolerances of the last retry.
_TIGHT = {
    "lp": ("solver_options", {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}),
    "highs": ("options", {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}),
}


def _check_options(engine, options):
    import inspect

    fn = solve_emd if engine == "emd" else _ENGINES[engine]
    allowed = [p.name for p in inspect.signature(fn).parameters.values()
               if p.kind == p.KEYWORD_ONLY and p.name != "check"]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(f"options: engine {engine!r} does not take {', '.join(map(repr, unknown))}; "
                        f"it takes {', '.join(allowed) if allowed else 'no options'}")


def _pick(a, b):
    if is_uniform_square(a, b) and a.size <= AUTO_ASSIGNMENT_MAX_N:
        return "assignment"
    return "emd"


def solve_ot(a, b, C, method="auto", *, tol=DEFAULT_TOL, **options):
    r"""Solve the discrete optimal transport problem exactly and certify the answer.

    .. math::

        \min_{P \ge 0,\; P\mathbf 1 = a,\; P^\top \mathbf 1 = b} \langle C, P\rangle
        \;=\; \max_{u_i + v_j \le C_{ij}} a^\top u + b^\top v

    Every engine returns a plan and dual potentials; they are certified (primal feasibility,
    dual feasibility, zero duality gap, complementary slackness, relative to the size of the
    primal and dual sums, see :class:`~otcheck.exact.Certificate`) before
    anything is returned. Slightly infeasible duals of tolerance-based solvers (HiGHS, Clarabel)
    are repaired by c-transforms (:func:`otcheck.exact.polish_duals`) and certified again at the
    same tolerance.

    Parameters
    ----------
    a : array_like, shape (n,)
        Source weights: non-negative, summing to one (within 1e-9; never renormalized).
    b : array_like, shape (m,)
        Target weights.
    C : array_like, shape (n, m)
        Finite cost matrix.
    method : {"auto", "emd", "lp", "highs", "assignment"}, default "auto"
        The engine:

        * ``"emd"``: POT's network simplex; an early stop (``numItermax``) or an uncertified
          "optimal" plan is retried (options ``num_iter_max``, default
          ``max(100000, 1000 (n + m))``, multiplied by 10 at each retry, and ``max_retries=3``)
          and otherwise raises;
        * ``"lp"``: the LP through cvxpy (option ``solver="HIGHS"`` or ``"CLARABEL"``,
          ``solver_options``);
        * ``"highs"``: ``scipy.optimize.linprog(method="highs")`` on a sparse constraint matrix
          (option ``options``, passed to linprog);
        * ``"assignment"``: ``scipy.optimize.linear_sum_assignment``, only for ``n == m`` and
          uniform weights, with shortest-path duals;
        * ``"auto"``: ``"assignment"`` for uniform square problems with ``n <= 48``, else
          ``"emd"`` (the faster one in measurements).
    tol : float, default 1e-8
        Relative tolerance of the certificate.
    **options
        Passed to the engine (see above).

    Returns
    -------
    OTResult
        With ``certificate.ok`` true; ``method`` names the engine actually used.

    Raises
    ------
    ValueError
        Bad weights or costs (the message names the argument), an unknown method, or
        ``"assignment"`` on a non-square or non-uniform problem.
    UncertifiedError
        If the engine's answer cannot be certified (never returned silently).

    Examples
    --------
    >>> res = solve_ot([0.5, 0.5], [0.5, 0.5], [[0.0, 1.0], [1.0, 0.0]])
    >>> res.cost, res.method, res.certificate.ok
    (0.0, 'assignment', True)
    >>> solve_ot([0.5, 0.5], [1.0], [[1.0], [3.0]], method="highs").cost
    2.0
    """
    a = as_weights(a, "a")
    b = as_weights(b, "b")
    C = as_cost(C, "C", shape=(a.shape[0], b.shape[0]))
    tol = check_nonnegative(tol, "tol", strict=True)
    if method == "quantile":
        raise ValueError("method: 'quantile' needs the atoms, not only C; use otcheck.wasserstein(mu, nu, "
                         "method='quantile') or otcheck.exact.solve_ot_1d(x, a, y, b)")
    if method not in METHODS:
        raise ValueError(f"method: unknown engine {method!r}; expected one of {METHODS}")
    engine = _pick(a, b) if method == "auto" else method
    _check_options(engine, options)
    check = _checker(a, b, C, tol)
    used = []  # max |C_ij| on the support of each plan that failed only its dual side

    def check_recording(P, u, v):
        cert, u, v = check(P, u, v)
        if not cert.ok and cert.marginal_residual <= tol and cert.negative_mass <= tol:
            nz = np.flatnonzero(P)
            used.append(float(np.abs(C.reshape(-1)[nz]).max()) if nz.size else 0.0)
        return cert, u, v

    error = None
    try:
        plan, u, v, cert = _run_engine(engine, a, b, C, check_recording, options)
    except UncertifiedError as exc:  # "emd" raises after its own retries
        error, cert = exc, exc.certificate
    if (cert is None or not cert.ok) and used and engine != "emd":  # "emd" clips within its own retries
        # Costs far above those the optimum uses (an outlier 1e12 among costs of order one) cost the
        # solvers their precision (their tolerances scale with max|C|). Solve again with C clipped
        # at K = 2 * (the largest cost the candidate plan used), then 1024 K, ... : the clipped duals
        # are feasible for C (u_i + v_j <= min(C_ij, K) <= C_ij), and the certificate, always
        # checked on C itself, proves the plan optimal only if it avoids the clipped entries.
        cmax = max(float(C.max()), -float(C.min()))
        K = max(2.0 * max(used), np.finfo(float).tiny)
        while K < cmax:
            try:
                plan, u, v, cert = _run_engine(engine, a, b, np.minimum(C, K), check_recording, options)
            except UncertifiedError as exc:
                cert = exc.certificate
            if cert is not None and cert.ok:
                error = None
                break
            K *= 1024.0
    tight = _TIGHT.get(engine)
    if ((cert is None or not cert.ok) and tight is not None and tight[0] not in options
            and str(options.get("solver", "HIGHS")).upper() == "HIGHS"):
        # HiGHS works to absolute feasibility tolerances of 1e-7: costs of that size beside costs of
        # order one are below its resolution. One more solve at 1e-10, certified on C like any other.
        try:
            plan, u, v, cert = _run_engine(engine, a, b, C, check_recording, {**options, tight[0]: tight[1]})
        except UncertifiedError as exc:
            cert = exc.certificate
        if cert is not None and cert.ok:
            error = None
    if error is not None:
        raise error
    if not cert.ok:
        raise UncertifiedError(f"engine {engine!r} returned an uncertified result: {cert}", cert)
    return OTResult(cost=cert.primal_value, plan=plan, u=u, v=v, method=engine, certificate=cert, a=a, b=b, C=C)


def wasserstein(mu, nu, cost="sqeuclidean", method="auto", **options):
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
    **options
        Passed to the engine (``tol`` included).

    Returns
    -------
    OTResult

    Examples
    --------
    >>> from otcheck import DiscreteMeasure
    >>> res = wasserstein(DiscreteMeasure([0.0, 1.0]), DiscreteMeasure([1.0, 2.0]))
    >>> res.cost, res.method
    (1.0, 'quantile')
    """
    from ..costs import cost_matrix
    from ..measures import DiscreteMeasure

    for name, m in (("mu", mu), ("nu", nu)):
        if not isinstance(m, DiscreteMeasure):
            raise TypeError(f"{name}: expected a DiscreteMeasure, got {type(m).__name__}")
    if mu.dim != nu.dim:
        raise ValueError(f"nu: has dimension {nu.dim}, but mu has dimension {mu.dim}")
    one_d = mu.dim == 1 and is_convex_1d_cost(cost)
    if method == "quantile" or (method == "auto" and one_d):
        if not one_d:
            raise ValueError(
                f"method: 'quantile' needs 1-D measures and a cost convex in x - y; got dimension {mu.dim} "
                f"and cost {cost!r}")
        return solve_ot_1d(mu.atoms[:, 0], mu.weights, nu.atoms[:, 0], nu.weights, cost=cost, **options)
    C = cost_matrix(mu.atoms, nu.atoms, cost=cost)
    return solve_ot(mu.weights, nu.weights, C, method=method, **options)
