"""Appendix A proof steps (Props. 4 and 5): the findings and their counterexamples, the displayed chain,
property tests, bad inputs."""

import math

import numpy as np
import pytest
from hypothesis import assume, find, given, settings
from hypothesis import strategies as st

from otcheck import divergences as D
from otcheck import strategies as ots
from otcheck.bounds import Bound
from otcheck.claims import appendix_a_proofs as ap
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


def proven_apart(p):
    """The two bounds of a part are disjoint, each tight: a 'fails' that no rounding explains."""
    lo, hi = sorted([p.lhs_bound, p.rhs_bound], key=lambda b: float(b.value))
    return lo.tight and hi.tight and lo.upper < hi.lower


def test_prop4_proof_finding_is_the_last_equality_only():
    ev = registry["prop4-proof"].run()
    assert registry["prop4-proof"].kind == "step"
    assert [p.verdict for p in ev.parts] == ["holds", "holds", "holds", "fails"]
    d = ev.details
    assert d["proposition_holds"] and d["D_AAE"] <= d["D_AVB_gan"] <= d["D_AVB_kl"]
    assert_compared_by_bounds(ev)
    last = ev.parts[3]
    assert proven_apart(last) and last.guarantee == "estimate"
    # apart by far more than the bounds' widths: no tolerance artefact
    gap = float(last.rhs_bound.lower) - float(last.lhs_bound.upper)
    assert gap > 1e3 * max(float(last.lhs_bound.width), float(last.rhs_bound.width))


def test_prop5_proof_findings_and_counterexamples():
    ev = registry["prop5-proof"].run()
    failing = {p.note for p in ev.parts if p.verdict == "fails"}
    assert failing == set(ev.details["expected_findings"])
    assert_compared_by_bounds(ev)
    for p in ev.parts:
        if p.verdict == "fails":  # decided at the smallest counterexample, by the bounds alone
            assert proven_apart(p) and p.instance["compared_at"] == "smallest counterexample"
            assert p.confidence is None and p.guarantee == "estimate"
    cex = ev.details["counterexamples"]
    # each reported counterexample really violates its inequality, recomputed here
    p, q = (
        np.array(cex["s2 JS <= 1/2 TV, TV = 1/2 ||P-Q||_1 (nats)"]["p"]),
        np.array(cex["s2 JS <= 1/2 TV, TV = 1/2 ||P-Q||_1 (nats)"]["q"]),
    )
    assert p.size == 2 and D.js(p, q) > 0.5 * D.tv(p, q)
    p, q = (
        np.array(cex["s3 ||P-Q||_1 <= sqrt(KL) (the TV of s2)"]["p"]),
        np.array(cex["s3 ||P-Q||_1 <= sqrt(KL) (the TV of s2)"]["q"]),
    )
    assert np.abs(p - q).sum() > math.sqrt(D.kl(p, q))
    for name in (
        "s2 JS <= 1/2 ||P-Q||_1 (Lin: V = L1, bits)",
        "s3 TV <= sqrt(KL), TV = 1/2 ||P-Q||_1",
        "s4 JS <= 1/2 sqrt(KL)",
        "s4' JS <= sqrt(KL / 2) (corrected chain)",
    ):
        assert cex[name] is None
    assert ev.details["s7_reading_without_half"]["max sqrt(KL) - KL on [1/4, 1)"] > 0
    assert ev.details["proposition_holds"] is True


def test_findings_do_not_fail_verify():
    import otcheck

    rep = otcheck.verify(ids=["prop4-proof", "prop5-proof", "prop5"])
    assert rep.ok and len(rep.findings) == 2
    js = rep.to_json()
    assert "counterexample" in js and "s2 JS" in js


def test_no_tolerance_parameters():
    """The comparisons take no tolerance: the bounds' own widths decide."""
    import inspect

    for fn in (ap.prop5_chain, ap.prop4_proof, ap.prop5_proof):
        assert "tol" not in inspect.signature(fn).parameters, fn.__name__


@settings(max_examples=8)
@given(instances(), st.data())
def test_prop4_proof_jensen_steps(inst, data):
    a, X, b, G = inst
    Qs = [data.draw(ots.encoders(X.shape[0], b.size, zeros=True)) for _ in range(3)]
    ev = ap.prop4_proof(a, X, b, G, 0.5, Qs)
    assert [p.verdict for p in ev.parts[:3]] == ["holds"] * 3
    assert ev.details["proposition_holds"]
    assert_compared_by_bounds(ev)
    # the last line fails exactly when the GAN-regularized infimum is proven below the KL one
    last = ev.parts[3]
    assert ev.details["D_AVB_kl"] >= ev.details["D_AVB_gan"]
    assert (last.verdict == "fails") == (last.lhs_bound.upper < last.rhs_bound.lower)


@given(st.integers(2, 4).flatmap(lambda n: st.tuples(ots.weights(n), ots.weights(n))))
def test_cited_inequalities_that_hold(pq):
    p, q = pq
    js, kl, tv, l1 = D.js(p, q), D.kl(p, q), D.tv(p, q), float(np.abs(p - q).sum())
    assert js / math.log(2) <= 0.5 * l1 + 1e-12  # Lin 91, Thm 3 (V = L1, bits)
    assert tv <= math.sqrt(kl) + 1e-12  # Pinsker-type, TV = 1/2 L1
    assert js <= 0.5 * math.sqrt(kl) + 1e-12  # the combined step s4
    assert D.gan(p, q) <= 2 * js - math.log(4) + 1e-12


def test_hypothesis_finds_the_smallest_counterexamples():
    pairs = st.integers(2, 4).flatmap(lambda n: st.tuples(ots.weights(n, zeros=True), ots.weights(n, zeros=True)))
    p, q = find(pairs, lambda pq: D.js(*pq) > 0.5 * D.tv(*pq) + 1e-12)
    assert p.size == 2  # two atoms suffice
    p, q = find(pairs, lambda pq: np.abs(pq[0] - pq[1]).sum() > math.sqrt(D.kl(*pq)) + 1e-12)
    assert p.size == 2


def test_prop5_proof_bad_inputs():
    # the pair search's own bad inputs are tested in tests/claims/test_search.py
    with pytest.raises(TypeError, match="draws"):
        ap.prop5_proof(draws=2.5)


@settings(max_examples=10)
@given(instances(), st.data())
def test_prop5_display_chain_line_by_line(inst, data):
    a, X, b, G = inst
    assume(b.max() <= math.exp(-0.25))
    Qs = [data.draw(ots.encoders(X.shape[0], b.size, deterministic=True)) for _ in range(2)]
    ev = ap.prop5_chain(a, X, b, G, 0.5, Qs)
    assert ev.verdict == "holds", [(p.note, p.lhs, p.rhs) for p in ev.failing_parts()]
    assert_compared_by_bounds(ev)
    lines = np.asarray(ev.details["lines_1_3_4_5"])
    assert np.all(np.diff(lines, axis=1) >= -1e-9)


@pytest.mark.parametrize(
    "call",
    [
        lambda a, X, b, G: ap.prop4_proof(a, X, b, G, 0.5, [np.eye(2)]),
    ],
)
def test_a_decoder_with_a_row_per_code_is_required(call):
    """G with 3 rows for a 2-code prior: the error names G (it used to name C or b)."""
    with pytest.raises(ValueError, match=r"^G: has 3 rows, expected len\(b\) = 2"):
        call([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], [0.5, 0.5], [[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
