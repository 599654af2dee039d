"""Section 3.1 claims (Lemma 6, footnote 2, Theorem 1): default sizes hold, every comparison is between
Bounds, property tests over otcheck.strategies, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from truth import leaf_parts

from otcheck import DiscreteMeasure, solve_ot
from otcheck.bounds import GUARANTEES
from otcheck.claims import FAILS, HOLDS, UNDECIDED, registry, section3_1, verify
from otcheck.claims._instances import decoder_cost, decoder_law
from otcheck.claims.section3_1 import footnote2_sets_coincide, lemma6, theorem1
from otcheck.strategies import cost_matrices, couplings, encoders, measures, weights

IDS = ["lemma6", "theorem1"]

#: the guarantees of the comparisons (leaves) of each claim at its default size
GUARANTEES_AT_DEFAULT = {
    "lemma6": {"estimate", "confidence"},  # P_G = b^T D is rounded: estimate; d = 2 sampled
    "lemma6-footnote2": {"proof", "estimate"},  # the count is exact; vertex directions use a rounded P_G
    "theorem1": {"proof", "estimate", "confidence"},  # W_dagger = eq. 10 is a proof; eq. 11 an LP estimate
}


def _why(ev):
    return [f"{p} - {p.note}" for p in ev.failing_parts()]


@pytest.mark.parametrize("cid", IDS)
def test_claim_holds_at_default_size(cid):
    ev = registry[cid].run()
    assert ev.verdict == HOLDS, _why(ev)
    assert ev.instance["seed"] == 0
    assert registry[cid].kind == "proposition"


@pytest.mark.parametrize("cid", IDS + ["lemma6-footnote2"])
def test_every_comparison_is_between_bounds(cid):
    ev = registry[cid].run()
    leaves = list(leaf_parts(ev))
    assert leaves
    for p in leaves:
        assert p.lhs_bound is not None and p.rhs_bound is not None, p.note
        assert p.method != "unspecified" and p.method, p.note
        assert p.guarantee in GUARANTEES
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
    assert {p.guarantee for p in leaves} == GUARANTEES_AT_DEFAULT[cid]


def test_sampled_parts_state_their_bias_and_margin():
    for cid in ("lemma6", "theorem1"):
        sampled = [p for p in leaf_parts(registry[cid].run()) if p.guarantee == "confidence"]
        assert sampled, cid
        for p in sampled:
            assert "bias" in p.note, (cid, p.note)
            if p.relation == "==":
                assert "equivalence margin" in p.note and p.tolerance > 0, (cid, p.note)


def test_footnote2_conjecture_is_reported_not_fatal():
    rep = verify(["lemma6-footnote2"])
    ev = rep.evidence[0]
    assert registry["lemma6-footnote2"].kind == "conjecture"
    assert ev.verdict == FAILS and ev.lhs >= 1 and rep.ok and rep.findings == (ev,)
    cx = ev.instance["counterexample"]
    D = np.asarray(cx["D"])
    assert ((D > 0).sum(1) > 1).any(), "the counterexample has a non-Dirac code"
    assert footnote2_sets_coincide(cx["a"], cx["b"], D)[0]


def test_footnote2_counterexample_by_hand():
    """a = (.2, .8), codes (.3, .3, .4) decoding to y1, y2 and (y1 + y2)/2: every Gamma is reached."""
    a, b = np.array([0.2, 0.8]), np.array([0.3, 0.3, 0.4])
    D = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    nu = b @ D
    for g11 in np.linspace(0.0, 0.2, 5):  # the segment Pi(a, nu), parametrized by Gamma_11
        Gam = np.array([[g11, 0.2 - g11], [nu[0] - g11, nu[1] - 0.2 + g11]])
        P = np.array([[g11, 0.2 - g11, 0.0], [0.3 - g11, 0.1 + g11, 0.4]])
        assert np.all(P >= 0) and np.allclose(P.sum(1), a) and np.allclose(P.sum(0), b)
        assert np.allclose(P @ D, Gam)
    # and with a = (.5, .5) (x_1 too heavy for the Dirac codes) the sets differ
    assert not footnote2_sets_coincide([0.5, 0.5], b, D)[0]


def test_footnote2_smallest_counterexample_by_hand():
    """a = b = (1/2, 1/2), D = [[1/2, 1/2], [1, 0]]: both sets are the segment Gamma_11 in [1/4, 1/2]."""
    a, b, D = np.array([0.5, 0.5]), np.array([0.5, 0.5]), np.array([[0.5, 0.5], [1.0, 0.0]])
    nu = b @ D  # (3/4, 1/4)
    lo, hi = max(0.0, a[0] + nu[0] - 1), min(a[0], nu[0])
    images = [(np.array([[t, 0.5 - t], [0.5 - t, t]]) @ D)[0, 0] for t in np.linspace(0, 0.5, 11)]
    assert (lo, hi) == (0.25, 0.5) and min(images) == lo and max(images) == hi
    assert footnote2_sets_coincide(a, b, D)[0]


# ------------------------------------------------------------------------------------ properties
@st.composite
def lemma6_instances(draw, dirac):
    n, m, k = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    a, b = draw(weights(n)), draw(weights(m))
    C = draw(cost_matrices(n, k))
    D = draw(encoders(m, k, deterministic=dirac, zeros=True))
    P = draw(couplings(a, b))
    return a, b, C, D, P


@settings(max_examples=20)
@given(lemma6_instances(dirac=False))
def test_lemma6_property_random_decoders(inst):
    a, b, C, D, P = inst
    ev = lemma6(a, b, C, D, couplings=[P])
    assert ev.verdict == HOLDS, _why(ev)


@settings(max_examples=20)
@given(lemma6_instances(dirac=True))
def test_lemma6_property_dirac_decoders_give_equal_sets(inst):
    a, b, C, D, P = inst
    ev = lemma6(a, b, C, D, couplings=[P], n_directions=3)
    assert ev.verdict == HOLDS, _why(ev)
    assert ev.details["dirac"] and ev.lhs == pytest.approx(ev.rhs, rel=1e-8, abs=1e-8)


@settings(max_examples=20)
@given(st.integers(1, 4).flatmap(lambda m: st.tuples(weights(2), weights(m), encoders(m, 3, deterministic=True))))
def test_footnote2_decider_dirac_direction(inst):
    """Lemma 6's sufficient condition, through the exact decider: Dirac decoders always give equal sets."""
    a, b, D = inst
    assert footnote2_sets_coincide(a, b, D)[0]


