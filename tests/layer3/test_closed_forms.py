"""Layer 3: closed forms (Bures W2, 1-D quantile W_p) against the exact solver, quadrature and sampling."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from otcheck import cost_matrix, solve_ot
from otcheck import strategies as ost
from otcheck.closed_forms import gaussian_w2, sqrtm_psd, w2_1d_gaussians, wp_1d_discrete, wp_discrete_gmm_1d
from otcheck.gaussian import GaussianMixture


def _spd(rng, d):
    A = rng.normal(size=(d, d))
    return A @ A.T + 0.1 * np.eye(d)


@given(st.floats(-5, 5), st.floats(0.0, 4.0), st.floats(-5, 5), st.floats(0.0, 4.0))
def test_bures_in_1d_is_the_quantile_formula(m1, v1, m2, v2):
    assert gaussian_w2([m1], [[v1]], [m2], [[v2]]) == pytest.approx(w2_1d_gaussians(m1, v1, m2, v2), abs=1e-10)


def test_bures_commuting_and_degenerate_cases():
    a, b = np.array([1.0, 4.0, 0.0]), np.array([9.0, 1.0, 2.0])
    m1, m2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    expected = np.sum((m1 - m2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert gaussian_w2(m1, np.diag(a), m2, np.diag(b)) == pytest.approx(expected, rel=1e-12)
    # two Diracs: squared distance of the means
    assert gaussian_w2(m1, np.zeros((3, 3)), m2, np.zeros((3, 3))) == pytest.approx(np.sum((m1 - m2) ** 2))
    # symmetric, zero on itself
    rng = np.random.default_rng(0)
    S1, S2 = _spd(rng, 3), _spd(rng, 3)
    assert gaussian_w2(m1, S1, m2, S2) == pytest.approx(gaussian_w2(m2, S2, m1, S1), rel=1e-9)
    assert gaussian_w2(m1, S1, m1, S1) == pytest.approx(0.0, abs=1e-9)
    R = sqrtm_psd(S1)
    assert np.allclose(R @ R, S1) and np.allclose(R, R.T)


def test_bures_against_exact_solver_on_samples():
    """The optimal map T(x) = m2 + A (x - m1) is the gradient of a convex function, so on samples
    (x_i, T x_i) the identity coupling is optimal for the exact solver; its mean cost estimates
    the Bures value with a CLT interval."""
    rng = np.random.default_rng(1)
    d = 2
    m1, m2 = np.array([0.0, 1.0]), np.array([2.0, -1.0])
    S1, S2 = _spd(rng, d), _spd(rng, d)
    R1 = sqrtm_psd(S1)
    R1i = np.linalg.inv(R1)
    A = R1i @ sqrtm_psd(R1 @ S2 @ R1) @ R1i
    value = gaussian_w2(m1, S1, m2, S2)
    costs = []
    n = 100
    for _ in range(4):
        X = rng.multivariate_normal(m1, S1, size=n)
        Y = m2 + (X - m1) @ A.T
        C = cost_matrix(X, Y)
        res = solve_ot(np.full(n, 1 / n), np.full(n, 1 / n), C)
        per = np.sum((X - Y) ** 2, axis=1)
        assert res.cost == pytest.approx(per.mean(), rel=1e-9)  # the map coupling is optimal
        costs.append(per)
    costs = np.concatenate(costs)
    se = costs.std(ddof=1) / np.sqrt(costs.size)
    assert abs(costs.mean() - value) <= 4 * se


@given(
    ost.measures(dim=1, max_atoms=6, zero_weights=True),
    ost.measures(dim=1, max_atoms=6),
    st.sampled_from([1, 2, 3, 1.5]),
)
def test_wp_1d_discrete_matches_exact_solver(mu, nu, p):
    C = cost_matrix(mu.atoms, nu.atoms, cost=float(p))
    exact = solve_ot(mu.weights, nu.weights, C).cost
    got = wp_1d_discrete(mu.atoms[:, 0], mu.weights, nu.atoms[:, 0], nu.weights, p=p)
    assert got == pytest.approx(exact, rel=1e-9, abs=1e-12)


def test_single_gaussian_single_atom_closed_forms():
    # E (x - Y)^2 = (x - m)^2 + s^2 ; E |x - Y| = folded normal mean
    x, m, v = 0.7, -0.3, 2.0
    r2 = wp_discrete_gmm_1d([x], None, [m], v, [1.0], p=2)
    assert r2.value == pytest.approx((x - m) ** 2 + v, abs=r2.error_bound + 1e-14)
    from scipy.stats import norm

    s = np.sqrt(v)
    mu = x - m
    folded = s * np.sqrt(2 / np.pi) * np.exp(-(mu**2) / (2 * v)) + mu * (1 - 2 * norm.cdf(-mu / s))
    r1 = wp_discrete_gmm_1d([x], None, [m], v, [1.0], p=1)
    assert r1.value == pytest.approx(folded, abs=r1.error_bound + 1e-14)


@pytest.mark.parametrize("p", [1, 2])
def test_closed_form_agrees_with_quadrature(p):
    rng = np.random.default_rng(2)
    x = rng.normal(size=6) * 2
    a = rng.dirichlet(np.ones(6))
    means, var, w = [-1.0, 0.5, 2.5], [0.3, 1.0, 0.05], [0.2, 0.5, 0.3]
    cf = wp_discrete_gmm_1d(x, a, means, var, w, p=p)
    qd = wp_discrete_gmm_1d(x, a, means, var, w, p=p, method="quadrature")
    assert cf.method == "closed form" and qd.method == "quadrature"
    assert abs(cf.value - qd.value) <= cf.error_bound + qd.error_bound
    assert cf.error_bound < 1e-8


@pytest.mark.parametrize("p", [1, 2, 1.5])
def test_against_samples_with_interval(p):
    rng = np.random.default_rng(3)
    x = np.array([-2.0, 0.0, 0.3, 2.0])
    a = np.array([0.1, 0.4, 0.2, 0.3])
    mix = GaussianMixture([0.3, 0.7], [-1.0, 1.0], [0.5, 0.2])
    res = wp_discrete_gmm_1d(x, a, mix.means[:, 0], mix.variances[:, 0], mix.weights, p=p)
    R, N = 30, 4000
    est = np.array([wp_1d_discrete(x, a, mix.sample(N, seed=rng)[:, 0], None, p=p) for _ in range(R)])
    se = est.std(ddof=1) / np.sqrt(R)
    assert abs(est.mean() - res.value) <= 4 * se + 5.0 / N  # CLT interval plus an O(1/N) bias allowance


def test_small_variance_tends_to_discrete_quantile_distance():
    x, a = np.array([0.0, 1.0, 3.0]), np.array([0.5, 0.25, 0.25])
    y, b = np.array([0.5, 2.0]), np.array([0.6, 0.4])
    exact = wp_1d_discrete(x, a, y, b, p=2)
    s = 1e-4
    res = wp_discrete_gmm_1d(x, a, y, s * s, b, p=2)
    # triangle inequality: |W_2(mu, nu_s) - W_2(mu, nu_0)| <= W_2(nu_s, nu_0) <= s
    assert abs(np.sqrt(res.value) - np.sqrt(exact)) <= s + res.error_bound
    assert abs(np.sqrt(res.value) - np.sqrt(exact)) > 0  # and it did move


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: gaussian_w2([0.0, 0.0], np.eye(2), [0.0], np.eye(2)), ValueError, r"^m2: has shape \(1,\)"),
        (lambda: gaussian_w2([0.0], [[-1.0]], [0.0], [[1.0]]), ValueError, "^S1: is not positive semi-definite"),
        (
            lambda: gaussian_w2([0.0, 0.0], [[1.0, 0.5], [0.0, 1.0]], [0.0, 0.0], np.eye(2)),
            ValueError,
            "^S1: is not symmetric",
        ),
        (lambda: gaussian_w2([0.0, 0.0], np.eye(2), [0.0, 0.0], np.eye(3)), ValueError, r"^S2: has shape \(3, 3\)"),
        (lambda: w2_1d_gaussians(0.0, -1.0, 0.0, 1.0), ValueError, "^var1: must be >= 0"),
        (lambda: wp_1d_discrete([0.0], None, [1.0], None, p=0.5), ValueError, "^p: must be a finite number >= 1"),
        (lambda: wp_discrete_gmm_1d([0.0], None, [0.0], 0.0, [1.0]), ValueError, "^variances: must be > 0"),
        (lambda: wp_discrete_gmm_1d([0.0], [0.5], [0.0], 1.0, [1.0]), ValueError, "^weights: weights sum to"),
        (lambda: wp_discrete_gmm_1d([[0.0, 1.0]], None, [0.0], 1.0, [1.0]), ValueError, "^atoms: expected 1-D atoms"),
        (lambda: wp_discrete_gmm_1d([0.0], None, [0.0], 1.0, [1.0], method="mc"), ValueError, "^method: "),
    ],
)
def test_bad_input_messages(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_levels_that_round_to_one_or_zero_stay_finite():
    # the last two atoms carry mass below rounding: their quantile levels are exactly 1
    res = wp_discrete_gmm_1d([0.0, 1.0, 2.0], [1 - 2e-17, 1e-17, 1e-17], [0.0], 1.0, [1.0], p=2)
    assert np.isfinite(res.error_bound)
    assert res.value == pytest.approx(1.0, abs=1e-12)  # E Y^2, Y ~ N(0, 1)
    res = wp_discrete_gmm_1d([0.0, 1.0], [1e-300, 1 - 1e-300], [0.0], 1.0, [1.0], p=2)
    assert res.value == pytest.approx(2.0, abs=1e-12)  # E (1 - Y)^2


def test_scalar_means_and_variances_are_one_dimensional_gaussians():
    # documented as accepting scalars; a scalar variance used to be read as shape (1,) and refused
    assert gaussian_w2(0.0, 1.0, 0.0, 4.0) == w2_1d_gaussians(0.0, 1.0, 0.0, 4.0) == 1.0
    assert gaussian_w2(1.0, 1.0, 0.0, 4.0) == gaussian_w2([1.0], [[1.0]], [0.0], [[4.0]]) == 2.0
    with pytest.raises(ValueError, match="^S1: is not positive semi-definite"):
        gaussian_w2(0.0, -1.0, 0.0, 4.0)


@pytest.mark.parametrize("x", [40.0, 100.0, 1e3, 1e10])
@pytest.mark.parametrize("p", [1.5, 3.0])
def test_quadrature_finds_the_mass_far_from_the_atom(x, p):
    # quad over (-inf, x] and [x, inf) never sampled N(0, 1)'s bulk: W_3^3(delta_40, N(0,1)) came out 1e-23
    # (true 64120), and 0 +- 0 from x = 100 on. For x >> 1, E|x - Y|^p = x^p (1 + p(p-1)/(2x^2) + ...)
    res = wp_discrete_gmm_1d([x], [1.0], [0.0], [1.0], [1.0], p=p)
    approx = x**p * (1 + p * (p - 1) / (2 * x * x))
    assert res.value == pytest.approx(approx, rel=1e-5)
    ref = wp_discrete_gmm_1d([x], [1.0], [0.0], [1.0], [1.0], p=2)  # closed form
    assert wp_discrete_gmm_1d([x], [1.0], [0.0], [1.0], [1.0], p=2, method="quadrature").value == pytest.approx(
        ref.value, rel=1e-10
    )


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: gaussian_w2(0.0, 1e308, 0.0, 1e308), r"^m1, S1, m2, S2: W2\^2 overflows float64"),
        (lambda: gaussian_w2(1e200, 1.0, -1e200, 1.0), r"^m1, S1, m2, S2: W2\^2 overflows float64"),
        (lambda: w2_1d_gaussians(1e200, 1.0, -1e200, 1.0), r"^m1, m2: W2\^2 overflows float64"),
        (lambda: wp_1d_discrete([1e200], [1.0], [-1e200], [1.0]), r"^x, y: W_p\^p overflows float64"),
        (lambda: wp_discrete_gmm_1d([1e200], [1.0], [0.0], [1.0], [1.0]), r"^atoms, means: W_p\^p overflows"),
        (lambda: wp_discrete_gmm_1d([1e200], [1.0], [0.0], [1.0], [1.0], p=3), r"^atoms, means: W_p\^p overflows"),
    ],
)
def test_overflow_is_an_error_not_inf_or_nan(call, match):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overflow and quad's roundoff warnings on the way to the error
        with pytest.raises(ValueError, match=match):
            call()
