"""Engine "emd": POT's network simplex (``ot.emd``), never passing on an early stop.

POT stops at ``numItermax`` and returns a non-optimal plan with only a warning. This engine reads
the status from POT's log and checks every plan POT calls optimal against the certificate; on an
early stop it retries with a ten times larger iteration limit, and on an "optimal" plan that fails
the certificate it retries with the costs clipped above those the plan used (while some cost is
above that level), then on a permuted copy of the problem (a different pivoting path). When the
retries are exhausted it raises :class:`~otcheck.exact.UncertifiedError`.
"""

from __future__ import annotations

import warnings

import numpy as np

from .result import UncertifiedError

__all__ = ["solve_emd", "default_iter_max"]

# POT's result codes (ot.lp.emd_wrap.check_result): 0 infeasible, 1 optimal, 2 unbounded,
# 3 numItermax reached before optimality.
_OPTIMAL = 1
_MAX_ITER = 3


def _run_pot(a, b, C, limit):
    import ot

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the status is read from the log, not the warning
        plan, log = ot.emd(a, b, C, numItermax=limit, log=True)
    return np.asarray(plan), np.asarray(log["u"]), np.asarray(log["v"]), int(log["result_code"]), log.get("warning")


def default_iter_max(n, m):
    """Default iteration limit: ``max(100000, 1000 (n + m))``.

    POT's own default (100000) stops early from about ``n = m = 3000`` on (measured at 5000 on 2-D
    Gaussian points): its network simplex needs more pivots on larger problems. The limit only
    bounds the time of a solve that would not converge; a run that reaches it is retried, never
    returned.
    """
    return max(100_000, 1000 * (n + m))


def solve_emd(a, b, C, *, check, num_iter_max=None, max_retries=3):
    """Network simplex on validated float64 inputs, certified; returns ``(plan, u, v, certificate, info)``.

    Parameters
    ----------
    a, b, C : ndarray
        Validated float64 weights and costs.
    check : callable
        ``check(plan, u, v) -> (Certificate, u, v)``: certifies (polishing the duals if needed).
    num_iter_max : int, optional
        Iteration limit of the first attempt (POT's ``numItermax``); default
        :func:`default_iter_max`.
    max_retries : int
        Number of further attempts after the first one.
    """
    limit = default_iter_max(a.size, b.size) if num_iter_max is None else int(num_iter_max)
    history = []
    cert = None
    clip = None  # next clipping level of C after an uncertified plan (see below)
    cmax = max(float(C.max()), -float(C.min()))
    for attempt in range(int(max_retries) + 1):
        if attempt and history[-1] == "uncertified" and clip is not None and clip < cmax:
            # Costs far above those the plan used (an outlier 1e12 among costs of order one) cost the
            # simplex its precision (its comparisons scale with max|C|): solve min(C, K) instead. Its
            # duals are feasible for C, and the certificate, checked on C, proves the plan optimal
            # only if it avoids the clipped entries; otherwise K grows 1024-fold at the next attempt.
            # The clipped matrix is scaled by a power of two (exact) to max ~1, since the simplex's
            # tolerances are absolute: a clip at 1e-280 would otherwise read every cost as zero.
            k = int(np.frexp(clip)[1])
            P, u, v, code, msg = _run_pot(a, b, np.ldexp(np.minimum(C, clip), -k), limit)
            u, v = np.ldexp(u, k), np.ldexp(v, k)
            history[-1] = f"uncertified (next: C clipped at {clip:.3g})"
            clip *= 1024.0
        elif attempt and history[-1].startswith("uncertified"):
            # same limit, permuted problem: a different pivoting path through the simplex
            rng = np.random.default_rng(attempt)
            pr, pc = rng.permutation(a.size), rng.permutation(b.size)
            P, u, v, code, msg = _run_pot(a[pr], b[pc], np.ascontiguousarray(C[np.ix_(pr, pc)]), limit)
            ir, ic = np.argsort(pr), np.argsort(pc)
            P, u, v = P[np.ix_(ir, ic)], u[ir], v[ic]
        else:
            P, u, v, code, msg = _run_pot(a, b, C, limit)
        if code == _MAX_ITER:
            history.append(f"stopped at numItermax={limit}")
            limit *= 10
            P = u = v = None  # free the discarded (n, m) plan before the next run allocates its own
            continue
        if code != _OPTIMAL:
            raise UncertifiedError(f"engine 'emd': ot.emd failed: {msg} (result code {code})")
        cert, u, v = check(P, u, v)
        if cert.ok:
            return P, u, v, cert, {"num_iter_max": limit, "attempts": attempt + 1, "history": history}
        if clip is None and cert.marginal_residual <= cert.tol and cert.negative_mass <= cert.tol:
            nz = np.flatnonzero(P)
            clip = max(2.0 * float(np.abs(C.reshape(-1)[nz]).max()), np.finfo(float).tiny) if nz.size else None
        history.append("uncertified")
        P = u = v = None
    detail = "; ".join(f"attempt {k + 1}: {h}" for k, h in enumerate(history))
    hint = ("raise num_iter_max or max_retries, or use method='highs'" if not history[-1].startswith("uncertified")
            else "use method='highs' or method='lp' as a cross-check")
    raise UncertifiedError(
        f"engine 'emd': no certified optimum after {len(history)} attempts ({detail}); {hint}", cert)
