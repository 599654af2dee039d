"""Appendix B proof steps (B.1 Theorem 1, B.2 Corollary 7, B.3 Lemma 8): each step holds, property tests, bad
inputs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otcheck import strategies as ots
from otcheck.bounds import Bound
from otcheck.claims import appendix_b as ap
from otcheck.claims import registry


def _points(n, dim, unique=False):
    el = st.floats(-2.0, 2.0, allow_nan=False).map(lambda v: round(v, 3))
    return st.lists(st.tuples(*[el] * dim), min_size=n, max_size=n, unique=unique).map(np.array)


@st.composite
def instances(draw, max_n=4, max_m=3, dim=2):
    mu = draw(ots.measures(dim=dim, min_atoms=1, max_atoms=max_n, scale=1.5))
    m = draw(st.integers(1, max_m))
    b = draw(ots.weights(m))
    return mu.weights, mu.atoms, b, draw(_points(m, dim))


def leaves(ev):
    """The innermost parts of a piece of evidence (the comparisons themselves)."""
    return [q for p in ev.parts for q in leaves(p)] if ev.parts else [ev]


def assert_compared_by_bounds(ev):
    """Every comparison passed two Bounds, with their provenance, and no hand-set margin."""
    for p in leaves(ev):
        assert isinstance(p.lhs_bound, Bound) and isinstance(p.rhs_bound, Bound), p.note
        assert p.method != "unspecified", p.note
        assert p.tolerance == 0.0, p.note  # the bounds' widths are the only tolerance
        assert p.guarantee in ("proof", "estimate") and p.confidence is None, p.note  # nothing sampled here


def assert_undecided_only_where_unresolved(ev):
    """No part fails; a part is undecided only where a solver could not resolve the instance."""
    for p in leaves(ev):
        assert p.verdict != "fails", (p.note, str(p.lhs_bound), str(p.rhs_bound))
        if p.verdict == "undecided":
            assert p.method == "not certified" or not (p.lhs_bound.tight and p.rhs_bound.tight), p.note


@pytest.mark.parametrize("cid", ["theorem1-proof", "corollary7-proof", "lemma8-proof"])
def test_steps_that_hold(cid):
    claim = registry[cid]
    assert claim.kind == "step"
    ev = claim.run()
    assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]
    assert "holds" in ev.details["proposition"]
    assert_compared_by_bounds(ev)


def test_guarantees_of_the_steps():
    t1 = {p.note.split(":")[0]: p for p in leaves(registry["theorem1-proof"].run())}
    eq10 = t1["eq. 10"]
    assert eq10.guarantee == "proof" and eq10.lhs_bound.guarantee == eq10.rhs_bound.guarantee == "proof"
    assert registry["theorem1-proof"].run().details["proposition_holds"] is True
    c7 = leaves(registry["corollary7-proof"].run())
    # the OT values are certified for the float64 costs, then widened by the costs' rounding: estimates
    assert all(p.guarantee == "estimate" for p in c7)
    assert "certified" in c7[2].lhs_bound.method and "rounding of E||x - Y||^2" in c7[2].lhs_bound.method
    l8 = leaves(registry["lemma8-proof"].run())
    assert all("quadrature" in p.lhs_bound.method for p in l8)
    assert l8[3].rhs_bound.is_exact  # sigma^2, as given


def test_no_tolerance_parameters():
    """The comparisons take no tolerance: the bounds' own widths decide."""
    import inspect

    for fn in (ap.theorem1_proof, ap.corollary7_proof, ap.lemma8_proof):
        assert "tol" not in inspect.signature(fn).parameters, fn.__name__


def test_degenerate_costs_leave_the_encoder_lp_undecided():
    """Costs of 1e-21: HiGHS reports the dual value 0 for an optimum of 2.2e-21, so the LP over
    encoders is not tight and eq. 11's equality is undecided (the other steps hold), never 'fails'."""
    ev = ap.theorem1_proof([1.0], [[0.0, 4.685374570061474e-11]], [0.5, 0.5], [[0.0, 0.0], [0.0, 0.0]])
    assert ev.verdict == "undecided"
    und = [p for p in leaves(ev) if p.verdict == "undecided"]
    assert [p.note for p in und] == ["eq. 11: and its value equals eq. 10's"]
    assert not und[0].lhs_bound.tight and und[0].lhs_bound.contains(und[0].rhs_bound.value)


