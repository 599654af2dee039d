"""Section 2 claims: default sizes hold, property tests over otcheck.strategies instances, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from otcheck import DiscreteMeasure
from otcheck.bounds import Bound
from otcheck.claims import FAILS, HOLDS, UNDECIDED, registry
from otcheck.claims.section2 import gan_js_bound, gaussian_loglik, kr_duality, vae_upper_bound, wgan_lower_bound
from otcheck.strategies import encoders, measures, weights

IDS = ["kr-duality", "gan-js-bound", "wgan-lower-bound", "vae-upper-bound"]


def leaves(ev):
    """The innermost parts of a piece of evidence (the comparisons themselves)."""
    return [q for p in ev.parts for q in leaves(p)] if ev.parts else [ev]


def assert_compared_by_bounds(ev):
    """Every comparison passed two Bounds, with their provenance, and no hand-set margin."""
    for p in leaves(ev):
        assert isinstance(p.lhs_bound, Bound) and isinstance(p.rhs_bound, Bound), p.note
        assert p.method != "unspecified" and p.method == p.method.strip(), p.note
        assert p.tolerance == 0.0, p.note  # the bounds' widths are the only tolerance
        assert p.guarantee in ("proof", "estimate") and p.confidence is None, p.note  # nothing sampled here
        assert float(p.lhs) == float(p.lhs_bound.value) and float(p.rhs) == float(p.rhs_bound.value)


def assert_undecided_only_where_unresolved(ev):
    """No part fails; a part is undecided only where a solver could not resolve the instance (a bound
    that is not tight, or a part recorded as not certified)."""
    for p in leaves(ev):
        assert p.verdict != FAILS, (p.note, str(p.lhs_bound), str(p.rhs_bound))
        if p.verdict == UNDECIDED:
            assert p.method == "not certified" or not (p.lhs_bound.tight and p.rhs_bound.tight), p.note


@pytest.mark.parametrize("cid", IDS)
def test_claim_holds_at_default_size(cid):
    ev = registry[cid].run()
    assert ev.verdict == HOLDS, [str(p) for p in ev.failing_parts()]
    assert ev.instance["seed"] == 0
    assert registry[cid].kind == "proposition" and registry[cid].section == "2"
    assert_compared_by_bounds(ev)


def test_guarantees_of_the_parts():
    """Which side is a proof: the certified W_1 of the exact layer; every float64 closed form is an estimate."""
    kr = leaves(registry["kr-duality"].run())
    assert kr[0].lhs_bound.guarantee == "proof" and "certified" in kr[0].lhs_bound.method
    assert kr[0].rhs_bound.guarantee == "estimate" and "HiGHS" in kr[0].rhs_bound.method
    assert kr[0].rhs_bound.tight and kr[0].guarantee == "estimate"
    wg = leaves(registry["wgan-lower-bound"].run())
    assert all(p.rhs_bound.guarantee == "proof" for p in wg)  # W_1, certified
    assert all(p.lhs_bound.guarantee == "estimate" for p in wg)  # the sups, float64
    gan = leaves(registry["gan-js-bound"].run())
    assert "Clarabel" in gan[2].lhs_bound.method and gan[2].relation == "<="
    assert all("2 JS(p, q) - log 4" in p.rhs_bound.method for p in gan)
    vae = leaves(registry["vae-upper-bound"].run())
    assert {p.guarantee for p in vae} == {"estimate"}
    # a strict inequality is never granted by overlap: each "gap > 0" part is proven
    strict = [p for p in vae if p.relation == ">"]
    assert strict and all(p.lhs_bound.lower > p.rhs_bound.upper for p in strict)


def test_float_bounds_are_not_wider_than_their_inputs_warrant():
    """The equalities hold by the bounds' widths alone, and those widths are at rounding level."""
    for cid in ("kr-duality", "gan-js-bound", "vae-upper-bound"):
        for p in leaves(registry[cid].run()):
            if p.relation == "==":
                for b in (p.lhs_bound, p.rhs_bound):
                    assert float(b.width) <= 1e-10 * max(1.0, abs(float(b.value))), (cid, p.note, str(b))


@pytest.mark.parametrize("cid", IDS)
def test_claim_holds_at_another_seed_and_size(cid):
    sizes = {
        "kr-duality": {"n": 3, "m": 7, "dim": 3},
        "gan-js-bound": {"n": 2, "n_random": 10},
        "wgan-lower-bound": {"n": 2, "m": 3, "dim": 1},
        "vae-upper-bound": {"n": 2, "m": 5, "k": 3},
    }[cid]
    ev = registry[cid].run(seed=11, **sizes)
    assert ev.verdict == HOLDS
    assert_compared_by_bounds(ev)


