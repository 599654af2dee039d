"""POT's early stop (numItermax) never reaches the user: otcheck retries or raises."""

import warnings

import numpy as np
import pytest

from otcheck import cost_matrix
from otcheck.exact import UncertifiedError, _emd, solve_ot


def _instance(n=40, seed=4):
    rng = np.random.default_rng(seed)
    C = cost_matrix(rng.normal(size=(n, 2)), rng.normal(size=(n + 3, 2)))
    a = rng.dirichlet(np.ones(n))
    b = rng.dirichlet(np.ones(n + 3))
    return a, b, C


def test_bare_pot_stops_early_with_a_wrong_plan():
    """The failure mode otcheck guards against: ot.emd returns a non-optimal plan with a warning only."""
    import ot

    a, b, C = _instance()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan, log = ot.emd(a, b, C, numItermax=5, log=True)
    assert log["result_code"] == _emd._MAX_ITER
    optimum = solve_ot(a, b, C, method="highs").cost
    assert float((plan * C).sum()) > optimum + 1e-6 or np.abs(plan.sum(1) - a).max() > 1e-6


def test_early_stop_is_retried_to_the_certified_optimum():
    a, b, C = _instance()
    res = solve_ot(a, b, C, method="emd", num_iter_max=5)
    assert res.certificate.ok
    assert res.cost == pytest.approx(solve_ot(a, b, C, method="highs").cost, rel=1e-10)
    # the retry really happened
    *_, info = _emd.solve_emd(a, b, C, num_iter_max=5)
    assert info["history"][0] == "stopped at numItermax=5"
    assert "after stopped at numItermax=5" in res.info["attempts"][0]


def test_exhausted_retries_raise_a_clear_error():
    a, b, C = _instance()
    with pytest.raises(UncertifiedError) as info:
        solve_ot(a, b, C, method="emd", num_iter_max=1, max_retries=1)
    msg = str(info.value)
    assert "no certified optimum after 1 attempts" in msg
    assert "numItermax=1" in msg and "numItermax=10" in msg
    assert "raise num_iter_max" in msg


def test_an_optimal_status_with_a_bad_plan_is_retried(monkeypatch):
    """POT says 'optimal' but the plan fails the certificate: retried on a permuted problem."""
    a, b, C = _instance(n=12)
    real = _emd._run_pot
    calls = []

    def flaky(a_, b_, C_, limit):
        P, u, v, code, msg = real(a_, b_, C_, limit)
        calls.append(code)
        if len(calls) == 1:
            P = P.copy()
            P[0] = P[0][::-1]  # a corrupted plan, reported as optimal
        return P, u, v, code, msg

    monkeypatch.setattr(_emd, "_run_pot", flaky)
    res = solve_ot(a, b, C, method="emd")
    assert len(calls) == 2 and res.certificate.ok
    assert res.cost == pytest.approx(solve_ot(a, b, C, method="highs").cost, rel=1e-10)


def test_an_always_bad_optimal_plan_raises(monkeypatch):
    a, b, C = _instance(n=12)
    real = _emd._run_pot

    def broken(a_, b_, C_, limit):
        P, u, v, code, msg = real(a_, b_, C_, limit)
        return np.full_like(P, 1.0 / P.size), u, v, code, msg

    monkeypatch.setattr(_emd, "_run_pot", broken)
    with pytest.raises(UncertifiedError) as info:
        solve_ot(a, b, C, method="emd", max_retries=2)
    assert "attempt 3: emd permuted: uncertified" in str(info.value)
    assert info.value.certificate is not None and not info.value.certificate.ok