def test_encoder_lp_bound_accounts_for_highs_dual_infeasibility():
    """An instance where HiGHS's primal and dual values agree but both sit 1.9e-12 above the certified
    OT value: EncoderLP.bound alone would exclude the optimum (a false 'fails'); the widened bound holds."""
    a = np.array(
        [0.3333333333333333, 0.2857142857142857, 0.09523809523809523, 0.09523809523809523, 0.19047619047619047]
    )
    X = np.array(
        [
            [8.283381688046062e-106, 6.103515625e-05],
            [0.0001, -0.25962252761767857],
            [-0.4352965077439416, 1e-11],
            [-0.009656189029278783, -0.4707990713172546],
            [-0.2858864620200724, 0.0],
        ]
    )
    b = np.array([0.5, 0.42857142857142855, 0.14285714285714285, 0.14285714285714285, 0.2857142857142857])
    b = np.append(b * 0.5, 0.5 * b[0])
    b = b / b.sum()
    G = np.array([[0.004, 0.0], [0.0, -0.368], [0.004, -0.0], [-0.0, -0.0], [0.0, 1.328], [0.004, 0.0]])
    ev = ap.theorem1_proof(a, X, b, G)
    assert ev.verdict == "holds", [(p.note, str(p.lhs_bound), str(p.rhs_bound)) for p in ev.failing_parts()]


@given(
    ots.measures(dim=2, max_atoms=5),
    st.integers(1, 5).flatmap(lambda m: st.tuples(ots.weights(m), _points(m, 2))),
    st.sampled_from(["sqeuclidean", "euclidean"]),
)
def test_theorem1_steps_on_random_instances(mu, bG, cost):
    b, G = bG
    G = np.vstack([G, G[:1]])  # force a non-injective decoder
    b = np.append(b * 0.5, 0.5 * b[0])
    b = b / b.sum()
    ev = ap.theorem1_proof(mu.weights, mu.atoms, b, G, cost=cost)
    # costs below the LP solver's resolution (1e-20 and less) leave eq. 11 undecided, never failing
    assert_undecided_only_where_unresolved(ev)
    if all(p.lhs_bound.tight and p.rhs_bound.tight for p in leaves(ev)):
        assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]


@given(instances(), st.integers(1, 3), st.integers(0, 1000))
def test_corollary7_steps_on_random_instances(inst, k, seed):
    a, X, b, G = inst
    rng = np.random.default_rng(seed)
    r = rng.dirichlet(np.ones(k))
    E = rng.normal(0, 1, (k, 2))
    E -= r @ E
    ev = ap.corollary7_proof(a, X, b, G, E, r)
    assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]
    assert_compared_by_bounds(ev)


@settings(max_examples=6)
@given(st.integers(1, 3).flatmap(lambda m: st.tuples(ots.weights(m), _points(m, 1))), st.floats(0.2, 3.0))
def test_lemma8_steps_by_quadrature(bG, sigma2):
    b, G = bG
    ev = ap.lemma8_proof(b, G[:, 0], sigma2)
    assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]
    assert_compared_by_bounds(ev)


def test_lemma8_and_corollary7_bad_inputs():
    with pytest.raises(ValueError, match="sigma2"):
        ap.lemma8_proof([1.0], [0.0], 0.0)
    with pytest.raises(ValueError, match="noise"):
        ap.corollary7_proof([1.0], [[0.0]], [1.0], [[0.0]], [[1.0]], [1.0])
    with pytest.raises(ValueError, match="b"):
        ap.theorem1_proof([1.0], [[0.0]], [0.5], [[0.0]])
    # mismatched dimensions used to broadcast silently into a "fails" verdict
    with pytest.raises(ValueError, match="^noise: has dimension 1, but X has dimension 2"):
        ap.corollary7_proof([1.0], [[0.0, 0.0]], [1.0], [[1.0, 0.0]], [[1.0], [-1.0]], [0.5, 0.5])
    with pytest.raises(ValueError, match="^G: has dimension 1"):
        ap.corollary7_proof([1.0], [[0.0, 0.0]], [1.0], [[1.0]], [[1.0, 0.0], [-1.0, 0.0]], [0.5, 0.5])
    with pytest.raises(ValueError, match="^G: has dimension 1"):
        ap.theorem1_proof([1.0], [[0.0, 0.0]], [1.0], [[0.0]])


@pytest.mark.parametrize(
    "call",
    [
        lambda a, X, b, G: ap.theorem1_proof(a, X, b, G),
        lambda a, X, b, G: ap.corollary7_proof(a, X, b, G, [[1.0, 0.0], [-1.0, 0.0]], [0.5, 0.5]),
    ],
)
def test_a_decoder_with_a_row_per_code_is_required(call):
    """G with 3 rows for a 2-code prior: the error names G (it used to name C or b)."""
    with pytest.raises(ValueError, match=r"^G: has 3 rows, expected len\(b\) = 2"):
        call([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], [0.5, 0.5], [[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
