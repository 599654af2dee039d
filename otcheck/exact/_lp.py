"""Engine "lp": the transport LP through cvxpy (HiGHS or Clarabel), duals read from the constraints."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .._validation import FloatArray
from ._highs import transport_constraints
from .result import UncertifiedError

__all__ = ["solve_lp", "LP_SOLVERS"]

#: Solvers accepted by the "lp" engine.
LP_SOLVERS = ("HIGHS", "CLARABEL")

# Tight tolerances for the interior-point solver: the certificate is checked at 1e-8 relative.
_CLARABEL_OPTIONS = {
    "tol_gap_abs": 1e-12,
    "tol_gap_rel": 1e-12,
    "tol_feas": 1e-12,
    "tol_ktratio": 1e-10,
    "max_iter": 500,
}


_BANNER_SILENCED = False


def _silence_highs_banner() -> None:
    """highspy prints a copyright banner on stdout (C level) the first time a ``Highs`` object is made
    in a process, whatever the options; make that first object with file descriptor 1 pointed at
    /dev/null so a user's notebook or doctest output stays clean."""
    global _BANNER_SILENCED
    if _BANNER_SILENCED:
        return
    _BANNER_SILENCED = True
    import os
    import sys

    try:
        import highspy
    except ImportError:  # pragma: no cover - cvxpy reports the missing solver itself
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def solve_lp(
    a: FloatArray,
    b: FloatArray,
    C: FloatArray,
    *,
    solver: str = "HIGHS",
    solver_options: Mapping[str, object] | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, dict[str, object]]:
    r"""The transport LP in cvxpy; returns ``(plan, u, v, info)``.

    The problem is stated vectorized, ``min c^T x`` s.t. ``A x = (a, b_{-k})``, ``x >= 0``,
    with the sparse ``A`` of :func:`~otcheck.exact._highs.transport_constraints` (so
    canonicalization is one sparse product, no per-entry expression) and compiled with
    ``ignore_dpp=True`` (no parameters, so the DPP pass is pure overhead).

    cvxpy's ``dual_value`` of an equality constraint ``A x == r`` in a minimization is the
    multiplier :math:`y` of the Lagrangian :math:`c^\top x + y^\top(Ax - r)`, the *negative* of the
    LP dual :math:`(u, v)` with :math:`u_i + v_j \le C_{ij}`; hence ``u, v = -y``.
    """
    import cvxpy as cp

    solver = str(solver).upper()
    if solver not in LP_SOLVERS:
        raise ValueError(f"solver: expected one of {LP_SOLVERS}, got {solver!r}")
    if solver == "HIGHS":
        _silence_highs_banner()
    n, m = C.shape
    A, rhs, k = transport_constraints(a, b)
    x = cp.Variable(n * m, nonneg=True)
    con = A @ x == rhs
    prob = cp.Problem(cp.Minimize(C.ravel() @ x), [con])
    opts: dict[str, object] = dict(_CLARABEL_OPTIONS) if solver == "CLARABEL" else {"output_flag": False}
    opts.update(solver_options or {})
    try:
        prob.solve(solver=solver, ignore_dpp=True, **opts)
    except cp.error.SolverError as exc:
        raise UncertifiedError(f"engine 'lp': cvxpy solver {solver} failed: {exc}") from exc
    if prob.status != cp.OPTIMAL:
        raise UncertifiedError(f"engine 'lp': cvxpy solver {solver} returned status {prob.status!r}")
    y = -np.asarray(con.dual_value, dtype=np.float64).ravel()
    u = y[:n].copy()
    v = np.insert(y[n:], k, 0.0)
    plan = np.asarray(x.value, dtype=np.float64).reshape(n, m)
    np.maximum(plan, 0.0, out=plan)
    return plan, u, v, {"solver": solver, "status": prob.status}
