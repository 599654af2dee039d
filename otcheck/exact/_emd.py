"""Engine "emd": POT's network simplex (``ot.emd``), never passing on an early stop."""

from __future__ import annotations

import warnings

import numpy as np

# POT's result codes (ot.lp.emd_wrap.check_result): 0 infeasible, 1 optimal, 2 unbounded,
# 3 numItermax reached before optimality.
_OPTIMAL = 1
_MAX_ITER = 3


def solve_emd(a, b, C, *, num_iter_max=100_000, max_retries=3):
    """Network simplex on validated float64 inputs; returns ``(plan, u, v, info)``.

    POT stops at ``numItermax`` with only a warning and a non-optimal plan. Here the status is
    read from the log; on an early stop the limit is multiplied by 10 and the solve retried, up to
    ``max_retries`` times. The caller certifies what comes back.
    """
    import ot

    limit = int(num_iter_max)
    for attempt in range(max_retries + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the status is read from the log, not the warning
            plan, log = ot.emd(a, b, C, numItermax=limit, log=True)
        code = int(log["result_code"])
        if code == _OPTIMAL:
            return np.asarray(plan), np.asarray(log["u"]), np.asarray(log["v"]), {
                "num_iter_max": limit, "attempts": attempt + 1}
        if code != _MAX_ITER:
            raise RuntimeError(f"ot.emd failed: {log.get('warning')} (result code {code})")
        limit *= 10
    raise RuntimeError(
        f"ot.emd stopped at numItermax={limit // 10} after {max_retries + 1} attempts without reaching the "
        "optimum; raise num_iter_max or use method='highs'"
    )
