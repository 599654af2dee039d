"""otcheck.claims._objectives: the auto-encoder objectives as bounds, and their infima over all encoders."""

import numpy as np
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