@settings(max_examples=20)
@given(st.integers(1, 3).flatmap(lambda m: st.tuples(weights(m), encoders(m, 3))))
def test_footnote2_for_every_px_reading(inst):
    """With P_X = P_G, a decoder with a spread code of positive mass cannot realize the diagonal coupling."""
    b, D = inst
    nu = b @ D
    C01 = 1.0 - np.eye(3)
    gap = solve_ot(nu, b, decoder_cost(C01, D)).cost - solve_ot(nu, nu, C01).cost
    spread = ((D > 0).sum(1) > 1) & (b > 0)
    assert (gap > 1e-12) == bool(spread.any())


@st.composite
def spread_decoders(draw):
    """Two-atom P_X, positive prior, and a decoder with at least one code spread over two points."""
    m = draw(st.integers(2, 3))
    a, b = draw(weights(2)), draw(weights(m))
    D = draw(encoders(m, 2, deterministic=True))
    z = draw(st.integers(0, m - 1))
    D[z] = draw(weights(2))
    return a, b, D


def test_hypothesis_finds_a_footnote2_counterexample():
    """A systematic search (hypothesis) finds a spread decoder whose two sets coincide."""
    from hypothesis import find

    a, b, D = find(
        spread_decoders(), lambda t: footnote2_sets_coincide(*t)[0], settings=settings(max_examples=300, database=None)
    )
    assert ((D > 0).sum(1) > 1).any() and np.all(b > 0)
    assert footnote2_sets_coincide(a, b, D)[0]


