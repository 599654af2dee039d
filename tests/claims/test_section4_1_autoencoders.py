"""Section 4.1 claims on auto-encoders (AAE = POT and its limits, VAE blurriness, the AVB encoder, POT's
non-overlapping encoders): each holds at default size, property tests over random instances, bad inputs."""

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from truth import assert_parts_compare_two_bounds

from otcheck import autoencoders as AE
from otcheck import strategies as ots
from otcheck.claims import registry
from otcheck.claims import section4_1_autoencoders as s4
from otcheck.claims.section4_2 import primal_imperfect_posterior

SECTION = ["aae-equals-pot", "aae-limits", "vae-blur", "avb-optimal-encoder", "pot-no-overlap"]

#: guarantee of each claim's headline comparison, and the guarantees its parts may have
GUARANTEES = {
    "aae-equals-pot": ("estimate", {"estimate"}),
    "aae-limits": ("estimate", {"estimate"}),
    "vae-blur": ("estimate", {"estimate"}),
    # the posterior's support is decided exactly (counts of finite log-posterior entries): proofs
    "avb-optimal-encoder": ("estimate", {"estimate", "proof"}),
    "pot-no-overlap": ("proof", {"proof", "estimate"}),
}


@pytest.mark.parametrize("cid", SECTION)
def test_claim_holds_at_default_size(cid):
    claim = registry[cid]
    assert claim.kind == "proposition" and claim.section == "4"
    ev = claim.run()
    assert ev.verdict == "holds", [str(p) + " " + p.note for p in ev.failing_parts()]


@pytest.mark.parametrize("cid", SECTION)
def test_every_part_compares_two_bounds(cid):
    """Every comparison reads two Bounds: provenance set, no tolerance of its own, the expected guarantee."""
    ev = registry[cid].run()
    head, allowed = GUARANTEES[cid]
    assert_parts_compare_two_bounds(ev, head, allowed)


@pytest.mark.parametrize(
    "fn", [s4.aae_equals_pot, s4.aae_limits, s4.vae_blur, s4.avb_optimal_encoder, s4.pot_no_overlap]
)
def test_no_claim_function_takes_a_comparison_tolerance(fn):
    assert "tol" not in inspect.signature(fn).parameters


def _points(n, dim, lo=-2.0, hi=2.0, unique=True):
    el = st.floats(lo, hi, allow_nan=False).map(lambda v: round(v, 3))
    return st.lists(st.tuples(*[el] * dim), min_size=n, max_size=n, unique=unique).map(np.array)


@st.composite
def instances(draw, max_n=4, max_m=3, dim=2):
    mu = draw(ots.measures(dim=dim, min_atoms=1, max_atoms=max_n, scale=1.5))
    m = draw(st.integers(1, max_m))
    b = draw(ots.weights(m))
    G = draw(_points(m, dim, unique=False))
    return mu.weights, mu.atoms, b, G


# ---------------- aae-equals-pot, aae-limits ----------------
@settings(max_examples=10)
@given(instances(), st.floats(0.05, 3.0), st.data())
def test_aae_equals_pot_on_random_instances(inst, sigma2, data):
    a, X, b, G = inst
    n, m = X.shape[0], b.size
    Qs = [data.draw(ots.encoders(n, m)) for _ in range(2)] + [data.draw(ots.encoders(n, m, deterministic=True))]
    G2 = G + 0.5
    ev = s4.aae_equals_pot(a, X, b, [G, G2], Qs, sigma2)
    assert ev.verdict == "holds", [p.note for p in ev.failing_parts()]


def test_aae_equals_pot_detects_a_shifted_likelihood(monkeypatch):
    """A log-likelihood off by 1e-6 breaks the affine identity: a proven failure, not a tolerance question."""
    true = AE.gaussian_nll_matrix
    monkeypatch.setattr(AE, "gaussian_nll_matrix", lambda X, G, s2: true(X, G, s2) + 1e-6)
    ev = s4.aae_equals_pot([0.5, 0.5], [[0.0], [1.0]], [0.5, 0.5], [[[0.0], [1.0]]], [[[1.0, 0.0], [0.0, 1.0]]], 0.5)
    assert ev.verdict == "fails" and ev.failing_parts()[0].guarantee == "estimate"


@settings(max_examples=8)
@given(ots.ot_problems(max_n=4, max_m=4))
def test_aae_limits_on_random_problems(problem):
    a, b, C = problem
    ev = s4.aae_limits(a, b, C, small=(1.0, 0.01), large=(1.0, 1000.0))
    assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]


def test_aae_limits_bad_inputs():
    with pytest.raises(ValueError, match="small"):
        s4.aae_limits([1.0], [1.0], [[1.0]], small=(0.0, 1.0))
    with pytest.raises(ValueError, match="C"):
        s4.aae_limits([1.0], [1.0], [1.0])


