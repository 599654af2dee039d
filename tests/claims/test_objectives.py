"""otcheck.claims._objectives: the auto-encoder objectives as bounds, and their infima over all encoders."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otcheck import autoencoders as AE
from otcheck import strategies as ots
from otcheck.claims import HOLDS, decide
from otcheck.claims._objectives import aae_avb_infima, aae_bound, avb_gan_bound, nll_bound, recon_bound, vae_bound


@st.composite
def instances(draw):
    mu = draw(ots.measures(dim=2, min_atoms=1, max_atoms=4, scale=1.5))
    m = draw(st.integers(1, 3))
    b = draw(ots.weights(m))
    G = np.array(draw(st.lists(st.lists(st.floats(-2, 2), min_size=2, max_size=2), min_size=m, max_size=m)))
    L = AE.gaussian_nll_matrix(mu.atoms, G, 0.5)
    Q = draw(ots.encoders(mu.n, m, zeros=True))
    return mu.weights, b, L, Q


@settings(max_examples=20)
@given(instances())
def test_objective_bounds_contain_the_layer3_values_and_are_ordered(inst):
    a, b, L, Q = inst
    assert vae_bound(a, b, L, Q).contains(AE.vae_objective(a, b, L, Q))
    assert aae_bound(a, b, L, Q).contains(AE.aae_objective(a, b, L, Q))
    assert avb_gan_bound(a, b, L, Q).contains(AE.avb_objective(a, b, L, Q, "gan"))
    assert recon_bound(a, Q, L).contains(AE.reconstruction(a, Q, L))
    nll = nll_bound(a, b, L)
    assert decide(nll, vae_bound(a, b, L, Q), "<=") == HOLDS  # eq. 15: D_VAE >= -E log p_G
    assert decide(vae_bound(a, b, L, AE.posterior_encoder(b, L)), nll, "==") == HOLDS  # equal at the posterior
    assert decide(aae_bound(a, b, L, Q), avb_gan_bound(a, b, L, Q), "<=") == HOLDS  # Jensen (Prop. 4's proof)


def test_infima_are_ordered_as_prop4_says():
    a, X, b, G = (
        np.array([0.5, 0.5]),
        np.array([[0.0, 0.0], [1.0, 0.5]]),
        np.array([0.3, 0.7]),
        np.array([[0.0, 0.1], [1.0, 0.4]]),
    )
    aae, avb_gan, avb_kl = aae_avb_infima(a, b, AE.gaussian_nll_matrix(X, G, 0.5))
    assert decide(aae, avb_gan, "<=") == HOLDS and decide(aae, avb_kl, "<=") == HOLDS
    assert aae.tight and avb_gan.tight and "relaxed OT" in aae.method


def test_nll_bound_ignores_codes_of_prior_mass_zero_and_points_of_weight_zero():
    """A code of prior mass 0 adds e^-inf = 0 to p_G(x) exactly: it is no part of the rounding scale (|log 0| was);
    neither is a point of weight 0 with an infinite negative log-likelihood (0 * inf = 0, not nan)."""
    a, b = np.array([1.0, 0.0]), np.array([0.5, 0.5, 0.0])
    L = np.array([[1.0, 2.0, 0.0], [np.inf, 3.0, 5.0]])
    nll = nll_bound(a, b, L)
    assert nll.contains(AE.neg_log_likelihood(a, b, L)) and np.isfinite(float(nll.upper))
    # its width is set by the largest exponent of a real term, |log 1/2| + 2, not by |log 0|
    assert float(nll.upper - nll.lower) < 1e-10
    # and the same instance with the zero code dropped gives the same number
    assert float(nll.value) == float(nll_bound(a, b[:2], L[:, :2]).value)


def test_vae_bound_of_a_point_of_weight_zero_with_a_zero_likelihood_and_of_an_infinite_objective():
    a, b = np.array([1.0, 0.0]), np.array([0.5, 0.5])
    L = np.array([[1.0, 1.0], [0.0, np.inf]])
    Q = np.array([[0.5, 0.5], [0.0, 1.0]])  # the point of weight 0 charges its impossible code
    v = vae_bound(a, b, L, Q)
    assert v.contains(AE.vae_objective(a, b, L, Q)) and np.isfinite(float(v.upper))
    # a point of positive weight charging a code of prior mass 0: +inf, a point at infinity (never tight)
    inf = vae_bound(np.array([1.0]), np.array([1.0, 0.0]), np.array([[0.0, 0.0]]), np.array([[0.0, 1.0]]))
    assert (inf.lower, inf.upper, inf.tight) == (np.inf, np.inf, False)
    assert decide(inf, nll_bound(np.array([1.0]), np.array([1.0, 0.0]), np.array([[0.0, 0.0]])), ">=") == HOLDS


def test_the_log_posterior_does_not_underflow_and_its_kl_is_finite():
    b, L = np.array([0.5, 0.5]), np.array([[0.0, 1000.0], [3.0, 3.0]])
    lq = AE.log_posterior_encoder(b, L)
    assert AE.posterior_encoder(b, L)[0, 1] == 0.0 and lq[0, 1] == -1000.0  # exp(-1000) rounds to 0, its log not
    np.testing.assert_allclose(np.exp(lq), AE.posterior_encoder(b, L))
    Q = np.array([[0.5, 0.5], [1.0, 0.0]])
    kl = AE.kl_to_posterior(b, L, Q)
    np.testing.assert_allclose(kl, [500.0 + np.log(0.5), np.log(2.0)], rtol=1e-14)
    # a code of prior mass 0: log-posterior exactly -inf, and an encoder charging it is infinitely far
    lq0 = AE.log_posterior_encoder([1.0, 0.0], [[0.0, 0.0]])
    assert lq0[0, 1] == -np.inf and AE.kl_to_posterior([1.0, 0.0], [[0.0, 0.0]], [[0.5, 0.5]])[0] == np.inf
    assert AE.kl_to_posterior([1.0, 0.0], [[0.0, 0.0]], [[1.0, 0.0]])[0] == 0.0


def test_the_log_posterior_refuses_an_input_no_code_of_positive_mass_can_produce():
    with pytest.raises(ValueError, match="L: some x has zero likelihood under every code of positive prior mass"):
        AE.log_posterior_encoder([1.0, 0.0], [[np.inf, 0.0]])
    with pytest.raises(ValueError, match="Q: has shape"):
        AE.kl_to_posterior([0.5, 0.5], [[0.0, 0.0]], [[1.0]])