@settings(max_examples=10)
@given(st.integers(0, 10**6))
def test_footnote2_claim_property(seed):
    """At any seed the conjecture claim reports its counterexample and never makes verify fail."""
    rep = verify(["lemma6-footnote2"], seed=seed, sizes={"lemma6-footnote2": {"n_trials": 5}})
    ev = rep.evidence[0]
    assert rep.ok and ev.verdict == FAILS and ev.lhs >= 1
    assert all(p.verdict == HOLDS for p in ev.parts[1:]), _why(ev)


_MAPS = {
    "linear": lambda z: 2.0 * z - 0.5,
    "sign": lambda z: np.sign(z),
    "floor": lambda z: np.floor(z),
    "constant": lambda z: np.zeros_like(z) + 0.25,
}


@given(
    st.integers(1, 2).flatmap(lambda d: st.tuples(measures(d, max_atoms=5), measures(d, max_atoms=6, duplicates=True))),
    st.sampled_from(sorted(_MAPS)),
    st.sampled_from(["sqeuclidean", "euclidean"]),
)
def test_theorem1_property(pair, gname, cost):
    """The discrete parts of Theorem 1 on drawn instances."""
    mu_x, mu_z = pair
    ev = theorem1(mu_x, mu_z, _MAPS[gname], cost=cost)
    # Holds, except where HiGHS cannot bracket eq. 11 tightly (costs far below its absolute tolerances,
    # e.g. 1e-268): that part is then undecided -- never a vacuous "holds" -- and its bracket still
    # contains the certified eq. 10 value
    undecided = [p for p in ev.parts if p.verdict == UNDECIDED]
    assert all("eq. 11" in p.note and not p.lhs_bound.tight and p.lhs_bound.contains(p.rhs) for p in undecided), _why(
        ev
    )
    assert ev.verdict == (HOLDS if not undecided else UNDECIDED), _why(ev)
    if gname == "constant":  # everything to one point: W_c = E c(X, y0)
        from otcheck import cost_matrix

        expected = float(mu_x.weights @ cost_matrix(mu_x.atoms, np.full((1, mu_x.dim), 0.25), cost)[:, 0])
        assert ev.lhs == pytest.approx(expected, rel=1e-9, abs=1e-12)


# ------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "cid, sizes, exc, start",
    [
        ("lemma6", {"n": 0}, ValueError, "n:"),
        ("lemma6", {"sigma2": -0.1}, ValueError, "sigma2:"),
        ("lemma6", {"reps": 1}, ValueError, "reps:"),
        ("theorem1", {"m": 0}, ValueError, "m:"),
        ("theorem1", {"sizes": (1, 10)}, ValueError, "sizes:"),
        ("lemma6-footnote2", {"n_trials": 0}, ValueError, "n_trials:"),
    ],
)
def test_bad_sizes(cid, sizes, exc, start):
    with pytest.raises(exc) as info:
        registry[cid].run(**sizes)
    assert str(info.value).startswith(start)


