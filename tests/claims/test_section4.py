"""Section-4 claims: each holds at default size, property tests over random instances, bad inputs."""

import inspect
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otcheck import autoencoders as AE
from otcheck import strategies as ots
from otcheck.bounds import Bound
from otcheck.claims import decide, registry
from otcheck.claims import section4 as s4
from otcheck.exact import w1_dual

SECTION4 = ["prop2", "aae-equals-pot", "aae-limits", "vae-blur", "avb-optimal-encoder", "pot-no-overlap",
            "w1-primal-dual", "prop3", "primal-imperfect-posterior"]


#: guarantee of each claim's headline comparison, and the guarantees its parts may have
GUARANTEES = {"prop2": ("estimate", {"estimate", "confidence"}), "aae-equals-pot": ("estimate", {"estimate"}),
              "aae-limits": ("estimate", {"estimate"}), "vae-blur": ("estimate", {"estimate"}),
              "avb-optimal-encoder": ("estimate", {"estimate"}), "pot-no-overlap": ("proof", {"proof", "estimate"}),
              "w1-primal-dual": ("estimate", {"proof", "estimate"}), "prop3": ("estimate", {"estimate"}),
              "primal-imperfect-posterior": ("estimate", {"proof", "estimate"})}


def _leaves(ev):
    for p in ev.parts:
        if p.parts:
            yield from _leaves(p)
        else:
            yield p


@pytest.mark.parametrize("cid", SECTION4)
def test_claim_holds_at_default_size(cid):
    claim = registry[cid]
    assert claim.kind == "proposition" and claim.section == "4"
    ev = claim.run()
    assert ev.verdict == "holds", [str(p) + " " + p.note for p in ev.failing_parts()]


@pytest.mark.parametrize("cid", SECTION4)
def test_every_part_compares_two_bounds(cid):
    """Every comparison reads two Bounds: provenance set, no tolerance of its own, the expected guarantee."""
    ev = registry[cid].run()
    head, allowed = GUARANTEES[cid]
    assert ev.guarantee == head and ev.lhs_bound is not None and ev.rhs_bound is not None
    assert ev.lhs_bound.contains(ev.lhs) and ev.rhs_bound.contains(ev.rhs)
    leaves = list(_leaves(ev))
    assert leaves
    for p in leaves:
        assert p.lhs_bound is not None and p.rhs_bound is not None, p.note
        assert p.method not in ("unspecified", "not certified", "") and p.tolerance == 0.0, p.note
        assert p.guarantee in allowed, (p.note, p.guarantee)
        if p.guarantee == "confidence":
            assert p.confidence == pytest.approx(0.95) and not p.lhs_bound.tight
        # the verdict is the one rule's verdict of the two bounds (no hand-set verdicts at default size)
        assert p.verdict == decide(p.lhs_bound, p.rhs_bound, p.relation), p.note
    json.dumps(ev.to_dict())  # serializable


@pytest.mark.parametrize("fn", [s4.prop2_1d, s4.prop2_linear, s4.prop2_sampled, s4.aae_equals_pot, s4.aae_limits,
                                s4.vae_blur, s4.avb_optimal_encoder, s4.pot_no_overlap, s4.w1_primal_dual, s4.prop3,
                                s4.primal_imperfect_posterior])
def test_no_claim_function_takes_a_comparison_tolerance(fn):
    assert "tol" not in inspect.signature(fn).parameters


def _points(n, d, lo=-2.0, hi=2.0, unique=True):
    el = st.floats(lo, hi, allow_nan=False).map(lambda v: round(v, 3))
    return st.lists(st.tuples(*[el] * d), min_size=n, max_size=n, unique=unique).map(np.array)


@st.composite
def instances(draw, max_n=4, max_m=3, d=2):
    mu = draw(ots.measures(dim=d, min_atoms=1, max_atoms=max_n, scale=1.5))
    m = draw(st.integers(1, max_m))
    b = draw(ots.weights(m))
    G = draw(_points(m, d, unique=False))
    return mu.weights, mu.atoms, b, G


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
    lo_d, hi_d = ev.details["bias_Wc_dagger"]      # W_c^dagger difference: biased high, lower end moves down
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
    with pytest.raises(TypeError, match="d"):
        registry["prop2"].run(d=2.5)


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
    ev = s4.primal_imperfect_posterior([0.25, 0.25, 0.5], [0.0, 1.0, 4.0], [[1, 0], [1, 0], [0, 1]])
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
    ev = s4.avb_optimal_encoder([0.5, 0.5], [[0.0, 0.0], [1.0, 0.0]], [0.5, 0.5], [[0.0, 0.0], [1.0, 0.0]], 0.5,
                                [[[1.0, 0.0], [0.0, 1.0]]])
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


