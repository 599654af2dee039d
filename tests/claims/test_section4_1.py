"""Section 4.1 claims on random decoders (Lemma 8, Prop. 2): each holds at default size, every comparison is
between Bounds, property tests over random instances, bad inputs."""

import inspect
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from truth import assert_parts_compare_two_bounds, leaf_parts

from otcheck.bounds import GUARANTEES as ALL_GUARANTEES
from otcheck.bounds import Bound
from otcheck.claims import FAILS, HOLDS, UNDECIDED, decide, registry
from otcheck.claims import section4_1 as s4
from otcheck.claims.section4_1 import lemma8
from otcheck.strategies import measures, weights

SECTION = ["prop2"]

#: guarantee of each claim's headline comparison, and the guarantees its parts may have
GUARANTEES = {"prop2": ("estimate", {"estimate", "confidence"})}


def _why(ev):
    return [f"{p} - {p.note}" for p in ev.failing_parts()]


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


@pytest.mark.parametrize("fn", [s4.lemma8, s4.prop2_1d, s4.prop2_linear, s4.prop2_sampled])
def test_no_claim_function_takes_a_comparison_tolerance(fn):
    assert "tol" not in inspect.signature(fn).parameters


# ---------------- prop2 ----------------
@given(st.lists(st.floats(0.02, 0.95), min_size=2, max_size=3).filter(lambda v: max(v) - min(v) > 0.05))
def test_prop2_1d_minimizers(s2):
    ev = s4.prop2_1d(sorted(s2))
    assert ev.verdict == "holds"
    a_w = np.asarray(ev.details["argmin_Wc"])
    assert np.allclose(a_w, np.sqrt(1 - np.asarray(ev.details["sigma2"])), atol=1e-4)


@settings(max_examples=8)
@given(st.lists(st.floats(1.0, 3.0), min_size=2, max_size=3, unique=True), st.integers(0, 100))
def test_prop2_linear_decoder_moves_only_for_wc(eigs, seed):
    rng = np.random.default_rng(seed)
    V, _ = np.linalg.qr(rng.standard_normal((len(eigs), len(eigs))))
    S = (V * np.asarray(eigs)) @ V.T
    ev = s4.prop2_linear(S, (0.1, 0.7), seed=seed)
    assert ev.verdict == "holds", [p.note for p in ev.failing_parts()]


def test_prop2_sampled_is_decided():
    ev = s4.prop2_sampled(0.5, n=100, reps=8, seed=1)
    assert ev.guarantee == "confidence" and ev.verdict in ("holds", "undecided")
    assert ev.method.startswith("paired difference (8 pairs of n=100 samples")
    for p in ev.parts:
        L = p.lhs_bound
        assert p.relation == "<" and p.rhs_bound == Bound.exact(0.0)
        assert L.guarantee == "confidence" and L.confidence == pytest.approx(0.95) and not L.tight
        assert L.lower <= p.lhs <= L.upper and p.lhs_ci == (L.lower, L.upper)
        # a strict "<" on a confidence bound holds only when the whole interval is below 0
        assert (p.verdict == "holds") == (L.upper < 0)


def test_prop2_sampled_interval_carries_the_bias():
    """The W_c difference is biased low by 2 kappa_n (sqrt(1 + sigma^2) - 1): its upper end moves up by that."""
    ev = s4.prop2_sampled(0.5, n=100, reps=8, seed=1)
    kappa = ev.details["kappa_n"]
    lo, hi = ev.details["bias_Wc"]
    assert lo == pytest.approx(2 * kappa * (1 - math.sqrt(1.5)), rel=1e-6) and hi < 0
    L = ev.parts[0].lhs_bound
    assert L.upper - L.value >= -lo > 0
    lo_d, hi_d = ev.details["bias_Wc_dagger"]  # W_c^dagger difference: biased high, lower end moves down
    assert lo_d > 0 and ev.parts[1].lhs_bound.value - ev.parts[1].lhs_bound.lower >= lo_d


def test_normal_order_statistics_variance_exact_cases():
    # E X_(1) = -1/sqrt(pi) for n = 2; E X_(1) = -3/(2 sqrt(pi)) for n = 3
    for n, want in ((2, 1 - 1 / math.pi), (3, 1 - 3 / (2 * math.pi))):
        kappa, err = s4._normal_order_variance(n)
        assert abs(kappa - want) <= err + 1e-15 and err < 1e-10
    kappa, _ = s4._normal_order_variance(60)
    x = np.sort(np.random.default_rng(0).standard_normal((20000, 60)), axis=1)
    assert kappa == pytest.approx(x.var(axis=0).mean(), rel=0.02)


def test_prop2_sampled_small_samples_stay_undecided():
    """Wide intervals that straddle 0 never make the strict "<" hold, and never make it fail."""
    ev = s4.prop2_sampled(0.5, n=60, reps=4, seed=0)
    assert ev.verdict == "undecided"
    for p in ev.parts:
        assert p.verdict == "undecided" and p.lhs_bound.lower < 0 < p.lhs_bound.upper


def test_prop2_1d_detects_a_wrong_bures_formula(monkeypatch):
    """The honest bounds are narrow: a Bures formula off by 1e-9 is a proven failure of the B.3 check."""
    import otcheck.closed_forms as cf

    true = cf.gaussian_w2
    monkeypatch.setattr(cf, "gaussian_w2", lambda *args: true(*args) + 1e-9)
    ev = s4.prop2_1d((0.2, 0.5))
    assert ev.verdict == "fails"
    assert "B.3's formulas" in ev.failing_parts()[0].note


