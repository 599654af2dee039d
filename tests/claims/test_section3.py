"""Section 3 claims (and lemma8): default sizes hold, property tests over otcheck.strategies, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otcheck import DiscreteMeasure, solve_ot
from otcheck.claims import FAILS, HOLDS, registry, verify
from otcheck.claims._instances import decoder_cost
from otcheck.claims.section3 import (corollary7, footnote2_sets_coincide, lemma6, lemma8, penalty_constraint,
                                     pot_objective, relaxation_bound, remark1, theorem1, theorem1_sampled)
from otcheck.divergences import kernel_matrix
from otcheck.strategies import cost_matrices, couplings, encoders, measures, ot_problems, weights

IDS = ["lemma6", "theorem1", "relaxation-bound", "penalty-constraint", "pot-objective", "corollary7", "remark1",
       "lemma8"]


def _why(ev):
    return [f"{p} - {p.note}" for p in ev.failing_parts()]


@pytest.mark.parametrize("cid", IDS)
def test_claim_holds_at_default_size(cid):
    ev = registry[cid].run()
    assert ev.verdict == HOLDS, _why(ev)
    assert ev.instance["seed"] == 0
    assert registry[cid].kind == "proposition"


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
    for g11 in np.linspace(0.0, 0.2, 5):       # the segment Pi(a, nu), parametrized by Gamma_11
        Gam = np.array([[g11, 0.2 - g11], [nu[0] - g11, nu[1] - 0.2 + g11]])
        P = np.array([[g11, 0.2 - g11, 0.0], [0.3 - g11, 0.1 + g11, 0.4]])
        assert np.all(P >= 0) and np.allclose(P.sum(1), a) and np.allclose(P.sum(0), b)
        assert np.allclose(P @ D, Gam)
    # and with a = (.5, .5) (x_1 too heavy for the Dirac codes) the sets differ
    assert not footnote2_sets_coincide([0.5, 0.5], b, D)[0]


def test_footnote2_smallest_counterexample_by_hand():
    """a = b = (1/2, 1/2), D = [[1/2, 1/2], [1, 0]]: both sets are the segment Gamma_11 in [1/4, 1/2]."""
    a, b, D = np.array([0.5, 0.5]), np.array([0.5, 0.5]), np.array([[0.5, 0.5], [1.0, 0.0]])
    nu = b @ D                                  # (3/4, 1/4)
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

    a, b, D = find(spread_decoders(), lambda t: footnote2_sets_coincide(*t)[0],
                   settings=settings(max_examples=300, database=None))
    assert ((D > 0).sum(1) > 1).any() and np.all(b > 0)
    assert footnote2_sets_coincide(a, b, D)[0]


@settings(max_examples=10)
@given(st.integers(0, 10 ** 6))
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


@given(st.integers(1, 2).flatmap(lambda d: st.tuples(measures(d, max_atoms=5), measures(d, max_atoms=6,
                                                                                        duplicates=True))),
       st.sampled_from(sorted(_MAPS)), st.sampled_from(["sqeuclidean", "euclidean"]))
def test_theorem1_property(pair, gname, cost):
    mu_x, mu_z = pair
    ev = theorem1(mu_x, mu_z, _MAPS[gname], cost=cost)
    assert ev.verdict == HOLDS, _why(ev)
    if gname == "constant":  # everything to one point: W_c = E c(X, y0)
        from otcheck import cost_matrix

        expected = float(mu_x.weights @ cost_matrix(mu_x.atoms, np.full((1, mu_x.dim), 0.25), cost)[:, 0])
        assert ev.lhs == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_theorem1_sampled_interval_shrinks_and_covers():
    ev = theorem1_sampled((100, 3000), reps=5, seed=3, tol=0.1)
    assert ev.verdict != FAILS
    widths = [r["width"] for r in ev.details["intervals"]]
    assert widths[1] < widths[0]


def _code_kernel(m):
    z = np.arange(m, dtype=float)[:, None]
    return kernel_matrix(z, z, kernel="gaussian", bandwidth=1.0)


@given(ot_problems(max_n=4, max_m=4), st.sampled_from(["kl", "js", "gan", "mmd2", "chi2", "tv"]))
def test_relaxation_bound_property(problem, penalty):
    a, b, C = problem
    ev = relaxation_bound(a, b, C, penalties=(penalty,), lambdas=(0.0, 1.0, 100.0, 1000.0), kernel=_code_kernel(b.size))
    # Holds, except where the relaxed layer itself cannot certify a solve (lambda far above the
    # scale of the costs the optimum uses, e.g. KL at lambda = 1e3 with used costs ~1e-2): then the
    # claim must say undecided, with the layer's reason, never fail and never guess.
    undecided = [p for p in ev.parts if p.verdict == "undecided"]
    assert all("could not certify" in p.note for p in undecided), _why(ev)
    assert ev.verdict == (HOLDS if not undecided else "undecided"), _why(ev)


@settings(max_examples=8)
@given(ot_problems(min_m=2, max_n=4, max_m=4))
def test_penalty_constraint_property(problem):
    a, b, C = problem
    ev = penalty_constraint(a, b, C, kernel=_code_kernel(b.size), penalties=("kl", "chi2"))
    assert ev.verdict == HOLDS, _why(ev)


@settings(max_examples=10)
@given(ot_problems(max_n=4, max_m=4))
def test_pot_objective_property(problem):
    a, b, C = problem
    ev = pot_objective(a, b, C)
    assert ev.verdict == HOLDS, _why(ev)


@st.composite
def gaussian_decoder_instances(draw, dim):
    mu_x = draw(measures(dim, max_atoms=4))
    m = draw(st.integers(1, 4))
    b = draw(weights(m))
    G = np.array(draw(st.lists(st.lists(st.floats(-2, 2), min_size=dim, max_size=dim), min_size=m, max_size=m)))
    var = draw(st.lists(st.floats(0.05, 2.0), min_size=dim, max_size=dim))
    return mu_x, b, G, np.array(var)


@settings(max_examples=15)
@given(gaussian_decoder_instances(1))
def test_corollary7_property_1d_quadrature(inst):
    mu_x, b, G, var = inst
    ev = corollary7(mu_x, b, G, var)
    assert ev.verdict == HOLDS, _why(ev)
    assert ev.details["rhs"] == pytest.approx(ev.details["W_dagger"], rel=1e-8)


@settings(max_examples=8)
@given(gaussian_decoder_instances(2))
def test_corollary7_property_2d_sampled(inst):
    mu_x, b, G, var = inst
    ev = corollary7(mu_x, b, G, var, n_samples=60, reps=3)
    assert ev.verdict != FAILS, _why(ev)
    assert ev.parts[0].verdict == HOLDS  # the identity for W_c^dagger is exact


@given(st.integers(1, 3).flatmap(lambda d: gaussian_decoder_instances(d)), st.floats(0.0, 2.0))
def test_remark1_property(inst, sigma2):
    mu_x, b, G, _ = inst
    ev = remark1(mu_x.weights, b, mu_x.atoms, G, sigma2, lambdas=(1.0,))
    assert ev.verdict == HOLDS, _why(ev)


@given(st.integers(1, 3).flatmap(lambda d: gaussian_decoder_instances(d)), st.floats(0.01, 3.0))
def test_lemma8_property(inst, sigma2):
    _, b, G, _ = inst
    ev = lemma8(b, G, sigma2, n_samples=4000)
    quad = [p for p in ev.parts if p.method == "quadrature"]
    assert quad and all(p.verdict == HOLDS for p in quad), _why(ev)
    assert ev.verdict != FAILS, _why(ev)


# ------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("cid, sizes, exc, start", [
    ("lemma6", {"n": 0}, ValueError, "n:"),
    ("lemma6", {"sigma2": -0.1}, ValueError, "sigma2:"),
    ("lemma6", {"reps": 1}, ValueError, "reps:"),
    ("theorem1", {"m": 0}, ValueError, "m:"),
    ("theorem1", {"sizes": (1, 10)}, ValueError, "sizes:"),
    ("relaxation-bound", {"dim": 0}, ValueError, "dim:"),
    ("remark1", {"sigma2": -1.0}, ValueError, "sigma2:"),
    ("lemma8", {"sigma2": -1.0}, ValueError, "sigma2:"),
    ("lemma8", {"n_samples": 1}, ValueError, "n_samples:"),
    ("corollary7", {"n": "5"}, TypeError, "n:"),
    ("lemma6-footnote2", {"n_trials": 0}, ValueError, "n_trials:"),
    ("pot-objective", {"lam": 1.0}, TypeError, "lam:"),
    ("pot-objective", {"lambdas": (-1.0, 1.0)}, ValueError, "lambdas:"),
    ("relaxation-bound", {"lambdas": (1.0, 0.5)}, ValueError, "lambdas:"),
    ("relaxation-bound", {"penalties": ("kl", "hellinger")}, ValueError, "penalties:"),
    ("penalty-constraint", {"lambdas": ()}, ValueError, "lambdas:"),
    ("penalty-constraint", {"lambdas": ("a",)}, TypeError, "lambdas:"),
])
def test_bad_sizes(cid, sizes, exc, start):
    with pytest.raises(exc) as info:
        registry[cid].run(**sizes)
    assert str(info.value).startswith(start)


def test_relaxation_claim_sizes_reach_the_check():
    ev = registry["relaxation-bound"].run(seed=2, lambdas=[0.0, 10.0, 1000.0], penalties=["tv"])
    assert ev.verdict == HOLDS and list(ev.details["paths"]) == ["tv"]
    assert ev.instance["lambdas"] == (0.0, 10.0, 1000.0)


def test_bad_instances():
    a, b = np.array([0.5, 0.5]), np.array([1.0])
    C = np.ones((2, 2))
    with pytest.raises(ValueError, match="^D: rows must be probability vectors"):
        lemma6(a, b, C, np.array([[0.5, 0.6]]))
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
    with pytest.raises(ValueError, match="^lambdas: must be strictly increasing"):
        relaxation_bound(a, a, C, lambdas=(1.0, 0.5))
    with pytest.raises(ValueError, match="^lambdas: must be >= 0"):
        pot_objective(a, a, C, lambdas=(-1.0,))
    with pytest.raises(ValueError, match="^C: has shape"):
        pot_objective(a, a, np.ones((2, 3)))
    with pytest.raises(ValueError, match="^variances: expected a number or 2 values"):
        corollary7(mu, [1.0], [[0.0, 0.0]], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="^variances: must be > 0"):
        corollary7(mu, [1.0], [[0.0, 0.0]], 0.0)
    with pytest.raises(ValueError, match="^variances:"):
        corollary7(mu, [1.0], [[0.0, 0.0]], -1.0)
    with pytest.raises(ValueError, match="^means: has dimension 1"):
        corollary7(mu, [1.0], [[0.0]], 0.5)
    with pytest.raises(ValueError, match="^means: has shape"):
        remark1(a, [1.0], mu.atoms, [[0.0]], 0.5)
    with pytest.raises(ValueError, match="^sigma2:"):
        remark1(a, [1.0], mu.atoms, [[0.0, 0.0]], -0.5)
    with pytest.raises(ValueError, match="^means: has 1 rows, expected one per code \\(2\\)"):
        lemma8([0.5, 0.5], [[0.0]], 1.0)


def test_relaxation_bound_on_costs_far_below_one():
    # found by the thorough hypothesis profile: the lambda grid was in absolute units for max|C| < 1,
    # i.e. lambda = 6.4e4 x the cost scale, beyond what the relaxed layer certifies
    from otcheck.claims.section3 import relaxation_bound

    ev = relaxation_bound([1.0], [0.5, 0.5], [[0.0, 0.015625]], penalties=("kl",), lambdas=(0.0, 1.0, 100.0, 1000.0))
    assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]


def test_relaxation_bound_slow_js_limit_is_proven_by_the_rate_bound():
    # found by the thorough hypothesis profile: JS approaches W_c like 1/lambda with a large constant,
    # so a fixed relative tolerance at the largest lambda failed; the Pinsker-type bound
    # r^2 / (4 c lambda), which tends to 0, holds and proves the limit
    from otcheck.claims.section3 import relaxation_bound

    ev = relaxation_bound([0.5, 0.5], [1 / 3, 2 / 3], [[0.0, 0.0], [0.0, 5.0]], penalties=("js",),
                          lambdas=(0.0, 1.0, 100.0, 1000.0))
    assert ev.verdict == "holds"
    rate = [p for p in ev.parts if "r^2/(4 c lambda)" in p.note]
    assert len(rate) == 1 and 0 < rate[0].lhs <= rate[0].rhs == 25 / (4 * 0.5 * 5000)


def test_kl_bound_keeps_its_digits_at_large_lambda_over_cost():
    from otcheck.relaxed import relaxed_cost

    res = relaxed_cost([1.0], [0.5, 0.5], [[0.0, 0.00390625]], 1.0, "kl")
    exact = -np.log(0.5 + 0.5 * np.exp(-0.00390625))  # one input: q_j ~ b_j exp(-C_j / lambda)
    assert res.certified and res.dual_bound <= exact + 1e-15 and exact - res.dual_bound <= 1e-12


def test_relaxation_bound_slow_mmd_limit_is_proven_by_the_rate_bound():
    # found by the thorough hypothesis profile: MMD^2 >= lambda_min(K) ||q - b||_1^2 / m gives the rate
    from otcheck.claims.section3 import relaxation_bound

    ev = relaxation_bound([0.75, 0.25], [1 / 3, 1 / 3, 1 / 3], [[0.0, 0.0, 7.0], [0.0, 0.0, 0.0]],
                          penalties=("mmd2",), lambdas=(0.0, 1.0, 100.0, 1000.0), kernel=_code_kernel(3))
    assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]
    assert any("r^2/(4 c lambda)" in p.note for p in ev.parts)
