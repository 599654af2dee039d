"""A certificate that says ``ok`` is a proof: the exact optimum lies in ``[lower, upper]``.

Ground truth never comes from the float certificate itself: it is proven in rational arithmetic
(``truth.exact_optimum``, via ``certify_exact``), enumerated over vertices, or summed from
``linear_sum_assignment`` on blocks that contain no huge number.
"""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from truth import block_instance, brute_force_value, exact_optimum, rescaled, scaled

from otcheck import DiscreteMeasure, solve_ot, wasserstein
from otcheck import strategies as ots
from otcheck.exact import UncertifiedError, certify

ENGINES = ("auto", "emd", "highs", "lp")


def _assert_proven(res, truth):
    cert = res.certificate
    assert cert.ok, str(cert)
    assert cert.lower <= truth <= cert.upper, (cert.lower, truth, cert.upper)
    assert res.bound.lower <= res.value <= res.bound.upper and res.bound.guarantee == "proof"


# -- the instances of the issue ------------------------------------------------------------------


def _forbidden_pairs():
    a = np.array([3, 3, 5, 5]) / 16
    b = np.array([3, 3, 10]) / 16
    B = 1e20
    C = np.array([[4, 7, B], [17, 81, B], [B, B, 60], [B, B, 63.0]])
    return a, b, C


@pytest.mark.parametrize("method", ENGINES)
def test_forbidden_pairs_at_1e20_are_solved_and_certified(method):
    """Was certified at 54.375 (duals ~6e19 set the scale, a gap of 11.4 read as 5e-19)."""
    a, b, C = _forbidden_pairs()
    res = solve_ot(a, b, C, method=method)
    assert res.value == 687 / 16
    _assert_proven(res, Fraction(687, 16))
    assert res.certificate.scale < 100  # the costs the plan uses, not the duals, not max|C|


def test_the_old_wrong_answer_is_not_certified():
    """The plan POT returns on the forbidden-pair instance (cost 54.375) fails the certificate."""
    a, b, C = _forbidden_pairs()
    P = np.array([[3, 0, 0], [0, 3, 0], [0, 0, 5], [0, 0, 5]]) / 16
    cert = certify(a, b, C, P, np.zeros(4), np.zeros(3))
    assert not cert.ok and cert.lower <= 687 / 16 <= cert.upper


@pytest.mark.parametrize("method", ENGINES)
def test_pot_issue_229(method):
    """POT #229: ot.emd returned 88.51 on this problem, whose optimum is 57.54."""
    M = np.array(
        [
            [2.50275352e02, 3.74653218e02, 2.41352736e03, 1.00000000e32, 1.51751540e-03],
            [2.13082030e02, 3.28812836e02, 2.29487946e03, 1.00000000e32, 1.37109800e-01],
            [1.97333083e02, 3.09175848e02, 2.24250550e03, 1.00000000e32, 2.46506283e00],
            [1.00000000e32, 1.00000000e32, 1.00000000e32, 5.26223432e00, 2.50000000e31],
            [3.84690152e01, 8.09465684e01, 3.33064175e02, 2.50000000e31, 0.00000000e00],
        ]
    )
    a = np.array([0.125, 0.125, 0.125, 0.125, 0.5])
    Q = np.array([[0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 1, 0], [1, 1, 1, 0, 1]]) / 8
    truth = exact_optimum(a, a, M, Q)
    assert abs(float(truth) - 57.5432) < 1e-3
    _assert_proven(solve_ot(a, a, M, method=method), truth)


@pytest.mark.parametrize("method", ENGINES)
def test_negative_costs(method):
    res = solve_ot([0.875, 0.125], [1.0], [[-44.0], [-44.0]], method=method)
    assert res.value == -44.0
    _assert_proven(res, -44)


@given(ots.ot_problems(max_n=5, max_m=5, zero_weights=True), st.sampled_from([-1000.0, -1e6, -0.5]))
@settings(max_examples=scaled(20))
def test_any_cost_matrix_minus_a_constant(problem, shift):
    """OT is invariant to adding a constant: every engine solves C + shift, certified on C + shift itself."""
    a, b, C = problem
    Cs = C + shift
    for method in ("emd", "highs", "lp"):
        res = solve_ot(a, b, Cs, method=method)
        _assert_proven(res, exact_optimum(a, b, Cs, res.plan))


def _pot_gaussian_instance(n, m, mean1, mean2):
    import ot
    from ot.datasets import make_1D_gauss as gauss

    x = np.arange(n, dtype=np.float64)
    y = np.arange(m, dtype=np.float64)
    a = gauss(n, m=mean1, s=5)
    b = gauss(m, m=mean2, s=10)
    M = ot.dist(x.reshape((-1, 1)), y.reshape((-1, 1))) ** 0.5
    return a, b, M


@pytest.mark.parametrize("method", ["highs", "lp"])
def test_pot_gaussian_weights_transposed(method):
    """POT's Gaussian-weight instance (n = 100, m = 120), transposed: weights with exact zeros and
    values near 1e-88. HiGHS called it infeasible (the dropped column constraint had weight 0)."""
    a, b, M = _pot_gaussian_instance(100, 120, 30, 50)
    res = solve_ot(b, a, np.ascontiguousarray(M.T), method=method)
    assert res.value == pytest.approx(20.0, abs=1e-3)
    _assert_proven(res, exact_optimum(b, a, M.T, res.plan))


