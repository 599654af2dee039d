"""Engine "emd": POT's network simplex (``ot.emd``), never passing on an early stop.

POT stops at ``numItermax`` and returns a non-optimal plan with only a warning. This engine reads
the status from POT's log and retries an early stop with a ten times larger iteration limit; an
"optimal" plan is certified by :func:`otcheck.solve_ot`, whose retries (clipped costs, a permuted
problem) are shared by every engine.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._validation import FloatArray
from .result import UncertifiedError

__all__ = ["solve_emd", "default_iter_max"]

# POT's result codes (ot.lp.emd_wrap.check_result): 0 infeasible, 1 optimal, 2 unbounded,
# 3 numItermax reached before optimality.
_OPTIMAL = 1
_MAX_ITER = 3


def _run_pot(
    a: FloatArray, b: FloatArray, C: FloatArray, limit: int
) -> tuple[FloatArray, FloatArray, FloatArray, int, object]:
    import ot

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the status is read from the log, not the warning
        plan, log = ot.emd(a, b, C, numItermax=limit, log=True)
    return np.asarray(plan), np.asarray(log["u"]), np.asarray(log["v"]), int(log["result_code"]), log.get("warning")


def default_iter_max(n: int, m: int) -> int:
    """Default iteration limit: ``max(100000, 1000 (n + m))``.

    POT's own default (100000) stops early from about ``n = m = 3000`` on (measured at 5000 on 2-D
    Gaussian points): its network simplex needs more pivots on larger problems. The limit only
    bounds the time of a solve that would not converge; a run that reaches it is retried, never
    returned.
    """
    return max(100_000, 1000 * (n + m))


def solve_emd(
    a: FloatArray, b: FloatArray, C: FloatArray, *, num_iter_max: int | None = None, max_retries: int = 3
) -> tuple[FloatArray, FloatArray, FloatArray, dict[str, object]]:
    """POT's network simplex on validated float64 inputs; returns ``(plan, u, v, info)``.

    An early stop at the iteration limit is retried with a ten times larger limit, at most
    ``max_retries`` times, and then raises :class:`~otcheck.exact.UncertifiedError`. Nothing is
    certified here: :func:`otcheck.solve_ot` certifies what this returns.

    Parameters
    ----------
    a, b, C : ndarray
        Validated float64 weights and costs (``C >= 0``: POT's simplex reports "infeasible" on
        negative costs, so :func:`~otcheck.solve_ot` shifts them first).
    num_iter_max : int, optional
        Iteration limit of the first run (POT's ``numItermax``); default :func:`default_iter_max`.
    max_retries : int
        Further runs after an early stop.
    """
    limit = default_iter_max(a.size, b.size) if num_iter_max is None else int(num_iter_max)
    history: list[str] = []
    for _ in range(int(max_retries) + 1):
        P, u, v, code, msg = _run_pot(a, b, C, limit)
        if code == _OPTIMAL:
            return P, u, v, {"num_iter_max": limit, "history": history}
        if code != _MAX_ITER:
            raise UncertifiedError(f"engine 'emd': ot.emd failed: {msg} (result code {code})")
        history.append(f"stopped at numItermax={limit}")
        limit *= 10
        del P, u, v  # free the discarded (n, m) plan before the next run allocates its own
    raise UncertifiedError(
        f"engine 'emd': {'; '.join(history)}; raise num_iter_max or max_retries, or use method='highs'"
    )
