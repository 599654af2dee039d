"""otcheck.claims._common: the bounds of numbers a check computes itself, and the recording helpers."""

import json
import math
from fractions import Fraction

import numpy as np
import pytest

from otcheck.bounds import FLOAT_REL_ERROR, Bound
from otcheck.claims import FAILS, HOLDS, UNDECIDED, Recorder
from otcheck.claims._common import (
    ZERO,
    argmin_bound,
    float_bound,
    headline,
    max_bound,
    min_bound,
    rational_bound,
    record_infinite,
    record_unless_it_fails,
    record_worst,
    rounded_input,
    weighted_sum,
    with_sizes,
)


def test_float_bound_is_an_estimate_of_the_inputs_size_and_keeps_infinity():
    b = float_bound(1e-17, 1.0, "a cancellation")
    assert b.guarantee == "estimate" and b.tight and b.upper - b.lower >= 2 * FLOAT_REL_ERROR
    assert b.method == "closed form (float64): a cancellation"
    inf = float_bound(math.inf, 1.0, "KL")
    assert inf.lower == inf.upper == math.inf and not inf.tight


def test_extremes_of_bounds():
    a, b = Bound.interval(0.0, 1.0, method="a"), Bound.interval(5.0, 6.0, method="b", tight=False)
    hi = max_bound([a, b])
    assert (float(hi.lower), float(hi.upper)) == (5.0, 6.0) and not hi.tight and hi.method == "max of: a; b"
    lo = min_bound([a, b], method="named")
    assert (float(lo.lower), float(lo.upper)) == (0.0, 1.0) and lo.method == "named"
    assert lo.tight  # b cannot be the min, so its width does not matter
    c1 = Bound.from_samples([1.0, 1.1, 0.9], confidence=0.95)
    c2 = Bound.from_samples([2.0, 2.1, 1.9], confidence=0.99)
    both = min_bound([c1, c2])
    assert both.guarantee == "confidence" and both.confidence == pytest.approx(0.94)  # Bonferroni
    assert max_bound([c1, Bound.floating(3.0)]).guarantee == "estimate"
    with pytest.raises(ValueError, match="^bounds"):
        max_bound([])


def test_weighted_sum_rounds_outward_and_keeps_floats():
    s = weighted_sum([0.25, 0.75], [Bound.floating(1.0), Bound.floating(2.0)])
    assert s.contains(1.75) and s.guarantee == "estimate" and isinstance(s.value, float)
    with pytest.raises(ValueError, match="^bounds"):
        weighted_sum([], [])


def test_rational_bound_is_a_proof_at_most_one_ulp_wide():
    x = Fraction(1, 3) + Fraction(1, 10**30)
    b = rational_bound(x, "a rational")
    assert b.guarantee == "proof" and Fraction(b.lower) <= x <= Fraction(b.upper)
    assert math.nextafter(float(b.lower), math.inf) >= float(b.upper)
    assert rational_bound(Fraction(1, 2), "exact").lower == rational_bound(Fraction(1, 2), "exact").upper == 0.5


def test_rounded_input_takes_a_size_or_the_input():
    C = np.array([[0.0, -4.0], [2.0, 1.0]])
    by_array, by_size = rounded_input(Bound.exact(1.0), C, "C"), rounded_input(Bound.exact(1.0), 4.0, "C")
    assert by_array == by_size and by_array.guarantee == "estimate"
    assert float(by_array.upper) - 1.0 >= FLOAT_REL_ERROR * 4.0
    assert rounded_input(Bound.exact(1.0), np.zeros((0, 2)), "nothing").contains(1.0)


def test_argmin_bound_widens_with_flat_objectives_and_is_one_sided_without_curvature():
    sharp = argmin_bound(1.0, xatol=1e-10, curvature=2.0, fscale=1.0, method="brent")
    flat = argmin_bound(1.0, xatol=1e-10, curvature=2e-6, fscale=1.0, method="brent")
    assert sharp.contains(1.0) and flat.width > sharp.width and sharp.tight
    none = argmin_bound(1.0, xatol=1e-10, curvature=0.0, fscale=1.0, method="brent")
    assert math.isinf(none.upper) and not none.tight


def test_record_worst_records_the_deciding_pair(temp_claims):
    one, two = Bound.exact(1.0), Bound.exact(2.0)

    def check(seed=0):
        rec = Recorder()
        every = record_worst(
            rec,
            [(one, two), (two, one), (one, one)],
            "<=",
            note="every pair",
            instances=[{"k": 0}, {"k": 1}, {"k": 2}],
            labels=["a", "b", "c"],
        )
        assert every.verdict == FAILS and every.instance == {"k": 1} and every.note == "every pair [deciding b of 3]"
        assert every.details["verdicts"] == {HOLDS: 2, FAILS: 1} and every.details["deciding_pair"] == 1
        least_room = record_worst(rec, [(one, two), (one, one)], "<=", note="all hold")
        assert least_room.verdict == HOLDS and least_room.details["deciding_pair"] == 1
        some = record_worst(rec, [(one, one), (one, two)], "depends on", any_of=True, note="some pair")
        assert some.verdict == HOLDS and some.details["deciding_pair"] == 1
        with pytest.raises(ValueError, match="^labels: expected one per pair"):
            record_worst(rec, [(one, two)], "<=", note="x", labels=[])
        with pytest.raises(ValueError, match="^pairs"):
            record_worst(rec, [], "<=", note="x")
        return rec.evidence()

    assert temp_claims("t-worst", check).run().verdict == FAILS


def test_record_unless_it_fails_turns_a_failure_into_undecided(temp_claims):
    def check(seed=0):
        rec = Recorder()
        held = record_unless_it_fails(rec, Bound.exact(1.0), Bound.exact(2.0), "<=", note="holds", why="-")
        failed = record_unless_it_fails(
            rec, Bound.exact(3.0), Bound.exact(2.0), "<=", note="a limit", why="not reached yet"
        )
        assert held.verdict == HOLDS and held.note == "holds"
        assert failed.verdict == UNDECIDED and failed.note == "a limit; not reached yet" and rec.parts[-1] is failed
        return rec.evidence()

    assert temp_claims("t-unless", check).run().verdict == UNDECIDED


def test_headline_makes_a_part_the_table_row(temp_claims):
    def check(seed=0):
        rec = Recorder()
        first = rec.compare(Bound.floating(1.0), ZERO, ">", note="first")
        rec.compare(Bound.exact(3.0), Bound.exact(2.0), "<=", note="second fails")
        return with_sizes(rec.evidence(**headline(first)), seed=seed, n=3)

    ev = temp_claims("t-headline", check).run(seed=4)
    assert ev.verdict == FAILS and (ev.relation, float(ev.lhs), float(ev.rhs)) == (">", 1.0, 0.0)
    assert ev.lhs_bound == Bound.floating(1.0) and ev.instance == {"seed": 4, "n": 3}


def test_record_infinite_decides_two_proven_infinities_and_refuses_the_rest():
    rec = Recorder("demo")
    part = record_infinite(rec, ">=", note="both +inf", why="a code of prior mass 0")
    assert part.verdict == HOLDS and part.guarantee == "proof" and rec.parts == [part]
    assert part.lhs_bound is not None and part.lhs_bound.lower == math.inf and "prior mass 0" in part.method
    json.dumps(part.to_dict())  # inf is written as "inf"
    with pytest.raises(ValueError, match="relation"):
        record_infinite(rec, "<", note="x", why="y")
    with pytest.raises(ValueError, match="why"):
        record_infinite(rec, "==", note="x", why="")
