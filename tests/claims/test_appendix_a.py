"""Appendix A claims (Props. 4 and 5): they hold, compare certified infima, property tests, bad inputs."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from otcheck import strategies as ots
from otcheck.bounds import Bound
from otcheck.claims import appendix_a as ap
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


@pytest.mark.parametrize("cid", ["prop4", "prop5"])
def test_propositions_hold_at_default_size(cid):
    claim = registry[cid]
    assert claim.kind == "proposition" and claim.section == "A"
    ev = claim.run()
    assert ev.verdict == "holds"
    assert_compared_by_bounds(ev)


def test_prop4_compares_certified_infima():
    ev = registry["prop4"].run()
    for p in leaves(ev):
        assert "relaxed OT" in p.lhs_bound.method and p.lhs_bound.tight  # certified convex program
        assert p.lhs_bound.guarantee == "estimate"
        assert p.lhs_bound.upper < p.rhs_bound.lower  # holds with room, not by overlap


def test_no_tolerance_parameters():
    """The comparisons take no tolerance: the bounds' own widths decide."""
    import inspect

    for fn in (ap.prop4, ap.prop5):
        assert "tol" not in inspect.signature(fn).parameters, fn.__name__


# ---------------- property tests ----------------
@settings(max_examples=8)
@given(instances(), st.floats(0.1, 2.0))
def test_prop4_on_random_instances(inst, sigma2):
    ev = ap.prop4(*inst, sigma2)
    assert ev.verdict == "holds", ev.details
    assert_compared_by_bounds(ev)


@given(instances(), st.data())
def test_prop5_on_classes_meeting_the_assumption(inst, data):
    a, X, b, G = inst
    assume(b.max() <= math.exp(-0.25))  # then every deterministic row has KL = -log b_j >= 1/4
    Qs = [data.draw(ots.encoders(X.shape[0], b.size, deterministic=True)) for _ in range(3)]
    ev = ap.prop5(a, X, b, G, 0.5, Qs)
    assert ev.verdict == "holds"
    assert_compared_by_bounds(ev)


def test_prop5_enforces_its_assumption():
    with pytest.raises(ValueError, match="encoders"):
        ap.prop5([1.0], [[0.0]], [0.5, 0.5], [[0.0], [1.0]], 0.5, [np.array([[0.5, 0.5]])])
    with pytest.raises(ValueError, match="encoders"):
        ap.prop5([1.0], [[0.0]], [0.5, 0.5], [[0.0], [1.0]], 0.5, [])


@pytest.mark.parametrize(
    "call",
    [
        lambda a, X, b, G: ap.prop4(a, X, b, G, 0.5),
        lambda a, X, b, G: ap.prop5(a, X, b, G, 0.5, [np.eye(2)]),
    ],
)
def test_a_decoder_with_a_row_per_code_is_required(call):
    """G with 3 rows for a 2-code prior: the error names G (it used to name C or b)."""
    with pytest.raises(ValueError, match=r"^G: has 3 rows, expected len\(b\) = 2"):
        call([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], [0.5, 0.5], [[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