def test_prop2_bad_inputs():
    with pytest.raises(ValueError, match="sigma2s"):
        s4.prop2_1d([0.5])
    with pytest.raises(ValueError, match="sigma2s"):
        s4.prop2_1d([0.5, 1.5])
    with pytest.raises(ValueError, match="sigma2"):
        s4.prop2_sampled(1.0)
    with pytest.raises(TypeError, match="^dim:"):
        registry["prop2"].run(dim=2.5)
    with pytest.raises(TypeError, match="^d: unknown size for claim 'prop2'"):  # the size is named dim
        registry["prop2"].run(d=2)


# ---------------- lemma8 ----------------
def test_lemma8_holds_at_default_size():
    claim = registry["lemma8"]
    assert claim.kind == "proposition" and claim.section == "4"
    ev = claim.run()
    assert ev.verdict == HOLDS, _why(ev)
    assert ev.instance["seed"] == 0


def test_lemma8_every_comparison_is_between_bounds():
    """Quadrature against an exact rational (estimates), samples within a stated equivalence margin (confidence)."""
    ev = registry["lemma8"].run()
    leaves = list(leaf_parts(ev))
    assert leaves
    for p in leaves:
        assert p.lhs_bound is not None and p.rhs_bound is not None, p.note
        assert p.method != "unspecified" and p.method, p.note
        assert p.guarantee in ALL_GUARANTEES
        assert p.lhs_bound.lower <= p.lhs_bound.upper and p.rhs_bound.lower <= p.rhs_bound.upper
        # the tolerance of a comparison is the bounds' own width: only a stated equivalence margin is added,
        # and only to a sampled (confidence) comparison
        if p.tolerance:
            assert p.guarantee == "confidence" and "equivalence margin" in p.note, p.note
        if p.guarantee == "confidence":
            assert 0.0 < p.confidence < 1.0
            assert "confidence" in (p.lhs_bound.guarantee, p.rhs_bound.guarantee)
        else:
            assert p.confidence is None
    assert {p.guarantee for p in leaves} == {"estimate", "confidence"}


def test_lemma8_sampled_parts_state_their_bias_and_margin():
    sampled = [p for p in leaf_parts(registry["lemma8"].run()) if p.guarantee == "confidence"]
    assert sampled
    for p in sampled:
        assert "bias" in p.note, p.note
        if p.relation == "==":
            assert "equivalence margin" in p.note and p.tolerance > 0, p.note


@pytest.mark.parametrize(
    "sizes, exc, start",
    [
        ({"sigma2": -1.0}, ValueError, "sigma2:"),
        ({"n_samples": 1}, ValueError, "n_samples:"),
    ],
)
def test_lemma8_bad_sizes(sizes, exc, start):
    with pytest.raises(exc) as info:
        registry["lemma8"].run(**sizes)
    assert str(info.value).startswith(start)


def test_lemma8_bad_instances():
    with pytest.raises(ValueError, match="^means: has 1 rows, expected one per code \\(2\\)"):
        lemma8([0.5, 0.5], [[0.0]], 1.0)


@st.composite
def gaussian_decoder_instances(draw, dim):
    mu_x = draw(measures(dim, max_atoms=4))
    m = draw(st.integers(1, 4))
    b = draw(weights(m))
    G = np.array(draw(st.lists(st.lists(st.floats(-2, 2), min_size=dim, max_size=dim), min_size=m, max_size=m)))
    var = draw(st.lists(st.floats(0.05, 2.0), min_size=dim, max_size=dim))
    return mu_x, b, G, np.array(var)


@given(st.integers(1, 3).flatmap(lambda d: gaussian_decoder_instances(d)), st.floats(0.01, 3.0))
def test_lemma8_property(inst, sigma2):
    _, b, G, _ = inst
    ev = lemma8(b, G, sigma2, n_samples=4000)
    quad = [p for p in ev.parts if "by quadrature" in p.note]
    assert quad and all(p.verdict == HOLDS for p in quad), _why(ev)
    assert all(p.rhs_bound.guarantee == "proof" for p in ev.parts)  # the right side is exact
    sampled = [p for p in ev.parts if p.guarantee == "confidence"]
    assert len(sampled) == G.shape[1] and all(p.tolerance > 0 for p in sampled)
    assert ev.verdict != FAILS, _why(ev)


def test_lemma8_variance_bound_decides_both_ways():
    """The sampled variance (unbiased batch variances, Student-t) holds for the true variance within the margin
    and fails for a wrong one (12.5 % off, margin 4 %)."""

    y = np.random.default_rng(3).normal(0.0, 2.0, size=40_000)
    bound = s4._variance_bound(y, 0.99, 40, "test")
    assert bound.guarantee == "confidence" and bound.confidence == 0.99 and not bound.tight
    assert decide(bound, 4.0, "==", margin=0.04 * 4.0) == HOLDS
    assert decide(bound, 4.5, "==", margin=0.04 * 4.5) == FAILS
    assert decide(bound, 4.0, "==") == UNDECIDED  # no margin: a sampled bound never proves an equality