# ---------------- w1-primal-dual ----------------
def test_w1_undecided_when_the_dual_lp_cannot_certify_itself():
    """Found by the thorough profile: at distance 1e-147 HiGHS returns the witness 0 (its absolute tolerances)
    while the flow costs W_1; the LP's bound is not tight, so primal == dual is undecided (it held before only
    through a hand-picked relative tolerance)."""
    ev = s4.w1_primal_dual([1.0], [[0.0, 0.0]], [1.0], [[0.0, 1.1112307750579904e-147]])
    head = ev.parts[0]
    assert head.verdict == "undecided" and not head.rhs_bound.tight
    assert head.rhs_bound.contains(head.lhs_bound.value)  # the LP's interval does contain W_1
    assert ev.verdict == "undecided"


@given(ots.measures(dim=2, max_atoms=5), ots.measures(dim=2, max_atoms=5, duplicates=True))
def test_w1_primal_equals_dual(mu, nu):
    ev = s4.w1_primal_dual(mu.weights, mu.atoms, nu.weights, nu.atoms)
    w = w1_dual(mu.atoms, nu.atoms, mu.weights, nu.weights)
    if w.bound.tight:
        assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]
    else:  # HiGHS did not certify its own LP (e.g. supports at distance 1e-147): undecided, never a failure
        assert ev.verdict == "undecided" and ev.parts[0].verdict == "undecided"


def test_argument_named_in_dimension_and_shape_errors():
    X, G1 = [[0.0, 0.0], [1.0, 1.0]], [[0.0], [1.0]]
    with pytest.raises(ValueError, match="^G: has dimension 1"):
        s4.w1_primal_dual([0.5, 0.5], X, [0.5, 0.5], G1)
    with pytest.raises(ValueError, match="^G: has dimension 1"):
        s4.pot_no_overlap(X, G1)
    with pytest.raises(ValueError, match="^Q: has 1 rows, expected 2"):
        s4.primal_imperfect_posterior([0.5, 0.5], [0.0, 1.0], [[1.0]])


# ---------------- prop3 ----------------
def test_prop3_table_and_constant():
    ev = registry["prop3"].run()
    table = ev.details["table"]
    assert [r["eps"] for r in table] == sorted((r["eps"] for r in table), reverse=True)
    for r in table:
        assert r["gap_f"] <= r["eps"] and r["gap_h"] <= r["eps"]
        assert r["cos_h"] <= 0
        # exact bounds agree with the sampled autograd estimates
        assert r["lipschitz"]["h_star_sampled"] <= r["lipschitz"]["h_star"] + 1e-9
        assert r["hessian"]["h_star_sampled"] <= r["hessian"]["h_star"] + 1e-9
    assert ev.details["C"] > 0
    assert "C =" in s4.prop3_table(ev)


@settings(max_examples=10)
@given(st.floats(1e-3, 0.8))
def test_prop3_any_eps(eps):
    ev = s4.prop3((eps,))
    assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]


def test_prop3_needs_a_settled_constant_for_a_holds():
    """Two large eps: C(eps) still moves, so uniformity in eps is not shown -- undecided, not holds or fails."""
    ev = s4.prop3((0.5, 0.1))
    assert ev.verdict == "undecided" and ev.details["C"] > 0
    c = np.asarray(ev.details["C_eps"])
    assert abs(c[0] - c[1]) > 0.1 * c.min()
    (part,) = [p for p in ev.parts if p.verdict == "undecided"]
    # the comparison of the bounds proves the drift exceeds 10%: that is reported as undecided, never a failure
    assert decide(part.lhs_bound, part.rhs_bound, "<=") == "fails" and "never a counterexample" in part.note
    assert part.lhs_bound.guarantee == "estimate" and part.method != "not certified"
    head = ev.parts[[p.note for p in ev.parts].index("C = min over eps of C(eps) > 0")]
    assert ev.relation == ">" and ev.lhs_bound == head.lhs_bound and head.verdict == "holds"


def test_prop3_bad_inputs():
    with pytest.raises(ValueError, match="eps"):
        s4.prop3(())
    for name in ("beta", "s", "eta"):
        with pytest.raises(ValueError, match=f"^{name}: must be > 0"):
            s4.prop3((0.1,), **{name: -1.0})


# ---------------- primal-imperfect-posterior ----------------
@given(ots.measures(dim=1, min_atoms=2, max_atoms=6), st.integers(2, 4), st.data())
def test_primal_shared_codes_pull_to_mean_and_median(mu, m, data):
    Q = data.draw(ots.encoders(mu.n, m, deterministic=True))
    ev = s4.primal_imperfect_posterior(mu.weights, mu.atoms[:, 0], Q)
    assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]
    dead = np.asarray(ev.details["Q_Z"]) == 0
    assert np.all(np.asarray(ev.details["grad_sq_at_random_G"])[dead] == 0)


@pytest.mark.parametrize("size", [1e-9, 1.0, 1e6])
def test_vae_blur_decides_at_every_data_scale(size):
    # found by the thorough hypothesis profile: data of size 1e-9 left "G* averages" undecided
    X = np.array([[-2.18791664e-09, -1.24591095e-08], [-7.32267355e-09, -5.44258983e-09]]) / 1e-9 * size
    ev = s4.vae_blur([0.17068078, 0.82931922], X, [[1.0], [1.0]])
    assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]
