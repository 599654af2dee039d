"""Layer 3: discrete divergences and MMD² against scipy, hand-made cases and Monte Carlo."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy

from otcheck import divergences as dv
from otcheck import strategies as ost

LOG2, LOG4 = np.log(2.0), np.log(4.0)


def _pair(n=None, **kw):
    n = st.integers(1, 7) if n is None else n
    return n.flatmap(lambda k: st.tuples(ost.weights(k, **kw), ost.weights(k, **kw)))


@given(_pair())
def test_kl_js_match_scipy(pq):
    p, q = pq
    assert dv.kl(p, q) == pytest.approx(entropy(p, q), rel=1e-12, abs=1e-14)
    # scipy's jensenshannon is the square root of JS, natural log by default
    assert dv.js(p, q) == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-9, abs=1e-12)


@given(_pair(zeros=True))
def test_zero_mass_conventions(pq):
    p, q = pq
    off_support = np.any((p > 0) & (q == 0))
    assert (dv.kl(p, q) == np.inf) == off_support
    assert (dv.chi2(p, q) == np.inf) == off_support
    assert 0.0 <= dv.js(p, q) <= LOG2
    assert 0.0 <= dv.tv(p, q) <= 1.0
    assert -LOG4 <= dv.gan(p, q) <= 0.0


def test_hand_made_values():
    assert dv.kl([1.0, 0.0], [0.5, 0.5]) == pytest.approx(LOG2)
    assert dv.kl([0.5, 0.5], [0.5, 0.5]) == 0.0
    assert dv.js([1.0, 0.0], [0.0, 1.0]) == pytest.approx(LOG2)
    assert dv.tv([1.0, 0.0, 0.0], [0.0, 0.5, 0.5]) == 1.0
    # TV = sup over events |P(A) - Q(A)|: brute force over all events
    p, q = np.array([0.1, 0.4, 0.5]), np.array([0.3, 0.3, 0.4])
    events = [[(k >> i) & 1 for i in range(3)] for k in range(8)]
    assert dv.tv(p, q) == pytest.approx(max(abs(np.dot(e, p - q)) for e in events))
    assert dv.chi2([0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.25**2 / 0.25 + 0.25**2 / 0.75)
    assert dv.gan([1.0, 0.0], [0.0, 1.0]) == 0.0
    assert dv.gan([0.2, 0.8], [0.2, 0.8]) == pytest.approx(-LOG4)


@given(_pair(zeros=True))
def test_gan_equals_two_js_minus_log4_and_witness_attains_it(pq):
    p, q = pq
    val, T = dv.gan(p, q, return_witness=True)
    assert val == pytest.approx(2 * dv.js(p, q) - LOG4, abs=1e-12)
    assert dv.gan_objective(p, q, T) == pytest.approx(val, abs=1e-12)
    assert np.array_equal(T, dv.gan_discriminator(p, q))


@given(_pair(zeros=True), st.integers(0, 2**32 - 1))
def test_random_discriminators_never_beat_dgan(pq, seed):
    p, q = pq
    rng = np.random.default_rng(seed)
    best = dv.gan(p, q)
    for T in rng.uniform(0.0, 1.0, size=(50, p.shape[0])):
        assert dv.gan_objective(p, q, T) <= best + 1e-12


def test_restricted_discriminator_class_is_lower():
    p = np.array([0.5, 0.3, 0.2, 0.0])
    q = np.array([0.1, 0.2, 0.3, 0.4])
    full = dv.gan(p, q)
    # constant discriminators: best is T = 1/2, value -log 4, strictly below D_GAN
    const = dv.gan_restricted(p, q, np.ones((4, 1)))
    assert const.value == pytest.approx(-LOG4, abs=1e-7)
    assert const.value < full - 0.1
    # logistic on (1, x): in between
    feats = np.column_stack([np.ones(4), np.arange(4.0)])
    lin = dv.gan_restricted(p, q, feats, radius=50.0)
    assert const.value - 1e-7 <= lin.value <= full + 1e-12
    assert lin.gap >= -1e-9 and lin.gap < 1e-5


def test_restricted_with_indicator_features_recovers_dgan():
    p = np.array([0.5, 0.3, 0.2])
    q = np.array([0.1, 0.2, 0.7])  # same support: T* in (0, 1) is attained by the logistic class
    res = dv.gan_restricted(p, q, np.eye(3))
    assert res.value == pytest.approx(dv.gan(p, q), abs=1e-7)
    assert np.allclose(res.discriminator, dv.gan_discriminator(p, q), atol=1e-5)


# ----------------------------------------------------------------------------------------- MMD


def _gauss(X, Y, h):
    X, Y = np.asarray(X, float).reshape(len(X), -1), np.asarray(Y, float).reshape(len(Y), -1)
    return np.array([[np.exp(-np.sum((x - y) ** 2) / (2 * h * h)) for y in Y] for x in X])


def test_mmd2_matches_double_loop_and_sums_scales():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(5, 2)), rng.normal(size=(4, 2)) + 1
    wx, wy = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(4))
    for h in (0.5, 2.0):
        Kxx, Kyy, Kxy = _gauss(X, X, h), _gauss(Y, Y, h), _gauss(X, Y, h)
        exact = wx @ Kxx @ wx + wy @ Kyy @ wy - 2 * wx @ Kxy @ wy
        assert dv.mmd2(X, Y, bandwidth=h, weights_x=wx, weights_y=wy) == pytest.approx(exact, rel=1e-12)
        u = (Kxx.sum() - 5) / 20 + (Kyy.sum() - 4) / 12 - 2 * Kxy.mean()
        assert dv.mmd2(X, Y, bandwidth=h, unbiased=True) == pytest.approx(u, rel=1e-12)
    both = dv.mmd2(X, Y, bandwidth=[0.5, 2.0])
    assert both == pytest.approx(dv.mmd2(X, Y, bandwidth=0.5) + dv.mmd2(X, Y, bandwidth=2.0), rel=1e-12)
    # inverse multiquadratic C / (C + d^2), by hand on 1-D points 0 and 2 with C = 4: k = 4 / 8
    assert dv.mmd2([0.0], [2.0], kernel="imq", bandwidth=4.0) == pytest.approx(2 - 2 * 0.5)


def test_mmd2_unbiased_estimator_is_unbiased_monte_carlo():
    """Mean of the U-statistic over many seeded replicates: a 99.9% CI contains the exact MMD²."""
    atoms_p, wp = np.array([[0.0], [1.0], [3.0]]), np.array([0.5, 0.3, 0.2])
    atoms_q, wq = np.array([[0.5], [1.0], [2.0]]), np.array([0.2, 0.3, 0.5])
    exact = dv.mmd2(atoms_p, atoms_q, weights_x=wp, weights_y=wq, bandwidth=1.0)
    rng = np.random.default_rng(12345)
    R, n = 2000, 8
    u = np.empty(R)
    v = np.empty(R)
    for r in range(R):
        X = atoms_p[rng.choice(3, n, p=wp)]
        Y = atoms_q[rng.choice(3, n, p=wq)]
        u[r] = dv.mmd2(X, Y, unbiased=True, bandwidth=1.0)
        v[r] = dv.mmd2(X, Y, bandwidth=1.0)
    se_u = u.std(ddof=1) / np.sqrt(R)
    assert abs(u.mean() - exact) <= 3.3 * se_u
    # the V-statistic is biased upwards by a visible amount at n = 8
    se_v = v.std(ddof=1) / np.sqrt(R)
    assert v.mean() - exact > 3.3 * se_v


@given(ost.measures(dim=2, max_atoms=5), ost.measures(dim=2, max_atoms=5))
def test_mmd2_exact_is_nonnegative_and_zero_on_itself(mu, nu):
    assert dv.mmd2(mu.atoms, nu.atoms, weights_x=mu.weights, weights_y=nu.weights) >= 0.0
    assert dv.mmd2(mu.atoms, mu.atoms, weights_x=mu.weights, weights_y=mu.weights, kernel="imq") == pytest.approx(
        0.0, abs=1e-12
    )


def test_kernel_matrix_symmetric_psd():
    X = np.random.default_rng(0).normal(size=(6, 3))
    for kern in dv.KERNELS:
        K = dv.kernel_matrix(X, kernel=kern, bandwidth=[0.5, 1.0])
        assert np.array_equal(K, K.T)
        assert np.linalg.eigvalsh(K).min() > 0


# ----------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: dv.kl([0.5, 0.5], [1.0]), "^q: has length 1, expected 2"),
        (lambda: dv.js([1.2, -0.2], [0.5, 0.5]), "^p: has a negative weight"),
        (lambda: dv.tv([0.5, 0.6], [0.5, 0.5]), "^p: weights sum to"),
        (lambda: dv.gan_objective([0.5, 0.5], [0.5, 0.5], [0.5, 1.5]), "^T: values must lie in"),
        (lambda: dv.gan_restricted([0.5, 0.5], [0.5, 0.5], np.ones((3, 1))), "^features: has 3 rows"),
        (lambda: dv.mmd2([0.0], [1.0], kernel="laplace"), "^kernel: unknown kernel"),
        (lambda: dv.mmd2([0.0], [1.0], bandwidth=0.0), "^bandwidth: must be > 0"),
        (lambda: dv.mmd2([[0.0, 1.0]], [[1.0]]), "^Y: points have dimension 1, expected 2"),
        (lambda: dv.mmd2([0.0, 1.0], [1.0, 2.0], unbiased=True, weights_x=[0.5, 0.5]), "^unbiased:"),
        (lambda: dv.mmd2([0.0], [1.0, 2.0], unbiased=True), "^X: the unbiased estimator needs at least 2"),
        (lambda: dv.mmd2([0.0, 1.0], [1.0], weights_x=[1.0]), "^weights_x: has length 1, expected 2"),
    ],
)
def test_bad_input_messages(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_input_types():
    with pytest.raises(TypeError, match="^p: "):
        dv.kl("ab", [0.5, 0.5])
    with pytest.raises(TypeError, match="^bandwidth: "):
        dv.mmd2([0.0], [1.0], bandwidth="wide")
    for bad in (True, [True, False]):  # a bool is not a bandwidth
        with pytest.raises(TypeError, match="^bandwidth: "):
            dv.mmd2([0.0], [1.0], bandwidth=bad)
    with pytest.raises(TypeError, match="^unbiased: expected True or False"):
        dv.mmd2([0.0, 1.0], [1.0, 2.0], unbiased="yes")
    with pytest.raises(TypeError, match="^p: expected real numbers, got a boolean"):
        dv.kl(np.array([True, False]), [0.5, 0.5])


@pytest.mark.parametrize("shift", [1e4, 1e8])
@pytest.mark.parametrize("kernel", ["gaussian", "imq"])
def test_mmd2_is_translation_invariant_far_from_the_origin(shift, kernel):
    # the Gram expansion |x|^2 + |y|^2 - 2xy lost unit distances at 1e8 (mmd2 returned 0: "equal laws")
    X, Y = np.array([0.0, 0.5]), np.array([1.0, 1.5])
    ref = dv.mmd2(X, Y, kernel=kernel)
    assert ref > 0.1
    assert dv.mmd2(X + shift, Y + shift, kernel=kernel) == pytest.approx(ref, rel=1e-9)
    assert dv.mmd2(X + shift, Y + shift, kernel=kernel, unbiased=True) == pytest.approx(
        dv.mmd2(X, Y, kernel=kernel, unbiased=True), rel=1e-9
    )


def test_chi2_with_a_subnormal_reference_mass_is_inf_without_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dv.chi2([0.5, 0.5], [1.0, 5e-324]) == np.inf


def test_gan_restricted_accepts_a_feasible_inaccurate_answer_with_a_radius():
    # found by the thorough hypothesis profile: Clarabel stops 'optimal_inaccurate' here; with a finite
    # radius the returned w is feasible, so its exact objective is a valid (lower) restricted value
    from otcheck.divergences import gan, gan_restricted

    p = np.array([0.33333333, 0.33333333, 0.20833333, 0.08333333, 0.04166667])
    q = np.array([0.66666667, 0.08333333, 0.0, 0.16666667, 0.08333333])
    p, q = p / p.sum(), q / q.sum()
    feats = np.column_stack([np.ones(5), np.arange(5.0)])
    res = gan_restricted(p, q, feats, radius=10.0)
    assert np.linalg.norm(res.weights) <= 10.0 * (1 + 1e-6)
    assert res.value <= gan(p, q) + 1e-12