def test_pot_dual_variables_instance_transposed_highs():
    """POT's ``test_dual_variables`` problem (n = 500, m = 600, W_1 = |300 - 400|), transposed."""
    a, b, M = _pot_gaussian_instance(500, 600, 300, 400)
    res = solve_ot(b, a, np.ascontiguousarray(M.T), method="highs")
    assert res.value == pytest.approx(100.0, rel=1e-9)
    assert res.certificate.ok and res.certificate.lower <= 100.0 + 1e-9 * 100


# -- block instances: huge cross costs -----------------------------------------------------------


@given(
    st.integers(4, 24),
    st.integers(2, 4),
    st.floats(8, 300),
    st.integers(0, 2**32 - 1),
    st.sampled_from(["auto", "emd", "highs"]),
)
@settings(max_examples=scaled(30))
def test_block_instances_with_huge_cross_costs_are_solved_right(n, k, log_cross, seed, method):
    """Cross costs from 1e8 to 1e300 between blocks of costs in [0, 1): solved, and the certified
    interval contains the optimum summed from linear_sum_assignment block by block."""
    assume(k <= n)
    C, truth = block_instance(np.random.default_rng(seed), n, k, 10.0**log_cross)
    a = np.full(n, 1.0 / n)
    res = solve_ot(a, a, C, method=method)
    cert = res.certificate
    assert cert.ok, str(cert)
    slack = 1e-12 * max(truth, 1e-300)  # the truth itself is a float sum
    assert cert.lower - slack <= truth <= cert.upper + slack
    assert abs(res.value - truth) <= 1e-8 * max(cert.scale, truth) + slack


# -- soundness on wild inputs --------------------------------------------------------------------


@st.composite
def wild_problems(draw):
    n = draw(st.integers(1, 4))
    m = draw(st.integers(1, 4))
    exps = st.integers(-300, 300)
    scale = 10.0 ** draw(exps)
    C = np.array(
        [
            [
                draw(st.sampled_from([0.0, 1.0, -1.0, 3.5])) * 10.0 ** draw(st.integers(-3, 3)) * scale
                if draw(st.booleans())
                else draw(st.floats(-1e3, 1e3)) * scale
                for _ in range(m)
            ]
            for _ in range(n)
        ]
    )
    if draw(st.booleans()):  # forbidden pairs
        mask = np.array(draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))).reshape(n, m)
        C[mask] = 10.0 ** draw(st.integers(8, 300))
    a = draw(ots.weights(n, zeros=True))
    b = draw(ots.weights(m, zeros=True))
    return a, b, np.asarray(C, dtype=float)


@given(wild_problems(), st.sampled_from(["emd", "highs", "lp"]))
@settings(max_examples=scaled(60))
def test_an_ok_certificate_never_lies(problem, method):
    """Huge, tiny, negative, degenerate costs, forbidden pairs, zero weights: whenever a result is
    returned its interval contains the exact optimum of the rescaled problem."""
    a, b, C = problem
    assume(np.all(np.isfinite(C)))
    try:
        res = solve_ot(a, b, C, method=method)
    except UncertifiedError as exc:
        assert "no certified optimum" in str(exc)
        return
    _assert_proven(res, exact_optimum(a, b, C, res.plan))


# -- rational inputs, end to end -----------------------------------------------------------------


@st.composite
def rational_measures(draw, dim):
    n = draw(st.integers(1, 3))
    atoms = [[Fraction(draw(st.integers(-6, 6)), draw(st.integers(1, 4))) for _ in range(dim)] for _ in range(n)]
    raw = [draw(st.integers(1, 5)) for _ in range(n)]
    return DiscreteMeasure(atoms, [Fraction(r, sum(raw)) for r in raw])


@given(
    st.integers(1, 2).flatmap(lambda d: st.tuples(rational_measures(d), rational_measures(d))),
    st.sampled_from(["sqeuclidean", "euclidean"]),
)
@settings(max_examples=scaled(30))
def test_rational_measures_are_certified_exactly_through_wasserstein(pair, cost):
    mu, nu = pair
    assume(cost == "sqeuclidean" or mu.dim == 1)
    res = wasserstein(mu, nu, cost=cost)
    assert res.certificate.exact and isinstance(res.bound.value, Fraction) and res.bound.is_exact
    p = 2 if cost == "sqeuclidean" else 1
    C = [
        [sum((x - y) ** 2 for x, y in zip(xa, ya)) if p == 2 else abs(xa[0] - ya[0]) for ya in nu.exact_atoms]
        for xa in mu.exact_atoms
    ]
    assert res.bound.value == brute_force_value(list(mu.exact_weights), list(nu.exact_weights), C)


def test_rational_weights_are_kept_and_rescaled_exactly():
    mu = DiscreteMeasure([0.0, 1.0, 2.0], [Fraction(1, 3)] * 3)
    assert mu.exact_weights == (Fraction(1, 3),) * 3
    assert rescaled([0.1] * 10) == [Fraction(1, 10)] * 10  # equal floats rescale to exactly 1/n


def test_uncertified_error_says_why():
    """A tolerance below float64 resolution: no certificate exists, and the error names the reason."""
    rng = np.random.default_rng(0)
    C = np.exp(rng.normal(0, 10, size=(3, 4)))
    a, b = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(4))
    with pytest.raises(UncertifiedError, match="miss the marginals .* beyond tol=1e-300") as info:
        solve_ot(a, b, C, method="emd", tol=1e-300, max_retries=0)
    assert info.value.certificate is not None and not info.value.certificate.ok