# ---------------- vae-blur, avb-optimal-encoder, pot-no-overlap ----------------
@given(ots.measures(dim=2, min_atoms=2, max_atoms=5), st.integers(1, 4), st.data())
def test_vae_blur_decoder_is_conditional_mean_and_averages(mu, m, data):
    Q = data.draw(ots.encoders(mu.n, m))  # full-support rows: encoders overlap
    ev = s4.vae_blur(mu.weights, mu.atoms, Q)
    assert ev.verdict == "holds", [p.note for p in ev.failing_parts()]
    if mu.merged().n > 1:  # distinct inputs share every code
        assert ev.details["overlapping_codes"] >= 1 and ev.details["blur"]["spread"] > 0


def test_decoder_checks_fail_for_a_decoder_that_is_not_the_mean(monkeypatch):
    """The vae-blur and primal-imperfect-posterior headlines can fail: a shifted decoder is caught."""
    true_decoder = AE.optimal_decoder

    def shifted(a, X, Q, cost="sqeuclidean"):
        G, cond = true_decoder(a, X, Q, cost)
        return G + 0.01, cond

    monkeypatch.setattr(AE, "optimal_decoder", shifted)
    ev = s4.vae_blur([0.5, 0.5], [[0.0], [2.0]], [[0.7, 0.3], [0.4, 0.6]])
    assert ev.verdict == "fails" and ev.relation == "==" and ev.lhs > ev.rhs
    ev = primal_imperfect_posterior([0.25, 0.25, 0.5], [0.0, 1.0, 4.0], [[1, 0], [1, 0], [0, 1]])
    assert ev.verdict == "fails"


def test_vae_blur_sweep_is_picture_ready():
    ev = registry["vae-blur"].run()
    sweep = ev.details["blur_vs_encoder_width"]
    widths = sorted(sweep)
    # wider (more overlapping) encoders average more: spread is monotone on the default sweep
    spreads = [sweep[w]["spread"] for w in widths]
    assert spreads == sorted(spreads) and spreads[0] > 0
    assert ev.details["blur_deterministic"] == 0.0


@settings(max_examples=10)
@given(instances(), st.data())
def test_avb_posterior_is_optimal(inst, data):
    a, X, b, G = inst
    Qs = [data.draw(ots.encoders(X.shape[0], b.size, zeros=True)) for _ in range(3)]
    ev = s4.avb_optimal_encoder(a, X, b, G, 0.5, Qs)
    assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]


def test_avb_detects_an_encoder_that_is_not_the_posterior(monkeypatch):
    true = AE.posterior_encoder

    def blurred(b, L):
        Q = true(b, L)
        return 0.999 * Q + 0.001 / Q.shape[1]

    monkeypatch.setattr(AE, "posterior_encoder", blurred)
    ev = s4.avb_optimal_encoder(
        [0.5, 0.5], [[0.0, 0.0], [1.0, 0.0]], [0.5, 0.5], [[0.0, 0.0], [1.0, 0.0]], 0.5, [[[1.0, 0.0], [0.0, 1.0]]]
    )
    assert ev.verdict == "fails"
    notes = [p.note for p in ev.failing_parts()]
    assert any("-E log p_G(X)" in n for n in notes) and any("convex program" in n for n in notes)


@given(st.integers(2, 6).flatmap(lambda n: st.tuples(_points(n, 2), _points(n, 2))))
def test_pot_optimal_encoders_are_disjoint(XG):
    X, G = XG
    ev = s4.pot_no_overlap(X, G)
    assert ev.verdict == "holds"
    Q = np.asarray(ev.details["encoder"])
    assert np.all((Q > 1e-9).sum(axis=0) == 1)


def test_section41_bad_inputs():
    with pytest.raises(ValueError, match="G"):
        s4.pot_no_overlap([[0.0], [1.0]], [[0.0]])
    with pytest.raises(ValueError, match="Q"):
        s4.vae_blur([0.5, 0.5], [[0.0], [1.0]], [[0.5, 0.6], [0.5, 0.5]])


def test_argument_named_in_dimension_and_shape_errors():
    X, G1 = [[0.0, 0.0], [1.0, 1.0]], [[0.0], [1.0]]
    with pytest.raises(ValueError, match="^G: has dimension 1"):
        s4.pot_no_overlap(X, G1)


@pytest.mark.parametrize("size", [1e-9, 1.0, 1e6])
def test_vae_blur_decides_at_every_data_scale(size):
    # found by the thorough hypothesis profile: data of size 1e-9 left "G* averages" undecided
    X = np.array([[-2.18791664e-09, -1.24591095e-08], [-7.32267355e-09, -5.44258983e-09]]) / 1e-9 * size
    ev = s4.vae_blur([0.17068078, 0.82931922], X, [[1.0], [1.0]])
    assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]