def test_bad_instances():
    a, b = np.array([0.5, 0.5]), np.array([1.0])
    with pytest.raises(ValueError, match="^D: rows must be probability vectors"):
        lemma6(a, b, np.ones((2, 2)), np.array([[0.5, 0.6]]))
    with pytest.raises(ValueError, match="^D: has 2 columns, expected C's 3"):
        lemma6(a, b, np.ones((2, 3)), np.array([[0.5, 0.5]]))
    with pytest.raises(ValueError, match="^C: has 3 rows"):
        lemma6(a, b, np.ones((3, 2)), np.array([[0.5, 0.5]]))
    with pytest.raises(ValueError, match="^a: has length 3"):
        footnote2_sets_coincide([0.2, 0.3, 0.5], b, np.array([[1.0]]))
    mu = DiscreteMeasure([[0.0, 0.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="^G: maps to dimension 1"):
        theorem1(mu, DiscreteMeasure([0.0, 1.0]), lambda z: z)
    with pytest.raises(TypeError, match="^G:"):
        theorem1(mu, mu, "identity")


# ------------------------------------------------------------------------------ derived bounds
@settings(max_examples=30)
@given(
    st.integers(1, 4).flatmap(
        lambda n: st.integers(1, 4).flatmap(
            lambda m: st.tuples(weights(n), weights(m), encoders(m, 3), st.integers(0, 2**32 - 1))
        )
    )
)
def test_image_defect_allowed_bounds_the_image_defect(inst):
    """_image_defect_allowed(P) bounds the coupling defect of P D for a perturbed coupling P (any defect)."""
    a, b, D, seed = inst
    rng = np.random.default_rng(seed)
    P = np.outer(a, b) + rng.uniform(-1e-3, 1e-3, size=(a.size, b.size))
    nu = decoder_law(b, D)
    resid = section3_1._coupling_residual(P @ D, a, nu)
    assert resid <= section3_1._image_defect_allowed(P, a, b, D) + 1e-15


@settings(max_examples=30)
@given(
    st.integers(1, 4).flatmap(
        lambda n: st.integers(1, 4).flatmap(
            lambda m: st.tuples(weights(n), weights(m), encoders(m, 3, deterministic=True), st.integers(0, 2**32 - 1))
        )
    )
)
def test_lift_defect_allowed_bounds_the_lift_defect(inst):
    """_lift_defect_allowed(Gamma) bounds the defect of the Dirac lift for a perturbed coupling Gamma."""
    a, b, D, seed = inst
    rng = np.random.default_rng(seed)
    nu = decoder_law(b, D)
    Gam = np.outer(a, nu) + rng.uniform(-1e-3, 1e-3, size=(a.size, nu.size)) * (nu > 0)
    P = section3_1._dirac_lift(Gam, b, D)
    resid = max(section3_1._coupling_residual(P, a, b), float(np.abs(P @ D - Gam).max()))
    assert resid <= section3_1._lift_defect_allowed(Gam, a, nu, b, D) + 1e-15


def test_lemma6_image_part_fails_when_the_image_is_not_a_coupling(monkeypatch):
    """The inclusion part is not vacuous: a wrong image (P D replaced by a perturbed matrix) fails."""
    a, b = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    C = np.array([[0.0, 1.0], [1.0, 0.0]])
    D = np.array([[0.5, 0.5], [0.2, 0.8]])
    assert lemma6(a, b, C, D).verdict == HOLDS
    monkeypatch.setattr(section3_1, "_coupling_residual", lambda P, a_, b_: 1e-6)
    ev = lemma6(a, b, C, D)
    assert ev.verdict == FAILS and all("inclusion" in p.note or "lifts" in p.note for p in ev.failing_parts())


def test_lemma6_rejects_a_non_coupling():
    a, b = np.array([0.5, 0.5]), np.array([0.5, 0.5])
    with pytest.raises(ValueError, match=r"^couplings\[0\]: is not a coupling"):
        lemma6(a, b, np.ones((2, 2)), np.eye(2), couplings=[np.array([[0.5, 0.0], [0.0, 0.4]])])


def test_footnote2_decider_uses_bounds():
    same, gap = footnote2_sets_coincide([0.5, 0.5], [0.5, 0.5], [[0.5, 0.5], [1.0, 0.0]])
    assert same and gap == 0.0
    same, gap = footnote2_sets_coincide([0.5, 0.5], [0.3, 0.3, 0.4], [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    assert not same and gap > 0
