"""Section 3.2 claims (eq. 12's relaxation, penalty = constraint, the POT objective, Corollary 7, Remark 1):
default sizes hold, every comparison is between Bounds, property tests over otcheck.strategies, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from truth import leaf_parts

from otcheck import DiscreteMeasure
from otcheck.bounds import GUARANTEES
from otcheck.claims import FAILS, HOLDS, UNDECIDED, registry, section3_2
from otcheck.claims._common import transport_bound
from otcheck.claims.section3_2 import corollary7, penalty_constraint, pot_objective, relaxation_bound, remark1
from otcheck.divergences import kernel_matrix
from otcheck.strategies import measures, ot_problems, weights

IDS = ["relaxation-bound", "penalty-constraint", "pot-objective", "corollary7", "remark1"]

#: the guarantees of the comparisons (leaves) of each claim at its default size
GUARANTEES_AT_DEFAULT = {
    "relaxation-bound": {"estimate"},
    "penalty-constraint": {"estimate"},
    "pot-objective": {"estimate"},
    "corollary7": {"estimate", "confidence"},
    "remark1": {"estimate"},
}


def _why(ev):
    return [f"{p} - {p.note}" for p in ev.failing_parts()]


@pytest.mark.parametrize("cid", IDS)
def test_claim_holds_at_default_size(cid):
    ev = registry[cid].run()
    assert ev.verdict == HOLDS, _why(ev)
    assert ev.instance["seed"] == 0
    assert registry[cid].kind == "proposition"


@pytest.mark.parametrize("cid", IDS)
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
    for cid in ("corollary7",):
        sampled = [p for p in leaf_parts(registry[cid].run()) if p.guarantee == "confidence"]
        assert sampled, cid
        for p in sampled:
            assert "bias" in p.note, (cid, p.note)
            if p.relation == "==":
                assert "equivalence margin" in p.note and p.tolerance > 0, (cid, p.note)


def _code_kernel_matrix(m):
    z = np.arange(m, dtype=float)[:, None]
    return kernel_matrix(z, z, kernel="gaussian", bandwidth=1.0)


@given(ot_problems(max_n=4, max_m=4), st.sampled_from(["kl", "js", "gan", "mmd2", "chi2", "tv"]))
def test_relaxation_bound_property(problem, penalty):
    a, b, C = problem
    ev = relaxation_bound(
        a, b, C, penalties=(penalty,), lambdas=(0.0, 1.0, 100.0, 1000.0), kernel_matrix=_code_kernel_matrix(b.size)
    )
    # Holds, except where the relaxed layer itself cannot certify a solve (lambda far above the
    # scale of the costs the optimum uses, e.g. KL at lambda = 1e3 with used costs ~1e-2): then the
    # claim must say undecided, with the layer's reason, never fail and never guess.
    undecided = [p for p in ev.parts if p.verdict == "undecided"]
    assert all("could not certify" in p.note or "no rate bound" in p.note for p in undecided), _why(ev)
    assert ev.verdict == (HOLDS if not undecided else "undecided"), _why(ev)


@settings(max_examples=8)
@given(ot_problems(min_m=2, max_n=4, max_m=4))
def test_penalty_constraint_property(problem):
    a, b, C = problem
    ev = penalty_constraint(a, b, C, kernel_matrix=_code_kernel_matrix(b.size), penalties=("kl", "chi2"))
    # Holds, except where the constrained solver cannot certify (found by the thorough profile: KL with
    # costs (3e-283, 1)): that part is undecided with the solver's reason, never a failure
    undecided = [p for p in ev.parts if p.verdict == UNDECIDED]
    assert all("-- undecided:" in p.note and "not certified" in p.note for p in undecided), _why(ev)
    assert ev.verdict == (HOLDS if not undecided else UNDECIDED), _why(ev)


@settings(max_examples=10)
@given(ot_problems(max_n=4, max_m=4))
def test_pot_objective_property(problem):
    a, b, C = problem
    ev = pot_objective(a, b, C)
    # Holds, except where the relaxed layer cannot certify a solve (found by the thorough profile: JS at
    # lambda = 20 x max|C| with used costs ~1e-5): undecided with the layer's reason, never a crash
    undecided = [p for p in ev.parts if p.verdict == UNDECIDED]
    assert all("could not certify" in p.note for p in undecided), _why(ev)
    assert ev.verdict == (HOLDS if not undecided else UNDECIDED), _why(ev)


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


# ------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "cid, sizes, exc, start",
    [
        ("relaxation-bound", {"dim": 0}, ValueError, "dim:"),
        ("remark1", {"sigma2": -1.0}, ValueError, "sigma2:"),
        ("corollary7", {"n": "5"}, TypeError, "n:"),
        ("pot-objective", {"lam": 1.0}, TypeError, "lam:"),
        ("pot-objective", {"lambdas": (-1.0, 1.0)}, ValueError, "lambdas:"),
        ("relaxation-bound", {"lambdas": (1.0, 0.5)}, ValueError, "lambdas:"),
        ("relaxation-bound", {"penalties": ("kl", "hellinger")}, ValueError, "penalties:"),
        ("penalty-constraint", {"lambdas": ()}, ValueError, "lambdas:"),
        ("penalty-constraint", {"lambdas": ("a",)}, TypeError, "lambdas:"),
    ],
)
def test_bad_sizes(cid, sizes, exc, start):
    with pytest.raises(exc) as info:
        registry[cid].run(**sizes)
    assert str(info.value).startswith(start)


def test_relaxation_claim_sizes_reach_the_check():
    ev = registry["relaxation-bound"].run(seed=2, lambdas=[0.0, 10.0, 1000.0], penalties=["tv"])
    assert ev.verdict == HOLDS and list(ev.details["paths"]) == ["tv"]
    assert ev.instance["lambdas"] == (0.0, 10.0, 1000.0)


def test_bad_instances():
    a = np.array([0.5, 0.5])
    C = np.ones((2, 2))
    mu = DiscreteMeasure([[0.0, 0.0], [1.0, 1.0]])
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


def test_relaxation_bound_on_costs_far_below_one():
    # found by the thorough hypothesis profile: the lambda grid was in absolute units for max|C| < 1,
    # i.e. lambda = 6.4e4 x the cost scale, beyond what the relaxed layer certifies
    ev = relaxation_bound([1.0], [0.5, 0.5], [[0.0, 0.015625]], penalties=("kl",), lambdas=(0.0, 1.0, 100.0, 1000.0))
    assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]


def test_relaxation_bound_slow_js_limit_is_proven_by_the_rate_bound():
    # found by the thorough hypothesis profile: JS approaches W_c like 1/lambda with a large constant,
    # so a fixed relative tolerance at the largest lambda failed; the Pinsker-type bound
    # r^2 / (4 c lambda), which tends to 0, holds and proves the limit
    ev = relaxation_bound(
        [0.5, 0.5], [1 / 3, 2 / 3], [[0.0, 0.0], [0.0, 5.0]], penalties=("js",), lambdas=(0.0, 1.0, 100.0, 1000.0)
    )
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
    ev = relaxation_bound(
        [0.75, 0.25],
        [1 / 3, 1 / 3, 1 / 3],
        [[0.0, 0.0, 7.0], [0.0, 0.0, 0.0]],
        penalties=("mmd2",),
        lambdas=(0.0, 1.0, 100.0, 1000.0),
        kernel_matrix=_code_kernel_matrix(3),
    )
    assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]
    assert any("r^2/(4 c lambda)" in p.note for p in ev.parts)


def test_constrained_bound_accounts_for_the_constraint_violation():
    """The default penalty-constraint instance has constrained solves whose value lies below their own
    Lagrangian bound (the plan exceeds F <= mu by ~1e-10): the interval must still contain the dual bound."""
    from otcheck import relaxed
    from otcheck._validation import as_generator

    a, b, C, _ = section3_2._relaxed_instance(as_generator(0), 5, 4, 2)
    a, b, C, lams = section3_2._relaxation_instance(a, b, C, (0.05, 0.5, 2.0))
    path = relaxed.relaxed_path(a, b, C, lams, "kl")
    below = 0
    for lam, r in zip(lams, path.results):
        c = relaxed.constrained_cost(a, b, C, float(r.penalty_value), "kl")
        bound = section3_2._constrained_bound(c, lam)
        below += c.value < c.dual_bound
        assert bound.lower <= c.dual_bound <= bound.upper and bound.tight
        tb = transport_bound(r, C)
        assert tb.lower <= r.transport <= tb.upper and tb.upper - tb.lower >= r.gap
    assert below >= 1  # the case this helper exists for


def test_relaxation_bound_without_a_rate_bound_is_undecided():
    """TV below lambda = r neither reaches W_c^dagger nor has a rate bound: the limit is undecided, not held."""
    ev = relaxation_bound([0.5, 0.5], [0.25, 0.75], [[0.0, 1.0], [1.0, 0.0]], penalties=("tv",), lambdas=(0.0, 0.1))
    limit = [p for p in ev.parts if "limit is not proven" in p.note]
    assert len(limit) == 1 and limit[0].verdict == UNDECIDED
    assert ev.verdict == UNDECIDED


def test_penalty_constraint_optimum_at_the_edge_of_the_simplex():
    """Found by the thorough profile: a = (1,), b = (3/4, 1/4), C = [[0, 1]], lambda = 0.05: q_2 ~ 7e-10, the
    constrained solve exceeds its constraint by 4.5e-9 and its own multiplier is 4 % low; the penalized lambda
    bounds the slope and the parts agree."""
    ev = penalty_constraint(
        [1.0], [0.75, 0.25], [[0.0, 1.0]], kernel_matrix=_code_kernel_matrix(2), penalties=("kl", "chi2")
    )
    assert ev.verdict == HOLDS, _why(ev)


def test_relaxed_bound_widens_with_lambda():
    """Found by the thorough profile: at lambda = 3312.5 the KL Lagrangian bound is 4.5e-13 above the exact
    W^lambda = 0; a bracket widened by the cost scale alone excluded 0, the relaxed layer's own bound (widened with
    lambda) does not."""
    from otcheck import relaxed

    a, b, C = np.array([6 / 7, 1 / 7]), np.full(3, 1 / 3), np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 3.3125]])
    r = relaxed.relaxed_cost(a, b, C, 3312.5, "kl")
    assert r.bound.contains(0.0)
    ev = relaxation_bound(a, b, C, penalties=("kl",), lambdas=(0.0, 1.0, 100.0, 1000.0))
    assert ev.verdict == HOLDS, _why(ev)


def test_penalty_values_are_sized_as_probabilities():
    """Found by the thorough profile: mu_lambda = 3e-32 then 0 (both exactly 0 in exact arithmetic, chi^2 with
    q = b attainable): compared at the size of the probabilities they are computed from, not their own."""
    ev = penalty_constraint(
        [0.5, 0.5], [0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], kernel_matrix=_code_kernel_matrix(2), penalties=("kl", "chi2")
    )
    assert ev.verdict == HOLDS, _why(ev)


def test_pot_objective_uncertified_solve_is_undecided():
    a = np.full(3, 1 / 3)
    C = np.array([[1.0, 2.0**-24], [0.0, 0.0], [2.0**-14, 0.0]])
    ev = pot_objective(a, [0.5, 0.5], C)  # used to raise UncertifiedError (JS at 2 lambda = 20)
    undecided = [p for p in ev.parts if p.verdict == UNDECIDED]
    assert ev.verdict == UNDECIDED and len(undecided) == 1 and "could not certify" in undecided[0].note
    assert sum(p.verdict == HOLDS for p in ev.parts) == 8  # the two other lambdas are decided


def test_relaxation_rate_bound_does_not_underflow():
    """Found by the thorough profile: costs ~4e-265 made r^2 underflow to 0, a rate 'bound' of 0 below the gap."""
    C = [[0.0, 3.90065449e-265]]
    for pen in ("kl", "js", "chi2"):
        ev = relaxation_bound([1.0], [0.5, 0.5], C, penalties=(pen,), lambdas=(0.0, 1.0, 100.0, 1000.0))
        assert ev.verdict == HOLDS, _why(ev)
        rate = [p for p in ev.parts if "r^2/(4 c lambda)" in p.note]
        assert len(rate) == 1 and 0 < rate[0].lhs <= rate[0].rhs
