"""Layer 3: Gaussian decoders and mixtures."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from otcheck.gaussian import GaussianDecoder, GaussianMixture, gmm_cdf, gmm_pdf, gmm_quantile


@given(st.floats(1e-6, 1 - 1e-6), st.integers(0, 1000))
def test_quantile_inverts_cdf(t, seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 4))
    mu, var, w = rng.normal(size=k) * 3, rng.uniform(0.01, 2, size=k), rng.dirichlet(np.ones(k))
    x = gmm_quantile(t, mu, var, w)
    # the returned point is within xtol * spread of the root: F(x) = t up to density * that
    spread = np.abs(mu).max() + np.sqrt(var).max()
    slack = float(gmm_pdf([x], mu, var, w)[0]) * 1e-12 * max(1.0, spread) + 1e-15
    assert abs(float(gmm_cdf(x, mu, var, w)) - t) <= slack + 1e-13


def test_quantile_monotone_and_extremes():
    t = np.linspace(0, 1, 101)
    q = gmm_quantile(t, [-1.0, 3.0], [0.5, 0.1], [0.4, 0.6])
    assert q[0] == -np.inf and q[-1] == np.inf
    assert np.all(np.diff(q) > 0)


def test_mixture_moments_match_samples_within_ci():
    mix = GaussianMixture([0.2, 0.8], [[0.0, 1.0], [2.0, -1.0]], [[0.5, 1.0], [0.1, 0.2]])
    Y = mix.sample(40000, seed=7)
    se = Y.std(axis=0, ddof=1) / np.sqrt(Y.shape[0])
    assert np.all(np.abs(Y.mean(axis=0) - mix.mean()) <= 4 * se)
    assert np.allclose(np.cov(Y.T), mix.covariance(), atol=0.05)


def test_density_integrates_to_one_and_matches_1d_helpers():
    mix = GaussianMixture([0.3, 0.7], [-1.0, 2.0], [0.25, 1.0])
    grid = np.linspace(-10, 12, 20001)
    dens = mix.pdf(grid[:, None])
    assert np.trapezoid(dens, grid) == pytest.approx(1.0, abs=1e-8)
    assert np.allclose(dens, gmm_pdf(grid, [-1.0, 2.0], [0.25, 1.0], [0.3, 0.7]))


def test_decoder_lemma8_variance_and_diagonal():
    dec = GaussianDecoder.from_map(
        lambda z: np.column_stack([z[:, 0], 2 * z[:, 0]]), [[0.0], [1.0], [3.0]], [0.5, 0.25]
    )
    b = np.array([0.2, 0.3, 0.5])
    law = dec.decoded(b)
    G = dec.means
    var_G = b @ (G - b @ G) ** 2
    assert np.allclose(np.diag(law.covariance()), dec.sigma2 + var_G)  # Lemma 8, per coordinate
    assert dec.trace_covariance == 0.75
    Y = dec.sample(np.array([1, 1, 2]), seed=0)
    assert Y.shape == (3, 2)
    assert np.array_equal(Y, dec.sample(np.array([1, 1, 2]), seed=0))


def test_same_seed_same_bytes_and_generator_accepted():
    mix = GaussianMixture([0.5, 0.5], [0.0, 1.0], 1.0)
    assert mix.sample(5, seed=3).tobytes() == mix.sample(5, seed=3).tobytes()
    assert mix.sample(5, seed=np.random.default_rng(3)).tobytes() == mix.sample(5, seed=3).tobytes()


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: GaussianMixture([0.5, 0.5], [0.0, 1.0], -1.0), ValueError, "^variances: must be > 0"),
        (lambda: GaussianMixture([0.5, 0.5], [0.0, 1.0, 2.0], 1.0), ValueError, "^weights: has length 2, expected 3"),
        (lambda: GaussianMixture([1.0], [[0.0, 0.0]], [1.0, 2.0, 3.0]), ValueError, "^variances: has length 3"),
        (lambda: GaussianMixture([1.0], [[0.0, 0.0]], 1.0).cdf(0.0), ValueError, "^cdf: defined for one-dimensional"),
        (lambda: GaussianMixture([1.0], [0.0], 1.0).sample(0, seed=0), ValueError, "^size: must be >= 1"),
        (lambda: GaussianMixture([1.0], [0.0], 1.0).sample(3, seed=None), TypeError, "^seed: "),
        (lambda: GaussianDecoder([[0.0, 1.0]], [1.0, 2.0, 3.0]), ValueError, r"^sigma2: has shape \(3,\)"),
        (lambda: GaussianDecoder([[0.0]], 0.0), ValueError, "^sigma2: must be > 0"),
        (lambda: GaussianDecoder([[0.0]], 1.0).decoded([0.5, 0.5]), ValueError, "^prior_weights: has length 2"),
        (lambda: GaussianDecoder([[0.0]], 1.0).sample(np.array([1]), seed=0), ValueError, r"^code_index: indices"),
        (lambda: gmm_quantile(1.5, [0.0], 1.0, [1.0]), ValueError, r"^t: levels must lie in \[0, 1\]"),
        (lambda: gmm_quantile(True, [0.0], 1.0, [1.0]), TypeError, r"^t: expected real numbers, got booleans"),
        (lambda: GaussianMixture([1.0], [0.0], 1.0).cdf(np.array([True])), TypeError, r"^x: expected real numbers"),
    ],
)
def test_bad_input_messages(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_scalar_variance_broadcasts_in_every_dimension():
    # a scalar variance used to become a length-1 array, accepted only when k == 1 or d == 1
    mix = GaussianMixture([0.25, 0.25, 0.5], np.zeros((3, 2)), 0.3)
    assert mix.variances.shape == (3, 2) and np.all(mix.variances == 0.3)
    dec = GaussianDecoder(np.zeros((3, 2)), 0.5)
    assert dec.sigma2.shape == (2,) and np.all(dec.sigma2 == 0.5)