# ------------------------------------------------------------------------------------ properties
pairs_2d = st.tuples(measures(2, max_atoms=5), measures(2, max_atoms=5))


@given(pairs_2d)
def test_kr_duality_property(pair):
    mu, nu = pair
    ev = kr_duality(mu, nu)
    assert_undecided_only_where_unresolved(ev)
    primal, dual = leaves(ev)[0].lhs_bound, leaves(ev)[0].rhs_bound
    if primal.tight and dual.tight:
        assert ev.verdict == HOLDS, [str(p) for p in ev.failing_parts()]


def test_kr_duality_below_the_lp_solvers_resolution_is_undecided():
    """W_1 = 1e-57: HiGHS returns the witness f = 0 (value 0) while its flow has value 1e-57; the dual LP's
    bound [0, 1e-57] is honest but not tight, so the equality is undecided, not 'holds' and not 'fails'."""
    ev = kr_duality(DiscreteMeasure([[0.0, 0.0]]), DiscreteMeasure([[0.0, 1e-57]]))
    assert ev.verdict == UNDECIDED
    first = leaves(ev)[0]
    assert first.verdict == UNDECIDED and not first.rhs_bound.tight and first.lhs_bound.tight
    assert first.rhs_bound.contains(first.lhs_bound.value)


@given(pairs_2d)
def test_wgan_lower_bound_property(pair):
    mu, nu = pair
    ev = wgan_lower_bound(mu, nu, n_critics=20)
    assert ev.verdict == HOLDS, [str(p) for p in ev.failing_parts()]
    assert ev.lhs <= ev.details["W1"] + 1e-8
    assert_compared_by_bounds(ev)


@st.composite
def gan_instances(draw):
    n = draw(st.integers(1, 6))
    p = draw(weights(n, zeros=True))
    q = draw(weights(n, zeros=True))
    x = np.arange(n, dtype=float)[:, None]
    return p, q, x


@given(gan_instances())
def test_gan_js_bound_property(inst):
    p, q, x = inst
    ev = gan_js_bound(p, q, x, n_random=10)
    assert ev.verdict == HOLDS, [str(e) for e in ev.failing_parts()]
    assert_compared_by_bounds(ev)


@st.composite
def vae_instances(draw):
    n = draw(st.integers(1, 4))
    m = draw(st.integers(1, 4))
    a = draw(weights(n))
    b = draw(weights(m, min_weight=0.05))
    X = np.array(draw(st.lists(st.floats(-2, 2), min_size=n, max_size=n)))[:, None]
    G = np.array(draw(st.lists(st.floats(-2, 2), min_size=m, max_size=m)))[:, None]
    sigma2 = draw(st.sampled_from([0.1, 0.5, 2.0]))
    Q = [draw(encoders(n, m, zeros=True)), draw(encoders(n, m, deterministic=True))]
    return a, b, gaussian_loglik(X, G, sigma2), Q


@given(vae_instances())
def test_vae_upper_bound_property(inst):
    a, b, L, Q = inst
    ev = vae_upper_bound(a, b, L, Q)
    assert ev.verdict == HOLDS, [str(p) for p in ev.failing_parts()]
    assert ev.lhs >= ev.rhs - 1e-9
    assert_compared_by_bounds(ev)


def test_vae_gap_is_exactly_the_kl_to_the_posterior():
    """A hand-computed instance: one x, two codes, p(x|z) = (1/2, 1/4), prior (1/2, 1/2)."""
    a, b = np.array([1.0]), np.array([0.5, 0.5])
    L = np.log(np.array([[0.5, 0.25]]))
    Q = np.array([[0.5, 0.5]])
    ev = vae_upper_bound(a, b, L, [Q])
    nll = -np.log(0.375)
    post = np.array([2 / 3, 1 / 3])
    gap = float(np.sum(Q[0] * np.log(Q[0] / post)))
    assert ev.details["nll"] == pytest.approx(nll, rel=1e-14)
    assert ev.lhs == pytest.approx(nll + gap, rel=1e-14)


def test_vae_bound_with_impossible_outputs():
    """A discrete decoder that cannot produce x_0 from z_1 (log-likelihood -inf): every term stays finite.

    p_G(x_0) = 0.5 * 0.5 = 1/4 and p_G(x_1) = 0.5 * 0.5 + 0.5 * 1 = 3/4; the posterior of x_0 is
    delta_{z_0}, that of x_1 is (1/3, 2/3).
    """
    L = np.array([[np.log(0.5), -np.inf], [np.log(0.5), 0.0]])
    ev = vae_upper_bound([0.5, 0.5], [0.5, 0.5], L, [[[1.0, 0.0], [0.5, 0.5]]])
    assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]
    assert ev.details["nll"] == pytest.approx(-(0.5 * np.log(0.25) + 0.5 * np.log(0.75)), rel=1e-14)
    assert np.allclose(ev.details["posterior"], [[1.0, 0.0], [1 / 3, 2 / 3]])


def test_a_wrong_closed_form_is_caught_by_the_bounds_alone(monkeypatch):
    """D_GAN off by 1e-9 (a relative error far above float64 rounding): the equality with 2 JS - log 4
    fails, proven by the two bounds' widths (no tolerance would have let it through), the claim fails."""
    from otcheck import divergences

    exact_gan = divergences.gan

    def off(p, q, *, return_witness=False):
        v, T = exact_gan(p, q, return_witness=True)
        return (v + 1e-9, T) if return_witness else v + 1e-9

    monkeypatch.setattr(divergences, "gan", off)
    ev = gan_js_bound([0.5, 0.5], [0.25, 0.75], n_random=5)
    first = leaves(ev)[0]
    assert first.verdict == FAILS and ev.verdict == FAILS
    assert first.lhs_bound.lower > first.rhs_bound.upper  # apart by more than both widths


def test_kr_duality_value_on_a_known_instance():
    """W_1 between (delta_0 + delta_1)/2 and delta_2 is 1.5, on both sides."""
    ev = kr_duality(DiscreteMeasure([0.0, 1.0]), DiscreteMeasure([2.0]))
    assert ev.lhs == pytest.approx(1.5, abs=1e-12) and ev.rhs == pytest.approx(1.5, abs=1e-9)


# ------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "cid, sizes, exc, start",
    [
        ("kr-duality", {"n": 0}, ValueError, "n:"),
        ("kr-duality", {"dim": 1.5}, TypeError, "dim:"),
        ("gan-js-bound", {"n": -1}, ValueError, "n:"),
        ("wgan-lower-bound", {"n_critics": 0}, ValueError, "n_critics:"),
        ("vae-upper-bound", {"sigma2": -1.0}, ValueError, "sigma2:"),
        ("vae-upper-bound", {"sigma2": 0.0}, ValueError, "sigma2:"),
        ("vae-upper-bound", {"n": 5, "k": 2}, ValueError, "k:"),
        ("kr-duality", {"bogus": 1}, TypeError, "bogus:"),
    ],
)
def test_bad_sizes(cid, sizes, exc, start):
    with pytest.raises(exc) as info:
        registry[cid].run(**sizes)
    assert str(info.value).startswith(start)


def test_bad_instances():
    mu1, mu2 = DiscreteMeasure([[0.0]]), DiscreteMeasure([[0.0, 1.0]])
    with pytest.raises(ValueError, match="^nu: has dimension 2"):
        kr_duality(mu1, mu2)
    with pytest.raises(TypeError, match="^mu:"):
        wgan_lower_bound(np.zeros((2, 1)), mu1)
    with pytest.raises(ValueError, match="^q:"):
        gan_js_bound([0.5, 0.5], [1.0])
    with pytest.raises(ValueError, match="^x:"):
        gan_js_bound([0.5, 0.5], [0.5, 0.5], x=np.zeros((3, 1)))
    with pytest.raises(TypeError, match="tol"):  # no comparison tolerance any more: the bounds decide
        kr_duality(mu1, mu1, tol=1e-7)
    with pytest.raises(TypeError, match="tol"):
        gan_js_bound([0.5, 0.5], [0.5, 0.5], tol=1e-9)
    with pytest.raises(ValueError, match="^b: the prior must be positive"):
        vae_upper_bound([1.0], [1.0, 0.0], np.zeros((1, 2)), [])
    with pytest.raises(ValueError, match="^loglik: has shape"):
        vae_upper_bound([1.0], [0.5, 0.5], np.zeros((2, 2)), [])
    with pytest.raises(ValueError, match="^encoders\\[0\\]: has shape"):
        vae_upper_bound([1.0], [0.5, 0.5], np.zeros((1, 2)), [np.ones((1, 3)) / 3])
    with pytest.raises(ValueError, match="^encoders\\[0\\]\\[0\\]"):
        vae_upper_bound([1.0], [0.5, 0.5], np.zeros((1, 2)), [np.array([[0.7, 0.7]])])
    with pytest.raises(ValueError, match="^sigma2:"):
        gaussian_loglik([[0.0]], [[0.0]], -0.5)
